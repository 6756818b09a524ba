"""Loading and validating the specification data files."""

from pathlib import Path

import pytest

from gigatwin.spec import SpecError, load_files, load_registry

MINI = Path(__file__).parent / "mini_spec"


def test_real_registry_has_enough_steps_and_parameters():
    # issue 2 acceptance: at least 9 steps and 120 parameters
    reg = load_registry()
    assert len(reg.steps) >= 9
    assert len(reg.parameters) >= 120


def test_required_steps_are_present():
    reg = load_registry()
    for step in ("mixing", "coating", "drying", "calendering", "slitting", "post_drying", "assembly",
                 "electrolyte_filling", "formation", "aging_eol", "dry_room"):
        assert step in reg.steps, step


def test_every_parameter_is_complete():
    reg = load_registry()
    for p in reg.parameters.values():
        assert p.role in ("MP", "PP", "SP")
        assert p.description and p.label and p.unit and p.display_unit
        assert p.iri.startswith("http")
        for r in (p.typical, p.physical):
            assert r is None or r.source, p.key


def test_extra_parameters_the_models_need_are_there():
    reg = load_registry().parameters
    text = " ".join(reg)
    for fragment in ("line_load", "roll_temperature", "dew_point", "dcir", "ocv", "self_discharge",
                     "electrolyte_volume_factor"):
        assert fragment in text, fragment


def test_mini_registry_converts_ranges_to_si():
    reg = load_files(sorted(MINI.glob("*.yaml")))
    speed = reg.parameters["coating_speed"]
    assert speed.typical.lower == pytest.approx(0.3 / 60) and speed.typical.upper == pytest.approx(80 / 60)
    assert speed.accuracy_si == pytest.approx(0.05 / 60)
    # an accuracy of +-0.5 degC is a temperature difference of 0.5 K, not 273.65 K
    assert reg.parameters["ambient_temperature"].accuracy_si == pytest.approx(0.5)
    assert reg.parameters["ambient_temperature"].typical.lower == pytest.approx(291.15)


def _write(tmp_path, text):
    path = tmp_path / "coating.yaml"
    path.write_text(text)
    return path


GOOD_HEAD = """step: coating
name: Coating
parameters:
"""


def test_malformed_file_names_file_entry_and_problem(tmp_path):
    path = _write(tmp_path, GOOD_HEAD + """  - key: coating_gap
    label: Gap
    role: MP
    description: Gap between die lip and foil.
    unit: um
    online: online
""")
    with pytest.raises(SpecError) as info:
        load_files([path])
    message = str(info.value)
    assert "coating.yaml" in message and "parameter 1 (coating_gap)" in message
    assert "not coherent SI" in message and "'m'" in message


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("  - {key: a, label: A, role: XX, description: d, unit: m, online: online}", "role 'XX'"),
        ("  - {key: a, label: A, role: MP, description: d, unit: m, online: sometimes}", "online 'sometimes'"),
        ("  - {key: A-b, label: A, role: MP, description: d, unit: m, online: online}", "not snake_case"),
        ("  - {key: a, label: A, role: MP, description: d, unit: m, display_unit: kg, online: online}",
         "does not have the dimension"),
        ("  - {key: a, label: A, role: MP, description: d, unit: m, online: online, typical: {min: 1, max: 2}}",
         "needs a 'source'"),
        ("  - {key: a, label: A, role: MP, description: d, unit: m, online: online,"
         " physical: {gt: 2, lt: 1, source: s}}", "lower bound"),
        ("  - {key: a, label: A, role: MP, description: d, unit: m, online: online, colour: red}",
         "unknown field 'colour'"),
        ("  - {key: a, label: A, role: MP, description: d, online: online}", "missing field 'unit'"),
        ("  - {key: a, label: A, role: MP, kind: category, description: d, unit: '1', online: online}",
         "needs a non-empty 'choices'"),
    ],
)
def test_each_kind_of_problem_is_reported(tmp_path, entry, problem):
    with pytest.raises(SpecError, match="coating.yaml, parameter 1") as info:
        load_files([_write(tmp_path, GOOD_HEAD + entry + "\n")])
    assert problem in str(info.value)


def test_invalid_yaml_and_duplicate_keys(tmp_path):
    broken = tmp_path / "coating.yaml"
    broken.write_text("step: coating\nparameters: [\n")
    with pytest.raises(SpecError, match="coating.yaml: not valid YAML"):
        load_files([broken])
    a = tmp_path / "a" / "mixing.yaml"
    a.parent.mkdir()
    entry = "  - {key: same, label: A, role: MP, description: d, unit: m, online: online}\n"
    a.write_text("step: mixing\nname: Mixing\nparameters:\n" + entry)
    b = tmp_path / "a" / "coating.yaml"
    b.write_text(GOOD_HEAD + entry)
    with pytest.raises(SpecError, match="key already used"):
        load_files([a, b])
