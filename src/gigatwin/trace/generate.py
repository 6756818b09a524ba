"""A synthetic genealogy of a cell factory, for tests and benchmarks.

Flow per electrode (cathode ``C`` and anode ``A``), all sizes parameters::

    lots (active material, binder, conductive carbon, solvent)
      -> slurry batches (each uses one lot of each; lots feed several batches)
      -> coated rolls of ``roll_length_m`` (each batch coats the second half of one roll
         and the first half of the next: converging and diverging, with metre ranges)
      -> coils (each roll slit into ``lanes`` coils running along the whole roll)
      -> segments of ``segment_length_m`` cut from the coils (metre ranges on the coil)
    one cathode and one anode segment -> stack -> cell (plus an electrolyte lot per cell)

Everything is built with numpy and handed to the store as Arrow tables (one bulk load).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from gigatwin.store import tables

F64 = pa.float64()


@dataclass(frozen=True)
class Plant:
    cells: int = 1000
    roll_length_m: float = 2000.0
    lanes: int = 4
    segment_length_m: float = 2.0
    batches_per_am_lot: int = 5
    cells_per_electrolyte_lot: int = 10_000

    @property
    def segments_per_coil(self) -> int:
        return int(self.roll_length_m // self.segment_length_m)

    @property
    def rolls_per_electrode(self) -> int:
        return -(-self.cells // (self.segments_per_coil * self.lanes))


def ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), width))


def _edges(parent, child, pf=None, pt=None, cf=None, ct=None, quantity=None, unit=None) -> pa.Table:
    n = len(child)

    def col(values, kind=F64):
        return pa.nulls(n, kind) if values is None else pa.array(np.broadcast_to(values, n), kind)

    return pa.table({"parent_id": pa.array(parent), "child_id": pa.array(child),
                     "quantity": col(quantity), "quantity_unit": col(unit, pa.string()),
                     "parent_from_m": col(pf), "parent_to_m": col(pt),
                     "child_from_m": col(cf), "child_to_m": col(ct)})


def _objects(object_ids, kind: str, length_m=None, material=None) -> pa.Table:
    n = len(object_ids)
    return tables.table(pa.table({
        "object_id": pa.array(object_ids), "kind": pa.array(np.full(n, kind)),
        "length_m": pa.nulls(n, pa.float64()) if length_m is None else pa.array(np.full(n, length_m)),
        "material": pa.nulls(n, pa.string()) if material is None else pa.array(np.full(n, material)),
    }), tables.OBJECTS)


def electrode(plant: Plant, pole: str) -> tuple[list[pa.Table], list[pa.Table], np.ndarray]:
    """Objects and edges of one electrode, and the segment ids in cell order."""
    rolls_n = plant.rolls_per_electrode
    batches_n = rolls_n + 1
    length, half = plant.roll_length_m, plant.roll_length_m / 2
    batch_ids, roll_ids = ids(f"{pole}-SLB-", batches_n), ids(f"{pole}-ROLL-", rolls_n)
    objects = [_objects(batch_ids, "slurry_batch"), _objects(roll_ids, "roll", length)]
    edges: list[pa.Table] = []
    b = np.arange(batches_n)
    for material, per in (("active_material", plant.batches_per_am_lot), ("binder", 20),
                          ("conductive_carbon", 20), ("solvent", 10)):
        lot_ids = ids(f"{pole}-LOT-{material}-", batches_n // per + 1)
        objects.append(_objects(lot_ids, "lot", material=material))
        edges.append(_edges(lot_ids[b // per], batch_ids, quantity=100.0, unit="kg"))
    r = np.arange(rolls_n)
    edges.append(_edges(batch_ids[r], roll_ids[r], cf=0.0, ct=half))       # first half
    edges.append(_edges(batch_ids[r + 1], roll_ids[r], cf=half, ct=length))  # second half
    coil_ids = ids(f"{pole}-COIL-", rolls_n * plant.lanes)
    objects.append(_objects(coil_ids, "coil", length))
    edges.append(_edges(roll_ids[np.arange(len(coil_ids)) // plant.lanes], coil_ids,
                        pf=0.0, pt=length, cf=0.0, ct=length))
    per_coil = plant.segments_per_coil
    s = np.arange(plant.cells)
    segment_ids = ids(f"{pole}-SEG-", plant.cells, 8)
    start = (s % per_coil) * plant.segment_length_m
    objects.append(_objects(segment_ids, "segment", plant.segment_length_m))
    edges.append(_edges(coil_ids[s // per_coil], segment_ids, pf=start, pt=start + plant.segment_length_m))
    return objects, edges, segment_ids


def genealogy(plant: Plant) -> tuple[pa.Table, pa.Table]:
    """``(objects, edges)`` of the whole plant as two Arrow tables."""
    objects, edges = [], []
    segments = {}
    for pole in ("C", "A"):
        obj, edg, segments[pole] = electrode(plant, pole)
        objects += obj
        edges += edg
    cell_ids, stack_ids = ids("CELL-", plant.cells, 8), ids("STACK-", plant.cells, 8)
    electrolyte_ids = ids("LOT-electrolyte-", plant.cells // plant.cells_per_electrolyte_lot + 1)
    objects += [_objects(stack_ids, "stack"), _objects(cell_ids, "cell"),
                _objects(electrolyte_ids, "lot", material="electrolyte")]
    edges += [_edges(segments["C"], stack_ids), _edges(segments["A"], stack_ids),
              _edges(stack_ids, cell_ids),
              _edges(electrolyte_ids[np.arange(plant.cells) // plant.cells_per_electrolyte_lot],
                     cell_ids, quantity=0.005, unit="kg")]
    return pa.concat_tables(objects), pa.concat_tables(edges)


def load(store, plant: Plant) -> tuple[int, int]:
    """Generate and bulk-load a plant's genealogy; returns (objects, edges) added."""
    objects, edges = genealogy(plant)
    return store.add_objects(objects), store.add_edges(edges)
