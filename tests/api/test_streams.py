"""Server-sent events (GET /api/v1/stream) against a real uvicorn server: tickets,
readings and alarms pushed as they arrive, heartbeats, and the ends of a stream (the
client goes away; the server stops while a stream is open)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from support import PASSWORDS, SECRET, SIGNAL_ASSET, SIGNAL_KEY, make_app, populate, signal_records

from _servers import free_port, wait_for_port

NEW_TS = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # after every populated reading


class Served:
    """A populated service on a free loopback port, run by uvicorn on a thread."""

    def __init__(self, tmp_path):
        import uvicorn

        self.app = make_app(f"duckdb://{tmp_path / 'stream.duckdb'}")
        self.key = populate(self.app)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for_port(port)

    def token(self, user: str) -> str:
        return httpx.post(f"{self.url}/api/v1/auth/token",
                          data={"username": user, "password": PASSWORDS[user]}).json()["access_token"]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.app.state.line.shutdown()
        self.app.state.jobs.shutdown()
        self.app.state.database.close()


@pytest.fixture
def served(tmp_path):
    served = Served(tmp_path)
    yield served
    if served.thread.is_alive():
        served.stop()


def _events(lines):
    """(event, data, id) of each message of an event stream; comments as ("comment", text)."""
    event, data, event_id = None, [], None
    for line in lines:
        if line.startswith(":"):
            yield "comment", line[1:].strip(), None
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line == "" and (event or data):
            yield event or "message", json.loads("\n".join(data)), event_id
            event, data, event_id = None, [], None


def _until(stream_events, wanted, limit=200):
    """Read messages until ``wanted(event, data)``; all read so far."""
    seen = []
    for item in stream_events:
        seen.append(item)
        if wanted(item[0], item[1]) or len(seen) > limit:
            return seen
    return seen


def _ticket(served, user="vera") -> str:
    answer = httpx.post(f"{served.url}/api/v1/stream/ticket",
                        headers={"Authorization": f"Bearer {served.token(user)}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["expires_in"] == 60
    return answer.json()["ticket"]


def _record(i: int, value_um: float) -> dict:
    return {"key": SIGNAL_KEY, "value": value_um, "unit": "um", "asset": SIGNAL_ASSET,
            "ts": (NEW_TS + timedelta(seconds=10 * i)).isoformat(), "id": f"pushed-{i}"}


def test_readings_and_alarms_are_pushed_as_they_arrive(served):
    ticket = _ticket(served)
    params = {"ticket": ticket, "key": SIGNAL_KEY, "asset": SIGNAL_ASSET, "poll_s": 0.1,
              "heartbeat_s": 0.5}
    with httpx.stream("GET", f"{served.url}/api/v1/stream", params=params, timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-store"
        events = _events(r.iter_lines())
        opened = _until(events, lambda e, d: e == "ready")
        assert opened[-1][1]["unit"] == "um"
        # the stream follows from the newest stored reading: nothing old is sent
        assert opened[-1][1]["after"].startswith(signal_records()[-1]["ts"][:19])
        beat = _until(events, lambda e, d: e == "comment")
        assert beat[-1][1].startswith("heartbeat 20")
        assert all(e != "measurements" for e, _, _ in beat)
        # an ingest key posts three readings [um]; they arrive in order, in um
        posted = httpx.post(f"{served.url}/api/v1/records", headers={"X-API-Key": served.key},
                            json={"records": [_record(i, 200.0 + i) for i in range(3)]})
        assert posted.json()["stored"] == 3
        got = []
        for event, data, event_id in events:
            if event == "measurements":
                got += data["points"]
                last_id = event_id
            if len(got) >= 3:
                break
        assert [p["record_id"] for p in got] == ["pushed-0", "pushed-1", "pushed-2"]
        assert [p["value"] for p in got] == pytest.approx([200.0, 201.0, 202.0])
        assert datetime.fromisoformat(last_id) == NEW_TS + timedelta(seconds=20)
        # an alarm raised, then acknowledged by an engineer: two alarm messages
        with served.app.state.database.session() as store:
            store.add_event("pushed-alarm", NEW_TS, "alarm", asset_id=SIGNAL_ASSET,
                            severity="warning", code=f"ewma:{SIGNAL_KEY}", message="EWMA")
        served.app.state.database.touch()
        raised = _until(events, lambda e, d: e == "alarm")[-1][1]
        assert (raised["event_id"], raised["state"], raised["acknowledged"]) == (
            "pushed-alarm", "open", False)
        ack = httpx.post(f"{served.url}/api/v1/alarms/pushed-alarm/acknowledge",
                         headers={"Authorization": f"Bearer {served.token('erik')}"},
                         json={"comment": "nozzle wiped"})
        assert ack.status_code == 200
        acked = _until(events, lambda e, d: e == "alarm")[-1][1]
        assert (acked["acked_by"], acked["comment"]) == ("erik", "nozzle wiped")


def test_a_reconnecting_client_resumes_after_its_last_event_id(served):
    """Last-Event-ID (what EventSource sends on reconnecting): the readings after it."""
    records = signal_records()
    headers = {"Authorization": f"Bearer {served.token('vera')}",
               "Last-Event-ID": records[196]["ts"]}
    answer = httpx.get(f"{served.url}/api/v1/stream", headers=headers, timeout=30,
                       params={"key": SIGNAL_KEY, "asset": SIGNAL_ASSET, "max_s": 0})
    sent = [d for e, d, _ in _events(answer.text.splitlines()) if e == "measurements"]
    assert [p["record_id"] for p in sent[0]["points"]] == ["wft-197", "wft-198", "wft-199"]
    assert [p["value"] for p in sent[0]["points"]] == pytest.approx(
        [r["value"] for r in records[197:]])
    closing = [d for e, d, _ in _events(answer.text.splitlines()) if e == "close"]
    assert "max_s = 0 s reached" in closing[0]["reason"]


def test_tickets_open_streams_only_and_tokens_are_no_tickets(served):
    import jwt

    token = served.token("vera")
    ticket = _ticket(served)
    assert httpx.get(f"{served.url}/api/v1/auth/me",
                     headers={"Authorization": f"Bearer {ticket}"}).status_code == 401
    refused = httpx.get(f"{served.url}/api/v1/stream", params={"ticket": token, "max_s": 0})
    assert refused.status_code == 401
    assert "stream ticket is invalid or has expired" in refused.json()["detail"]
    expired = jwt.encode({"sub": "vera", "aud": "gigatwin-stream",
                          "exp": datetime.now(UTC) - timedelta(seconds=1)}, SECRET, algorithm="HS256")
    assert httpx.get(f"{served.url}/api/v1/stream",
                     params={"ticket": expired, "max_s": 0}).status_code == 401
    # the user's current role counts, not the one when the ticket was issued
    from gigatwin.api import accounts

    with served.app.state.database.session() as store:
        accounts.remove_user(store, "vera", actor="test")
    served.app.state.principals.forget_user("vera")
    gone = httpx.get(f"{served.url}/api/v1/stream", params={"ticket": ticket, "max_s": 0})
    assert gone.status_code == 401 and "no longer exists" in gone.json()["detail"]


def _wait(condition, what: str, seconds: float = 20.0) -> None:
    """Wait for ``condition()`` (a liveness check, not a timing one)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s")
        time.sleep(0.05)


def test_a_stream_ends_when_its_client_goes_away(served):
    hub = served.app.state.streams
    with httpx.stream("GET", f"{served.url}/api/v1/stream", timeout=30,
                      params={"ticket": _ticket(served), "poll_s": 0.1}) as r:
        _until(_events(r.iter_lines()), lambda e, d: e == "ready")
        assert hub.open == 1
    _wait(lambda: hub.open == 0, "the stream's end after the client left")


def test_the_server_stops_promptly_while_a_stream_is_open(served):
    """Uvicorn waits for open responses before it stops; the stream must end itself."""
    # no heartbeat within the read timeout: a stream left open fails the read, not hangs
    with httpx.stream("GET", f"{served.url}/api/v1/stream", timeout=20,
                      params={"ticket": _ticket(served), "key": SIGNAL_KEY,
                              "heartbeat_s": 60}) as r:
        events = _events(r.iter_lines())
        _until(events, lambda e, d: e == "ready")
        served.server.should_exit = True
        rest = list(events)  # the body ends: the server closed the stream cleanly
        assert rest[-1][0] == "close" and rest[-1][1]["reason"] == "the service is stopping"
    served.thread.join(timeout=20)
    assert not served.thread.is_alive(), "the server still runs with a stream open"
    assert served.app.state.streams.open == 0


def test_the_virtual_lines_state_is_pushed_when_it_changes(served):
    from gigatwin.api.examples import examples_dir

    params = {"ticket": _ticket(served), "line": "true", "alarms": "false", "poll_s": 0.1}
    with httpx.stream("GET", f"{served.url}/api/v1/stream", params=params, timeout=30) as r:
        events = _events(r.iter_lines())
        first = _until(events, lambda e, d: e == "line")[-1][1]
        assert (first["state"], first["records"]) == ("stopped", 0)
        served.app.state.line.start(examples_dir() / "lines" / "pilot_line.yaml", None,
                                    duration_s=3600.0, speed=1.0, seed=0, actor="test")
        running = _until(events, lambda e, d: e == "line" and d["state"] == "running")[-1][1]
        assert running["started_by"] == "test" and running["speed"] == 1.0
        served.app.state.line.stop()
        stopped = _until(events, lambda e, d: e == "line" and d["state"] == "stopped")[-1][1]
        assert stopped["stopped_ts"] is not None


def test_streams_beyond_the_limit_are_refused_until_one_ends(served):
    hub = served.app.state.streams
    hub.limit = 1
    params = {"ticket": _ticket(served), "poll_s": 0.1}
    with httpx.stream("GET", f"{served.url}/api/v1/stream", params=params, timeout=30) as r:
        events = _events(r.iter_lines())  # kept: a closed iterator closes the connection
        _until(events, lambda e, d: e == "ready")
        assert hub.open == 1
        refused = httpx.get(f"{served.url}/api/v1/stream", params={**params, "max_s": 0})
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5", refused.text
        assert "1 streams are open" in refused.json()["detail"]
    _wait(lambda: hub.open == 0, "the first stream's end")
    again = httpx.get(f"{served.url}/api/v1/stream", params={**params, "max_s": 0})
    assert again.status_code == 200 and "event: ready" in again.text
