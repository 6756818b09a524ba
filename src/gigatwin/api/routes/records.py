"""Records over HTTP: validated with the spec, stored idempotently, bad ones quarantined.

The same path as MQTT, OPC UA and file ingestion (:class:`gigatwin.ingest.records.
RecordWriter`): a record sent twice (same ``id``, or same content without one) is
counted as a duplicate and stored once; a rejected one is kept with its reason.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gigatwin.api.accounts import audit
from gigatwin.api.deps import DatabaseDep, EngineerDep, IngestDep
from gigatwin.api.schemas import IngestCounts, QuarantineEntry, RecordsIn

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
