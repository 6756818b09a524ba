"""Latency of the REST API under load: 50 concurrent clients on loopback.

A ``gigatwin serve`` process (one uvicorn worker, warmed up by one request per
endpoint) over a store holding the genealogy of
2,000 cells and a 500-point signal answers a bounded load (``REQUESTS`` per endpoint, at
most ``MAX_SECONDS`` each) from 50 concurrent HTTP/1.1 keep-alive connections (a bare
asyncio client, see :func:`_load`) in this process. The trace requests ask for 500
different cells in turn, so none is answered from the service's cache; the spec and
SPC requests repeat, as a dashboard's do. Reported: median, p95 and max latency per endpoint and requests/s,
with the public health check (no authentication, no store) as the baseline of the same
run, and the server's CPU time per request (from /proc: what the service costs,
whatever else runs on the machine). DuckDB (a file), PostgreSQL (a throwaway server), and PostgreSQL with two worker
processes (``gigatwin serve --workers 2``).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import _servers  # noqa: E402  (throwaway PostgreSQL, shared with the tests)

console = Console()
CLIENTS = 50
REQUESTS = 500
MAX_SECONDS = 10.0
CELLS = 2000
PASSWORD = "bench-password-1"


def _populate(url: str) -> None:
    from gigatwin.api.accounts import add_user, migrate_accounts
    from gigatwin.ingest.record_writer import Delivery, RecordWriter
    from gigatwin.store import open_store
    from gigatwin.trace.generate import Plant, load

    rng = np.random.default_rng(3)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    records = [{"key": "wet_film_thickness", "value": float(v), "unit": "um", "asset": "coater-1",
                "ts": (start + timedelta(seconds=i)).isoformat(), "id": f"b{i}"}
               for i, v in enumerate(rng.normal(200, 2, 500))]
    with open_store(url) as store:
        migrate_accounts(store)
        add_user(store, "bench", PASSWORD, "viewer", actor="bench")
        load(store, Plant(cells=CELLS))
        RecordWriter(store).write([Delivery("bench", r) for r in records], counter_source="bench")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children's threads (Linux /proc)."""
    total = 0
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid] + [int(p) for p in children.read_text().split()] if children.exists() else [pid]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime [clock ticks]
    return total / os.sysconf("SC_CLK_TCK")


def _serve(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "GIGATWIN_SECRET_KEY": "bench-only-" + "s" * 40}
    process = subprocess.Popen([str(Path(sys.executable).parent / "gigatwin"), "serve", "--store", url,
                                "--port", str(port), "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _servers.wait_for_port(port, timeout=60)
    return process


async def _get(reader, writer, request: bytes) -> int:
    """Send one keep-alive GET and read its answer (Content-Length framed); the status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in lines
                   if line.lower().startswith("content-length:")), None)
    if length is None:
        raise RuntimeError(f"answer without Content-Length: {status_line}")
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def _load(port: int, paths, headers: dict) -> tuple[np.ndarray, float]:
    """``CLIENTS`` connections, each sending its next request when the last one is
    answered, until ``REQUESTS`` in all or ``MAX_SECONDS``. A bare HTTP/1.1 client on
    asyncio streams, which spends far less CPU per request than httpx: on two shared
    cores, the load generator's CPU is taken from the server it measures."""
    latencies: list[float] = []
    issued = 0
    deadline = time.perf_counter() + MAX_SECONDS
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())

    async def client():
        nonlocal issued
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while issued < REQUESTS and time.perf_counter() < deadline:
                path = paths(issued)
                issued += 1
                request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()
                t0 = time.perf_counter()
                status = await _get(reader, writer, request)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    raise RuntimeError(f"GET {path}: HTTP {status}")
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - t0
    return np.array(latencies) * 1e3, len(latencies) / elapsed


ENDPOINTS = {
    "health (baseline)": lambda i: "/api/v1/health",
    "spec: parameters of a step": lambda i: "/api/v1/spec/parameters?step=coating",
    "trace: a cell": lambda i: f"/api/v1/trace/CELL-{(i * 7919) % CELLS:08d}",
    "SPC: I-MR chart, 500 points": lambda i: "/api/v1/spc/chart?key=wet_film_thickness&asset=coater-1",
}


def bench_store(name: str, url: str, workers: int = 1) -> list[dict]:
    import httpx

    _populate(url)
    port = _servers.free_port()
    server = _serve(url, port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "bench", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        rows = []
        for label, paths in ENDPOINTS.items():
            httpx.get(base + paths(0), headers=headers, timeout=60).raise_for_status()  # warm-up
            cpu0 = _cpu_seconds(server.pid)
            latencies, rate = asyncio.run(_load(port, paths, headers))
            cpu = (_cpu_seconds(server.pid) - cpu0) / latencies.size
            rows.append({"store": name, "endpoint": label, "requests": latencies.size,
                         "server_cpu_ms": 1e3 * cpu,
                         "median_ms": float(np.median(latencies)),
                         "p95_ms": float(np.percentile(latencies, 95)),
                         "max_ms": float(latencies.max()), "per_s": rate})
        return rows
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> dict:
    pg = _servers.PostgresServer()
    tmp = Path(tempfile.mkdtemp(prefix="gigatwin-bench-api-"))
    rows: list[dict] = []
    try:
        rows += bench_store("duckdb", f"duckdb://{tmp / 'api.duckdb'}")
        rows += bench_store("postgresql", pg.new_database("api"))
        rows += bench_store("postgresql, 2 workers", pg.new_database("api2"), workers=2)
    finally:
        pg.stop()
    table = Table(title=f"REST API, {CLIENTS} concurrent clients, {REQUESTS} requests per endpoint "
                        f"(load average {os.getloadavg()[0]:.1f})")
    for column in ("store", "endpoint", "requests", "median ms", "p95 ms", "max ms", "req/s",
                   "server CPU ms/req", "p95 / baseline p95"):
        table.add_column(column, justify="left" if column in ("store", "endpoint") else "right")
    for row in rows:
        base = next(r for r in rows if r["store"] == row["store"] and "baseline" in r["endpoint"])
        table.add_row(row["store"], row["endpoint"], str(row["requests"]), f"{row['median_ms']:.1f}",
                      f"{row['p95_ms']:.1f}", f"{row['max_ms']:.1f}", f"{row['per_s']:.0f}",
                      f"{row['server_cpu_ms']:.2f}",
                      f"{row['p95_ms'] / base['p95_ms']:.1f}")
    Console(width=160).print(table)
    return {"rows": rows}


if __name__ == "__main__":
    main()
