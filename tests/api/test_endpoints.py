"""The endpoints answer what the domain computes, in the spec's units."""

from __future__ import annotations

import numpy as np
import pytest
from support import POINTS, SHIFT_AT, SIGNAL_ASSET, SIGNAL_KEY, signal_records

from gigatwin.spec import load_registry


def test_spec_filters_match_the_registry(service):
    _, client, headers = service
    h = headers["viewer"]
    registry = load_registry()
    every = client.get("/api/v1/spec/parameters", headers=h).json()
    assert len(every) == len(registry.parameters)
    coating_mp = client.get("/api/v1/spec/parameters", headers=h,
                            params={"step": "coating", "role": "MP"}).json()
    assert [p["key"] for p in coating_mp] == [p.key for p in registry.step_parameters("coating")
                                              if p.role == "MP"]
    online = client.get("/api/v1/spec/parameters", headers=h, params={"online": "online"}).json()
    assert {p["key"] for p in online} == {k for k, p in registry.parameters.items() if p.online == "online"}
    shown = client.get("/api/v1/spec/parameters/coating_speed", headers=h).json()
    assert (shown["unit"], shown["display_unit"]) == ("m/s", registry.parameters["coating_speed"].display_unit)
    missing = client.get("/api/v1/spec/parameters/coating_sped", headers=h)
    assert missing.status_code == 404 and "coating_speed" in missing.json()["detail"]
    assert client.get("/api/v1/spec/parameters", headers=h, params={"step": "baking"}).status_code == 404


def test_spec_exports(service):
    _, client, headers = service
    h = headers["viewer"]
    schema = client.get("/api/v1/spec/export", headers=h, params={"format": "json-schema", "step": "coating"})
    assert schema.json()["$schema"].startswith("https://json-schema.org/")
    jsonld = client.get("/api/v1/spec/export", headers=h, params={"format": "jsonld"})
    assert jsonld.headers["content-type"].startswith("application/ld+json") and "@context" in jsonld.json()
    assert "coating_speed" in client.get("/api/v1/spec/export", headers=h, params={"format": "markdown"}).text
    assert client.get("/api/v1/spec/export", headers=h,
                      params={"format": "jsonld", "step": "coating"}).status_code == 422


def test_validate_a_file_like_the_cli(service):
    from gigatwin.api.examples import examples_dir
    from gigatwin.spec import validate_file

    _, client, headers = service
    path = examples_dir() / "records" / "coating_line.csv"
    expected = validate_file(path)
    with path.open("rb") as handle:
        report = client.post("/api/v1/spec/validate-file", headers=headers["viewer"],
                             files={"file": (path.name, handle)}).json()
    assert (report["received"], report["rejected"]) == (expected.received, len(expected.rejected))
    assert [r["errors"] for r in report["records"]] == [[str(p) for p in r.errors] for r in expected.all]
    bad = client.post("/api/v1/spec/validate-file", headers=headers["viewer"],
                      files={"file": ("r.xlsx", b"binary")})
    assert bad.status_code == 422 and ".csv" in bad.json()["detail"]


def test_ingestion_is_idempotent_and_keeps_rejects_with_reasons(service):
    app, client, headers = service
    good = {"key": "coating_speed", "value": 36, "unit": "m/min", "ts": "2026-11-24T10:00:00Z",
            "asset": "coater-9", "id": "idem-1"}
    bad = {"key": "coating_speed", "value": 36, "unit": "kg", "ts": "2026-11-24T10:00:01Z", "id": "idem-2"}
    first = client.post("/api/v1/records", json={"records": [good, bad, "not a record"]},
                        headers=headers["ingest"]).json()
    assert first == {"received": 3, "stored": 1, "duplicates": 0, "quarantined": 2}
    again = client.post("/api/v1/records", json={"records": [good, bad]}, headers=headers["ingest"]).json()
    assert again == {"received": 2, "stored": 0, "duplicates": 2, "quarantined": 0}
    with app.state.database.session() as store:
        assert store.query("SELECT value FROM signals WHERE record_id = 'idem-1'") == [(0.6,)]  # 36 m/min
    kept = client.get("/api/v1/quarantine", headers=headers["engineer"],
                      params={"source": f"api:{_key_id(app)}"}).json()
    reasons = " ".join(q["reason"] for q in kept)
    assert "unit" in reasons and "kg" in reasons and len(kept) == 2


def _key_id(app) -> str:
    with app.state.database.session() as store:
        return store.query("SELECT key_id FROM api_keys WHERE name = 'coater-1'")[0][0]


def _values_um() -> np.ndarray:
    return np.array([r["value"] for r in signal_records()])


def test_spc_chart_of_a_stored_signal_in_display_units(service):
    """I chart limits by hand (Montgomery: CL = mean, UCL = mean + 3 MR-bar / d2, with
    d2 = 2 / sqrt(pi) = 1.1284 for ranges of n = 2) on the readings in um, the spec
    display unit of the key."""
    _, client, headers = service
    out = client.get("/api/v1/spc/chart", headers=headers["viewer"],
                     params={"key": SIGNAL_KEY, "asset": SIGNAL_ASSET, "rules": "none"}).json()
    x = _values_um()
    sigma = np.mean(np.abs(np.diff(x))) / (2 / np.sqrt(np.pi))
    individuals = out["analysis"]["charts"][0]
    assert out["unit"] == "um" and len(out["ts"]) == POINTS
    assert individuals["points"] == pytest.approx(x.tolist(), rel=1e-9)
    assert individuals["center"] == pytest.approx(x.mean(), rel=1e-9)
    assert individuals["ucl"] == pytest.approx(x.mean() + 3 * sigma, rel=1e-9)
    above = {s["index"] for s in individuals["signals"] if x[s["index"]] > individuals["ucl"]}
    assert above and min(above) >= SHIFT_AT  # only the +8 um shift crosses the upper limit


def test_spc_capability_equals_the_domain_function(service):
    from gigatwin.quality import capability

    _, client, headers = service
    out = client.get("/api/v1/spc/capability", headers=headers["viewer"],
                     params={"key": SIGNAL_KEY, "lsl": 190, "usl": 215}).json()
    expected = capability(_values_um(), lsl=190, usl=215)
    assert out["unit"] == "um"
    assert out["result"]["cpk"]["value"] == pytest.approx(expected.indices["cpk"].value, rel=1e-9)
    assert out["result"]["n"] == POINTS
    none = client.get("/api/v1/spc/capability", headers=headers["viewer"], params={"key": SIGNAL_KEY})
    assert none.status_code == 422
    absent = client.get("/api/v1/spc/chart", headers=headers["viewer"], params={"key": "coating_speed",
                                                                               "asset": "nowhere"})
    assert absent.status_code == 404


def test_simulation_equals_the_chain_and_its_histograms_count_every_sample(service):
    from gigatwin.api.examples import example_file
    from gigatwin.twin import load_recipe, simulate

    _, client, headers = service
    out = client.post("/api/v1/simulations", headers=headers["engineer"],
                      json={"example": "nmc622_graphite_pouch", "samples": 300, "seed": 4}).json()
    expected = simulate(load_recipe(example_file("recipes", "nmc622_graphite_pouch")), 300, seed=4).to_dict()
    assert out["yield"] == pytest.approx(expected["yield"])
    # twin outputs are spec keys under their steps (docs/spec.md)
    assert out["steps"].keys() == expected["steps"].keys() >= {"electrolyte_filling", "aging_eol"}
    assert out["cell"]["cell_capacity"]["mean"] == pytest.approx(expected["cell"]["cell_capacity"]["mean"])
    loading = "cathode.coating_areal_loading"
    assert out["steps"]["coating"][loading]["mean"] == pytest.approx(
        expected["steps"]["coating"][loading]["mean"])
    assert sum(out["histograms"]["cell_capacity"]["counts"]) == 300
    both = client.post("/api/v1/simulations", headers=headers["engineer"],
                       json={"example": "nmc622_graphite_pouch", "recipe": {}})
    assert both.status_code == 422


def test_recipe_validation_names_the_problems(service):
    """Every problem at once, as `gigatwin recipe validate --json` gives them (path, kind,
    severity, message); a valid recipe may still carry warnings."""
    import copy

    from gigatwin.api.examples import example_document
    from gigatwin.twin import RecipeError, recipe_from_dict

    _, client, headers = service
    h = headers["viewer"]
    recipe = example_document("recipes", "nmc622_graphite_pouch")
    ok = client.post("/api/v1/recipes/validate", headers=h, json={"recipe": recipe}).json()
    assert ok["ok"] and ok["problems"] == [] and ok["name"] == recipe["name"]
    assert {w["severity"] for w in ok["warnings"]} <= {"warning"}
    broken = client.post("/api/v1/recipes/validate", headers=h,
                         json={"recipe": {"name": "x", "cathode": "not a mapping"}}).json()
    assert not broken["ok"] and broken["problems"]
    assert {"path", "message", "severity", "kind"} <= broken["problems"][0].keys()
    # two independent mistakes and a pre-vocabulary key: all three reported in one answer
    bad = copy.deepcopy(recipe)
    bad["cathode"]["coating_speed"] = "30 kg"  # wrong dimension
    bad["anode"]["coating_sped"] = "30 m/min"  # a misspelt key
    bad["cathode"]["porosity"] = 0.3  # renamed to cathode.calendered_porosity
    with pytest.raises(RecipeError) as caught:
        recipe_from_dict(bad, source="request")
    out = client.post("/api/v1/recipes/validate", headers=h, json={"recipe": bad}).json()
    assert not out["ok"]
    assert out["problems"] == [p.as_dict() for p in caught.value.problems]
    paths = {p["path"] for p in out["problems"]}
    assert {"cathode.coating_speed", "anode.coating_sped"} <= paths
    renamed = [p["message"] for p in out["problems"] if p["path"] == "cathode.porosity"]
    assert renamed and "renamed to 'cathode.calendered_porosity'" in renamed[0]
    simulated = client.post("/api/v1/simulations", headers=headers["engineer"],
                            json={"recipe": bad, "samples": 10})
    assert simulated.status_code == 422 and "anode.coating_sped" in simulated.json()["detail"]


def test_trace_answers_the_domain_walk_with_its_links(service):
    from gigatwin.trace import trace

    app, client, headers = service
    out = client.get("/api/v1/trace/CELL-00000003", headers=headers["viewer"]).json()
    with app.state.database.session() as store:
        expected = [r.as_dict() for r in trace(store, "CELL-00000003")]
    assert out["reached"] == expected
    ids = {r["object_id"] for r in out["reached"]}
    assert all(e["parent_id"] in ids and e["child_id"] in ids for e in out["edges"])
    linked = {e["parent_id"] for e in out["edges"]}
    assert ids - linked == {"CELL-00000003"}  # every upstream object feeds something reached
    assert client.get("/api/v1/trace/CELL-99999999", headers=headers["viewer"]).status_code == 404


def test_plant_scenarios(service):
    _, client, headers = service
    names = client.get("/api/v1/plants/scenarios", headers=headers["viewer"]).json()
    assert "dry_coating" in names
    base = client.get("/api/v1/plants/twin_recipe_plant", headers=headers["viewer"]).json()
    assert base["annual_output"]["unit"] == "GWh/yr"
    unknown = client.get("/api/v1/plants/twin_recipe_plant", headers=headers["viewer"],
                         params={"scenario": "teleportation"})
    assert unknown.status_code == 422 and "teleportation" in unknown.json()["detail"]


def test_the_service_is_self_contained(service):
    _, client, _ = service
    assert client.get("/openapi.json").json()["info"]["title"] == "gigatwin"
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN
    page = client.get("/")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "http" not in page.text.replace('http-equiv', '').split("<body>")[0]  # nothing remote


def test_a_malformed_upload_is_a_clear_422(service):
    _, client, headers = service
    huge_field = b"key,value,unit,ts\n\"" + b"x" * 200_000 + b"\",1,m,2026-11-22T10:00:00Z\n"
    for name, data in (("r.csv", b"\xff\xfe\x00bad"), ("r.csv", huge_field), ("r.json", b"{not json"),
                       ("r.csv", b"a,b\n1,2\n")):
        response = client.post("/api/v1/spec/validate-file", headers=headers["viewer"],
                               files={"file": (name, data)})
        assert response.status_code == 422, (name, response.text)
        assert name in response.json()["detail"]


def test_a_quarantined_record_is_released_only_once_valid(service):
    app, client, headers = service
    h = headers["engineer"]
    bad = {"key": "coating_speed", "value": 42, "unit": "kg", "ts": "2026-11-25T10:00:00Z",
           "asset": "coater-7", "id": "release-1"}
    client.post("/api/v1/records", json={"records": [bad]}, headers=h)
    entry = next(q for q in client.get("/api/v1/quarantine", headers=h).json() if "release-1" in q["raw"])
    url = f"/api/v1/quarantine/{entry['quarantine_id']}/release"
    refused = client.post(url, json={}, headers=h)  # as it is: still the wrong unit
    assert refused.status_code == 422 and "kg" in refused.json()["detail"]
    released = client.post(url, json={"record": {**bad, "unit": "m/min"}}, headers=h)
    assert released.json() == {"received": 1, "stored": 1, "duplicates": 0, "quarantined": 0}
    assert client.post(url, json={}, headers=h).status_code == 404  # no longer in quarantine
    with app.state.database.session() as store:
        assert store.query("SELECT value FROM signals WHERE record_id = 'release-1'") == [(0.7,)]
        assert store.query("SELECT action, target FROM api_audit WHERE action = 'quarantine.release'") == [
            ("quarantine.release", entry["quarantine_id"])]
