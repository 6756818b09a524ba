"""Every command against a corpus of bad inputs: a clear message, never a traceback.

The corpus is generated: each command that reads a file gets each kind of broken file
(not UTF-8, UTF-16, binary, empty, a folder, missing, a YAML bomb, YAML that is not a
mapping, a mapping of the wrong shape), and each command that writes a file gets
outputs it cannot write (a folder, a path under a file, ``/proc``). For every case the
command must exit non-zero, print no Python traceback, name the offending file or
option, and finish within ``pytest-timeout``'s limit (10 s per case).

Commands run in-process through :func:`gigatwin.cli.app.main`, as the console script
does, so an exception that escaped the CLI would fail the test with its traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gigatwin.cli.app import main

EXAMPLES = Path(__file__).parents[2] / "examples"
RECIPE = EXAMPLES / "recipes" / "nmc622_graphite_pouch.yaml"
PLANT = EXAMPLES / "plants" / "industrial_nmc622_10gwh.yaml"
PISTONS = EXAMPLES / "quality" / "pistonrings_phase1.csv"
CELLS = EXAMPLES / "quality" / "eol_cells.csv"
GRADES = EXAMPLES / "quality" / "GRADES.yaml"
RECORDS = EXAMPLES / "records" / "coating_line.csv"

BOMB = "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi",
                                                                           strict=True))
BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + BOMB

# name -> (file suffix, bytes). Each is a file no command can use as its input.
BROKEN_FILES = {
    "latin1": (None, "name: Électrode à 20 °C\nvalue: 1\n".encode("latin-1")),
    "utf16": (None, "name: cell\nvalue: 1\n".encode("utf-16")),
    "binary": (None, bytes(range(256)) * 4),
    "empty": (None, b""),
    "yaml_bomb": (".yaml", BOMB.encode()),
    "yaml_list": (".yaml", b"- 1\n- 2\n"),
    "yaml_scalar": (".yaml", b"just a sentence\n"),
    "yaml_syntax": (".yaml", b"a: [1, 2\nb: 3\n"),
    "csv_header_only": (".csv", b"sample,diameter\n"),
    "csv_text_values": (".csv", b"sample,diameter\n1,abc\n1,74.03 mm\n2,x\n2,y\n"),
}

# Commands that read one input file: (name, args with {input} and {out}, suffix).
READERS = {
    "simulate": (["simulate", "{input}", "--samples", "100"], ".yaml"),
    "sensitivity": (["sensitivity", "{input}", "--samples", "64"], ".yaml"),
    "plant": (["plant", "{input}"], ".yaml"),
    "linesim": (["linesim", "{input}", "--days", "1"], ".yaml"),
    "spc_chart": (["spc", "chart", "{input}", "--column", "diameter", "--type", "xbar-r",
                   "--subgroup-column", "sample"], ".csv"),
    "spc_capability": (["spc", "capability", "{input}", "--column", "diameter", "--lsl",
                        "73.95", "--usl", "74.05"], ".csv"),
    "grade": (["grade", "{input}", "--config", str(GRADES)], ".csv"),
    "grade_config": (["grade", str(CELLS), "--config", "{input}"], ".yaml"),
    "match": (["match", "{input}", "--cells-per-module", "12"], ".csv"),
    "spec_validate": (["spec", "validate", "{input}"], ".csv"),
    "ingest_file": (["ingest", "file", "{input}", "--store", "duckdb://{tmp}/s.duckdb"], ".csv"),
}

# Commands that write a JSON file: (args before --json).
WRITERS = {
    "simulate": ["simulate", str(RECIPE), "--samples", "100"],
    "plant": ["plant", str(PLANT)],
    "spc_capability": ["spc", "capability", str(PISTONS), "--column", "diameter",
                       "--lsl", "73.95", "--usl", "74.05"],
    "grade": ["grade", str(CELLS), "--config", str(GRADES)],
    "match": ["match", str(CELLS), "--cells-per-module", "12"],
    "spec_validate": ["spec", "validate", str(RECORDS)],
}


def _run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        main(args)
    captured = capsys.readouterr()
    return stop.value.code, captured.out + captured.err


def _assert_clear_failure(code, output: str, *names: str) -> None:
    assert code not in (0, None), f"exit {code}, expected a failure:\n{output}"
    assert "Traceback" not in output, output
    assert any(name in output for name in names), (
        f"the message names none of {names}:\n{output}")


def _reader_cases():
    for command, (_args, suffix) in READERS.items():
        for kind, (kind_suffix, _data) in BROKEN_FILES.items():
            if kind_suffix not in (None, suffix):
                continue
            yield pytest.param(command, kind, id=f"{command}-{kind}")
        for kind in ("folder", "missing"):
            yield pytest.param(command, kind, id=f"{command}-{kind}")


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("command", "kind"), list(_reader_cases()))
def test_a_broken_input_file_is_named(command, kind, tmp_path, capsys):
    args, suffix = READERS[command]
    target = tmp_path / f"input_{kind}{suffix}"
    if kind == "folder":
        target.mkdir()
    elif kind != "missing":
        target.write_bytes(BROKEN_FILES[kind][1])
    argv = [a.format(input=target, tmp=tmp_path) for a in args]
    code, output = _run(argv, capsys)
    # Rich may fold a long path across lines in a usage panel: compare without breaks.
    flat = output.replace("\n", "").replace("│", "").replace(" ", "")
    _assert_clear_failure(code, output + flat, target.name)


def _writer_cases():
    for command in WRITERS:
        for kind in ("folder", "under_a_file", "proc"):
            yield pytest.param(command, kind, id=f"{command}-{kind}")


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("command", "kind"), list(_writer_cases()))
def test_an_unwritable_json_output_is_named(command, kind, tmp_path, capsys):
    if kind == "folder":
        target = tmp_path
    elif kind == "under_a_file":
        (tmp_path / "a_file").write_text("x")
        target = tmp_path / "a_file" / "out.json"
    else:
        target = Path("/proc/gigatwin_cannot_write_here.json")
    code, output = _run([*WRITERS[command], "--json", str(target)], capsys)
    _assert_clear_failure(code, output, "--json", str(target))


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "1e12", "abc"])
@pytest.mark.timeout(10)
def test_a_sample_count_that_cannot_run_is_refused(value, capsys):
    code, output = _run(["simulate", str(RECIPE), "--samples", value], capsys)
    _assert_clear_failure(code, output, "--samples", "samples")


def test_version(capsys):
    from gigatwin import __version__

    code, output = _run(["--version"], capsys)
    assert code == 0 and output.strip() == f"gigatwin {__version__}"


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    import gigatwin.cli.app as cli_app

    def broken(args, prog_name):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_app, "app", broken)
    code, output = _run(["simulate", str(RECIPE)], capsys)
    assert code == 70
    assert output.splitlines()[0] == "error: internal error: RuntimeError: boom"
    assert "--debug" in output and "Traceback" not in output
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "simulate", str(RECIPE)])
    monkeypatch.setenv("GIGATWIN_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["simulate", str(RECIPE)])


# Numeric options that must be finite and positive (or within a stated range).
BAD_NUMBERS = ["0", "-1", "nan", "inf", "-inf", "1e300", "abc", ""]
NUMERIC_OPTIONS = {
    "simulate --samples": ["simulate", str(RECIPE), "--samples", "{v}"],
    "sensitivity --samples": ["sensitivity", str(RECIPE), "--samples", "{v}"],
    "linesim --days": ["linesim", str(PLANT), "--days", "{v}"],
    "match --cells-per-module": ["match", str(CELLS), "--cells-per-module", "{v}"],
    "spc capability --lsl": ["spc", "capability", str(PISTONS), "--column", "diameter",
                             "--lsl", "{v}", "--usl", "74.05"],
}


# A limit may be zero or negative: only non-numbers and non-finite values are bad there.
NUMERIC_CASES = [(option, value) for option in NUMERIC_OPTIONS for value in BAD_NUMBERS
                 if not (option.endswith("--lsl") and value in ("0", "-1"))]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("option", "value"), NUMERIC_CASES)
def test_a_numeric_option_out_of_range_is_refused(option, value, capsys):
    argv = [a.format(v=value) for a in NUMERIC_OPTIONS[option]]
    code, output = _run(argv, capsys)
    flag = option.split()[-1]
    _assert_clear_failure(code, output, flag, flag.lstrip("-").replace("-", "_"))
