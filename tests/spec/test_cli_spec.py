"""`gigatwin spec ...` commands, run through Typer's test runner."""

import json

import rdflib
from rdflib.namespace import RDF
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.spec import load_registry

runner = CliRunner()
GT = rdflib.Namespace("https://w3id.org/gigatwin/spec#")


def test_list_json_is_a_list_of_parameter_objects():
    result = runner.invoke(app, ["spec", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == len(load_registry().parameters)
    assert {"key", "step", "role", "unit", "description"} <= set(rows[0])


def test_list_one_step_and_unknown_step():
    result = runner.invoke(app, ["spec", "list", "--step", "mixing", "--json"])
    assert result.exit_code == 0
    assert {row["step"] for row in json.loads(result.stdout)} == {"mixing"}
    bad = runner.invoke(app, ["spec", "list", "--step", "baking"])
    assert bad.exit_code == 2 and "unknown step 'baking'" in bad.output


def test_show_known_and_unknown_key():
    result = runner.invoke(app, ["spec", "show", "slurry_density"])
    assert result.exit_code == 0
    assert load_registry().parameters["slurry_density"].unit in result.stdout  # kg/m^3
    bad = runner.invoke(app, ["spec", "show", "slury_density"])
    assert bad.exit_code == 2 and "did you mean slurry_density" in bad.output


def test_export_jsonld_to_file_parses_with_rdflib(tmp_path):
    path = tmp_path / "spec.jsonld"
    result = runner.invoke(app, ["spec", "export", "--format", "jsonld", "-o", str(path)])
    assert result.exit_code == 0, result.output
    g = rdflib.Graph().parse(path, format="json-ld")
    assert len(set(g.subjects(RDF.type, GT.ManufacturingParameter))) == len(load_registry().parameters)


def test_export_other_formats_to_stdout():
    for fmt, marker in (("json-schema", '"$schema"'), ("markdown", "| Category |"), ("html", "<table>")):
        result = runner.invoke(app, ["spec", "export", "--format", fmt])
        assert result.exit_code == 0 and marker in result.stdout, fmt


def test_gaps_json():
    result = runner.invoke(app, ["spec", "gaps", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert rows and all(r["online"] in ("offline", "none") for r in rows)


def test_validate_exit_codes(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("key,value,unit,ts\nslurry_density,1.9,g/cm^3,2026-11-22T10:00:00Z\n")
    assert runner.invoke(app, ["spec", "validate", str(good)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("key,value,unit,ts\nslurry_density,1.9,m/s,2026-11-22T10:00:00Z\n")
    out_json = tmp_path / "report.json"
    result = runner.invoke(app, ["spec", "validate", str(bad), "--json", str(out_json)])
    assert result.exit_code == 1 and "rejected" in result.output
    report = json.loads(out_json.read_text())
    assert report["rejected"] == 1 and "[mass] / [length] ** 3" in report["records"][0]["errors"][0]
