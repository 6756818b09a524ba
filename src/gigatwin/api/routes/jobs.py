"""Background jobs: submit a long computation, follow its progress, cancel it, read its
result later (after a page reload, from another browser). See :mod:`gigatwin.api.jobs`.

Kinds and their ``params``: ``simulation`` (as ``POST /simulations``), ``comparison``
(recipes ``a`` and ``b``), ``performance`` (rate capability with PyBaMM), ``design``
(NSGA-II over an example design problem) and ``plant`` (a plant and its scenarios).
Engineers submit jobs and cancel their own (admins any); everyone signed in reads them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import ValidationError

from gigatwin.api.deps import EngineerDep, SettingsDep, ViewerDep
from gigatwin.api.examples import example_file, examples_dir
from gigatwin.api.jobs import JobError, JobManager, Progress
from gigatwin.api.schemas import (
    ComparisonIn,
    DesignIn,
    JobIn,
    JobOut,
    PerformanceIn,
    PlantJobIn,
    SimulationIn,
    jsonable,
)

router = APIRouter(prefix="/jobs", tags=["jobs"])
JobId = Annotated[str, Path(min_length=1, max_length=64)]


def _jobs(request: Request) -> JobManager:
    return request.app.state.jobs


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=message)


def _parsed(model, params: dict):
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        problems = "; ".join(f"params.{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             for e in exc.errors())
        raise _unprocessable(problems) from exc


# -- one runner per kind: checks its parameters now, returns the work for later ----------
def _simulation(params: dict, max_samples: int):
    from gigatwin.api.routes.twin import load_recipe, run_simulation

    body = _parsed(SimulationIn, params)
    if body.samples > max_samples:
        raise _unprocessable(f"params.samples = {body.samples} is outside [1, {max_samples}]")
    load_recipe(body.example, body.recipe)  # a bad recipe is refused now, not later

    def run(progress: Progress) -> dict:
        return run_simulation(body, max_samples, progress)

    return run


def _comparison(params: dict, max_samples: int):
    from gigatwin.api.routes.twin import load_recipe
    from gigatwin.twin.compare import compare

    body = _parsed(ComparisonIn, params)
    if body.samples > max_samples:
        raise _unprocessable(f"params.samples = {body.samples} is outside [2, {max_samples}]")
    a = load_recipe(body.a.example, body.a.recipe)
    b = load_recipe(body.b.example, body.b.recipe)

    def run(progress: Progress) -> dict:
        progress(0.0, 1.0, f"simulating {body.samples:,} cells of each recipe")
        return compare(a, b, samples=body.samples, seed=body.seed).as_dict()

    return run


def _performance(params: dict, max_samples: int):
    from gigatwin.api.routes.twin import load_recipe
    from gigatwin.twin.performance.rate_capability import rate_capability

    body = _parsed(PerformanceIn, params)
    bad = [r for r in body.rates if not 0 < r <= 10]
    if bad:
        raise _unprocessable(f"params.rates: {bad} [C-rate, 1] outside the allowed range (0, 10]")
    recipe = load_recipe(body.example, body.recipe)
    cells = body.samples + 1

    def run(progress: Progress) -> dict:
        progress(0.0, cells, f"{body.model.upper()} on {cells} cell(s)")
        result = rate_capability(recipe, body.rates, body.model, body.samples, body.seed,
                                 body.mesh, progress=lambda done, total: progress(
                                     done, total, f"{done} of {total} cells simulated"))
        return result.to_dict()

    return run


def _design(params: dict, max_samples: int):
    from gigatwin.twin.performance import design as inverse

    body = _parsed(DesignIn, params)
    problems = {p.stem: p for p in sorted((examples_dir() / "design").glob("*.yaml"))}
    if body.problem not in problems:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"no example design problem {body.problem!r}; "
                                   f"known: {', '.join(problems)}")
    problem = inverse.load_problem(problems[body.problem])

    def run(progress: Progress) -> dict:
        progress(0.0, 1.0, f"NSGA-II: {body.generations} generations of {body.population}")
        result = inverse.optimise(problem, body.generations, body.population, body.seed)
        return {"problem": problem.name, "objectives": list(problem.objectives),
                "evaluations": result.evaluations, "pareto": result.rows(),
                "chosen": result.chosen(),
                "citations": [c.as_dict() for c in result.citations]}

    return run


def _plant(params: dict, max_samples: int):
    from gigatwin.factory import PlantError, load_plant, report
    from gigatwin.factory.scenarios import compare, load_scenarios

    body = _parsed(PlantJobIn, params)
    path = example_file("plants", body.plant)
    library = load_scenarios()
    unknown = [s for s in body.scenarios if s not in library]
    if unknown:
        raise _unprocessable(f"params.scenarios: unknown {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(library))}")

    def run(progress: Progress) -> dict:
        progress(0.0, 1.0, f"{body.plant} with {len(body.scenarios)} scenario(s)")
        try:
            comparison = compare(load_plant(path), body.scenarios, library)
        except PlantError as exc:
            raise ValueError(str(exc)) from exc
        if body.scenarios:
            return report.comparison_dict(comparison, library)
        return report.result_dict(comparison.baseline)

    return run


KINDS = {"simulation": _simulation, "comparison": _comparison, "performance": _performance,
         "design": _design, "plant": _plant}


# -- routes -------------------------------------------------------------------------------
@router.post("", response_model=JobOut, status_code=202,
             summary="Start a background job; follow it with GET /jobs/{job_id}")
def submit(body: JobIn, request: Request, settings: SettingsDep, user: EngineerDep):
    try:
        runner = KINDS[body.kind](body.params, settings.max_samples)
    except (ValueError, KeyError) as exc:  # a recipe, plant or problem that does not load
        raise _unprocessable(str(exc)) from exc
    return _jobs(request).submit(body.kind, body.params, runner, owner=user.name)


@router.get("", response_model=list[JobOut], summary="Jobs, newest first")
def list_jobs(request: Request, user: ViewerDep,
              mine: Annotated[bool, Query(description="only the caller's")] = False,
              limit: Annotated[int, Query(ge=1, le=500)] = 50):
    return _jobs(request).list(user.name if mine else None, limit)


def _get(request: Request, job_id: str) -> dict:
    try:
        return _jobs(request).get(job_id)
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc.args[0])) from exc


@router.get("/{job_id}", response_model=JobOut, summary="A job's state and progress")
def job(job_id: JobId, request: Request, user: ViewerDep):
    return _get(request, job_id)


@router.get("/{job_id}/result", response_model=dict[str, Any],
            summary="A finished job's result (409 while it runs or when it failed)")
def result(job_id: JobId, request: Request, user: ViewerDep):
    found = _get(request, job_id)
    if found["state"] != "done":
        why = f": {found['error']}" if found["error"] else ""
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail=f"job {job_id} is {found['state']}{why}; no result")
    return jsonable(_jobs(request).result(job_id))


@router.delete("/{job_id}", response_model=JobOut,
               summary="Cancel a queued or running job (its owner or an admin)")
def cancel(job_id: JobId, request: Request, user: EngineerDep):
    found = _get(request, job_id)
    if found["owner"] != user.name and not user.may("admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail=f"job {job_id} belongs to {found['owner']!r}; only they or "
                                   "an admin may cancel it")
    try:
        return _jobs(request).cancel(job_id)
    except JobError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
