"""Throwaway servers for the line data tests: PostgreSQL and Mosquitto on free ports.

Nothing here touches the machine's shared instances (PostgreSQL :5432, Mosquitto :1883).
When a server binary is missing the test is skipped locally but FAILS when the ``CI``
environment variable is set, so CI cannot pass by not testing.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing(what: str):
    message = f"{what} not found; install it to run this test"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: failing instead of skipping)")
    pytest.skip(message)


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


# -- PostgreSQL -----------------------------------------------------------------------

def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


class PostgresServer:
    """A PostgreSQL cluster in a temporary directory, trust auth, on a free port."""

    def __init__(self):
        bin_dir = _pg_bin()
        if bin_dir is None:
            missing("PostgreSQL (initdb/pg_ctl)")
        self.bin = bin_dir
        self.tmp = Path(tempfile.mkdtemp(prefix="gigatwin-pg-"))
        self.data = self.tmp / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres", "postgres")
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                   "--no-sync", "-E", "UTF8"])
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=128MB")
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                   "-l", str(self.tmp / "log"), "-w", "start"])

    def restart(self, pause: float) -> None:
        """Stop the server (fast shutdown: clients get AdminShutdown), wait, start it again."""
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        time.sleep(pause)
        self.start()

    def _run(self, cmd: list[str]) -> None:
        subprocess.run(_as_postgres_user(cmd), check=True, capture_output=True, cwd=self.tmp)

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            con.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(_as_postgres_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m",
                                          "immediate", "stop"]), capture_output=True, cwd=self.tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)


# -- Mosquitto ------------------------------------------------------------------------

def mosquitto_binary() -> str:
    path = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists()
                                         else None)
    if path is None:
        missing("mosquitto")
    return path


class MosquittoBroker:
    """A Mosquitto broker on a free port with persistence in a temporary directory.

    ``max_inflight_messages``/``max_queued_messages`` are lifted so that a consumer that
    acknowledges whole batches is not throttled to 20 messages in flight, and so that
    nothing is dropped while a persistent-session consumer is away.
    """

    def __init__(self, persistence: bool = True, config: Path | None = None):
        self.binary = mosquitto_binary()
        self.tmp = Path(tempfile.mkdtemp(prefix="gigatwin-mqtt-"))
        self.port = free_port()
        (self.tmp / "persist").mkdir()
        if config is None:
            lines = [
                "max_inflight_messages 0", "max_queued_messages 0", "max_queued_bytes 0",
                f"persistence {'true' if persistence else 'false'}", "autosave_interval 1",
            ]
        else:  # a shipped configuration, with its listener and paths replaced
            lines = [line for line in config.read_text().splitlines()
                     if not line.startswith(("listener", "persistence_location", "log_dest",
                                             "allow_anonymous", "password_file"))]
        lines += [f"listener {self.port} 127.0.0.1", "allow_anonymous true",
                  f"persistence_location {self.tmp / 'persist'}/",
                  "log_dest stderr", "log_type error", "log_type warning"]
        self.config = self.tmp / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")
        # Run as root, mosquitto drops to its own user: let it write its persistence file.
        os.chmod(self.tmp, 0o755)
        os.chmod(self.tmp / "persist", 0o777)
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL,
                                        stderr=open(self.tmp / "broker.log", "ab"))  # noqa: SIM115
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


# -- fixtures (imported by the conftest.py of tests/store, tests/ingest, tests/trace) ----

_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request, tmp_path):
    """The same test on DuckDB (a file) and on a throwaway PostgreSQL database."""
    if request.param == "duckdb":
        return f"duckdb://{tmp_path / 'line.duckdb'}"
    server = request.getfixturevalue("postgres_server")
    return server.new_database(f"t{next(_numbers)}")


SHIPPED_MOSQUITTO_CONFIG = Path(__file__).resolve().parents[1] / "examples" / "linedata" / "mosquitto.conf"


@pytest.fixture
def mosquitto():
    """A broker with the configuration shipped in examples/linedata/mosquitto.conf."""
    broker = MosquittoBroker(config=SHIPPED_MOSQUITTO_CONFIG)
    yield broker
    broker.close()
