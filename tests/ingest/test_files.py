"""File import (CSV and Parquet) into both backends, and the linedata CLI end to end."""

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import rdflib
import typer
from typer.testing import CliRunner

from gigatwin.cli.linedata import register
from gigatwin.ingest.files import ingest_file
from gigatwin.store import open_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "linedata"
pytestmark = pytest.mark.integration


def test_records_csv_is_validated_converted_and_idempotent(store_url):
    with open_store(store_url) as store:
        counts = ingest_file(store, EXAMPLES / "measurements.csv")
        assert counts.as_dict() == {"received": 6, "stored": 4, "duplicates": 0, "quarantined": 2}
        again = ingest_file(store, EXAMPLES / "measurements.csv")  # imported twice: stored once
        assert again.stored == 0 and again.quarantined == 0 and again.duplicates == 6
        # 20 mg/cm^2 = 0.2 kg/m^2; 35 % = 0.35; measurements belong to their product
        values = {m["key"]: m["value"] for m in store.measurements_of("C-COIL-1")}
        assert values == {"coating_areal_loading": pytest.approx(0.2), "dried_porosity": pytest.approx(0.35)}
        (temperature,) = store.query("SELECT value FROM signals WHERE record_id = 's2'")[0]
        assert temperature == pytest.approx(383.15)
        reasons = sorted(r[0] for r in store.query("SELECT reason FROM quarantine"))
        assert "unknown key 'coating_sped'" in reasons[0] and "'kg' measures [mass]" in reasons[1]


def test_parquet_records(tmp_path, store_url):
    path = tmp_path / "m.parquet"
    pq.write_table(pa.table({"key": ["coating_speed"], "value": [60.0], "unit": ["m/min"],
                             "ts": ["2026-11-22T10:00:00Z"]}), path)
    with open_store(store_url) as store:
        assert ingest_file(store, path).stored == 1
        assert store.query("SELECT value FROM signals") == [(pytest.approx(1.0),)]


def test_genealogy_csv_creates_objects_and_quarantines_unknown_ones(store_url):
    with open_store(store_url) as store:
        counts = ingest_file(store, EXAMPLES / "genealogy.csv")
        assert counts.stored == 6 and counts.quarantined == 1
        assert "GHOST-1" in store.query("SELECT reason FROM quarantine")[0][0]


def test_cli_ingest_trace_track_export(tmp_path):
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    url = f"duckdb://{tmp_path / 'line.duckdb'}"
    for name in ("genealogy.csv", "measurements.csv"):
        result = runner.invoke(app, ["ingest", "file", str(EXAMPLES / name), "--store", url])
        assert result.exit_code == 0, result.output
    out = tmp_path / "trace.json"
    result = runner.invoke(app, ["trace", "CELL-1", "--store", url, "--json", str(out)])
    assert result.exit_code == 0, result.output
    roll = next(r for r in json.loads(out.read_text()) if r["object_id"] == "C-ROLL-1")
    assert roll["ranges_m"] == [[1224.0, 1225.0]]
    result = runner.invoke(app, ["track", "C-ROLL-1", "--from", "1200", "--to", "1250", "--store", url,
                                 "--json", str(out)])
    assert result.exit_code == 0 and "1 cells" in result.output
    result = runner.invoke(app, ["track", "C-ROLL-1", "--from", "1", "--to", "2", "--store", url])
    assert "0 cells" in result.output
    doc = tmp_path / "cell.jsonld"
    result = runner.invoke(app, ["export", "cell", "CELL-1", "--store", url, "--format", "jsonld",
                                 "--out", str(doc)])
    assert result.exit_code == 0, result.output
    graph = rdflib.Graph().parse(doc, format="json-ld")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    cell = rdflib.URIRef("urn:gigatwin:object:CELL-1")
    assert (cell, prov.wasDerivedFrom, rdflib.URIRef("urn:gigatwin:object:STACK-1")) in graph
    # the coil's areal loading, observed property = the spec parameter's IRI, value in SI
    sosa = rdflib.Namespace("http://www.w3.org/ns/sosa/")
    from gigatwin.spec import load_registry

    iri = rdflib.URIRef(load_registry().parameters["coating_areal_loading"].iri)
    observations = list(graph.subjects(sosa.observedProperty, iri))
    assert len(observations) == 1
    assert (observations[0], sosa.hasFeatureOfInterest, rdflib.URIRef("urn:gigatwin:object:C-COIL-1")) in graph
    value = graph.value(observations[0], rdflib.URIRef("http://qudt.org/schema/qudt/numericValue"))
    assert float(value) == pytest.approx(0.2)
    result = runner.invoke(app, ["trace", "NOPE", "--store", url])
    assert result.exit_code == 2
