"""MQTT ingestion: subscribe with QoS 1, validate, commit in batches, then acknowledge.

Topic namespace (documented in docs/linedata.md)::

    gigatwin/<site>/<line>/<station>/<kind>

``kind`` is ``signals`` (machine and sensor time series), ``measurements`` (product
analytics; records carry ``product``), ``energy`` or ``environment`` (meters and room
sensors). A payload is one record or a JSON list of records in the spec's format; a record
without ``asset`` gets ``<site>/<line>/<station>`` from its topic.

Delivery guarantee (at-least-once from the broker, exactly-once in the store):

- a persistent session (MQTT v5, ``clean_start=False``, session expiry 1 day) under a
  **fixed** client id (``--client-id``), so the broker keeps queuing while the ingester
  is away. Without one, the id is unique per process (``gigatwin-<host>-<pid>``) and the
  session ends with the connection: two ingesters never take each other's session, but
  nothing is kept for a restarted one;
- QoS 1 with **manual acknowledgement** (paho-mqtt 2.x ``manual_ack=True``): a message is
  acknowledged only after the transaction holding its records has committed, so a crash
  before the commit makes the broker deliver it again;
- idempotent record ids (see :mod:`gigatwin.ingest.record_writer`), so a message delivered
  again after a commit that was not yet acknowledged is counted as a duplicate and not
  stored twice;
- reconnection with exponential backoff (paho's, 0.1 s doubling to 10 s), each attempt
  counted in :attr:`MqttIngestor.retries`; every outage and every reconnect the broker
  answers without the persistent session (CONNACK session-present unset: what it queued
  is gone) is recorded as an event in the store and warned about; so is a session taken
  over by another client with the same id.

At start, a broker that refuses the connection, a host that does not resolve or a port
that answers no MQTT is reported within :data:`CONNECT_TIMEOUT` seconds
(:class:`BrokerUnreachableError`).
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from gigatwin.ingest.record_writer import Counts, Delivery, RecordWriter

TOPIC_ROOT = "gigatwin"
KINDS = ("signals", "measurements", "energy", "environment")
CONNECT_TIMEOUT = 3.0  # seconds for a broker to answer at start (the command starts in ~1.5 s)
SESSION_EXPIRY = 86400  # seconds the broker keeps a fixed client id's session
_log = logging.getLogger(__name__)


class BrokerUnreachableError(ConnectionError):
    """The broker cannot be reached at start (refused, unresolvable, not MQTT)."""


def default_client_id() -> str:
    """A client id unique to this process: ``gigatwin-<host>-<pid>`` (MQTT 5 allows 23+)."""
    return f"gigatwin-{socket.gethostname()[:40]}-{os.getpid()}"


@functools.lru_cache(maxsize=4096)
def topic_defaults(topic: str) -> Mapping[str, str]:
    """``{"asset": "site/line/station"}`` for ``gigatwin/site/line/station/kind``, else ``{}``
    (read-only: one mapping per topic is shared by all its messages)."""
    parts = topic.split("/")
    if len(parts) == 5 and parts[0] == TOPIC_ROOT:
        return MappingProxyType({"asset": "/".join(parts[1:4])})
    return MappingProxyType({})


def parse_broker(text: str) -> tuple[str, int]:
    """``"host:port"`` (port 1883 when omitted) as ``(host, port)``."""
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "1883")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"broker {text!r} is not HOST:PORT") from None
    if not 1 <= number <= 65535:
        raise ValueError(f"broker {text!r}: port {number} is outside 1-65535")
    return host or "127.0.0.1", number


@dataclass
class _Message:
    mid: int
    qos: int
    topic: str
    payload: bytes


class MqttIngestor:
    """Subscribe to ``topic`` on a broker and write every record to ``store``."""

    def __init__(self, store, host: str, port: int, *, topic: str = f"{TOPIC_ROOT}/#",
                 client_id: str | None = None, batch_size: int = 2000,
                 batch_seconds: float = 0.2, receive_maximum: int = 20000,
                 on_warning: Callable[[str], None] | None = None):
        self.warn: Callable[[str], None] = on_warning or (lambda text: _log.warning("%s", text))
        self.writer = RecordWriter(store, on_retry=self.warn)
        self.host, self.port, self.topic = host, port, topic
        self.persistent = client_id is not None  # a fixed id keeps its session across runs
        self.client_id = client_id or default_client_id()
        self.retries = 0  # reconnection attempts to the broker
        self.notices: queue.Queue[tuple[str, datetime, str]] = queue.Queue()  # events to record
        self._ever_connected = False
        self._down_since: datetime | None = None
        self._connect_problem: str | None = None
        self._drops: list[float] = []  # times of recent connection drops
        self._closing = False  # set while run() disconnects on purpose
        self._takeover_reported = False
        self.batch_size, self.batch_seconds = batch_size, batch_seconds
        self.receive_maximum = receive_maximum
        self.inbox: queue.Queue[_Message] = queue.Queue()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.on_subscribed: Callable[[], None] | None = None
        self.stop_requested = threading.Event()
        self.counts = Counts()
        self.messages = 0
        self.client = self._client()

    # -- paho plumbing ---------------------------------------------------------------
    def _client(self):
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             protocol=mqtt.MQTTv5, manual_ack=True)
        client.reconnect_delay_set(min_delay=0.1, max_delay=10)
        client.max_inflight_messages_set(self.receive_maximum)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._connect_problem = f"the broker refused the connection: {reason_code}"
            return
        now = datetime.now(UTC)
        if self._ever_connected and self._down_since is not None:
            seconds = (now - self._down_since).total_seconds()
            self.notices.put(("broker", self._down_since, f"broker {self.host}:{self.port} unavailable "
                              f"for {seconds:.1f} s ({self.retries} reconnect attempts so far)"))
        if self.persistent and self._ever_connected and not flags.session_present:
            self.notices.put(("session", now, f"broker {self.host}:{self.port} answered the reconnect of "
                              f"{self.client_id!r} without its persistent session (session-present "
                              "unset): messages published while disconnected may have been lost"))
        self._ever_connected, self._down_since = True, None
        client.subscribe(self.topic, qos=1)
        self.connected.set()

    def _on_connect_fail(self, client, userdata) -> None:
        self.retries += 1
        self._drops.clear()  # the broker is down, not taken
        if self._ever_connected and self.retries % 10 == 1:
            self.warn(f"broker {self.host}:{self.port} unavailable; reconnect attempt {self.retries}")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if self.stop_requested.is_set() or self._closing:
            return
        self._down_since = self._down_since or datetime.now(UTC)
        self.warn(f"lost the connection to broker {self.host}:{self.port} ({reason_code}); reconnecting")
        # A session taken over: MQTT 5 says so (reason 142); Mosquitto 2.0 just closes the
        # socket, and the two clients take the session from each other in turn. Drops
        # followed each time by an immediate reconnect (no failed attempt) say the same.
        now = time.monotonic()
        self._drops = [t for t in self._drops if now - t < 10.0] + [now]
        taken = getattr(reason_code, "value", None) == 142 or len(self._drops) >= 3
        if taken and not self._takeover_reported:
            self._takeover_reported = True
            why = ("the broker said so (session taken over)" if getattr(reason_code, "value", None) == 142
                   else f"{len(self._drops)} drops within 10 s, each reconnected at once")
            self.notices.put(("session", datetime.now(UTC), f"broker {self.host}:{self.port} probably gave "
                              f"session {self.client_id!r} to another client with the same client id ({why}); "
                              "give each ingester its own --client-id, or share the load with a shared "
                              "subscription ($share/...)"))

    def _on_subscribe(self, *args) -> None:
        if not self.subscribed.is_set() and self.on_subscribed:
            self.on_subscribed()
        self.subscribed.set()

    def _on_message(self, client, userdata, message) -> None:
        self.inbox.put(_Message(message.mid, message.qos, message.topic, bytes(message.payload)))

    def connect(self) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self._probe()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY if self.persistent else 0
        properties.ReceiveMaximum = self.receive_maximum
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=not self.persistent,
                                  properties=properties)
        self.client.loop_start()
        if not self.connected.wait(CONNECT_TIMEOUT):
            self.client.loop_stop()
            raise BrokerUnreachableError(self._connect_problem or (
                f"broker {self.host}:{self.port} accepted a TCP connection but gave no MQTT answer "
                f"within {CONNECT_TIMEOUT:g} s; is it an MQTT broker?"))

    def _probe(self) -> None:
        """Fail fast (within CONNECT_TIMEOUT) on a host that does not resolve or a refused port."""
        try:
            with socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT):
                pass
        except socket.gaierror as exc:
            raise BrokerUnreachableError(f"broker host {self.host!r} does not resolve: {exc.strerror}") from exc
        except TimeoutError as exc:
            raise BrokerUnreachableError(f"broker {self.host}:{self.port} did not answer within "
                                         f"{CONNECT_TIMEOUT:g} s") from exc
        except OSError as exc:
            raise BrokerUnreachableError(f"broker {self.host}:{self.port}: "
                                         f"{exc.strerror or exc}") from exc

    # -- the batch loop --------------------------------------------------------------
    def _next_batch(self) -> list[_Message]:
        try:
            batch = [self.inbox.get(timeout=0.1)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.batch_seconds
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def _deliveries(self, batch: list[_Message]) -> list[Delivery]:
        return [Delivery(f"mqtt:{m.topic}", m.payload, topic_defaults(m.topic)) for m in batch]

    def _committed(self, batch: list[_Message], counts: Counts) -> None:
        """Acknowledge a committed batch (in the order received, as MQTT requires) and count it."""
        for message in batch:
            if message.qos > 0:
                self.client.ack(message.mid, message.qos)
        self.counts.add(counts)
        self.messages += len(batch)

    def process(self, batch: list[_Message]) -> Counts:
        """Validate, commit and acknowledge one batch, all in the calling thread."""
        counts = self.writer.write(self._deliveries(batch), counter_source=f"mqtt:{self.topic}")
        self._committed(batch, counts)
        return counts

    def _commit_loop(self, pending: queue.Queue, on_batch: Callable[[Counts], None] | None) -> None:
        """Commit prepared batches in order, then acknowledge them; on an error stop the run."""
        while (item := pending.get()) is not None:
            batch, prepared = item
            try:
                self._record_notices()
                if batch is None:
                    continue
                counts = self.writer.commit(prepared, counter_source=f"mqtt:{self.topic}")
                self._committed(batch, counts)
                if on_batch:
                    on_batch(counts)
            except BaseException as exc:  # re-raised by run() in the caller's thread
                self._failure = exc  # ends this run only: a later run() starts afresh
                while pending.get() is not None:  # unblock the producer; nothing more is acked
                    pass
                return

    def _record_notices(self) -> None:
        """Warn about and record (as events) the outages and lost sessions paho reported."""
        while True:
            try:
                what, started, message = self.notices.get_nowait()
            except queue.Empty:
                return
            if what == "session":
                self.warn(message)
                self.writer.outages += 1
                self.writer.store.add_event(f"session:{self.client_id}:{started.isoformat()}", started,
                                            "alarm", severity="warning", code="mqtt_session_lost",
                                            message=message)
            else:
                self.writer.record_outage(what, started, message)

    def run(self, *, idle_exit: float | None = None, max_messages: int | None = None,
            on_batch: Callable[[Counts], None] | None = None) -> Counts:
        """Ingest until :meth:`stop`, until ``idle_exit`` seconds pass without a message
        (after the first), or after ``max_messages``. Returns the counts of this run.

        Two stages overlap: this thread decodes and validates batch n+1 while a committer
        thread writes batch n (the database works outside the GIL: DuckDB's engine, or the
        PostgreSQL server process) and then acknowledges its messages. At most two
        prepared batches wait, so a slow store slows the intake instead of filling memory;
        nothing is acknowledged before its transaction has committed."""
        self._failure: BaseException | None = None
        self._closing = False
        self.connect()
        pending: queue.Queue = queue.Queue(maxsize=2)
        committer = threading.Thread(target=self._commit_loop, args=(pending, on_batch),
                                     name="gigatwin-mqtt-commit", daemon=True)
        committer.start()
        taken, last_message = 0, None
        try:
            while not self.stop_requested.is_set() and self._failure is None:
                batch = self._next_batch()
                if batch:
                    pending.put((batch, self.writer.prepare(self._deliveries(batch))))
                    taken += len(batch)
                    last_message = time.monotonic()
                    if max_messages is not None and taken >= max_messages:
                        break
                elif not self.notices.empty():
                    pending.put((None, None))  # the committer records them in order
                elif (idle_exit is not None and last_message is not None
                      and time.monotonic() - last_message > idle_exit):
                    break
        finally:
            pending.put(None)
            committer.join()
            self._record_notices_safely()
            self._closing = True
            self.client.disconnect()
            self.client.loop_stop()
        if self._failure is not None:
            raise self._failure
        return self.counts

    def _record_notices_safely(self) -> None:
        try:
            self._record_notices()
        except Exception as exc:  # noqa: BLE001 - the run's own error matters more
            _log.warning("could not record connection events: %s", exc)

    def stop(self) -> None:
        self.stop_requested.set()
        self.writer.stopping.set()
