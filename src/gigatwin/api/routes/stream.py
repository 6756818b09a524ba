"""Server-sent events of new readings and alarm changes; see :mod:`gigatwin.api.streams`
for the format, the stream tickets and how a stream ends."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse

from gigatwin.api import streams
from gigatwin.api.deps import (
    DatabaseDep,
    SettingsDep,
    StreamViewerDep,
    ViewerDep,
    quantity_parameter,
)
from gigatwin.api.schemas import StreamTicket
from gigatwin.api.security import issue_ticket

router = APIRouter(prefix="/stream", tags=["streams"])


@router.post("/ticket", response_model=StreamTicket,
             summary="A stream ticket (60 s) for GET /stream?ticket=..., for EventSource")
def ticket(user: ViewerDep, settings: SettingsDep):
    if user.kind != "user":  # pragma: no cover - keys hold no viewer role
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="machines send their key header")
    return StreamTicket(ticket=issue_ticket(user, settings.secret_key, streams.TICKET_S),
                        expires_in=streams.TICKET_S)


@router.get("", summary="Server-sent events: new readings of a signal and alarm changes",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "an event stream (see docs/api.md)"}})
async def stream(request: Request, db: DatabaseDep, user: StreamViewerDep,
                 key: Annotated[str | None, Query(min_length=1, max_length=100, description=
                                                  "spec key of the signal; none: alarms only")] = None,
                 asset: Annotated[str | None, Query(max_length=200, description="station")] = None,
                 after: Annotated[datetime | None, Query(description=
                                                         "send readings after this time first")] = None,
                 alarms: bool = True,
                 line: Annotated[bool, Query(description="the virtual line's state too")] = False,
                 poll_s: Annotated[float, Query(ge=0.1, le=10)] = 0.5,
                 heartbeat_s: Annotated[float, Query(ge=0.5, le=60)] = 15.0,
                 max_s: Annotated[float, Query(ge=0, le=86_400)] = 3600.0,
                 last_event_id: Annotated[str | None, Header(max_length=64)] = None):
    signal = None
    if key is not None:
        parameter = quantity_parameter(key)
        if after is None and last_event_id:  # a reconnecting EventSource resumes
            try:
                after = datetime.fromisoformat(last_event_id)
            except ValueError as exc:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                    detail=f"Last-Event-ID = {last_event_id!r} is not a "
                                           "time (ISO 8601) this service sent") from exc
        signal = streams.Signal(key, asset, parameter.display_unit, after)
    elif not alarms and not line:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="nothing to stream: give a key, or alarms=true or line=true")
    hub: streams.StreamHub = request.app.state.streams
    if not hub.has_room():
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail=f"{hub.limit} streams are open (the most this service "
                                   "keeps) or it is stopping; try again later",
                            headers={"Retry-After": "5"})
    body = streams.events(request, db, hub, signal, streams.Alarms() if alarms else None,
                          poll_s=poll_s, heartbeat_s=heartbeat_s, max_s=max_s,
                          line_status=request.app.state.line.status if line else None)
    return StreamingResponse(body, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
