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
