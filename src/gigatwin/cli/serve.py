"""``gigatwin serve`` (the REST API and dashboard), ``gigatwin users`` and ``gigatwin keys``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gigatwin.cli._common import console, fail, fail_input

STORE_HELP = ("Store URL: duckdb:///path/file.duckdb or postgresql://user@host:port/db "
              "(default: $GIGATWIN_STORE, else duckdb://out/gigatwin.duckdb)")
Store = Annotated[str | None, typer.Option("--store", help=STORE_HELP)]
Config = Annotated[Path | None, typer.Option("--config", exists=True, dir_okay=False,
                                             help="TOML file of settings (see docs/api.md)")]

users_app = typer.Typer(help="Accounts of the REST API and dashboard (roles viewer, engineer, admin).",
                        no_args_is_help=True)
keys_app = typer.Typer(help="API keys for machines that ingest records.", no_args_is_help=True)
ACTOR = "cli"  # the audit log's name for changes made on the command line


def _store_url(store: str | None, config: Path | None) -> str:
    from gigatwin.api.config import load_settings

    try:
        return load_settings(config, resolve_secret=False, store_url=store).store_url
    except UnicodeDecodeError as exc:
        raise fail_input(config, exc) from exc
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from exc


def _open(store: str | None, config: Path | None = None):
    from gigatwin.api.accounts import migrate_accounts
    from gigatwin.store import open_store

    try:
        db = open_store(_store_url(store, config))
    except ValueError as exc:
        raise fail(str(exc)) from exc
    migrate_accounts(db)
    return db


def serve(store: Store = None, config: Config = None,
          host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
          workers: Annotated[int, typer.Option("--workers", min=1, max=64,
                                               help="processes (PostgreSQL only)")] = 1) -> None:
    """Serve the REST API (/api/v1, schema at /openapi.json) and the web dashboard (/)."""
    import uvicorn

    from gigatwin.api import create_app, load_settings

    try:
        settings = load_settings(config, store_url=store)
        if workers > 1 and not settings.store_url.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"--workers {workers}: an embedded DuckDB store takes one process; "
                             "use --workers 1 or a postgresql:// store")
        app = create_app(settings)  # migrates the schema once, before any worker starts
    except UnicodeDecodeError as exc:
        raise fail_input(config, exc) from exc
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from exc
    with app.state.database.session() as db:
        from gigatwin.api.accounts import list_users

        if not any(u["role"] == "admin" for u in list_users(db)):
            console.print("[yellow]no admin yet:[/yellow] gigatwin users add NAME --role admin "
                          f"--store {settings.store_url}  (with the server stopped, for DuckDB)")
    console.print(f"gigatwin on http://{host}:{port}/ (store {settings.store_url})")
    if workers > 1:
        import os

        app.state.jobs.shutdown()
        app.state.database.close()
        os.environ.update({"GIGATWIN_STORE": settings.store_url,
                           "GIGATWIN_SECRET_KEY": settings.secret_key,  # the same for every worker
                           "GIGATWIN_TOKEN_MINUTES": str(settings.token_minutes),
                           "GIGATWIN_CORS_ORIGINS": ",".join(settings.cors_origins),
                           **({"GIGATWIN_CONFIG": str(config.resolve())} if config else {})})
        uvicorn.run("gigatwin.api.app:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, log_level="info")
        return
    from gigatwin.api.app import warm_up

    warm_up()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        app.state.line.shutdown()
        app.state.jobs.shutdown()
        app.state.database.close()


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(username: str,
              role: Annotated[str, typer.Option("--role", help="viewer, engineer or admin")] = "viewer",
              password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                           help="read the password from stdin")] = False,
              store: Store = None, config: Config = None) -> None:
    """Add a user (the password is asked for, or read from stdin)."""
    from gigatwin.api.accounts import AccountError, add_user

    with _open(store, config) as db:
        try:
            add_user(db, username, _password(password_stdin), role, actor=ACTOR)
        except AccountError as exc:
            raise fail(str(exc)) from exc
    console.print(f"added {username} ({role})")


@users_app.command("list")
def users_list(store: Store = None, config: Config = None) -> None:
    """Every user and their role."""
    from gigatwin.api.accounts import list_users

    with _open(store, config) as db:
        users = list_users(db)
    table = Table("user", "role", "created")
    for u in users:
        table.add_row(u["username"], u["role"], f"{u['created_ts']:%Y-%m-%d %H:%M}")
    console.print(table)


@users_app.command("remove")
def users_remove(username: str, store: Store = None, config: Config = None) -> None:
    """Remove a user (not the last admin)."""
    from gigatwin.api.accounts import AccountError, remove_user

    with _open(store, config) as db:
        try:
            remove_user(db, username, actor=ACTOR)
        except AccountError as exc:
            raise fail(str(exc)) from exc
    console.print(f"removed {username}")


@users_app.command("set-role")
def users_set_role(username: str, role: str, store: Store = None, config: Config = None) -> None:
    """Change a user's role (viewer, engineer, admin)."""
    from gigatwin.api.accounts import AccountError, set_role

    with _open(store, config) as db:
        try:
            set_role(db, username, role, actor=ACTOR)
        except AccountError as exc:
            raise fail(str(exc)) from exc
    console.print(f"{username} is now {role}")


@keys_app.command("create")
def keys_create(name: Annotated[str, typer.Argument(help="what the key is for, e.g. coater-1")],
                store: Store = None, config: Config = None) -> None:
    """Create an ingest key; it is printed once (only its hash is stored)."""
    from gigatwin.api.accounts import AccountError, create_key

    with _open(store, config) as db:
        try:
            key_id, key = create_key(db, name, actor=ACTOR)
        except AccountError as exc:
            raise fail(str(exc)) from exc
    console.print(f"key {key_id} ({name}); send it as the X-API-Key header. It is shown only now:")
    typer.echo(key)


@keys_app.command("list")
def keys_list(store: Store = None, config: Config = None) -> None:
    """API keys (never the keys themselves)."""
    from gigatwin.api.accounts import list_keys

    with _open(store, config) as db:
        keys = list_keys(db)
    table = Table("key id", "name", "role", "created", "revoked")
    for k in keys:
        table.add_row(k["key_id"], k["name"], k["role"], f"{k['created_ts']:%Y-%m-%d %H:%M}",
                      f"{k['revoked_ts']:%Y-%m-%d %H:%M}" if k["revoked_ts"] else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, store: Store = None, config: Config = None) -> None:
    """Revoke an API key by its id."""
    from gigatwin.api.accounts import AccountError, revoke_key

    with _open(store, config) as db:
        try:
            revoke_key(db, key_id, actor=ACTOR)
        except AccountError as exc:
            raise fail(str(exc)) from exc
    console.print(f"revoked {key_id}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
