"""MQTT ingestion under faults: endpoints that are not there, a broker restarted without
its persistence, a PostgreSQL restart mid-stream, client ids and shared subscriptions.

Every broker here is a throwaway Mosquitto started by the test with the configuration
shipped in examples/linedata/mosquitto.conf (unless the test needs another)."""

import socket
import subprocess
import sys
import threading
import time

import pytest
from _mqtt_helpers import Publisher, message

from _servers import MosquittoBroker, free_port
from gigatwin.ingest.mqtt import MqttIngestor
from gigatwin.store import open_store

pytestmark = pytest.mark.integration

CLI = "from gigatwin.cli.app import app; app()"


def _cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """The real command in a child process; ``timeout`` guards against a hang (the 5 s
    the issue asks for are the connect timeouts plus ~1.5 s of start-up on an idle
    machine; a loaded CI runner needs more)."""
    return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True,
                          timeout=timeout, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def _not_mqtt_listener():
    """A TCP port that accepts connections and never answers (not an MQTT broker)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    return server


@pytest.mark.parametrize("broker,expected", [
    (f"127.0.0.1:{free_port()}", "Connection refused"),
    ("no-such-host.invalid:1883", "does not resolve"),
    ("127.0.0.1:70000", "outside 1-65535"),
    ("not-mqtt", "gave no MQTT answer within 3 s"),
], ids=["refused", "unresolvable", "port-out-of-range", "not-mqtt"])  # fixed ids: pytest-xdist
# workers must collect the same tests, and the free port differs from one to the other
def test_an_unreachable_broker_is_reported_within_seconds(tmp_path, broker, expected):
    silent = _not_mqtt_listener() if broker == "not-mqtt" else None
    if silent is not None:
        broker = f"127.0.0.1:{silent.getsockname()[1]}"
    try:
        result = _cli("ingest", "mqtt", "--broker", broker, "--store", f"duckdb://{tmp_path / 'l.duckdb'}")
    finally:
        if silent is not None:
            silent.close()
    assert result.returncode != 0
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_opcua_endpoint_is_reported_within_seconds(tmp_path):
    from pathlib import Path

    mapping = Path(__file__).resolve().parents[2] / "examples" / "linedata" / "opcua_mapping.yaml"
    for endpoint in (f"opc.tcp://127.0.0.1:{free_port()}/", "opc.tcp://no-such-host.invalid:4840/",
                     "not a url"):
        result = _cli("ingest", "opcua", "--endpoint", endpoint, "--mapping", str(mapping),
                      "--store", f"duckdb://{tmp_path / 'l.duckdb'}")
        assert result.returncode == 1, (endpoint, result.stderr)
        assert "OPC UA endpoint" in result.stderr and "Traceback" not in result.stderr


def _run_in_thread(ingestor: MqttIngestor, **kwargs) -> threading.Thread:
    thread = threading.Thread(target=ingestor.run, kwargs=kwargs, daemon=True)
    thread.start()
    assert ingestor.subscribed.wait(10)
    return thread


def test_a_broker_restarted_without_its_persistence_is_recorded_and_warned(tmp_path):
    broker = MosquittoBroker(persistence=False)
    warnings = []
    try:
        with open_store(f"duckdb://{tmp_path / 'l.duckdb'}") as store:
            ingestor = MqttIngestor(store, "127.0.0.1", broker.port, client_id="fixed-ingester",
                                    on_warning=warnings.append)
            thread = _run_in_thread(ingestor, idle_exit=1.5)
            broker.restart()  # the session, and anything queued for it, is gone
            deadline = time.monotonic() + 15
            while not any("without its persistent session" in w for w in warnings):
                assert time.monotonic() < deadline, warnings
                time.sleep(0.1)
            publisher = Publisher(broker.port)
            publisher.publish([message(0)[0]])
            publisher.wait_all_acknowledged(5)
            publisher.close()
            thread.join(30)
            events = store.query("SELECT code, message FROM events ORDER BY ts")
    finally:
        broker.close()
    codes = [e[0] for e in events]
    assert "mqtt_session_lost" in codes and "broker_unavailable" in codes
    assert any("may have been lost" in e[1] for e in events)


def test_ingestion_survives_a_postgresql_restart(mosquitto, postgres_server):
    """PostgreSQL stopped for 3 s while 1,000 messages flow: the ingester reconnects with
    backoff, counts its attempts, records the outage, and stores every message once."""
    url = postgres_server.new_database("restart")
    n = 1000
    payloads = [message(i)[0] for i in range(n) if i % 20 != 7]  # good ones only
    warnings = []
    with open_store(url) as store:
        ingestor = MqttIngestor(store, "127.0.0.1", mosquitto.port, client_id="pg-restart",
                                batch_size=50, batch_seconds=0.05, on_warning=warnings.append)
        thread = _run_in_thread(ingestor, idle_exit=4.0)
        publisher = Publisher(mosquitto.port)
        try:
            publisher.publish(payloads[:400])
            time.sleep(0.5)
            restarter = threading.Thread(target=postgres_server.restart, args=(3.0,))
            restarter.start()
            for payload in payloads[400:]:
                publisher.publish([payload])
                time.sleep(0.004)
            restarter.join()
            publisher.wait_all_acknowledged(30)
        finally:
            publisher.close()
        thread.join(60)
        assert not thread.is_alive()
        assert store.count("signals") == len(payloads)
        assert store.query("SELECT count(DISTINCT record_id) FROM signals")[0][0] == len(payloads)
        (outage,), = store.query("SELECT message FROM events WHERE code = 'store_unavailable'")
    assert ingestor.writer.retries >= 1 and "reconnect attempts" in outage
    assert any("store unavailable" in w for w in warnings)


def test_two_ingesters_with_default_ids_share_a_subscription_into_postgresql(mosquitto, postgres_server):
    """Default client ids are unique per process, so two ingesters never take each other's
    session; with a shared subscription ($share/group/filter) the broker gives each
    message to one of them: every message stored once, both ingesters busy."""
    url = postgres_server.new_database("shared")
    payloads = [message(i)[0] for i in range(2000) if i % 20 != 7]
    stores = [open_store(url), open_store(url)]
    ingestors = [MqttIngestor(s, "127.0.0.1", mosquitto.port, topic="$share/line1/gigatwin/#",
                              batch_size=100) for s in stores]
    for other in ingestors[1:]:  # two MqttIngestor in one process: make the ids differ as processes do
        other.client_id += "-b"
        other.client = other._client()
    assert ingestors[0].client_id != ingestors[1].client_id
    threads = [_run_in_thread(i, idle_exit=2.0) for i in ingestors]
    publisher = Publisher(mosquitto.port)
    try:
        publisher.publish(payloads)
        publisher.wait_all_acknowledged(30)
    finally:
        publisher.close()
    for thread in threads:
        thread.join(30)
    with open_store(url) as store:
        assert store.count("signals") == len(payloads)
        assert store.query("SELECT count(DISTINCT record_id) FROM signals")[0][0] == len(payloads)
    assert all(i.messages > 0 for i in ingestors)
    assert sum(i.messages for i in ingestors) == len(payloads)
    for s in stores:
        s.close()


def test_a_session_taken_over_by_the_same_client_id_is_warned_about(mosquitto, tmp_path):
    warnings = []
    with open_store(f"duckdb://{tmp_path / 'a.duckdb'}") as first_store, \
            open_store(f"duckdb://{tmp_path / 'b.duckdb'}") as second_store:
        first = MqttIngestor(first_store, "127.0.0.1", mosquitto.port, client_id="same-id",
                             on_warning=warnings.append)
        thread = _run_in_thread(first, idle_exit=1.0)
        second = MqttIngestor(second_store, "127.0.0.1", mosquitto.port, client_id="same-id")
        second.connect()  # takes the session away from the first
        time.sleep(1.0)
        second.client.disconnect()
        second.client.loop_stop()
        first.stop()
        thread.join(30)
        events = first_store.query("SELECT code, message FROM events")
    assert any("probably gave session 'same-id' to another client" in w for w in warnings), warnings
    assert ("mqtt_session_lost" in [e[0] for e in events])
