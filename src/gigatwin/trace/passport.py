"""A cell's passport: the measurements of the cell and of every object it came from.

:func:`passport` traces the cell upstream (:func:`gigatwin.trace.trace`: stacks, lane
coils with the metre ranges its electrodes came from, coated coils, slurry batches, lots)
and gathers the per-product measurements stored for each, in the display unit of their
key in the data specification (``%``, ``um``, ``mg/cm^2``, ``Ah``...).

Time series of machines (a coater's areal-loading gauge every 10 s) belong to an asset,
not a product. The store knows which asset made an object and when it started
(``objects.asset_id``, ``created_ts``), so the samples of that asset from the object's
start until the asset started its next object are the ones taken while it was made. For
an object with a length (a roll or coil), a sample's position is its time's share of
the run, ``x = L (t - t0) / (t1 - t0)`` with the web at constant speed, where ``t1``,
the end of the run, is the last sample plus the key's median sampling interval; only the
samples on the metre ranges that reached the cell are kept. Each key gives one entry: the
mean of those samples (``value``), their count and the span of their times
(``source``). An asset that samples nothing while an object is made adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gigatwin.trace.genealogy import trace


@dataclass(frozen=True)
class Entry:
    object_id: str
    kind: str
    generation: int          # 0 the cell, 1 its parents, ...
    ranges_m: str            # metre ranges on the object that reached the cell
    key: str
    value: float | None
    text: str | None
    unit: str
    ts: object
    asset: str | None
    source: str = "measurement"   # or "series: mean of N samples, t0 .. t1"

    def as_dict(self) -> dict:
        return {"object_id": self.object_id, "kind": self.kind, "generation": self.generation,
                "ranges_m": self.ranges_m, "key": self.key, "value": self.value,
                "text_value": self.text, "unit": self.unit,
                "ts": self.ts.isoformat() if hasattr(self.ts, "isoformat") else self.ts,
                "asset": self.asset, "source": self.source}


def _display(key: str, value: float | None, unit: str) -> tuple[float | None, str]:
    """``value`` (stored in SI ``unit``) in the display unit the spec gives ``key``."""
    from gigatwin.spec.vocabulary import display_unit
    from gigatwin.units import convert

    try:
        shown = display_unit(key)
    except (KeyError, ValueError):   # a key the spec no longer knows: as stored
        return value, unit
    if value is None or not unit:
        return value, shown if value is None else unit
    return float(convert(value, unit, shown)), shown


def passport(store, cell_id: str) -> list[Entry]:
    """The measurements of ``cell_id`` and its ancestors, nearest first, then the time
    series their machines recorded while making them (module docstring). Raises
    ``KeyError`` naming the id when the store has no such object."""
    entries = []
    for reached in trace(store, cell_id):
        ranges = "; ".join(f"{lo:g}-{hi:g} m" for lo, hi in reached.as_dict()["ranges_m"])
        for m in store.measurements_of(reached.object_id):
            value, unit = _display(m["key"], m["value"], m["unit"] or "")
            entries.append(Entry(reached.object_id, reached.kind, reached.generation, ranges,
                                 m["key"], value, m["text_value"], unit, m["ts"],
                                 m["asset_id"]))
        entries += _series(store, reached, ranges)
    return entries


def _series(store, reached, ranges: str) -> list[Entry]:
    """The mean of each time series the object's asset recorded while making it, on the
    metre ranges that reached the cell (module docstring)."""
    import numpy as np

    obj = store.object(reached.object_id) or {}
    asset, start = obj.get("asset_id"), obj.get("created_ts")
    if not asset or start is None:
        return []
    after = store.query("SELECT min(created_ts) FROM objects WHERE asset_id = ? "
                        "AND created_ts > ?", (asset, start))[0][0]
    rows = store.query("SELECT key, ts, value, unit FROM signals WHERE asset_id = ? AND "
                       "ts >= ? AND value IS NOT NULL"
                       + (" AND ts < ?" if after is not None else "") + " ORDER BY key, ts",
                       (asset, start, after) if after is not None else (asset, start))
    length = obj.get("length_m")
    on = reached.as_dict()["ranges_m"]
    entries = []
    for key in dict.fromkeys(r[0] for r in rows):
        series = [r for r in rows if r[0] == key]
        seconds = np.array([(r[1] - start).total_seconds() for r in series])
        values = np.array([r[2] for r in series], dtype=float)
        if length and on and seconds.size >= 2:
            end = seconds[-1] + float(np.median(np.diff(seconds)))
            metres = length * seconds / end
            keep = np.zeros(seconds.size, dtype=bool)
            for lo, hi in on:
                keep |= (metres >= lo) & (metres < hi)
            seconds, values = seconds[keep], values[keep]
        if values.size == 0:
            continue
        value, unit = _display(key, float(values.mean()), series[0][3] or "")
        first = start + timedelta(seconds=float(seconds[0]))
        last = start + timedelta(seconds=float(seconds[-1]))
        entries.append(Entry(reached.object_id, reached.kind, reached.generation, ranges,
                             key, value, None, unit, first, asset,
                             f"series: mean of {values.size} samples, "
                             f"{first.isoformat()} .. {last.isoformat()}"))
    return entries
