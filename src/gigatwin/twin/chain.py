"""The process chain: simulate a recipe for N samples in one vectorised pass.

    >>> from gigatwin.twin import load_recipe, simulate
    >>> result = simulate(load_recipe("examples/recipes/nmc622_graphite_pouch.yaml"),
    ...                   samples=10_000, seed=1)                    # doctest: +SKIP
    >>> result.summary("cell", "capacity")                           # doctest: +SKIP

Machine settings are drawn from their tolerances with one ``numpy.random.Generator``;
every step receives the structure of the steps before it; the citations of the models
that ran are collected with :func:`gigatwin.citations.collect`.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from gigatwin.citations import collect
from gigatwin.spec.vocabulary import step_of
from gigatwin.steps import end_of_line
from gigatwin.twin import cell_design, cell_steps, electrode_steps
from gigatwin.twin.recipe import Recipe
from gigatwin.twin.results import ChainResult
from gigatwin.twin.sampling import PARALLEL_MIN_SAMPLES, SettingDraws, constant
from gigatwin.twin.summary import BracketMissError, ChainSummary, SummaryAccumulator

ELECTRODES = ("cathode", "anode")
ELECTRODE_STEPS = ("mixing", "coating", "drying", "calendering", "slitting", "post_drying")
# Step names are those of the data specification (gigatwin.spec), "cell" included.
CELL_STEPS = ("assembly", "electrolyte_filling", "formation", "aging_eol")
STEPS = ELECTRODE_STEPS + CELL_STEPS
CHUNK = 2**17  # samples per chunk of simulate_summary: 1-2 MB per array, cache-friendly


def simulate(recipe: Recipe, samples: int = 10_000, seed: int | None = 0, *,
             given: dict[str, np.ndarray] | None = None, nominal_run: bool = True,
             workers: int = 1, chunk: int = CHUNK) -> ChainResult:
    """Run the whole chain for ``samples`` cells; returns a :class:`ChainResult`.

    ``given`` replaces the draws of some settings by arrays (Sobol analysis);
    ``nominal_run`` adds a run at the nominal settings (no variation, no noise).
    ``workers`` threads fill the random draws (numpy releases the GIL while it fills an
    array) and, from 2 workers, the cathode and anode run their electrode steps in two
    threads, the electrode balance solves its two window ends in two threads, and each
    chunk's outputs are copied into the run's arrays while the next chunk runs; every
    toleranced setting has its own stream spawned from ``seed``, so a run is
    reproducible for a given seed and sample count whatever the number of workers
    (tests/twin/test_chain_threads.py).
    More than ``chunk`` samples run chunk by chunk (each chunk continues every stream, so
    the samples and their results are those of one call; arrays of a chunk stay in the
    processor's caches, which makes 10^6 samples about twice as fast).
    """
    if samples < 1:
        raise ValueError(f"samples = {samples} [1] is outside the allowed range [1, inf)")
    if chunk < 1:
        raise ValueError(f"chunk = {chunk} [1] is outside the allowed range [1, inf)")
    rng = np.random.default_rng(seed)
    streams: dict[str, np.random.Generator] = {}
    whole = _Assembler(samples)
    # From 2 workers, a chunk's outputs are copied into the whole run's arrays in a
    # thread while the next chunk runs (numpy copies without the GIL; the copy and the
    # page faults of the new arrays cost about a quarter of the chain's CPU time at 10^6
    # samples). Chunks are added in order, so the arrays are the same.
    pipelined = workers > 1 and samples > chunk
    with collect() as used, ThreadPoolExecutor(max_workers=1) as copier:
        pending = None
        for start in range(0, samples, chunk):
            stop = min(start + chunk, samples)
            part = None if given is None else {
                path: np.broadcast_to(np.asarray(values, dtype=float), (samples,))[start:stop]
                for path, values in given.items()}
            outputs = run(recipe, SettingDraws(recipe, rng, stop - start, given=part,
                                               workers=workers, streams=streams))
            if pending is not None:
                pending.result()  # the previous chunk is in place (re-raises its error)
            if pipelined:
                pending = copier.submit(whole.add, outputs, start)
            else:
                whole.add(outputs, start)
            del outputs
        if pending is not None:
            pending.result()
    outputs = whole.result()
    nominal = _nominal(recipe, rng) if nominal_run else None
    passed, step_yield, probability = _yields(recipe, outputs)
    return ChainResult(recipe=recipe.name, samples=samples, seed=seed, outputs=outputs,
                       nominal=nominal, step_yield=step_yield, pass_probability=probability,
                       citations=list(used))


class _Assembler:
    """The outputs of consecutive chunks as arrays of the whole run; an output that is one
    value in every chunk stays a broadcast view (no memory per sample)."""

    def __init__(self, samples: int):
        self.samples = samples
        self.arrays: dict[str, dict[str, np.ndarray]] = {}

    def add(self, outputs: dict[str, dict[str, np.ndarray]], start: int) -> None:
        for step, values in outputs.items():
            whole = self.arrays.setdefault(step, {})
            for name, array in values.items():
                stop = start + array.size
                if start == 0 and stop == self.samples:
                    whole[name] = array  # one chunk: keep it as it is
                    continue
                kept = whole.get(name)
                if kept is None and array.strides == (0,):
                    whole[name] = array[:1]  # one value so far
                    continue
                if kept is not None and kept.size == 1 and array.strides == (0,) \
                        and array[0] == kept[0]:
                    continue
                if kept is None or kept.size == 1:
                    full = np.empty(self.samples)
                    if kept is not None:
                        full[:start] = kept[0]
                    whole[name] = kept = full
                kept[start:stop] = array

    def result(self) -> dict[str, dict[str, np.ndarray]]:
        shape = (self.samples,)
        return {step: {name: np.broadcast_to(a, shape) if a.size == 1 else a
                       for name, a in values.items()} for step, values in self.arrays.items()}


def simulate_summary(recipe: Recipe, samples: int = 10_000, seed: int | None = 0, *,
                     workers: int = 1, chunk: int = CHUNK, nominal_run: bool = True,
                     keep=(), store: bool = False) -> ChainSummary:
    """The statistics of :func:`simulate` (same samples, same statistics), computed chunk
    by chunk so that 10^6 samples need a few hundred MB instead of more than a GB.

    Each chunk continues every setting's random stream where the last one stopped, so the
    chunks hold exactly the samples of one large run; and a sample's result depends on
    its own draws only (tests/twin/test_subset_invariance.py), so each output of each
    sample is the one :func:`simulate` gives. Means, standard deviations and percentiles
    are those of all samples (:mod:`gigatwin.twin.summary`). ``keep`` lists ``(step,
    name)`` of outputs to return as float32 arrays (plots); ``store`` keeps every output
    (the fallback when a percentile cannot be bracketed from the first chunk).
    """
    if samples < 1:
        raise ValueError(f"samples = {samples} [1] is outside the allowed range [1, inf)")
    if chunk < 1:
        raise ValueError(f"chunk = {chunk} [1] is outside the allowed range [1, inf)")
    rng = np.random.default_rng(seed)
    streams: dict[str, np.random.Generator] = {}
    totals = SummaryAccumulator(samples, keep=keep, store=store)
    try:
        with collect() as used:
            for start in range(0, samples, chunk):
                draw = SettingDraws(recipe, rng, min(chunk, samples - start), workers=workers,
                                    streams=streams)
                outputs = run(recipe, draw)
                per_step, _, probability = _yields(recipe, outputs)
                totals.add(outputs, per_step, probability)
                del outputs, draw, per_step, probability  # free the chunk first
        nominal = _nominal(recipe, rng) if nominal_run else None
        return totals.result(recipe.name, seed, nominal, used)
    except BracketMissError:
        if store:
            raise
        return simulate_summary(recipe, samples, seed, workers=workers, chunk=chunk,
                                nominal_run=nominal_run, keep=keep, store=True)


def unused_settings(recipe: Recipe) -> list[str]:
    """Settings of the recipe (valid spec keys) that no model of the chain reads: they
    are kept in the recipe but change nothing (e.g. the mixing time, which no model takes
    yet). Found by recording what a nominal run of the chain reads."""
    from gigatwin.twin.recipe import setting_nodes

    recipe.reads = set()
    design_before = recipe.derived.pop("design", None)
    try:
        run(recipe, SettingDraws(recipe, np.random.default_rng(0), 1, nominal=True))
        reads = recipe.reads
    finally:
        recipe.reads = None
        if design_before is not None:
            recipe.derived["design"] = design_before
    return [path for path, _section, _key, _node in setting_nodes(recipe.raw)
            if not any(path == r or path.startswith(r + ".") for r in reads)]


def _nominal(recipe: Recipe, rng: np.random.Generator) -> dict[str, dict[str, float]]:
    out = run(recipe, SettingDraws(recipe, rng, 1, nominal=True))
    return {step: {k: float(v[0]) for k, v in values.items()} for step, values in out.items()}


def run(recipe: Recipe, draw: SettingDraws) -> dict[str, dict[str, np.ndarray]]:
    """All steps in order; ``{step: {[electrode.]key: array}}`` plus ``"cell"`` (SI).

    Each output is a key of the data specification and sits under the spec step of that
    key (:func:`_by_spec_step`). The cell design (sheet count, winding length) is fixed
    from the recipe's nominal settings (:func:`design`), as a plant fixes it, so every
    sample's result depends on its own draws only.
    """
    out: dict[str, dict[str, np.ndarray]] = {step: {} for step in (*STEPS, "cell")}
    cathode, anode = _electrodes(recipe, draw, out)
    sep = recipe.separator()
    geometry = design(recipe)
    steps = {"assembly": cell_steps.run_assembly(recipe, draw, geometry, cathode, anode,
                                                 sep.thickness)}
    steps["electrolyte_filling"] = cell_steps.run_filling(recipe, draw, geometry, cathode, anode)
    steps["formation"] = cell_steps.run_formation(recipe, draw, geometry, cathode, anode,
                                                  steps["assembly"], steps["electrolyte_filling"])
    steps["aging_eol"] = cell_steps.run_end_of_line(recipe, draw, steps["formation"])
    for values in steps.values():
        _by_spec_step(values, out)
    _by_spec_step(_cell(recipe, geometry, cathode, anode, sep, steps), out)
    shape = (draw.samples,)
    return {step: {k: np.broadcast_to(np.asarray(v, dtype=float), shape) for k, v in values.items()}
            for step, values in out.items()}


def _by_spec_step(values: dict[str, np.ndarray], out: dict) -> None:
    """File each output under the spec step of its key (a cell's energy computed at the
    end-of-line test is a ``cell`` figure); a name that is not a (qualified) spec key is a
    KeyError naming it: every output of the chain is a key of the data specification."""
    for name, array in values.items():
        out.setdefault(step_of(name), {})[name] = array


def design(recipe: Recipe) -> cell_design.CellGeometry:
    """The cell design from the recipe's nominal electrode thicknesses (one nominal run of
    the electrode steps): a plant designs its stack once, not per cell. Kept with the
    recipe after the first call."""
    if "design" in recipe.derived:
        return recipe.derived["design"]
    draw = SettingDraws(recipe, np.random.default_rng(0), 1, nominal=True)
    thickness = [electrode_steps.run_electrode(
        recipe, draw, e, {s: {} for s in ELECTRODE_STEPS})["electrode_thickness"]
        for e in ELECTRODES]
    geometry = cell_design.design_geometry(recipe, float(thickness[0][0]),
                                           float(thickness[1][0]), recipe.separator().thickness)
    recipe.derived["design"] = geometry
    return geometry


def _electrodes(recipe: Recipe, draw: SettingDraws, out: dict) -> tuple[dict, dict]:
    """Cathode and anode through the electrode steps; with ``draw.workers`` > 1 and enough
    samples, in two threads (numpy releases the GIL in array arithmetic, and the two
    electrodes share no state but the read-only draws). Outputs are merged in a fixed order,
    so results and their key order do not depend on the number of workers; each thread runs
    in a copy of the caller's context, so the citations it records reach ``collect``."""
    separate = {electrode: {step: {} for step in ELECTRODE_STEPS} for electrode in ELECTRODES}

    def one(electrode: str) -> dict:
        return electrode_steps.run_electrode(recipe, draw, electrode, separate[electrode])

    if draw.workers > 1 and draw.samples >= PARALLEL_MIN_SAMPLES:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(contextvars.copy_context().run, one, e) for e in ELECTRODES]
            structures = [future.result() for future in futures]
    else:
        structures = [one(electrode) for electrode in ELECTRODES]
    for electrode in ELECTRODES:
        for step in ELECTRODE_STEPS:
            _by_spec_step(separate[electrode][step], out)
    return structures[0], structures[1]


def _cell(recipe, geometry, cathode, anode, sep, steps) -> dict[str, np.ndarray]:
    """Whole-cell figures: capacity, mass breakdown, volume, energy densities, N/P."""
    formed, eol = steps["formation"], steps["aging_eol"]
    stack = next(iter(steps["assembly"].values()))
    masses = {
        "cathode.coating_mass": cathode["areal_loading"] * geometry.cathode_coated_area,
        "anode.coating_mass": anode["areal_loading"] * geometry.anode_coated_area,
        "current_collector_mass": (cathode["foil_areal_mass"] * geometry.cathode_coated_area / 2
                                   + anode["foil_areal_mass"] * geometry.anode_coated_area / 2),
        "separator_mass": constant(sep.skeleton_density * (1 - sep.porosity) * sep.thickness
                                   * geometry.separator_area, stack.size),
        "packaging_mass": constant(recipe.value("cell.housing_mass")
                                   + recipe.get("cell.other_component_mass", 0.0), stack.size),
    }
    mass = sum(masses.values()) + steps["electrolyte_filling"]["electrolyte_mass"]
    volume = cell_design.cell_volume(geometry, recipe, stack)
    energy = eol["cell_energy"]
    gravimetric, volumetric = cell_design.energy_densities(energy, mass, volume)
    cathode_areal = formed["cathode.electrode_capacity"] / geometry.cathode_coated_area
    anode_areal = formed["anode.electrode_capacity"] / geometry.cathode_coated_area
    return {"cell_capacity": formed["formation_discharge_capacity"], "cell_mass": mass,
            "cell_volume": volume, "gravimetric_energy_density": gravimetric,
            "volumetric_energy_density": volumetric,
            "np_ratio": cell_design.np_ratio(anode_areal, cathode_areal),
            "cathode.areal_capacity": cathode_areal,
            "cathode_sheet_count": constant(geometry.cathode_sheet_count, stack.size),
            "winding_length": constant(geometry.winding_length, stack.size), **masses}


def _yields(recipe: Recipe, outputs) -> tuple[dict, dict[str, float], np.ndarray]:
    """Per-sample pass probability by step against the recipe's spec limits, and yields.

    A step passes a sample when every limited output of the step is within its limits;
    drying, assembly and slitting also multiply by 1 - their defect probabilities (binder
    migration, misalignment, burrs above the limit).
    """
    n = len(outputs["cell"]["cell_capacity"])
    factors: dict[str, list[np.ndarray]] = {step: [] for step in (*STEPS, "cell")}
    for name, (lower, upper, _unit) in recipe.spec_limits().items():
        step = step_of(name)
        if name not in outputs.get(step, {}):
            raise KeyError(f"spec_limits.{name}: the chain has no output {name!r} (step "
                           f"{step!r}); outputs of {step}: {sorted(outputs.get(step, {}))}")
        factors[step].append(end_of_line.within_limits(outputs[step][name], lower, upper))
    factors["assembly"].append(1 - outputs["assembly"]["misalignment_defect_probability"])
    factors["drying"] += [1 - outputs["drying"]["cathode.drying_defect_probability"],
                          1 - outputs["drying"]["anode.drying_defect_probability"]]
    factors["slitting"] += [1 - outputs["slitting"]["cathode.edge_defect_probability"],
                            1 - outputs["slitting"]["anode.edge_defect_probability"]]
    per_step = {step: _product(found, n) for step, found in factors.items()}
    probability = np.ones(n)
    for values in per_step.values():
        if values.strides != (0,):  # a constant 1 changes nothing
            probability *= values
    return per_step, {s: float(v.mean()) for s, v in per_step.items()}, probability


def _product(factors: list[np.ndarray], n: int) -> np.ndarray:
    """Element-wise product of pass flags / probabilities (1 as a broadcast view if none)."""
    if not factors:
        return np.broadcast_to(1.0, (n,))
    result = np.multiply(factors[0], 1.0)  # a new float array, whatever the first factor is
    for factor in factors[1:]:
        result *= factor
    return result
