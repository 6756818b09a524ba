"""The README works as written: every ``gigatwin`` command in its shell blocks runs.

The commands run in order, as a new user would paste them, in a temporary folder that
holds a copy of ``examples/`` (so relative paths and ``out/`` resolve there, and nothing is
written into the checkout). Commands that need a server which the README's reader starts
themselves (an MQTT broker, an OPC UA server, PostgreSQL) are listed in ``NEEDS_SERVER``
with the test that covers them against a real server; any other command must exit 0
(``spec validate`` of the example with bad rows must exit 1, as the README says).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
# Streaming ingesters run until stopped and need a broker or server: covered elsewhere.
NEEDS_SERVER = {
    "ingest mqtt": "tests/ingest/test_mqtt.py (a Mosquitto started by the test)",
    "ingest opcua": "tests/ingest/test_opcua.py (an asyncua server started by the test)",
}
# Commands whose documented outcome is a non-zero exit.
EXPECTED_EXIT = {"spec validate examples/records/coating_line.csv": 1}


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


@pytest.mark.slow
def test_every_readme_command_runs(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    failures = []
    for command in readme_commands():
        if _needs_server(command):
            continue
        args = shlex.split(command)
        run = subprocess.run([sys.executable, "-m", "gigatwin.cli.app", *args], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
        expected = next((code for prefix, code in EXPECTED_EXIT.items()
                         if command.startswith(prefix)), 0)
        if run.returncode != expected or "Traceback" in run.stderr:
            failures.append(f"gigatwin {command}: exit {run.returncode} (expected {expected})\n"
                            f"{run.stderr[-2000:]}")
    assert not failures, "\n\n".join(failures)
