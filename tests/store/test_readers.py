"""Readers never write, and `gigatwin store check` finds damage.

trace, track and export open a store read-only: no migration, no write, so they work on
a read-only file, with a read-only PostgreSQL role and beside a DuckDB ingester (on a
snapshot copy); a path that does not exist is an error, not a new empty store."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gigatwin.cli.linedata import register
from gigatwin.ingest.files import ingest_file
from gigatwin.store import open_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "linedata"
pytestmark = pytest.mark.integration


def _cli(*args: str):
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def _readers(url: str) -> list:
    return [_cli("trace", "CELL-1", "--store", url), _cli("track", "C-ROLL-1", "--store", url),
            _cli("export", "cell", "CELL-1", "--store", url)]


def _fingerprint(folder: Path) -> dict:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}


def _example_store(url: str) -> None:
    with open_store(url) as store:
        ingest_file(store, EXAMPLES / "genealogy.csv")


def test_readers_leave_a_read_only_duckdb_file_untouched(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    url = f"duckdb://{folder / 'line.duckdb'}"
    _example_store(url)
    (folder / "line.duckdb").chmod(0o444)
    folder.chmod(0o555)  # (root ignores modes: the fingerprint shows nothing was written)
    before = _fingerprint(folder)
    try:
        results = _readers(url)
    finally:
        folder.chmod(0o755)
    for result in results:
        assert result.exit_code == 0, result.output
    assert "C-ROLL-1" in results[0].output and '"@context"' in results[2].output
    assert _fingerprint(folder) == before


def test_a_store_path_that_does_not_exist_is_an_error_not_a_new_store(tmp_path):
    url = f"duckdb://{tmp_path / 'typo' / 'line.duckdb'}"
    for result in _readers(url) + [_cli("store", "check", url)]:
        assert result.exit_code == 2
        assert "no store at" in result.output
    assert not (tmp_path / "typo").exists()


def test_readers_with_a_read_only_postgresql_role(postgres_server):
    import psycopg

    url = postgres_server.new_database("readonly")
    _example_store(url)
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DROP ROLE IF EXISTS reader")
        con.execute("CREATE ROLE reader LOGIN")
        con.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    reader_url = url.replace("postgres@", "reader@")
    for result in _readers(reader_url) + [_cli("store", "check", reader_url)]:
        assert result.exit_code == 0, result.output
    refused = _cli("ingest", "file", str(EXAMPLES / "measurements.csv"), "--store", reader_url)
    assert refused.exit_code != 0 and "Traceback" not in refused.output


WRITER = """
import sys, time
from gigatwin.store import open_store
store = open_store(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_a_duckdb_reader_beside_a_writing_process_reads_a_snapshot(tmp_path):
    url = f"duckdb://{tmp_path / 'line.duckdb'}"
    _example_store(url)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"  # holds DuckDB's write lock
        for result in _readers(url):
            assert result.exit_code == 0, result.output
        assert "C-ROLL-1" in _readers(url)[0].output
    finally:
        writer.kill()
        writer.wait()
    assert list(tmp_path.iterdir()) == [tmp_path / "line.duckdb"]  # the snapshot was removed


def _corrupt_store(path: Path) -> None:
    """A DuckDB file with ~1.5 MB of signals and random bytes in the middle of its blocks."""
    import pyarrow as pa

    from gigatwin.store.tables import SIGNALS

    n = 100_000
    rows = pa.table({"record_id": [f"r{i}" for i in range(n)],
                     "ts": pa.array([1_700_000_000_000_000 + i for i in range(n)], pa.timestamp("us", "UTC")),
                     "asset_id": ["a"] * n, "key": ["coating_speed"] * n,
                     "value": [float(i) for i in range(n)], "text_value": pa.nulls(n, pa.string()),
                     "unit": ["m/s"] * n, "quality": ["good"] * n, "source": ["t"] * n}, schema=SIGNALS)
    with open_store(f"duckdb://{path}") as store:
        store.write_samples(rows, None)
        store.backend.execute("CHECKPOINT")
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(os.urandom(4096))


def test_store_check_finds_corrupted_data_blocks_and_ingestion_refuses_the_store(tmp_path):
    path = tmp_path / "line.duckdb"
    _corrupt_store(path)
    url = f"duckdb://{path}"
    checked = _cli("store", "check", url)
    assert checked.exit_code == 1
    assert "signals: cannot be read in full" in checked.output and "checksum" in checked.output
    before = _fingerprint(tmp_path)
    refused = _cli("ingest", "file", str(EXAMPLES / "measurements.csv"), "--store", url)
    assert refused.exit_code == 1 and "fails its check, nothing was written" in refused.output
    assert _fingerprint(tmp_path) == before


def test_store_check_passes_a_sound_store_and_names_genealogy_faults(tmp_path):
    url = f"duckdb://{tmp_path / 'line.duckdb'}"
    _example_store(url)
    ok = _cli("store", "check", url)
    assert ok.exit_code == 0 and "OK" in ok.output
    with open_store(url) as store:  # rows written behind the ingestion checks' back
        store.add_objects([{"object_id": "X", "kind": "roll"}, {"object_id": "Y", "kind": "coil"}])
        store.add_edges([{"parent_id": "X", "child_id": "Y", "parent_from_m": 9.0, "parent_to_m": 3.0},
                         {"parent_id": "Y", "child_id": "X"}])
        store.bump_counters("bad", received=3, stored=1, duplicates=0, quarantined=0)
    bad = _cli("store", "check", url)
    assert bad.exit_code == 1
    assert "1 edge(s) with metre range(s) not ordered" in bad.output
    assert "2 edge(s) form cycles, through X, Y" in bad.output
    assert "bad: received 3 != stored 1" in bad.output
