"""Helpers shared by the command modules: one Rich console, JSON output, errors.

Tables never cut a value: :class:`FittingConsole` keeps every column of single words
(numbers, keys, units) at its full width, wraps text columns at spaces, and when even
that does not fit the terminal, prints the table vertically (one block per row, one
``header: value`` line per column, as ``psql``'s expanded display does).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# When a table would not fit otherwise, text columns (keys too) fold at this width (or
# their widest value, if narrower).
MIN_KEY_WIDTH = 16
_NUMBER = re.compile(r"^[-+−]?(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*%?$|^[-+−]?(inf|nan)$")


def _plain(cell: Any) -> str | None:
    """The text of a table cell as shown (markup removed); None for other renderables."""
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        try:
            return Text.from_markup(cell).plain
        except Exception:  # not valid markup: shown as written
            return cell
    return None


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip())) or text.strip() in ("", "-", "–", "—")


@dataclass
class _Shape:
    """What a column holds, measured on its plain text."""

    kept_whole: bool        # numbers (always) or single words (unless folding)
    numbers: bool
    widest: int             # the longest line of a cell
    longest_word: int       # the longest word of a cell or of the header
    header_word: int
    header: int             # the whole header (a column kept whole keeps it on one line)


def _shape(column) -> _Shape | None:
    cells = [_plain(c) for c in column._cells]
    if any(c is None for c in cells):               # a renderable: Rich measures it
        return None
    lines = [line for c in cells for line in (c.splitlines() or [""])]
    header_words = [len(w) for w in (_plain(column.header) or "").split()] or [1]
    cell_words = [len(w) for line in lines for w in line.split()] or [1]
    numbers = all(_is_number(line) for line in lines)
    words = all(len(line.split()) <= 1 for line in lines)
    return _Shape(numbers or words, numbers, max((len(x) for x in lines), default=1),
                  max(max(cell_words), max(header_words)), max(header_words),
                  len(_plain(column.header) or ""))


def _fit_columns(table: Table, width: int, chrome: int, fold: bool) -> bool:
    """Set the columns of ``table`` so that it fits ``width`` (``chrome``: the characters
    of borders and padding) without cutting a value; False when it cannot.

    Without ``fold``, Rich lays the table out: numbers and single words are never broken
    and prose wraps at spaces, so the table needs its longest words side by side. With
    ``fold``, every column but the numbers gets a width of its own, long words and keys
    fold onto further lines (every character is still shown), and the room left is shared
    out in proportion to what each column would like.
    """
    shapes = [_shape(c) for c in table.columns]
    if any(s is None for s in shapes):
        return True                                 # Rich measures renderables itself
    if not fold:
        needed = chrome + sum(max(s.widest, s.header) if s.kept_whole else s.longest_word
                              for s in shapes)
        if needed > width:
            return False
        for column, s in zip(table.columns, shapes, strict=True):
            column.no_wrap, column.overflow = s.kept_whole, "ignore" if s.kept_whole else "fold"
        return True
    least = [max(s.widest, s.header_word) if s.numbers
             else min(max(s.widest, s.header_word), MIN_KEY_WIDTH) for s in shapes]
    room = width - chrome - sum(least)
    if room < 0:
        return False
    wants = [0 if s.numbers else max(s.widest, s.longest_word) - low
             for s, low in zip(shapes, least, strict=True)]
    total = sum(wants)
    for column, low, want in zip(table.columns, least, wants, strict=True):
        extra = min(want, room * want // total) if total else 0
        column.width = low + extra    # at least as wide as its widest number: never broken
        column.no_wrap, column.overflow = False, "fold"
    return True


def _vertical(table: Table) -> Group:
    """The rows of ``table`` as blocks of ``header  value`` lines, one block per row."""
    headers = [_plain(c.header) or "" for c in table.columns]
    width = max((len(h) for h in headers), default=0)
    blocks: list[Any] = []
    if table.title:
        blocks.append(Text.from_markup(f"[bold]{table.title}[/bold]")
                      if isinstance(table.title, str) else table.title)
    for row in range(table.row_count):
        block = Table.grid(padding=(0, 1))
        block.add_column(style="dim", no_wrap=True)
        block.add_column(overflow="fold")
        for header, column in zip(headers, table.columns, strict=True):
            block.add_row(f"{header:>{width}}", column._cells[row])
        blocks += [Text(f"-[ {row + 1} ]" + "-" * max(0, min(40, width)), style="dim"), block]
    if table.caption:
        blocks.append(table.caption)
    return Group(*blocks)


def _fitted(table: Table, width: int) -> Table | Group:
    """``table`` set up to fit ``width`` without cutting a value, or its vertical layout.

    In order: as it is; with long words and keys folded; with a light box (a rule under
    the header and one space between columns instead of borders) and folding; else one
    block per row.
    """
    n = len(table.columns)
    boxed = 1 + 3 * n                               # the default box: borders and padding
    if _fit_columns(table, width, boxed, fold=False):
        return table
    if _fit_columns(table, width, boxed, fold=True):
        return table
    if _fit_columns(table, width, 2 * (n - 1), fold=True):
        table.box, table.show_edge, table.pad_edge = box.SIMPLE_HEAD, False, False
        table.padding = (0, 1, 0, 0)
        return table
    return _vertical(table)


class FittingConsole(Console):
    """A Rich console whose tables never cut a value (see the module docstring)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        fitted: list[Any] = []
        for obj in objects:
            if isinstance(obj, Table) and obj.columns and obj.box is not None:
                obj = _fitted(obj, self.width)
            fitted.append(obj)
        super().print(*fitted, **kwargs)


console = FittingConsole()
err_console = FittingConsole(stderr=True)


def _default(obj: Any):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _finite(obj: Any):
    """Replace NaN and infinities (not valid JSON) by null, recursively."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def dumps(data: Any) -> str:
    """JSON text of ``data`` (numpy arrays and scalars allowed; NaN written as null)."""
    return json.dumps(_finite(json.loads(json.dumps(data, default=_default))), indent=2)


def write_json(data: Any, path: Path | None, option: str = "--json") -> None:
    """Write ``data`` as JSON to ``path``, or to stdout when ``path`` is ``-``.

    With ``-``, :func:`gigatwin.cli.app.main` has already sent every table to stderr, so
    stdout holds the JSON alone and can be piped to ``jq`` or ``json.loads``.
    """
    if path is None:
        return
    text = dumps(data)
    if str(path) == "-":
        typer.echo(text)
        return
    write_text(path, text + "\n", option)
    err_console.print(f"[dim]wrote {path}[/dim]")


def write_text(path: Path, text: str, option: str) -> None:
    """Write an output file, creating its folder; a path that cannot be written is an error
    naming the option and the path (a folder, ``/proc``, a read-only place, a full disk)."""
    if path.is_dir():
        raise fail(f"{option} {path}: is a folder; give a file name (e.g. {path / 'out.json'})")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"{option} {path}: cannot write: {exc.strerror or exc}") from exc


# Options that name an output path, and those of them that are always a file.
OUTPUT_OPTIONS = ("--json", "--plot", "--out", "--output", "--bpx", "--truth", "--files")
FILE_OUTPUTS = ("--json", "--bpx", "--truth")
# Commands whose --out/--output/--plot is a file (elsewhere it may be a folder).
FILE_OUTPUTS_OF = {"passport": ("--out",), "export": ("--out",), "recipe": ("--output",),
                   "spec": ("--output",), "surrogate": ("--output",),
                   "sensitivity": ("--plot",), "spc": ("--plot",)}
# ... and those whose output option is a folder.
FOLDER_OUTPUTS_OF = {"simulate": ("--plot",), "performance": ("--plot",),
                     "design": ("--out", "--plot"), "validate": ("--plot",),
                     "plant": ("--plot",), "line": ("--files",), "demo": ("--out",)}


def check_outputs(args: list[str]) -> None:
    """Refuse, before any work, an output path of the command line that cannot be written:
    a folder given to an option that writes a file (``--json``), a path under a regular
    file, or a place that is not writable (``/proc``). A long run then does not end in an
    error about its output; what only the command knows (a file name's suffix, a folder
    wanted) is still checked by the command."""
    import os

    pairs = [(a.split("=", 1) if "=" in a else (a, nxt))
             for a, nxt in zip(args, [*args[1:], ""], strict=True) if a.startswith("--")]
    command = next((a for a in args if not a.startswith("-")), "")
    files = FILE_OUTPUTS + FILE_OUTPUTS_OF.get(command, ())
    for option, value in pairs:
        if option not in OUTPUT_OPTIONS or value in ("", "-") or value.startswith("-"):
            continue
        path = Path(value)
        if option in files and path.is_dir():
            raise fail(f"{option} {path}: is a folder; give a file name (e.g. "
                       f"{path / 'out.json'})")
        if option in FOLDER_OUTPUTS_OF.get(command, ()) and path.is_file():
            raise fail(f"{option} {path}: is a file; give a folder")
        ancestor = path.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise fail(f"{option} {path}: {ancestor} is a file, not a folder")
        if not os.access(ancestor, os.W_OK | os.X_OK) or str(path).startswith("/proc/"):
            raise fail(f"{option} {path}: {ancestor} is not writable")


def json_to_stdout(args: list[str]) -> bool:
    """Whether the command line asks for JSON on stdout (``--json -`` or ``--json=-``)."""
    return any(a == "--json=-" or (a == "--json" and nxt == "-")
               for a, nxt in zip(args, [*args[1:], ""], strict=True))


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` (plain text, not Rich markup) as an error and return the Exit to raise.

    The message is never wrapped to the terminal width: an error names a path, a key or a
    value, and a line break inside one breaks copying and grepping it.
    """
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def fail_input(path: Path, exc: Exception) -> typer.Exit:
    """The error for an input file that could not be used: names the file, and for text
    that is not UTF-8 the byte and its position; exit code 1 (invalid data)."""
    if isinstance(exc, UnicodeDecodeError):
        byte = exc.object[exc.start:exc.start + 1].hex() if exc.object else "?"
        return fail(f"{path} is not UTF-8 text: byte 0x{byte} at position {exc.start} "
                    "cannot be decoded; save the file as UTF-8", code=1)
    message = str(exc)
    return fail(message if str(path) in message else f"{path}: {message}", code=1)
