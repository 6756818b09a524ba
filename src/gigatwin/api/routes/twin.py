"""Recipes and the process-chain twin: validate a recipe, simulate it with Monte Carlo."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, HTTPException, Path, status

from gigatwin.api.deps import EngineerDep, SettingsDep, ViewerDep
from gigatwin.api.examples import example_document, example_files
from gigatwin.api.schemas import (
    RecipeCheck,
    RecipeIn,
    RecipeProblem,
    RecipeSummary,
    SimulationIn,
    SimulationOut,
    jsonable,
)

router = APIRouter(tags=["twin"])
Name = Annotated[str, Path(max_length=200)]


@router.get("/recipes", response_model=list[RecipeSummary], summary="The example recipes")
def recipes(user: ViewerDep):
    out = []
    for name in example_files("recipes"):
        document = example_document("recipes", name)
        out.append(RecipeSummary(name=name, title=str(document.get("name", name)),
                                 description=str(document.get("description", ""))))
    return out


@router.get("/recipes/{name}", response_model=dict, summary="An example recipe's document")
def recipe(name: Name, user: ViewerDep):
    return jsonable(example_document("recipes", name))


@router.post("/recipes/validate", response_model=RecipeCheck,
             summary="Check a recipe document: every problem at once, with path, kind and "
                     "message (value, unit, range); warnings apart")
def validate_recipe(body: RecipeIn, user: ViewerDep) -> RecipeCheck:
    """The answer of `gigatwin recipe validate --json`: ``problems`` are its errors."""
    from gigatwin.twin import RecipeError, recipe_from_dict

    try:
        loaded = recipe_from_dict(body.recipe, source="request")
    except RecipeError as exc:
        return RecipeCheck(ok=False, name=None, settings=0, problems=_problems(exc.problems),
                           warnings=_problems(exc.warnings))
    warnings = list(loaded.warnings) + _unused(loaded)
    return RecipeCheck(ok=True, name=loaded.name, settings=len(loaded.settings), problems=[],
                       warnings=_problems(warnings))


def _problems(problems) -> list[RecipeProblem]:
    return [RecipeProblem(**p.as_dict()) for p in problems]


def _unused(recipe) -> list:
    """Warnings for valid settings that no model of the chain reads (as the CLI gives)."""
    from gigatwin.twin.chain import unused_settings
    from gigatwin.twin.recipe import Problem

    try:
        paths = unused_settings(recipe)
    except (ValueError, KeyError, ArithmeticError):  # a valid recipe the chain cannot run:
        return []  # simulating it says why; validation reports what the spec checks
    return [Problem(path, "a key of the data specification, but no model of the chain uses "
                    "it yet: it changes no result", "warning", "unused") for path in paths]


def _histograms(result, summary: dict, bins: int) -> dict:
    from gigatwin.units import from_si

    out = {}
    for name, values in result.outputs["cell"].items():
        unit = summary[name]["unit"]
        shown = np.asarray(from_si(np.asarray(values, dtype=float), unit), dtype=float)
        shown = shown[np.isfinite(shown)]
        if shown.size == 0:
            continue
        low, high = float(shown.min()), float(shown.max())
        if high - low <= 1e-9 * max(abs(low), abs(high), 1e-300):  # a constant output
            half = 0.01 * abs(low) or 0.5  # one bar in a window of +-1 % around it
            low, high = low - half, high + half
        counts, edges = np.histogram(shown, bins=bins, range=(low, high))
        out[name] = {"unit": unit, "edges": edges.tolist(), "counts": counts.tolist()}
    return out


@router.post("/simulations", response_model=SimulationOut,
             summary="Simulate a recipe through the chain: distributions and yields by step "
                     "(waits for the answer; POST /jobs runs it in the background)")
def simulate(body: SimulationIn, settings: SettingsDep, user: EngineerDep):
    return run_simulation(body, settings.max_samples)


def recipe_document(example: str | None, recipe: dict | None) -> tuple[dict, str]:
    """The recipe document asked for by name or given, and where it came from."""
    if (example is None) == (recipe is None):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="give exactly one of example (a recipe name) or recipe "
                                   "(a document)")
    return (example_document("recipes", example), example) if example else (recipe, "request")


def load_recipe(example: str | None, recipe: dict | None):
    """The :class:`~gigatwin.twin.Recipe`; a 422 naming every problem when it is invalid."""
    from gigatwin.twin import RecipeError, recipe_from_dict

    document, source = recipe_document(example, recipe)
    try:
        return recipe_from_dict(document, source=source)
    except RecipeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="; ".join(map(str, exc.problems))) from exc


def run_simulation(body: SimulationIn, max_samples: int, progress=None) -> dict:
    """What ``POST /simulations`` answers; ``progress`` (a job's) hears of the stages."""
    from gigatwin.twin import simulate as run_chain

    if body.samples > max_samples:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"samples = {body.samples} is outside [1, {max_samples}]")
    loaded = load_recipe(body.example, body.recipe)
    if progress is not None:
        progress(0.0, 1.0, f"simulating {body.samples:,} cells of {loaded.name}")
    try:
        result = run_chain(loaded, samples=body.samples, seed=body.seed, workers=1)
    except (ValueError, KeyError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    if progress is not None:
        progress(0.9, 1.0, "distributions")
    data = jsonable(result.to_dict())
    data["histograms"] = _histograms(result, data["cell"], body.bins)
    return data
