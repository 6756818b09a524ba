"""Quality commands: ``gigatwin spc chart|capability``, ``gigatwin grade``, ``gigatwin match``.

Every input is checked before it is used, and every failure is one message naming
the file or option, the value and what is allowed (exit 2: a usage error, an option or
a file that is not there; exit 1: a file whose content is invalid). CSV files are read
as text in a declared encoding (UTF-8 unless ``--encoding``), with ``--delimiter`` and
``--decimal`` for exports such as a semicolon-separated, decimal-comma file.
"""
# ruff: noqa: B008  (typer declares options as argument defaults)

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from gigatwin.cli._common import console, err_console, fail, write_json

spc_app = typer.Typer(help="Statistical process control: control charts and capability.",
                      no_args_is_help=True)

USAGE, INVALID = 2, 1  # exit codes: a usage error; invalid data in a file


class ChartType(StrEnum):
    xbar_r = "xbar-r"
    xbar_s = "xbar-s"
    imr = "imr"
    ewma = "ewma"
    cusum = "cusum"
    p = "p"
    np_ = "np"
    c = "c"
    u = "u"


class RuleSet(StrEnum):
    western_electric = "western-electric"
    nelson = "nelson"
    none = "none"


def warn(message: str) -> None:
    err_console.print(f"[bold yellow]warning:[/bold yellow] {escape(message)}", soft_wrap=True)


# --------------------------------------------------------------------------- CSV input

MISSING = {"", "na", "n/a", "nan", "null", "#n/a"}  # a missing value, case-insensitive
MISSING_SPELLINGS = MISSING | {v.upper() for v in MISSING} | {v.title() for v in MISSING} | {
    " ", "NaN"}
NUMBER_WITH_UNIT = re.compile(r"^[-+]?[0-9.,]+(e[-+]?\d+)?\s*[^\d\s.,+-].*$", re.IGNORECASE)


@dataclass
class CsvOptions:
    delimiter: str = ","
    decimal: str = "."
    encoding: str = "utf-8"


DELIMITER = typer.Option(",", "--delimiter",
                         help="Field separator of the CSV: one character, or 'tab'.")
DECIMAL = typer.Option(".", "--decimal", help="Decimal separator of numbers ('.' or ',').")
ENCODING = typer.Option("utf-8", "--encoding", help="Text encoding of the CSV (e.g. latin-1).")


def csv_options(delimiter: str, decimal: str, encoding: str) -> CsvOptions:
    """Check the CSV options: one-character delimiter, '.' or ',' decimal, a known encoding."""
    import codecs

    delimiter = "\t" if delimiter.lower() in ("tab", "\\t") else delimiter
    if len(delimiter) != 1 or delimiter in "\r\n\"" or delimiter.isalnum():
        raise fail(f"--delimiter {delimiter!r}: give one separator character such as "
                   "',' ';' '|' or 'tab'", USAGE)
    if decimal not in (".", ","):
        raise fail(f"--decimal {decimal!r}: the decimal separator is '.' or ','", USAGE)
    if decimal == delimiter:
        raise fail(f"--decimal {decimal!r} is also the --delimiter; a decimal-comma file "
                   "is usually separated by ';' (give --delimiter ';')", USAGE)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise fail(f"--encoding {encoding!r}: not an encoding Python knows "
                   "(e.g. utf-8, latin-1, utf-16)", USAGE) from None
    return CsvOptions(delimiter, decimal, encoding)


@dataclass
class CsvTable:
    """A CSV file read as text: every cell a string, each data row's line number kept."""

    path: Path
    frame: object  # pandas.DataFrame of str
    text: str = field(repr=False)
    decimal: str = "."

    @cached_property
    def lines(self) -> list[int] | None:
        """The file line of each data row (None when quoted line breaks make it unsure);
        computed only when a message needs it."""
        content = [i + 1 for i, line in enumerate(self.text.splitlines())
                   if line.strip() and not line.startswith("#")]
        return content[1:] if len(content) == len(self.frame) + 1 else None

    def where(self, row: int) -> str:
        return f"line {self.lines[row]}" if self.lines else f"data row {row + 1}"

    def rows(self, rows) -> str:
        rows = list(rows)
        shown = ", ".join(self.where(r).split(" ")[-1] for r in rows[:8])
        kind = "lines" if self.lines else "data rows"
        return f"{kind} {shown}{' ...' if len(rows) > 8 else ''}"

    def column(self, name: str, option: str, code: int = USAGE):
        if name not in self.frame.columns:
            raise fail(f"{option} {name!r}: {self.path} has no column {name!r}; its "
                       f"columns are {list(self.frame.columns)}", code)
        return self.frame[name]

    def numbers(self, name: str, option: str, *, infinite: str = "error",
                code: int = USAGE) -> np.ndarray:
        """The column as floats. A cell that is not a number is an error naming its line;
        an infinite value is an error (``infinite="error"``) or kept (``"keep"``, for
        per-cell checks downstream); missing cells are NaN and reported as a warning."""
        import pandas as pd

        raw = self.column(name, option, code)
        text = raw.str.replace(",", ".", regex=False) if self.decimal == "," else raw
        values = pd.to_numeric(text, errors="coerce").to_numpy(float)  # C speed
        if self.decimal == ",":  # a '.' would be a thousands separator: not read
            values[raw.str.contains(".", regex=False).to_numpy()] = np.nan
        unread = np.flatnonzero(np.isnan(values))  # only these cells are looked at
        is_missing = raw.iloc[unread].str.strip().str.lower().isin(MISSING).to_numpy()
        missing, bad = unread[is_missing], unread[~is_missing]
        if bad.size:
            value = raw.iloc[bad[0]]
            raise fail(f"{self.path}, {self.where(bad[0])}, column {name!r}: {value!r} is not "
                       f"a number{self._hint(value)} ({bad.size} such cell(s): "
                       f"{self.rows(bad)})", INVALID)
        inf = np.flatnonzero(np.isinf(values))
        if inf.size and infinite == "error":
            raise fail(f"{self.path}, {self.where(inf[0])}, column {name!r}: "
                       f"{raw.iloc[inf[0]]!r} is infinite; a measurement must be finite "
                       f"(leave the cell empty for a missing value; {inf.size} such cell(s): "
                       f"{self.rows(inf)})", INVALID)
        if missing.size:
            warn(f"{self.path}: column {name!r} has {missing.size} missing value(s) "
                 f"({self.rows(missing)}); they are left out")
        return values

    def _hint(self, value: str) -> str:
        if self.decimal == "." and re.fullmatch(r"[-+]?\d+,\d+", value):
            return "; for decimal commas give --decimal ',' (and --delimiter ';')"
        if self.decimal == "," and "." in value:
            return "; with --decimal ',' a '.' is not allowed (no thousands separators)"
        if NUMBER_WITH_UNIT.match(value):
            return "; write the number alone (a unit in a cell is not read)"
        return ""

    def labels(self, name: str, option: str) -> list:
        """Labels of a column (subgroup ids, sample names): integers when all are."""
        raw = self.column(name, option)
        missing = np.flatnonzero(raw.isin(MISSING_SPELLINGS).to_numpy())
        if missing.size:
            raise fail(f"{self.path}, {self.where(missing[0])}, column {name!r}: a row "
                       f"without a label ({missing.size} such row(s): {self.rows(missing)})",
                       INVALID)
        try:  # integer labels stay integers (sample 37, not "37")
            return raw.to_numpy().astype(np.int64).tolist()
        except (ValueError, OverflowError):
            return raw.str.strip().tolist()

    def groups(self, name: str, option: str) -> tuple[np.ndarray, list]:
        """Subgroup number of each row (0, 1, ... in order of first appearance) and the
        label of each subgroup."""
        import pandas as pd

        codes, uniques = pd.factorize(np.asarray(self.labels(name, option), dtype=object))
        return codes, list(uniques)


def _decode(path: Path, data: bytes, encoding: str) -> str:
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        for bom, name in ((b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
            if data.startswith(bom):
                raise fail(f"{path}: the file is {name} text (byte-order mark at byte 0); "
                           "save it as UTF-8 or give --encoding utf-16", INVALID)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise fail(f"{path}: not {encoding} text: byte 0x{data[exc.start]:02x} at position "
                   f"{exc.start} (line {line}); save the file as UTF-8 or give its "
                   "encoding, e.g. --encoding latin-1", INVALID) from None
    if "\x00" in text:
        raise fail(f"{path}: byte position {text.index(chr(0))} is a NUL character: a binary "
                   "file, not CSV text", INVALID)
    return text.removeprefix("\ufeff")


def read_csv(path: Path, options: CsvOptions | None = None) -> CsvTable:
    """Read a CSV file as text (lines starting with # are comments), or fail clearly."""
    import pandas as pd

    options = options or CsvOptions()
    if not path.exists():
        raise fail(f"{path}: no such file", USAGE)
    if path.is_dir():
        raise fail(f"{path}: is a directory, not a CSV file", USAGE)
    if not path.is_file():  # a device or a pipe (/dev/zero) would never end
        raise fail(f"{path}: is not a regular file", USAGE)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(f"{path}: cannot read ({exc.strerror or exc})", USAGE) from None
    text = _decode(path, data, options.encoding)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines)
                  if line.strip() and not line.startswith("#")), None)
    if first is None:
        raise fail(f"{path}: the file is empty (no header, no data)", INVALID)
    header_line = lines[first]
    header = next(csv.reader([header_line], delimiter=options.delimiter))
    names = [h.strip() for h in header]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise fail(f"{path}, line {first + 1}: column name(s) {repeated} appear more than "
                   "once in the header; every column needs its own name", INVALID)
    try:
        with warnings.catch_warnings():  # pandas only warns when it drops extra fields
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=options.delimiter, dtype=str,
                                keep_default_na=False, comment="#", skip_blank_lines=True,
                                index_col=False)
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError,
            csv.Error, ValueError) as exc:
        raise fail(f"{path}: not a CSV table with delimiter {options.delimiter!r} "
                   f"({str(exc).strip()})", INVALID) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise fail(f"{path}: no data rows below the header (line {first + 1})", INVALID)
    if len(frame.columns) == 1 and options.delimiter not in header_line:
        other = next((d for d in ";\t|," if d in header_line), None)
        if other:
            warn(f"{path}: one column only; the header contains {other!r}: "
                 f"is it the --delimiter?")
    table = CsvTable(path, frame.fillna(""), text, options.decimal)
    short = np.flatnonzero(frame.isna().any(axis=1).to_numpy())  # "" is an empty field
    if short.size:
        raise fail(f"{path}, {table.where(short[0])}: fewer fields than the "
                   f"{len(frame.columns)} columns of the header ({short.size} such row(s): "
                   f"{table.rows(short)}); an empty value still needs its delimiter",
                   INVALID)
    return table


# ----------------------------------------------------------------------- other inputs

def check_output(path: Path | None, option: str, suffixes: tuple[str, ...] = ()) -> None:
    """Fail before any work when an output path cannot be written."""
    if path is None or str(path) == "-":
        return
    if path.is_dir():
        raise fail(f"{option} {path}: is a directory; give a file name such as "
                   f"{path / ('result' + (suffixes[0] if suffixes else '.json'))}", USAGE)
    if suffixes and path.suffix.lower() not in suffixes:
        raise fail(f"{option} {path}: the file name must end in {' or '.join(suffixes)}",
                   USAGE)
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise fail(f"{option} {path}: {ancestor} is a file, not a directory", USAGE)
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise fail(f"{option} {path}: {ancestor} is not writable", USAGE)


def save_json(data, path: Path | None, option: str = "--json") -> None:
    try:
        write_json(data, path)
    except OSError as exc:
        raise fail(f"{option} {path}: cannot write ({exc.strerror or exc})", USAGE) from None


def save_plot(fig, path: Path, option: str = "--plot") -> None:
    from gigatwin.quality.plots import write_html

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_html(fig, path)
    except OSError as exc:
        raise fail(f"{option} {path}: cannot write ({exc.strerror or exc})", USAGE) from None
    err_console.print(f"[dim]wrote {escape(str(path))} (plotly.min.js beside it)[/dim]")


def not_a_file(path: Path) -> str:
    """Why ``path`` is not a file that can be read."""
    if path.is_dir():
        return "is a directory"
    return "is not a regular file" if path.exists() else "no such file"


def read_limits(path: Path, kind: str) -> dict:
    """The ``parameters`` of an earlier ``--json`` result of the same chart type."""
    if not path.is_file():
        raise fail(f"--limits {path}: {not_a_file(path)}; give the --json file of a Phase I "
                   "run", USAGE)
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise fail(f"--limits {path}: not UTF-8 text (byte position {exc.start})",
                   INVALID) from None
    except json.JSONDecodeError as exc:
        raise fail(f"--limits {path}: not JSON ({exc.msg} at line {exc.lineno}, column "
                   f"{exc.colno})", INVALID) from None
    except RecursionError:
        raise fail(f"--limits {path}: JSON nested too deeply to be a chart result",
                   INVALID) from None
    except OSError as exc:
        raise fail(f"--limits {path}: cannot read ({exc.strerror or exc})", USAGE) from None
    if not isinstance(previous, dict) or not isinstance(previous.get("parameters"), dict):
        got = "an object without parameters" if isinstance(previous, dict) else \
            f"a {type(previous).__name__}"
        raise fail(f"--limits {path}: expected the JSON object written by 'gigatwin spc chart "
                   f"--json', with 'type' and 'parameters'; got {got}", INVALID)
    if previous.get("type") != kind:
        raise fail(f"--limits {path} holds a {previous.get('type')!r} chart, not {kind!r}",
                   USAGE)
    return previous["parameters"]


# Domain argument names of the chart and capability functions -> the CLI options.
OPTIONS = {"width": "--limit-width", "sigma": "--sigma", "target": "--target",
           "lambda": "--lambda", "k": "--k", "h": "--h", "lsl": "--lsl", "usl": "--usl",
           "confidence": "--confidence", "cells_per_module": "--cells-per-module",
           "modules_per_band": "--modules-per-band"}


def domain_error(exc: ValueError, source: str, limits: Path | None = None) -> typer.Exit:
    """A ValueError of the quality functions as a CLI error: an option's range (exit 2),
    a bad parameter in the ``--limits`` file or invalid data in ``source`` (exit 1)."""
    from gigatwin.checks import RangeError

    message = str(exc)
    field = getattr(exc, "field", None) if isinstance(exc, RangeError) else \
        message.split(" ", 1)[0]
    if field in OPTIONS:
        return fail(message.replace(field, OPTIONS[field], 1), USAGE)
    if message.startswith("parameters"):
        return fail(f"--limits {limits}: {message}", INVALID)
    return fail(f"{source}: {message}", INVALID)


# ------------------------------------------------------------------------ spc chart

def _points(table: CsvTable, kind, column, subgroup, subgroup_column, label_column):
    """Positional data arguments of the chart function, the point labels, their name."""
    from gigatwin.quality import subgroup_matrix

    values = table.numbers(column, "--column")
    row_labels = table.labels(label_column, "--label-column") if label_column else None
    label_name = label_column or "observation"
    if kind in ("p", "np", "u"):
        if subgroup_column:
            sizes = table.numbers(subgroup_column, "--subgroup-column")
            return (values, sizes), row_labels, label_name
        if subgroup:
            return (values, float(subgroup)), row_labels, label_name
        raise fail(f"the {kind} chart needs sample sizes: --subgroup N or "
                   "--subgroup-column COL", USAGE)
    if kind in ("c", "imr"):
        if subgroup or subgroup_column:
            raise fail(f"--subgroup/--subgroup-column do not apply to the {kind} chart (one "
                       "value per point); name the points with --label-column COL", USAGE)
        return (values,), row_labels, label_name
    if subgroup_column:
        if label_column:
            raise fail(f"--label-column does not apply with --subgroup-column: the "
                       f"subgroups are named by their labels in {subgroup_column!r}", USAGE)
        codes, labels = table.groups(subgroup_column, "--subgroup-column")
        return ((subgroup_matrix(values, subgroup_ids=codes),), labels, subgroup_column)
    if subgroup:
        labels = row_labels[::subgroup] if row_labels else None
        return (subgroup_matrix(values, subgroup_size=subgroup),), labels, (
            label_column or "subgroup")
    if kind in ("xbar-r", "xbar-s"):
        raise fail(f"the {kind} chart needs subgroups: --subgroup N or --subgroup-column COL",
                   USAGE)
    return (values,), row_labels, label_name


def _options(kind, width, target, sigma, lam, k, h, rules, parameters, exclude):
    if kind == "ewma":
        return {"lam": lam, "width": width, "target": target, "sigma": sigma,
                "parameters": parameters}
    if kind == "cusum":
        return {"k": k, "h": h, "target": target, "sigma": sigma, "parameters": parameters}
    options = {"width": width, "target": target, "rules": None if rules == "none" else rules,
               "parameters": parameters, "exclude_out_of_control": exclude}
    if kind not in ("xbar-r", "xbar-s", "imr"):
        if sigma is not None:
            raise fail(f"--sigma does not apply to the {kind} chart (its sigma follows from "
                       "the count)", USAGE)
        return options
    return {**options, "sigma": sigma}


def name_points(indices, labels, limit: int = 25) -> str:
    """``37, 38, 39`` or ``12-20, 31`` (runs of five or more consecutive points)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        first, last = labels[run[0]], labels[run[-1]]
        if len(run) >= 5:
            dash = "-" if isinstance(first, int) and isinstance(last, int) else " .. "
            parts.append(f"{first}{dash}{last}")
        else:
            parts.extend(str(labels[i]) for i in run)
    more = f" ... ({len(parts) - limit} more)" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


def screen(json_path: Path | None):
    """Where tables go: stdout, or stderr when the JSON itself goes to stdout."""
    return err_console if json_path is not None and str(json_path) == "-" else console


def _print_analysis(analysis, label_name: str, out) -> None:
    table = Table(title=f"{analysis.chart_type} chart, phase {analysis.phase}")
    for col in ("chart", "points", "center", "LCL", "UCL", "tests failed"):
        table.add_column(col)
    for c in analysis.charts:
        d = c.as_dict()
        fmt = lambda v: f"{v:.6g}" if isinstance(v, float) else "varies"  # noqa: E731
        table.add_row(c.name, str(c.statistic.size), fmt(d["center"]), fmt(d["lcl"]),
                      fmt(d["ucl"]), str(len(c.tests())))
    out.print(table)
    labels = analysis.point_labels()
    tests = [(c.name, t) for c in analysis.charts for t in c.tests()]
    if tests:
        out.print(f"tests failed (points named by {escape(label_name)}):", soft_wrap=True)
    for chart_name, t in tests:
        involved = "" if t.points == t.indices else \
            f" (points involved: {name_points(t.points, labels)})"
        out.print(f"  [red]{escape(chart_name)} {t.rule}[/red] {escape(t.description)}: "
                      f"at {escape(name_points(t.indices, labels))}{escape(involved)}",
                      soft_wrap=True)
    for e in analysis.excluded:
        out.print(f"  [yellow]excluded[/yellow] {escape(label_name)} "
                      f"{escape(str(labels[e['index']]))}: {e['reason']}", soft_wrap=True)


def _unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    from gigatwin.units import UnitError, parse_unit

    try:
        parsed = parse_unit(unit)
    except UnitError as exc:
        raise fail(f"--unit {unit!r}: {exc}", USAGE) from None
    return f"{parsed:~P}" or unit  # conventional symbols: mg/cm², mΩ


def _chart_numbers(**values: float | None) -> None:
    """The numeric options of ``spc chart`` in their ranges (also those the chart type
    does not use: a value given is never ignored in silence)."""
    allowed = {"lam": ("--lambda", 0.0, 1.0, "in (0, 1]"), "width": ("--limit-width", 0.0,
               None, "> 0"), "sigma": ("--sigma", 0.0, None, "> 0"),
               "h": ("--h", 0.0, None, "> 0"), "k": ("--k", None, None, ">= 0"),
               "target": ("--target", None, None, "finite")}
    for name, value in values.items():
        if value is None:
            continue
        option, above, at_most, text = allowed[name]
        bad = not math.isfinite(value) or (above is not None and value <= above) or (
            at_most is not None and value > at_most) or (name == "k" and value < 0)
        if bad:
            raise fail(f"{option} {value!r}: must be {text}", USAGE)


@spc_app.command("chart")
def chart(
    data: Path = typer.Argument(..., help="CSV file (lines starting with # are comments)."),
    column: str = typer.Option(..., "--column", help="Measurement column; for p/np/c/u the count column."),
    type_: ChartType = typer.Option(..., "--type", help="Chart type."),
    subgroup: int | None = typer.Option(None, "--subgroup", min=1, max=10**12, help="Subgroup size (consecutive rows); for p/np/u the sample size."),
    subgroup_column: str | None = typer.Option(None, "--subgroup-column", help="Column of subgroup labels; for p/np/u the column of sample sizes."),
    label_column: str | None = typer.Option(None, "--label-column", help="Column naming each point (individual values, p/np/c/u); default 1, 2, ..."),
    unit: str | None = typer.Option(None, "--unit", help="Unit of the measurement (axis titles), e.g. mm."),
    lam: float = typer.Option(0.2, "--lambda", help="EWMA weight lambda in (0, 1]."),
    width: float = typer.Option(3.0, "--limit-width", help="Distance of the control limits [sigma], > 0."),
    target: float | None = typer.Option(None, "--target", help="Known process mean (p, np: known fraction; c, u: known rate)."),
    sigma: float | None = typer.Option(None, "--sigma", help="Known process standard deviation, > 0."),
    k: float = typer.Option(0.5, "--k", help="CUSUM reference value [sigma], >= 0."),
    h: float = typer.Option(5.0, "--h", help="CUSUM decision interval [sigma], > 0."),
    rules: RuleSet = typer.Option(RuleSet.western_electric, "--rules", help="Run rules added to the limit test."),
    limits: Path | None = typer.Option(None, "--limits", help="JSON of a previous run: monitor against its parameters (Phase II)."),
    exclude: bool = typer.Option(False, "--exclude-out-of-control", help="Phase I: drop subgroups beyond the limits and re-estimate."),
    delimiter: str = DELIMITER,
    decimal: str = DECIMAL,
    encoding: str = ENCODING,
    json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON ('-' for stdout)."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a plotly HTML chart (plotly.min.js is written beside it)."),
) -> None:
    """Control chart with limit and run-rule signals (Phase I, or Phase II with --limits)."""
    from gigatwin.quality import CHART_FUNCTIONS

    kind = type_.value
    _chart_numbers(lam=lam, width=width, target=target, sigma=sigma, k=k, h=h)
    options = csv_options(delimiter, decimal, encoding)
    check_output(json_path, "--json", (".json",))
    check_output(plot, "--plot", (".html",))
    unit = _unit(unit)
    parameters = read_limits(limits, kind) if limits is not None else None
    table = read_csv(data, options)
    args, labels, label_name = _points(table, kind, column, subgroup, subgroup_column,
                                       label_column)
    chart_options = _options(kind, width, target, sigma, lam, k, h, rules.value, parameters,
                             exclude)
    try:
        analysis = CHART_FUNCTIONS[kind](*args, **chart_options).with_labels(labels)
    except ValueError as exc:
        raise domain_error(exc, str(data), limits) from None
    _print_analysis(analysis, label_name, screen(json_path))
    save_json(analysis.as_dict(), json_path)
    if plot is not None:
        from gigatwin.quality.plots import chart_figure

        save_plot(chart_figure(analysis, title=f"{kind} chart of {column} ({data.name}), "
                               f"phase {analysis.phase}", quantity=column, unit=unit,
                               x_title=label_name), plot)


# ------------------------------------------------------------------- spc capability

@spc_app.command("capability")
def capability_command(
    data: Path = typer.Argument(..., help="CSV file."),
    column: str = typer.Option(..., "--column", help="Measurement column."),
    lsl: float | None = typer.Option(None, "--lsl", help="Lower specification limit."),
    usl: float | None = typer.Option(None, "--usl", help="Upper specification limit."),
    target: float | None = typer.Option(None, "--target", help="Target (default: mid-specification)."),
    subgroup: int | None = typer.Option(None, "--subgroup", min=1, max=10**12, help="Subgroup size for the within sigma (R-bar/d2)."),
    subgroup_column: str | None = typer.Option(None, "--subgroup-column", help="Column of subgroup labels."),
    unit: str | None = typer.Option(None, "--unit", help="Unit of the measurement (axis titles), e.g. mm."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals, in (0, 1)."),
    rules: RuleSet = typer.Option(RuleSet.none, "--rules", help="Run rules of the stability check, added to the limit test (default: limits only)."),
    delimiter: str = DELIMITER,
    decimal: str = DECIMAL,
    encoding: str = ENCODING,
    json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a plotly HTML histogram (plotly.min.js beside it)."),
) -> None:
    """Cp, Cpk, Cpl, Cpu, Pp, Ppk, Cpm with confidence intervals, a normality test and a
    stability check (a warning names each control-chart test that fires)."""
    from gigatwin.quality import capability, subgroup_matrix

    options = csv_options(delimiter, decimal, encoding)
    check_output(json_path, "--json", (".json",))
    check_output(plot, "--plot", (".html",))
    unit = _unit(unit)
    if lsl is None and usl is None:
        raise fail("give a specification limit: --lsl and/or --usl", USAGE)
    table = read_csv(data, options)
    values = table.numbers(column, "--column")
    labels, label_name = None, "observation"
    if subgroup_column:
        codes, labels = table.groups(subgroup_column, "--subgroup-column")
        label_name = subgroup_column
        values = subgroup_matrix(values, subgroup_ids=codes)
    elif subgroup:
        values, label_name = subgroup_matrix(values, subgroup_size=subgroup), "subgroup"
    try:
        result = capability(values, lsl=lsl, usl=usl, target=target, confidence=confidence,
                            stability_rules=None if rules.value == "none" else rules.value,
                            labels=labels)
    except ValueError as exc:
        raise domain_error(exc, str(data)) from None
    out = screen(json_path)
    t = Table(title=f"Capability of {escape(column)} (n = {result.n}, mean = {result.mean:.6g}, "
                    f"sigma within = {result.sigma_within:.4g}, overall = {result.sigma_overall:.4g})")
    for col in ("index", "value", f"{confidence:.0%} low", "high"):
        t.add_column(col)
    for name, idx in result.indices.items():
        t.add_row(name, f"{idx.value:.4g}", f"{idx.ci_low:.4g}", f"{idx.ci_high:.4g}")
    out.print(t)
    norm = result.normality
    if norm.get("test"):
        out.print(f"normality: {norm['test']} p = {norm['p_value']:.3g} "
                      f"({'normal' if norm['normal'] else 'NOT normal: see percentile indices'})")
    stable = result.stability
    if stable.get("in_control"):
        out.print(f"stability: in statistical control ({stable['chart']} chart by "
                      f"{escape(label_name)}, limits and {stable['rules'] or 'no'} run rules)")
    for note in result.notes:
        warn(note)
    save_json(result.as_dict(), json_path)
    if plot is not None:
        from gigatwin.quality.plots import capability_figure

        save_plot(capability_figure(values, result, quantity=column, unit=unit), plot)


# --------------------------------------------------------------------- grade, match

def _typed(frame):
    """Columns whose every cell is a number become numeric (for the JSON output)."""
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        converted = pd.to_numeric(out[name], errors="coerce")
        if converted.notna().all():
            out[name] = converted
    return out


def _cell_name(table: CsvTable, row: int, id_column: str | None) -> str:
    cell = f" (cell {table.frame[id_column].iloc[row]})" if id_column in table.frame else ""
    return f"{table.where(row)}{cell}"


def _report_unreal(table: CsvTable, problems: dict[int, str], id_column: str, what: str):
    if problems:
        first = next(iter(problems))
        warn(f"{table.path}: {len(problems)} cell(s) have measurements that cannot be real "
             f"and are {what}; first {_cell_name(table, first, id_column)}: {problems[first]}")


def grade(
    data: Path = typer.Argument(..., help="End-of-line CSV, one row per cell."),
    config: Path = typer.Option(..., "--config", help="GRADES.yaml: columns, units and grade limits."),
    delimiter: str = DELIMITER,
    decimal: str = DECIMAL,
    encoding: str = ENCODING,
    json_path: Path | None = typer.Option(None, "--json", help="Write grades and KPIs as JSON."),
) -> None:
    """Grade cells into bins by capacity, DCIR and self-discharge; flag k-value outliers."""
    from gigatwin.quality import GradeConfig, grade_cells, resistance_spread
    from gigatwin.quality.grading import physical_problems

    options = csv_options(delimiter, decimal, encoding)
    check_output(json_path, "--json", (".json",))
    if not config.is_file():
        raise fail(f"--config {config}: {not_a_file(config)}", USAGE)
    try:
        cfg = GradeConfig.load(config)
    except ValueError as exc:
        raise fail(f"--config {exc}", INVALID) from None
    table = read_csv(data, options)
    frame = _typed(table.frame)
    for quantity, (name, _) in cfg.columns.items():
        frame[name] = table.numbers(name, f"--config {config.name} columns.{quantity}",
                                    infinite="keep", code=INVALID)
    try:
        graded = grade_cells(frame, cfg)
    except ValueError as exc:
        raise fail(f"{data}: {exc}", INVALID) from None
    from gigatwin.units import to_si

    measured = {q: to_si(frame[name].to_numpy(float), u) for q, (name, u) in cfg.columns.items()}
    unreal = {i: "; ".join(p) for i, p in enumerate(physical_problems(measured, cfg.limit_units))
              if p}
    _report_unreal(table, unreal, cfg.id_column, f"graded {cfg.reject}")
    counts = graded["grade"].value_counts().to_dict()
    out = screen(json_path)
    t = Table(title=f"Grades of {len(graded)} cells ({escape(data.name)})")
    t.add_column("grade")
    t.add_column("cells")
    t.add_column("share")
    for g in [x["name"] for x in cfg.grades] + [cfg.reject]:
        t.add_row(escape(g), str(counts.get(g, 0)), f"{counts.get(g, 0) / len(graded):.1%}")
    out.print(t)
    summary = {"cells": len(graded), "grades": {str(k): int(v) for k, v in counts.items()},
               "unreal_measurements": len(unreal)}
    if "self_discharge_outlier" in graded:
        summary["self_discharge_outliers"] = int(graded["self_discharge_outlier"].sum())
        out.print(f"self-discharge outliers: {summary['self_discharge_outliers']}")
    if "dcir" in measured:
        real = np.array([i not in unreal for i in range(len(graded))], dtype=bool)
        summary["resistance_spread_ohm"] = resistance_spread(measured["dcir"][real])
    records = graded.astype(object).where(graded.notna(), None).to_dict(orient="records")
    save_json({"summary": summary, "cells": records}, json_path)


def match(
    data: Path = typer.Argument(..., help="End-of-line CSV, one row per cell."),
    cells_per_module: int = typer.Option(..., "--cells-per-module", min=1, help="Cells in one module."),
    capacity_column: str = typer.Option("capacity_Ah", "--capacity-column"),
    capacity_unit: str = typer.Option("Ah", "--capacity-unit", help="Unit of the capacity column."),
    resistance_column: str = typer.Option("dcir_mohm", "--resistance-column"),
    resistance_unit: str = typer.Option("mohm", "--resistance-unit", help="Unit of the resistance column."),
    id_column: str = typer.Option("cell_id", "--id-column", help="Column of cell ids (must be unique)."),
    modules_per_band: int = typer.Option(1, "--modules-per-band", min=1, help="Capacity band width in modules (>1 also evens resistance)."),
    delimiter: str = DELIMITER,
    decimal: str = DECIMAL,
    encoding: str = ENCODING,
    json_path: Path | None = typer.Option(None, "--json", help="Write the assignment as JSON."),
) -> None:
    """Match cells into modules minimising the within-module capacity and resistance spread."""
    from gigatwin.quality import match_cells
    from gigatwin.quality.grading import check_unit, require_unique_ids, unit_symbol
    from gigatwin.units import from_si, to_si

    units = {}
    for option, quantity, unit in (("--capacity-unit", "capacity", capacity_unit),
                                   ("--resistance-unit", "dcir", resistance_unit)):
        try:
            units[quantity] = check_unit(quantity, unit, f"{option} {unit!r}")
        except ValueError as exc:
            raise fail(str(exc), USAGE) from None
    options = csv_options(delimiter, decimal, encoding)
    check_output(json_path, "--json", (".json",))
    table = read_csv(data, options)
    capacity = table.numbers(capacity_column, "--capacity-column", infinite="keep")
    resistance = table.numbers(resistance_column, "--resistance-column", infinite="keep")
    if id_column != "cell_id" and id_column not in table.frame:
        table.column(id_column, "--id-column")       # names the columns there are
    if id_column in table.frame:
        try:
            require_unique_ids(table.frame[id_column], id_column)
        except ValueError as exc:
            raise fail(f"{data}: {exc}", INVALID) from None
    try:
        result = match_cells(to_si(capacity, units["capacity"]),
                             to_si(resistance, units["dcir"]), cells_per_module,
                             modules_per_band=modules_per_band)
    except ValueError as exc:
        raise domain_error(exc, str(data)) from None
    unreal = {i: r for i, r in result.reasons.items()
              if not r.startswith(("missing", "left over"))}
    _report_unreal(table, unreal, id_column, "not matched")
    cap_u, res_u = units["capacity"], units["dcir"]
    cap_s, res_s = unit_symbol(cap_u), unit_symbol(res_u)
    out = screen(json_path)
    out.print(
        f"{int(result.module.max()) + 1} modules of {cells_per_module}; mean within-module "
        f"capacity range {from_si(result.capacity_spread, cap_u):.4g} {cap_s} (sequential "
        f"{from_si(result.sequential_capacity_spread, cap_u):.4g}, "
        f"x{result.capacity_improvement:.1f} smaller); resistance range "
        f"{from_si(result.resistance_spread, res_u):.4g} {res_s} (sequential "
        f"{from_si(result.sequential_resistance_spread, res_u):.4g}); "
        f"{len(result.unassigned)} unassigned")
    out = result.as_dict()
    out["units"] = {"capacity_spread": "C", "resistance_spread": "ohm"}
    if id_column in table.frame:
        out["cell_id"] = table.frame[id_column].tolist()
    save_json(out, json_path)


def register(app: typer.Typer) -> None:
    app.add_typer(spc_app, name="spc")
    app.command("grade")(grade)
    app.command("match")(match)
