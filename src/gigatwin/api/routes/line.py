"""The virtual pilot line: its state for everyone, start and stop for admins."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from gigatwin.api.accounts import audit
from gigatwin.api.deps import AdminDep, DatabaseDep, ViewerDep
from gigatwin.api.examples import examples_dir
from gigatwin.api.schemas import LineStart, LineStatus

router = APIRouter(prefix="/line", tags=["virtual line"])


def _files(kind: str) -> dict:
    folder = examples_dir() / "lines" / kind if kind else examples_dir() / "lines"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def _status(request: Request) -> dict:
    return {**request.app.state.line.status(), "lines": list(_files("")),
            "scenarios": list(_files("scenarios"))}


@router.get("", response_model=LineStatus, summary="The virtual line: running or not, and "
                                                   "the example lines and scenarios")
def line_status(request: Request, user: ViewerDep):
    return _status(request)


@router.post("/start", response_model=LineStatus, summary="Start the virtual line (admin); "
                                                          "its records go to the store")
def start(body: LineStart, request: Request, db: DatabaseDep, admin: AdminDep):
    from gigatwin.line import LineFileError
    from gigatwin.twin.recipe import RecipeError

    lines, scenarios = _files(""), _files("scenarios")
    if body.line not in lines:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"no example line {body.line!r}; known: {', '.join(lines)}")
    if body.scenario is not None and body.scenario not in scenarios:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"no example scenario {body.scenario!r}; known: "
                                   f"{', '.join(scenarios)}")
    try:
        request.app.state.line.start(lines[body.line],
                                     scenarios[body.scenario] if body.scenario else None,
                                     duration_s=body.duration_h * 3600.0, speed=body.speed,
                                     seed=body.seed, actor=admin.name)
    except RuntimeError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    except (LineFileError, RecipeError, ValueError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    with db.session() as store:
        audit(store, admin.name, "line.start", body.line,
              f"scenario={body.scenario}, {body.duration_h} h at {body.speed}x, seed {body.seed}")
    return _status(request)


@router.post("/stop", response_model=LineStatus, summary="Stop the virtual line (admin)")
def stop(request: Request, db: DatabaseDep, admin: AdminDep):
    try:
        request.app.state.line.stop()
    except RuntimeError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    with db.session() as store:
        audit(store, admin.name, "line.stop", request.app.state.line.status()["line"])
    return _status(request)
