"""The virtual line run by the service (start, data arrive, stop) and the live twin over
the store (estimates, recommendations, accept and reject)."""

from __future__ import annotations

import time

import pytest
from support import LIVE_BIAS, add_live_records, make_app

from gigatwin.api import accounts


@pytest.fixture
def client():
    from fastapi.testclient import TestClient

    app = make_app()
    with app.state.database.session() as store:
        accounts.add_user(store, "ada", "admin-password-1", "admin", actor="test")
        accounts.add_user(store, "erik", "engineer-password-1", "engineer", actor="test")
    client = TestClient(app)

    def login(name, password):
        token = client.post("/api/v1/auth/token", data={"username": name, "password": password})
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    yield app, client, login("ada", "admin-password-1"), login("erik", "engineer-password-1")
    app.state.line.shutdown()
    app.state.jobs.shutdown()
    app.state.database.close()


@pytest.mark.slow
def test_the_line_writes_to_the_store_while_it_runs_and_stops_when_asked(client):
    app, http, ada, erik = client
    assert http.get("/api/v1/line", headers=erik).json()["state"] == "stopped"
    assert "pilot_line" in http.get("/api/v1/line", headers=erik).json()["lines"]
    started = http.post("/api/v1/line/start", headers=ada,
                        json={"line": "pilot_line", "duration_h": 48, "speed": 2000})
    assert started.status_code == 200, started.text
    assert http.post("/api/v1/line/start", headers=ada, json={}).status_code == 409
    signals = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not signals:  # data arrive while it runs
        time.sleep(0.5)
        signals = http.get("/api/v1/spc/signals", headers=erik).json()
    assert signals, "no signal stored by the running line"
    assert http.get("/api/v1/line", headers=erik).json()["state"] == "running"
    stopped = http.post("/api/v1/line/stop", headers=ada).json()
    assert stopped["state"] == "stopped" and 0 < stopped["simulated_s"] < 48 * 3600
    assert stopped["records"] > 0
    actions = [a["action"] for a in http.get("/api/v1/audit", headers=ada).json()]
    assert actions[:2] == ["line.stop", "line.start"]
    assert http.post("/api/v1/line/stop", headers=ada).status_code == 409


def test_unknown_lines_and_scenarios_are_named(client):
    _, http, ada, _ = client
    response = http.post("/api/v1/line/start", headers=ada, json={"line": "moon_base"})
    assert response.status_code == 404 and "moon_base" in response.text
    response = http.post("/api/v1/line/start", headers=ada, json={"scenario": "meteor"})
    assert response.status_code == 404 and "meteor" in response.text
    response = http.post("/api/v1/line/start", headers=ada, json={"speed": -1})
    assert response.status_code == 422


def test_the_live_twin_finds_the_bias_and_its_advice_can_be_accepted(client):
    app, http, ada, erik = client
    add_live_records(app)
    summary = http.post("/api/v1/live/follow", headers=erik,
                        json={"example": "nmc622_graphite_pouch"})
    assert summary.status_code == 200, summary.text
    bias = summary.json()["cathode.coating_slot_flow_rate_deviation"]
    assert abs(bias["mean"] - LIVE_BIAS) < 0.002  # readings made with this bias
    estimates = http.get("/api/v1/live/estimates", headers=erik,
                         params={"key": "cathode.coating_slot_flow_rate_deviation"}).json()
    assert len(estimates) == 60  # one per reading
    assert estimates[-1]["std"] < estimates[0]["std"]  # it learns
    recs = http.get("/api/v1/live/recommendations", headers=erik).json()
    assert len(recs) == 2  # after the first coil and on the latest data
    assert all(r["status"] == "advised" for r in recs)
    # the advice puts the predicted loading on target: base (1 + u + b) = T
    assert recs[-1]["predicted"] == pytest.approx(recs[-1]["target"], rel=1e-6)
    first, second = recs[0]["rec_id"], recs[1]["rec_id"]
    accepted = http.post(f"/api/v1/live/recommendations/{first}/accept", headers=erik)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert http.post(f"/api/v1/live/recommendations/{first}/reject",
                     headers=erik).status_code == 409
    rejected = http.post(f"/api/v1/live/recommendations/{second}/reject", headers=ada)
    assert rejected.json()["status"] == "rejected"
    assert [r["rec_id"] for r in http.get("/api/v1/live/recommendations", headers=erik,
                                          params={"state": "accepted"}).json()] == [first]
    assert http.post("/api/v1/live/recommendations/nope/accept",
                     headers=erik).status_code == 404
    audit = [a["action"] for a in http.get("/api/v1/audit", headers=ada).json()]
    assert audit[:3] == ["live.reject", "live.accept", "live.follow"]


def test_follow_without_coater_data_says_so(client):
    _, http, _, erik = client
    response = http.post("/api/v1/live/follow", headers=erik,
                         json={"example": "nmc622_graphite_pouch"})
    assert response.status_code == 404 and "wet_film_thickness" in response.text
