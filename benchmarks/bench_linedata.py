"""Line data benchmark: trace/track on a 1,000,000-cell genealogy and sustained MQTT
ingestion, on DuckDB and on PostgreSQL (a throwaway cluster started here).

Baselines measured in the same run: for queries, the 50 ms target; for ingestion, the
broker's own raw delivery rate to a plain QoS 1 subscriber that only counts messages.

    .venv/bin/python -m benchmarks linedata          (GIGATWIN_BENCH_CELLS to resize)
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import _servers  # noqa: E402  (throwaway PostgreSQL and Mosquitto, shared with the tests)
from gigatwin.ingest.mqtt import MqttIngestor  # noqa: E402
from gigatwin.store import open_store  # noqa: E402
from gigatwin.trace import trace, track  # noqa: E402
from gigatwin.trace.generate import Plant, load  # noqa: E402

console = Console()
CELLS = int(os.environ.get("GIGATWIN_BENCH_CELLS", 1_000_000))
SAMPLES = 200_000  # per ingestion run, sent as messages of each size below
SAMPLES_PER_MESSAGE = (10, 30, 100)  # a PLC gateway's message: one scan of a few tags .. a buffered second
T0_US = int(datetime(2026, 11, 22, 8, tzinfo=UTC).timestamp()) * 1_000_000  # samples 10 ms apart
TOPIC = "gigatwin/site1/line1/coater/signals"


def _times_ms(fn, args_list) -> dict:
    times = []
    for args in args_list:
        start = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median": statistics.median(times), "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "max": times[-1], "n": len(times)}


QUERIES = 60  # random cells traced and random 50 m roll windows tracked per backend


def _query_sample(plant: Plant, seed: int = 2026) -> tuple[list[str], list[tuple[str, float, float]]]:
    """Random cells, and random 50 m windows of random cathode or anode rolls."""
    rng = random.Random(seed)
    cells = [f"CELL-{rng.randrange(plant.cells):08d}" for _ in range(QUERIES)]
    windows = []
    for _ in range(QUERIES):
        start = float(rng.randrange(int(plant.roll_length_m) - 50))
        roll = f"{rng.choice('CA')}-ROLL-{rng.randrange(plant.rolls_per_electrode):07d}"
        windows.append((roll, start, start + 50.0))
    return cells, windows


def bench_genealogy(url: str, name: str, plant: Plant) -> dict:
    with open_store(url) as store:
        start = time.perf_counter()
        objects, edges = load(store, plant)
        load_s = time.perf_counter() - start
        if store.dialect == "postgresql":
            store.backend.execute("ANALYZE")
        cells, windows = _query_sample(plant)
        trace(store, cells[0])  # warm up
        track(store, *windows[0])
        load_before = os.getloadavg()[0]
        trace_ms = _times_ms(trace, [(store, c) for c in cells])
        track_ms = _times_ms(track, [(store, *w) for w in windows])
        found = sum(r.kind == "cell" for r in track(store, *windows[0]))
    return {"backend": name, "objects": objects, "edges": edges, "load_s": load_s,
            "trace_ms": trace_ms, "track_ms": track_ms, "cells_per_track": found,
            "loadavg_1min": (load_before, os.getloadavg()[0])}


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _payload(m: int, per: int) -> bytes:
    """Message ``m``: ``per`` coating-speed samples 10 ms apart, each with the gateway's id."""
    base = m * per
    return json.dumps([{"key": "coating_speed", "value": 30.0 + (i % 100) / 100, "unit": "m/min",
                        "ts": _iso(T0_US + 10_000 * i), "id": f"b{i}"}
                       for i in range(base, base + per)]).encode()


def _register_session(port: int, client_id: str) -> None:
    """Create a persistent session (subscribed, QoS 1), then leave it: the broker queues for it."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    done = threading.Event()
    client.on_subscribe = lambda *a: done.set()
    client.on_connect = lambda c, *a: c.subscribe("gigatwin/#", qos=1)
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    done.wait(10)
    client.disconnect()
    client.loop_stop()


def _publish_all(port: int, per: int) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-pub")
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = [client.publish(TOPIC, _payload(m, per), qos=1) for m in range(SAMPLES // per)]
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def raw_delivery_rate(broker, per: int) -> float:
    """Messages/s the broker delivers to a subscriber that only counts (QoS 1, auto ack)."""
    messages = SAMPLES // per
    _register_session(broker.port, "bench-raw")
    _publish_all(broker.port, per)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-raw", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(20000)
    got, stamps, done = [0], [], threading.Event()

    def on_message(*args):
        got[0] += 1
        if got[0] == 1:
            stamps.append(time.perf_counter())
        if got[0] == messages:
            stamps.append(time.perf_counter())
            done.set()

    client.on_message = on_message
    client.connect("127.0.0.1", broker.port, clean_start=False)
    client.loop_start()
    done.wait(120)
    client.disconnect()
    client.loop_stop()
    return (messages - 1) / (stamps[1] - stamps[0])


def ingest_rate(broker, url: str, per: int) -> tuple[float, int]:
    """Messages/s of the full ingestion (decode, spec validation, SI, idempotent commit, ack)."""
    client_id = f"bench-ingest-{time.time_ns()}"
    _register_session(broker.port, client_id)
    _publish_all(broker.port, per)
    with open_store(url) as store:
        ingestor = MqttIngestor(store, "127.0.0.1", broker.port, client_id=client_id,
                                batch_size=max(1, 20_000 // per))
        stamps = []
        ingestor.run(idle_exit=2.0, max_messages=SAMPLES // per,
                     on_batch=lambda counts: stamps.append((time.perf_counter(), ingestor.messages)))
        stored = store.count("signals")
    (t0, m0), (t1, m1) = stamps[0], stamps[-1]
    return (m1 - m0) / (t1 - t0), stored


def validation_rate(n: int = 100_000) -> float:
    """Samples/s of gigatwin.spec.validate_record alone (the per-sample floor of ingestion)."""
    from gigatwin.spec import validate_record

    records = json.loads(_payload(0, 100)) * (n // 100)
    start = time.perf_counter()
    for record in records:
        validate_record(record)
    return len(records) / (time.perf_counter() - start)


def bench_mqtt(broker, pg, tmp: Path, per: int) -> dict:
    """Raw delivery, then ingestion into each backend, of the same messages of ``per`` samples."""
    console.print(f"MQTT, {SAMPLES // per:,} messages of {per} samples: raw subscriber ...")
    raw = raw_delivery_rate(broker, per)
    run = {"samples_per_message": per, "messages": SAMPLES // per, "raw_messages_per_s": raw,
           "raw_samples_per_s": raw * per}
    for name, url in (("duckdb", f"duckdb://{tmp / f'mqtt{per}.duckdb'}"),
                      ("postgresql", pg.new_database(f"mqtt{per}"))):
        console.print(f"MQTT, {per} samples per message: ingestion into {name} ...")
        load_before = os.getloadavg()[0]
        rate, stored = ingest_rate(broker, url, per)
        run[name] = {"messages_per_s": rate, "samples_per_s": rate * per, "ratio_to_raw": rate / raw,
                     "stored": stored, "loadavg_1min": (load_before, os.getloadavg()[0])}
    return run


def main() -> dict:
    results = {"genealogy": [], "mqtt": {}}
    pg = _servers.PostgresServer()
    broker = _servers.MosquittoBroker(persistence=False)
    tmp = Path(tempfile.mkdtemp(prefix="gigatwin-bench-"))
    try:
        plant = Plant(cells=CELLS)
        for name, url in (("duckdb", f"duckdb://{tmp / 'genealogy.duckdb'}"),
                          ("postgresql", pg.new_database("genealogy"))):
            console.print(f"genealogy of {CELLS:,} cells on {name} ...")
            results["genealogy"].append(bench_genealogy(url, name, plant))
        results["mqtt"]["validate_samples_per_s"] = validation_rate()
        results["mqtt"]["runs"] = [bench_mqtt(broker, pg, tmp, per) for per in SAMPLES_PER_MESSAGE]
    finally:
        broker.close()
        pg.stop()
    _report(results)
    return results


def _report(results: dict) -> None:
    table = Table(title=f"trace / track on {CELLS:,} cells, {QUERIES} random queries each (target < 50 ms)")
    for col in ("backend", "objects", "edges", "bulk load [s]", "trace median / p95 / max [ms]",
                "track 50 m median / p95 / max [ms]", "cells per track", "load avg (1 min)"):
        table.add_column(col)
    for g in results["genealogy"]:
        tr, tk = g["trace_ms"], g["track_ms"]
        table.add_row(g["backend"], f"{g['objects']:,}", f"{g['edges']:,}", f"{g['load_s']:.1f}",
                      "{median:.1f} / {p95:.1f} / {max:.1f}".format(**tr),
                      "{median:.1f} / {p95:.1f} / {max:.1f}".format(**tk), str(g["cells_per_track"]),
                      "{:.2f} -> {:.2f}".format(*g["loadavg_1min"]))
    console.print(table)
    mq = results["mqtt"]
    table = Table(title=f"MQTT ingestion of {SAMPLES:,} samples (QoS 1, targets: >= 50,000 samples/s "
                        "and >= 0.5 x raw)")
    for col in ("samples/message", "consumer", "messages/s", "samples/s", "ratio to raw", "load avg (1 min)"):
        table.add_column(col)
    for run in mq["runs"]:
        table.add_row(str(run["samples_per_message"]), "raw subscriber (count only)",
                      f"{run['raw_messages_per_s']:,.0f}", f"{run['raw_samples_per_s']:,.0f}", "1.00", "")
        for name in ("duckdb", "postgresql"):
            r = run[name]
            table.add_row("", f"gigatwin ingest -> {name}", f"{r['messages_per_s']:,.0f}",
                          f"{r['samples_per_s']:,.0f}", f"{r['ratio_to_raw']:.2f}",
                          "{:.2f} -> {:.2f}".format(*r["loadavg_1min"]))
    console.print(table)
    console.print(f"for reference, spec validate_record one record at a time: {mq['validate_samples_per_s']:,.0f} samples/s "
                  "(the ingester validates on columns instead)")


if __name__ == "__main__":
    main()
