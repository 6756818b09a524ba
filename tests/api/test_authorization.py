"""The authorization matrix: every endpoint against every role and no credentials.

``ENDPOINTS`` names the least role of every route under /api/v1 and a request it
accepts; a route missing from the table fails ``test_every_route_is_in_the_matrix``.
Allowed callers must succeed (2xx), a caller without credentials gets 401, and a caller
with too small a role gets 403, on reads and writes alike.
"""

from __future__ import annotations

import pytest
from support import SIGNAL_ASSET, SIGNAL_KEY

from gigatwin.api import accounts
from gigatwin.api.app import PREFIX, ROUTERS

PRINCIPALS = ("none", "ingest", "viewer", "engineer", "admin")
ALLOWED = {
    "public": set(PRINCIPALS),
    "any": {"ingest", "viewer", "engineer", "admin"},
    "viewer": {"viewer", "engineer", "admin"},
    "engineer": {"engineer", "admin"},
    "admin": {"admin"},
    "ingest": {"ingest", "engineer", "admin"},
}
RECORD = {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-22T10:00:00Z"}


def _victim(app, who: str) -> str:
    name = f"victim-{who}"
    with app.state.database.session() as store:
        if accounts.get_user(store, name) is None:
            accounts.add_user(store, name, "victim-password", "viewer", actor="test")
    return name


def _key(app, who: str) -> str:
    with app.state.database.session() as store:
        key_id, _ = accounts.create_key(store, f"machine-{who}", actor="test")
    return key_id


def _quarantined(app, who: str) -> str:
    from gigatwin.ingest.record_writer import Delivery, RecordWriter

    with app.state.database.session() as store:
        RecordWriter(store).write([Delivery(f"matrix-{who}", {**RECORD, "unit": "kg", "id": f"bad-{who}"})],
                                  counter_source="matrix")
        return store.query("SELECT quarantine_id FROM quarantine WHERE source = ?", (f"matrix-{who}",))[0][0]


RESULT = "{\"x\": 1}"  # a finished job's stored result
OWNER = {"viewer": "vera", "engineer": "erik", "admin": "ada", "ingest": "coater-1", "none": "nobody"}


def _job(app, who: str, state: str, result: str | None = None) -> str:
    """A job row of the principal ``who`` in ``state`` (written directly, as the job
    manager would, so that no worker needs to run it)."""
    import secrets
    from datetime import UTC, datetime

    from gigatwin.api.jobs import RUNNER

    job_id = "j_" + secrets.token_hex(8)
    with app.state.database.session() as store:
        store.backend.execute(
            "INSERT INTO api_jobs (job_id, kind, owner, state, progress, params, result, "
            "runner, created_ts) VALUES (?, 'plant', ?, ?, 0, '{}', ?, ?, ?)",
            (job_id, OWNER[who], state, result, RUNNER, datetime.now(UTC)))
        store.backend.commit()
    return job_id


def _line(app, running: bool) -> None:
    """The service's virtual line running (real time: it mostly waits) or stopped."""
    runner = app.state.line
    if runner.status()["state"] == "running" and not running:
        runner.stop()
    elif runner.status()["state"] != "running" and running:
        from gigatwin.api.examples import examples_dir

        runner.start(examples_dir() / "lines" / "pilot_line.yaml", None, duration_s=3600.0,
                     speed=1.0, seed=0, actor="test")


def _live(app) -> None:
    from support import add_live_records

    add_live_records(app)  # idempotent: the records carry ids


def _advised(app, who: str) -> str:
    """An advised recommendation of the live twin, written as gigatwin.ingest.live does."""
    from datetime import UTC, datetime

    from gigatwin.ingest.live import create_tables

    rec_id = f"cathode.coating_slot_flow_rate_deviation:matrix-{who}-{len(_ADVISED)}"
    _ADVISED.append(rec_id)
    with app.state.database.session() as store:
        create_tables(store)
        store.backend.execute(
            "INSERT INTO live_recommendations VALUES (?, ?, ?, 0, 0.01, 0.2, 0.001, 0.2, "
            "'matrix', 'advised')",
            (rec_id, datetime.now(UTC), "cathode.coating_slot_flow_rate_deviation"))
        store.backend.commit()
    return rec_id


_ADVISED: list[str] = []


def _alarm(app, who: str) -> str:
    """An open alarm, written as streaming SPC writes one (Store.add_event)."""
    from datetime import UTC, datetime

    event_id = f"matrix-alarm-{who}-{len(_ALARMS)}"
    _ALARMS.append(event_id)
    with app.state.database.session() as store:
        store.add_event(event_id, datetime.now(UTC), "alarm", asset_id=SIGNAL_ASSET,
                        severity="warning", code=f"ewma:{SIGNAL_KEY}", message="matrix")
    return event_id


_ALARMS: list[str] = []


# (method, route path, least role, request builder(app, principal) -> (url, kwargs))
ENDPOINTS = [
    ("GET", "/api/v1/health", "public", lambda a, w: ("/api/v1/health", {})),
    ("POST", "/api/v1/auth/token", "public", lambda a, w: (
        "/api/v1/auth/token", {"data": {"username": "vera", "password": "viewer-password-1"}})),
    ("GET", "/api/v1/auth/me", "any", lambda a, w: ("/api/v1/auth/me", {})),
    ("GET", "/api/v1/users", "admin", lambda a, w: ("/api/v1/users", {})),
    ("POST", "/api/v1/users", "admin", lambda a, w: (
        "/api/v1/users", {"json": {"username": f"new-{w}", "password": "new-password-1",
                                   "role": "viewer"}})),
    ("PUT", "/api/v1/users/{username}/role", "admin", lambda a, w: (
        f"/api/v1/users/{_victim(a, w)}/role", {"json": {"role": "engineer"}})),
    ("DELETE", "/api/v1/users/{username}", "admin", lambda a, w: (
        f"/api/v1/users/{_victim(a, w)}", {})),
    ("GET", "/api/v1/keys", "admin", lambda a, w: ("/api/v1/keys", {})),
    ("POST", "/api/v1/keys", "admin", lambda a, w: ("/api/v1/keys", {"json": {"name": f"m-{w}"}})),
    ("DELETE", "/api/v1/keys/{key_id}", "admin", lambda a, w: (f"/api/v1/keys/{_key(a, w)}", {})),
    ("GET", "/api/v1/audit", "admin", lambda a, w: ("/api/v1/audit", {})),
    ("GET", "/api/v1/spec/steps", "viewer", lambda a, w: ("/api/v1/spec/steps", {})),
    ("GET", "/api/v1/spec/parameters", "viewer", lambda a, w: (
        "/api/v1/spec/parameters", {"params": {"step": "coating", "role": "MP"}})),
    ("GET", "/api/v1/spec/parameters/{key}", "viewer", lambda a, w: (
        "/api/v1/spec/parameters/coating_speed", {})),
    ("GET", "/api/v1/spec/export", "viewer", lambda a, w: (
        "/api/v1/spec/export", {"params": {"format": "markdown"}})),
    ("POST", "/api/v1/spec/validate", "viewer", lambda a, w: (
        "/api/v1/spec/validate", {"json": {"records": [RECORD]}})),
    ("POST", "/api/v1/spec/validate-file", "viewer", lambda a, w: (
        "/api/v1/spec/validate-file",
        {"files": {"file": ("r.csv", b"key,value,unit,ts\ncoating_speed,30,m/min,2026-11-22T10:00:00Z\n")}})),
    ("POST", "/api/v1/records", "ingest", lambda a, w: (
        "/api/v1/records", {"json": {"records": [{**RECORD, "id": f"matrix-{w}"}]}})),
    ("GET", "/api/v1/quarantine", "engineer", lambda a, w: ("/api/v1/quarantine", {})),
    ("POST", "/api/v1/quarantine/{quarantine_id}/release", "engineer", lambda a, w: (
        f"/api/v1/quarantine/{_quarantined(a, w)}/release", {"json": {"record": {**RECORD, "id": f"fixed-{w}"}}})),
    ("GET", "/api/v1/recipes", "viewer", lambda a, w: ("/api/v1/recipes", {})),
    ("GET", "/api/v1/recipes/{name}", "viewer", lambda a, w: (
        "/api/v1/recipes/nmc622_graphite_pouch", {})),
    ("POST", "/api/v1/recipes/validate", "viewer", lambda a, w: (
        "/api/v1/recipes/validate", {"json": {"recipe": {"name": "empty"}}})),
    ("POST", "/api/v1/simulations", "engineer", lambda a, w: (
        "/api/v1/simulations", {"json": {"example": "nmc622_graphite_pouch", "samples": 20}})),
    ("GET", "/api/v1/plants", "viewer", lambda a, w: ("/api/v1/plants", {})),
    ("GET", "/api/v1/plants/scenarios", "viewer", lambda a, w: ("/api/v1/plants/scenarios", {})),
    ("GET", "/api/v1/plants/{name}", "viewer", lambda a, w: ("/api/v1/plants/twin_recipe_plant", {})),
    ("GET", "/api/v1/spc/signals", "viewer", lambda a, w: ("/api/v1/spc/signals", {})),
    ("GET", "/api/v1/spc/chart", "viewer", lambda a, w: (
        "/api/v1/spc/chart", {"params": {"key": SIGNAL_KEY, "asset": SIGNAL_ASSET}})),
    ("GET", "/api/v1/spc/capability", "viewer", lambda a, w: (
        "/api/v1/spc/capability", {"params": {"key": SIGNAL_KEY, "lsl": 190, "usl": 215}})),
    ("GET", "/api/v1/objects", "viewer", lambda a, w: ("/api/v1/objects", {"params": {"prefix": "CELL"}})),
    ("GET", "/api/v1/trace/{object_id}", "viewer", lambda a, w: ("/api/v1/trace/CELL-00000003", {})),
    ("GET", "/api/v1/track/{object_id}", "viewer", lambda a, w: (
        "/api/v1/track/C-ROLL-0000000", {"params": {"from_m": 0, "to_m": 30}})),
    ("GET", "/api/v1/cells/{cell_id}/record", "viewer", lambda a, w: (
        "/api/v1/cells/CELL-00000003/record", {})),
    ("GET", "/api/v1/cells/{cell_id}/measurements", "viewer", lambda a, w: (
        "/api/v1/cells/CELL-00000003/measurements", {})),
    ("POST", "/api/v1/jobs", "engineer", lambda a, w: (
        "/api/v1/jobs", {"json": {"kind": "plant", "params": {"plant": "twin_recipe_plant"}}})),
    ("GET", "/api/v1/jobs", "viewer", lambda a, w: ("/api/v1/jobs", {})),
    ("GET", "/api/v1/jobs/{job_id}", "viewer", lambda a, w: (
        f"/api/v1/jobs/{_job(a, w, 'queued')}", {})),
    ("GET", "/api/v1/jobs/{job_id}/result", "viewer", lambda a, w: (
        f"/api/v1/jobs/{_job(a, w, 'done', RESULT)}/result", {})),
    ("DELETE", "/api/v1/jobs/{job_id}", "engineer", lambda a, w: (
        f"/api/v1/jobs/{_job(a, w, 'queued')}", {})),
    ("GET", "/api/v1/design/problems", "viewer", lambda a, w: ("/api/v1/design/problems", {})),
    ("GET", "/api/v1/line", "viewer", lambda a, w: ("/api/v1/line", {})),
    ("POST", "/api/v1/line/start", "admin", lambda a, w: (
        _line(a, running=False) or "/api/v1/line/start", {"json": {"duration_h": 1, "speed": 1}})),
    ("POST", "/api/v1/line/stop", "admin", lambda a, w: (
        _line(a, running=True) or "/api/v1/line/stop", {})),
    ("POST", "/api/v1/live/follow", "engineer", lambda a, w: (
        _live(a) or "/api/v1/live/follow", {"json": {"example": "nmc622_graphite_pouch"}})),
    ("GET", "/api/v1/live/estimates", "viewer", lambda a, w: ("/api/v1/live/estimates", {})),
    ("GET", "/api/v1/live/recommendations", "viewer", lambda a, w: (
        "/api/v1/live/recommendations", {})),
    ("POST", "/api/v1/live/recommendations/{rec_id}/accept", "engineer", lambda a, w: (
        f"/api/v1/live/recommendations/{_advised(a, w)}/accept", {})),
    ("POST", "/api/v1/live/recommendations/{rec_id}/reject", "engineer", lambda a, w: (
        f"/api/v1/live/recommendations/{_advised(a, w)}/reject", {})),
    ("GET", "/api/v1/alarms", "viewer", lambda a, w: (
        "/api/v1/alarms", {"params": {"state": "open", "limit": 5}})),
    ("POST", "/api/v1/alarms/{event_id}/acknowledge", "engineer", lambda a, w: (
        f"/api/v1/alarms/{_alarm(a, w)}/acknowledge", {"json": {"comment": "seen"}})),
    ("POST", "/api/v1/stream/ticket", "viewer", lambda a, w: ("/api/v1/stream/ticket", {})),
    ("GET", "/api/v1/stream", "viewer", lambda a, w: (  # one look, then the stream ends
        "/api/v1/stream", {"params": {"key": SIGNAL_KEY, "asset": SIGNAL_ASSET, "max_s": 0}})),
]


def _api_routes() -> dict[tuple[str, str], object]:
    return {(method, PREFIX + route.path): route for router in ROUTERS for route in router.routes
            for method in route.methods}


def test_every_route_is_in_the_matrix(service):
    app, _, _ = service
    matrix = {(m, p) for m, p, _, _ in ENDPOINTS}
    assert set(_api_routes()) == matrix
    documented = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    assert documented == matrix


def _declared_roles(route) -> set[tuple[str, ...]]:
    found, stack = set(), [route.dependant]
    while stack:
        dependant = stack.pop()
        if hasattr(dependant.call, "required_roles"):
            found.add(dependant.call.required_roles)
        stack.extend(dependant.dependencies)
    return found


@pytest.mark.parametrize(("method", "path", "least"), [(m, p, r) for m, p, r, _ in ENDPOINTS])
def test_routes_declare_the_role_of_the_matrix(method, path, least):
    """The role dependency in the code is the one the matrix says (so the table cannot
    drift from the routes)."""
    route = _api_routes()[(method, path)]
    expected = {"public": set(), "any": set(), "viewer": {("viewer",)}, "engineer": {("engineer",)},
                "admin": {("admin",)}, "ingest": {("engineer", "ingest")}}[least]
    assert _declared_roles(route) == expected


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("method", "path", "least", "build"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_matrix(service, principal, method, path, least, build):
    app, client, headers = service
    url, kwargs = build(app, principal)
    response = client.request(method, url, headers=headers[principal], **kwargs)
    if principal in ALLOWED[least]:
        assert 200 <= response.status_code < 300, (principal, response.status_code, response.text)
    elif principal == "none":
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"] == "Bearer"
    else:
        assert response.status_code == 403, (principal, response.status_code, response.text)
