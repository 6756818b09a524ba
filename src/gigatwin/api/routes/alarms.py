"""Alarms (streaming SPC's and ingestion's outages, ``events`` of kind ``alarm``): listed
for everyone, acknowledged by engineers (who, when, an optional comment; audited).

Acknowledging is idempotent: an alarm acknowledged already keeps its first
acknowledgement and the answer is the alarm as it is (200 both times; only the first
is audited). An unknown id is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from gigatwin.api.accounts import audit
from gigatwin.api.deps import DatabaseDep, EngineerDep, ViewerDep
from gigatwin.api.schemas import AckIn, AlarmOut

router = APIRouter(prefix="/alarms", tags=["alarms"])
AlarmId = Annotated[str, Path(min_length=1, max_length=300)]


@router.get("", response_model=list[AlarmOut],
            summary="Alarms, newest first; the total over all pages is in X-Total-Count")
def list_alarms(db: DatabaseDep, user: ViewerDep, response: Response,
                state: Annotated[Literal["open", "cleared", "acknowledged", "unacknowledged"]
                                 | None, Query(description="open = not cleared")] = None,
                asset: Annotated[str | None, Query(max_length=200, description="station")] = None,
                since: Annotated[datetime | None, Query(description="raised at or after")] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0):
    with db.reader() as store:
        found = store.alarms(state=state, asset_id=asset, since=since, limit=limit, offset=offset)
        response.headers["X-Total-Count"] = str(
            store.count_alarms(state=state, asset_id=asset, since=since))
    return found


@router.post("/{event_id}/acknowledge", response_model=AlarmOut,
             summary="Acknowledge an alarm (engineer); again changes nothing")
def acknowledge(event_id: AlarmId, db: DatabaseDep, user: EngineerDep, body: AckIn | None = None):
    comment = body.comment if body is not None else None
    with db.session() as store:
        try:
            alarm, new = store.acknowledge_alarm(event_id, user.name, comment=comment or None)
        except KeyError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc.args[0])) from exc
        if new:
            audit(store, user.name, "alarm.acknowledge", event_id, comment or None)
    return alarm
