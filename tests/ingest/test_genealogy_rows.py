"""Genealogy rows that would give silently wrong traces are quarantined with reasons;
record files that cannot be read unambiguously are refused; an import stopped by a full
disk says how far it got and resumes when run again."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gigatwin.cli.linedata import register
from gigatwin.ingest import files
from gigatwin.ingest.files import ingest_file
from gigatwin.store import open_store

pytestmark = pytest.mark.integration

HEADER = "parent_id,parent_kind,child_id,child_kind,quantity,parent_from_m,parent_to_m,child_from_m,child_to_m\n"

# One bad row per case, each with the words its reason must contain; the good rows
# around them (R1 -> C1 -> S1) must be stored.
BAD_ROWS = {
    "R1,roll,C2,coil,,90,10,,": "parent_from_m 90 m is not below parent_to_m 10 m",
    "R1,roll,C3,coil,,-5,10,,": "parent_from_m -5 m is negative",
    "R1,roll,C4,coil,,0,inf,,": "parent_to_m 'inf' is not finite",
    "R1,roll,C5,coil,,nan,nan,,": "parent_from_m is NaN",
    "R1,roll,C6,coil,,0,10,5,": "child_from_m..child_to_m has one end only",
    "R1,roll,C7,coil,,abc,10,,": "parent_from_m 'abc' is not a number",
    "R1,roll,R1,roll,,,,,": "'R1' is its own parent (a self-loop)",
    "R1,roll,C8,coli,,,,,": "child_kind 'coli' is not one of lot, slurry_batch, roll",
    "R1,coil,C9,coil,,,,,": "parent_kind 'coil' conflicts with the kind 'roll' of 'R1'",
    ",roll,C10,coil,,,,,": "parent_id is empty",
    "R1,roll,C11,coil,-3,,,,": "quantity '-3' is not a finite, non-negative number",
    "S1,sheet,R1,roll,,,,,": "S1 -> R1 would close a cycle",
}
GOOD_ROWS = ["R1,roll,C1,coil,,0,2000,0,2000", "C1,coil,S1,sheet,,100,101,,"]


@pytest.fixture
def genealogy_file(tmp_path) -> Path:
    path = tmp_path / "genealogy.csv"
    path.write_text(HEADER + "\n".join(GOOD_ROWS + list(BAD_ROWS)) + "\n")
    return path


def test_bad_genealogy_rows_are_quarantined_with_their_reasons(store_url, genealogy_file):
    with open_store(store_url) as store:
        counts = ingest_file(store, genealogy_file)
        assert counts.as_dict() == {"received": 14, "stored": 2, "duplicates": 0, "quarantined": 12}
        quarantined = store.query("SELECT raw, reason FROM quarantine")
        assert store.count("objects") == 3  # R1, C1, S1: no object from a rejected row
        assert sorted(r["object_id"] for r in _trace(store, "S1")) == ["C1", "R1", "S1"]
    by_pair = {(json.loads(raw)["parent_id"] or "", json.loads(raw)["child_id"]): reason
               for raw, reason in quarantined}
    for row, expected in BAD_ROWS.items():
        parent, _, child = row.split(",")[:3]
        assert expected in by_pair[(parent, child)], (row, by_pair[(parent, child)])


def _trace(store, object_id):
    from gigatwin.trace import trace

    return [r.as_dict() for r in trace(store, object_id)]


def test_a_kind_conflicting_with_the_stored_object_and_a_cycle_through_stored_rows(store_url, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + "L1,lot,B1,slurry_batch,,,,,\nB1,slurry_batch,R1,roll,,,,,\n")
    second.write_text(HEADER + "R1,roll,L1,,,,,,\nB1,cell,X1,cell,,,,,\n")
    with open_store(store_url) as store:
        assert ingest_file(store, first).stored == 2
        counts = ingest_file(store, second)
        assert (counts.stored, counts.quarantined) == (0, 2)
        reasons = sorted(r[0] for r in store.query("SELECT reason FROM quarantine"))
    assert "parent_kind 'cell' conflicts with the kind 'slurry_batch' of 'B1'" in reasons[1]
    assert "R1 -> L1 would close a cycle" in reasons[0]


def test_a_column_named_twice_is_an_error(tmp_path):
    path = tmp_path / "two_values.csv"
    path.write_text("key,value,unit,ts,value\ncoating_speed,30,m/min,2026-11-22T10:00:00Z,40\n")
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["ingest", "file", str(path), "--store",
                                      f"duckdb://{tmp_path / 'l.duckdb'}"])
    assert result.exit_code == 1   # invalid data (README: 1 invalid data, 2 usage)
    assert "column(s) 'value' appear more than once" in result.output


def test_a_full_disk_stops_the_import_with_the_committed_count_and_it_resumes(tmp_path, monkeypatch):
    """Simulated: the store fails to write the third chunk (ENOSPC). The command says how
    many rows were committed and exits 1; run again, it stores the rest."""
    monkeypatch.setattr(files, "CHUNK_ROWS", 100)
    path = tmp_path / "m.csv"
    path.write_text("key,value,unit,ts,id\n" + "".join(
        f"coating_speed,30,m/min,2026-11-22T10:{i // 60:02d}:{i % 60:02d}Z,r{i}\n" for i in range(350)))
    url = f"duckdb://{tmp_path / 'l.duckdb'}"
    from gigatwin.store.store import Store

    real, calls = Store.store_samples, []

    def fills_up(self, signals, measurements):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, signals, measurements)

    monkeypatch.setattr(Store, "store_samples", fills_up)
    app = typer.Typer()
    register(app)
    stopped = CliRunner().invoke(app, ["ingest", "file", str(path), "--store", url], env={"COLUMNS": "200"})
    assert stopped.exit_code == 1
    assert "import stopped after 200 of 350 rows were committed" in stopped.output
    assert "No space left on device" in stopped.output and "Traceback" not in stopped.output
    resumed = CliRunner().invoke(app, ["ingest", "file", str(path), "--store", url, "--json", "-"],
                                 env={"COLUMNS": "200"})
    assert resumed.exit_code == 0
    with open_store(url) as store:
        assert store.count("signals") == 350
        assert store.counters()["file:m.csv"]["duplicates"] == 200


def test_a_file_import_survives_a_postgresql_restart(postgres_server, tmp_path, monkeypatch):
    """The server restarts between two chunks: the import reconnects, records the outage
    and stores every row once."""
    monkeypatch.setattr(files, "CHUNK_ROWS", 100)
    path = tmp_path / "m.csv"
    path.write_text("key,value,unit,ts,id\n" + "".join(
        f"coating_speed,30,m/min,2026-11-22T10:{i // 60:02d}:{i % 60:02d}Z,r{i}\n" for i in range(300)))
    from gigatwin.store.store import Store

    real, calls = Store.store_samples, []

    def restarts_once(self, signals, measurements):
        calls.append(1)
        if len(calls) == 2:
            postgres_server.restart(1.0)  # the connection this store holds is gone
        return real(self, signals, measurements)

    monkeypatch.setattr(Store, "store_samples", restarts_once)
    url = postgres_server.new_database("file_restart")
    with open_store(url) as store:
        counts = ingest_file(store, path)
        assert (counts.stored, counts.quarantined) == (300, 0)
        assert store.count("signals") == 300
        (message,), = store.query("SELECT message FROM events WHERE code = 'store_unavailable'")
    assert "reconnect attempts" in message
