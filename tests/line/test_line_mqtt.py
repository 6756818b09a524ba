"""The virtual line over a real Mosquitto broker, ingested by `gigatwin ingest mqtt`'s
ingester: every record published is stored, counted as a duplicate or quarantined,
including through a broker restart while the line publishes."""

import threading
import time

import pytest

from gigatwin.line.config import NO_DISTURBANCE
from gigatwin.line.sinks import MqttSink, run_to

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_line_to_broker_to_store_through_a_broker_restart(fast_line, mosquitto, tmp_path):
    from gigatwin.ingest.mqtt import MqttIngestor
    from gigatwin.store import open_store

    with open_store(f"duckdb://{tmp_path / 'line.duckdb'}") as store:
        ingester = MqttIngestor(store, "127.0.0.1", mosquitto.port,
                                client_id="line-test-ingester")
        done = threading.Event()
        result = {}

        def ingest():
            result["counts"] = ingester.run(idle_exit=8.0)
            done.set()

        worker = threading.Thread(target=ingest, daemon=True)
        worker.start()
        assert ingester.subscribed.wait(15), "the ingester did not subscribe"
        sink = MqttSink("127.0.0.1", mosquitto.port, client_id="line-test-publisher")

        def restart_broker():
            time.sleep(1.0)
            mosquitto.restart()

        restarter = threading.Thread(target=restart_broker, daemon=True)
        restarter.start()
        # a real-time factor keeps the line publishing while the broker restarts
        run_to(fast_line, NO_DISTURBANCE, [sink], duration=0.4 * 86400, seed=5,
               steps=40, progress=lambda now: time.sleep(0.1))
        restarter.join()
        assert done.wait(120), "the ingester did not finish"
        counts = result["counts"]
        stored = store.count("signals") + store.count("measurements")
        quarantined = store.count("quarantine")
    assert sink.sent > 1000
    # QoS 1 may deliver a message twice after the restart: stored once, counted as such
    assert counts.received == counts.stored + counts.quarantined + counts.duplicates
    assert stored + quarantined == sink.sent
