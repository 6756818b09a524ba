"""Users, API keys and the audit log, kept in the store's database.

Four tables, created by this module's own migrations (recorded in
``api_schema_migrations``, beside the store's ``schema_migrations``):

- ``api_users``: a username, its role and its argon2id password hash (argon2-cffi;
  the hash string carries its own salt and cost parameters);
- ``api_keys``: machine credentials (an ingest station); only the SHA-256 of the key is
  kept (a key is 256 random bits, so a fast hash is enough), shown once when created;
- ``api_audit``: who changed what and when (user and key changes, ingestion);
- ``api_jobs``: background jobs, their progress and results (:mod:`gigatwin.api.jobs`).

Every statement takes its values as parameters. Functions take the store first and
raise :class:`AccountError` with a sentence naming the field and the value.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("viewer", "engineer", "admin")  # each may do what the ones before it may
KEY_ROLES = ("ingest",)  # what a machine's API key may do: post records
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_hasher = PasswordHasher()  # argon2id with the library's current (RFC 9106) defaults

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "users, API keys and the audit log of the REST API", [
        """CREATE TABLE api_users (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('viewer', 'engineer', 'admin')),
            created_ts TIMESTAMPTZ NOT NULL)""",
        """CREATE TABLE api_keys (
            key_id TEXT PRIMARY KEY,
            key_hash TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            created_by TEXT,
            created_ts TIMESTAMPTZ NOT NULL,
            revoked_ts TIMESTAMPTZ)""",
        """CREATE TABLE api_audit (
            ts TIMESTAMPTZ NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            detail TEXT)""",
    ]),
    (2, "background jobs of the REST API: state, progress, parameters and result", [
        """CREATE TABLE api_jobs (
            job_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            owner TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed',
                                                 'cancelled')),
            progress DOUBLE PRECISION NOT NULL,
            message TEXT,
            params TEXT NOT NULL,
            result TEXT,
            error TEXT,
            runner TEXT NOT NULL,
            created_ts TIMESTAMPTZ NOT NULL,
            started_ts TIMESTAMPTZ,
            finished_ts TIMESTAMPTZ)""",
    ]),
]


class AccountError(ValueError):
    """A user or key operation that cannot be done; the message says why."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (``kind`` "user") or an API key (``kind`` "key")."""

    name: str
    role: str
    kind: str = "user"

    def may(self, role: str) -> bool:
        """Whether this principal holds ``role`` or one above it."""
        if self.kind != "user" or role not in ROLES:
            return self.role == role
        return ROLES.index(self.role) >= ROLES.index(role)


def migrate_accounts(store) -> list[int]:
    """Create or upgrade the account tables; the versions applied now."""
    backend = store.backend
    backend.execute("""CREATE TABLE IF NOT EXISTS api_schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)""")
    backend.commit()
    done = {row[0] for row in backend.query("SELECT version FROM api_schema_migrations")}
    applied = []
    for version, name, statements in MIGRATIONS:
        if version in done:
            continue
        with backend.transaction():
            for sql in statements:
                backend.execute(sql)
            backend.execute("INSERT INTO api_schema_migrations VALUES (?, ?, ?)",
                            (version, name, _now()))
        applied.append(version)
    return applied


def _now() -> datetime:
    return datetime.now(UTC)


def _check_username(username: str) -> str:
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise AccountError(f"username {username!r}: 1-64 letters, digits or _ . @ - expected")
    return username


def _check_role(role: str, allowed: tuple[str, ...] = ROLES) -> str:
    if role not in allowed:
        raise AccountError(f"role {role!r} is not one of {', '.join(allowed)}")
    return role


def audit(store, actor: str, action: str, target: str | None = None, detail: str | None = None) -> None:
    """Append one line to the audit log (in the caller's transaction when there is one)."""
    store.backend.execute("INSERT INTO api_audit VALUES (?, ?, ?, ?, ?)",
                          (_now(), actor, action, target, detail))
    if not store.backend.in_transaction:
        store.backend.commit()


def audit_log(store, limit: int = 200) -> list[dict]:
    rows = store.query("SELECT ts, actor, action, target, detail FROM api_audit "
                       "ORDER BY ts DESC LIMIT ?", (int(limit),))
    return [dict(zip(("ts", "actor", "action", "target", "detail"), r, strict=True)) for r in rows]


# -- users --------------------------------------------------------------------------------
def add_user(store, username: str, password: str, role: str, *, actor: str) -> None:
    _check_username(username)
    _check_role(role)
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password of {username!r}: {len(password)} characters, "
                           f"at least {MIN_PASSWORD} required")
    if get_user(store, username) is not None:
        raise AccountError(f"user {username!r} exists already")
    with store.transaction():
        store.backend.execute("INSERT INTO api_users VALUES (?, ?, ?, ?)",
                              (username, _hasher.hash(password), role, _now()))
        audit(store, actor, "user.add", username, f"role={role}")


def get_user(store, username: str) -> dict | None:
    rows = store.query("SELECT username, role, created_ts FROM api_users WHERE username = ?",
                       (username,))
    return dict(zip(("username", "role", "created_ts"), rows[0], strict=True)) if rows else None


def list_users(store) -> list[dict]:
    rows = store.query("SELECT username, role, created_ts FROM api_users ORDER BY username")
    return [dict(zip(("username", "role", "created_ts"), r, strict=True)) for r in rows]


def _admins(store) -> int:
    return store.query("SELECT count(*) FROM api_users WHERE role = 'admin'")[0][0]


def _require_user(store, username: str) -> dict:
    user = get_user(store, username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def remove_user(store, username: str, *, actor: str) -> None:
    user = _require_user(store, username)
    if user["role"] == "admin" and _admins(store) == 1:
        raise AccountError(f"{username!r} is the last admin; add another admin first")
    with store.transaction():
        store.backend.execute("DELETE FROM api_users WHERE username = ?", (username,))
        audit(store, actor, "user.remove", username)


def set_role(store, username: str, role: str, *, actor: str) -> None:
    _check_role(role)
    user = _require_user(store, username)
    if user["role"] == "admin" and role != "admin" and _admins(store) == 1:
        raise AccountError(f"{username!r} is the last admin; add another admin first")
    with store.transaction():
        store.backend.execute("UPDATE api_users SET role = ? WHERE username = ?", (role, username))
        audit(store, actor, "user.set_role", username, f"{user['role']} -> {role}")


def authenticate(store, username: str, password: str) -> Principal | None:
    """The user when ``password`` is theirs, else None (unknown users cost a hash too)."""
    rows = store.query("SELECT password_hash, role FROM api_users WHERE username = ?", (username,))
    stored = rows[0][0] if rows else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if not rows:
        return None
    if _hasher.check_needs_rehash(stored):
        store.backend.execute("UPDATE api_users SET password_hash = ? WHERE username = ?",
                              (_hasher.hash(password), username))
        store.backend.commit()
    return Principal(username, rows[0][1])


_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# -- API keys -----------------------------------------------------------------------------
def key_hash(key: str) -> str:
    """What is stored of an API key: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


_key_hash = key_hash


def create_key(store, name: str, *, actor: str, role: str = "ingest") -> tuple[str, str]:
    """A new API key: ``(key_id, key)``; the key itself is shown only now, never stored."""
    _check_role(role, KEY_ROLES)
    if not name or len(name) > 100:
        raise AccountError(f"key name {name!r}: 1-100 characters expected")
    key_id = "k_" + secrets.token_hex(6)
    key = f"gtk_{key_id}_{secrets.token_urlsafe(32)}"
    with store.transaction():
        store.backend.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, NULL)",
                              (key_id, _key_hash(key), name, role, actor, _now()))
        audit(store, actor, "key.create", key_id, f"name={name}, role={role}")
    return key_id, key


def list_keys(store) -> list[dict]:
    names = ("key_id", "name", "role", "created_by", "created_ts", "revoked_ts")
    rows = store.query(f"SELECT {', '.join(names)} FROM api_keys ORDER BY created_ts")
    return [dict(zip(names, r, strict=True)) for r in rows]


def revoke_key(store, key_id: str, *, actor: str) -> None:
    rows = store.query("SELECT revoked_ts FROM api_keys WHERE key_id = ?", (key_id,))
    if not rows:
        raise AccountError(f"no API key {key_id!r}")
    if rows[0][0] is not None:
        raise AccountError(f"API key {key_id!r} is already revoked")
    with store.transaction():
        store.backend.execute("UPDATE api_keys SET revoked_ts = ? WHERE key_id = ?", (_now(), key_id))
        audit(store, actor, "key.revoke", key_id)


def key_principal(store, key: str, *, hashed: bool = False) -> Principal | None:
    """The principal of a valid, unrevoked key (or of its hash, when ``hashed``), else None."""
    rows = store.query("SELECT key_id, role FROM api_keys WHERE key_hash = ? AND revoked_ts IS NULL",
                       (key if hashed else _key_hash(key),))
    return Principal(rows[0][0], rows[0][1], kind="key") if rows else None
