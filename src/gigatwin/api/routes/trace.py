"""Traceability: find objects, trace a cell upstream, track a lot or roll downstream, and
the cell's record (JSON-LD, and its measurements in display units).

Reads use a reader connection of the pool; trace and track answers are kept, keyed by
the store's data version (:meth:`gigatwin.api.database.Database.version`), so a
repeated question costs no query until the data change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from gigatwin.api.deps import DatabaseDep, ResponsesDep, ViewerDep
from gigatwin.api.schemas import Genealogy, ObjectOut, encode, jsonable

router = APIRouter(tags=["traceability"])
ObjectId = Annotated[str, Path(min_length=1, max_length=200)]
MAX_EDGES_OF = 2000  # objects whose connecting edges a genealogy answer lists


def _not_found(exc: KeyError) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc.args[0]))


def _genealogy(store, object_id: str, direction: str, reached) -> Genealogy:
    ids = [r.object_id for r in reached[:MAX_EDGES_OF]]
    # Explicit IN lists: DuckDB turns ``= ANY(?)`` into a hash join over the whole table.
    listed = ", ".join("?" * len(ids))
    rows = store.query(f"SELECT DISTINCT parent_id, child_id FROM genealogy WHERE child_id IN "
                       f"({listed}) AND parent_id IN ({listed}) ORDER BY parent_id, child_id",
                       (*ids, *ids)) if ids else []
    return Genealogy(object_id=object_id, direction=direction,
                     reached=[r.as_dict() for r in reached],
                     edges=[{"parent_id": p, "child_id": c} for p, c in rows])


@router.get("/objects", response_model=list[ObjectOut],
            summary="Objects (lots, rolls, cells, ...) whose id starts with a prefix")
def objects(db: DatabaseDep, user: ViewerDep,
            prefix: Annotated[str, Query(max_length=200)] = "",
            kind: Annotated[str | None, Query(max_length=50)] = None,
            limit: Annotated[int, Query(ge=1, le=1000)] = 50):
    sql = "SELECT object_id, kind FROM objects WHERE starts_with(object_id, ?)"
    params: list = [prefix]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    with db.reader() as store:
        rows = store.query(sql + " ORDER BY object_id LIMIT ?", (*params, limit))
    return [{"object_id": r[0], "kind": r[1]} for r in rows]


@router.get("/trace/{object_id}", response_model=Genealogy,
            summary="Everything upstream of an object, with the roll positions used")
def trace(object_id: ObjectId, db: DatabaseDep, user: ViewerDep, responses: ResponsesDep):
    from gigatwin.trace import trace as trace_up

    with db.reader() as store:
        def compute() -> bytes:
            try:
                return encode(Genealogy, _genealogy(store, object_id, "trace",
                                                    trace_up(store, object_id)))
            except KeyError as exc:
                raise _not_found(exc) from exc

        return responses.answer(("trace", object_id, db.version(store)), compute)


@router.get("/track/{object_id}", response_model=Genealogy,
            summary="Everything downstream of a lot, roll or roll segment (metres)")
def track(object_id: ObjectId, db: DatabaseDep, user: ViewerDep, responses: ResponsesDep,
          from_m: Annotated[float | None, Query(ge=0, le=1e7)] = None,
          to_m: Annotated[float | None, Query(ge=0, le=1e7)] = None):
    from gigatwin.trace import track as track_down

    with db.reader() as store:
        def compute() -> bytes:
            try:
                return encode(Genealogy, _genealogy(store, object_id, "track",
                                                    track_down(store, object_id, from_m, to_m)))
            except KeyError as exc:
                raise _not_found(exc) from exc
            except ValueError as exc:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                    detail=str(exc)) from exc

        return responses.answer(("track", object_id, from_m, to_m, db.version(store)), compute)


@router.get("/cells/{cell_id}/record", response_model=dict,
            summary="The cell's record: design, genealogy, measurements (JSON-LD)")
def cell_record(cell_id: ObjectId, db: DatabaseDep, user: ViewerDep):
    from gigatwin.trace.jsonld import cell_record as record_of

    with db.reader() as store:
        try:
            return jsonable(record_of(store, cell_id))
        except KeyError as exc:
            raise _not_found(exc) from exc


@router.get("/cells/{cell_id}/measurements", response_model=list[dict],
            summary="The cell's measurements in the spec's display units")
def cell_measurements(cell_id: ObjectId, db: DatabaseDep, user: ViewerDep):
    from gigatwin.spec import load_registry
    from gigatwin.units import from_si

    registry = load_registry()
    with db.reader() as store:
        if store.object(cell_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no object {cell_id!r}")
        rows = store.measurements_of(cell_id)
    out = []
    for row in rows:
        parameter = registry.parameters.get(row["key"])
        if parameter is not None and parameter.is_quantity and row["value"] is not None:
            row = {**row, "value": float(from_si(row["value"], parameter.display_unit)),
                   "unit": parameter.display_unit}
        out.append(jsonable(row))
    return out
