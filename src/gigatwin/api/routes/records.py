"""Records over HTTP: validated with the spec, stored idempotently, bad ones quarantined.

The same path as MQTT, OPC UA and file ingestion (:class:`gigatwin.ingest.record_writer.
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
    from gigatwin.ingest.record_writer import Delivery, RecordWriter

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
    from gigatwin.ingest.quarantine import entries

    with db.session() as store:
        return [e.as_dict() for e in entries(store, source=source, limit=limit)]


@router.post("/quarantine/{quarantine_id}/release", response_model=IngestCounts,
             summary="Store a quarantined record (as corrected, or as it is) and take it "
                     "out of the quarantine; refused with the reasons while it is invalid")
def release(quarantine_id: Annotated[str, Path(max_length=100)], body: ReleaseIn,
            db: DatabaseDep, user: EngineerDep) -> IngestCounts:
    from gigatwin.ingest.quarantine import StillInvalidError, release

    with db.session() as store:
        try:
            counts = release(store, quarantine_id, body.record,
                             counter_source=f"api:{user.name}")
        except KeyError:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                detail=f"no quarantined record {quarantine_id!r}") from None
        except StillInvalidError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
        with store.transaction():
            audit(store, user.name, "quarantine.release", quarantine_id,
                  "corrected" if body.record else "as received")
    return IngestCounts(**counts.as_dict())
