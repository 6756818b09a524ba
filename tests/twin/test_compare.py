"""Comparison of two recipes: the paired interval by hand, and a recipe against itself."""

import numpy as np
import pytest

from gigatwin.twin import load_recipe
from gigatwin.twin.compare import compare, difference_interval
from gigatwin.twin.recipe import example_recipes


def test_paired_interval_by_hand():
    """d = (0.1, 0.3, 0.2, 0.4, 0.0): mean 0.2, s_d = sqrt(0.1 / 4) = 0.158114;
    t(0.975, 4) = 2.776445 (Student's table), half width 2.776445 x 0.158114 / sqrt(5)."""
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    mean, half = difference_interval(a, a + [0.1, 0.3, 0.2, 0.4, 0.0])
    assert mean == pytest.approx(0.2)
    assert half == pytest.approx(2.776445 * 0.1581139 / np.sqrt(5), rel=1e-6)


def test_a_recipe_against_itself_changes_nothing():
    recipe = load_recipe(example_recipes()[0])
    result = compare(recipe, recipe, samples=500, seed=4)
    assert result.outputs and not result.only_in_a and not result.only_in_b
    for row in result.outputs:
        assert row.difference == 0 and not row.significant, row.name
    assert result.yield_difference.difference == 0
    assert not any(r["moved_yield"] for r in result.limits)


def test_chunks_give_the_comparison_of_one_run():
    """Both recipes continue their random streams chunk by chunk: the moments merged over
    three chunks equal those of one chunk of all samples."""
    import copy

    import yaml

    from gigatwin.twin import recipe_from_dict

    path = next(p for p in example_recipes() if "pouch" in p.name)
    raw = yaml.safe_load(path.read_text())
    base = recipe_from_dict(copy.deepcopy(raw))
    raw["cathode"]["calender_line_load"] = "700 N/mm +- 15 N/mm"
    other = recipe_from_dict(raw)
    one = compare(base, other, samples=3_000, seed=2, chunk=3_000)
    three = compare(base, other, samples=3_000, seed=2, chunk=1_000)
    for a, b in zip(one.outputs, three.outputs, strict=True):
        assert (a.step, a.name) == (b.step, b.name)
        scale = abs(a.mean_a) + abs(a.difference) + 1e-300
        for field in ("mean_a", "mean_b", "difference", "low", "high"):
            assert getattr(b, field) == pytest.approx(getattr(a, field), rel=1e-9,
                                                      abs=1e-9 * scale), (a.name, field)
    porosity = next(d for d in one.outputs if d.name == "cathode.calendered_porosity")
    assert porosity.significant and porosity.difference > 0  # less load, more porous
