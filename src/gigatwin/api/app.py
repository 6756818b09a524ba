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
from gigatwin.api.config import Settings, load_settings
from gigatwin.api.database import Database
from gigatwin.api.routes import admin, auth, plants, quality, records, service, spec, trace, twin
from gigatwin.api.security import LoginLimiter

PREFIX = "/api/v1"
ROUTERS = tuple(m.router for m in (service, auth, admin, spec, records, twin, plants, quality, trace))
# The dashboard loads only its own files: no CDN, no inline script.
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """The service over ``settings.store_url`` (or an open ``database``).

    The caller owns the database: ``gigatwin serve`` closes it when the server stops
    (``app.state.database.close()``); test clients may start and stop the app many times."""
    settings = settings.with_secret()
    database = database or Database(settings.store_url)

    # /docs and /redoc would load Swagger UI from a CDN: the schema is at /openapi.json.
    app = FastAPI(title="gigatwin", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="REST API of gigatwin: the data specification, line data "
                              "ingestion, the process-chain twin, plants, SPC and "
                              "traceability. See docs/api.md.")
    app.state.settings = settings
    app.state.database = database
    app.state.login_limiter = LoginLimiter(settings.login_attempts, settings.login_window_s)

    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-API-Key"])

    @app.middleware("http")
    async def security_headers(request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    static = resources.files("gigatwin.web").joinpath("static")
    app.mount("/", StaticFiles(directory=str(static), html=True), name="web")
    return app



def app_from_environment() -> FastAPI:
    """The service configured by the environment (``GIGATWIN_STORE``, ...): the factory
    each worker process of ``gigatwin serve --workers N`` calls."""
    return create_app(load_settings())
