"""Settings of the service: store URL, token secret, CORS origins, login rate limit.

Resolved in this order: an explicit argument (``gigatwin serve --store``), the
environment (``GIGATWIN_*``), a TOML file (``--config PATH``), then the defaults. The
token-signing secret is never in the repository: it comes from ``GIGATWIN_SECRET_KEY``
or from a file outside the checkout (``GIGATWIN_SECRET_FILE``, default
``~/.config/gigatwin/secret_key``) that is generated, readable by its owner only, on
first use.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_STORE = "duckdb://out/gigatwin.duckdb"


def _config_home() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gigatwin"


def secret_from_file(path: Path) -> str:
    """The secret in ``path``; a new random one (256 bits, mode 0600) when it is absent."""
    if path.exists():
        text = path.read_text(encoding="utf-8").strip()
        if len(text) < 32:
            raise ValueError(f"secret file {path}: {len(text)} characters, at least 32 required")
        return text
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


@dataclass(frozen=True)
class Settings:
    """What the service needs to run; see the module docstring for where each comes from."""

    store_url: str = DEFAULT_STORE
    secret_key: str = field(default="", repr=False)
    token_minutes: float = 60.0
    cors_origins: tuple[str, ...] = ()  # closed by default: no cross-origin browser access
    login_attempts: int = 5  # failed logins allowed per username and client ...
    login_window_s: float = 60.0  # ... in this many seconds; then 429
    max_samples: int = 20_000  # Monte Carlo samples one API simulation may ask for
    auth_cache_s: float = 5.0  # a role changed by another process applies within this
    readers: int = 4  # reader connections to the store (see gigatwin.api.database)
    duckdb_threads: int = 1  # DuckDB threads per query: many small queries run at once
    jobs_kept: int = 200  # finished background jobs kept (oldest removed first)
    job_workers: int = 1  # background jobs that run at once (the others wait)

    def with_secret(self) -> Settings:
        """These settings with a secret, from the environment or the secret file."""
        if self.secret_key:
            return self
        secret = os.environ.get("GIGATWIN_SECRET_KEY", "")
        if not secret:
            path = Path(os.environ.get("GIGATWIN_SECRET_FILE") or _config_home() / "secret_key")
            secret = secret_from_file(path)
        if len(secret) < 32:
            raise ValueError("GIGATWIN_SECRET_KEY: at least 32 characters required")
        return replace(self, secret_key=secret)


_ENV = {"store_url": "GIGATWIN_STORE", "token_minutes": "GIGATWIN_TOKEN_MINUTES",
        "cors_origins": "GIGATWIN_CORS_ORIGINS"}


def load_settings(config: Path | None = None, *, resolve_secret: bool = True,
                  **overrides) -> Settings:
    """Settings from a TOML file (``config``, else ``GIGATWIN_CONFIG``; keys as the fields
    of :class:`Settings`), the environment
    and ``overrides`` (``None`` values ignored), later ones winning; with a secret unless
    ``resolve_secret`` is false (commands that only open the store need none)."""
    values: dict = {}
    if config is None and os.environ.get("GIGATWIN_CONFIG"):
        config = Path(os.environ["GIGATWIN_CONFIG"])
    known = {f.name for f in fields(Settings)} - {"secret_key"}
    if config is not None:
        raw = tomllib.loads(Path(config).read_text(encoding="utf-8"))
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"{config}: unknown setting(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        values.update(raw)
    for name, variable in _ENV.items():
        if os.environ.get(variable):
            values[name] = os.environ[variable]
    values.update({k: v for k, v in overrides.items() if v is not None})
    if isinstance(values.get("cors_origins"), str):
        values["cors_origins"] = [o.strip() for o in values["cors_origins"].split(",") if o.strip()]
    if "cors_origins" in values:
        values["cors_origins"] = tuple(values["cors_origins"])
    if "token_minutes" in values:
        values["token_minutes"] = float(values["token_minutes"])
    for name in ("readers", "duckdb_threads", "jobs_kept", "job_workers", "max_samples",
                 "login_attempts"):
        if name in values and int(values[name]) < 1:
            raise ValueError(f"setting {name} = {values[name]}: at least 1 required")
    settings = Settings(**values)
    return settings.with_secret() if resolve_secret else settings
