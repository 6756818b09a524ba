"""Review and release what ingestion rejected, without SQL.

Every rejected input is kept in the store's ``quarantine`` table with its raw text and
the reason (``gigatwin.ingest.record_writer``). A data manager lists it, looks at one entry,
and releases it: as it was received (after the specification or the limits changed) or
corrected (a record in the spec's format). A release goes through the same validation as
any input, so a record that is still invalid stays in the quarantine with its reasons.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from gigatwin.ingest.record_writer import Counts, Delivery, RecordWriter

COLUMNS = ("quarantine_id", "received_ts", "source", "raw", "reason")


class StillInvalidError(ValueError):
    """A release whose record does not validate; the entry stays in quarantine."""


@dataclass(frozen=True)
class Entry:
    quarantine_id: str
    received_ts: object
    source: str
    raw: str
    reason: str

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in COLUMNS}


def entries(store, *, source: str | None = None, reason: str | None = None,
            limit: int = 200) -> list[Entry]:
    """Quarantined entries, newest first; ``source`` exact, ``reason`` a substring."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM quarantine"
    where, params = [], []
    if source is not None:
        where.append("source = ?")
        params.append(source)
    if reason is not None:
        where.append("reason LIKE ?")
        params.append(f"%{reason}%")
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = store.query(sql + " ORDER BY received_ts DESC, quarantine_id LIMIT ?",
                       (*params, limit))
    return [Entry(*row) for row in rows]


def entry(store, quarantine_id: str) -> Entry | None:
    rows = store.query(f"SELECT {', '.join(COLUMNS)} FROM quarantine WHERE quarantine_id = ?",
                       (quarantine_id,))
    return Entry(*rows[0]) if rows else None


def release(store, quarantine_id: str, record: Mapping | None = None, *,
            counter_source: str = "quarantine:release") -> Counts:
    """Store a quarantined entry (``record``: its correction) and take it out of the
    quarantine. Raises ``KeyError`` for an unknown id and :class:`StillInvalidError` (with the
    reasons) when the record does not validate."""
    found = entry(store, quarantine_id)
    if found is None:
        raise KeyError(f"no quarantined entry {quarantine_id!r}")
    writer = RecordWriter(store)
    prepared = writer.prepare([Delivery(source=found.source,
                                        payload=dict(record) if record else found.raw)])
    if prepared.quarantine.num_rows:
        reasons = "; ".join(prepared.quarantine.column("reason").to_pylist())
        raise StillInvalidError(f"{quarantine_id}: still invalid, kept in quarantine: {reasons}")
    # Two transactions (RecordWriter.commit opens its own); should the second fail, the
    # record is stored and still listed, and releasing it again counts a duplicate.
    counts = writer.commit(prepared, counter_source=counter_source)
    with store.transaction():
        store.backend.execute("DELETE FROM quarantine WHERE quarantine_id = ?", (quarantine_id,))
    return counts


def parse_record(text: str) -> dict:
    """A corrected record given as JSON text (``{"key": ..., "value": ..., ...}``)."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the corrected record is not JSON: {exc}") from None
    if not isinstance(record, dict):
        raise ValueError("the corrected record must be a JSON object with key, value, unit, ts")
    return record
