"""Checks of genealogy rows before they are stored: each rejected row gets its reasons.

A genealogy row says that ``child_id`` was made from ``parent_id``, optionally with the
kinds of both objects, the quantity used and the metre ranges on the parent and the
child (see docs/linedata.md, Traceability). Trace and track trust these rows, so a row
is rejected when:

- an id is empty, or too long or not storable (see :mod:`gigatwin.ingest.record_writer`);
- it is a self-loop (an object its own parent), or would close a cycle with the rows
  of the same file and the genealogy already stored;
- a kind is not one of :data:`gigatwin.store.tables.OBJECT_KINDS`, conflicts with the
  kind of the stored object, or with an earlier row of the file;
- a metre value is not a number, NaN, infinite or negative; a range has one end only
  or does not run forwards (``from < to``); a quantity is not finite or negative.

NaN metres are an error, not "the whole parent": the whole parent is said by leaving
both ends of the range empty.
"""

from __future__ import annotations

import math

import numpy as np

from gigatwin.ingest.record_writer import ID_MAX_CHARS, storage_problem
from gigatwin.store.tables import OBJECT_KINDS

RANGES = (("parent_from_m", "parent_to_m"), ("child_from_m", "child_to_m"))
_CHUNK = 2000
_MAX_ROUNDS = 100


def _number(row: dict, name: str, problems: list[str]) -> float | None:
    """The float of ``row[name]`` (None when empty); a problem when it is not usable."""
    value = row.get(name)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append(f"{name} {value!r} is not a number")
        return None
    if math.isnan(number):
        problems.append(f"{name} is NaN; leave both ends of a range empty for the whole object")
    elif math.isinf(number):
        problems.append(f"{name} {value!r} is not finite")
    elif number < 0:
        problems.append(f"{name} {number:g} m is negative; positions run from 0 m along the roll")
    else:
        return number
    return None


def _id_problems(row: dict, side: str) -> list[str]:
    value = row.get(f"{side}_id")
    if value is None or str(value).strip() == "":
        return [f"{side}_id is empty; every genealogy row names its parent and its child"]
    problem = storage_problem(f"{side}_id", str(value), ID_MAX_CHARS)
    return [problem] if problem else []


def row_problems(row: dict, kinds: dict[str, str]) -> list[str]:
    """What is wrong with one row, checked alone; ``kinds`` holds the kind of every object
    known so far (stored, or given by an earlier row) and learns this row's kinds."""
    problems = _id_problems(row, "parent") + _id_problems(row, "child")
    if not problems and row["parent_id"] == row["child_id"]:
        problems.append(f"{row['parent_id']!r} is its own parent (a self-loop)")
    quantity = row.get("quantity")
    if quantity not in (None, ""):
        try:
            usable = math.isfinite(float(quantity)) and float(quantity) >= 0
        except (TypeError, ValueError):
            usable = False
        if not usable:
            problems.append(f"quantity {quantity!r} is not a finite, non-negative number")
    for lo_name, hi_name in RANGES:
        lo, hi = _number(row, lo_name, problems), _number(row, hi_name, problems)
        given = [row.get(n) not in (None, "") for n in (lo_name, hi_name)]
        if given[0] != given[1]:
            problems.append(f"{lo_name}..{hi_name} has one end only; give both or neither")
        elif lo is not None and hi is not None and not lo < hi:
            problems.append(f"{lo_name} {lo:g} m is not below {hi_name} {hi:g} m; a range runs forwards")
    for side in ("parent", "child"):
        kind = row.get(f"{side}_kind")
        if kind in (None, ""):
            continue
        if kind not in OBJECT_KINDS:
            problems.append(f"{side}_kind {kind!r} is not one of {', '.join(OBJECT_KINDS)}")
            continue
        known = kinds.get(str(row.get(f"{side}_id")))
        if known is not None and known != kind:
            problems.append(f"{side}_kind {kind!r} conflicts with the kind {known!r} of "
                            f"{row.get(f'{side}_id')!r} already stored or given")
    if not problems:
        for side in ("parent", "child"):
            if row.get(f"{side}_kind") not in (None, ""):
                kinds.setdefault(str(row[f"{side}_id"]), row[f"{side}_kind"])
    return problems


def stored_kinds(store, ids: list[str]) -> dict[str, str]:
    """``{object_id: kind}`` of the stored objects among ``ids``."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found.update(store.query(f"SELECT object_id, kind FROM objects WHERE object_id IN "
                                 f"({', '.join('?' * len(chunk))})", chunk))
    return found


def cycle_edges(store, edges: list[tuple[str, str]]) -> set[int]:
    """Positions in ``edges`` (parent id, child id, in file order) that close a cycle with
    the earlier new edges and the stored genealogy downstream of their children: of the
    new edges on a cycle the last one is blamed, and the search repeats without it."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not edges:
        return set()
    graph = list(edges)
    frontier = {r[0] for r in _pks(store, sorted({c for _, c in edges}))}
    seen = set(frontier)
    for _generation in range(64):  # deeper than any plant (about seven generations)
        if not frontier:
            break
        rows = []
        pks = sorted(frontier)
        for start in range(0, len(pks), _CHUNK):
            chunk = pks[start:start + _CHUNK]
            rows += store.query("SELECT parent_id, child_id, child_pk FROM genealogy WHERE parent_pk IN "
                                f"({', '.join('?' * len(chunk))})", chunk)
        graph += [(p, c) for p, c, _ in rows]
        frontier = {pk for _, _, pk in rows} - seen
        seen |= frontier
    names, index = np.unique(np.array(graph, dtype=object).reshape(-1, 2).astype(str), return_inverse=True)
    index = index.reshape(-1, 2)
    keep = np.ones(len(index), dtype=bool)
    blamed: set[int] = set()
    for _round in range(_MAX_ROUNDS):  # the last new edge of a cycle closes it: drop it, look again
        kept = index[keep]
        matrix = coo_matrix((np.ones(len(kept)), (kept[:, 0], kept[:, 1])), shape=(len(names),) * 2)
        _, component = connected_components(matrix, directed=True, connection="strong")
        new = index[:len(edges)]
        looped = np.flatnonzero((component[new[:, 0]] == component[new[:, 1]]) & keep[:len(edges)])
        if len(looped) == 0:
            return blamed
        keep[looped[-1]] = False
        blamed.add(int(looped[-1]))
    return blamed | set(looped.tolist())  # a file of many cycles: blame every edge left on one


def _pks(store, ids: list[str]) -> list[tuple]:
    found = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found += store.query(f"SELECT object_pk FROM objects WHERE object_id IN ({', '.join('?' * len(chunk))})",
                             chunk)
    return found
