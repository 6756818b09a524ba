"""Published process cases of the electrode steps (gigatwin.twin.validation.process).

Every comparison is within its stated tolerance, or a strict xfail carrying the reason the
model (or the reference) misses: a miss that starts to pass fails the suite, so the reason
is revisited.
"""

import pytest

from gigatwin.spec.registry import load_registry
from gigatwin.twin.validation.process import CASES
from gigatwin.units import same_dimension

COMPARISONS = [c for case in CASES for c in case.run()]


def _param(comparison):
    marks = ()
    if comparison.known_miss:
        marks = (pytest.mark.xfail(strict=True, reason=comparison.known_miss),)
    return pytest.param(comparison, marks=marks,
                        id=f"{comparison.case}: {comparison.quantity} ({comparison.source[-40:]})")


@pytest.mark.parametrize("comparison", [_param(c) for c in COMPARISONS])
def test_comparison_within_its_tolerance(comparison):
    assert comparison.within, (
        f"{comparison.case}: {comparison.quantity} predicted {comparison.predicted:.4g} "
        f"{comparison.unit}, reference {comparison.reference:.4g} +- {comparison.tolerance} "
        f"({'relative' if comparison.relative else 'absolute'}); source {comparison.source}")


def test_every_quantity_is_a_spec_key_in_a_unit_of_its_dimension():
    registry = load_registry()
    for c in COMPARISONS:
        param = registry.get(c.quantity)
        assert param is not None, f"{c.quantity} is not a key of the data specification"
        assert same_dimension(c.unit, param.unit), f"{c.quantity}: {c.unit} vs {param.unit}"


def test_every_case_names_its_source_and_covers_the_electrode_steps():
    assert all(case.source and case.run for case in CASES)
    assert all(c.source for c in COMPARISONS)
    kinds = {case.kind for case in CASES}
    assert {"drying", "calendering", "post_drying"} <= kinds
    calendering = {c.case for c in COMPARISONS if c.quantity == "calendered_porosity"}
    assert any("cathode" in name for name in calendering)
    assert any("anode" in name for name in calendering)


def test_dryer_lengths_are_tens_of_metres_and_follow_line_speed():
    # 30 m/min = 0.5 m/s: the reported dryer length is the drying time at that speed
    lengths = [c.predicted for c in COMPARISONS if c.quantity == "dryer_length"]
    assert lengths and all(20 <= length <= 80 for length in lengths)
