"""MQTT ingestion against a real Mosquitto broker started by the test (tests/_servers.py)."""

import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from _mqtt_helpers import BAD_KINDS, Publisher, message

from gigatwin.ingest.mqtt import parse_broker, topic_defaults
from gigatwin.store import open_store

# The ingester runs the real CLI command in a child process, so the test can kill it hard.
INGESTER = """
import sys, typer
from gigatwin.cli.linedata import register
app = typer.Typer(); register(app)
app(["ingest", "mqtt", "--broker", sys.argv[1], "--store", sys.argv[2],
     "--client-id", "test-ingester", "--idle-exit", sys.argv[3]])
"""


def test_topic_namespace_gives_the_asset():
    assert topic_defaults("gigatwin/site1/line1/coater/signals") == {"asset": "site1/line1/coater"}
    assert topic_defaults("other/topic") == {}
    assert parse_broker("localhost:1884") == ("localhost", 1884)
    assert parse_broker("broker") == ("broker", 1883)


def _start_ingester(port: int, url: str, idle_exit: float = 4.0) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", INGESTER, f"127.0.0.1:{port}", url, str(idle_exit)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "COLUMNS": "120"})
    return process


def _wait_subscribed(process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Block until the ingester prints that its subscription is acknowledged."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("subscribed"):
            return
        if not line and process.poll() is not None:
            raise RuntimeError(f"ingester exited with {process.returncode}")
    raise TimeoutError("ingester did not subscribe")


@pytest.mark.integration
@pytest.mark.slow
def test_100k_messages_with_broker_and_ingester_restarts(mosquitto, tmp_path):
    """100,000 messages, 5 % malformed (bad JSON, unknown key, wrong unit, out of range);
    the ingesting process is killed (SIGKILL) and restarted mid-stream and the broker is
    restarted mid-stream: stored + quarantined = sent, nothing twice, each reject with reason."""
    n = 100_000
    url = f"duckdb://{tmp_path / 'line.duckdb'}"
    payloads = [message(i) for i in range(n)]
    expected_bad = Counter(kind for _, kind in payloads if kind)
    assert sum(expected_bad.values()) == n // 20

    ingester = _start_ingester(mosquitto.port, url)
    _wait_subscribed(ingester)
    publisher = Publisher(mosquitto.port)
    try:
        publisher.publish(p for p, _ in payloads[:35_000])
        publisher.wait_all_acknowledged(60)
        ingester.kill()  # hard crash: whatever was not committed is not acknowledged
        ingester.wait()
        publisher.publish(p for p, _ in payloads[35_000:60_000])  # queued by the broker meanwhile
        ingester = _start_ingester(mosquitto.port, url)
        publisher.publish(p for p, _ in payloads[60_000:80_000])
        time.sleep(1.0)
        mosquitto.restart()  # broker restart while messages are flowing
        publisher.publish(p for p, _ in payloads[80_000:])
        publisher.wait_all_acknowledged(90)
        output, _ = ingester.communicate(timeout=120)  # exits after 4 s without messages
    finally:
        publisher.close()
        if ingester.poll() is None:
            ingester.kill()
    assert ingester.returncode == 0, output

    with open_store(url) as store:
        stored, quarantined = store.count("signals"), store.count("quarantine")
        assert stored + quarantined == n
        assert stored == n - n // 20
        assert store.query("SELECT count(DISTINCT record_id) FROM signals")[0][0] == stored
        reasons = [r[0] for r in store.query("SELECT reason FROM quarantine")]
        assert all(reasons)
        by_kind = Counter()
        for reason in reasons:
            if reason.startswith("payload: not valid JSON"):
                by_kind["bad_json"] += 1
            elif "unknown key 'coating_sped'" in reason:
                by_kind["unknown_key"] += 1
            elif "'kg' measures [mass]" in reason:
                by_kind["wrong_unit"] += 1
            elif "outside the physical limits" in reason:
                by_kind["out_of_range"] += 1
        assert by_kind == expected_bad and set(by_kind) == set(BAD_KINDS)
        # SI conversion: 30.xx m/min stored as m/s; asset taken from the topic
        speed = store.query("SELECT value, unit, asset_id FROM signals WHERE record_id = 'm0'")
        assert speed == [(pytest.approx(30.0 / 60), "m/s", "site1/line1/coater")]
        counters = store.counters()["mqtt:gigatwin/#"]
        assert counters["stored"] + counters["quarantined"] == n
        assert counters["received"] - counters["duplicates"] == n


@pytest.mark.integration
def test_a_failed_commit_stops_the_run_and_acknowledges_nothing_of_its_batch(mosquitto, tmp_path):
    """The committer thread's error reaches run()'s caller; the broker keeps the batch and
    gives it to the next run with the same session (here the same ingester, which must not
    stay stopped), which stores every message once."""
    from gigatwin.ingest.mqtt import MqttIngestor

    url = f"duckdb://{tmp_path / 'line.duckdb'}"
    payloads = [message(i)[0] for i in range(40) if i % 20 != 7]  # 38 good messages
    with open_store(url) as store:
        first = MqttIngestor(store, "127.0.0.1", mosquitto.port, client_id="test-commit-failure")
        first.on_subscribed = lambda: publisher.publish(payloads)

        def disk_full(prepared, *, counter_source):
            raise OSError("disk full")

        first.writer.commit = disk_full
        publisher = Publisher(mosquitto.port)
        try:
            with pytest.raises(OSError, match="disk full"):
                first.run(idle_exit=3.0)
            publisher.wait_all_acknowledged(10)
            assert store.count("signals") == 0 and first.messages == 0
            del first.writer.commit  # the disk has room again; the same ingester runs again
            counts = first.run(idle_exit=2.0)
        finally:
            publisher.close()
        assert store.count("signals") == len(payloads) == counts.stored
