"""The virtual line's OPC UA server (asyncua): its address space, live values, setpoints.

A real pilot line's PLCs expose their machines over OPC UA; the virtual line does the
same so that ``gigatwin ingest opcua`` and any OPC UA client (a SCADA, a controller of
the live twin) can be developed against it. The address space, in the namespace
``urn:gigatwin:line:<site>/<line>``::

    Objects/
      <line name>/                     folder (FolderType)
        C-COAT-01/                     one folder per station, its asset id
          coating_areal_loading        BaseAnalogType variable, Double, display unit
          ...                          (one per published spec key)
          Setpoints/
            coating_speed              writable BaseAnalogType variable (a setpoint)

Node ids are strings, ``<asset>/<key>`` for a published value and
``<asset>/setpoints/<key>`` for a setpoint (the asset as the records name it,
``pilot/line1/C-COAT-01``). Each variable carries, per OPC UA Part 8 (Data Access),
the property ``EngineeringUnits`` (an ``EUInformation``: the UNECE Recommendation 20
common code as ``UnitId``, the unit symbol as ``DisplayName``), the property ``EURange``
where the spec's physical range is finite on both sides, and the spec's description as
its ``Description`` attribute. Values are in the spec's display unit, the unit the
line's records carry.

Values change as the line runs (paced by ``line run --speed``): every record the line
sends is written to its variable in time order, with the record's simulated time as
the ``SourceTimestamp``, so a subscriber sees the line's history at its publishing
interval and ``gigatwin ingest opcua`` stores it with the line's own time stamps.

A client's write of a setpoint is checked at once (the line's writable setpoints, the
spec's physical range; otherwise the write fails with ``BadOutOfRange`` and changes
nothing) and handed to the engine, which applies it before it simulates the next
stretch of time (:meth:`LineOpcUaServer.take_setpoints`, called by
:func:`gigatwin.line.sinks.run_to`); the truth records it with ``source: opcua``.

The server runs its own asyncio loop in a thread, so the engine stays synchronous.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from datetime import UTC, datetime
from urllib.parse import urlparse

from gigatwin.line.config import Line

# Part 8, 5.6.3: EUInformation.namespaceUri of units identified by UNECE codes.
UNECE_NAMESPACE = "http://www.opcfoundation.org/UA/units/un/cefact"
# Display unit -> UNECE Recommendation 20 common code (units the spec displays; a unit
# without a code gets UnitId -1, "not available", as Part 8 allows).
UNECE_CODES = {
    "K": "KEL", "degC": "CEL", "m": "MTR", "mm": "MMT", "um": "4H", "m/s": "MTS",
    "m/min": "2X", "%": "P1", "ppm": "59", "g": "GRM", "kg": "KGM",
    "kg/m^3": "KMQ", "g/cm^3": "23", "Pa": "PAL", "Ah": "AMH", "V": "VLT", "ohm": "OHM",
    "s": "SEC", "min": "MIN", "h": "HUR", "1": "C62",
}


def unit_id(code: str) -> int:
    """UnitId of a UNECE common code (OPC UA Part 8, 5.6.3): its characters packed
    into an Int32, eight bits each, first character highest (``KEL`` -> 4932940)."""
    value = 0
    for char in code:
        value = (value << 8) | ord(char)
    return value


def node_id(asset: str, key: str, setpoint: bool = False) -> str:
    return f"{asset}/setpoints/{key}" if setpoint else f"{asset}/{key}"


def namespace(line: Line, site_line: str) -> str:
    return f"urn:gigatwin:line:{site_line}"


def mapping(line: Line, namespace_index: int = 2) -> dict:
    """The ``gigatwin ingest opcua --mapping`` file of the line's published variables
    (node, spec key, display unit, asset), as a dict ready for YAML."""
    from gigatwin.spec.vocabulary import display_unit

    return {"nodes": [{"node": f"ns={namespace_index};s={node_id(s.asset, p.key)}",
                       "key": p.key, "unit": display_unit(p.key), "asset": s.asset}
                      for s in line.stations for p in s.publishes]}


def parse_endpoint(text: str) -> str:
    """``opc.tcp://HOST:PORT[/path]``, checked; errors say what is expected."""
    parsed = urlparse(text)
    if parsed.scheme != "opc.tcp" or not parsed.hostname:
        raise ValueError(f"{text!r} is not an OPC UA endpoint; write opc.tcp://HOST:PORT")
    try:
        port = parsed.port
    except ValueError:
        port = None
    if port is None or not 0 < port < 65536:
        raise ValueError(f"{text!r}: give a port between 1 and 65535 (opc.tcp://HOST:PORT)")
    return text


class LineOpcUaServer:
    """A sink of the line's records that serves them over OPC UA, and a source of
    setpoint writes (:meth:`take_setpoints`). :meth:`start` before the run; the run's
    :func:`~gigatwin.line.sinks.run_to` closes it."""

    def __init__(self, line: Line, endpoint: str, *, site_line: str | None = None):
        from gigatwin.twin import load_recipe

        self.line, self.endpoint = line, parse_endpoint(endpoint)
        self.recipe = load_recipe(line.recipe_path)
        prefix = line.stations[0].asset.rsplit("/", 1)[0] if line.stations else "line"
        self.namespace = namespace(line, site_line or prefix)
        self.sent = 0
        self.writes_received = 0
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._writes: queue.SimpleQueue = queue.SimpleQueue()
        self._ready = threading.Event()
        self._closing = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gigatwin-line-opcua",
                                        daemon=True)
        self.namespace_index: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 60.0) -> LineOpcUaServer:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"OPC UA server at {self.endpoint} did not start in {timeout:g} s")
        if self._error is not None:
            raise OSError(f"OPC UA server at {self.endpoint} cannot start: "
                          f"{type(self._error).__name__}: {self._error}") from self._error
        return self

    def close(self, linger: float = 0.0) -> None:
        """Serve what is queued, keep serving ``linger`` seconds (for clients to read the
        last values), then stop the server."""
        self._linger = linger
        self._closing.set()
        self._thread.join()

    # ------------------------------------------------------------------ sink API

    def records(self, rows: list[dict]) -> None:
        self._inbox.put(rows)
        self.sent += len(rows)

    def genealogy(self, g) -> None:      # genealogy has no OPC UA variables
        pass

    def take_setpoints(self) -> list[tuple[str, float, str]]:
        """Setpoint writes received since the last call: (path, value [SI], source)."""
        out = []
        with contextlib.suppress(queue.Empty):
            while True:
                out.append(self._writes.get_nowait())
        return out

    # ------------------------------------------------------------------ server thread

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to start() or close()
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        from asyncua import Server

        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name(f"gigatwin virtual line: {self.line.name}")
        idx = await server.register_namespace(self.namespace)
        self.namespace_index = idx
        nodes = await self._address_space(server, idx)
        async with server:
            self._ready.set()
            while True:
                closing = self._closing.is_set()
                await self._write_values(server, nodes)
                if closing and self._inbox.empty():
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(getattr(self, "_linger", 0.0))

    async def _write_values(self, server, nodes: dict) -> None:
        from asyncua import ua

        now = datetime.now(UTC)
        with contextlib.suppress(queue.Empty):
            while True:
                rows = self._inbox.get_nowait()
                for row in rows:
                    node = nodes.get(node_id(row["asset"], row["key"]))
                    if node is None:
                        continue
                    ts = datetime.fromisoformat(row["ts"].replace("Z", "+00:00"))
                    value = ua.DataValue(ua.Variant(float(row["value"]), ua.VariantType.Double),
                                         SourceTimestamp=ts, ServerTimestamp=now)
                    await server.write_attribute_value(node.nodeid, value)

    async def _address_space(self, server, idx: int) -> dict:
        from asyncua import ua

        from gigatwin.spec.vocabulary import display_unit, parameter
        from gigatwin.units import from_si

        top = await server.nodes.objects.add_folder(idx, self.line.name)
        nodes = {}
        for station in self.line.stations:
            short = station.asset.rsplit("/", 1)[-1]
            folder = await top.add_folder(ua.NodeId(station.asset, idx), short)
            await _describe(folder, f"station {station.asset}: {station.step}"
                            + (f" ({station.electrode})" if station.electrode else ""))
            for pub in station.publishes:
                nid = node_id(station.asset, pub.key)
                nodes[nid] = await _analog(folder, idx, nid, pub.key, float("nan"))
            if not station.setpoints:
                continue
            setpoints = await folder.add_folder(ua.NodeId(f"{station.asset}/setpoints", idx),
                                                "Setpoints")
            for path in station.setpoints:
                unit = display_unit(path)
                nominal = float(from_si(self.recipe[path].nominal, unit))
                variable = await _analog(setpoints, idx, node_id(station.asset, path, True),
                                         path, nominal)
                await variable.set_writable()
                server.set_attribute_value_setter(variable.nodeid,
                                                  self._setter(path, unit, parameter(path)))
        return nodes

    def _setter(self, path: str, unit: str, spec):
        """A value setter that checks a client's write and hands it to the engine."""
        from asyncua import ua

        from gigatwin.line.engine import check_setpoint
        from gigatwin.units import to_si

        def setter(node, attr, value) -> None:
            try:
                written = float(value.Value.Value)
                check_setpoint(self.line, path, float(to_si(written, unit)))
            except (TypeError, ValueError, KeyError, AttributeError):
                raise ua.UaStatusCodeError(ua.StatusCodes.BadOutOfRange) from None
            if value.SourceTimestamp is None:
                value = ua.DataValue(value.Value, value.StatusCode,
                                     SourceTimestamp=datetime.now(UTC),
                                     ServerTimestamp=datetime.now(UTC))
            node.attributes[attr].value = value
            self.writes_received += 1
            self._writes.put((path, float(to_si(written, unit)), "opcua"))

        return setter


async def _describe(node, text: str) -> None:
    from asyncua import ua

    await node.write_attribute(ua.AttributeIds.Description,
                               ua.DataValue(ua.Variant(ua.LocalizedText(text))))


async def _analog(parent, idx: int, nid: str, key: str, value: float):
    """A Double variable of BaseAnalogType for spec ``key`` with its engineering units,
    EURange (where the spec's physical range is finite) and description."""
    from asyncua import ua

    from gigatwin.spec.vocabulary import display_unit, parameter
    from gigatwin.units import from_si

    spec = parameter(key)
    unit = display_unit(key)
    bare = key.split(".", 1)[-1]
    variable = await parent.add_variable(ua.NodeId(nid, idx), ua.QualifiedName(bare, idx),
                                         ua.Variant(value, ua.VariantType.Double))
    await variable.delete_reference(ua.NodeId(ua.ObjectIds.BaseDataVariableType),
                                    ua.ObjectIds.HasTypeDefinition, forward=True,
                                    bidirectional=False)
    await variable.add_reference(ua.NodeId(ua.ObjectIds.BaseAnalogType),
                                 ua.ObjectIds.HasTypeDefinition, forward=True,
                                 bidirectional=False)
    code = UNECE_CODES.get(unit)
    units = ua.EUInformation(NamespaceUri=UNECE_NAMESPACE,
                             UnitId=unit_id(code) if code else -1,
                             DisplayName=ua.LocalizedText(unit),
                             Description=ua.LocalizedText(f"{unit} ({spec.unit} in SI)"))
    await variable.add_property(ua.NodeId(f"{nid}.EngineeringUnits", idx),
                                ua.QualifiedName("EngineeringUnits", 0), units,
                                datatype=ua.NodeId(ua.ObjectIds.EUInformation))
    limits = spec.physical
    if limits is not None and limits.lower is not None and limits.upper is not None:
        low, high = (float(from_si(x, unit)) for x in (limits.lower, limits.upper))
        await variable.add_property(ua.NodeId(f"{nid}.EURange", idx),
                                    ua.QualifiedName("EURange", 0),
                                    ua.Range(Low=low, High=high),
                                    datatype=ua.NodeId(ua.ObjectIds.Range))
    await _describe(variable, spec.description)
    return variable
