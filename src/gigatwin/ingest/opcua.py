"""OPC UA ingestion: subscribe to the nodes of a server (asyncua) mapped to spec keys.

The mapping file (YAML) names, for each node, the spec key, the unit the PLC uses and
the asset (see examples/linedata/opcua_mapping.yaml)::

    asset: site1/line1/coater          # default for every node
    nodes:
      - node: "ns=2;s=Coater.WebSpeed"
        key: coating_speed
        unit: m/min

Each data change becomes a record (``ts`` = the value's source timestamp, else the
server timestamp; ``id`` = node and timestamp, so a value reported twice is stored once),
validated with the spec like any other record. A value whose OPC UA status is not Good is
quarantined with the status as its reason.

Faults: an endpoint that refuses, does not resolve, is not a URL or answers no OPC UA
at start is reported within :data:`CONNECT_TIMEOUT` seconds
(:class:`EndpointUnreachableError`). A connection lost later (a server restarted, or
frozen: a hung PLC stops answering and asyncua's watchdog gives up after its request
timeout) is re-established with exponential backoff (0.5 s doubling to 10 s), each
attempt counted in :attr:`OpcUaIngestor.retries`; the subscription is re-created and
the outage recorded as an event in the store. Values the server kept in its monitored
item queue are delivered again; a value that changed and changed back while the
connection was down is not seen (OPC UA subscriptions report current values).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from gigatwin.ingest.record_writer import Counts, Delivery, RecordWriter
from gigatwin.store.backends import StoreError

CONNECT_TIMEOUT = 3.5  # seconds for an endpoint to answer at start (the command starts in ~1.5 s)
REQUEST_TIMEOUT = 4.0  # seconds for a request (asyncua's watchdog included)
_log = logging.getLogger(__name__)


class EndpointUnreachableError(ConnectionError):
    """The OPC UA endpoint cannot be reached at start."""


@dataclass(frozen=True)
class NodeMapping:
    node: str
    key: str
    unit: str
    asset: str | None = None


def load_mapping(path: str | Path) -> list[NodeMapping]:
    """Node mappings of a YAML file; errors name the file and the entry."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("nodes") or [], list):
        raise ValueError(f"{path}: expected a mapping with a 'nodes' list, as in "
                         "examples/linedata/opcua_mapping.yaml")
    default_asset = data.get("asset")
    mappings = []
    for number, entry in enumerate(data.get("nodes") or [], start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: node entry {number} is not a mapping with node, key, unit")
        missing = [f for f in ("node", "key") if not entry.get(f)]
        if missing:
            raise ValueError(f"{path}: node entry {number} lacks {', '.join(missing)}")
        mappings.append(NodeMapping(str(entry["node"]), str(entry["key"]), str(entry.get("unit", "")),
                                    entry.get("asset", default_asset)))
    if not mappings:
        raise ValueError(f"{path}: no 'nodes' to subscribe to")
    return mappings


def _timestamp(data_value) -> datetime:
    ts = data_value.SourceTimestamp or data_value.ServerTimestamp or datetime.now(UTC)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


class _Handler:
    def __init__(self, by_node: dict[str, NodeMapping], inbox: list):
        self.by_node, self.inbox = by_node, inbox

    def datachange_notification(self, node, value, data) -> None:
        mapping = self.by_node[node.nodeid.to_string()]
        data_value = data.monitored_item.Value
        ts = _timestamp(data_value).isoformat()
        record = {"key": mapping.key, "value": value, "unit": mapping.unit, "ts": ts,
                  "asset": mapping.asset, "id": f"opcua:{mapping.node}@{ts}"}
        status = data_value.StatusCode
        reason = None if status is None or status.is_good() else f"OPC UA status {status.name}"
        self.inbox.append(Delivery(f"opcua:{mapping.node}", record, rejected_because=reason))


class OpcUaIngestor:
    """Subscribe to mapped nodes and write their data changes in batches."""

    def __init__(self, store, endpoint: str, mappings: list[NodeMapping], *,
                 publishing_interval_ms: int = 100, batch_seconds: float = 0.5,
                 on_warning: Callable[[str], None] | None = None):
        self.warn: Callable[[str], None] = on_warning or (lambda text: _log.warning("%s", text))
        self.writer = RecordWriter(store, on_retry=self.warn)
        self.retries = 0  # reconnection attempts to the server
        self.connected_once = False
        self.endpoint = endpoint
        self.by_node = {m.node: m for m in mappings}
        self.publishing_interval_ms = publishing_interval_ms
        self.batch_seconds = batch_seconds
        self.inbox: list[Delivery] = []
        self.counts = Counts()
        self.stop_requested = asyncio.Event()

    def flush(self) -> None:
        """Store the data changes received so far. The writer retries a store that went
        away and isolates a row it refuses; any other failure (a full disk) keeps the
        changes in the inbox and stops the run with :class:`StoreError`."""
        batch, self.inbox[:] = list(self.inbox), []
        if not batch:
            return
        try:
            self.counts.add(self.writer.write(batch, counter_source=f"opcua:{self.endpoint}"))
        except StoreError:
            self.inbox[:0] = batch
            raise
        except Exception as exc:
            self.inbox[:0] = batch
            raise StoreError(f"ingestion stopped, {len(batch)} data changes not stored: "
                             f"{type(exc).__name__}: {str(exc).strip()}") from exc

    async def _session(self, deadline: float | None) -> None:
        from asyncua import Client

        client = Client(url=self.endpoint, timeout=REQUEST_TIMEOUT, watchdog_intervall=1.0)
        await asyncio.wait_for(client.connect(), CONNECT_TIMEOUT)
        try:
            by_id = {}
            nodes = []
            for mapping in self.by_node.values():
                node = client.get_node(mapping.node)
                by_id[node.nodeid.to_string()] = mapping
                nodes.append(node)
            subscription = await client.create_subscription(self.publishing_interval_ms,
                                                            _Handler(by_id, self.inbox))
            await subscription.subscribe_data_change(nodes)
            self._back()
            while not self.stop_requested.is_set() and (deadline is None or time.monotonic() < deadline):
                await asyncio.sleep(self.batch_seconds)
                await client.check_connection()
                self.flush()
        finally:
            self.flush()
            try:  # a frozen server does not answer CloseSession: do not wait for it
                await asyncio.wait_for(client.disconnect(), REQUEST_TIMEOUT)
            except Exception:  # noqa: BLE001
                with contextlib.suppress(Exception):
                    client.disconnect_socket()

    def _back(self) -> None:
        """The session is (again) subscribed: record the outage that ended, if any."""
        self.connected_once = True
        if self._down_since is not None:
            seconds = (datetime.now(UTC) - self._down_since).total_seconds()
            self.writer.record_outage("opcua", self._down_since, f"OPC UA server {self.endpoint} "
                                      f"unavailable for {seconds:.1f} s ({self._attempts} reconnect "
                                      f"attempts): {self._problem}")
            self._down_since = None

    async def run(self, duration: float | None = None) -> Counts:
        """Ingest until :meth:`stop` or for ``duration`` seconds, reconnecting with backoff."""
        deadline = None if duration is None else time.monotonic() + duration
        delay = 0.5
        self._down_since, self._attempts, self._problem = None, 0, ""
        while not self.stop_requested.is_set() and (deadline is None or time.monotonic() < deadline):
            try:
                await self._session(deadline)
                delay = 0.5
            except (StoreError, asyncio.CancelledError):
                raise
            except Exception as exc:  # noqa: BLE001 - asyncua raises many kinds; all mean "not now"
                problem = f"{type(exc).__name__}: {str(exc).strip() or 'no answer'}"
                if not self.connected_once:
                    raise EndpointUnreachableError(f"OPC UA endpoint {self.endpoint}: {problem}") from exc
                self.flush()
                if self._down_since is None:
                    self._down_since, self._attempts = datetime.now(UTC), 0
                    self.warn(f"lost OPC UA server {self.endpoint} ({problem}); reconnecting")
                self._problem = problem
                self._attempts += 1
                self.retries += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        if self._down_since is not None:
            self._back_never(deadline)
        return self.counts

    def _back_never(self, deadline) -> None:
        """Record an outage still going on when the run ends."""
        seconds = (datetime.now(UTC) - self._down_since).total_seconds()
        self.writer.record_outage("opcua", self._down_since, f"OPC UA server {self.endpoint} unavailable "
                                  f"for {seconds:.1f} s until the run ended ({self._attempts} reconnect "
                                  f"attempts): {self._problem}")

    def stop(self) -> None:
        self.stop_requested.set()
        self.writer.stopping.set()

