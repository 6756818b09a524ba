"""A corpus of bad inputs for ``spc chart``, ``spc capability``, ``grade`` and ``match``.

Every case must end in one clear message, never a traceback: a non-zero exit (2 for a
usage error, 1 for invalid data in a file), the offending file or option named on
stderr, and no hang (an alarm stops a case after 10 s).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigatwin.cli.app import app

EXAMPLES = Path(__file__).parents[2] / "examples" / "quality"
runner = CliRunner()

PISTON = (EXAMPLES / "pistonrings_phase1.csv").read_text()
EOL = "\n".join((EXAMPLES / "eol_cells.csv").read_text().splitlines()[:41]) + "\n"
GRADES = (EXAMPLES / "GRADES.yaml").read_text()

# The four commands, each with a valid invocation; {data} is the CSV under test.
COMMANDS = {
    "chart": (PISTON, ["spc", "chart", "{data}", "--column", "diameter", "--type", "xbar-r",
                       "--subgroup-column", "sample"]),
    "capability": (PISTON, ["spc", "capability", "{data}", "--column", "diameter",
                            "--subgroup-column", "sample", "--lsl", "73.95", "--usl", "74.05"]),
    "grade": (EOL, ["grade", "{data}", "--config", "{grades}"]),
    "match": (EOL, ["match", "{data}", "--cells-per-module", "12"]),
}


def _mutate_value(text: str, new: str) -> str:
    """Replace the first data value of the measured column by ``new``."""
    lines = text.splitlines()
    header = lines[0].split(",")
    column = "diameter" if "diameter" in header else "capacity_Ah"
    i = header.index(column)
    fields = lines[3].split(",")
    fields[i] = new
    lines[3] = ",".join(fields)
    return "\n".join(lines) + "\n"


# name -> (content of the data file given the valid text, expected exit, expected in stderr)
# "{name}" in the expectation stands for the data file's name.
FILE_CASES = {
    "empty": (lambda t: b"", 1, "{name}"),
    "blank_lines": (lambda t: b"\n\n   \n", 1, "{name}"),
    "comments_only": (lambda t: b"# nothing here\n# at all\n", 1, "{name}"),
    "header_only": (lambda t: t.splitlines()[0].encode() + b"\n", 1, "{name}"),
    "latin1": (lambda t: ("# Prüfstand Müller\n" + t).encode("latin-1"), 1, "byte 0xfc"),
    "utf16_bom": (lambda t: t.encode("utf-16"), 1, "UTF-16"),
    "utf16_no_bom": (lambda t: t.encode("utf-16-le"), 1, "{name}"),
    "binary": (lambda t: bytes(range(256)) * 4, 1, "{name}"),
    "png": (lambda t: b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 1, "{name}"),
    "nul_in_text": (lambda t: t.encode().replace(b"\n", b"\n\x00", 1), 1, "NUL"),
    "duplicate_columns": (lambda t: t.replace("\n", ",dup\n").replace(
        t.splitlines()[0] + ",dup", t.splitlines()[0] + "," + t.splitlines()[0].split(",")[0],
        1).encode(), 1, "appear more than once"),
    "ragged_row": (lambda t: t.replace("\n", "\n1,2,3,4,5,6,7,8,9,10,11\n", 1).encode(),
                   1, "{name}"),
    "unclosed_quote": (lambda t: (t + '"unterminated,1\n').encode(), 1, "{name}"),
    "value_with_unit": (lambda t: _mutate_value(t, "74.03 mm").encode(), 1, "'74.03 mm'"),
    "value_text": (lambda t: _mutate_value(t, "abc").encode(), 1, "'abc'"),
    "value_decimal_comma": (lambda t: _mutate_value(t, '"74,03"').encode(), 1, "--decimal"),
    "semicolons": (lambda t: t.replace(",", ";").encode(), 2, "has no column"),
    "value_date": (lambda t: _mutate_value(t, "2024-01-01").encode(), 1, "'2024-01-01'"),
}
EOL_ONLY = {  # grade and match: every cell id once
    "duplicate_cell_id": (lambda t: t.replace("C00002,", "C00001,").encode(), 1, "C00001"),
}
FINITE_ONLY = {  # infinite measurements: an error for the charts, a reject reason per cell
    "value_inf": (lambda t: _mutate_value(t, "inf").encode(), 1, "infinite"),
    "value_minus_inf": (lambda t: _mutate_value(t, "-Infinity").encode(), 1, "infinite"),
}


def _file_cases():
    for command in COMMANDS:
        for name in FILE_CASES:
            yield pytest.param(command, name, FILE_CASES[name], id=f"{command}-{name}")
        if command in ("grade", "match"):
            for name in EOL_ONLY:
                yield pytest.param(command, name, EOL_ONLY[name], id=f"{command}-{name}")
        if command in ("chart", "capability"):
            for name in FINITE_ONLY:
                yield pytest.param(command, name, FINITE_ONLY[name], id=f"{command}-{name}")
        yield pytest.param(command, "missing", (None, 2, "no such file"),
                           id=f"{command}-missing-file")
        yield pytest.param(command, "directory", ("dir", 2, "directory"),
                           id=f"{command}-directory")
        yield pytest.param(command, "device", ("/dev/zero", 2, "not a regular file"),
                           id=f"{command}-device")


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "GRADES.yaml").write_text(GRADES)
    (tmp_path / "a_file").write_text("x")
    return tmp_path


@pytest.fixture(autouse=True)
def hang_guard():
    """Stop a case that runs 10 s: a bad input must never hang a command."""
    def stop(signum, frame):
        raise TimeoutError("the command ran for 10 s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def invoke(args: list[str], workdir: Path, data: Path):
    args = [a.format(data=data, grades=workdir / "GRADES.yaml", dir=workdir,
                     file=workdir / "a_file") for a in args]
    return runner.invoke(app, args)


def check(result, code: int, expected: str) -> None:
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"uncaught {result.exception!r}"
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert expected in result.stderr, result.stderr
    # our own message, or Typer's usage error for a value outside an option's range
    assert "error:" in result.stderr or "Invalid value" in result.stderr, result.stderr


@pytest.mark.parametrize(("command", "name", "case"), list(_file_cases()))
def test_bad_data_file(workdir, command, name, case):
    valid, args = COMMANDS[command]
    make, code, expected = case
    data = workdir / f"{command}_{name}.csv"
    if make == "/dev/zero":
        data = Path(make)
    elif make == "dir":
        data.mkdir()
    elif make is not None:
        data.write_bytes(make(valid))
    if name == "semicolons" and command == "grade":
        code = 1  # the columns are named in the grade configuration, not by an option
    check(invoke(args, workdir, data), code, expected.format(name=data.name))


# Option cases: extra arguments for one command, expected exit and text.
OPTION_CASES = {
    "chart": [
        (["--column", "nope"], 2, "--column 'nope'"),
        (["--subgroup-column", "nope"], 2, "--subgroup-column 'nope'"),
        (["--label-column", "nope"], 2, "--label-column"),
        (["--label-column", "sample"], 2, "--label-column"),
        (["--subgroup", "0"], 2, "'--subgroup'"),
        (["--sigma", "0"], 2, "--sigma"), (["--sigma", "-1"], 2, "--sigma"),
        (["--sigma", "nan"], 2, "--sigma"), (["--sigma", "inf"], 2, "--sigma"),
        (["--limit-width", "0"], 2, "--limit-width"),
        (["--limit-width", "-3"], 2, "--limit-width"),
        (["--limit-width", "nan"], 2, "--limit-width"),
        (["--limit-width", "inf"], 2, "--limit-width"),
        (["--target", "nan"], 2, "--target"), (["--target", "inf"], 2, "--target"),
        (["--target", "-inf"], 2, "--target"),
        (["--unit", "furlong^^"], 2, "--unit"),
        (["--delimiter", "ab"], 2, "--delimiter"), (["--delimiter", ""], 2, "--delimiter"),
        (["--delimiter", "x"], 2, "--delimiter"),
        (["--decimal", "x"], 2, "--decimal"), (["--decimal", ","], 2, "--decimal"),
        (["--encoding", "klingon"], 2, "--encoding"),
        (["--json", "{dir}"], 2, "--json"), (["--json", "{file}/out.json"], 2, "--json"),
        (["--json", "{dir}/out.txt"], 2, "--json"),
        (["--plot", "{dir}"], 2, "--plot"), (["--plot", "{file}/p.html"], 2, "--plot"),
        (["--plot", "{dir}/p.png"], 2, "--plot"),
        (["--json", "/proc/gigatwin-no-such/out.json"], 2, "--json"),
        (["--plot", "/proc/gigatwin-no-such/p.html"], 2, "--plot"),
        (["--json", "/proc/version.json"], 2, "--json"),
        (["--limits", "{dir}/missing.json"], 2, "--limits"),
        (["--limits", "{dir}"], 2, "--limits"),
        (["--limits", "{dir}/list.json"], 1, "--limits"),
        (["--limits", "{dir}/no_parameters.json"], 1, "--limits"),
        (["--limits", "{dir}/no_center.json"], 1, "--limits"),
        (["--limits", "{dir}/sigma_zero.json"], 1, "--limits"),
        (["--limits", "{dir}/center_text.json"], 1, "--limits"),
        (["--limits", "{dir}/not_json.json"], 1, "--limits"),
        (["--limits", "{dir}/latin1.json"], 1, "--limits"),
        (["--limits", "{dir}/imr.json"], 2, "--limits"),
        (["--limits", "{dir}/deep.json"], 1, "--limits"),
        (["--subgroup", "99999999999999999999999"], 2, "'--subgroup'"),
    ],
    "capability": [
        (["--column", "nope"], 2, "--column 'nope'"),
        (["--subgroup-column", "nope"], 2, "--subgroup-column 'nope'"),
        (["--lsl", "74.1"], 2, "--lsl"), (["--lsl", "nan"], 2, "--lsl"),
        (["--usl", "inf"], 2, "--usl"), (["--target", "nan"], 2, "--target"),
        (["--confidence", "0"], 2, "--confidence"), (["--confidence", "1"], 2, "--confidence"),
        (["--confidence", "nan"], 2, "--confidence"),
        (["--confidence", "95"], 2, "--confidence"),
        (["--subgroup", "0"], 2, "'--subgroup'"),
        (["--json", "{dir}"], 2, "--json"), (["--plot", "{file}/p.html"], 2, "--plot"),
        (["--decimal", ";"], 2, "--decimal"),
    ],
    "grade": [
        (["--config", "{dir}/missing.yaml"], 2, "--config"),
        (["--config", "{dir}"], 2, "--config"),
        (["--json", "{dir}"], 2, "--json"), (["--json", "{file}/g.json"], 2, "--json"),
        (["--encoding", "nope"], 2, "--encoding"),
    ],
    "match": [
        (["--cells-per-module", "0"], 2, "'--cells-per-module'"),
        (["--cells-per-module", "100000"], 2, "--cells-per-module"),
        (["--cells-per-module", "41"], 2, "--cells-per-module"),
        (["--modules-per-band", "0"], 2, "'--modules-per-band'"),
        (["--capacity-column", "nope"], 2, "--capacity-column 'nope'"),
        (["--resistance-column", "nope"], 2, "--resistance-column 'nope'"),
        (["--capacity-unit", "kg"], 2, "--capacity-unit"),
        (["--capacity-unit", "furlong^^"], 2, "--capacity-unit"),
        (["--resistance-unit", "V"], 2, "--resistance-unit"),
        (["--json", "{dir}"], 2, "--json"),
    ],
}

# Grade configurations that must be refused (text replacing GRADES.yaml).
BAD_GRADES = {
    "capacity_in_kg": GRADES.replace("capacity: {column: capacity_Ah, unit: Ah}",
                                     "capacity: {column: capacity_Ah, unit: kg}"),
    "limits_in_volts": GRADES.replace("  dcir: milliohm", "  dcir: V"),
    "unit_nonsense": GRADES.replace("  capacity: Ah", "  capacity: furlong^^"),
    "limit_nan": GRADES.replace("capacity: {min: 4.98}", "capacity: {min: .nan}"),
    "limit_inf": GRADES.replace("dcir: {max: 18.5}", "dcir: {max: .inf}"),
    "limit_text": GRADES.replace("capacity: {min: 4.98}", "capacity: {min: high}"),
    "min_above_max": GRADES.replace("capacity: {min: 4.98}", "capacity: {min: 5.1, max: 4.9}"),
    "unknown_bound": GRADES.replace("dcir: {max: 18.5}", "dcir: {maximum: 18.5}"),
    "empty_bounds": GRADES.replace("dcir: {max: 18.5}", "dcir: {}"),
    "unknown_quantity": GRADES.replace("dcir: {max: 18.5}", "voltage: {max: 4.2}"),
    "unknown_top_key": GRADES + "rejekt: scrap\n",
    "duplicate_grade": GRADES.replace("name: B", "name: A"),
    "grade_named_reject": GRADES.replace("name: C", "name: scrap"),
    "no_name": GRADES.replace("  - name: B\n", "  - \n"),
    "no_grades": GRADES.split("grades:")[0],
    "grades_not_list": GRADES.split("grades:")[0] + "grades: {A: 1}\n",
    "column_not_named": GRADES.replace("{column: capacity_Ah, unit: Ah}", "{unit: Ah}"),
    "limit_without_column": GRADES.replace(
        "  k_value: {column: k_mV_per_day, unit: mV/day}\n", "").replace(
        "self_discharge_outliers:\n  threshold: 3.5      # robust z-score (Iglewicz and Hoaglin"
        " 1993)\n  batch_column: batch # outliers judged within each production batch\n", ""),
    "threshold_negative": GRADES.replace("threshold: 3.5", "threshold: -1"),
    "list": "- a\n- b\n",
    "not_yaml": "grades: [A: {\n",
    "latin1": None,
    "yaml_bomb": "".join(f"{k}: &{k} [{', '.join([('*' + p) if p else '1'] * 9)}]\n"
                         for p, k in zip(["", *"abcdefgh"], "abcdefghi", strict=True))
    + "grades: *i\n",
    "deeply_nested": "grades:" + " [" * 5000 + "]" * 5000 + "\n",
    "column_absent_in_data": GRADES.replace("column: capacity_Ah", "column: capacity_kg"),
}


def _option_cases():
    for command, cases in OPTION_CASES.items():
        for extra, code, expected in cases:
            yield pytest.param(command, extra, code, expected,
                               id=f"{command}-{' '.join(extra).replace('{', '').replace('}', '')}")
    for name in BAD_GRADES:
        expected = "eol" if name == "column_absent_in_data" else f"bad_{name}.yaml"
        yield pytest.param("grade", ["--config", "{dir}/bad_" + name + ".yaml"], 1, expected,
                           id=f"grade-config-{name}")


@pytest.mark.parametrize(("command", "extra", "code", "expected"), list(_option_cases()))
def test_bad_option(workdir, command, extra, code, expected):
    valid, args = COMMANDS[command]
    data = workdir / "eol.csv"
    data.write_text(valid)
    _limits_files(workdir)
    for name, text in BAD_GRADES.items():
        path = workdir / f"bad_{name}.yaml"
        if text is None:
            path.write_bytes(GRADES.replace("# End", "# Endé").encode("latin-1"))
        else:
            path.write_text(text)
    args = args + extra if "--config" not in extra else [
        a for a in args if a != "{grades}" and a != "--config"] + extra
    check(invoke(args, workdir, data), code, expected.format(dir=workdir, file=workdir))


def _limits_files(workdir: Path) -> None:
    good = {"type": "xbar-r", "parameters": {"center": 74.0, "sigma": 0.01}}
    files = {
        "list.json": [1, 2, 3],
        "no_parameters.json": {"type": "xbar-r"},
        "no_center.json": {"type": "xbar-r", "parameters": {"sigma": 0.01}},
        "sigma_zero.json": {"type": "xbar-r", "parameters": {"center": 74.0, "sigma": 0}},
        "center_text.json": {"type": "xbar-r", "parameters": {"center": "abc", "sigma": 1}},
        "imr.json": {**good, "type": "imr"},
    }
    for name, content in files.items():
        (workdir / name).write_text(json.dumps(content))
    (workdir / "not_json.json").write_text("{parameters: ")
    (workdir / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (workdir / "latin1.json").write_bytes('{"type": "xbar-r", "é": 1}'.encode("latin-1"))


def test_corpus_is_large():
    assert len(list(_file_cases())) + len(list(_option_cases())) >= 180


def test_a_real_process_prints_no_traceback(tmp_path):
    """The installed entry point, not the test runner: stderr and exit code as a user sees."""
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("diameter,sample\n74,0é\n".encode("latin-1"))
    run = subprocess.run([sys.executable, "-m", "gigatwin.cli.app", "spc", "chart", str(bad),
                          "--column", "diameter", "--type", "imr"],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "latin1.csv" in run.stderr and "position 20" in run.stderr


# Odd but valid inputs: they must run (exit 0) without a traceback.
ODD = {
    "markup_names": ("[/red],[bold]s\n1,[/x]\n2,[/x]\n3,b\n4,b\n",
                     ["spc", "chart", "{data}", "--column", "[/red]", "--type", "xbar-r",
                      "--subgroup-column", "[bold]s", "--plot", "{dir}/m.html"]),
    "markup_capability": ("[/red],[bold]s\n1,[/x]\n2,[/x]\n3,b\n4,b\n",
                          ["spc", "capability", "{data}", "--column", "[/red]", "--lsl", "0",
                           "--usl", "5", "--subgroup-column", "[bold]s"]),
    "constant_values": ("x\n1\n1\n1\n1\n", ["spc", "chart", "{data}", "--column", "x",
                                               "--type", "imr", "--plot", "{dir}/c.html"]),
    "unicode_names": ("Durchmesser µm,Probe\n1,ä\n2,ä\n3,ö\n5,ö\n",
                      ["spc", "chart", "{data}", "--column", "Durchmesser µm", "--type",
                       "xbar-s", "--subgroup-column", "Probe"]),
    "grade_all_dcir_missing": ("cell_id,batch,capacity_Ah,dcir_mohm,k_mV_per_day\n"
                               "a,0,5.0,,1.0\nb,0,5.0,,1.1\n",
                               ["grade", "{data}", "--config", "{grades}"]),
    "grade_unreal_cell": ("cell_id,batch,capacity_Ah,dcir_mohm,k_mV_per_day\n"
                          "a,0,-5.0,18,1.0\nb,0,5.0,18,inf\n",
                          ["grade", "{data}", "--config", "{grades}", "--json", "{dir}/g.json"]),
    "match_unreal_cell": ("cell_id,capacity_Ah,dcir_mohm\na,-5,18\nb,5,18\nc,5.01,18.1\n",
                          ["match", "{data}", "--cells-per-module", "2"]),
}


@pytest.mark.parametrize("name", list(ODD))
def test_odd_but_valid_input_runs(workdir, name):
    text, args = ODD[name]
    data = workdir / "odd.csv"
    data.write_text(text)
    args = [a.format(data=data, grades=workdir / "GRADES.yaml", dir=workdir) for a in args]
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
