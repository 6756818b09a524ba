"""``gigatwin quarantine``: review what ingestion rejected, and release it, without SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gigatwin.cli._common import console, fail, write_json
from gigatwin.cli.linedata import STORE_HELP, _open

quarantine_app = typer.Typer(help="Rejected input kept with its reason: list, show, release.",
                             no_args_is_help=True)
StoreOption = Annotated[str, typer.Option("--store", help=STORE_HELP)]


@quarantine_app.command("list")
def list_cmd(store: StoreOption,
             source: Annotated[str | None, typer.Option(help="only this source (exact)")] = None,
             reason: Annotated[str | None, typer.Option(help="reasons containing this text")] = None,
             limit: Annotated[int, typer.Option(min=1, max=100_000, help="at most so many")] = 50,
             json_out: Annotated[Path | None, typer.Option("--json", help="write as JSON")] = None,
             ) -> None:
    """Quarantined entries, newest first, with their reasons."""
    from gigatwin.ingest.quarantine import entries

    with _open(store, read_only=True) as opened:
        found = entries(opened, source=source, reason=reason, limit=limit)
    table = Table(title=f"{len(found)} quarantined entr{'y' if len(found) == 1 else 'ies'}"
                        f" (newest first, at most {limit})")
    for column in ("id", "received", "source", "reason"):
        table.add_column(column)
    for e in found:
        table.add_row(e.quarantine_id, str(e.received_ts)[:19].replace(" ", "T"), escape(e.source),
                      escape(e.reason))
    console.print(table)
    write_json([e.as_dict() for e in found], json_out)


@quarantine_app.command("show")
def show_cmd(quarantine_id: Annotated[str, typer.Argument(help="the entry's id")],
             store: StoreOption) -> None:
    """One entry: its source, reason and the raw input as received."""
    from gigatwin.ingest.quarantine import entry

    with _open(store, read_only=True) as opened:
        found = entry(opened, quarantine_id)
    if found is None:
        raise fail(f"no quarantined entry {quarantine_id!r} in {store}", 1)
    console.print(f"[bold]{escape(found.quarantine_id)}[/bold]  received {found.received_ts}")
    console.print(f"source: {escape(found.source)}")
    console.print(f"reason: {escape(found.reason)}")
    console.print("raw:")
    console.print(escape(found.raw), soft_wrap=True, highlight=False)


@quarantine_app.command("release")
def release_cmd(quarantine_id: Annotated[str, typer.Argument(help="the entry's id")],
                store: StoreOption,
                record: Annotated[str | None, typer.Option(
                    help='the corrected record as JSON: {"key": ..., "value": ..., "unit": '
                         '..., "ts": ...}; without it, the entry is released as received')]
                = None) -> None:
    """Validate the entry again (corrected or as received) and store it; exit 1 and keep
    it in quarantine, with the reasons, while it is still invalid."""
    from gigatwin.ingest.quarantine import StillInvalidError, parse_record, release

    try:
        corrected = parse_record(record) if record is not None else None
    except ValueError as exc:
        raise fail(f"--record: {exc}") from exc
    with _open(store) as opened:
        try:
            counts = release(opened, quarantine_id, corrected)
        except KeyError:
            raise fail(f"no quarantined entry {quarantine_id!r} in {store}", 1) from None
        except StillInvalidError as exc:
            raise fail(str(exc), 1) from exc
    console.print(f"released {quarantine_id}: {counts.stored} stored, "
                  f"{counts.duplicates} already stored")


def register(app: typer.Typer) -> None:
    app.add_typer(quarantine_app, name="quarantine")
