"""Dependencies injected into the routes: settings, the store, the caller and their role.

>>> @router.get("/things")
... def things(db: DatabaseDep, user: ViewerDep): ...

A route declares the least role it needs with one of :data:`ViewerDep`,
:data:`EngineerDep`, :data:`AdminDep` or :data:`IngestDep` (an engineer or an ingest key); a route without one is
public (only ``/api/v1/health`` and the login). The caller is found from a bearer token
(people) or an ``X-API-Key`` header (machines); the role is read from the store on every
request, so a changed role or a removed user takes effect at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from gigatwin.api.accounts import Principal, get_user, key_principal
from gigatwin.api.config import Settings
from gigatwin.api.database import Database
from gigatwin.api.security import read_token

TOKEN_URL = "/api/v1/auth/token"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.database


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=message,
                         headers={"WWW-Authenticate": "Bearer"})


def current_principal(db: DatabaseDep, settings: SettingsDep,
                      token: Annotated[str | None, Depends(_bearer)],
                      key: Annotated[str | None, Depends(_api_key)]) -> Principal:
    if token:
        claimed = read_token(token, settings.secret_key)
        if claimed is None:
            raise _unauthorized("the token is invalid or has expired; log in again")
        with db.session() as store:
            user = get_user(store, claimed.name)
        if user is None:
            raise _unauthorized(f"user {claimed.name!r} no longer exists")
        return Principal(user["username"], user["role"])
    if key:
        with db.session() as store:
            principal = key_principal(store, key)
        if principal is None:
            raise _unauthorized("the API key is unknown or revoked")
        return principal
    raise _unauthorized("authentication required: a bearer token or an X-API-Key header")


def require(*roles: str):
    """A dependency that lets a caller through when they hold one of ``roles`` (or a
    user role above one of them)."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not any(principal.may(role) for role in roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                detail=f"{principal.kind} {principal.name!r} has role "
                                       f"{principal.role!r}; this needs {' or '.join(roles)}")
        return principal

    check.required_roles = roles  # read by the authorization matrix test
    return check


ViewerDep = Annotated[Principal, Depends(require("viewer"))]
EngineerDep = Annotated[Principal, Depends(require("engineer"))]
AdminDep = Annotated[Principal, Depends(require("admin"))]
IngestDep = Annotated[Principal, Depends(require("engineer", "ingest"))]
