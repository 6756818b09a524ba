"""Integrity of a store: block checksums, schema version, genealogy invariants, counters.

:func:`check` is ``gigatwin store check URL``: it reads every row of every table (DuckDB
verifies the checksum of each block it reads, so random bytes in a data block fail the
scan; PostgreSQL fails on a damaged page, and verifies checksums when the cluster has
them enabled), then checks what the schema alone cannot:

- the schema version is the one this gigatwin writes;
- genealogy: no self-loops, no cycles, metre ranges finite, non-negative and ordered
  (``from < to``), both ends of a range given or neither, the ids and kinds copied into
  each edge (schema version 3) equal to those of the objects they name;
- counters: per source, ``received = stored + duplicates + quarantined``.

:func:`quick_check` is what ingestion runs before appending: the schema version, the
small tables read in full and, for a DuckDB file up to :data:`QUICK_SCAN_BYTES`, the
full checksum scan; a store that fails it is not written to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gigatwin.store.migrations import LATEST

TABLES = ("schema_migrations", "assets", "objects", "genealogy", "signals", "measurements", "recipes",
          "setpoints", "events", "quarantine", "ingest_counters")
SMALL_TABLES = ("schema_migrations", "assets", "recipes", "setpoints", "events", "ingest_counters")
QUICK_SCAN_BYTES = 64 * 2**20  # a DuckDB file this small is scanned in full before ingestion


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a store: what is affected and a sentence saying what."""

    part: str
    message: str

    def __str__(self) -> str:
        return f"{self.part}: {self.message}"


def _columns(store, table: str) -> list[str]:
    if store.dialect == "duckdb":
        rows = store.query("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                           "ORDER BY ordinal_position", (table,))
    else:
        rows = store.query("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                           "AND table_schema = current_schema() ORDER BY ordinal_position", (table,))
    return [r[0] for r in rows]


def scan(store, table: str) -> Finding | None:
    """Read every value of ``table`` (a checksum failure or a damaged page raises)."""
    columns = _columns(store, table)
    if not columns:
        return Finding(table, "the table is missing")
    if store.dialect == "duckdb":  # hash() reads every column's data, count(*) would not
        sql = f"SELECT count(*), sum(hash({', '.join(columns)})) FROM {table}"
    else:
        sql = f"SELECT count(*), sum(length(t::text)) FROM {table} t"
    try:
        store.query(sql)
    except Exception as exc:  # noqa: BLE001 - whatever the damage, report it
        store.backend.rollback()
        return Finding(table, f"cannot be read in full: {str(exc).strip().splitlines()[0]}")
    return None


def _schema(store) -> list[Finding]:
    try:
        version = store.schema_version()
    except Exception as exc:  # noqa: BLE001
        return [Finding("schema", f"no schema version ({str(exc).splitlines()[0]}); not a gigatwin store?")]
    if version != LATEST:
        return [Finding("schema", f"version {version}, this gigatwin writes version {LATEST}")]
    return []


def _genealogy(store) -> list[Finding]:
    findings = []
    simple = {
        "self-loop(s) (an object its own parent)": "parent_pk = child_pk",
        "metre range(s) not finite or negative": " OR ".join(
            f"(isnan({c}) OR {c} IN ('infinity'::DOUBLE PRECISION, '-infinity'::DOUBLE PRECISION) OR {c} < 0)"
            for c in ("parent_from_m", "parent_to_m", "child_from_m", "child_to_m")),
        "metre range(s) not ordered (from >= to)": "parent_from_m >= parent_to_m OR child_from_m >= child_to_m",
        "metre range(s) with one end only": "(parent_from_m IS NULL) <> (parent_to_m IS NULL) "
                                            "OR (child_from_m IS NULL) <> (child_to_m IS NULL)",
    }
    if store.dialect == "postgresql":
        simple["metre range(s) not finite or negative"] = " OR ".join(
            f"({c} = 'NaN' OR {c} IN ('infinity', '-infinity') OR {c} < 0)"
            for c in ("parent_from_m", "parent_to_m", "child_from_m", "child_to_m"))
    for what, condition in simple.items():
        rows = store.query(f"SELECT parent_id, child_id FROM genealogy WHERE {condition} LIMIT 5")
        if rows:
            (n,), = store.query(f"SELECT count(*) FROM genealogy WHERE {condition}")
            findings.append(Finding("genealogy", f"{n} edge(s) with {what}, e.g. "
                                    + ", ".join(f"{p} -> {c}" for p, c in rows)))
    for side in ("parent", "child"):
        rows = store.query(
            f"SELECT g.{side}_id, g.{side}_kind, o.object_id, o.kind FROM genealogy g LEFT JOIN objects o "
            f"ON o.object_pk = g.{side}_pk WHERE o.object_id IS NULL OR o.object_id <> g.{side}_id "
            f"OR o.kind <> g.{side}_kind LIMIT 5")
        for edge_id, edge_kind, object_id, kind in rows:
            findings.append(Finding("genealogy", f"an edge names its {side} {edge_id!r} ({edge_kind}) but the "
                                    f"object stored under its key is {object_id!r} ({kind})"))
    findings += _cycles(store)
    return findings


def _cycles(store) -> list[Finding]:
    """Edges inside a strongly connected component of more than one object (a cycle)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = np.array(store.query("SELECT parent_pk, child_pk FROM genealogy"), dtype=np.int64).reshape(-1, 2)
    if len(edges) == 0:
        return []
    nodes, index = np.unique(edges, return_inverse=True)
    index = index.reshape(-1, 2)
    graph = coo_matrix((np.ones(len(edges)), (index[:, 0], index[:, 1])), shape=(len(nodes), len(nodes)))
    _, component = connected_components(graph, directed=True, connection="strong")
    looped = component[index[:, 0]] == component[index[:, 1]]
    looped &= index[:, 0] != index[:, 1]  # self-loops are reported above
    if not looped.any():
        return []
    pks = sorted(set(nodes[index[looped].ravel()].tolist()))[:10]
    names = store.query(f"SELECT object_id FROM objects WHERE object_pk IN ({', '.join('?' * len(pks))})", pks)
    return [Finding("genealogy", f"{int(looped.sum())} edge(s) form cycles, through "
                    + ", ".join(sorted(r[0] for r in names)))]


def _counters(store) -> list[Finding]:
    findings = []
    for source, c in store.counters().items():
        if c["received"] != c["stored"] + c["duplicates"] + c["quarantined"]:
            findings.append(Finding("ingest_counters", f"{source}: received {c['received']:,} != stored "
                                    f"{c['stored']:,} + duplicates {c['duplicates']:,} + quarantined "
                                    f"{c['quarantined']:,}"))
    return findings


def check(store) -> list[Finding]:
    """Everything wrong with ``store`` (empty when nothing is): full scan, then invariants."""
    findings = [f for table in TABLES if (f := scan(store, table))]
    findings += _schema(store)
    if any(f.part in ("genealogy", "objects", "schema") for f in findings):
        return findings  # the invariants below would read damaged or missing tables
    findings += _genealogy(store)
    if not any(f.part == "ingest_counters" for f in findings):
        findings += _counters(store)
    return findings


def quick_check(store) -> list[Finding]:
    """The check ingestion runs before appending (see the module docstring)."""
    findings = _schema(store)
    if findings:
        return findings
    path = getattr(store.backend, "path", ":memory:")
    full = store.dialect == "duckdb" and path != ":memory:" and Path(path).stat().st_size <= QUICK_SCAN_BYTES
    return [f for table in (TABLES if full else SMALL_TABLES) if (f := scan(store, table))]
