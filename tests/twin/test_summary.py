"""The chunked summary of `gigatwin simulate` gives the statistics of one large run."""

import numpy as np
import pytest

from gigatwin.twin import load_recipe, simulate
from gigatwin.twin.chain import simulate_summary
from gigatwin.twin.recipe import example_recipes
from gigatwin.twin.results import SummaryAccumulator


def _flat(doc):
    out = {k: v for step in doc["steps"].values() for k, v in step.items()}
    return {**out, **doc["cell"]}


@pytest.mark.parametrize("chunk", [7_000, 50_001])
def test_chunks_hold_the_samples_of_one_run(chunk):
    """Each chunk continues every setting's stream, so the chunked run has the same
    samples: means equal to rounding, standard deviations too (to 1e-12 of the mean for
    outputs whose spread is rounding noise), percentiles to float32 precision."""
    recipe = load_recipe(example_recipes()[0])
    whole = simulate(recipe, 50_001, seed=3, workers=2).to_dict()
    chunked = simulate_summary(recipe, 50_001, seed=3, workers=2, chunk=chunk).to_dict()
    a, b = _flat(whole), _flat(chunked)
    assert a.keys() == b.keys()
    for name in a:
        scale = abs(a[name]["mean"]) + a[name]["std"]
        assert b[name]["unit"] == a[name]["unit"]
        assert b[name]["nominal"] == a[name]["nominal"], name
        assert b[name]["mean"] == pytest.approx(a[name]["mean"], rel=1e-12, abs=1e-300), name
        assert b[name]["std"] == pytest.approx(a[name]["std"], rel=1e-9, abs=1e-12 * scale), name
        for p in ("p05", "p95"):
            assert b[name][p] == pytest.approx(a[name][p], rel=2e-7, abs=1e-7 * scale), name
    for step, value in whole["yield"].items():
        assert chunked["yield"][step] == pytest.approx(value, rel=1e-12), step


def test_accumulator_moments_by_hand():
    """Chan's pairwise update: chunks [1, 2, 3] and [4, 10] give the mean 4 and the
    sample variance ((9 + 4 + 1 + 0 + 36) / 4 = 12.5) of the five values."""
    acc = SummaryAccumulator(5)
    acc.add({"cell": {"cell_mass": np.array([1.0, 2.0, 3.0])}}, {}, np.ones(3))
    acc.add({"cell": {"cell_mass": np.array([4.0, 10.0])}}, {}, np.ones(2))
    mean, std, p05, p95 = acc.result("r", 0, None, []).stats["cell"]["cell_mass"]
    assert mean == pytest.approx(4.0) and std == pytest.approx(np.sqrt(12.5))
    assert (p05, p95) == pytest.approx(tuple(np.percentile([1, 2, 3, 4, 10], [5, 95])))


def test_constant_outputs_keep_no_per_sample_copy():
    recipe = load_recipe(example_recipes()[0])
    summary = simulate_summary(recipe, 3_000, seed=1, chunk=1_000)
    assert "cathode_sheet_count" not in summary.outputs.get("cell", {})
    assert summary.stats["cell"]["cathode_sheet_count"][1] == 0
    assert summary.outputs["cell"]["cell_capacity"].dtype == np.float32
