"""Log in (OAuth2 password flow) and say who the caller is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from gigatwin.api.accounts import Principal, authenticate
from gigatwin.api.deps import DatabaseDep, SettingsDep, current_principal
from gigatwin.api.schemas import Me, Token
from gigatwin.api.security import issue_token

router = APIRouter(prefix="/auth", tags=["accounts"])


@router.post("/token", response_model=Token, summary="Log in: a bearer token for a user")
def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
          db: DatabaseDep, settings: SettingsDep) -> Token:
    limiter = request.app.state.login_limiter
    client = request.client.host if request.client else "?"
    wait = limiter.retry_after(form.username, client)
    if wait:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            detail=f"too many failed logins for {form.username!r}; "
                                   f"try again in {wait:.0f} s",
                            headers={"Retry-After": str(int(wait) + 1)})
    with db.session() as store:
        principal = authenticate(store, form.username, form.password)
    if principal is None:
        limiter.failed(form.username, client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="wrong username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    limiter.succeeded(form.username, client)
    return Token(access_token=issue_token(principal, settings.secret_key, settings.token_minutes),
                 role=principal.role, expires_in=int(settings.token_minutes * 60))


@router.get("/me", response_model=Me, summary="The caller's name and role")
def me(principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    return Me(name=principal.name, role=principal.role, kind=principal.kind)
