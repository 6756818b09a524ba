"""SPC over stored signals: the series there are, a control chart, capability.

Values are read in SI from ``signals`` and shown in the spec's display unit of their
key (Montgomery, *Introduction to Statistical Quality Control*, for the charts; see
docs/quality.md). Charts and capabilities are kept, keyed by the request and the
store's data version (:meth:`gigatwin.api.database.Database.version`): a chart is
computed again only when the data may have changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query, status

from gigatwin.api.deps import DatabaseDep, ResponsesDep, ViewerDep, quantity_parameter
from gigatwin.api.schemas import CapabilityOut, ChartOut, SignalSeries, encode, jsonable

router = APIRouter(prefix="/spc", tags=["quality"])
Key = Annotated[str, Query(min_length=1, max_length=100, description="spec key of the signal")]
Asset = Annotated[str | None, Query(max_length=200, description="station; all when omitted")]
Limit = Annotated[int, Query(ge=2, le=20_000, description="the latest points")]


@router.get("/signals", response_model=list[SignalSeries],
            summary="The stored numeric signal series (key and station)")
def signals(db: DatabaseDep, user: ViewerDep,
            key: Annotated[str | None, Query(max_length=100)] = None):
    sql = ("SELECT key, asset_id, unit, count(*), min(ts), max(ts) FROM signals "
           "WHERE value IS NOT NULL")
    params: tuple = ()
    if key is not None:
        sql += " AND key = ?"
        params = (key,)
    with db.reader() as store:
        rows = store.query(sql + " GROUP BY key, asset_id, unit ORDER BY key, asset_id LIMIT 1000",
                           params)
    names = ("key", "asset_id", "unit", "count", "first_ts", "last_ts")
    return [dict(zip(names, r, strict=True)) for r in rows]


def _series(store, key: str, asset: str | None, start, end, limit: int):
    """Timestamps and values (display unit) of the latest ``limit`` points, oldest first."""
    from gigatwin.units import from_si

    parameter = quantity_parameter(key)
    sql = "SELECT ts, value FROM signals WHERE key = ? AND value IS NOT NULL"
    params: list = [key]
    for clause, value in ((" AND asset_id = ?", asset), (" AND ts >= ?", start), (" AND ts <= ?", end)):
        if value is not None:
            sql += clause
            params.append(value)
    rows = store.query(sql + " ORDER BY ts DESC LIMIT ?", (*params, limit))
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"no stored signal {key!r}" + (f" at {asset!r}" if asset else ""))
    rows.reverse()
    values = np.asarray(from_si(np.array([r[1] for r in rows], dtype=float),
                                parameter.display_unit), dtype=float)
    return [r[0] for r in rows], values, parameter.display_unit


def _refuse(exc: ValueError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc))


@router.get("/chart", response_model=ChartOut,
            summary="A control chart with run-rule signals of a stored signal (Phase I)")
def chart(key: Key, db: DatabaseDep, user: ViewerDep, responses: ResponsesDep,
          asset: Asset = None,
          type: Literal["imr", "xbar-r", "xbar-s", "ewma", "cusum"] = "imr",  # noqa: A002
          subgroup: Annotated[int, Query(ge=2, le=50)] = 5,
          rules: Literal["western-electric", "nelson", "none"] = "western-electric",
          start: datetime | None = None, end: datetime | None = None, limit: Limit = 500):
    from gigatwin.quality import CHART_FUNCTIONS, subgroup_matrix

    def compute() -> bytes:
        ts, values, unit = _series(store, key, asset, start, end, limit)
        data = (values if type in ("imr", "ewma", "cusum")
                else subgroup_matrix(values, subgroup_size=subgroup))
        options = {} if type in ("ewma", "cusum") else {"rules": None if rules == "none" else rules}
        try:
            analysis = CHART_FUNCTIONS[type](data, **options)
        except ValueError as exc:
            raise _refuse(exc) from exc
        return encode(ChartOut, ChartOut(key=key, asset_id=asset, unit=unit, ts=ts,
                                         analysis=jsonable(analysis.as_dict())))

    with db.reader() as store:
        return responses.answer(("spc.chart", key, asset, type, subgroup, rules, start, end,
                                 limit, db.version(store)), compute)


@router.get("/capability", response_model=CapabilityOut,
            summary="Capability (Cp, Cpk, Pp, Ppk, Cpm) of a stored signal; limits in display unit")
def capability(key: Key, db: DatabaseDep, user: ViewerDep, responses: ResponsesDep,
               asset: Asset = None,
               lsl: float | None = None, usl: float | None = None, target: float | None = None,
               subgroup: Annotated[int | None, Query(ge=2, le=50)] = None,
               confidence: Annotated[float, Query(gt=0.5, lt=1.0)] = 0.95,
               start: datetime | None = None, end: datetime | None = None, limit: Limit = 5000):
    from gigatwin.quality import capability as capability_of
    from gigatwin.quality import subgroup_matrix

    if lsl is None and usl is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="give lsl, usl or both (in the key's display unit)")

    def compute() -> bytes:
        _, values, unit = _series(store, key, asset, start, end, limit)
        data = subgroup_matrix(values, subgroup_size=subgroup) if subgroup else values
        try:
            result = capability_of(data, lsl=lsl, usl=usl, target=target, confidence=confidence)
        except ValueError as exc:
            raise _refuse(exc) from exc
        return encode(CapabilityOut, CapabilityOut(key=key, asset_id=asset, unit=unit,
                                                   result=jsonable(result.as_dict())))

    with db.reader() as store:
        return responses.answer(("spc.capability", key, asset, lsl, usl, target, subgroup,
                                 confidence, start, end, limit, db.version(store)), compute)
