"""A populated service for the API and browser tests: one user per role, an ingest key,
the genealogy of 20 cells and one numeric signal with a known mean shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from gigatwin.api import Settings, accounts, create_app

SECRET = "test-secret-" + "x" * 40  # a throwaway secret for the test service only
PASSWORDS = {"vera": "viewer-password-1", "erik": "engineer-password-1", "ada": "admin-password-1"}
ROLE_OF = {"vera": "viewer", "erik": "engineer", "ada": "admin"}
SIGNAL_KEY, SIGNAL_ASSET = "wet_film_thickness", "coater-1"
SHIFT_AT, POINTS = 150, 200  # the mean moves from 200 um to 208 um at this point


def signal_records() -> list[dict]:
    """200 readings of the wet film [um], sd 2 um, +8 um from point 150 on (seed 7)."""
    rng = np.random.default_rng(7)
    values = 200.0 + rng.normal(0.0, 2.0, POINTS) + np.where(np.arange(POINTS) >= SHIFT_AT, 8.0, 0.0)
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    return [{"key": SIGNAL_KEY, "value": float(v), "unit": "um", "asset": SIGNAL_ASSET,
             "ts": (start + timedelta(seconds=10 * i)).isoformat(), "id": f"wft-{i}"}
            for i, v in enumerate(values)]


def populate(app) -> str:
    """Fill the service's store; returns the ingest key."""
    from gigatwin.ingest.record_writer import Delivery, RecordWriter
    from gigatwin.trace.generate import Plant, load

    with app.state.database.session() as store:
        for name, password in PASSWORDS.items():
            accounts.add_user(store, name, password, ROLE_OF[name], actor="test")
        _, key = accounts.create_key(store, "coater-1", actor="test")
        load(store, Plant(cells=20))
        RecordWriter(store).write([Delivery("test", r) for r in signal_records()],
                                  counter_source="test")
    return key


def make_app(store_url: str = "duckdb://:memory:"):
    return create_app(Settings(store_url=store_url, secret_key=SECRET))


LIVE_BIAS = 0.01  # the slot die's flow bias the live-twin records are made with [1]


def live_records(electrode: str = "cathode", coils: int = 2, per_coil: int = 30) -> list[dict]:
    """Wet-film readings [um] of ``electrode`` exactly at ``h0 (1 + u + b)``: the chain's
    base wet film h0, the recipe's pump setpoint u and the bias b = LIVE_BIAS (the
    reading model of :class:`gigatwin.twin.live.calibration.BiasFilter`); one reading a
    minute, coils 10 minutes apart, so that the twin advises after each coil."""
    from gigatwin.api.examples import example_file
    from gigatwin.twin import load_recipe
    from gigatwin.twin.live.calibration import CoatingModel

    recipe = load_recipe(example_file("recipes", "nmc622_graphite_pouch"))
    h0 = CoatingModel(recipe, electrode).base_wet_film()
    u = recipe[f"{electrode}.coating_slot_flow_rate_deviation"].nominal
    start = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    out = []
    for coil in range(coils):
        for i in range(per_coil):
            ts = start + timedelta(seconds=coil * (per_coil * 60 + 600) + 60 * i)
            out.append({"key": f"{electrode}.wet_film_thickness",
                        "value": h0 * (1 + u + LIVE_BIAS) * 1e6, "unit": "um",
                        "asset": f"coater-{electrode}", "ts": ts.isoformat(),
                        "id": f"live-{electrode}-{coil}-{i}"})
    return out


def add_live_records(app) -> None:
    from gigatwin.ingest.record_writer import Delivery, RecordWriter

    with app.state.database.session() as store:
        counts = RecordWriter(store).write([Delivery("test", r) for r in live_records()],
                                           counter_source="test")
    if counts.quarantined:
        raise AssertionError(f"live-twin test records quarantined: {counts}")
