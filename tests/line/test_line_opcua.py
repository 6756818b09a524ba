"""The virtual line's OPC UA server, seen by asyncua's own client and by
``gigatwin ingest opcua``: browse, read with units, write a setpoint that the line obeys.
"""

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from gigatwin.line.config import NO_DISTURBANCE
from gigatwin.line.opcua_server import LineOpcUaServer, mapping, unit_id
from gigatwin.line.sinks import run_to

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _servers import free_port  # noqa: E402

DAY = 86400.0
COATER = "pilot/line1/C-COAT-01"
LOADING = "cathode.coating_areal_loading"
FLOW = "cathode.coating_slot_flow_rate_deviation"


def test_unit_ids_follow_part_8():
    # OPC UA Part 8, 5.6.3 gives kelvin (KEL) as 4932940 and degree Celsius as 4408652
    assert unit_id("KEL") == 4932940
    assert unit_id("CEL") == 4408652


class _Paused:
    """A progress callback that stops the line at ``at`` [s] until released."""

    def __init__(self, at: float):
        self.at, self.reached, self.go = at, threading.Event(), threading.Event()
        self.now = 0.0

    def __call__(self, now: float) -> None:
        self.now = now
        if now >= self.at and not self.go.is_set():
            self.reached.set()
            self.go.wait(60)


async def _client_session(url: str, paused: _Paused, collect) -> dict:
    """What an OPC UA client does: browse, read a variable and its unit, write a
    setpoint (asyncua's client only, no gigatwin code)."""
    from asyncua import Client, ua

    out = {}
    async with Client(url=url, timeout=10) as client:
        idx = await client.get_namespace_index("urn:gigatwin:line:pilot/line1")
        while not paused.reached.is_set():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)      # the server writes what the line sent so far
        line_folder = (await client.nodes.objects.get_children())
        names = {(await n.read_browse_name()).Name: n for n in line_folder}
        stations = {(await n.read_browse_name()).Name: n
                    for n in await names["Pilot line 1, NMC622/graphite pouch"].get_children()}
        out["stations"] = set(stations)
        coater = stations["C-COAT-01"]
        variables = {(await n.read_browse_name()).Name: n for n in await coater.get_children()}
        out["coater_children"] = set(variables)
        loading = variables["coating_areal_loading"]
        out["loading"] = await loading.read_value()
        units = await loading.get_child(["0:EngineeringUnits"])
        out["units"] = await units.read_value()
        out["description"] = (await loading.read_description()).Text
        setpoints = {(await n.read_browse_name()).Name: n
                     for n in await variables["Setpoints"].get_children()}
        out["setpoints"] = set(setpoints)
        flow = setpoints["coating_slot_flow_rate_deviation"]
        with pytest.raises(ua.UaStatusCodeError):      # not a finite number: refused
            await flow.write_value(ua.Variant(float("nan"), ua.VariantType.Double))
        speed = setpoints["coating_speed"]
        with pytest.raises(ua.UaStatusCodeError):      # a negative web speed: refused
            await speed.write_value(ua.Variant(-3.0, ua.VariantType.Double))
        await flow.write_value(ua.Variant(5.0, ua.VariantType.Double))   # +5 % pump flow
        out["written_at"] = paused.now
        out["flow_after"] = await client.get_node(
            ua.NodeId(f"{COATER}/setpoints/{FLOW}", idx)).read_value()
        out["last_sent"] = [r["value"] for r in collect.rows
                            if r["key"] == LOADING and r["asset"] == COATER][-1]
    paused.go.set()
    return out


@pytest.mark.integration
def test_an_opcua_client_browses_reads_and_writes_a_setpoint_the_line_obeys(fast_line,
                                                                            collect):
    url = f"opc.tcp://127.0.0.1:{free_port()}/gigatwin/line"
    server = LineOpcUaServer(fast_line, url).start()
    paused = _Paused(0.25 * DAY)
    result = {}
    client = threading.Thread(target=lambda: result.update(
        asyncio.run(_client_session(url, paused, collect))))
    client.start()
    truth = run_to(fast_line, NO_DISTURBANCE, [server, collect], duration=0.5 * DAY,
                   seed=4, progress=paused, steps=200)
    client.join(30)
    assert {"C-COAT-01", "A-DRY-01", "EOL-01", "A-IQC-01"} <= result["stations"]
    assert {"coating_areal_loading", "wet_film_thickness", "Setpoints"} <= \
        result["coater_children"]
    assert result["setpoints"] == {"coating_speed", "coating_gap",
                                   "coating_slot_flow_rate_deviation"}
    # the variable holds the last value the line sent, in the spec's display unit
    assert result["loading"] == pytest.approx(result["last_sent"], rel=1e-12)
    assert result["units"].DisplayName.Text == "mg/cm^2"
    assert result["units"].NamespaceUri == "http://www.opcfoundation.org/UA/units/un/cefact"
    from gigatwin.spec.vocabulary import parameter

    assert result["description"] == parameter(LOADING).description
    assert result["flow_after"] == 5.0
    # the truth records the one accepted write, in SI
    writes = truth.setpoint_writes
    assert [(w["key"], w["value_si"], w["source"]) for w in writes] == [(FLOW, 0.05, "opcua")]
    # Slot-die mass balance h = Q / (W U): loading is proportional to the pump flow, so
    # coils coated after the write carry (1 + 0.05) / (1 + 0) of the loading before
    # (fast_line has no hidden offset; the recipe's nominal deviation is 0).
    written = truth.line.start.timestamp() + result["written_at"]
    coils = [c for c in truth.coils if c["step"] == "coating" and c["electrode"] == "cathode"]
    later = [c for c in coils
             if _epoch(c["start"]) >= written]
    assert later and all(abs(c["settings"][FLOW] - 0.05) < 0.02 for c in later)
    first_after = min(_epoch(c["start"]) for c in later)
    rows = [(_epoch(r["ts"]), r["value"]) for r in collect.rows
            if r["key"] == LOADING and r["asset"] == COATER]
    before = np.mean([v for t, v in rows if t < written - 900])
    after = np.mean([v for t, v in rows if t >= first_after])
    assert after / before == pytest.approx(1.05, abs=0.006)


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@pytest.mark.integration
def test_gigatwin_ingest_opcua_records_the_lines_variables(fast_line, collect, tmp_path):
    from gigatwin.store import open_store
    from gigatwin.units import to_si

    url = f"opc.tcp://127.0.0.1:{free_port()}/gigatwin/line"
    server = LineOpcUaServer(fast_line, url).start()
    map_file = tmp_path / "mapping.yaml"
    map_file.write_text(yaml.safe_dump(mapping(fast_line, server.namespace_index)))
    db = tmp_path / "opcua.duckdb"
    gigatwin = Path(sys.executable).with_name("gigatwin")
    ingest = subprocess.Popen([str(gigatwin), "ingest", "opcua", "--endpoint", url,
                               "--mapping", str(map_file), "--store", f"duckdb://{db}",
                               "--duration", "14"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    time.sleep(4.0)                   # the ingester connects and subscribes
    run_to(fast_line, NO_DISTURBANCE, [server, collect], duration=0.3 * DAY, seed=5,
           progress=lambda now: time.sleep(0.03), steps=150)
    output, _ = ingest.communicate(timeout=60)
    assert ingest.returncode == 0, output
    with open_store(f"duckdb://{db}") as store:
        stored = store.query("SELECT asset_id, key, ts, value FROM signals "
                             "UNION ALL SELECT asset_id, key, ts, value FROM measurements")
    sent = {(r["asset"], r["key"], r["ts"][:23]): r for r in collect.rows}
    assert len(stored) > 100 and len({(a, k) for a, k, _, _ in stored}) >= 15
    for asset, key, ts, value in stored:
        row = sent[(asset, key, ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23])]
        assert value == pytest.approx(float(to_si(row["value"], row["unit"])), rel=1e-9)


@pytest.mark.integration
def test_an_mqtt_setpoint_command_takes_effect_and_a_bad_one_is_refused(fast_line, mosquitto):
    import json

    import paho.mqtt.client as mqtt

    from gigatwin.line.sinks import MqttSink

    sink = MqttSink("127.0.0.1", mosquitto.port, client_id="line-command-test",
                    commands=fast_line)
    paused = _Paused(0.1 * DAY)
    topic = "gigatwin/pilot/line1/C-CAL-01/setpoints"

    def command():
        paused.reached.wait(60)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="line-controller")
        client.connect("127.0.0.1", mosquitto.port)
        client.loop_start()
        for payload in ({"key": "calender_line_load", "value": 600, "unit": "N/mm"},
                        {"key": "calender_line_load", "value": 600, "unit": "K"},
                        {"key": "coating_speed", "value": 30, "unit": "m/min"}):
            client.publish(topic, json.dumps(payload), qos=1).wait_for_publish(10)
        time.sleep(1.0)
        client.loop_stop()
        client.disconnect()
        paused.go.set()

    worker = threading.Thread(target=command)
    worker.start()
    truth = run_to(fast_line, NO_DISTURBANCE, [sink], duration=0.2 * DAY, seed=2,
                   progress=paused, steps=40)
    worker.join(30)
    assert [(w["key"], w["value_si"], w["source"]) for w in truth.setpoint_writes] == \
        [("cathode.calender_line_load", 600e3, "mqtt")]
    assert len(sink.refused) == 2
    assert "not a 'N/m'-like unit" in sink.refused[0] or "unit 'K'" in sink.refused[0]
    assert "not a setpoint of pilot/line1/C-CAL-01" in sink.refused[1]
    # coils calendered after the command ran at 600 N/mm
    later = [c for c in truth.coils if c["step"] == "calendering"
             and c["electrode"] == "cathode" and c["start"] > truth.setpoint_writes[0]["ts"]]
    assert later and all(abs(c["settings"]["cathode.calender_line_load"] - 600e3) < 30e3
                         for c in later)


def test_an_endpoint_the_server_cannot_bind_is_one_line_without_traceback(tmp_path):
    # asyncua logs a failed bind with its traceback on stderr: a real process shows it,
    # which the in-process corpus cannot see (pytest captures logging)
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("gigatwin")), "line", "run",
         "examples/lines/pilot_line.yaml",
         "--duration", "1h", "--opcua", "opc.tcp://no-such-host.invalid:4840/"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "--opcua opc.tcp://no-such-host.invalid:4840/" in proc.stderr
