"""OPC UA ingestion against a real asyncua server started in-process on a free port."""

import asyncio
import sys
from pathlib import Path

import pytest
from asyncua import Server, ua

from gigatwin.ingest.opcua import OpcUaIngestor, load_mapping
from gigatwin.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _servers import free_port  # noqa: E402

MAPPING = Path(__file__).resolve().parents[2] / "examples" / "linedata" / "opcua_mapping.yaml"


async def _serve_and_ingest(store, port: int):
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/gigatwin/")
    idx = await server.register_namespace("urn:gigatwin:test")
    plc = await server.nodes.objects.add_object(idx, "Line1")
    speed = await plc.add_variable(ua.NodeId("Coater.WebSpeed", idx), "WebSpeed", 30.0)
    temperature = await plc.add_variable(ua.NodeId("Dryer.Zone1.AirTemperature", idx), "T1", 110.0)
    async with server:
        mappings = [m.__class__(m.node.replace("ns=2", f"ns={idx}"), m.key, m.unit, m.asset)
                    for m in load_mapping(MAPPING)]
        ingestor = OpcUaIngestor(store, f"opc.tcp://127.0.0.1:{port}/gigatwin/", mappings,
                                 publishing_interval_ms=50, batch_seconds=0.2)
        task = asyncio.create_task(ingestor.run(duration=6.0))
        await asyncio.sleep(2.0)
        for value in (36.0, 42.0):
            await speed.write_value(value)
            await asyncio.sleep(0.5)
        await temperature.write_value(-300.0)  # below absolute zero: quarantined
        await asyncio.sleep(0.5)
        bad = ua.DataValue(ua.Variant(50.0, ua.VariantType.Double), ua.StatusCode(ua.StatusCodes.BadSensorFailure))
        await temperature.write_value(bad)
        await task
    return ingestor


@pytest.mark.integration
def test_opcua_data_changes_are_validated_and_stored_in_si(tmp_path):
    with open_store(f"duckdb://{tmp_path / 'line.duckdb'}") as store:
        ingestor = asyncio.run(_serve_and_ingest(store, free_port()))
        speeds = [r[0] for r in store.query(
            "SELECT value FROM signals WHERE key = 'coating_speed' ORDER BY ts")]
        # 30, 36, 42 m/min = 0.5, 0.6, 0.7 m/s
        assert speeds == pytest.approx([0.5, 0.6, 0.7])
        temperatures = store.query("SELECT value, asset_id FROM signals WHERE key = 'dryer_zone1_air_temperature'")
        assert temperatures == [(pytest.approx(383.15), "site1/line1/dryer")]  # 110 degC
        reasons = sorted(r[0] for r in store.query("SELECT reason FROM quarantine"))
        assert len(reasons) == 2
        assert "BadSensorFailure" in reasons[0] and "physical limits" in reasons[1]
        assert ingestor.counts.stored == 4 and ingestor.counts.quarantined == 2


def test_mapping_file_errors_name_the_entry(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("nodes:\n  - node: 'ns=2;s=X'\n")
    with pytest.raises(ValueError, match="entry 1 lacks key"):
        load_mapping(path)


# A PLC in its own process, so that the test can freeze it (SIGSTOP) like a hung PLC and
# restart it: the web speed steps every 0.2 s through 30.0, 30.1, ... 30.9 m/min.
PLC = """
import asyncio, sys
from asyncua import Server, ua

async def main(port):
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/gigatwin/")
    idx = await server.register_namespace("urn:gigatwin:test")
    plc = await server.nodes.objects.add_object(idx, "Line1")
    speed = await plc.add_variable(ua.NodeId("Coater.WebSpeed", idx), "WebSpeed", 30.0)
    await plc.add_variable(ua.NodeId("Dryer.Zone1.AirTemperature", idx), "T1", 110.0)
    async with server:
        print("serving", flush=True)
        step = 0
        while True:
            step += 1
            await speed.write_value(30.0 + (step % 10) / 10)
            await asyncio.sleep(0.2)

asyncio.run(main(int(sys.argv[1])))
"""


def _start_plc(port: int):
    import subprocess

    process = subprocess.Popen([sys.executable, "-c", PLC, str(port)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "serving"
    return process


@pytest.mark.integration
@pytest.mark.slow
def test_a_frozen_then_restarted_opcua_server_is_survived_and_recorded(tmp_path):
    """SIGSTOP for 10 s (a hung PLC), then a restart: the ingester reconnects with backoff,
    counts its attempts, records each outage as an event and goes on storing values."""
    import os
    import signal
    import threading
    import time

    port = free_port()
    plc = _start_plc(port)
    warnings = []
    try:
        with open_store(f"duckdb://{tmp_path / 'line.duckdb'}") as store:
            ingestor = OpcUaIngestor(store, f"opc.tcp://127.0.0.1:{port}/gigatwin/", load_mapping(MAPPING),
                                     publishing_interval_ms=100, batch_seconds=0.2,
                                     on_warning=warnings.append)

            def faults():
                nonlocal plc
                time.sleep(3)
                os.kill(plc.pid, signal.SIGSTOP)
                time.sleep(10)
                os.kill(plc.pid, signal.SIGCONT)
                time.sleep(5)
                plc.kill()
                plc.wait()
                time.sleep(1)
                plc = _start_plc(port)

            thread = threading.Thread(target=faults)
            thread.start()
            asyncio.run(ingestor.run(duration=30.0))
            thread.join()
            outages = store.query("SELECT message FROM events WHERE code = 'opcua_unavailable' ORDER BY ts")
            last_ts = store.query("SELECT max(ts) FROM signals")[0][0]
            stored = store.count("signals")
    finally:
        plc.kill()
        plc.wait()
    assert len(outages) == 2, outages  # the freeze and the restart
    assert ingestor.retries >= 2 and ingestor.counts.stored == stored > 30
    assert any("lost OPC UA server" in w for w in warnings)
    assert (time.time() - last_ts.timestamp()) < 8  # values stored after the restart


@pytest.mark.parametrize("text,expected", [
    (b"", "no 'nodes' to subscribe to"), (b"\xff\xfe", "not UTF-8 text"), (b"nodes: [", "not valid YAML"),
    (b"- a\n- b\n", "expected a mapping with a 'nodes' list"), (b"nodes: [3]", "entry 1 is not a mapping"),
])
def test_unusable_mapping_files_are_errors_naming_the_file(tmp_path, text, expected):
    path = tmp_path / "m.yaml"
    path.write_bytes(text)
    with pytest.raises(ValueError, match=expected):
        load_mapping(path)


def test_a_store_failure_keeps_the_data_changes_and_stops_the_run(tmp_path):
    """A full disk is not a server outage: the changes stay in the inbox and the run ends
    with a StoreError saying how many were not stored (the CLI exits 1 with it)."""
    from gigatwin.ingest.record_writer import Delivery
    from gigatwin.store.backends import StoreError

    with open_store(f"duckdb://{tmp_path / 'line.duckdb'}") as store:
        ingestor = OpcUaIngestor(store, "opc.tcp://127.0.0.1:4840/", load_mapping(MAPPING))
        change = Delivery("opcua:x", {"key": "coating_speed", "value": 30, "unit": "m/min",
                                      "ts": "2026-11-22T10:00:00Z"})
        ingestor.inbox.append(change)

        def disk_full(*args, **kwargs):
            raise OSError(28, "No space left on device")

        ingestor.writer.write = disk_full
        with pytest.raises(StoreError, match="1 data changes not stored: OSError"):
            ingestor.flush()
        assert ingestor.inbox == [change]
