"""SQL injection attempts through every parameter that reaches SQL.

Every value is passed to the database as a parameter, so a payload is only ever data:
the request is answered (404, 422, 401 or an empty list, never 5xx), nothing extra is
returned and no table changes.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from support import SIGNAL_KEY

PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "x'; DROP TABLE api_users; --",
    "x\"; DELETE FROM objects; --",
    "CELL-00000003' UNION SELECT username, password_hash FROM api_users --",
    "%' OR object_id LIKE '%",
    "1); UPDATE api_users SET role = 'admin'; --",
    "$$; DROP TABLE genealogy; $$",
    "\\'; SELECT pg_sleep(5); --",
]


def _counts(app) -> dict[str, int]:
    tables = ("api_users", "api_keys", "api_jobs", "objects", "genealogy", "signals",
              "measurements", "events", "alarm_acks")
    with app.state.database.session() as store:
        return {t: store.query(f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def _roles(app) -> list:
    with app.state.database.session() as store:
        return store.query("SELECT username, role FROM api_users ORDER BY username")


def _requests(payload: str):
    """(method, url, kwargs, principal) for each parameter that reaches SQL."""
    p = quote(payload, safe="")
    return [
        ("POST", "/api/v1/auth/token", {"data": {"username": payload, "password": payload}}, "none"),
        ("GET", "/api/v1/auth/me", {"headers": {"X-API-Key": payload}}, "none"),
        ("GET", f"/api/v1/trace/{p}", {}, "viewer"),
        ("GET", f"/api/v1/track/{p}", {}, "viewer"),
        ("GET", f"/api/v1/cells/{p}/record", {}, "viewer"),
        ("GET", f"/api/v1/cells/{p}/measurements", {}, "viewer"),
        ("GET", "/api/v1/objects", {"params": {"prefix": payload}}, "viewer"),
        ("GET", "/api/v1/objects", {"params": {"prefix": "CELL", "kind": payload}}, "viewer"),
        ("GET", "/api/v1/spc/signals", {"params": {"key": payload}}, "viewer"),
        ("GET", "/api/v1/spc/chart", {"params": {"key": payload}}, "viewer"),
        ("GET", "/api/v1/spc/chart", {"params": {"key": SIGNAL_KEY, "asset": payload}}, "viewer"),
        ("GET", "/api/v1/spc/chart", {"params": {"key": SIGNAL_KEY, "start": payload}}, "viewer"),
        ("GET", "/api/v1/spc/capability", {"params": {"key": SIGNAL_KEY, "asset": payload,
                                                      "lsl": 1}}, "viewer"),
        ("GET", "/api/v1/quarantine", {"params": {"source": payload}}, "engineer"),
        ("POST", f"/api/v1/quarantine/{p}/release", {"json": {}}, "engineer"),
        ("PUT", f"/api/v1/users/{p}/role", {"json": {"role": "admin"}}, "admin"),
        ("DELETE", f"/api/v1/users/{p}", {}, "admin"),
        ("DELETE", f"/api/v1/keys/{p}", {}, "admin"),
        ("POST", "/api/v1/users", {"json": {"username": payload, "password": "long-enough-1",
                                            "role": "viewer"}}, "admin"),
        ("GET", f"/api/v1/jobs/{p}", {}, "viewer"),
        ("GET", f"/api/v1/jobs/{p}/result", {}, "viewer"),
        ("DELETE", f"/api/v1/jobs/{p}", {}, "engineer"),
        ("GET", "/api/v1/live/estimates", {"params": {"key": payload}}, "viewer"),
        ("POST", f"/api/v1/live/recommendations/{p}/accept", {}, "engineer"),
        ("POST", f"/api/v1/live/recommendations/{p}/reject", {}, "engineer"),
        ("GET", "/api/v1/alarms", {"params": {"asset": payload}}, "viewer"),
        ("GET", "/api/v1/alarms", {"params": {"state": payload}}, "viewer"),
        ("POST", f"/api/v1/alarms/{p}/acknowledge", {"json": {"comment": payload}}, "engineer"),
        ("GET", "/api/v1/stream", {"params": {"key": payload, "max_s": 0}}, "viewer"),
        ("GET", "/api/v1/stream", {"params": {"ticket": payload, "max_s": 0}}, "none"),
    ]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_data(service, payload):
    app, client, headers = service
    before, roles = _counts(app), _roles(app)
    for method, url, kwargs, principal in _requests(payload):
        extra = kwargs.pop("headers", {})
        response = client.request(method, url, headers={**headers[principal], **extra}, **kwargs)
        assert response.status_code in (200, 401, 404, 409, 422), (url, kwargs, response.text)
        if response.status_code == 200:
            assert response.json() == [], (url, kwargs, response.text)
    assert _counts(app) == before
    assert _roles(app) == roles


def test_payloads_in_records_are_stored_as_text(service):
    """An id, station or product full of SQL is kept verbatim, as any other text."""
    app, client, headers = service
    payload = PAYLOADS[2]
    record = {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-23T10:00:00Z",
              "id": payload, "asset": payload, "product": "CELL-00000001"}
    response = client.post("/api/v1/records", json={"records": [record, {**record, "key": payload}]},
                           headers=headers["engineer"])
    assert response.json() == {"received": 2, "stored": 1, "duplicates": 0, "quarantined": 1}
    with app.state.database.session() as store:
        assert store.query("SELECT asset_id FROM measurements WHERE record_id = ?", (payload,)) == [
            (payload,)]
        assert store.query("SELECT count(*) FROM api_users")[0][0] >= 3


def test_payloads_in_a_stream_filter_are_data(service):
    """A station full of SQL selects no readings: the stream opens and closes empty."""
    app, client, headers = service
    for payload in PAYLOADS:
        response = client.get("/api/v1/stream", headers=headers["viewer"],
                              params={"key": SIGNAL_KEY, "asset": payload, "after": "2000-01-01T00:00:00Z",
                                      "alarms": "false", "max_s": 0})
        assert response.status_code == 200, response.text
        assert "event: ready" in response.text and "event: close" in response.text
        assert "event: measurements" not in response.text, payload
