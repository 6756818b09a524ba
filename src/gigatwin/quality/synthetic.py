"""Synthetic end-of-line data for examples and tests (not a process model).

Cells of a nominal 5 Ah design: capacity ~ N(5.0 Ah, 0.03 Ah) with a slow drift along
production order, DCIR ~ N(18 mOhm, 0.6 mOhm) negatively correlated with capacity,
OCV drop over a 14-day aging of ~ N(1.0 mV/day, 0.15 mV/day) per cell plus a few cells
with a soft short (5-10 times the rate). Seeded, so the examples are reproducible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

AGING_DAYS = 14.0


def eol_cells(n_cells: int = 400, *, seed: int = 7, soft_shorts: int = 4) -> pd.DataFrame:
    """End-of-line table: cell_id, batch, capacity_Ah, dcir_mohm, ocv_start_V, ocv_end_V,
    aging_time_days, k_mV_per_day (units in the column names)."""
    rng = np.random.default_rng(seed)
    order = np.arange(n_cells)
    drift = 0.04 * np.sin(2 * np.pi * order / max(n_cells, 1))
    capacity = 5.0 + drift + rng.normal(0.0, 0.03, n_cells)
    dcir = 18.0 - 8.0 * (capacity - 5.0) + rng.normal(0.0, 0.6, n_cells)
    k = rng.normal(1.0, 0.15, n_cells)
    leaky = rng.choice(n_cells, size=min(soft_shorts, n_cells), replace=False)
    k[leaky] *= rng.uniform(5.0, 10.0, leaky.size)
    ocv_start = rng.normal(3.65, 0.002, n_cells)
    ocv_end = ocv_start - k * 1e-3 * AGING_DAYS
    return pd.DataFrame({
        "cell_id": [f"C{i:05d}" for i in order],
        "batch": order // 100,
        "capacity_Ah": capacity.round(4),
        "dcir_mohm": dcir.round(3),
        "ocv_start_V": ocv_start.round(5),
        "ocv_end_V": ocv_end.round(5),
        "aging_time_days": AGING_DAYS,
        "k_mV_per_day": ((ocv_start.round(5) - ocv_end.round(5)) * 1e3 / AGING_DAYS).round(4),
    })
