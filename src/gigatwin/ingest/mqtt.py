"""MQTT ingestion: subscribe with QoS 1, validate, commit in batches, then acknowledge.

Topic namespace (documented in docs/linedata.md)::

    gigatwin/<site>/<line>/<station>/<kind>

``kind`` is ``signals`` (machine and sensor time series), ``measurements`` (product
analytics; records carry ``product``), ``energy`` or ``environment`` (meters and room
sensors). A payload is one record or a JSON list of records in the spec's format; a record
without ``asset`` gets ``<site>/<line>/<station>`` from its topic.

Delivery guarantee (at-least-once from the broker, exactly-once in the store):

- a persistent session (MQTT v5, ``clean_start=False``, session expiry 1 day) with a fixed
  client id, so the broker keeps queuing while the ingester is away;
- QoS 1 with **manual acknowledgement** (paho-mqtt 2.x ``manual_ack=True``): a message is
  acknowledged only after the transaction holding its records has committed, so a crash
  before the commit makes the broker deliver it again;
- idempotent record ids (see :mod:`gigatwin.ingest.records`), so a message delivered
  again after a commit that was not yet acknowledged is counted as a duplicate and not
  stored twice;
- reconnection with exponential backoff (paho's, 0.1 s doubling to 10 s).
"""

from __future__ import annotations

import functools
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gigatwin.ingest.records import Counts, Delivery, RecordWriter

TOPIC_ROOT = "gigatwin"
KINDS = ("signals", "measurements", "energy", "environment")


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
        return host or "127.0.0.1", int(port)
    except ValueError:
        raise ValueError(f"broker {text!r} is not HOST:PORT") from None


@dataclass
class _Message:
    mid: int
    qos: int
    topic: str
    payload: bytes


class MqttIngestor:
    """Subscribe to ``topic`` on a broker and write every record to ``store``."""

    def __init__(self, store, host: str, port: int, *, topic: str = f"{TOPIC_ROOT}/#",
                 client_id: str = "gigatwin-ingest", batch_size: int = 2000,
                 batch_seconds: float = 0.2, receive_maximum: int = 20000):
        self.writer = RecordWriter(store)
        self.host, self.port, self.topic = host, port, topic
        self.client_id = client_id
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
        client.on_disconnect = lambda *args: self.connected.clear()
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            return
        client.subscribe(self.topic, qos=1)
        self.connected.set()

    def _on_subscribe(self, *args) -> None:
        if not self.subscribed.is_set() and self.on_subscribed:
            self.on_subscribed()
        self.subscribed.set()

    def _on_message(self, client, userdata, message) -> None:
        self.inbox.put(_Message(message.mid, message.qos, message.topic, bytes(message.payload)))

    def connect(self) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 86400
        properties.ReceiveMaximum = self.receive_maximum
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=False,
                                  properties=properties)
        self.client.loop_start()

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
                counts = self.writer.commit(prepared, counter_source=f"mqtt:{self.topic}")
                self._committed(batch, counts)
                if on_batch:
                    on_batch(counts)
            except BaseException as exc:  # re-raised by run() in the caller's thread
                self._failure = exc  # ends this run only: a later run() starts afresh
                while pending.get() is not None:  # unblock the producer; nothing more is acked
                    pass
                return

    def run(self, *, idle_exit: float | None = None, max_messages: int | None = None,
            on_batch: Callable[[Counts], None] | None = None) -> Counts:
        """Ingest until :meth:`stop`, until ``idle_exit`` seconds pass without a message
        (after the first), or after ``max_messages``. Returns the counts of this run.

        Two stages overlap: this thread decodes and validates batch n+1 while a committer
        thread writes batch n (the database works outside the GIL: DuckDB's engine, or the
        PostgreSQL server process) and then acknowledges its messages. At most two
        prepared batches wait, so a slow store slows the intake instead of filling memory;
        nothing is acknowledged before its transaction has committed."""
        self.connect()
        self._failure: BaseException | None = None
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
                elif (idle_exit is not None and last_message is not None
                      and time.monotonic() - last_message > idle_exit):
                    break
        finally:
            pending.put(None)
            committer.join()
            self.client.disconnect()
            self.client.loop_stop()
        if self._failure is not None:
            raise self._failure
        return self.counts

    def stop(self) -> None:
        self.stop_requested.set()
