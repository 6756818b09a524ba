"""The example design problems that ``design`` jobs optimise (NSGA-II over a surrogate
of the rate capability; :mod:`gigatwin.twin.performance.design`)."""

from __future__ import annotations

import functools

from fastapi import APIRouter

from gigatwin.api.deps import ViewerDep
from gigatwin.api.examples import examples_dir
from gigatwin.api.schemas import DesignProblemOut

router = APIRouter(prefix="/design", tags=["jobs"])


@functools.cache
def _problems() -> tuple[dict, ...]:
    from gigatwin.twin.performance import design

    found = []
    for path in sorted((examples_dir() / "design").glob("*.yaml")):
        try:
            problem = design.load_problem(path)
        except (ValueError, KeyError, OSError):  # a plant or data file beside the problems
            continue
        found.append({"name": path.stem, "title": problem.name,
                      "objectives": [{"name": o, "unit": design.UNITS[o]}
                                     for o in problem.objectives],
                      "variables": [{"path": v.path, "unit": v.unit} for v in problem.variables]})
    return tuple(found)


@router.get("/problems", response_model=list[DesignProblemOut],
            summary="Example design problems (params.problem of a design job)")
def problems(user: ViewerDep):
    return list(_problems())
