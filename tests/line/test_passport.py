"""`gigatwin passport`: a cell's measurements and those of everything it came from, in the
display units of the specification, on data the virtual line ingested."""

import csv
import io
import json

import pytest

from gigatwin.cli.app import main
from gigatwin.line.config import NO_DISTURBANCE
from gigatwin.line.sinks import StoreSink, run_to


@pytest.fixture(scope="module")
def line_store(fast_line, tmp_path_factory):
    from gigatwin.store import open_store

    url = f"duckdb://{tmp_path_factory.mktemp('passport') / 'line.duckdb'}"
    with open_store(url) as store:
        run_to(fast_line, NO_DISTURBANCE, [StoreSink(store)], duration=1.2 * 86400, seed=4)
        cell = store.query("SELECT min(object_id) FROM objects WHERE kind = 'cell'")[0][0]
    return url, cell


def _run(args, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    out = capsys.readouterr()
    return stop.value.code, out.out, out.err


def test_the_passport_reaches_the_coils_and_batches_in_display_units(line_store, capsys):
    url, cell = line_store
    code, out, err = _run(["passport", cell, "--store", url, "--format", "json"], capsys)
    assert code in (0, None), err
    rows = json.loads(out)["measurements"]
    by_key = {r["key"]: r for r in rows}
    # the cell itself: the stack of the 62 Ah pouch design is about 11 mm
    assert by_key["stack_thickness"]["unit"] == "mm"
    assert 10.0 < by_key["stack_thickness"]["value"] < 12.5
    # the coils its electrodes came from, with the metre range of its segment
    porosity = by_key["cathode.calendered_porosity"]
    assert porosity["unit"] == "%" and 15 < porosity["value"] < 35
    assert porosity["kind"] == "roll" and porosity["ranges_m"].endswith(" m")
    # the slurry batch: the recipe's 70 % solid content, in %, within its 0.3 % tolerance
    solids = by_key["cathode.slurry_solid_content"]
    assert solids["unit"] == "%" and solids["value"] == pytest.approx(70.0, abs=1.5)
    assert {r["kind"] for r in rows} >= {"cell", "roll", "slurry_batch"}


def test_csv_and_errors(line_store, capsys):
    url, cell = line_store
    code, out, _ = _run(["passport", cell, "--store", url, "--format", "csv"], capsys)
    assert code in (0, None)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and rows[0]["object_id"] == cell
    code, _, err = _run(["passport", "CELL-NONE", "--store", url], capsys)
    assert code == 1 and "CELL-NONE" in err
    code, _, err = _run(["passport", cell, "--store", url, "--format", "xml"], capsys)
    assert code == 2 and "table, csv, json, jsonld" in err
