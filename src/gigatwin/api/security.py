"""Signed access tokens (JWT, HS256) and the login rate limit."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta

import jwt

from gigatwin.api.accounts import ROLES, Principal

ALGORITHM = "HS256"
AUDIENCE = "gigatwin-api"


def issue_token(principal: Principal, secret: str, minutes: float) -> str:
    now = datetime.now(UTC)
    claims = {"sub": principal.name, "role": principal.role, "aud": AUDIENCE,
              "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, secret: str) -> Principal | None:
    """The principal a token names when its signature, audience and expiry hold, else None."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE,
                            options={"require": ["sub", "exp", "aud"]})
    except jwt.PyJWTError:
        return None
    if not isinstance(claims.get("sub"), str) or claims.get("role") not in ROLES:
        return None
    return Principal(claims["sub"], claims["role"])


STREAM_AUDIENCE = "gigatwin-stream"


def issue_ticket(principal: Principal, secret: str, seconds: float) -> str:
    """A stream ticket: opens ``GET /stream`` within ``seconds`` and nothing else (its
    audience differs from the tokens', so :func:`read_token` refuses it). Users only:
    machines send their key header."""
    now = datetime.now(UTC)
    claims = {"sub": principal.name, "aud": STREAM_AUDIENCE, "iat": now,
              "exp": now + timedelta(seconds=seconds)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_ticket(ticket: str, secret: str) -> str | None:
    """The user name of a valid stream ticket, else None."""
    try:
        claims = jwt.decode(ticket, secret, algorithms=[ALGORITHM], audience=STREAM_AUDIENCE,
                            options={"require": ["sub", "exp", "aud"]})
    except jwt.PyJWTError:
        return None
    return claims["sub"] if isinstance(claims.get("sub"), str) else None


class LoginLimiter:
    """At most ``attempts`` failed logins per (username, client) in ``window_s`` seconds.

    In memory, so per process; a plant running several workers puts a proxy limit in
    front as well."""

    def __init__(self, attempts: int, window_s: float):
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, who: tuple[str, str], now: float) -> deque:
        failures = self._failures[who]
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def retry_after(self, username: str, client: str) -> float:
        """Seconds until ``username`` may try again from ``client``; 0 when allowed now."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent((username, client), now)
            if len(failures) < self.attempts:
                return 0.0
            return max(self.window_s - (now - failures[0]), 0.001)

    def failed(self, username: str, client: str) -> None:
        with self._lock:
            self._failures[(username, client)].append(time.monotonic())

    def succeeded(self, username: str, client: str) -> None:
        with self._lock:
            self._failures.pop((username, client), None)
