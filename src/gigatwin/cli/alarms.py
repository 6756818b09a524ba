"""``gigatwin alarms``: list the alarms of a store and acknowledge one, without SQL
(what ``GET /api/v1/alarms`` and ``POST /api/v1/alarms/{id}/acknowledge`` do)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gigatwin.cli._common import console, fail, write_json
from gigatwin.cli.linedata import STORE_HELP, _open

alarms_app = typer.Typer(help="Alarms of streaming SPC and ingestion: list, acknowledge.",
                         no_args_is_help=True)
StoreOption = Annotated[str, typer.Option("--store", help=STORE_HELP)]


class State(enum.StrEnum):
    open = "open"
    cleared = "cleared"
    acknowledged = "acknowledged"
    unacknowledged = "unacknowledged"


def _time(value) -> str:
    return "" if value is None else str(value)[:19].replace(" ", "T")


@alarms_app.command("list")
def list_cmd(store: StoreOption,
             state: Annotated[State | None, typer.Option(help="open = not cleared")] = None,
             asset: Annotated[str | None, typer.Option(help="only this station")] = None,
             limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most so many")] = 50,
             json_out: Annotated[Path | None, typer.Option("--json", help="write as JSON")] = None,
             ) -> None:
    """Alarms, newest first, with who acknowledged them."""
    with _open(store, read_only=True) as opened:
        found = opened.alarms(state=state.value if state else None, asset_id=asset, limit=limit)
        total = opened.count_alarms(state=state.value if state else None, asset_id=asset)
    table = Table(title=f"{len(found)} of {total} alarm(s) (newest first)")
    for column in ("id", "raised", "station", "what", "state", "acknowledged"):
        table.add_column(column)
    for a in found:
        acked = f"{a['acked_by']} {_time(a['acked_ts'])}" if a["acknowledged"] else ""
        table.add_row(escape(a["event_id"]), _time(a["ts"]), escape(a["asset_id"] or ""),
                      escape(a["code"] or ""), a["state"], escape(acked))
    console.print(table)
    write_json(found, json_out)


def _must_exist(url: str) -> None:
    """An acknowledgement creates no store: a missing one is an error naming it."""
    from gigatwin.store import open_store
    from gigatwin.store.backends import StoreError

    try:
        open_store(url, create=False).close()
    except (ValueError, StoreError) as exc:
        raise fail(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a driver error while opening: say which store
        raise fail(f"cannot open store {url}: {type(exc).__name__}: {str(exc).strip()}", 1) from exc


@alarms_app.command("ack")
def ack_cmd(event_id: Annotated[str, typer.Argument(help="the alarm's id")],
            store: StoreOption,
            by: Annotated[str, typer.Option("--by", help="who acknowledges it")],
            comment: Annotated[str | None, typer.Option(help="what was done about it")] = None,
            ) -> None:
    """Acknowledge an alarm; one acknowledged already keeps its first acknowledgement."""
    if not by.strip():
        raise fail("--by: name who acknowledges the alarm")
    _must_exist(store)
    with _open(store) as opened:
        try:
            alarm, new = opened.acknowledge_alarm(event_id, by.strip(), comment=comment or None)
        except KeyError:
            raise fail(f"no alarm {event_id!r} in {store}", 1) from None
    if new:
        console.print(f"alarm {escape(event_id)} acknowledged by {escape(alarm['acked_by'])}")
    else:
        console.print(f"alarm {escape(event_id)} was acknowledged already by "
                      f"{escape(alarm['acked_by'])} at {_time(alarm['acked_ts'])}")


def register(app: typer.Typer) -> None:
    app.add_typer(alarms_app, name="alarms")
