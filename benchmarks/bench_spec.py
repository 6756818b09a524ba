"""Record validation throughput: cached per-(key, unit) conversion vs. pint per record.

Ingestion validates every record with :func:`gigatwin.spec.validate_record`; the line
data platform targets >= 50,000 samples/s, so validation must cost well under 20 us.
Baseline measured in the same run: converting each record with a fresh pint Quantity
(what a naive implementation does).
"""

from __future__ import annotations

import time

import numpy as np
from rich.console import Console
from rich.table import Table

from gigatwin.spec import load_registry, validate_record
from gigatwin.units import ureg

KEYS = (("coating_speed", "m/min", 30.0), ("wet_film_thickness", "um", 150.0),
        ("coating_ambient_temperature", "degC", 22.0), ("calendered_porosity", "%", 28.0),
        ("slurry_density", "g/cm^3", 1.9), ("coating_areal_loading", "mg/cm^2", 20.0))


def make_records(n: int, seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(KEYS), n)
    noise = rng.normal(1.0, 0.01, n)
    return [{"key": KEYS[i][0], "value": float(KEYS[i][2] * f), "unit": KEYS[i][1],
             "ts": "2026-11-22T10:00:00.000000+00:00", "asset": "line1/coater", "id": f"m-{j}"}
            for j, (i, f) in enumerate(zip(picks, noise, strict=True))]


def rate(func, records) -> float:
    start = time.perf_counter()
    for record in records:
        func(record)
    return len(records) / (time.perf_counter() - start)


def pint_per_record(record: dict) -> float:
    return ureg.Quantity(float(record["value"]), record["unit"]).to_base_units().magnitude


def main() -> dict:
    registry = load_registry()
    records = make_records(200_000)
    validate_record(records[0], registry)  # warm the caches
    cached = rate(lambda r: validate_record(r, registry), records)
    naive = rate(pint_per_record, records[:5_000])
    table = Table(title="Record validation throughput (one core)")
    for column in ("method", "records", "records/s", "us/record", "ratio vs pint per record"):
        table.add_column(column, justify="right")
    table.add_row("validate_record (cached)", f"{len(records):,}", f"{cached:,.0f}", f"{1e6 / cached:.1f}",
                  f"{cached / naive:.1f}x")
    table.add_row("pint Quantity per record (baseline, conversion only)", "5,000", f"{naive:,.0f}",
                  f"{1e6 / naive:.1f}", "1.0x")
    Console().print(table)
    return {"validate_records_per_s": cached, "pint_records_per_s": naive, "ratio": cached / naive}


if __name__ == "__main__":
    main()
