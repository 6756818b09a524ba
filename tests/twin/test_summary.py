"""The chunked summary of `gigatwin simulate` gives the statistics of one large run."""

import numpy as np
import pytest

from gigatwin.twin import load_recipe, simulate
from gigatwin.twin.chain import simulate_summary
from gigatwin.twin.recipe import example_recipes
from gigatwin.twin.results import percentiles
from gigatwin.twin.summary import SummaryAccumulator


def _flat(doc):
    out = {k: v for step in doc["steps"].values() for k, v in step.items()}
    return {**out, **doc["cell"]}


@pytest.mark.parametrize(("chunk", "store"), [(7_000, False), (50_001, False), (7_000, True),
                                              (1_000, False)])
def test_chunks_hold_the_samples_of_one_run(chunk, store):
    """Each chunk continues every setting's stream, so the chunked run has the same
    samples: means equal to rounding, standard deviations too (to 1e-12 of the mean for
    outputs whose spread is rounding noise), percentiles exactly from the brackets (to
    float32 precision from the stored copy; a 1,000-sample first chunk is too small to
    bracket, so that run falls back to storing)."""
    recipe = load_recipe(example_recipes()[0])
    whole = simulate(recipe, 50_001, seed=3, workers=2).to_dict()
    chunked = simulate_summary(recipe, 50_001, seed=3, workers=2, chunk=chunk,
                               store=store).to_dict()
    tolerance = 2e-7 if store or chunk < 4096 else 1e-13
    a, b = _flat(whole), _flat(chunked)
    assert a.keys() == b.keys()
    for name in a:
        scale = abs(a[name]["mean"]) + a[name]["std"]
        assert b[name]["unit"] == a[name]["unit"]
        assert b[name]["nominal"] == a[name]["nominal"], name
        assert b[name]["mean"] == pytest.approx(a[name]["mean"], rel=1e-12, abs=1e-300), name
        assert b[name]["std"] == pytest.approx(a[name]["std"], rel=1e-9, abs=1e-12 * scale), name
        for p in ("p05", "p95"):
            assert b[name][p] == pytest.approx(a[name][p], rel=tolerance,
                                               abs=tolerance * scale), name
    for step, value in whole["yield"].items():
        assert chunked["yield"][step] == pytest.approx(value, rel=1e-12), step


def test_accumulator_moments_by_hand():
    """Chan's pairwise update: chunks [1, 2, 3] and [4, 10] give the mean 4 and the
    sample variance ((9 + 4 + 1 + 0 + 36) / 4 = 12.5) of the five values."""
    acc = SummaryAccumulator(5, store=True)
    acc.add({"cell": {"cell_mass": np.array([1.0, 2.0, 3.0])}}, {}, np.ones(3))
    acc.add({"cell": {"cell_mass": np.array([4.0, 10.0])}}, {}, np.ones(2))
    mean, std, p05, p95 = acc.result("r", 0, None, []).stats["cell"]["cell_mass"]
    assert mean == pytest.approx(4.0) and std == pytest.approx(np.sqrt(12.5))
    assert (p05, p95) == pytest.approx(tuple(np.percentile([1, 2, 3, 4, 10], [5, 95])))


def test_only_outputs_asked_for_are_kept():
    recipe = load_recipe(example_recipes()[0])
    summary = simulate_summary(recipe, 30_000, seed=1, chunk=10_000,
                               keep=[("cell", "cell_capacity"), ("cell", "cathode_sheet_count")])
    assert list(summary.outputs) == ["cell"]
    assert list(summary.outputs["cell"]) == ["cell_capacity"]  # the constant is not kept
    assert summary.stats["cell"]["cathode_sheet_count"][1] == 0
    capacity = summary.outputs["cell"]["cell_capacity"]
    assert capacity.dtype == np.float32 and capacity.size == 30_000


@pytest.mark.parametrize("kind", ["normal", "float32", "ties", "skewed", "small", "constant"])
def test_percentiles_equal_numpy(kind):
    rng = np.random.default_rng(11)
    values = {
        "normal": rng.standard_normal(300_001),
        "float32": rng.standard_normal(200_000).astype(np.float32),
        "ties": rng.integers(0, 3, 100_000).astype(float),  # brackets miss: falls back
        "skewed": rng.lognormal(0, 2, 150_000),
        "small": rng.standard_normal(100),
        "constant": np.full(10_000, 2.5),
    }[kind]
    expected = np.percentile(values, [5, 95])
    np.testing.assert_allclose(percentiles(values), expected, rtol=1e-6 if kind == "float32"
                               else 1e-15)


def test_simulate_in_chunks_gives_the_run_of_one_call():
    """`simulate` runs large sample counts chunk by chunk; the result does not depend on
    the chunk size (every stream continues), nor do constants become arrays."""
    recipe = load_recipe(example_recipes()[0])
    one = simulate(recipe, 5_000, seed=4, chunk=5_000, nominal_run=False)
    parts = simulate(recipe, 5_000, seed=4, chunk=1_500, nominal_run=False)
    assert one.outputs.keys() == parts.outputs.keys()
    for step, values in one.outputs.items():
        assert values.keys() == parts.outputs[step].keys()
        for name, array in values.items():
            np.testing.assert_allclose(parts.outputs[step][name], array, rtol=1e-12, atol=0,
                                       err_msg=f"{step}.{name}")
            assert (parts.outputs[step][name].strides == (0,)) == (array.strides == (0,))
    np.testing.assert_allclose(parts.pass_probability, one.pass_probability, rtol=1e-12)
