"""Record validation on the shipped specification (issue 2 acceptance)."""

from pathlib import Path

import pytest

from gigatwin.spec import validate_file, validate_record

EXAMPLE = Path(__file__).parents[2] / "examples" / "records" / "coating_line.csv"
TS = "2026-11-22T10:00:00Z"


def test_coating_speed_30_m_per_min_is_half_a_metre_per_second():
    r = validate_record({"key": "coating_speed", "value": 30, "unit": "m/min", "ts": TS})
    assert r.ok and r.value == pytest.approx(0.5) and r.unit == "m/s"


def test_150_um_wet_film_is_1_5e_4_m():
    r = validate_record({"key": "wet_film_thickness", "value": 150, "unit": "um", "ts": TS})
    assert r.ok and r.value == pytest.approx(1.5e-4)


def test_coating_speed_in_kg_names_key_and_expected_dimension():
    r = validate_record({"key": "coating_speed", "value": 30, "unit": "kg", "ts": TS})
    assert not r.ok
    assert "coating_speed" in r.reason and "[length] / [time]" in r.reason and "[mass]" in r.reason


def test_unknown_key_is_rejected():
    r = validate_record({"key": "coating_sped", "value": 30, "unit": "m/min", "ts": TS})
    assert not r.ok and "unknown key 'coating_sped'" in r.reason and "coating_speed" in r.reason


def test_porosity_above_one_is_rejected():
    r = validate_record({"key": "calendered_porosity", "value": 1.2, "unit": "1", "ts": TS})
    assert not r.ok and "physical limits (0, 1)" in r.reason


def test_negative_thickness_is_rejected():
    r = validate_record({"key": "calendered_thickness", "value": -5, "unit": "um", "ts": TS})
    assert not r.ok and "physical limits" in r.reason


def test_csv_of_ten_rows_with_three_bad_gives_seven_converted_and_three_rejected():
    batch = validate_file(EXAMPLE)
    assert batch.received == 10
    assert len(batch.accepted) == 7 and len(batch.rejected) == 3
    # rows are numbered by their line in the file (header = line 1)
    reasons = {r.row: r.reason for r in batch.rejected}
    assert set(reasons) == {6, 9, 10}
    assert "[mass]" in reasons[6] and "unknown key" in reasons[9] and "physical limits" in reasons[10]
    speed = next(r for r in batch.accepted if r.key == "coating_speed")
    assert speed.value == pytest.approx(0.5)
    temperature = next(r for r in batch.accepted if r.key == "coating_ambient_temperature")
    assert temperature.value == pytest.approx(295.65)
