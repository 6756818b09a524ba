"""Records over HTTP: validated with the spec, stored idempotently, bad ones quarantined.

The same path as MQTT, OPC UA and file ingestion (:class:`gigatwin.ingest.records.
RecordWriter`): a record sent twice (same ``id``, or same content without one) is
counted as a duplicate and stored once; a rejected one is kept with its reason.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from gigatwin.api.accounts import audit
from gigatwin.api.deps import DatabaseDep, EngineerDep, IngestDep
from gigatwin.api.schemas import IngestCounts, QuarantineEntry, RecordsIn, ReleaseIn

router = APIRouter(tags=["line data"])


@router.post("/records", response_model=IngestCounts,
             summary="Ingest a batch of records (an engineer or an ingest key)")
def ingest(body: RecordsIn, db: DatabaseDep, caller: IngestDep) -> IngestCounts:
    from gigatwin.ingest.records import Delivery, RecordWriter

    source = f"api:{caller.name}"
    deliveries = [Delivery(source=source, payload=record if isinstance(record, dict | list)
                           else str(record)) for record in body.records]
    with db.session() as store:
        counts = RecordWriter(store).write(deliveries, counter_source=source)
        audit(store, caller.name, "records.ingest", None,
              f"received={counts.received} stored={counts.stored} "
              f"duplicates={counts.duplicates} quarantined={counts.quarantined}")
    return IngestCounts(**counts.as_dict())


@router.get("/quarantine", response_model=list[QuarantineEntry],
            summary="Rejected input with its reason, newest first")
def quarantine(db: DatabaseDep, user: EngineerDep,
               source: Annotated[str | None, Query(max_length=200)] = None,
               limit: Annotated[int, Query(ge=1, le=10_000)] = 200):
    names = ("quarantine_id", "received_ts", "source", "raw", "reason")
    sql = f"SELECT {', '.join(names)} FROM quarantine"
    params: tuple = ()
    if source is not None:
        sql += " WHERE source = ?"
        params = (source,)
    with db.session() as store:
        rows = store.query(sql + " ORDER BY received_ts DESC, quarantine_id LIMIT ?", (*params, limit))
    return [dict(zip(names, r, strict=True)) for r in rows]


@router.post("/quarantine/{quarantine_id}/release", response_model=IngestCounts,
             summary="Store a quarantined record (as corrected, or as it is) and take it "
                     "out of the quarantine; refused with the reasons while it is invalid")
def release(quarantine_id: Annotated[str, Path(max_length=100)], body: ReleaseIn,
            db: DatabaseDep, user: EngineerDep) -> IngestCounts:
    from gigatwin.ingest.records import Delivery, RecordWriter

    with db.session() as store:
        rows = store.query("SELECT source, raw FROM quarantine WHERE quarantine_id = ?",
                           (quarantine_id,))
        if not rows:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                detail=f"no quarantined record {quarantine_id!r}")
        source, raw = rows[0]
        writer = RecordWriter(store)
        prepared = writer.prepare([Delivery(source=source, payload=body.record or raw)])
        if prepared.quarantine.num_rows:
            reasons = "; ".join(prepared.quarantine.column("reason").to_pylist())
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                detail=f"still invalid, kept in quarantine: {reasons}")
        # Two transactions (RecordWriter.commit opens its own); should the second fail, the
        # record is stored and still listed, and releasing it again counts a duplicate.
        counts = writer.commit(prepared, counter_source=f"api:{user.name}")
        with store.transaction():
            store.backend.execute("DELETE FROM quarantine WHERE quarantine_id = ?", (quarantine_id,))
            audit(store, user.name, "quarantine.release", quarantine_id,
                  "corrected" if body.record else "as received")
    return IngestCounts(**counts.as_dict())
