"""Line data benchmark: trace/track on a 1,000,000-cell genealogy, sustained MQTT
ingestion on DuckDB and on PostgreSQL (a throwaway cluster started here), and file
ingestion and validation of a 1,000,000-row CSV.

Baselines measured in the same run: for queries, the 50 ms target; for MQTT ingestion,
the broker's own raw delivery rate to a plain QoS 1 subscriber that only counts
messages; for files, the previous per-row path (one record dict and one validation per
row, kept here as ``legacy_*``) on the same file.

    .venv/bin/python -m benchmarks linedata          (GIGATWIN_BENCH_CELLS to resize;
    GIGATWIN_BENCH_PARTS=files,mqtt10 for the file part beside one MQTT run)
"""

from __future__ import annotations

import json
import os
import random
import shutil
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
PARTS = os.environ.get("GIGATWIN_BENCH_PARTS", "genealogy,mqtt,files").split(",")
FILE_ROWS = int(os.environ.get("GIGATWIN_BENCH_FILE_ROWS", 1_000_000))
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


def _records_csv(path: Path, rows: int) -> Path:
    """``rows`` records (the MQTT benchmark's three keys), 10 ms apart, with ids."""
    keys = [("coating_speed", 30.0, "m/min"), ("dryer_zone1_air_temperature", 110.0, "degC"),
            ("coating_areal_loading", 20.0, "mg/cm^2")]
    with path.open("w") as handle:
        handle.write("key,value,unit,ts,asset,id\n")
        for i in range(rows):
            key, value, unit = keys[i % 3]
            handle.write(f"{key},{value + (i % 100) / 100},{unit},{_iso(T0_US + i * 10_000)},"
                         f"site1/line1/coater,f{i}\n")
    return path


WIDE_COLUMNS = (("speed_m_min", "coating_speed", "m/min", 30.0), ("dryer1_degC", "dryer_zone1_air_temperature",
                                                                 "degC", 110.0),
                ("loading_g_m2", "coating_areal_loading", "g/m^2", 200.0), ("wet_um", "wet_film_thickness",
                                                                           "um", 150.0))


def _wide_csv(path: Path, records: int) -> tuple[Path, Path]:
    """A wide log holding ``records`` values (four per row, local time Europe/Berlin in
    the logger's own format) and its mapping; no product, so that the values go to the
    same table as the long file's (signals)."""
    with path.open("w") as handle:
        handle.write("time,station," + ",".join(c for c, *_ in WIDE_COLUMNS) + "\n")
        for i in range(records // len(WIDE_COLUMNS)):
            stamp = datetime.fromtimestamp(T0_US / 1e6 + i * 0.04, UTC).strftime("%d.%m.%Y %H:%M:%S.%f")
            values = ",".join(f"{v + (i % 100) / 100}" for *_, v in WIDE_COLUMNS)
            handle.write(f"{stamp},site1/line1/coater,{values}\n")
    mapping = path.with_suffix(".yaml")
    mapping.write_text("timestamp: {column: time, format: '%d.%m.%Y %H:%M:%S.%f', timezone: Europe/Berlin}\n"
                       "asset: {column: station}\ncolumns:\n"
                       + "".join(f"  {c}: {{key: {k}, unit: '{u}'}}\n" for c, k, u, _ in WIDE_COLUMNS))
    return path, mapping


def legacy_ingest_records(store, path: Path) -> int:
    """The file import before issue 17: a dict and a Delivery per row (the baseline)."""
    from gigatwin.ingest.files import read_table
    from gigatwin.ingest.record_writer import Delivery, RecordWriter

    writer, source, stored = RecordWriter(store), f"file:{path.name}", 0
    for batch in read_table(path).to_batches(max_chunksize=50_000):
        deliveries = [Delivery(source, {k: v for k, v in row.items() if v is not None})
                      for row in batch.to_pylist()]
        stored += writer.write(deliveries, counter_source=source).stored
    return stored


def legacy_validate_file(path: Path) -> int:
    """`spec validate` before issue 17: validate_record on each row (the baseline)."""
    from gigatwin.spec.record_validation import read_records, validate_records

    return len(validate_records(read_records(path), first_row=2).accepted)


def bench_files(tmp: Path, rows: int) -> dict:
    """Rows/s of `ingest file` (DuckDB) and `spec validate`, new and legacy, same file.
    Each is timed in a fresh process, so that none inherits another's heap."""
    import subprocess

    path = _records_csv(tmp / "records.csv", rows)
    out = {"rows": rows}
    _wide_csv(tmp / "wide.csv", rows)
    for name in ("ingest_file", "legacy_ingest_file", "spec_validate", "spec_validate_all_rows",
                 "legacy_spec_validate", "ingest_file_mapping"):
        console.print(f"files, {rows:,} rows: {name} ...")
        child = subprocess.run([sys.executable, "-m", "benchmarks.bench_linedata", "file-part", name, str(path),
                                str(tmp / f"{name}.duckdb")], capture_output=True, text=True, check=True,
                               cwd=ROOT)
        seconds, count = map(float, child.stdout.split()[-2:])
        assert count == rows, (name, count)
        out[name] = rows / seconds
    # the command as a user runs it, start-up (imports, the spec) included
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "gigatwin"), "spec", "validate", str(path)],
                   capture_output=True, check=True, cwd=ROOT)
    out["spec_validate_command_s"] = time.perf_counter() - start
    out["loadavg_1min"] = os.getloadavg()[0]
    return out


def _file_part(name: str, path: Path, store_path: Path) -> tuple[float, int]:
    """Seconds and rows of one file measurement (run in its own process by bench_files)."""
    from gigatwin.ingest.files import ingest_file, load_file_mapping
    from gigatwin.spec import load_registry, validate_file
    from gigatwin.spec.batch import check_file

    load_registry()  # read once, before the timing
    parts = {"ingest_file": lambda: _with_store(store_path, lambda s: ingest_file(s, path).stored),
             "legacy_ingest_file": lambda: _with_store(store_path, lambda s: legacy_ingest_records(s, path)),
             "spec_validate": lambda: check_file(path).accepted,  # what the command runs
             "spec_validate_all_rows": lambda: len(validate_file(path).accepted),  # with --json
             "legacy_spec_validate": lambda: legacy_validate_file(path),
             # the same number of values as a wide file with a mapping (its own format and zone)
             "ingest_file_mapping": lambda: _with_store(store_path, lambda s: ingest_file(
                 s, path.with_name("wide.csv"), mapping=load_file_mapping(path.with_name("wide.yaml"))).stored)}
    start = time.perf_counter()
    count = parts[name]()
    return time.perf_counter() - start, count


def _with_store(path: Path, fn):
    with open_store(f"duckdb://{path}") as store:
        return fn(store)


def main() -> dict:
    results = {"genealogy": [], "mqtt": {}}
    pg = _servers.PostgresServer()
    broker = _servers.MosquittoBroker(persistence=False)
    tmp = Path(tempfile.mkdtemp(prefix="gigatwin-bench-"))
    try:
        plant = Plant(cells=CELLS)
        for name, url in (("duckdb", f"duckdb://{tmp / 'genealogy.duckdb'}"),
                          ("postgresql", pg.new_database("genealogy"))):
            if "genealogy" in PARTS:
                console.print(f"genealogy of {CELLS:,} cells on {name} ...")
                results["genealogy"].append(bench_genealogy(url, name, plant))
        results["mqtt"]["validate_samples_per_s"] = validation_rate()
        sizes = SAMPLES_PER_MESSAGE if "mqtt" in PARTS else \
            [per for per in SAMPLES_PER_MESSAGE if f"mqtt{per}" in PARTS]
        results["mqtt"]["runs"] = [bench_mqtt(broker, pg, tmp, per) for per in sizes]
        if "files" in PARTS:
            results["files"] = bench_files(tmp, FILE_ROWS)
    finally:
        broker.close()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    _report(results)
    return results


def _report(results: dict) -> None:
    if not results["genealogy"]:
        return _report_mqtt(results)
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
    _report_mqtt(results)


def _report_mqtt(results: dict) -> None:
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
    if "files" in results:
        f = results["files"]
        table = Table(title=f"file ingestion of a {f['rows']:,}-row CSV into DuckDB, and spec validate")
        for col in ("command", "rows/s now", "rows/s before (per-row path)", "speed-up"):
            table.add_column(col)
        for name, legacy in (("ingest_file", "legacy_ingest_file"), ("spec_validate", "legacy_spec_validate"),
                             ("spec_validate_all_rows", "legacy_spec_validate"),
                             ("ingest_file_mapping", "legacy_ingest_file")):
            table.add_row(name.replace("_", " "), f"{f[name]:,.0f}", f"{f[legacy]:,.0f}",
                          f"{f[name] / f[legacy]:.1f}x")
        console.print(table)
        console.print(f"`gigatwin spec validate` of the file, start-up included: "
                      f"{f['spec_validate_command_s']:.2f} s (load average {f['loadavg_1min']:.1f})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["file-part"]:
        seconds, count = _file_part(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        print(seconds, count)
    else:
        main()
