"""The service on both stores: DuckDB (a file) and a throwaway PostgreSQL database.

Accounts are migrated into the store's database, and the SQL the routes write
themselves (object search, quarantine, SPC series, the genealogy's links) runs on both.
"""

from __future__ import annotations

import pytest
from support import PASSWORDS, SIGNAL_ASSET, SIGNAL_KEY, make_app, populate
from test_injection import PAYLOADS

pytestmark = pytest.mark.integration


def test_the_service_on_each_store(store_url):
    from fastapi.testclient import TestClient

    app = make_app(store_url)
    try:
        key = populate(app)
        client = TestClient(app)
        token = client.post("/api/v1/auth/token",
                            data={"username": "erik", "password": PASSWORDS["erik"]}).json()
        h = {"Authorization": f"Bearer {token['access_token']}"}
        record = {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-22T10:00:00Z",
                  "id": "s-1"}
        assert client.post("/api/v1/records", json={"records": [record, {"key": "x"}]},
                           headers={"X-API-Key": key}).json() == {
            "received": 2, "stored": 1, "duplicates": 0, "quarantined": 1}
        assert len(client.get("/api/v1/quarantine", headers=h).json()) == 1
        cells = client.get("/api/v1/objects", headers=h, params={"prefix": "CELL-0000001"}).json()
        assert [c["object_id"] for c in cells] == [f"CELL-{i:08d}" for i in range(10, 20)]
        trace = client.get("/api/v1/trace/CELL-00000003", headers=h).json()
        assert len(trace["edges"]) == len(trace["reached"]) - 1  # a tree: one link per parent
        chart = client.get("/api/v1/spc/chart", headers=h,
                           params={"key": SIGNAL_KEY, "asset": SIGNAL_ASSET}).json()
        assert chart["unit"] == "um" and len(chart["ts"]) == 200
        for payload in PAYLOADS:
            found = client.get("/api/v1/objects", headers=h, params={"prefix": payload})
            assert found.json() == []
            assert client.get(f"/api/v1/trace/{payload}", headers=h).status_code in (404, 422)
        with app.state.database.session() as store:
            assert store.query("SELECT count(*) FROM api_users")[0][0] == len(PASSWORDS)
        # alarms and their acknowledgement, and a stream's readings, on each store
        from datetime import UTC, datetime

        with app.state.database.session() as store:
            store.add_event("A1", datetime(2026, 11, 20, 9, tzinfo=UTC), "alarm",
                            asset_id=SIGNAL_ASSET, code=f"ewma:{SIGNAL_KEY}", message="EWMA")
        listed = client.get("/api/v1/alarms", headers=h, params={"state": "open"})
        assert [a["event_id"] for a in listed.json()] == ["A1"]
        assert listed.headers["X-Total-Count"] == "1"
        acked = client.post("/api/v1/alarms/A1/acknowledge", headers=h, json={"comment": "ok"})
        assert (acked.json()["acked_by"], acked.json()["comment"]) == ("erik", "ok")
        assert client.get("/api/v1/alarms", headers=h,
                          params={"state": "unacknowledged"}).json() == []
        streamed = client.get("/api/v1/stream", headers=h, params={
            "key": SIGNAL_KEY, "asset": SIGNAL_ASSET, "after": "2026-11-20T08:32:40Z", "max_s": 0})
        assert streamed.text.count("wft-") == 3  # readings 197-199 are after 08:32:40
    finally:
        app.state.database.close()
