"""The ``gigatwin`` command.

Each area of the tool keeps its commands in its own module here (``cli/spec.py``,
``cli/twin.py``, ...), which exposes ``register(app)``. Command modules import their
domain packages inside the command functions, so ``gigatwin --help`` stays fast and a
heavy optional dependency (asyncua, SimPy, ...) is only loaded by the commands using it.
"""

from __future__ import annotations

import typer

from gigatwin.cli import demo, factory, linedata, quality, recipe, spec, twin, validate

app = typer.Typer(
    name="gigatwin",
    help="Digital twin and data platform for lithium-ion battery cell manufacturing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Each area's command module adds its commands, in the order they appear in --help.
for _module in (demo, spec, recipe, twin, validate, factory, linedata, quality):
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
