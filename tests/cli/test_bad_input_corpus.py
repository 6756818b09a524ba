"""Every command of the CLI, found in the Typer app itself, against generated bad input.

Issue 16's acceptance: each command gets a corpus of bad inputs by class, and for every
case the command exits non-zero, prints no Python traceback, names the offending file or
option (or value) and finishes within 10 s (``pytest-timeout`` fails a case that hangs).

How the corpus is made. :data:`VALID` gives one usable command line per command, as a
mapping of parameter to value (positional arguments by their name, options by their long
flag). The generator walks the command tree of the app, and for each parameter of each
command derives the bad values of its kind, changing that one parameter of the valid
line at a time:

* input files: missing, a folder, empty, binary, Latin-1 and UTF-16 text (not UTF-8),
  and by the file's type malformed YAML (a syntax error, a list, a scalar, a YAML bomb,
  a deeply nested document, 300k keys), CSV (header only, text numbers, ragged rows) or
  JSON (a syntax error, a list, an empty object);
* output files and folders: a folder where a file is wanted (and the reverse), a path
  under a regular file, ``/proc``;
* numbers: not a number, NaN, +-inf, and for counts, durations, sizes and rates zero,
  negative and huge values;
* text options by meaning: store URLs (a missing store for the commands that read one,
  a folder, a file that is not a DuckDB database, an unreachable PostgreSQL, an unknown
  scheme), broker and OPC UA endpoints (refused port, unresolvable host, port out of
  range, not a URL), durations and units in the wrong dimension, unknown columns, keys,
  ids and choices;
* every command: an unknown option, and (when it has required parameters) none given.

A new command is covered automatically by the generic classes, and the first test fails
until it has a line in :data:`VALID`, so the per-parameter classes reach it too.

Most cases run in-process through :func:`gigatwin.cli.app.main` (as the console script
does), so the corpus takes seconds; a sample runs as real subprocesses to check the
stderr a user sees.
"""

from __future__ import annotations

import enum
import io
import os
import shutil
import subprocess
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer

from gigatwin.cli.app import app, main

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
RECIPE = EXAMPLES / "recipes" / "nmc622_graphite_pouch.yaml"
RECIPE_B = EXAMPLES / "recipes" / "nmc811_sigraphite_21700.yaml"
PLANT = EXAMPLES / "plants" / "industrial_nmc622_10gwh.yaml"
LINE = EXAMPLES / "lines" / "pilot_line.yaml"
SCENARIO = EXAMPLES / "lines" / "scenarios" / "slot_die_wear.yaml"
PISTONS = EXAMPLES / "quality" / "pistonrings_phase1.csv"
CELLS = EXAMPLES / "quality" / "eol_cells.csv"
GRADES = EXAMPLES / "quality" / "GRADES.yaml"
RECORDS = EXAMPLES / "records" / "coating_line.csv"
GENEALOGY = EXAMPLES / "linedata" / "genealogy.csv"
MEASUREMENTS = EXAMPLES / "linedata" / "measurements.csv"
MAPPING = EXAMPLES / "linedata" / "opcua_mapping.yaml"
PROBLEM = EXAMPLES / "design" / "nmc811_21700.yaml"
SURROGATE = EXAMPLES / "design" / "nmc811_21700.surrogate.json"

# Placeholders filled per case: {tmp} a fresh folder, {store} a copy of a small store
# (the example genealogy and measurements), {truth} a ground-truth JSON of the line.
STORE = "duckdb://{store}"   # an absolute path: duckdb:///tmp/...

# One usable command line per command: parameter -> value. Positional arguments are keyed
# by their name, options by their long flag; a list is a repeated option.
VALID: dict[str, dict[str, object]] = {
    "demo": {"--out": "{tmp}/demo"},
    "simulate": {"recipe": RECIPE, "--samples": "100", "--workers": "1"},
    "sensitivity": {"recipe": RECIPE, "--samples": "64"},
    "compare": {"recipe_a": RECIPE, "recipe_b": RECIPE_B, "--samples": "100",
                "--workers": "1"},
    "validate": {},
    "performance": {"recipe": RECIPE, "--model": "spme", "--mesh": "coarse",
                    "--samples": "2"},
    "design": {"problem_path": PROBLEM, "--generations": "2", "--population": "8"},
    "linesim": {"plant_file": PLANT, "--days": "1"},
    "trace": {"cell_id": "CELL-1", "--store": STORE},
    "track": {"object_id": "C-ROLL-1", "--store": STORE},
    "passport": {"cell_id": "CELL-1", "--store": STORE},
    "grade": {"data": CELLS, "--config": GRADES},
    "match": {"data": CELLS, "--cells-per-module": "12"},
    "serve": {"--store": STORE, "--port": "8765"},
    "spec list": {"--step": "coating"},
    "spec show": {"key": "coating_speed"},
    "spec export": {"--format": "json-schema", "--output": "{tmp}/schema.json"},
    "spec gaps": {},
    "spec validate": {"file": RECORDS},
    "recipe validate": {"recipe": RECIPE},
    "recipe new": {"--format": "pouch", "--chemistry": "nmc622_graphite",
                   "--output": "{tmp}/new.yaml"},
    "recipe upgrade": {"recipe": RECIPE, "--output": "{tmp}/upgraded.yaml"},
    "recipe renames": {},
    "surrogate train": {"recipe": RECIPE, "--vary": ["cathode.coating_areal_loading=20:26"],
                        "--runs": "8", "--model": "spme", "--mesh": "coarse",
                        "--output": "{tmp}/surrogate.json"},
    "surrogate check": {"model_path": SURROGATE, "--runs": "2"},
    "plant run": {"plant_file": PLANT},
    "plant validate": {"plant_file": PLANT},
    "line run": {"line_file": LINE, "--duration": "2h", "--store": "duckdb://{tmp}/l.duckdb"},
    "line score": {"truth": "{truth}", "--store": STORE},
    "live experiment": {"line_file": LINE, "--scenario": SCENARIO, "--duration": "2h"},
    # following (one pass), advising: --opcua and --mqtt are added by their cases (an
    # endpoint given is checked in advise mode too; closed-loop needs one of them)
    "live follow": {"--store": STORE, "--recipe": RECIPE, "--interval": "1",
                    "--passes": "1", "--mode": "advise"},
    "live recommendations": {"--store": STORE},
    "ingest file": {"path": MEASUREMENTS, "--store": STORE},
    "ingest mqtt": {"--store": STORE, "--broker": "127.0.0.1:1", "--idle-exit": "1"},
    "ingest opcua": {"--endpoint": "opc.tcp://127.0.0.1:1/", "--mapping": MAPPING,
                     "--store": STORE, "--duration": "1"},
    "store check": {"url": STORE},
    "export cell": {"cell_id": "CELL-1", "--store": STORE},
    "quarantine list": {"--store": STORE},
    "quarantine show": {"quarantine_id": "q1", "--store": STORE},
    "quarantine release": {"quarantine_id": "q1", "--store": STORE},
    "spc chart": {"data": PISTONS, "--column": "diameter", "--type": "xbar-r",
                  "--subgroup-column": "sample"},
    "spc capability": {"data": PISTONS, "--column": "diameter", "--lsl": "73.95",
                       "--usl": "74.05"},
    "users add": {"username": "ann", "--role": "viewer", "--store": STORE,
                  "--password-stdin": True},
    "users list": {"--store": STORE},
    "users remove": {"username": "ann", "--store": STORE},
    "users set-role": {"username": "ann", "role": "viewer", "--store": STORE},
    "alarms list": {"--store": STORE, "--state": "open", "--asset": "coater-1", "--limit": "10"},
    "alarms ack": {"event_id": "ALARM-1", "--store": STORE, "--by": "erik", "--comment": "seen"},
    "keys create": {"name": "coater", "--store": STORE},
    "keys list": {"--store": STORE},
    "keys revoke": {"key_id": "k1", "--store": STORE},
}

# Output paths: a file unless listed as a folder here.
OUTPUTS = {"--json", "--plot", "--out", "--output", "--bpx", "--files", "--truth",
           "--markdown"}
OUTPUT_FOLDERS = {("demo", "--out"), ("simulate", "--plot"), ("performance", "--plot"),
                  ("design", "--out"), ("design", "--plot"), ("validate", "--plot"),
                  ("plant run", "--plot"), ("line run", "--files")}
# Options that are text (``str``) but not an output: the ``--output`` of sensitivity.
TEXT_OUTPUTS = {("sensitivity", "--output")}

# Numbers that must be > 0 (counts, sizes, durations, rates, widths).
POSITIVE = {"--samples", "--workers", "--days", "--generations", "--population", "--runs",
            "--cells-per-module", "--modules-per-band", "--subgroup", "--limit", "--last",
            "--batch-size", "--idle-exit", "--duration", "--tolerance", "--lambda",
            "--limit-width", "--sigma", "--h", "--confidence", "--charge-rate", "--port",
            "--chunk", "--interval", "--passes"}
# ... of which a huge value is bad too (memory, run time; live follow's --interval, a
# pass every 1e300 s, is capped at a day); elsewhere it means "all" or "no limit"
# (--last, --limit, --batch-size, --idle-exit, live follow's --passes).
HUGE_IS_BAD = {"--samples", "--workers", "--days", "--generations", "--population", "--runs",
               "--cells-per-module", "--port", "--interval"}
# Numbers that must be >= 0 (the CUSUM reference value), and those for which any finite
# value is allowed (positions, limits, targets, seeds: seeds must be >= 0).
NON_NEGATIVE = {"--k", "--warmup-days"}
SIGNED = {"--lsl", "--usl", "--target", "--from", "--to", "--seed"}

# Text options, by meaning: name -> bad values.
STORES = ["missing", "not_duckdb", "postgres_down"]
# Kinds of store URL that reach one shared opening function: given to a few commands.
STORES_ONCE = {"postgres_down": ("store check", "ingest file", "serve", "quarantine list")}
# Parameters that several commands share through one helper: changed on one of them only.
SHARED_ONCE = {"--config": "users add"}
TEXT = {
    "--broker": ["127.0.0.1:1", "no-such-host.invalid:1883", "127.0.0.1:70000",
                 "127.0.0.1:abc", "::::"],
    "--mqtt": ["127.0.0.1:1", "no-such-host.invalid:1883", "127.0.0.1:70000"],
    "--endpoint": ["opc.tcp://127.0.0.1:1/", "opc.tcp://no-such-host.invalid:4840/",
                   "not a url", "http://127.0.0.1:1/"],
    "--duration": ["5 parsecs", "-1 h", "nan h", "1e300 h"],
    # where the line's OPC UA server listens: not a URL, another scheme, a host that
    # does not resolve
    "--opcua": ["not a url", "http://127.0.0.1:4840/", "opc.tcp://no-such-host.invalid:4840/"],
    "--engine": ["bogus"],
    "--scheduler": ["tcp://127.0.0.1:1", "not a url"],
    "--timezone": ["Mars/Olympus_Mons", "+25:00"],
    "--speed": ["0", "-1", "nan", "fast"],
    "--unit": ["no_such_unit"],
    "--capacity-unit": ["parsecs", "kg"],
    "--resistance-unit": ["parsecs", "kg"],
    "--column": ["no_such_column"],
    "--subgroup-column": ["no_such_column"],
    "--label-column": ["no_such_column"],
    "--capacity-column": ["no_such_column"],
    "--resistance-column": ["no_such_column"],
    "--id-column": ["no_such_column"],
    "--rates": ["abc", "-1", "nan"],
    "--model": ["bogus"],
    "--verify-model": ["bogus"],
    "--mesh": ["bogus"],
    "--format": ["bogus"],
    "--chemistry": ["bogus"],
    "--role": ["bogus"],
    "--step": ["no_such_step"],
    "--output": ["no_such_output"],
    "--parameter": ["no.such_key"],
    "--vary": ["no.such_key"],
    "--set": ["no.such_key=1", "cathode.coating_areal_loading", "cathode.coating_speed=abc"],
    "--delimiter": ["", "ab"],
    "--decimal": ["", "ab"],
    "--encoding": ["no-such-encoding"],
    "--phase1": ["abc"],
    "--batpac-edition": ["bogus"],
    "--scenario": ["no_such_scenario"],
    "--accept": ["no-such-recommendation"],
    "--reject": ["no-such-recommendation"],
    "--source": [],
    "--reason": [],
    "--topic": ["a/#/b"],
    "--client-id": [],
    "--host": ["no-such-host.invalid"],
    "--record": ["{not json", "[]"],
    "--asset": [],  # any station: one without alarms lists none
    "--by": ["", "  "],
    "--comment": [],
    "event_id": ["no-such-alarm"],
    # Ids of objects, keys and entries that the store or spec does not hold.
    "cell_id": ["NO-SUCH-CELL"],
    "object_id": ["NO-SUCH-OBJECT"],
    "key": ["no_such_key"],
    "quarantine_id": ["no-such-entry"],
    "key_id": ["no-such-key"],
    "username": ["no-such-user"],
    "role": ["bogus"],
    "name": [],
}
# Where a value above is not bad for a command: (command, parameter), or with the kind
# (a CSV of records with a header and no rows is an empty import, not an error).
NOT_BAD = {("ingest file", "path", "file_csv_header_only"),
           ("spec validate", "file", "file_csv_header_only"),("users add", "username"), ("keys create", "name"),
           ("spec export", "--format"), ("line run", "--duration"),
           ("live experiment", "--duration")}

BOMB = ('a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
        + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
                  for a, b in zip("abcdefgh", "bcdefghi", strict=True)))

# Broken files by kind: kind -> (suffixes it applies to, None = every input, bytes).
FILES = {
    "empty": (None, b""),             # (an empty TOML configuration is valid: not used)
    "binary": (None, bytes(range(256)) * 4),
    "latin1": (None, "name: Électrode à 20 °C\nvalue: 1\n".encode("latin-1")),
    "yaml_syntax": ((".yaml", ".yml"), b"a: [1, 2\nb: 3\n"),
    "yaml_list": ((".yaml", ".yml"), b"- 1\n- 2\n"),
    "yaml_bomb": ((".yaml", ".yml"), BOMB.encode()),
    "csv_text_values": ((".csv",), b"sample,diameter,capacity_Ah\n1,abc,x\n1,74.03 mm,y\n"),
    "csv_ragged": ((".csv",), b"a,b\n1,2,3,4\n\"unclosed\n"),
    "json_syntax": ((".json",), b"{\"a\": [1, 2"),
    "json_list": ((".json",), b"[1, 2]"),
}
# Rarer kinds, given to one command each (the loaders they reach are shared).
FILES_ONCE = {
    "utf16": ("simulate", "name: cell\nvalue: 1\n".encode("utf-16")),
    "yaml_scalar": ("plant run", b"just a sentence\n"),
    "yaml_deep": ("recipe validate", b"[" * 20000 + b"]" * 20000),
    "yaml_huge": ("linesim", b"".join(b"k%d: %d\n" % (i, i) for i in range(30_000))),
    "csv_header_only": ("spc chart", b"sample,diameter\n"),
}
FILES.update({k: ((".yaml", ".yml", ".csv"), v) for k, (_c, v) in FILES_ONCE.items()})


# Cases the corpus found and that are not fixed yet, each with its reason; strict: a fix
# makes the case pass and the xfail fail, so the entry is then removed.
KNOWN_FAILURES = {
}


@dataclass(frozen=True)
class Case:
    command: str
    parameter: str          # the parameter changed ("" for the generic cases)
    kind: str               # what is wrong with it
    value: object           # the bad value (a FILES kind, a text, a number...)

    @property
    def id(self) -> str:
        return f"{self.command.replace(' ', '_')}|{self.parameter}|{self.kind}"


def commands() -> dict[str, object]:
    """Every command of the app (groups walked): ``"spec list"`` -> its Click command."""
    found: dict[str, object] = {}

    def walk(command, path):
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            found[" ".join(path)] = command
            return
        for name, sub in subcommands.items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = commands()


def _key(param) -> str:
    """A parameter's key in :data:`VALID`: its long flag, or its name for an argument."""
    opts = getattr(param, "opts", [])
    if opts and opts[0].startswith("-"):
        longs = [o for o in [*opts, *param.secondary_opts] if o.startswith("--")]
        return longs[0] if longs else opts[0]
    return param.name


def _is_option(param) -> bool:
    return bool(param.opts) and param.opts[0].startswith("-")


def _annotation(param):
    """The Python type a parameter takes (``Optional`` and ``list`` unwrapped)."""
    annotation = param.type_descriptor.annotation
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, list):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0]
    return annotation


# Parameters the generator could not classify (a test lists them).
UNCLASSIFIED: list[str] = []


# counts where 0 has a meaning: performance --samples 0 runs the nominal cell alone
ZERO_ALLOWED = {("performance", "--samples")}


def _bad_numbers(command: str, key: str, kind: type) -> list[str]:
    values = [] if kind is int else ["nan", "inf"]
    if key in POSITIVE:
        values += ["-1"] if (command, key) in ZERO_ALLOWED else ["0", "-1"]
        if key in HUGE_IS_BAD:
            values += ["99999999999999999999"] if kind is int else ["1e300"]
    elif key in NON_NEGATIVE:
        values += ["-1"]
    elif key not in SIGNED:
        UNCLASSIFIED.append(f"{command} {key}: say whether it is POSITIVE or SIGNED")
    if kind is int and key not in POSITIVE:
        values += ["-1", "abc"]
    return values


def _cases_of(command: str, click_command) -> list[Case]:
    cases = [Case(command, "", "unknown_option", "--no-such-option")]
    if any(p.required for p in click_command.params):
        cases.append(Case(command, "", "nothing_given", None))
    valid = VALID.get(command)
    if valid is None:
        return cases
    for param in click_command.params:
        key = _key(param)
        if key == "--help" or getattr(param, "is_flag", False):
            continue
        kind = _annotation(param)
        if (command, key) in NOT_BAD or SHARED_ONCE.get(key, command) != command:
            continue
        if kind is Path and key in OUTPUTS:
            # One kind per output, in turn: cli.app.main refuses every one of them in
            # check_outputs before the command runs (simulate's --json gets /proc too).
            folder = (command, key) in OUTPUT_FOLDERS
            kinds = ("a_file" if folder else "folder", "under_a_file")
            turn = len(cases) % 2
            for bad in (kinds[turn:turn + 1]
                        + (("proc",) if (command, key) == ("simulate", "--json") else ())):
                cases.append(Case(command, key, f"output_{bad}", bad))
        elif kind is Path:
            suffix = Path(str(valid.get(key, "x.toml" if key == "--config" else "x.yaml"))).suffix
            kinds = [name for name, (suffixes, _data) in FILES.items()
                     if (command, key, f"file_{name}") not in NOT_BAD
                     and (name not in FILES_ONCE or FILES_ONCE[name][0] == command)
                     and (suffixes is None and not (name == "empty" and suffix == ".toml")
                          or suffix in (suffixes or ()))]
            # binary and the format's own kinds for every file; the rest in turn
            common = [k for k in kinds if k in ("binary", *FILES_ONCE)
                      or k.endswith(("_syntax", "_bomb", "_text_values"))]
            rest = [k for k in kinds if k not in common]
            turn = len(cases) % max(len(rest), 1)
            for name in common + rest[turn:turn + 1]:
                cases.append(Case(command, key, f"file_{name}", name))
            missing = [Case(command, key, "file_missing", "missing"),
                       Case(command, key, "file_folder", "folder")]
            # Click refuses both for a path declared exists=True, dir_okay=False before the
            # command runs: one of them, in turn; the others reach the command's loader.
            info = param.type_descriptor.parameter_info
            one = len(cases) % 2
            cases += missing[one:one + 1] if info.exists and not info.dir_okay else missing
        elif kind in (int, float):
            cases += [Case(command, key, f"number_{v or 'blank'}", v)
                      for v in _bad_numbers(command, key, kind)]
        elif isinstance(kind, type) and issubclass(kind, enum.Enum):
            cases.append(Case(command, key, "choice_unknown", "bogus"))
        elif key in ("--store", "url"):
            reads = command not in ("serve", "line run", "ingest file", "ingest mqtt",
                                    "ingest opcua") and not command.startswith(
                                        ("users", "keys"))
            cases += [Case(command, key, f"store_{s}", s) for s in STORES
                      if (s != "missing" or reads) and command in STORES_ONCE.get(s, (command,))]
        elif kind is str and (command, key) not in TEXT_OUTPUTS:
            if key not in TEXT:
                UNCLASSIFIED.append(f"{command} {key}: add its bad values to TEXT")
                continue
            cases += [Case(command, key, f"text_{i}", v) for i, v in enumerate(TEXT[key])]
        elif (command, key) in TEXT_OUTPUTS:
            cases += [Case(command, key, "text_0", "no_such_output")]
        else:
            UNCLASSIFIED.append(f"{command} {key}: no bad values for a {kind}")
    return cases


CASES = [case for name, command in COMMANDS.items() for case in _cases_of(name, command)]


def test_every_command_is_found_and_has_a_valid_line():
    # The walk finds the groups' subcommands too; a command missing from VALID would get
    # only the generic cases, so it must be added there.
    assert {"simulate", "spec list", "ingest mqtt", "quarantine release",
            "users set-role", "plant run"} <= set(COMMANDS)
    assert len(COMMANDS) >= 49
    assert set(COMMANDS) == set(VALID), {
        "commands without a valid line": sorted(set(COMMANDS) - set(VALID)),
        "lines of commands that are gone": sorted(set(VALID) - set(COMMANDS))}


def test_the_corpus_is_large_and_covers_every_command():
    assert not UNCLASSIFIED, UNCLASSIFIED
    assert set(KNOWN_FAILURES) <= {c.id for c in CASES}
    assert len(CASES) - len(KNOWN_FAILURES) >= 300
    assert len(CASES) >= 300, len(CASES)
    assert {c.command for c in CASES} == set(COMMANDS)
    kinds = {c.kind for c in CASES}
    for kind in ("file_missing", "file_folder", "file_empty", "file_binary", "file_utf16",
                 "file_latin1", "file_yaml_bomb", "file_csv_ragged", "file_json_syntax",
                 "file_yaml_huge", "file_yaml_deep", "file_csv_header_only",
                 "number_nan", "number_inf", "number_0", "number_-1", "unknown_option",
                 "store_missing", "store_postgres_down", "output_proc", "text_0"):
        assert kind in kinds, kind


# ----------------------------------------------------------------------------- running

@pytest.fixture(scope="session")
def imported() -> None:
    """Every module of gigatwin, and PyBaMM, imported before the first case.

    A case has 10 s (``pytest-timeout``, the case's call only): the first import of the
    store, ingestion, twin and PyBaMM code takes longer on a loaded machine, and a case
    stopped in the middle of an import would leave that module half initialised for the
    cases after it (``partially initialized module 'pandas'``). Each pytest-xdist worker
    makes this once."""
    import importlib
    import pkgutil

    import pybamm

    import gigatwin

    for module in pkgutil.walk_packages(gigatwin.__path__, "gigatwin."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    assert pybamm.__version__


@pytest.fixture(scope="session")
def small_store(tmp_path_factory, imported) -> Path:
    """A DuckDB store holding the example genealogy and measurements.

    Session-scoped (each case copies it): under pytest-xdist every worker makes its own
    once, and the cases are spread over the workers one by one (tests/conftest.py)."""
    path = tmp_path_factory.mktemp("store") / "line.duckdb"
    for source in (GENEALOGY, MEASUREMENTS):
        with pytest.raises(SystemExit) as stop:
            main(["ingest", "file", str(source), "--store", f"duckdb://{path}"])
        assert stop.value.code in (0, None)
    return path


def _truth(tmp_path: Path) -> Path:
    path = tmp_path / "truth.json"
    # the smallest truth 'line score' accepts (the keys line.score.TRUTH_KEYS names), so
    # that the store's cases are reached
    path.write_text('{"scenario": "none", "start": "2026-01-01T00:00:00+00:00", '
                    '"end": "2026-01-02T00:00:00+00:00", "disturbances": []}\n',
                    encoding="utf-8")
    return path


def _file(tmp_path: Path, name: str, suffix: str) -> Path:
    """A broken input file of kind ``name`` (or a folder, or a missing path)."""
    path = tmp_path / f"bad_{name}{suffix}"
    if name == "folder":
        path.mkdir()
    elif name != "missing":
        path.write_bytes(FILES[name][1])
    return path


def _output(tmp_path: Path, bad: str, suffix: str) -> Path:
    if bad == "folder":
        (tmp_path / "out_folder").mkdir()
        return tmp_path / "out_folder"
    if bad == "a_file":
        (tmp_path / "out_file").write_text("x")
        return tmp_path / "out_file"
    if bad == "under_a_file":
        (tmp_path / "a_file").write_text("x")
        return tmp_path / "a_file" / f"out{suffix}"
    return Path(f"/proc/gigatwin_cannot_write_here{suffix}")


def _store(tmp_path: Path, bad: str) -> str:
    if bad == "missing":
        return f"duckdb://{tmp_path}/no_such_store.duckdb"
    if bad == "folder":
        (tmp_path / "store_folder").mkdir()
        return f"duckdb://{tmp_path}/store_folder"
    if bad == "not_duckdb":
        (tmp_path / "text.duckdb").write_text("this is not a database\n" * 100)
        return f"duckdb://{tmp_path}/text.duckdb"
    if bad == "empty_file":
        (tmp_path / "empty.duckdb").write_bytes(b"")
        return f"duckdb://{tmp_path}/empty.duckdb"
    if bad == "postgres_down":
        return "postgresql://nobody@127.0.0.1:1/gigatwin?connect_timeout=3"
    return "sqlite:///x.db"


def _fill(value: object, fill: dict[str, object]) -> str:
    text = str(value)
    for name, replacement in fill.items():
        text = text.replace("{" + name + "}", str(replacement))
    return text


def _argv(case: Case, tmp_path: Path, store: Path) -> tuple[list[str], list[str]]:
    """The command line of ``case`` and the names its message may give."""
    values = dict(VALID[case.command]) if case.command in VALID else {}
    copy = tmp_path / "store.duckdb"
    if any("{store}" in str(v) for v in values.values()):
        shutil.copy(store, copy)
    fill = {"tmp": tmp_path, "store": copy, "truth": _truth(tmp_path)
            if case.command == "line score" else ""}
    names = [case.parameter] if case.parameter else []
    if case.parameter:
        old = str(values.get(case.parameter, ""))
        suffix = Path(old).suffix if "." in Path(old).name else ".json"
        if case.kind.startswith("file_"):
            path = _file(tmp_path, str(case.value), suffix or ".yaml")
            values[case.parameter], names = path, [*names, path.name]
        elif case.kind.startswith("output_"):
            path = _output(tmp_path, str(case.value), suffix)
            values[case.parameter], names = path, [*names, str(path)]
        elif case.kind.startswith("store_"):
            url = _store(tmp_path, str(case.value))
            path = url.split("?")[0].removeprefix("duckdb://")
            values[case.parameter], names = url, [*names, url.split("?")[0], path]
        else:
            values[case.parameter] = case.value
            names += [str(case.value)] if str(case.value) else []
            if case.parameter.startswith("--"):
                names.append(case.parameter.lstrip("-").replace("-", "_"))
    command = COMMANDS[case.command]
    argv = case.command.split()
    if case.kind == "nothing_given":
        return argv, [p.name.upper() for p in command.params if p.required] + [
            _key(p) for p in command.params if p.required]
    for param in command.params:              # positional arguments, in order
        key = _key(param)
        if not _is_option(param) and key in values:
            argv.append(_fill(values[key], fill))
    for key, value in values.items():
        if value is True:                     # a flag
            argv.append(key)
        elif key.startswith("-"):
            for v in value if isinstance(value, list) else [value]:
                argv += [key, _fill(v, fill)]
    if case.kind == "unknown_option":
        argv.append("--no-such-option")
        names = ["--no-such-option"]
    return argv, names


def _run(argv: list[str], capsys) -> tuple[int | None, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    captured = capsys.readouterr()
    return stop.value.code, captured.out + captured.err


def _flat(text: str) -> str:
    # Rich may fold a long path across lines in a usage panel: compare without breaks.
    return text.replace("\n", "").replace("│", "").replace(" ", "")


def test_the_store_of_the_corpus_is_made(small_store):
    assert small_store.stat().st_size > 0


@pytest.mark.slow          # about 600 cases: a few minutes on a shared 2-core machine
@pytest.mark.timeout(10, func_only=True)   # the case, not the fixtures (see `imported`)
@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[c.id]))
    if c.id in KNOWN_FAILURES else c for c in CASES], ids=[c.id for c in CASES])
def test_bad_input_is_refused_clearly(case, tmp_path, small_store, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("GIGATWIN_STORE", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password 123\n"))
    argv, names = _argv(case, tmp_path, small_store)
    code, output = _run(argv, capsys)
    assert code not in (0, None), f"{argv}: exit {code}, expected a failure:\n{output}"
    assert "Traceback" not in output, output
    assert any(n in output or _flat(n) in _flat(output) for n in names), (
        f"{argv}: the message names none of {names}:\n{output}")


# A sample run as subprocesses: what a user's terminal shows, with the real interpreter
# start-up, signal handling and stderr.
SUBPROCESS_SAMPLE = ["simulate|recipe|file_utf16", "linesim|--days|number_nan",
                     "spc_chart|data|file_csv_text_values", "trace|--store|store_missing",
                     "ingest_mqtt|--broker|text_0", "ingest_opcua|--endpoint|text_0",
                     "plant_run|plant_file|file_yaml_bomb", "demo||unknown_option"]


@pytest.mark.timeout(60, func_only=True)
def test_a_sample_as_real_processes(tmp_path, small_store):
    env = {**os.environ, "PYBAMM_DISABLE_TELEMETRY": "true", "COLUMNS": "100"}
    env.pop("GIGATWIN_STORE", None)
    by_id = {c.id: c for c in CASES}
    assert set(SUBPROCESS_SAMPLE) <= set(by_id), set(SUBPROCESS_SAMPLE) - set(by_id)
    for case_id in SUBPROCESS_SAMPLE:
        case = by_id[case_id]
        folder = tmp_path / case_id.replace("|", "_")
        folder.mkdir()
        argv, names = _argv(case, folder, small_store)
        done = subprocess.run([sys.executable, "-c", "from gigatwin.cli.app import main; main()",
                               *argv], capture_output=True, text=True, timeout=10, env=env,
                              cwd=folder)
        output = done.stdout + done.stderr
        assert done.returncode != 0, (argv, output)
        assert "Traceback" not in done.stderr, (argv, done.stderr)
        assert any(n in output or _flat(n) in _flat(output) for n in names), (argv, output)
