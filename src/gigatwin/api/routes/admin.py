"""Users, API keys and the audit log: admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from gigatwin.api import accounts
from gigatwin.api.deps import AdminDep, DatabaseDep, PrincipalsDep
from gigatwin.api.schemas import AuditEntry, KeyCreated, KeyIn, KeyOut, RoleIn, UserIn, UserOut

router = APIRouter(tags=["accounts"])
Username = Annotated[str, Path(max_length=64)]


def _refused(exc: accounts.AccountError) -> HTTPException:
    code = status.HTTP_404_NOT_FOUND if str(exc).startswith("no ") else status.HTTP_409_CONFLICT
    return HTTPException(code, detail=str(exc))


@router.get("/users", response_model=list[UserOut], summary="Every user and their role")
def list_users(db: DatabaseDep, admin: AdminDep):
    with db.session() as store:
        return accounts.list_users(store)


@router.post("/users", response_model=UserOut, status_code=201, summary="Add a user")
def add_user(body: UserIn, db: DatabaseDep, admin: AdminDep, cache: PrincipalsDep):
    with db.session() as store:
        try:
            accounts.add_user(store, body.username, body.password, body.role, actor=admin.name)
        except accounts.AccountError as exc:
            raise _refused(exc) from exc
        finally:
            cache.forget_user(body.username)
        return accounts.get_user(store, body.username)


@router.put("/users/{username}/role", response_model=UserOut, summary="Change a user's role")
def set_role(username: Username, body: RoleIn, db: DatabaseDep, admin: AdminDep,
             cache: PrincipalsDep):
    with db.session() as store:
        try:
            accounts.set_role(store, username, body.role, actor=admin.name)
        except accounts.AccountError as exc:
            raise _refused(exc) from exc
        finally:
            cache.forget_user(username)
        return accounts.get_user(store, username)


@router.delete("/users/{username}", status_code=204, summary="Remove a user")
def remove_user(username: Username, db: DatabaseDep, admin: AdminDep,
                cache: PrincipalsDep) -> None:
    with db.session() as store:
        try:
            accounts.remove_user(store, username, actor=admin.name)
        except accounts.AccountError as exc:
            raise _refused(exc) from exc
        finally:
            cache.forget_user(username)


@router.get("/keys", response_model=list[KeyOut], summary="API keys (never the keys themselves)")
def list_keys(db: DatabaseDep, admin: AdminDep):
    with db.session() as store:
        return accounts.list_keys(store)


@router.post("/keys", response_model=KeyCreated, status_code=201,
             summary="Create an ingest key for a machine; the key is shown once")
def create_key(body: KeyIn, db: DatabaseDep, admin: AdminDep):
    with db.session() as store:
        try:
            key_id, key = accounts.create_key(store, body.name, actor=admin.name)
        except accounts.AccountError as exc:
            raise _refused(exc) from exc
    return KeyCreated(key_id=key_id, key=key)


@router.delete("/keys/{key_id}", status_code=204, summary="Revoke an API key")
def revoke_key(key_id: Annotated[str, Path(max_length=64)], db: DatabaseDep, admin: AdminDep,
               cache: PrincipalsDep) -> None:
    with db.session() as store:
        try:
            accounts.revoke_key(store, key_id, actor=admin.name)
        except accounts.AccountError as exc:
            raise _refused(exc) from exc
        finally:
            cache.forget_keys()


@router.get("/audit", response_model=list[AuditEntry], summary="Who changed what, newest first")
def audit_log(db: DatabaseDep, admin: AdminDep,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 200):
    with db.session() as store:
        return accounts.audit_log(store, limit)
