"""Following a running line: ``gigatwin live follow --interval SECONDS``.

Issue #13 asks for a continuously running live twin (``twin live``); in gigatwin it
is ``gigatwin live follow`` with ``--interval``. Every pass:

1. opens the store (and closes it after the pass, so that ``gigatwin live
   recommendations --accept`` can decide meanwhile, also on a DuckDB file);
2. runs :func:`gigatwin.ingest.live.follow`: the bias filter and the controller over
   *everything* stored. The filter is recomputed, not updated incrementally:
   ``follow`` keeps no state between calls (it rewrites ``live_estimates`` and adds
   only the recommendations not yet stored), and it is the one implementation of the
   store's calibration and advice, so the loop reuses it as it is. A pass therefore
   costs time proportional to the data stored;
3. reports the recommendations this pass added (with their rationale, as ``follow``
   stores them) and, in ``closed-loop`` mode, writes the newest recommendation per
   setpoint to the line if it is still ``advised`` (:class:`OpcUaWriter`,
   :class:`MqttWriter`): the one this pass added, or on the first pass the newest
   advice stored before, or one whose write failed in an earlier pass (tried again).
   Older advice is superseded and stays ``advised``.

What is written. The value advised, clipped by the setpoint's
:class:`~gigatwin.twin.live.control.Limits` (the spec's physical range and the trim
range, and ``max_step`` from the setpoint in force: the last accepted recommendation,
else the recipe's nominal value), at most one write per setpoint and pass. A write
that would not change the setpoint is not sent. A written recommendation is marked
``accepted`` in ``live_recommendations``, with ``previous`` the setpoint in force
before, ``value`` the value written and the write appended to ``why``; ``follow``
then takes it as the setpoint in force for the readings after the recommendation's
time. A failed write is appended to ``why`` (the recommendation stays ``advised``),
reported and counted; the loop goes on. In ``advise`` mode nothing is written.

Where it is written. The node ids and topics of the virtual line (docs/line.md): the
coater's asset id ``<site>/<line>/<station>`` comes from the stored wet-film signals;
OPC UA writes the Double ``ns=<urn:gigatwin:line:<site>/<line>>;s=<asset>/setpoints/
<key>`` in the spec's display unit; MQTT publishes ``{"key", "value", "unit"}`` to
``gigatwin/<asset>/setpoints`` with QoS 1. An OPC UA write is confirmed by the server
(the line refuses a value outside the physical range with ``BadOutOfRange``); an MQTT
command is confirmed by the broker only (the line logs a refusal on its side).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gigatwin.twin.live.control import Limits

MODES = ("advise", "closed-loop")
FLOW = "coating_slot_flow_rate_deviation"


class WriteError(Exception):
    """A setpoint could not be written (the message says where and why)."""


@dataclass(frozen=True)
class Write:
    """One setpoint write: ``value`` [SI] of ``key`` at the coater ``asset``."""

    rec_id: str
    key: str
    asset: str
    value: float
    previous: float


def _display(key: str, value: float) -> tuple[float, str]:
    from gigatwin.spec.vocabulary import display_unit
    from gigatwin.units import from_si

    unit = display_unit(key)
    return float(from_si(value, unit)), unit


class OpcUaWriter:
    """Writes setpoints to an OPC UA server with the virtual line's address space
    (asyncua's client; one connection per pass, ``timeout`` seconds at most)."""

    transport = "opcua"

    def __init__(self, endpoint: str, timeout: float = 4.0):
        from gigatwin.line.opcua_server import parse_endpoint

        self.endpoint = parse_endpoint(endpoint)     # ValueError: not opc.tcp://HOST:PORT
        self.timeout = timeout
        import logging

        # asyncua logs every refused connection and the missing security policy
        # itself; the follower reports what failed in one line
        logging.getLogger("asyncua").setLevel(logging.CRITICAL)

    def check(self) -> None:
        """Connect once: :class:`WriteError` if the server cannot be reached."""
        self._run(None)

    def write(self, writes: list[Write]) -> list[str | None]:
        """Write each setpoint; per write None (done) or the reason it failed."""
        if not writes:
            return []
        try:
            return self._run(writes)
        except WriteError as exc:
            return [str(exc)] * len(writes)

    def _run(self, writes):
        try:
            return asyncio.run(asyncio.wait_for(self._session(writes), self.timeout))
        except TimeoutError:
            raise WriteError(f"{self.endpoint}: no answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise WriteError(f"{self.endpoint}: cannot connect "
                             f"({exc.strerror or exc})") from None

    async def _session(self, writes):
        from asyncua import Client, ua

        async with Client(url=self.endpoint, timeout=self.timeout) as client:
            if writes is None:
                return None
            out = []
            for w in writes:
                prefix = w.asset.rsplit("/", 1)[0]
                try:
                    idx = await client.get_namespace_index(f"urn:gigatwin:line:{prefix}")
                    node = client.get_node(ua.NodeId(f"{w.asset}/setpoints/{w.key}", idx))
                    value, _unit = _display(w.key, w.value)
                    await node.write_value(ua.DataValue(ua.Variant(value,
                                                                   ua.VariantType.Double)))
                    out.append(None)
                except (ua.UaError, ValueError) as exc:
                    out.append(f"{self.endpoint} refused {w.key} at {w.asset}: "
                               f"{type(exc).__name__}: {exc}")
            return out


class MqttWriter:
    """Publishes setpoint commands to the virtual line's command topic (paho, QoS 1;
    a write is done when the broker acknowledges it)."""

    transport = "mqtt"

    def __init__(self, broker: str, timeout: float = 4.0):
        from gigatwin.ingest.mqtt import parse_broker

        self.host, self.port = parse_broker(broker)   # ValueError: not HOST:PORT
        self.broker, self.timeout, self.client = broker, timeout, None

    def check(self) -> None:
        """Connect to the broker (kept for the writes): :class:`WriteError` if not."""
        import os
        import socket

        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             client_id=f"gigatwin-live-{socket.gethostname()}-{os.getpid()}",
                             protocol=mqtt.MQTTv5)
        client.connect_timeout = self.timeout
        client.reconnect_delay_set(min_delay=0.1, max_delay=5)
        try:
            client.connect(self.host, self.port)
        except (OSError, ValueError) as exc:
            raise WriteError(f"{self.broker}: cannot connect "
                             f"({getattr(exc, 'strerror', None) or exc})") from None
        client.loop_start()
        self.client = client

    def write(self, writes: list[Write]) -> list[str | None]:
        if self.client is None:
            try:
                self.check()
            except WriteError as exc:
                return [str(exc)] * len(writes)
        out = []
        for w in writes:
            value, unit = _display(w.key, w.value)
            payload = json.dumps({"key": w.key, "value": value, "unit": unit})
            try:
                info = self.client.publish(f"gigatwin/{w.asset}/setpoints", payload, qos=1)
                info.wait_for_publish(self.timeout)
                out.append(None if info.is_published() else
                           f"{self.broker}: not acknowledged within {self.timeout:g} s")
            except (RuntimeError, ValueError, OSError) as exc:
                out.append(f"{self.broker}: {exc}")
        return out

    def close(self) -> None:
        if self.client is not None:
            self.client.loop_stop()
            self.client.disconnect()
            self.client = None


@dataclass
class PassReport:
    """What one pass read, advised and wrote."""

    number: int
    at: datetime
    seconds: float
    readings: dict = field(default_factory=dict)       # key -> readings stored in all
    new_readings: int = 0                              # since the last pass
    estimates: dict = field(default_factory=dict)      # key -> follow()'s summary
    advised: list = field(default_factory=list)        # new recommendations (dicts)
    written: list = field(default_factory=list)        # Write
    failed: list = field(default_factory=list)         # (Write, reason)

    def line(self, mode: str, transport: str | None) -> str:
        """One progress line."""
        bias = ", ".join(f"{k.split('.')[0]} {e['mean']:+.4f} +- {1.96 * e['std']:.4f}"
                         for k, e in self.estimates.items()) or "no wet-film readings yet"
        text = (f"pass {self.number} {self.at:%H:%M:%S} UTC: +{self.new_readings:,} "
                f"readings; bias {bias}; {len(self.advised)} new recommendation(s)")
        for w in self.written:
            text += (f"; wrote {w.key} {w.previous:+.4f} -> {w.value:+.4f} "
                     f"({transport})")
        for w, _reason in self.failed:
            text += f"; write of {w.key} FAILED"
        if mode == "advise" and self.advised:
            text += " (advise: nothing written)"
        return text + f" [{self.seconds:.1f} s]"


class Follower:
    """The loop's state between passes: the mode, where to write, the totals."""

    def __init__(self, open_store, recipe, *, mode: str = "advise", writer=None,
                 limits: Limits | None = None, coil_gap: float = 120.0):
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}; allowed: {', '.join(MODES)}")
        if mode == "closed-loop" and writer is None:
            raise ValueError("closed-loop needs a writer (OPC UA or MQTT)")
        self.open_store, self.recipe, self.mode = open_store, recipe, mode
        self.writer, self.limits, self.coil_gap = writer, limits, coil_gap
        self.passes: list[PassReport] = []
        self._readings: dict[str, int] = {}

    @property
    def transport(self) -> str | None:
        return getattr(self.writer, "transport", None)

    def run_pass(self) -> PassReport:
        from gigatwin.ingest.live import follow, recommendations

        started = time.monotonic()
        report = PassReport(len(self.passes) + 1, datetime.now(UTC), 0.0)
        with self.open_store() as store:
            known = {r["rec_id"] for r in recommendations(store)}
            summary = follow(store, self.recipe, coil_gap=self.coil_gap, limits=self.limits)
            recs = recommendations(store)
            report.advised = [r for r in recs if r["rec_id"] not in known]
            report.estimates = summary
            report.readings = {k: e["readings"] for k, e in summary.items()}
            report.new_readings = sum(n - self._readings.get(k, 0)
                                      for k, n in report.readings.items())
            self._readings = report.readings
            if self.mode == "closed-loop":
                self._close_loop(store, recs, report)
        report.seconds = time.monotonic() - started
        self.passes.append(report)
        return report

    def _limits(self, key: str) -> Limits:
        return self.limits or Limits.for_setting(key)

    def _close_loop(self, store, recs: list[dict], report: PassReport) -> None:
        newest: dict[str, dict] = {}
        for r in recs:                     # ordered by time: the last one per key wins
            newest[r["key"]] = r
        writes = []
        for key, rec in newest.items():
            if rec["status"] != "advised":  # decided already (written, or rejected)
                continue
            in_force = self.recipe[key].nominal
            for r in recs:                 # the last accepted one, by time
                if r["key"] == key and r["status"] == "accepted":
                    in_force = r["value"]
            value = self._limits(key).clip(rec["value"], in_force)
            if not math.isfinite(value) or abs(value - in_force) < 1e-9:
                continue
            asset = _coater(store, key)
            if asset is None:
                continue
            writes.append(Write(rec["rec_id"], key, asset, value, in_force))
        if not writes:
            return
        results = self.writer.write(writes)
        lim = {w.key: self._limits(w.key) for w in writes}
        with store.transaction():
            for w, reason in zip(writes, results, strict=True):
                rec = newest[w.key]
                if reason is None:
                    note = (f"; written by closed-loop over {self.transport} "
                            f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC: {w.value:+.4f}")
                    if abs(w.value - rec["value"]) > 1e-12:
                        note += (f" (advised {rec['value']:+.4f}; limits "
                                 f"{lim[w.key].low:+.3f}..{lim[w.key].high:+.3f}, "
                                 f"step <= {lim[w.key].max_step:.3f} from "
                                 f"{w.previous:+.4f} in force)")
                    store.backend.execute(
                        "UPDATE live_recommendations SET status = 'accepted', "
                        "previous = ?, value = ?, why = why || ? WHERE rec_id = ?",
                        (w.previous, w.value, note, w.rec_id))
                    report.written.append(w)
                else:
                    store.backend.execute(
                        "UPDATE live_recommendations SET why = why || ? WHERE rec_id = ?",
                        (f"; write over {self.transport} failed: {reason}", w.rec_id))
                    report.failed.append((w, reason))

    def totals(self) -> dict:
        """The run's summary: passes, readings, recommendations, writes, estimates."""
        last = self.passes[-1] if self.passes else None
        return {"passes": len(self.passes),
                "readings": sum(last.readings.values()) if last else 0,
                "recommendations": sum(len(p.advised) for p in self.passes),
                "written": sum(len(p.written) for p in self.passes),
                "failed": sum(len(p.failed) for p in self.passes),
                "estimates": last.estimates if last else {}}


def _coater(store, key: str) -> str | None:
    """The asset id of the coater whose wet-film readings calibrate ``key``."""
    electrode = key.split(".", 1)[0]
    rows = store.query("SELECT asset_id FROM signals WHERE key = ? ORDER BY ts DESC LIMIT 1",
                       (f"{electrode}.wet_film_thickness",))
    return rows[0][0] if rows else None
