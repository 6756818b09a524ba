"""What a person reads: tables that fit 80 columns without cutting a value, JSON alone on
stdout with ``--json -``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.table import Table

from gigatwin.cli import _common
from gigatwin.cli.app import main

EXAMPLES = Path(__file__).parents[2] / "examples"
RECIPE = str(EXAMPLES / "recipes" / "nmc622_graphite_pouch.yaml")
PLANT = str(EXAMPLES / "plants" / "industrial_nmc622_10gwh.yaml")
PISTONS = str(EXAMPLES / "quality" / "pistonrings_phase1.csv")
CELLS = str(EXAMPLES / "quality" / "eol_cells.csv")

COMMANDS = {
    "spec_list": ["spec", "list"],
    "spec_show": ["spec", "show", "calendered_porosity"],
    "simulate": ["simulate", RECIPE, "--samples", "200"],
    "plant": ["plant", PLANT],
    "spc_capability": ["spc", "capability", PISTONS, "--column", "diameter",
                       "--lsl", "73.95", "--usl", "74.05"],
    "grade": ["grade", CELLS, "--config", str(EXAMPLES / "quality" / "GRADES.yaml")],
    "match": ["match", CELLS, "--cells-per-module", "12"],
}


@pytest.fixture
def width(monkeypatch):
    """Both consoles at a given width, as on a terminal of that many columns."""
    def set_width(columns: int) -> None:
        for console in (_common.console, _common.err_console):
            monkeypatch.setattr(console, "_width", columns)
    return set_width


def _run(args, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    out = capsys.readouterr()
    return stop.value.code, out.out, out.err


@pytest.mark.parametrize("name", COMMANDS)
def test_no_value_is_cut_at_80_columns(name, width, capsys):
    width(80)
    code, out, err = _run(COMMANDS[name], capsys)
    assert code in (0, None, 1), err
    text = out + err
    assert "…" not in text, text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_table_too_wide_for_the_terminal_is_shown_vertically(width):
    table = Table(title="t")
    for header in ("key", "nominal", "mean", "std"):
        table.add_column(header)
    table.add_row("cathode_solids_volume_fraction", "34.9371", "34.9390", "0.223451")
    console = _common.FittingConsole(width=40, record=True, file=io.StringIO())
    console.print(table)
    text = console.export_text()
    # every value appears whole, on its own line with its header
    for header, value in (("key", "cathode_solids_volume_fraction"), ("nominal", "34.9371"),
                          ("mean", "34.9390"), ("std", "0.223451")):
        assert any(line.split() == [header, value] for line in text.splitlines()), text


def test_numbers_are_never_folded_when_the_table_fits(width):
    table = Table()
    table.add_column("parameter")
    table.add_column("value", justify="right")
    table.add_row("Calendered porosity of the cathode coating after the calender", "0.123456789")
    console = _common.FittingConsole(width=40, record=True, file=io.StringIO())
    console.print(table)
    assert "0.123456789" in console.export_text()


@pytest.mark.parametrize("args", [
    ["simulate", RECIPE, "--samples", "200"],
    ["plant", PLANT],
    ["spc", "capability", PISTONS, "--column", "diameter", "--lsl", "73.95", "--usl", "74.05"],
])
def test_json_dash_writes_only_json_to_stdout(args, capsys):
    code, out, err = _run([*args, "--json", "-"], capsys)
    assert code in (0, None), err
    data = json.loads(out)
    assert isinstance(data, dict) and data
    assert err.strip(), "the table goes to stderr"
