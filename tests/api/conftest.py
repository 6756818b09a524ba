import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import PASSWORDS, make_app, populate  # noqa: E402

from _servers import postgres_server, store_url  # noqa: E402, F401


@pytest.fixture(scope="module")
def service():
    """A populated app (in-memory DuckDB), its ingest key, and headers per principal."""
    from fastapi.testclient import TestClient

    app = make_app()
    key = populate(app)
    client = TestClient(app)
    headers = {"none": {}, "ingest": {"X-API-Key": key}}
    for name, password in PASSWORDS.items():
        token = client.post("/api/v1/auth/token", data={"username": name, "password": password})
        assert token.status_code == 200, token.text
        headers[{"vera": "viewer", "erik": "engineer", "ada": "admin"}[name]] = {
            "Authorization": f"Bearer {token.json()['access_token']}"}
    yield app, client, headers
    client.close()
    app.state.line.shutdown()
    app.state.jobs.shutdown()
