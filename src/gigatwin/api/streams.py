"""Server-sent events: new signal readings and alarm changes pushed to the browser.

``GET /api/v1/stream`` answers ``text/event-stream`` (the W3C EventSource format):

- ``event: ready`` once, first: what the stream follows and its cursor (``after``);
- ``event: measurements``: the readings of one signal (``key``, optionally ``asset``)
  stored since the last message, oldest first, in the key's display unit (as
  ``/spc/chart`` shows them); its ``id`` is the last reading's time, which a
  reconnecting EventSource sends back as ``Last-Event-ID`` to resume after it;
- ``event: alarm``: an alarm raised, cleared or acknowledged since the stream opened
  (the ``GET /alarms`` shape);
- ``event: line`` (with ``line=true``): the virtual line's state (``GET /line``'s
  fields) whenever it changed, first when the stream opens;
- ``: heartbeat`` comments every ``heartbeat_s`` seconds, so that proxies keep an idle
  stream open and a client sees that the service is alive;
- ``event: close`` when the stream ends from the service's side (the service stops, or
  the stream reached ``max_s``) with the reason; the client may open a new one.

**How it finds new data.** Every ``poll_s`` seconds the stream reads what arrived:
readings with a time after the last one sent (the cursor), and the alarms whose state
changed. On DuckDB the service is the store's only writer, so a stream reads only when
the data version (:attr:`gigatwin.api.database.Database.generation`) moved; on
PostgreSQL other processes write, so it reads every ``poll_s``. A reading stored later
with a time at or before the cursor (late data) is not pushed: the charts read it on
their next request.

**Authentication.** EventSource cannot send an ``Authorization`` header, and a bearer
token in a URL would be kept in access and proxy logs for as long as the token lives.
So the page asks ``POST /api/v1/stream/ticket`` (with its token) for a stream ticket:
a JWT signed like the tokens but with its own audience (``gigatwin-stream``), valid
60 seconds and accepted only by ``GET /stream`` (never as a bearer token), and opens
``/stream?ticket=...``. The user's current role is checked when the stream opens, as
for any request. Machines and scripts may send their bearer token or API key header
instead. No state is kept for a ticket, so it works across worker processes.

**Ending.** A client that goes away ends its stream at once (Starlette cancels it on
the ASGI disconnect message). Uvicorn, when asked to stop, waits for open responses
to complete before it shuts down, which a stream never does by itself; so
:func:`install_shutdown_hook` wraps ``uvicorn.Server.shutdown`` to close the streams
of the app being served first (each ends with ``event: close`` within ``poll_s``),
and the server stops promptly. Other servers may call :meth:`StreamHub.close`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import numpy as np
from fastapi.concurrency import run_in_threadpool

from gigatwin.api.schemas import AlarmOut, jsonable

TICKET_S = 60  # seconds a stream ticket may be used to open a stream
MAX_STREAMS = 64  # open streams per process; one more is refused (503)
MAX_POINTS = 2000  # readings per message at most (a backlog is sent in several)


class StreamHub:
    """The streams open in one process: counted, and closed together on shutdown."""

    def __init__(self, limit: int = MAX_STREAMS):
        self.limit = limit
        self.open = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    def has_room(self) -> bool:
        """Whether one more stream may open now (the route's 503 check)."""
        with self._lock:
            return self.open < self.limit and not self.closing

    def enter(self) -> bool:
        """Count a new stream; False when ``limit`` streams are open or the hub closed."""
        with self._lock:
            if self.open >= self.limit or self.closing:
                return False
            self.open += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.open -= 1

    def close(self) -> None:
        """End every open stream (each at its next poll) and refuse new ones."""
        self._closing.set()

    async def wait_closed(self, timeout_s: float) -> None:
        """Wait until no stream is open, at most ``timeout_s`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.open > 0 and loop.time() < deadline:
            await asyncio.sleep(0.05)


def _hub_of(app) -> StreamHub | None:
    """The hub of a FastAPI app, looked for through the ASGI wrappers uvicorn adds."""
    for _ in range(20):
        state = getattr(app, "state", None)
        hub = getattr(state, "streams", None) if state is not None else None
        if isinstance(hub, StreamHub):
            return hub
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None


def install_shutdown_hook() -> None:
    """Make every uvicorn server close the streams of the app it serves before it waits
    for open responses (once per process; see the module docstring)."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - uvicorn is a dependency of the service
        return
    original = uvicorn.Server.shutdown
    if getattr(original, "closes_gigatwin_streams", False):
        return

    @functools.wraps(original)
    async def shutdown(self, sockets=None):
        hub = _hub_of(getattr(self.config, "loaded_app", None))
        if hub is not None:
            hub.close()
            await hub.wait_closed(timeout_s=5.0)
        await original(self, sockets)

    shutdown.closes_gigatwin_streams = True
    uvicorn.Server.shutdown = shutdown


# -- the stream ------------------------------------------------------------------------------
def _iso(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def message(event: str | None, data, event_id: str | None = None) -> str:
    """One server-sent event; ``data`` as JSON on one line."""
    head = (f"event: {event}\n" if event else "") + (f"id: {event_id}\n" if event_id else "")
    return f"{head}data: {json.dumps(jsonable(data), default=_iso, separators=(',', ':'))}\n\n"


class Signal:
    """The signal a stream follows: its key, station, display unit and cursor."""

    def __init__(self, key: str, asset: str | None, display_unit: str, after: datetime | None):
        self.key, self.asset, self.unit, self.after = key, asset, display_unit, after

    def start(self, store) -> None:
        """Without a resume point, follow from the newest stored reading on."""
        if self.after is None:
            sql, params = self._where()
            newest = store.query(f"SELECT max(ts) FROM signals WHERE {sql}", params)[0][0]
            self.after = newest or datetime(1970, 1, 1, tzinfo=UTC)

    def _where(self) -> tuple[str, list]:
        sql, params = "key = ? AND value IS NOT NULL", [self.key]
        if self.asset is not None:
            sql += " AND asset_id = ?"
            params.append(self.asset)
        return sql, params

    def new(self, store) -> dict | None:
        """The readings after the cursor (at most MAX_POINTS), moving it; None if none."""
        from gigatwin.units import from_si

        sql, params = self._where()
        rows = store.query(f"SELECT ts, value, record_id FROM signals WHERE {sql} AND ts > ? "
                           "ORDER BY ts, record_id LIMIT ?", (*params, self.after, MAX_POINTS))
        if not rows:
            return None
        values = np.atleast_1d(np.asarray(from_si(np.array([r[1] for r in rows], dtype=float),
                                                  self.unit), dtype=float))
        self.after = rows[-1][0]
        return {"key": self.key, "asset_id": self.asset, "unit": self.unit,
                "points": [{"ts": r[0], "value": float(v), "record_id": r[2]}
                           for r, v in zip(rows, values, strict=True)]}


class Alarms:
    """The alarms a stream reports: every alarm whose state changed since the last look."""

    _SQL = ("SELECT e.event_id, e.cleared_ts, a.acked_ts FROM events e "
            "LEFT JOIN alarm_acks a ON a.event_id = e.event_id WHERE e.kind = 'alarm'")

    def __init__(self):
        self.seen: dict[str, tuple] = {}

    def _states(self, store) -> dict[str, tuple]:
        return {r[0]: (r[1], r[2]) for r in store.query(self._SQL)}

    def start(self, store) -> None:
        self.seen = self._states(store)

    def changed(self, store) -> list[dict]:
        now = self._states(store)
        ids = [i for i, s in now.items() if self.seen.get(i) != s][:100]
        self.seen.update({i: now[i] for i in ids})
        found = [store.alarm(i) for i in ids]
        out = [AlarmOut.model_validate(a).model_dump() for a in found if a is not None]
        return sorted(out, key=lambda a: a["ts"])


async def events(request, db, hub: StreamHub, signal: Signal | None, alarms: Alarms | None,
                 *, poll_s: float, heartbeat_s: float, max_s: float,
                 line_status=None) -> AsyncIterator[str]:
    """The text of one stream; see the module docstring. It is counted in the hub from its
    first step (a body that never starts, its client gone, is never counted) until it
    ends, however it ends."""
    loop = asyncio.get_running_loop()
    if not hub.enter():  # filled up, or stopping, since the route looked
        yield message("close", {"reason": f"{hub.limit} streams are open or the service "
                                          "is stopping; try again later"})
        return
    try:
        def begin() -> None:
            with db.reader() as store:
                if signal is not None:
                    signal.start(store)
                if alarms is not None:
                    alarms.start(store)

        await run_in_threadpool(begin)
        yield "retry: 3000\n\n"
        yield message("ready", {"key": signal.key if signal else None,
                               "asset_id": signal.asset if signal else None,
                               "unit": signal.unit if signal else None,
                               "after": signal.after if signal else None,
                               "alarms": alarms is not None, "line": line_status is not None})
        started = last_beat = loop.time()
        version = last_line = None

        def readings() -> dict | None:
            with db.reader() as store:
                return signal.new(store) if signal is not None else None

        def changed_alarms() -> list[dict]:
            with db.reader() as store:
                return alarms.changed(store) if alarms is not None else []

        while True:
            now = loop.time()
            current = db.generation if db.dialect == "duckdb" else None
            if current is None or current != version:
                version = current
                batch = await run_in_threadpool(readings)
                while batch is not None:
                    yield message("measurements", batch,
                                  event_id=batch["points"][-1]["ts"].isoformat())
                    if len(batch["points"]) < MAX_POINTS:
                        break
                    batch = await run_in_threadpool(readings)  # the rest of a backlog
                for alarm in await run_in_threadpool(changed_alarms):
                    yield message("alarm", alarm)
            if line_status is not None:  # the virtual line's state: in memory, no query
                status = line_status()
                seen = (status["state"], status["records"], status["simulated_s"], status["line"])
                if seen != last_line:
                    last_line = seen
                    yield message("line", status)
            if now - last_beat >= heartbeat_s:
                last_beat = now
                yield f": heartbeat {datetime.now(UTC).isoformat(timespec='seconds')}\n\n"
            if hub.closing:
                yield message("close", {"reason": "the service is stopping"})
                return
            if loop.time() - started >= max_s:
                yield message("close", {"reason": f"max_s = {max_s:g} s reached; open a new "
                                                  "stream to go on"})
                return
            await asyncio.sleep(min(poll_s, max(max_s - (loop.time() - started), 0.0)))
    finally:
        hub.leave()
