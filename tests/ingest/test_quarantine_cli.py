"""`gigatwin quarantine list|show|release`: review rejected input without SQL."""

import json

import pytest

from gigatwin.cli.app import main

CSV = ("key,value,unit,ts\n"
       "coating_speed,30,m/min,2026-11-22T10:00:00Z\n"
       "coating_speed,30,kg,2026-11-22T10:00:01Z\n"        # wrong dimension
       "coating_sped,30,m/min,2026-11-22T10:00:02Z\n")     # unknown key


def _run(args, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    out = capsys.readouterr()
    return stop.value.code, out.out, out.err


@pytest.fixture
def store(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text(CSV)
    url = f"duckdb://{tmp_path / 'q.duckdb'}"
    code, _, err = _run(["ingest", "file", str(path), "--store", url], capsys)
    assert code in (0, None), err
    return url


def _listed(url, capsys, *extra):
    code, out, err = _run(["quarantine", "list", "--store", url, "--json", "-", *extra], capsys)
    assert code in (0, None), err
    return json.loads(out)


def test_list_and_show_name_each_rejection_and_its_reason(store, capsys):
    listed = _listed(store, capsys)
    assert len(listed) == 2
    assert {"unit", "key"} == {e["reason"].split(":")[0] for e in listed}
    assert [e["reason"] for e in _listed(store, capsys, "--reason", "kg")][0].startswith("unit:")
    ident = listed[0]["quarantine_id"]
    code, out, _ = _run(["quarantine", "show", ident, "--store", store], capsys)
    assert code in (0, None) and ident in out and '"key": "coating_' in out


def test_release_keeps_what_is_still_invalid_and_stores_a_correction(store, capsys):
    from gigatwin.store import open_store

    ident = _listed(store, capsys, "--reason", "kg")[0]["quarantine_id"]
    code, _, err = _run(["quarantine", "release", ident, "--store", store], capsys)
    assert code == 1 and "still invalid, kept in quarantine" in err
    assert len(_listed(store, capsys)) == 2
    fixed = json.dumps({"key": "coating_speed", "value": 30, "unit": "m/min",
                        "ts": "2026-11-22T10:00:01Z"})
    code, out, err = _run(["quarantine", "release", ident, "--store", store, "--record", fixed],
                          capsys)
    assert code in (0, None), err
    assert "1 stored" in out
    assert [e["quarantine_id"] for e in _listed(store, capsys)] != [ident]
    assert len(_listed(store, capsys)) == 1
    with open_store(store, read_only=True) as opened:
        assert opened.count("signals") == 2          # the good row and the corrected one


def test_bad_requests_are_clear_errors(store, capsys):
    code, _, err = _run(["quarantine", "release", "q:nothing", "--store", store], capsys)
    assert code == 1 and "no quarantined entry 'q:nothing'" in err
    ident = _listed(store, capsys)[0]["quarantine_id"]
    code, _, err = _run(["quarantine", "release", ident, "--store", store, "--record", "{oops"],
                        capsys)
    assert code == 2 and "--record: the corrected record is not JSON" in err
    code, _, err = _run(["quarantine", "list", "--store", "duckdb:///nonexistent/x.duckdb"],
                        capsys)
    assert code not in (0, None) and "Traceback" not in err
