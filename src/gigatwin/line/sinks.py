"""Where the virtual line's data go: the transports a real line's PLCs and testers use.

* :class:`StoreSink`: in-process ingestion into a store (the embedded DuckDB default), the
  same validation path as every other source (``gigatwin.ingest.record_writer``);
* :class:`FileSink`: CSV files in the record format (``gigatwin ingest file`` reads them);
* :class:`MqttSink`: MQTT, QoS 1, the record format on the topic namespace
  ``gigatwin/<site>/<line>/<station>/<signals|measurements>`` that ``gigatwin ingest mqtt``
  subscribes to.

Every record has an ``id`` (station, key, time and product), so a duplicate delivery is
stored once. :class:`CommFaults` sits in front of a sink and applies the scenario's
communication faults: duplicated, late and out-of-order messages.
"""

from __future__ import annotations

import json
import logging
import queue
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

from gigatwin.line.config import Scenario
from gigatwin.line.engine import Genealogy, RecordBatch

_log = logging.getLogger(__name__)
CHUNK = 5000      # records per delivery (an MQTT message, a store transaction)


# Columns of records.csv (``product`` empty for a time series)
RECORD_COLUMNS = ("key", "value", "unit", "ts", "asset", "product", "id")
# Columns of the genealogy files (the engine's objects and edges; optional ones empty)
FILE_COLUMNS = {
    "records.csv": RECORD_COLUMNS,
    "genealogy_objects.csv": ("object_id", "kind", "material", "length_m", "asset_id",
                              "created_ts"),
    "genealogy.csv": ("parent_id", "child_id", "parent_from_m", "parent_to_m",
                      "child_from_m", "child_to_m"),
}


def records(batch: RecordBatch, start: datetime) -> list[dict]:
    """``batch`` as records of the spec's format (ISO timestamps, ids)."""
    times = np.datetime64(start.replace(tzinfo=None), "us") + \
        (batch.ts * 1e6).astype("timedelta64[us]")
    stamps = np.datetime_as_string(times, unit="ms")
    station = batch.asset.rsplit("/", 1)[-1]
    out = []
    for i, (value, ts) in enumerate(zip(batch.values.tolist(), stamps.tolist(), strict=True)):
        record = {"key": batch.key, "value": value, "unit": batch.unit, "ts": ts + "Z",
                  "asset": batch.asset}
        if batch.products is not None:
            record["product"] = batch.products[i]
            record["id"] = f"{station}:{batch.key}:{batch.products[i]}"
        else:
            record["id"] = f"{station}:{batch.key}:{ts}"
        out.append(record)
    return out


class CommFaults:
    """Duplicates, delays and reorders records before they reach ``deliver``, as the
    scenario's ``comm_fault`` entries say (each a probability per record, in its window)."""

    def __init__(self, scenario: Scenario, deliver: Callable[[list[dict]], None], seed: int = 0):
        self.faults = scenario.of("comm_fault")
        self.deliver = deliver
        self.rng = np.random.default_rng([seed, 3])
        self.held: list[tuple[float, list[dict]]] = []   # (release time [s], records)

    def __call__(self, rows: list[dict], now: float) -> None:
        out = list(rows)
        for fault in self.faults:
            if not (fault.start <= now < fault.end) or not out:
                continue
            hit = self.rng.random(len(out)) < fault.probability
            if fault.mode == "duplicate":
                out += [r for r, h in zip(out, hit, strict=True) if h]
            elif fault.mode == "late":
                late = [r for r, h in zip(out, hit, strict=True) if h]
                out = [r for r, h in zip(out, hit, strict=True) if not h]
                if late:
                    self.held.append((now + fault.delay, late))
            elif fault.mode == "out_of_order" and hit.any():
                order = np.arange(len(out))
                picked = np.flatnonzero(hit)
                order[picked] = self.rng.permutation(picked)
                out = [out[i] for i in order]
        due = [r for t, batch in self.held if t <= now for r in batch]
        self.held = [(t, b) for t, b in self.held if t > now]
        if out or due:
            self.deliver(out + due)

    def flush(self) -> None:
        rest = [r for _, batch in self.held for r in batch]
        self.held = []
        if rest:
            self.deliver(rest)


class StoreSink:
    """Records and genealogy straight into a store (in-process ingestion)."""

    def __init__(self, store, source: str = "line"):
        from gigatwin.ingest.record_writer import RecordWriter

        self.store, self.source = store, source
        self.writer = RecordWriter(store)
        self.pending: list[dict] = []
        self.objects: list[dict] = []
        self.edges: list[dict] = []
        self.sent = 0

    def records(self, rows: list[dict]) -> None:
        self.pending += rows
        self.sent += len(rows)
        if len(self.pending) >= CHUNK:
            self.flush()

    def genealogy(self, g: Genealogy) -> None:
        self.objects += g.objects
        self.edges += g.edges
        if len(self.objects) + len(self.edges) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        from gigatwin.ingest.record_writer import Delivery

        if self.objects:          # objects before the edges that name them
            self.store.add_objects(self.objects)
            self.objects = []
        if self.edges:
            self.store.add_edges(self.edges)
            self.edges = []
        if self.pending:
            deliveries = [Delivery(f"{self.source}", self.pending[i:i + CHUNK])
                          for i in range(0, len(self.pending), CHUNK)]
            self.writer.write(deliveries, counter_source=self.source)
            self.pending = []

    def close(self) -> None:
        self.flush()


class FileSink:
    """Records to ``records.csv`` and genealogy to ``genealogy_objects.csv`` /
    ``genealogy.csv`` in a folder (the formats ``gigatwin ingest file`` reads)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.paths = {name: self.folder / name for name in
                      ("records.csv", "genealogy_objects.csv", "genealogy.csv")}
        for path in self.paths.values():
            path.unlink(missing_ok=True)
        self.sent = 0
        self._columns: dict[str, list[str]] = {}

    def _append(self, name: str, rows: list[dict]) -> None:
        import pandas as pd

        path = self.paths[name]
        frame = pd.DataFrame(rows)
        # one header per file: a later batch without an optional column (records of a
        # time series carry no product) is written under the same columns
        columns = self._columns.setdefault(name, list(FILE_COLUMNS[name]))
        extra = [c for c in frame.columns if c not in columns]
        if extra:
            raise ValueError(f"{path}: rows carry columns {extra} beyond the file's header "
                             f"{columns}")
        frame.reindex(columns=columns).to_csv(path, mode="a", header=not path.exists(),
                                              index=False)

    def records(self, rows: list[dict]) -> None:
        self.sent += len(rows)
        self._append("records.csv", rows)

    def genealogy(self, g: Genealogy) -> None:
        if g.objects:
            self._append("genealogy_objects.csv",
                         [{**o, "created_ts": o.get("created_ts").isoformat()
                           if o.get("created_ts") else None} for o in g.objects])
        if g.edges:
            self._append("genealogy.csv", g.edges)

    def close(self) -> None:
        pass


class MqttSink:
    """Records published with QoS 1, one JSON list per message, on
    ``gigatwin/<site>/<line>/<station>/<signals|measurements>``. Genealogy has no MQTT
    topic of its own in gigatwin: it goes to ``genealogy_to`` (a store or file sink).

    With ``commands`` (the line), the sink also takes setpoint commands on
    ``gigatwin/<site>/<line>/<station>/setpoints``: a JSON object ``{"key":
    "coating_speed", "value": 35, "unit": "m/min"}`` (the key as the station's line
    file lists it, or qualified). A command the line does not allow (not a setpoint of
    that station, a unit of another dimension, outside the spec's physical range) is
    refused with a warning naming the reason and kept in :attr:`refused`."""

    def __init__(self, host: str, port: int, *, genealogy_to=None, client_id: str | None = None,
                 commands=None):
        import os
        import socket

        import paho.mqtt.client as mqtt

        self.genealogy_to = genealogy_to
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=client_id or f"gigatwin-line-{socket.gethostname()}"
                                                         f"-{os.getpid()}",
                                  protocol=mqtt.MQTTv5)
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(100)
        self.client.reconnect_delay_set(min_delay=0.1, max_delay=5)
        # Acknowledged message ids (PUBACK). A message published while the broker is away
        # stays in paho's queue and is sent, with the same id, after the reconnection.
        self.acked: set[int] = set()
        self.client.on_publish = lambda client, userdata, mid, *rest: self.acked.add(mid)
        self.line = commands
        self.refused: list[str] = []
        self._commands: queue.SimpleQueue = queue.SimpleQueue()   # from paho's thread
        if commands is not None:
            prefix = commands.stations[0].asset.rsplit("/", 1)[0]
            self.command_topic = f"gigatwin/{prefix}/+/setpoints"
            # (re)subscribed on every connection: a broker restart forgets the session
            self.client.on_connect = lambda client, *rest: client.subscribe(
                self.command_topic, qos=1)
            self.client.on_message = self._on_command
        self.client.connect(host, port)
        self.client.loop_start()
        self.sent = 0
        self.messages: list[int] = []

    def records(self, rows: list[dict]) -> None:
        by_topic: dict[str, list[dict]] = {}
        for row in rows:
            kind = "measurements" if "product" in row else "signals"
            by_topic.setdefault(f"gigatwin/{row['asset']}/{kind}", []).append(row)
        for topic, items in by_topic.items():
            for i in range(0, len(items), 500):
                info = self.client.publish(topic, json.dumps(items[i:i + 500]), qos=1)
                self.messages.append(info.mid)
        self.sent += len(rows)

    def genealogy(self, g: Genealogy) -> None:
        if self.genealogy_to is not None:
            self.genealogy_to.genealogy(g)

    def _on_command(self, client, userdata, message) -> None:
        try:
            self._commands.put(self._parse_command(message.topic, message.payload))
        except (KeyError, ValueError, TypeError) as exc:
            reason = f"setpoint command on {message.topic} refused: {str(exc).strip(chr(39))}"
            self.refused.append(reason)
            _log.warning("%s", reason)

    def _parse_command(self, topic: str, payload: bytes) -> tuple[str, float, str]:
        from gigatwin.line.engine import check_setpoint
        from gigatwin.units import UnitError, same_dimension, to_si

        asset = topic.removeprefix("gigatwin/").removesuffix("/setpoints")
        station = next((s for s in self.line.stations if s.asset == asset), None)
        if station is None:
            raise KeyError(f"no station {asset!r} on the line")
        try:
            command = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a JSON object ({exc})") from None
        if not isinstance(command, dict) or not {"key", "value", "unit"} <= set(command):
            raise ValueError('expected {"key": ..., "value": ..., "unit": ...}')
        key = str(command["key"])
        if station.electrode and "." not in key:
            key = f"{station.electrode}.{key}"
        if key not in station.setpoints:
            raise KeyError(f"{key!r} is not a setpoint of {asset}; its setpoints: "
                           f"{', '.join(station.setpoints) or 'none'}")
        value, unit = command["value"], str(command["unit"])
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"value {value!r} of {key} is not a number")
        from gigatwin.spec.vocabulary import parameter

        try:
            if not same_dimension(unit, parameter(key).unit):
                raise ValueError(f"unit {unit!r} of {key} is not a {parameter(key).unit!r}-"
                                 "like unit")
            si = float(to_si(float(value), unit))
        except UnitError as exc:
            raise ValueError(f"unit {unit!r} of {key}: {exc}") from None
        check_setpoint(self.line, key, si)
        return key, si, "mqtt"

    def take_setpoints(self) -> list[tuple[str, float, str]]:
        """Setpoint commands received since the last call: (path, value [SI], source)."""
        out = []
        while not self._commands.empty():
            out.append(self._commands.get_nowait())
        return out

    def close(self, timeout: float = 120.0) -> None:
        """Wait until the broker has acknowledged every message (paho re-sends what was
        queued or in flight when a connection is lost, after it reconnects)."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = [mid for mid in self.messages if mid not in self.acked]
            if not waiting:
                break
            time.sleep(0.05)
        else:
            raise TimeoutError(f"{len(waiting)} of {len(self.messages)} MQTT messages were not "
                               f"acknowledged by the broker within {timeout:g} s")
        self.messages = []
        self.client.loop_stop()
        self.client.disconnect()
        if self.genealogy_to is not None:
            self.genealogy_to.close()


def run_to(line_file, scenario, sinks: list, *, duration: float, seed: int = 0,
           progress=None, steps: int = 100):
    """Run the virtual line for ``duration`` [s] into ``sinks``; returns the truth."""
    from gigatwin.line.engine import VirtualLine

    start = line_file.start
    clock = {"now": 0.0}

    def deliver(rows: list[dict]) -> None:
        for sink in sinks:
            sink.records(rows)

    faults = CommFaults(scenario, deliver, seed)

    def on_batch(batch: RecordBatch) -> None:
        if len(batch):
            clock["now"] = float(batch.ts.max())
            faults(records(batch, start), clock["now"])

    def on_genealogy(g: Genealogy) -> None:
        for sink in sinks:
            sink.genealogy(g)

    # Sinks that take commands (the OPC UA server, MQTT's command topic) hand over the
    # setpoints clients wrote; they apply before the next stretch of simulated time.
    commanders = [s for s in sinks if hasattr(s, "take_setpoints")]

    def on_progress(now: float) -> None:
        for sink in commanders:
            for path, value, source in sink.take_setpoints():
                line.write_setpoint(path, value, source)
        if progress is not None:
            progress(now)

    line = VirtualLine(line_file, scenario, seed=seed, sink=on_batch, genealogy=on_genealogy,
                       progress=on_progress if commanders else progress)
    truth = line.run(duration, steps)
    faults.flush()
    for sink in sinks:
        sink.close()
    return truth
