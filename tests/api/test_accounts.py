"""Accounts: password hashing, tokens, API keys, login rate limit, audit log, the CLI."""

from __future__ import annotations

import jwt
import pytest
from support import SECRET, make_app
from typer.testing import CliRunner

from gigatwin.api import accounts
from gigatwin.api.config import load_settings, secret_from_file
from gigatwin.api.security import AUDIENCE, LoginLimiter


@pytest.fixture
def app():
    return make_app()


def _login(client, username, password):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_password_is_stored_as_an_argon2id_hash(app):
    with app.state.database.session() as store:
        accounts.add_user(store, "ada", "admin-password-1", "admin", actor="test")
        stored = store.query("SELECT password_hash FROM api_users WHERE username = 'ada'")[0][0]
        assert stored.startswith("$argon2id$")
        assert "admin-password-1" not in stored
        assert accounts.authenticate(store, "ada", "admin-password-1").role == "admin"
        assert accounts.authenticate(store, "ada", "wrong-password-1") is None
        assert accounts.authenticate(store, "nobody", "admin-password-1") is None


def test_short_passwords_unknown_roles_and_bad_names_are_refused(app):
    with app.state.database.session() as store:
        with pytest.raises(accounts.AccountError, match="at least 10"):
            accounts.add_user(store, "bob", "short", "viewer", actor="test")
        with pytest.raises(accounts.AccountError, match="role 'boss'"):
            accounts.add_user(store, "bob", "long-enough-pw", "boss", actor="test")
        with pytest.raises(accounts.AccountError, match="username"):
            accounts.add_user(store, "bob'; --", "long-enough-pw", "viewer", actor="test")


def test_the_last_admin_cannot_be_removed_or_demoted(app):
    with app.state.database.session() as store:
        accounts.add_user(store, "ada", "admin-password-1", "admin", actor="test")
        with pytest.raises(accounts.AccountError, match="last admin"):
            accounts.remove_user(store, "ada", actor="test")
        with pytest.raises(accounts.AccountError, match="last admin"):
            accounts.set_role(store, "ada", "viewer", actor="test")


def test_tokens_are_signed_and_expire(app):
    from fastapi.testclient import TestClient

    with app.state.database.session() as store:
        accounts.add_user(store, "vera", "viewer-password-1", "viewer", actor="test")
    client = TestClient(app)
    token = _login(client, "vera", "viewer-password-1").json()["access_token"]
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json() == {
        "name": "vera", "role": "viewer", "kind": "user"}
    forged = jwt.encode({"sub": "vera", "role": "admin", "aud": AUDIENCE, "exp": 4102444800},
                        "another-secret-" + "y" * 32, algorithm="HS256")
    expired = jwt.encode({"sub": "vera", "role": "viewer", "aud": AUDIENCE, "exp": 1},
                         SECRET, algorithm="HS256")
    unsigned = jwt.encode({"sub": "vera", "role": "admin", "aud": AUDIENCE, "exp": 4102444800},
                          None, algorithm="none")
    for bad in (forged, expired, unsigned, token[:-2] + "xx"):
        response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401


def test_a_changed_role_takes_effect_on_the_next_request(app):
    from fastapi.testclient import TestClient

    with app.state.database.session() as store:
        accounts.add_user(store, "ada", "admin-password-1", "admin", actor="test")
        accounts.add_user(store, "erik", "engineer-password-1", "engineer", actor="test")
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {_login(client, 'erik', 'engineer-password-1').json()['access_token']}"}
    assert client.get("/api/v1/quarantine", headers=headers).status_code == 200
    with app.state.database.session() as store:
        accounts.set_role(store, "erik", "viewer", actor="ada")
    assert client.get("/api/v1/quarantine", headers=headers).status_code == 403
    with app.state.database.session() as store:
        accounts.remove_user(store, "erik", actor="ada")
    assert client.get("/api/v1/spec/steps", headers=headers).status_code == 401


def test_login_attempts_are_rate_limited(app):
    from fastapi.testclient import TestClient

    with app.state.database.session() as store:
        accounts.add_user(store, "vera", "viewer-password-1", "viewer", actor="test")
    client = TestClient(app)
    attempts = app.state.settings.login_attempts
    for _ in range(attempts):
        assert _login(client, "vera", "wrong-password-1").status_code == 401
    blocked = _login(client, "vera", "viewer-password-1")  # even the right one, until the window passes
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_the_limiter_forgets_failures_after_its_window(monkeypatch):
    import gigatwin.api.security as security

    clock = [1000.0]
    monkeypatch.setattr(security.time, "monotonic", lambda: clock[0])
    limiter = LoginLimiter(attempts=2, window_s=60.0)
    limiter.failed("u", "c")
    limiter.failed("u", "c")
    assert limiter.retry_after("u", "c") == pytest.approx(60.0)
    assert limiter.retry_after("u", "other client") == 0.0
    clock[0] += 61.0
    assert limiter.retry_after("u", "c") == 0.0


def test_api_keys_ingest_only_and_can_be_revoked(app):
    from fastapi.testclient import TestClient

    with app.state.database.session() as store:
        key_id, key = accounts.create_key(store, "coater-1", actor="ada")
        assert store.query("SELECT count(*) FROM api_keys WHERE key_hash = ?", (key,))[0][0] == 0
    client = TestClient(app)
    body = {"records": [{"key": "coating_speed", "value": 30, "unit": "m/min",
                         "ts": "2026-11-22T10:00:00Z", "id": "r1"}]}
    assert client.post("/api/v1/records", json=body, headers={"X-API-Key": key}).status_code == 200
    assert client.get("/api/v1/spec/steps", headers={"X-API-Key": key}).status_code == 403
    with app.state.database.session() as store:
        accounts.revoke_key(store, key_id, actor="ada")
    assert client.post("/api/v1/records", json=body, headers={"X-API-Key": key}).status_code == 401


def test_changes_are_in_the_audit_log(app):
    with app.state.database.session() as store:
        accounts.add_user(store, "ada", "admin-password-1", "admin", actor="cli")
        accounts.add_user(store, "bob", "viewer-password-1", "viewer", actor="ada")
        accounts.set_role(store, "bob", "engineer", actor="ada")
        key_id, _ = accounts.create_key(store, "coater-1", actor="ada")
        accounts.revoke_key(store, key_id, actor="ada")
        accounts.remove_user(store, "bob", actor="ada")
        log = [(e["actor"], e["action"], e["target"]) for e in reversed(accounts.audit_log(store))]
    assert log == [("cli", "user.add", "ada"), ("ada", "user.add", "bob"),
                   ("ada", "user.set_role", "bob"), ("ada", "key.create", key_id),
                   ("ada", "key.revoke", key_id), ("ada", "user.remove", "bob")]


def test_cors_is_closed_by_default_and_opens_only_to_configured_origins():
    from fastapi.testclient import TestClient

    from gigatwin.api import Settings, create_app

    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    closed = TestClient(make_app())
    assert "access-control-allow-origin" not in closed.options("/api/v1/health", headers=preflight).headers
    opened = TestClient(create_app(Settings(store_url="duckdb://:memory:", secret_key=SECRET,
                                            cors_origins=("https://plant.example",))))
    ok = opened.options("/api/v1/health", headers={**preflight, "Origin": "https://plant.example"})
    assert ok.headers["access-control-allow-origin"] == "https://plant.example"
    assert "access-control-allow-origin" not in opened.options("/api/v1/health", headers=preflight).headers


def test_the_secret_is_generated_once_outside_the_repository(tmp_path, monkeypatch):
    path = tmp_path / "config" / "secret_key"
    first = secret_from_file(path)
    assert len(first) >= 32 and path.stat().st_mode & 0o777 == 0o600
    assert secret_from_file(path) == first
    monkeypatch.delenv("GIGATWIN_SECRET_KEY", raising=False)
    monkeypatch.setenv("GIGATWIN_SECRET_FILE", str(path))
    assert load_settings().secret_key == first
    monkeypatch.setenv("GIGATWIN_SECRET_KEY", "short")
    with pytest.raises(ValueError, match="at least 32"):
        load_settings()


def test_cli_users_and_keys(tmp_path):
    from gigatwin.cli.app import app as cli

    runner = CliRunner()
    store = f"duckdb://{tmp_path / 'accounts.duckdb'}"
    added = runner.invoke(cli, ["users", "add", "ada", "--role", "admin", "--password-stdin",
                                "--store", store], input="admin-password-1\n")
    assert added.exit_code == 0, added.output
    runner.invoke(cli, ["users", "add", "bob", "--password-stdin", "--store", store],
                  input="viewer-password-1\n")
    assert runner.invoke(cli, ["users", "set-role", "bob", "engineer", "--store", store]).exit_code == 0
    listed = runner.invoke(cli, ["users", "list", "--store", store]).output
    assert "ada" in listed and "engineer" in listed
    created = runner.invoke(cli, ["keys", "create", "coater-1", "--store", store])
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("gtk_")
    key_id = key.split("_")[1] + "_" + key.split("_")[2]
    assert runner.invoke(cli, ["keys", "revoke", key_id, "--store", store]).exit_code == 0
    refused = runner.invoke(cli, ["users", "remove", "ada", "--store", store])
    assert refused.exit_code == 2 and "last admin" in refused.output
    assert runner.invoke(cli, ["users", "remove", "bob", "--store", store]).exit_code == 0


def test_serve_refuses_several_workers_on_an_embedded_store(tmp_path, monkeypatch):
    from gigatwin.cli.app import app as cli

    monkeypatch.setenv("GIGATWIN_SECRET_KEY", SECRET)
    result = CliRunner().invoke(cli, ["serve", "--store", f"duckdb://{tmp_path / 's.duckdb'}",
                                      "--workers", "2"])
    assert result.exit_code == 2 and "one process" in result.output
