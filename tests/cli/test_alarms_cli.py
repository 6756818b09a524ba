"""``gigatwin alarms list`` and ``ack`` on a DuckDB store holding two alarms."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from gigatwin.cli.app import main
from gigatwin.store import open_store


def _run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        main(args)
    captured = capsys.readouterr()
    return stop.value.code, captured.out + captured.err


@pytest.fixture
def store(tmp_path) -> str:
    url = f"duckdb://{tmp_path / 'alarms.duckdb'}"
    with open_store(url) as opened:
        for i, asset in enumerate(("coater-1", "calender-1")):
            opened.add_event(f"A{i}", datetime(2026, 11, 22, 10, i, tzinfo=UTC), "alarm",
                             asset_id=asset, code="ewma:wet_film_thickness", message="EWMA")
    return url


def test_alarms_are_listed_and_acknowledged_once(store, tmp_path, capsys):
    code, out = _run(["alarms", "ack", "A0", "--store", store, "--by", "erik",
                      "--comment", "die lip cleaned"], capsys)
    assert code == 0 and "acknowledged by erik" in out
    code, out = _run(["alarms", "ack", "A0", "--store", store, "--by", "ada"], capsys)
    assert code == 0 and "acknowledged already by erik" in out
    listed = tmp_path / "alarms.json"
    code, _ = _run(["alarms", "list", "--store", store, "--state", "acknowledged",
                    "--json", str(listed)], capsys)
    assert code == 0
    rows = json.loads(listed.read_text())
    assert [(r["event_id"], r["acked_by"], r["comment"]) for r in rows] == [
        ("A0", "erik", "die lip cleaned")]
    code, out = _run(["alarms", "list", "--store", store, "--asset", "calender-1"], capsys)
    assert code == 0 and "1 of 1 alarm(s)" in out and "A1" in out


def test_an_unknown_alarm_or_store_is_refused_naming_it(store, tmp_path, capsys):
    code, out = _run(["alarms", "ack", "NOPE", "--store", store, "--by", "erik"], capsys)
    assert code == 1 and "no alarm 'NOPE'" in out
    missing = f"duckdb://{tmp_path / 'missing.duckdb'}"
    code, out = _run(["alarms", "ack", "A0", "--store", missing, "--by", "erik"], capsys)
    assert code != 0 and "missing.duckdb" in out
    assert not (tmp_path / "missing.duckdb").exists()  # no store made by a refusal
