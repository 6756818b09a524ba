"""Line and scenario files: every problem at once, each naming the entry and the key."""

from pathlib import Path

import pytest

from gigatwin.line import LineFileError, load_line, load_scenario

EXAMPLES = Path(__file__).parents[2] / "examples" / "lines"

BAD_LINE = """
name: broken line
recipe: ../recipes/nmc622_graphite_pouch.yaml
sizez: {}
sizes: {coil_length: 300 kg, coils_per_lot: 0, cells_per_rack: 32}
stations:
  - {asset: C-MIX-01, step: mixing, electrode: cathode,
     publishes: [{key: slurry_solid_content}]}
  - {asset: C-MIX-01, step: mixxing, electrode: cathode}
  - {asset: C-COAT-01, step: coating, electrode: cathode,
     publishes: [{key: coating_areal_loadin, period: 10 s}, {key: wet_film_thickness, period: 10 kg}]}
"""


def test_a_line_file_reports_every_problem(tmp_path):
    target = tmp_path / "lines"
    target.mkdir()
    (tmp_path / "recipes").mkdir()
    recipe = EXAMPLES.parent / "recipes" / "nmc622_graphite_pouch.yaml"
    (tmp_path / "recipes" / recipe.name).write_text(recipe.read_text())
    path = target / "line.yaml"
    path.write_text(BAD_LINE)
    with pytest.raises(LineFileError) as caught:
        load_line(path)
    problems = "\n".join(caught.value.problems)
    for expected in (
        "unknown key 'sizez'; did you mean sizes",                 # typo, with a suggestion
        "sizes.coil_length: '300 kg' is not a 'm'-like quantity",  # wrong dimension
        "sizes.coils_per_lot: 0 must be a whole number >= 1",
        "no accuracy for 'cathode.slurry_solid_content'",           # sensor noise needed
        "asset id 'C-MIX-01' is used twice",
        "step 'mixxing' is not one of",
        "coating_areal_loadin",                                      # unknown spec key
        "period: '10 kg' is not a 's'-like quantity",
        "no calendering station for the cathode",
        "no aging_eol station",
    ):
        assert expected in problems, f"{expected!r} not in:\n{problems}"


def test_the_example_line_and_scenarios_load(pilot_line):
    assert pilot_line.coil_length == 300.0 and pilot_line.cells_per_rack == 32
    assert pilot_line.hidden == {"cathode.coating_slot_flow_rate_deviation": 0.006}
    coater = pilot_line.station("coating", "cathode")
    assert coater.asset == "pilot/line1/C-COAT-01"
    loading = next(p for p in coater.publishes if p.key == "cathode.coating_areal_loading")
    # seed 002: beta gauge +-0.01 mg/cm2 = 1e-4 kg/m2, read as one standard deviation
    assert loading.noise == pytest.approx(1e-4) and loading.period == 10.0
    names = sorted(p.name for p in (EXAMPLES / "scenarios").glob("*.yaml"))
    assert len(names) >= 4
    for name in names:
        scenario = load_scenario(EXAMPLES / "scenarios" / name, pilot_line)
        assert scenario.disturbances


def test_a_scenario_file_reports_every_problem(tmp_path, pilot_line):
    path = tmp_path / "s.yaml"
    path.write_text("""
name: broken
disturbances:
  - {kind: drift, setting: cathode.slurry_solid_contnt, start: 1 h, end: 2 h, change: -2 %}
  - {kind: drift, setting: cathode.slurry_solid_content, start: 1 h, change: -2 %}
  - {kind: step, setting: anode.dryer_zone1_air_temperature, at: 3 h, change: 10 kg}
  - {kind: sensor_fault, station: C-COAT-01, key: calendered_porosity, mode: stuck}
  - {kind: sensor_fault, station: C-COAT-01, key: coating_areal_loading, mode: frozen}
  - {kind: comm_fault, mode: duplicate, probability: 1.5}
  - {kind: earthquake}
""")
    with pytest.raises(LineFileError) as caught:
        load_scenario(path, pilot_line)
    assert len(caught.value.problems) == 7, caught.value.problems
    text = "\n".join(caught.value.problems)
    assert "slurry_solid_contnt" in text and "needs an 'end'" in text
    assert "'10 kg' is not a 'K'-like quantity" in text
    assert "does not publish 'calendered_porosity'" in text
    assert "'frozen' is not one of bias, stuck, spikes, dropout" in text
    assert "must lie in (0, 1]" in text and "'earthquake'" in text
