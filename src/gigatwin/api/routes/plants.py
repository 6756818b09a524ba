"""Plants: cost, energy and throughput by step, and innovation scenarios."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from gigatwin.api.deps import ViewerDep
from gigatwin.api.examples import example_document, example_file, example_files
from gigatwin.api.schemas import PlantSummary, jsonable

router = APIRouter(prefix="/plants", tags=["factory"])


@router.get("", response_model=list[PlantSummary], summary="The example plants")
def plants(user: ViewerDep):
    return [PlantSummary(name=name, title=str(example_document("plants", name).get("name", name)))
            for name in example_files("plants")]


@router.get("/scenarios", response_model=dict[str, str], summary="Innovation scenarios by name")
def scenarios(user: ViewerDep):
    from gigatwin.factory.scenarios import load_scenarios

    return {name: s.title for name, s in sorted(load_scenarios().items())}


@router.get("/{name}", response_model=dict,
            summary="A plant's cost, energy and throughput by step (and scenarios against it)")
def plant(name: Annotated[str, Path(max_length=200)], user: ViewerDep,
          scenario: Annotated[list[str] | None, Query(max_length=20)] = None):
    from gigatwin.factory import PlantError, load_plant, report
    from gigatwin.factory.scenarios import compare, load_scenarios

    path = example_file("plants", name)
    try:
        library = load_scenarios()
        comparison = compare(load_plant(path), list(scenario or []), library)
    except PlantError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    if scenario:
        return jsonable(report.comparison_dict(comparison, library))
    return jsonable(report.result_dict(comparison.baseline))
