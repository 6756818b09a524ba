"""Latency of the REST API under load: 50 concurrent clients on loopback.

A ``gigatwin serve`` process (one uvicorn worker, warmed up by one request per
endpoint) over a store holding the genealogy of
2,000 cells and a 500-point signal answers a bounded load (``REQUESTS`` per endpoint, at
most ``MAX_SECONDS`` each) from 50 concurrent HTTP clients (httpx, asyncio, keep-alive)
in this process. Reported: median, p95 and max latency per endpoint and requests/s,
with the public health check (no authentication, no store) as the baseline of the same
run. DuckDB (a file), PostgreSQL (a throwaway server), and PostgreSQL with two worker
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


def _serve(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "GIGATWIN_SECRET_KEY": "bench-only-" + "s" * 40}
    process = subprocess.Popen([str(Path(sys.executable).parent / "gigatwin"), "serve", "--store", url,
                                "--port", str(port), "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _servers.wait_for_port(port, timeout=60)
    return process


async def _load(base: str, paths, headers: dict) -> tuple[np.ndarray, float]:
    import httpx

    latencies: list[float] = []
    issued = 0
    deadline = time.perf_counter() + MAX_SECONDS

    async def client(http):
        nonlocal issued
        while issued < REQUESTS and time.perf_counter() < deadline:
            path = paths(issued)
            issued += 1
            t0 = time.perf_counter()
            response = await http.get(path, headers=headers)
            latencies.append(time.perf_counter() - t0)
            response.raise_for_status()

    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
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
            latencies, rate = asyncio.run(_load(base, paths, headers))
            rows.append({"store": name, "endpoint": label, "requests": latencies.size,
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
                   "p95 / baseline p95"):
        table.add_column(column, justify="left" if column in ("store", "endpoint") else "right")
    for row in rows:
        base = next(r for r in rows if r["store"] == row["store"] and "baseline" in r["endpoint"])
        table.add_row(row["store"], row["endpoint"], str(row["requests"]), f"{row['median_ms']:.1f}",
                      f"{row['p95_ms']:.1f}", f"{row['max_ms']:.1f}", f"{row['per_s']:.0f}",
                      f"{row['p95_ms'] / base['p95_ms']:.1f}")
    console.print(table)
    return {"rows": rows}


if __name__ == "__main__":
    main()
