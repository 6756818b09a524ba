"""Surrogates: design, domain, save/load, errors against physics; the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.twin import load_recipe
from gigatwin.twin.performance import surrogate as sg

RECIPE = "examples/recipes/nmc811_sigraphite_21700.yaml"


@pytest.fixture(scope="module")
def recipe():
    return load_recipe(RECIPE)


@pytest.fixture(scope="module")
def variables(recipe):
    return [sg.parse_vary(recipe, "cathode.coating_areal_loading=20:26"),
            sg.parse_vary(recipe, "cathode.calender_line_load=600:1100")]


@pytest.fixture(scope="module")
def trained(recipe, variables):
    return sg.train(recipe, variables, 12, [0.1, 1.0], model="spme", mesh="coarse", seed=3)


def test_vary_is_read_in_the_recipes_unit(recipe, variables):
    loading, line_load = variables
    assert loading.low == pytest.approx(0.20) and loading.high == pytest.approx(0.26)  # kg/m^2
    assert line_load.low == pytest.approx(6e5) and line_load.unit == "N/mm"
    with pytest.raises(ValueError, match="is not KEY=LOW:HIGH"):
        sg.parse_vary(recipe, "cathode.calender_line_load=600")
    with pytest.raises(ValueError, match="LOW must be below HIGH"):
        sg.parse_vary(recipe, "cathode.calender_line_load=900:600")


def test_latin_hypercube_fills_each_stratum_once(variables):
    """McKay 1979: each of the n equal strata of every variable holds exactly one point."""
    points = sg.latin_hypercube(variables, 10, seed=1)
    for k, v in enumerate(variables):
        strata = np.floor((points[:, k] - v.low) / (v.high - v.low) * 10).astype(int)
        assert sorted(strata) == list(range(10))


def test_with_nominals_changes_only_the_varied_settings(recipe, variables):
    varied = sg.with_nominals(recipe, variables, [0.25, 7e5])
    assert varied.value("cathode.coating_areal_loading") == 0.25
    assert varied["cathode.calender_line_load"].std == recipe["cathode.calender_line_load"].std
    assert recipe.value("cathode.coating_areal_loading") == 0.23


@pytest.mark.slow  # trains on 12 SPMe runs (~25 s)
def test_surrogate_tracks_the_physics_and_knows_its_errors(trained, recipe, variables):
    """Capacity grows with the cathode loading (20 -> 26 mg/cm^2, +30 %): the first charge
    grows by 30 %, but the anode is fixed, so the 0.1C capacity grows by less. With the
    recipe's graphite at 1.5 m^2/g little lithium goes into the SEI and the anode binds
    above about 24.5 mg/cm^2 (N/P 1.07, the end of the example front in
    docs/performance.md; 26 mg/cm^2 is N/P 1.01): the gain stays between +10 % (a third
    of the loading's) and +30 %."""
    mean, std = trained.predict([[0.20, 8.5e5], [0.26, 8.5e5]])
    assert 1.10 < mean[1, 0] / mean[0, 0] < 1.30
    assert np.all(std > 0)
    assert set(trained.heldout) == set(trained.outputs)
    for errors in trained.heldout.values():
        assert errors["runs"] == 3
        assert errors["relative_mae"] < 0.03


@pytest.mark.slow  # trains on 12 SPMe runs (~25 s)
def test_outside_the_domain_is_an_error_naming_the_setting(trained):
    with pytest.raises(sg.DomainError, match=r"cathode.calender_line_load = 1200 N/mm is "
                                             r"outside the surrogate's training domain"):
        trained.predict([[0.23, 1.2e6]])


@pytest.mark.slow  # trains on 12 SPMe runs (~25 s)
def test_saved_model_predicts_the_same_after_loading(trained, tmp_path):
    trained.save(tmp_path / "m.json")
    loaded = sg.Surrogate.load(tmp_path / "m.json")
    x = [[0.21, 7e5], [0.25, 1.05e6]]
    for a, b in zip(trained.predict(x), loaded.predict(x), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9)
    assert loaded.heldout == trained.heldout
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="is not a gigatwin surrogate model"):
        sg.Surrogate.load(tmp_path / "bad.json")


@pytest.mark.slow
def test_cli_train_and_check(tmp_path):
    model = tmp_path / "s.json"
    runner = CliRunner()
    result = runner.invoke(app, ["surrogate", "train", RECIPE, "--vary",
                                 "cathode.coating_areal_loading=21:25", "--runs", "8",
                                 "--rates", "0.2,1", "--model", "spme", "--mesh", "coarse",
                                 "-o", str(model)])
    assert result.exit_code == 0, result.output
    assert "Held-out errors (3 of 8 runs)" in result.output
    result = runner.invoke(app, ["surrogate", "check", str(model), "--runs", "2",
                                 "--json", str(tmp_path / "c.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "c.json").read_text())
    assert data["check"]["capacity_0.2C"]["runs"] == 2


def test_cli_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["surrogate", "train", RECIPE, "--vary", "foo=1:2", "-o", "x"])
    assert result.exit_code == 2 and "has no quantity 'foo'" in result.output
    result = runner.invoke(app, ["surrogate", "check", "no/such/model.json"])
    assert result.exit_code == 2 and "cannot read surrogate model" in result.output
    result = runner.invoke(app, ["surrogate", "train", RECIPE, "--vary",
                                 "cathode.calendering.line_load=600:1100", "-o", "x"])
    assert result.exit_code == 2 and "renamed to 'cathode.calender_line_load'" in result.output
    old = tmp_path / "old.json"  # a model of the twin before the spec vocabulary
    old.write_text(json.dumps({"format": "gigatwin-surrogate/1"}))
    result = runner.invoke(app, ["surrogate", "check", str(old)])
    assert result.exit_code == 2 and "train it again" in result.output
