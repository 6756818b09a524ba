"""Arrow schemas of the rows the store takes in bulk (the columns of the SQL tables)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

OBJECTS = pa.schema([
    ("object_id", pa.string()), ("kind", pa.string()), ("material", pa.string()),
    ("length_m", pa.float64()), ("quantity", pa.float64()), ("quantity_unit", pa.string()),
    ("asset_id", pa.string()), ("created_ts", TS), ("attributes", pa.string()),
])

EDGES = pa.schema([
    ("parent_id", pa.string()), ("child_id", pa.string()), ("quantity", pa.float64()),
    ("quantity_unit", pa.string()), ("parent_from_m", pa.float64()), ("parent_to_m", pa.float64()),
    ("child_from_m", pa.float64()), ("child_to_m", pa.float64()),
])

SIGNALS = pa.schema([
    ("record_id", pa.string()), ("ts", TS), ("asset_id", pa.string()), ("key", pa.string()),
    ("value", pa.float64()), ("text_value", pa.string()), ("unit", pa.string()),
    ("quality", pa.string()), ("source", pa.string()),
])

MEASUREMENTS = pa.schema([
    ("record_id", pa.string()), ("product_id", pa.string()), ("ts", TS), ("asset_id", pa.string()),
    ("key", pa.string()), ("value", pa.float64()), ("text_value", pa.string()),
    ("unit", pa.string()), ("quality", pa.string()), ("source", pa.string()),
])

QUARANTINE = pa.schema([
    ("quarantine_id", pa.string()), ("received_ts", TS), ("source", pa.string()),
    ("raw", pa.string()), ("reason", pa.string()),
])

ASSET_LEVELS = ("enterprise", "site", "area", "line", "station")

# Kinds of objects in the genealogy: material lots and the intermediate products of cell
# production in process order (Zanotto et al. 2022, Section 4.2: converging and diverging
# material flows from lots through slurry, coated and calendered rolls, slit coils, cut
# sheets or segments, stacks or jelly rolls, to cells, modules and packs).
OBJECT_KINDS = ("lot", "slurry_batch", "roll", "coil", "sheet", "segment", "stack", "jelly_roll", "cell",
                "module", "pack")


def table(rows: Iterable[Mapping] | pa.Table, schema: pa.Schema) -> pa.Table:
    """``rows`` (dicts, missing columns null) as an Arrow table of ``schema``.

    Raises ``ValueError`` naming a column that is not in ``schema`` (a misspelt
    ``parent_from_m`` would otherwise be dropped without a word)."""
    if isinstance(rows, pa.Table):
        _check_columns(rows.column_names, schema)
        missing = [n for n in schema.names if n not in rows.column_names]
        for name in missing:
            rows = rows.append_column(name, pa.nulls(rows.num_rows, schema.field(name).type))
        return rows.select(schema.names).cast(schema)
    rows = [dict(r) for r in rows]
    _check_columns({name for row in rows for name in row}, schema)
    return pa.Table.from_pylist(rows, schema=schema)


def first_of_each(rows: pa.Table, keys: list[str]) -> pa.Table:
    """``rows`` without repeats of the values of ``keys``, the first row of each kept, in order."""
    if rows.num_rows == 0:
        return rows
    numbered = rows.select(keys).append_column("row_number_", pa.array(np.arange(rows.num_rows)))
    first = numbered.group_by(keys, use_threads=False).aggregate([("row_number_", "min")])
    if first.num_rows == rows.num_rows:
        return rows
    keep = np.sort(first["row_number__min"].to_numpy())  # the first row of each, in input order
    return rows.take(pa.array(keep))


def _check_columns(names, schema: pa.Schema) -> None:
    unknown = sorted(set(names) - set(schema.names))
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(map(repr, unknown))}; "
                         f"expected some of {', '.join(schema.names)}")
