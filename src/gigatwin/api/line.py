"""The virtual pilot line run by the service: started and stopped by an admin, its
records written to the service's store as they are produced.

One line at a time runs on a thread of its own (:func:`gigatwin.line.sinks.run_to`
with a :class:`~gigatwin.line.sinks.StoreSink`), paced at ``speed`` times real time
(60: one simulated minute per second), so the SPC charts and the live twin see data
arrive. It writes through a connection of its own to the store (a DuckDB cursor of
the service's database, or a PostgreSQL connection), and tells the service after
each flush that the data changed (:meth:`gigatwin.api.database.Database.touch`), so
that no cached answer outlives them. Stopping takes effect at the line's next
progress report (about one simulated minute).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from gigatwin.line.sinks import StoreSink


class LineStopped(Exception):  # noqa: N818 (a signal, not an error)
    """Raised in the line's progress report once a stop was asked for."""


class _ServiceSink(StoreSink):
    def __init__(self, store, database, source: str):
        super().__init__(store, source=source)
        self.database = database

    def flush(self) -> None:
        try:
            super().flush()
        finally:
            self.database.touch()


class LineRunner:
    """The one virtual line of the service: :meth:`start`, :meth:`stop`, :meth:`status`."""

    def __init__(self, database):
        self.db = database
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._status: dict = {"state": "stopped", "line": None, "scenario": None,
                              "simulated_s": 0.0, "duration_s": None, "speed": None,
                              "records": 0, "started_ts": None, "stopped_ts": None,
                              "started_by": None, "error": None}

    def status(self) -> dict:
        with self._lock:
            return dict(self._status)

    def start(self, line_path, scenario_path, *, duration_s: float, speed: float,
              seed: int, actor: str) -> dict:
        """Start the line (ValueError when one runs already or the files are wrong)."""
        from gigatwin.line import load_line, load_scenario
        from gigatwin.line.config import NO_DISTURBANCE

        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RuntimeError(f"the line {self._status['line']!r} runs already; "
                                   "stop it first")
            line = load_line(line_path)
            scenario = load_scenario(scenario_path, line) if scenario_path else NO_DISTURBANCE
            self._stop.clear()
            self._status.update(state="running", line=line.name, scenario=scenario.name,
                                simulated_s=0.0, duration_s=duration_s, speed=speed, records=0,
                                started_ts=datetime.now(UTC), stopped_ts=None,
                                started_by=actor, error=None)
            self._thread = threading.Thread(
                target=self._run, args=(line, scenario, duration_s, speed, seed),
                name="gigatwin-line", daemon=True)
            self._thread.start()
            return dict(self._status)

    def _run(self, line, scenario, duration_s: float, speed: float, seed: int) -> None:
        from gigatwin.line.sinks import run_to

        store = self.db.writer_connection()
        sink = _ServiceSink(store, self.db, source=f"line:{line.name}")
        began = time.monotonic()

        def advance(now: float) -> None:
            with self._lock:
                self._status["simulated_s"] = float(now)
                self._status["records"] = sink.sent
            if self._stop.is_set():
                raise LineStopped
            wait = began + now / speed - time.monotonic()
            while wait > 0:  # paced, but a stop is heard within 0.2 s
                if self._stop.wait(min(wait, 0.2)):
                    raise LineStopped
                wait = began + now / speed - time.monotonic()

        state, error = "finished", None
        try:
            run_to(line, scenario, [sink], duration=duration_s, seed=seed, progress=advance,
                   steps=max(100, int(duration_s / 60)))
        except LineStopped:
            state = "stopped"
            sink.close()
        except Exception as exc:  # noqa: BLE001 - the status says what went wrong
            state, error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            store.close()
        with self._lock:
            self._status.update(state=state, error=error, records=sink.sent,
                                stopped_ts=datetime.now(UTC))

    def stop(self, wait_s: float = 10.0) -> dict:
        """Ask the line to stop and wait (up to ``wait_s``) until it has."""
        with self._lock:
            thread = self._thread
        if thread is None or not thread.is_alive():
            raise RuntimeError("no line is running")
        self._stop.set()
        thread.join(wait_s)
        return self.status()

    def shutdown(self) -> None:
        """Stop a running line (the service stops)."""
        with self._lock:
            running = self._thread is not None and self._thread.is_alive()
        if running:
            self.stop()
