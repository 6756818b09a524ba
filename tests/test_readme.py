"""The README works as written: every ``gigatwin`` command in its shell blocks runs.

The commands run in order, as a new user would paste them, in a temporary folder that
holds a copy of ``examples/`` (so relative paths and ``out/`` resolve there, and nothing is
written into the checkout). Commands that need a server which the README's reader starts
themselves (an MQTT broker, an OPC UA server, PostgreSQL) are listed in ``NEEDS_SERVER``
with the test that covers them against a real server; any other command must exit 0
(``spec validate`` of the example with bad rows must exit 1, as the README says).

Most commands run in the test's own process, through :func:`gigatwin.cli.app.main` as
the console script does (a new interpreter per command would add seconds of imports to
each, and the bad-input corpus checks the in-process and the real exits agree). Those in
``IN_A_PROCESS`` run as real processes: the first (what a reader's shell runs, with its
interpreter start-up and stderr) and those that start processes or servers of their own.
The fixed port of the README's OPC UA server is replaced by a free one, so that nothing
else on the machine (another test run) can hold it.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _servers import free_port
from gigatwin.cli.app import main

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
# Streaming ingesters run until stopped and need a broker or server: covered elsewhere.
NEEDS_SERVER = {
    "ingest mqtt": "tests/ingest/test_mqtt.py (a Mosquitto started by the test)",
    "ingest opcua": "tests/ingest/test_opcua.py (an asyncua server started by the test)",
}
# Commands whose documented outcome is a non-zero exit.
EXPECTED_EXIT = {"spec validate examples/records/coating_line.csv": 1}
# Commands run as real processes (by prefix): dask's local cluster starts worker
# processes, and `line run --opcua` serves the line's address space until its run ends.
IN_A_PROCESS = ("simulate examples/recipes/nmc811_sigraphite_21700.yaml --samples 300000 "
                "--engine dask", "line run examples/lines/pilot_line.yaml --duration 2h --opcua")
# The README's OPC UA server address; a free port replaces it here.
OPCUA_PORT = "127.0.0.1:4841"


def readme_commands() -> list[str]:
    """The ``gigatwin ...`` lines of the README's ```bash blocks, comments removed."""
    commands, in_bash, pending = [], False, ""
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_bash = line.strip() in ("```bash", "```sh", "```console")
            continue
        text = line.split(" #", 1)[0].strip()
        if pending:                       # the continuation of a line ending in a backslash
            text, pending = f"{pending} {text}", ""
        if text.endswith("\\"):
            pending = text[:-1].strip()
            continue
        if in_bash and text.startswith("gigatwin "):
            commands.append(text.removeprefix("gigatwin "))
    return commands


def _needs_server(command: str) -> bool:
    return any(command.startswith(prefix) for prefix in NEEDS_SERVER)


def test_the_readme_shows_commands():
    commands = readme_commands()
    assert len(commands) >= 15, commands
    assert sum(_needs_server(c) for c in commands) == len(NEEDS_SERVER)


def test_store_urls_in_the_readme_are_relative():
    # duckdb:///x is the absolute path /x: a reader who is not root cannot write there.
    text = README.read_text(encoding="utf-8")
    assert not re.search(r"duckdb:///(?!\S*:memory:)", text.split("## Store URLs")[0])


def _in_this_process(args: list[str], capfd) -> tuple[int, str]:
    """Run ``gigatwin ARGS`` through the console script's entry point; exit code, stderr."""
    try:
        main(args)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return code, capfd.readouterr().err


def test_the_real_processes_are_readme_commands():
    commands = readme_commands()
    assert commands[0].startswith("spec ")     # the first command runs as a real process
    for prefix in IN_A_PROCESS:
        assert any(c.startswith(prefix) for c in commands), prefix
    assert sum(OPCUA_PORT in c for c in commands) == 1


@pytest.mark.slow
def test_every_readme_command_runs(tmp_path, monkeypatch, capfd):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    failures = []
    for number, command in enumerate(readme_commands()):
        if _needs_server(command):
            continue
        args = shlex.split(command.replace(OPCUA_PORT, f"127.0.0.1:{free_port()}"))
        if number == 0 or command.startswith(IN_A_PROCESS):
            run = subprocess.run([sys.executable, "-m", "gigatwin.cli.app", *args],
                                 cwd=tmp_path, capture_output=True, text=True, timeout=300)
            code, stderr = run.returncode, run.stderr
        else:
            code, stderr = _in_this_process(args, capfd)
        expected = next((wanted for prefix, wanted in EXPECTED_EXIT.items()
                         if command.startswith(prefix)), 0)
        if code != expected or "Traceback" in stderr:
            failures.append(f"gigatwin {command}: exit {code} (expected {expected})\n"
                            f"{stderr[-2000:]}")
    assert not failures, "\n\n".join(failures)
