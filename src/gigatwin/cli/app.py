"""The ``gigatwin`` command.

Each area of the tool keeps its commands in its own module here (``cli/spec.py``,
``cli/twin.py``, ...), which exposes ``register(app)``. Command modules import their
domain packages inside the command functions, so ``gigatwin --help`` stays fast and a
heavy optional dependency (asyncua, SimPy, ...) is only loaded by the commands using it.

Exit codes: 0 success; 1 the input data are invalid (a recipe, a plant, a CSV...); 2 a
usage error (an option, a path, a value that cannot be used); 130 interrupted. No input
ends in a Python traceback: :func:`main` turns what a command did not handle itself into
one message naming the file or value; ``--debug`` (or ``GIGATWIN_DEBUG=1``) shows the
traceback instead, for developers.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from gigatwin.cli import (
    alarms,
    demo,
    factory,
    line,
    linedata,
    live,
    performance,
    quality,
    quarantine,
    recipe,
    serve,
    spec,
    twin,
    validate,
)
from gigatwin.cli._common import check_outputs, console, json_to_stdout
from gigatwin.cli.errors import describe

app = typer.Typer(
    name="gigatwin",
    help="Digital twin and data platform for lithium-ion battery cell manufacturing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        from gigatwin import __version__

        typer.echo(f"gigatwin {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="print the version and exit")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="show Python tracebacks (developers)",
                                        envvar="GIGATWIN_DEBUG")] = False,
) -> None:
    """Digital twin and data platform for lithium-ion battery cell manufacturing."""


# Each area's command module adds its commands, in the order they appear in --help.
for _module in (demo, spec, recipe, twin, validate, performance, factory, line, live,
                linedata, quarantine, alarms, quality, serve):
    _module.register(app)


def _debugging(args: list[str]) -> bool:
    return "--debug" in args or os.environ.get("GIGATWIN_DEBUG", "") not in ("", "0")


def main(args: list[str] | None = None) -> None:
    """Run the command line ``args`` (default: ``sys.argv[1:]``) and exit with its code."""
    args = sys.argv[1:] if args is None else list(args)
    if json_to_stdout(args):
        console.file = sys.stderr           # stdout carries the JSON alone
    try:
        if "--help" not in args:
            check_outputs(args)
        app(args, prog_name="gigatwin")
    except SystemExit:
        console.file = None                 # back to stdout (main may run again in-process)
        raise
    except typer.Exit as stop:              # an output refused by check_outputs
        console.file = None
        sys.exit(stop.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if _debugging(args):
            raise
        message, code = describe(exc, args)
        typer.echo(f"error: {message}", err=True)
        if code == 70:
            typer.echo("run again with --debug to see the traceback, and please report it",
                       err=True)
        sys.exit(code)


if __name__ == "__main__":
    main()
