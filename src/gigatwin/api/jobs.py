"""Background jobs: long computations that run beside the requests, with progress,
cancellation and results kept.

A job (simulation, comparison, performance, design, plant scenarios) is checked when
it is submitted (bad parameters are a 422 at once), written to the ``api_jobs`` table
of the store (:mod:`gigatwin.api.accounts` migration 2) and run by a small pool of
threads (``Settings.job_workers``). Its state (``queued``, ``running``, ``done``,
``failed``, ``cancelled``), progress (0-1, with a sentence) and result (JSON) are kept
in the store, so a reloaded page, another browser or a restarted service finds them;
``Settings.jobs_kept`` finished jobs are kept, the oldest removed first. A job whose
process (``runner``: host and process id) is gone, because the service stopped, is
marked failed when a service starts on that host.

Cancellation is cooperative: a queued job is cancelled at once; a running one stops
at its next progress report (performance reports after each cell, the others
between their stages) and its partial work is dropped. With several worker
processes (PostgreSQL) a job may be cancelled through another process: the cancel
is written to the store, which the running job reads when it saves its progress,
and a job finishing after that stays cancelled.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gigatwin.api.schemas import jsonable

STATES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")
_COLUMNS = ("job_id", "kind", "owner", "state", "progress", "message", "params", "error",
            "created_ts", "started_ts", "finished_ts")
_SAVE_EVERY_S = 0.5  # progress is written to the store at most this often
RUNNER = f"{socket.gethostname()}:{os.getpid()}"  # this process, as the jobs it runs say


class JobCancelledError(Exception):
    """Raised inside a job at a progress report after it was cancelled."""


class JobError(ValueError):
    """A job that cannot be done as asked; the message says why (a 422 or a 404)."""


@dataclass
class Progress:
    """What a job calls to report progress; raises :class:`JobCancelledError` when the job
    was cancelled meanwhile."""

    job_id: str
    manager: JobManager

    def __call__(self, done: float, total: float = 1.0, message: str | None = None) -> None:
        self.manager._report(self.job_id, done / total if total else 1.0, message)


Runner = Callable[[Progress], dict]


def _now() -> datetime:
    return datetime.now(UTC)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobManager:
    """Runs jobs on ``workers`` threads and keeps them in ``database``'s store."""

    def __init__(self, database, workers: int = 1, kept: int = 200):
        self.db = database
        self.kept = kept
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gigatwin-job")
        self._lock = threading.Lock()
        self._live: dict[str, dict] = {}  # running jobs: progress, message, last save
        self._cancel: set[str] = set()
        self._interrupt_leftovers()

    # -- submitting and running -------------------------------------------------------
    def submit(self, kind: str, params: dict, runner: Runner, owner: str) -> dict:
        job_id = "j_" + secrets.token_hex(8)
        with self.db.session() as store:
            store.backend.execute(
                "INSERT INTO api_jobs (job_id, kind, owner, state, progress, message, params, "
                "runner, created_ts) VALUES (?, ?, ?, 'queued', 0, 'waiting for a free worker', "
                "?, ?, ?)", (job_id, kind, owner, json.dumps(jsonable(params)), RUNNER, _now()))
            store.backend.commit()
        self._pool.submit(self._run, job_id, runner)
        return self.get(job_id)

    def _run(self, job_id: str, runner: Runner) -> None:
        with self._lock:
            if job_id in self._cancel:
                self._cancel.discard(job_id)
                return  # cancelled while queued: already written
            self._live[job_id] = {"progress": 0.0, "message": "started", "saved": 0.0}
        self._update(job_id, state="running", started_ts=_now(), message="started")
        try:
            result = runner(Progress(job_id, self))
            self._check_cancelled(job_id)
        except JobCancelledError:
            self._finish(job_id, "cancelled", message="cancelled")
        except (JobError, ValueError, KeyError, ArithmeticError) as exc:
            text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
            self._finish(job_id, "failed", error=text, message="failed")
        except Exception as exc:  # noqa: BLE001 - a job must not take the worker down
            self._finish(job_id, "failed", error=f"{type(exc).__name__}: {exc}",
                         message="failed")
        else:
            self._finish(job_id, "done", result=result, message="done")

    def _check_cancelled(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._cancel:
                raise JobCancelledError(job_id)

    def _report(self, job_id: str, fraction: float, message: str | None) -> None:
        self._check_cancelled(job_id)
        fraction = min(max(float(fraction), 0.0), 1.0)
        with self._lock:
            live = self._live.setdefault(job_id, {"saved": 0.0})
            live["progress"] = fraction
            if message:
                live["message"] = message
            save = time.monotonic() - live["saved"] >= _SAVE_EVERY_S
            if save:
                live["saved"] = time.monotonic()
        if save:
            self._update(job_id, progress=fraction, message=live.get("message"))
            if self._stored_state(job_id) == "cancelled":  # by another worker process
                with self._lock:
                    self._cancel.add(job_id)
                raise JobCancelledError(job_id)

    def _stored_state(self, job_id: str) -> str | None:
        with self.db.reader() as store:
            rows = store.query("SELECT state FROM api_jobs WHERE job_id = ?", (job_id,))
        return rows[0][0] if rows else None

    def _finish(self, job_id: str, state: str, *, result: dict | None = None,
                error: str | None = None, message: str | None = None) -> None:
        with self._lock:
            self._live.pop(job_id, None)
            self._cancel.discard(job_id)
        fields = {"state": state, "finished_ts": _now(), "error": error, "message": message}
        if state == "done":
            fields["progress"] = 1.0
        with self.db.session() as store:
            rows = store.query("SELECT state FROM api_jobs WHERE job_id = ?", (job_id,))
            if rows and rows[0][0] == "cancelled":  # cancelled through another process
                state, result = "cancelled", None
                fields.update(state="cancelled", message="cancelled", error=None)
                fields.pop("progress", None)
            self._set(store, job_id, fields)
            if result is not None:
                store.backend.execute("UPDATE api_jobs SET result = ? WHERE job_id = ?",
                                      (json.dumps(jsonable(result)), job_id))
            store.backend.commit()
            self._prune(store)

    # -- the store ----------------------------------------------------------------------
    @staticmethod
    def _set(store, job_id: str, fields: dict) -> None:
        names = [n for n in fields if n in _COLUMNS]  # column names: constants only
        store.backend.execute(f"UPDATE api_jobs SET {', '.join(f'{n} = ?' for n in names)} "
                              "WHERE job_id = ?", (*(fields[n] for n in names), job_id))

    def _update(self, job_id: str, **fields) -> None:
        with self.db.session() as store:
            self._set(store, job_id, fields)
            store.backend.commit()

    def _prune(self, store) -> None:
        rows = store.query("SELECT job_id FROM api_jobs WHERE state IN "
                           "('done', 'failed', 'cancelled') ORDER BY finished_ts DESC")
        old = [r[0] for r in rows[self.kept:]]
        for start in range(0, len(old), 500):
            chunk = old[start:start + 500]
            store.backend.execute(f"DELETE FROM api_jobs WHERE job_id IN "
                                  f"({', '.join('?' * len(chunk))})", chunk)
        store.backend.commit()

    def _interrupt_leftovers(self) -> None:
        """Mark failed the unfinished jobs of processes of this host that are gone."""
        host = RUNNER.split(":")[0]
        with self.db.session() as store:
            rows = store.query("SELECT job_id, runner FROM api_jobs "
                               "WHERE state IN ('queued', 'running')")
            for job_id, runner in rows:
                where, _, pid = runner.rpartition(":")
                if where == host and runner != RUNNER and not _alive(int(pid)):
                    store.backend.execute(
                        "UPDATE api_jobs SET state = 'failed', finished_ts = ?, "
                        "message = 'failed', error = 'the service stopped before the job "
                        "finished; submit it again' WHERE job_id = ?", (_now(), job_id))
            store.backend.commit()

    def _row(self, row) -> dict:
        job = dict(zip(_COLUMNS, row, strict=True))
        job["params"] = json.loads(job["params"]) if job["params"] else {}
        with self._lock:
            live = self._live.get(job["job_id"])
            if live is not None and job["state"] == "running":
                job["progress"] = live.get("progress", job["progress"])
                job["message"] = live.get("message", job["message"])
            if job["job_id"] in self._cancel and job["state"] == "running":
                job["message"] = "cancelling at the next progress report"
        return job

    # -- reading ------------------------------------------------------------------------
    def get(self, job_id: str) -> dict:
        with self.db.reader() as store:
            rows = store.query(f"SELECT {', '.join(_COLUMNS)} FROM api_jobs WHERE job_id = ?",
                               (job_id,))
        if not rows:
            raise KeyError(f"no job {job_id!r} (finished jobs are kept up to {self.kept})")
        return self._row(rows[0])

    def list(self, owner: str | None = None, limit: int = 50) -> list[dict]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM api_jobs"
        params: list[Any] = []
        if owner is not None:
            sql += " WHERE owner = ?"
            params.append(owner)
        with self.db.reader() as store:
            rows = store.query(sql + " ORDER BY created_ts DESC LIMIT ?", (*params, int(limit)))
        return [self._row(r) for r in rows]

    def result(self, job_id: str) -> dict | None:
        with self.db.reader() as store:
            rows = store.query("SELECT result FROM api_jobs WHERE job_id = ?", (job_id,))
        if not rows:
            raise KeyError(f"no job {job_id!r}")
        return json.loads(rows[0][0]) if rows[0][0] else None

    # -- cancelling ---------------------------------------------------------------------
    def cancel(self, job_id: str) -> dict:
        """Cancel a queued or running job; a finished one is left as it is (JobError)."""
        job = self.get(job_id)
        if job["state"] in FINISHED:
            raise JobError(f"job {job_id} is {job['state']} already; nothing to cancel")
        with self._lock:
            self._cancel.add(job_id)
            queued = job_id not in self._live
        if queued:
            self._update(job_id, state="cancelled", finished_ts=_now(), message="cancelled")
        return self.get(job_id)

    def shutdown(self) -> None:
        """Stop taking jobs; running ones stop at their next progress report."""
        with self._lock:
            self._cancel.update(self._live)
        self._pool.shutdown(wait=False, cancel_futures=True)
