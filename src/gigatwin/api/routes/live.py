"""The live twin over the store: calibrate on the stored gauge data, read its estimates
(the slot die's flow bias with its uncertainty) and its recommendations (the next pump
setpoint, with the loading it predicts), and accept or reject them (engineers).

Thin over :mod:`gigatwin.ingest.live`, which keeps its own two tables; these routes
use the writer connection because that module creates the tables when missing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status

from gigatwin.api.accounts import audit
from gigatwin.api.deps import DatabaseDep, EngineerDep, ViewerDep
from gigatwin.api.schemas import EstimateOut, FollowIn, RecommendationOut, jsonable

router = APIRouter(prefix="/live", tags=["live twin"])


@router.post("/follow", response_model=dict[str, dict[str, float]],
             summary="Calibrate on everything stored and advise the next setpoints "
                     "(engineer); the posterior flow bias per key")
def follow(body: FollowIn, db: DatabaseDep, user: EngineerDep):
    from gigatwin.api.routes.twin import load_recipe
    from gigatwin.ingest.live import follow as follow_store

    recipe = load_recipe(body.example, body.recipe)
    with db.session() as store:
        try:
            summary = follow_store(store, recipe)
        except (ValueError, KeyError) as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
        audit(store, user.name, "live.follow", recipe.name, f"{len(summary)} key(s)")
    if not summary:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail="the store holds no wet_film_thickness signals of a coater")
    return jsonable(summary)


@router.get("/estimates", response_model=list[EstimateOut],
            summary="The twin's parameter estimates (posterior mean and sd), oldest first")
def estimates(db: DatabaseDep, user: ViewerDep,
              key: Annotated[str | None, Query(max_length=200)] = None,
              limit: Annotated[int, Query(ge=1, le=20_000)] = 2000):
    from gigatwin.ingest.live import create_tables

    sql = "SELECT ts, key, mean, std, accepted, reason FROM live_estimates"
    params: list = []
    if key is not None:
        sql += " WHERE key = ?"
        params.append(key)
    with db.session() as store:
        create_tables(store)
        rows = store.query(sql + " ORDER BY ts DESC LIMIT ?", (*params, limit))
    names = ("ts", "key", "mean", "std", "accepted", "reason")
    return [jsonable(dict(zip(names, r, strict=True))) for r in reversed(rows)]


@router.get("/recommendations", response_model=list[RecommendationOut],
            summary="The twin's recommendations: setpoint, predicted loading, status")
def recommendations(db: DatabaseDep, user: ViewerDep,
                    state: Literal["advised", "accepted", "rejected"] | None = None):
    from gigatwin.ingest.live import recommendations as listed

    with db.session() as store:
        found = listed(store)
    return [jsonable(r) for r in found if state is None or r["status"] == state]


def _decide(db, rec_id: str, decision: str, actor: str) -> dict:
    from gigatwin.ingest.live import decide, recommendations

    with db.session() as store:
        current = {r["rec_id"]: r for r in recommendations(store)}
        if rec_id not in current:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no recommendation {rec_id!r}")
        if current[rec_id]["status"] != "advised":
            raise HTTPException(status.HTTP_409_CONFLICT,
                                detail=f"recommendation {rec_id!r} is {current[rec_id]['status']} "
                                       "already")
        decide(store, rec_id, decision)
        audit(store, actor, f"live.{decision[:-2]}", rec_id,
              f"{current[rec_id]['key']} = {current[rec_id]['value']:.6g}")
        return jsonable({**current[rec_id], "status": decision})


RecId = Annotated[str, Path(min_length=1, max_length=300)]


@router.post("/recommendations/{rec_id}/accept", response_model=RecommendationOut,
             summary="Accept a recommendation (engineer): its setpoint is in force from then")
def accept(rec_id: RecId, db: DatabaseDep, user: EngineerDep):
    return _decide(db, rec_id, "accepted", user.name)


@router.post("/recommendations/{rec_id}/reject", response_model=RecommendationOut,
             summary="Reject a recommendation (engineer)")
def reject(rec_id: RecId, db: DatabaseDep, user: EngineerDep):
    return _decide(db, rec_id, "rejected", user.name)
