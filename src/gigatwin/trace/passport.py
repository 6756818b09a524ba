"""A cell's passport: the measurements of the cell and of every object it came from.

:func:`passport` traces the cell upstream (:func:`gigatwin.trace.trace`: stacks, lane
coils with the metre ranges its electrodes came from, coated coils, slurry batches, lots)
and gathers the per-product measurements stored for each, in the display unit of their
key in the data specification (``%``, ``um``, ``mg/cm^2``, ``Ah``...). Time series of
machines (a gauge's signal) belong to an asset, not a product, and are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def as_dict(self) -> dict:
        return {"object_id": self.object_id, "kind": self.kind, "generation": self.generation,
                "ranges_m": self.ranges_m, "key": self.key, "value": self.value,
                "text_value": self.text, "unit": self.unit,
                "ts": self.ts.isoformat() if hasattr(self.ts, "isoformat") else self.ts,
                "asset": self.asset}


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
    """The measurements of ``cell_id`` and its ancestors, nearest first. Raises
    ``KeyError`` naming the id when the store has no such object."""
    entries = []
    for reached in trace(store, cell_id):
        ranges = "; ".join(f"{lo:g}-{hi:g} m" for lo, hi in reached.as_dict()["ranges_m"])
        for m in store.measurements_of(reached.object_id):
            value, unit = _display(m["key"], m["value"], m["unit"] or "")
            entries.append(Entry(reached.object_id, reached.kind, reached.generation, ranges,
                                 m["key"], value, m["text_value"], unit, m["ts"],
                                 m["asset_id"]))
    return entries
