"""The live twin on a store: follow stored gauge data, keep estimates and advice.

:func:`follow` reads, per electrode, the stored solid content of each slurry batch
(``measurements``, key ``<electrode>.slurry_solid_content``) and the coater's wet-film and
loading readings (``signals``), in time order, through the same
:class:`~gigatwin.twin.live.calibration.BiasFilter` as on the virtual line; a pause of
more than ``coil_gap`` seconds in the readings ends a coil, and after each coil the twin
advises the pump setpoint for the next one (:class:`~gigatwin.twin.live.control
.TwinController`). The setpoint in force is the last accepted recommendation, else the
recipe's.

Two tables of this module's own (created if missing; no store migration):
``live_estimates`` (one row per reading: posterior mean and standard deviation, the
reading it came from, accepted or the reason not, the model) and
``live_recommendations`` (one row per advice, with its prediction and status advised,
accepted or rejected). Rerunning :func:`follow` rewrites the estimates and adds only new
recommendations (decisions are kept).
"""

from __future__ import annotations

import math
from datetime import datetime

import pyarrow as pa

from gigatwin.line.config import ELECTRODES
from gigatwin.twin.live.calibration import MODEL_VERSION, BiasFilter, CoatingModel
from gigatwin.twin.live.control import Limits, TwinController

FLOW = "coating_slot_flow_rate_deviation"
STATUSES = ("advised", "accepted", "rejected")

TABLES = (
    """CREATE TABLE IF NOT EXISTS live_estimates (
        ts TIMESTAMPTZ NOT NULL, key TEXT NOT NULL, mean DOUBLE PRECISION,
        std DOUBLE PRECISION, source TEXT, accepted BOOLEAN, reason TEXT, model TEXT)""",
    """CREATE TABLE IF NOT EXISTS live_recommendations (
        rec_id TEXT PRIMARY KEY, ts TIMESTAMPTZ NOT NULL, key TEXT NOT NULL,
        previous DOUBLE PRECISION, value DOUBLE PRECISION, predicted DOUBLE PRECISION,
        predicted_std DOUBLE PRECISION, target DOUBLE PRECISION, why TEXT,
        status TEXT NOT NULL)""",
)


def create_tables(store) -> None:
    for sql in TABLES:
        store.backend.execute(sql)
    store.backend.commit()


def _rows(store, sql: str, key: str) -> list[tuple[datetime, float]]:
    return [(ts, float(v)) for ts, v in store.query(sql, (key,)) if v is not None]


def follow(store, recipe, *, coil_gap: float = 120.0, limits: Limits | None = None,
           gauge_std: float | None = None) -> dict:
    """Run the calibration and the advice over everything stored; a summary per key."""
    from gigatwin.spec.vocabulary import parameter

    create_tables(store)
    accepted = {}
    for key, ts, value in store.query(
            "SELECT key, ts, value FROM live_recommendations WHERE status = 'accepted' "
            "ORDER BY ts"):
        accepted.setdefault(key, []).append((ts, value))
    summary = {}
    estimates = []
    recommendations = []
    for e in ELECTRODES:
        path = f"{e}.{FLOW}"
        solids = _rows(store, "SELECT ts, value FROM measurements WHERE key = ? "
                              "ORDER BY ts", f"{e}.slurry_solid_content")
        wet = _rows(store, "SELECT ts, value FROM signals WHERE key = ? ORDER BY ts",
                    f"{e}.wet_film_thickness")
        if not wet:
            continue
        model = CoatingModel(recipe, e)
        noise = gauge_std if gauge_std is not None else parameter("wet_film_thickness").accuracy_si
        lanes = int(round(recipe["cathode.slitting_lane_count"].nominal))
        r = model.wet_reading_variance(noise or 1e-6, lanes)
        h0 = model.base_wet_film()
        f = BiasFilter()
        lim = limits or Limits.for_setting(path)
        target = recipe[f"{e}.coating_areal_loading"].nominal
        ctl = TwinController(target, lim, u=recipe[path].nominal)
        # the coater's speed, where stored: the wet film is h0 (1 + u + b) / s with
        # s = v / v0 (the live twin slows the coater when the pump saturates)
        speeds = _rows(store, "SELECT ts, value FROM signals WHERE key = ? ORDER BY ts",
                       f"{e}.coating_speed")
        v0 = recipe[f"{e}.coating_speed"].nominal
        start = wet[0][0]
        events = sorted([(ts, 0, v) for ts, v in solids] + [(ts, 1, v) for ts, v in wet]
                        + [(ts, -1, v) for ts, v in speeds], key=lambda x: (x[0], x[1]))
        w = recipe[f"{e}.slurry_solid_content"].nominal
        s = 1.0
        last = None
        for ts, kind, value in events:
            t = (ts - start).total_seconds()
            if kind == 0:
                w = value
                continue
            if kind == -1:      # a written speed (steps of 2 %), not the gauge's noise
                s = value / v0 if value > 0 and abs(value / v0 - 1) > 0.005 else 1.0
                continue
            if last is not None and t - last > coil_gap:
                recommendations.append(_advise(ctl, model, f, w, path, ts, "coil ended"))
            u = _in_force(accepted.get(path, []), ts, recipe[path].nominal)
            est = f.update(t, value, h0 / s, u, r,
                           source=f"signals {e}.wet_film_thickness {ts}")
            estimates.append((ts, path, est))
            last = t
        recommendations.append(_advise(ctl, model, f, w, path, events[-1][0], "latest data"))
        summary[path] = {"mean": f.mean, "std": f.std, "readings": len(wet),
                         "rejected": sum(not h.accepted for h in f.history)}
    _write(store, estimates, recommendations)
    return summary


def _in_force(accepted: list, ts, nominal: float) -> float:
    u = nominal
    for when, value in accepted:
        if when <= ts:
            u = value
    return u


def _advise(ctl: TwinController, model: CoatingModel, f: BiasFilter, w: float, path: str,
            ts, why: str) -> dict:
    previous = ctl.u
    base = model.base_loading(w)
    u = ctl.recommend(base, f.mean)
    return {"rec_id": f"{path}:{ts.isoformat()}", "ts": ts, "key": path,
            "previous": previous, "value": u, "predicted": base * (1 + u + f.mean),
            "predicted_std": base * f.std, "target": ctl.target,
            "why": f"{why}: bias {f.mean:+.4f} +- {1.96 * f.std:.4f} (95 %), "
                   f"solid content {w:.4f}", "status": "advised"}


def _write(store, estimates: list, recommendations: list) -> None:
    with store.transaction():
        store.backend.execute("DELETE FROM live_estimates")
        if estimates:
            store.backend.append("live_estimates", pa.table({
                "ts": pa.array([ts for ts, _, _ in estimates], pa.timestamp("us", "UTC")),
                "key": [k for _, k, _ in estimates],
                "mean": [e.mean for _, _, e in estimates],
                "std": [e.std for _, _, e in estimates],
                "source": [e.source for _, _, e in estimates],
                "accepted": [e.accepted for _, _, e in estimates],
                "reason": [e.reason for _, _, e in estimates],
                "model": [MODEL_VERSION] * len(estimates)}))
        known = {r for (r,) in store.query("SELECT rec_id FROM live_recommendations")}
        for rec in recommendations:
            if rec["rec_id"] in known or not all(
                    math.isfinite(rec[k]) for k in ("value", "predicted")):
                continue
            store.backend.execute(
                "INSERT INTO live_recommendations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tuple(rec[k] for k in ("rec_id", "ts", "key", "previous", "value", "predicted",
                                       "predicted_std", "target", "why", "status")))
            known.add(rec["rec_id"])


def recommendations(store) -> list[dict]:
    create_tables(store)
    cols = ("rec_id", "ts", "key", "previous", "value", "predicted", "predicted_std",
            "target", "why", "status")
    return [dict(zip(cols, row, strict=True)) for row in store.query(
        f"SELECT {', '.join(cols)} FROM live_recommendations ORDER BY ts, key")]


def decide(store, rec_id: str, status: str) -> None:
    """Accept or reject an advised recommendation."""
    if status not in ("accepted", "rejected"):
        raise ValueError(f"status = {status!r}; allowed: accepted, rejected")
    create_tables(store)
    found = store.query("SELECT status FROM live_recommendations WHERE rec_id = ?", (rec_id,))
    if not found:
        raise KeyError(f"no recommendation {rec_id!r} in the store "
                       "(list them with `gigatwin live recommendations --store URL`)")
    store.backend.execute("UPDATE live_recommendations SET status = ? WHERE rec_id = ?",
                          (status, rec_id))
    store.backend.commit()
