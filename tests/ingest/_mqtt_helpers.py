"""Message generation and a QoS 1 publisher for the MQTT ingestion tests and benchmark."""

from __future__ import annotations

import json
import threading
import time

import paho.mqtt.client as mqtt

TOPIC = "gigatwin/site1/line1/coater/signals"

GOOD = [("coating_speed", 30.0, "m/min"), ("dryer_zone1_air_temperature", 110.0, "degC"),
        ("coating_areal_loading", 20.0, "mg/cm^2")]
# Every 20th message is malformed, cycling through the four kinds the issue lists.
BAD_KINDS = ("bad_json", "unknown_key", "wrong_unit", "out_of_range")


def message(i: int) -> tuple[bytes, str | None]:
    """Payload of message ``i`` and, for malformed ones, which kind of malformed."""
    ts = f"2026-11-22T10:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
    if i % 20 == 7:
        kind = BAD_KINDS[(i // 20) % 4]
        if kind == "bad_json":
            return f'{{"key": "coating_speed", "value": {i}, "unit": "m/min", "ts": '.encode(), kind
        record = {"key": "coating_speed", "value": 30.0, "unit": "m/min", "ts": ts, "id": f"m{i}"}
        if kind == "unknown_key":
            record["key"] = "coating_sped"
        elif kind == "wrong_unit":
            record["unit"] = "kg"
        else:
            record["value"] = -5.0  # a web speed is positive: outside the physical limits
        return json.dumps(record).encode(), kind
    key, value, unit = GOOD[i % 3]
    return json.dumps({"key": key, "value": value + (i % 100) / 100, "unit": unit, "ts": ts,
                       "id": f"m{i}"}).encode(), None


class Publisher:
    """QoS 1 publisher that survives broker restarts (paho re-sends what was not acknowledged)."""

    def __init__(self, port: int, client_id: str = "test-publisher"):
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=mqtt.MQTTv311, clean_session=False)
        self.client.max_inflight_messages_set(500)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(min_delay=0.1, max_delay=1)
        self.connected = threading.Event()
        self.client.on_connect = lambda *a: self.connected.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.connected.wait(10), "publisher could not connect"
        self.infos = []

    def publish(self, payloads, topic: str = TOPIC) -> None:
        for payload in payloads:
            self.infos.append(self.client.publish(topic, payload, qos=1))

    def wait_all_acknowledged(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(_acknowledged(info) for info in self.infos):
                return
            time.sleep(0.1)
        missing = sum(not _acknowledged(info) for info in self.infos)
        raise TimeoutError(f"{missing} messages not acknowledged by the broker after {timeout} s")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _acknowledged(info) -> bool:
    """PUBACK received. A message published while the broker was down has rc NO_CONN but
    stays queued in paho and is sent on reconnect, so read the flag paho sets on PUBACK."""
    return info._published
