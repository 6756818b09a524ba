"""Electrode-qualified keys (`cathode.dried_porosity`) in records: the qualifier of the
twin's results is accepted wherever a spec key is (gigatwin.spec.vocabulary)."""

import pytest

from gigatwin.spec import load_registry, validate_record
from gigatwin.spec.vocabulary import qualified, split_name


def test_split_and_qualify_are_inverse():
    assert split_name("cathode.calendered_porosity") == ("cathode", "calendered_porosity")
    assert split_name("wetting_time") == (None, "wetting_time")
    assert qualified("calendered_porosity", "anode") == "anode.calendered_porosity"
    assert qualified("wetting_time") == "wetting_time"


def test_registry_get_accepts_the_qualifier_only_for_electrodes():
    reg = load_registry()
    assert reg.get("anode.dried_porosity") is reg.parameters["dried_porosity"]
    assert reg.get("separator.dried_porosity") is None
    assert reg.get("cathode.no_such_key") is None


def test_a_record_with_a_qualified_key_is_converted_like_its_key():
    record = {"key": "cathode.dried_porosity", "value": 35, "unit": "%",
              "ts": "2026-11-22T10:05:00Z"}
    result = validate_record(record)
    assert result.ok and result.key == "cathode.dried_porosity"
    assert result.value == pytest.approx(0.35)


def test_json_schema_accepts_the_qualified_key():
    import jsonschema

    from gigatwin.spec import export

    schema = export.json_schema(load_registry(), "drying")
    record = {"key": "cathode.dried_porosity", "value": 0.35, "unit": "1",
              "ts": "2026-11-22T10:05:00Z"}
    jsonschema.validate(record, schema)
    with pytest.raises(jsonschema.ValidationError):  # still inside the physical limits
        jsonschema.validate({**record, "value": 1.5}, schema)
    with pytest.raises(jsonschema.ValidationError):  # not an electrode qualifier
        jsonschema.validate({**record, "key": "separator.dried_porosity"}, schema)
