"""Dependencies injected into the routes: settings, the store, the caller and their role.

>>> @router.get("/things")
... def things(db: DatabaseDep, user: ViewerDep): ...

A route declares the least role it needs with one of :data:`ViewerDep`,
:data:`EngineerDep`, :data:`AdminDep` or :data:`IngestDep` (an engineer or an ingest key); a route without one is
public (only ``/api/v1/health`` and the login). The caller is found from a bearer token
(people) or an ``X-API-Key`` header (machines). The token's signature and expiry are
checked on every request; the user's current role (or the key's) is read from the
store and kept until the service next writes to the store, for at most a few seconds
(:class:`gigatwin.api.cache.PrincipalCache`): a change made through this service
takes effect at once, one made by another process (PostgreSQL only) within
``Settings.auth_cache_s``.

The dependencies are ``async``: they compute or wait for a thread only when the
store must be asked, instead of taking a thread of the pool for every step.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from gigatwin.api.accounts import Principal, get_user, key_hash, key_principal
from gigatwin.api.cache import MISSING, PrincipalCache, ResponseCache
from gigatwin.api.config import Settings
from gigatwin.api.database import Database
from gigatwin.api.security import read_ticket, read_token

TOKEN_URL = "/api/v1/auth/token"


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_database(request: Request) -> Database:
    return request.app.state.database


async def get_responses(request: Request) -> ResponseCache:
    return request.app.state.responses


async def get_principals(request: Request) -> PrincipalCache:
    return request.app.state.principals


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ResponsesDep = Annotated[ResponseCache, Depends(get_responses)]
PrincipalsDep = Annotated[PrincipalCache, Depends(get_principals)]

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=message,
                         headers={"WWW-Authenticate": "Bearer"})


async def current_principal(db: DatabaseDep, settings: SettingsDep, cache: PrincipalsDep,
                            token: Annotated[str | None, Depends(_bearer)],
                            key: Annotated[str | None, Depends(_api_key)]) -> Principal:
    if token:
        claimed = read_token(token, settings.secret_key)
        if claimed is None:
            raise _unauthorized("the token is invalid or has expired; log in again")
        return await _user_principal(db, cache, claimed.name)
    if key:
        hashed, generation = key_hash(key), db.generation
        principal = cache.key(hashed, generation)
        if principal is MISSING:
            principal = await run_in_threadpool(_lookup_key, db, hashed)
            cache.remember_key(hashed, generation, principal)
        if principal is None:
            raise _unauthorized("the API key is unknown or revoked")
        return principal
    raise _unauthorized("authentication required: a bearer token or an X-API-Key header")


async def _user_principal(db: Database, cache: PrincipalCache, name: str) -> Principal:
    generation = db.generation
    user = cache.user(name, generation)
    if user is MISSING:
        user = await run_in_threadpool(_lookup_user, db, name)
        cache.remember_user(name, generation, user)
    if user is None:
        raise _unauthorized(f"user {name!r} no longer exists")
    return Principal(user["username"], user["role"])


async def stream_principal(db: DatabaseDep, settings: SettingsDep, cache: PrincipalsDep,
                           token: Annotated[str | None, Depends(_bearer)],
                           key: Annotated[str | None, Depends(_api_key)],
                           ticket: Annotated[str | None, Query(
                               max_length=2000, description="a stream ticket from POST "
                               "/stream/ticket (EventSource sends no headers)")] = None,
                           ) -> Principal:
    """The caller of a stream: a stream ticket in the query, else the usual headers. The
    user's current role is read as for a token (see :mod:`gigatwin.api.streams`)."""
    if ticket is None:
        return await current_principal(db, settings, cache, token, key)
    name = read_ticket(ticket, settings.secret_key)
    if name is None:
        raise _unauthorized("the stream ticket is invalid or has expired; ask POST "
                            "/api/v1/stream/ticket for a new one")
    return await _user_principal(db, cache, name)


def _lookup_user(db: Database, name: str) -> dict | None:
    with db.reader() as store:
        return get_user(store, name)


def _lookup_key(db: Database, hashed: str) -> Principal | None:
    with db.reader() as store:
        return key_principal(store, hashed, hashed=True)


def require(*roles: str, source=current_principal):
    """A dependency that lets a caller through when they hold one of ``roles`` (or a
    user role above one of them); ``source`` finds the caller."""

    # the default, not an annotation: annotations are strings here, and ``source`` is
    # not a module name that FastAPI could resolve from one
    async def check(principal: Principal = Depends(source)) -> Principal:  # noqa: B008
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
# A viewer found from a stream ticket or the headers (GET /stream only).
StreamViewerDep = Annotated[Principal, Depends(require("viewer", source=stream_principal))]


def quantity_parameter(key: str):
    """The specification's parameter of ``key`` (a qualified key such as
    ``cathode.wet_film_thickness``, as the line sends it, is its key's), or a 404 naming
    the key when it is not a quantity of the specification."""
    from gigatwin.spec.vocabulary import parameter as parameter_of

    try:
        parameter = parameter_of(key)
    except KeyError:
        parameter = None
    if parameter is None or not parameter.is_quantity:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"key = {key!r} is not a quantity of the specification")
    return parameter

