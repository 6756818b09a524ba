"""The FastAPI application: the routers under ``/api/v1`` and the dashboard at ``/``.

>>> from gigatwin.api import Settings, create_app
>>> app = create_app(Settings(store_url="duckdb://:memory:", secret_key="x" * 32))
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from gigatwin import __version__
from gigatwin.api.cache import PrincipalCache, ResponseCache
from gigatwin.api.config import Settings, load_settings
from gigatwin.api.database import Database
from gigatwin.api.jobs import JobManager
from gigatwin.api.line import LineRunner
from gigatwin.api.routes import (
    admin,
    alarms,
    auth,
    design,
    jobs,
    line,
    live,
    plants,
    quality,
    records,
    service,
    spec,
    stream,
    trace,
    twin,
)
from gigatwin.api.security import LoginLimiter
from gigatwin.api.streams import StreamHub, install_shutdown_hook

PREFIX = "/api/v1"
ROUTERS = tuple(m.router for m in (service, auth, admin, spec, records, twin, plants, quality,
                                   trace, jobs, design, line, live, alarms, stream))
# The dashboard loads only its own files: no CDN, no inline script.
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


class SecurityHeaders:
    """Adds the CSP and two hardening headers to every HTTP answer that lacks them.

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` runs each request
    through extra tasks and memory streams, which cost more than the health check
    itself under load."""

    _HEADERS = ((b"content-security-policy", _CSP.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"))

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [h for h in self._HEADERS if h[0] not in present]
                if extra:
                    message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """The service over ``settings.store_url`` (or an open ``database``).

    The caller owns the database: ``gigatwin serve`` stops the jobs and closes it when
    the server stops (``app.state.jobs.shutdown()``, ``app.state.database.close()``);
    test clients may start and stop the app many times."""
    settings = settings.with_secret()
    database = database or Database(settings.store_url, readers=settings.readers,
                                    duckdb_threads=settings.duckdb_threads)

    # /docs and /redoc would load Swagger UI from a CDN: the schema is at /openapi.json.
    app = FastAPI(title="gigatwin", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="REST API of gigatwin: the data specification, line data "
                              "ingestion, the process-chain twin, plants, SPC and "
                              "traceability. See docs/api.md.")
    app.state.settings = settings
    app.state.database = database
    app.state.login_limiter = LoginLimiter(settings.login_attempts, settings.login_window_s)
    app.state.responses = ResponseCache()
    app.state.principals = PrincipalCache(settings.auth_cache_s)
    app.state.jobs = JobManager(database, settings.job_workers, settings.jobs_kept)
    app.state.line = LineRunner(database)
    app.state.streams = StreamHub()  # server-sent events; closed when uvicorn stops
    install_shutdown_hook()

    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-API-Key"])

    app.add_middleware(SecurityHeaders)

    static = resources.files("gigatwin.web").joinpath("static")
    app.mount("/", StaticFiles(directory=str(static), html=True), name="web")
    return app



def warm_up() -> None:
    """Import what the routes import on first use and load the specification, so that
    the first requests after a start do not wait seconds for SciPy and the registry
    (``gigatwin serve`` calls it in every worker before taking requests)."""
    import gigatwin.quality  # noqa: F401 (SciPy, the charts)
    import gigatwin.trace  # noqa: F401
    import gigatwin.trace.jsonld  # noqa: F401
    from gigatwin.spec import load_registry

    load_registry()


def app_from_environment() -> FastAPI:
    """The service configured by the environment (``GIGATWIN_STORE``, ...): the factory
    each worker process of ``gigatwin serve --workers N`` calls."""
    warm_up()
    return create_app(load_settings())
