"""The two storage backends behind one small interface: DuckDB and PostgreSQL.

Both take SQL written with ``?`` placeholders (values are always passed as parameters,
never formatted into the text) and stage bulk data from Arrow tables: DuckDB scans the
Arrow table in place, PostgreSQL receives it through ``COPY ... FROM STDIN`` into a
temporary table. Everything else (schema, queries) is the same SQL on both.
"""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a plain SQL identifier")
    return name


class _Backend:
    """What both backends share: a transaction block over their begin/commit/rollback."""

    @contextmanager
    def transaction(self):
        """Commit the block's work, or roll it back on any exception (and re-raise it)."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()


class DuckDBBackend(_Backend):
    """One DuckDB file (or ``:memory:``); embedded, one writing process at a time."""

    dialect = "duckdb"

    def __init__(self, path: str):
        import duckdb

        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(path)
        self.con.execute("SET TimeZone = 'UTC'")
        self._staged: list[str] = []

    def execute(self, sql: str, params=()):
        return self.con.execute(sql, list(params))

    def query(self, sql: str, params=()) -> list[tuple]:
        return self.con.execute(sql, list(params)).fetchall()

    def query_arrow(self, sql: str, params=()) -> pa.Table:
        result = self.con.execute(sql, list(params))
        for name in ("to_arrow_table", "fetch_arrow_table"):  # DuckDB >= 1.4 / older
            if hasattr(result, name):
                return getattr(result, name)()
        return result.arrow()

    def begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        try:
            self.con.execute("COMMIT")
        except Exception as exc:  # no transaction open: nothing to commit
            if "no transaction is active" not in str(exc):
                raise

    def rollback(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except Exception as exc:
            if "no transaction is active" not in str(exc):
                raise

    def stage(self, name: str, table: pa.Table) -> str:
        """Make ``table`` queryable as ``name`` until :meth:`unstage`."""
        self.con.register(_check_identifier(name), table)
        self._staged.append(name)
        return name

    def unstage(self) -> None:
        for name in self._staged:
            self.con.unregister(name)
        self._staged.clear()

    def rowcount(self, cursor) -> int:
        row = cursor.fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.con.close()


_PG_TYPES = {
    pa.string(): "TEXT", pa.large_string(): "TEXT", pa.float64(): "DOUBLE PRECISION",
    pa.float32(): "REAL", pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.bool_(): "BOOLEAN",
}


def _pg_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ"
    try:
        return _PG_TYPES[arrow_type]
    except KeyError:
        raise TypeError(f"no PostgreSQL column type for Arrow type {arrow_type}") from None


class PostgresBackend(_Backend):
    """A PostgreSQL database reached with psycopg 3 (``postgresql://user@host:port/db``)."""

    dialect = "postgresql"

    def __init__(self, url: str):
        import psycopg

        # psycopg prepares a statement run 5 times; a generic plan of the genealogy queries
        # (IN lists, metre windows) can be 10x slower than one made for the actual values.
        self.con = psycopg.connect(url, autocommit=True,
                                   options="-c TimeZone=UTC -c plan_cache_mode=force_custom_plan")
        self._in_transaction = False
        self._staged: list[str] = []

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params=()):
        cur = self.con.cursor()
        cur.execute(self._sql(sql), tuple(params))
        return cur

    def query(self, sql: str, params=()) -> list[tuple]:
        with self.con.cursor() as cur:
            cur.execute(self._sql(sql), tuple(params))
            return cur.fetchall()

    def query_arrow(self, sql: str, params=()) -> pa.Table:
        with self.con.cursor() as cur:
            cur.execute(self._sql(sql), tuple(params))
            names = [d.name for d in cur.description]
            rows = cur.fetchall()
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    def begin(self) -> None:
        self.con.execute("BEGIN")
        self._in_transaction = True

    def commit(self) -> None:
        if self._in_transaction:
            self.con.execute("COMMIT")
            self._in_transaction = False

    def rollback(self) -> None:
        if self._in_transaction:
            self.con.execute("ROLLBACK")
            self._in_transaction = False

    def stage(self, name: str, table: pa.Table) -> str:
        """Copy ``table`` into a temporary table ``name`` with one ``COPY`` (CSV)."""
        name = _check_identifier(name)
        columns = ", ".join(f"{_check_identifier(f.name)} {_pg_type(f.type)}" for f in table.schema)
        self.con.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        self.con.execute(f"CREATE TEMP TABLE {name} ({columns})")
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
        with self.con.cursor() as cur, cur.copy(f"COPY {name} FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        self._staged.append(name)
        return name

    def unstage(self) -> None:
        for name in self._staged:
            self.con.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        self._staged.clear()

    def rowcount(self, cursor) -> int:
        return max(cursor.rowcount, 0)

    def close(self) -> None:
        self.con.close()


def connect(url: str):
    """A backend for a store URL: ``duckdb:///path/file.duckdb``, ``duckdb://:memory:``
    or ``postgresql://user@host:port/db``."""
    if url.startswith("duckdb://"):
        path = url.removeprefix("duckdb://")
        if path in ("", ":memory:", "/:memory:"):
            return DuckDBBackend(":memory:")
        return DuckDBBackend(path)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(url)
    raise ValueError(f"store URL {url!r} is neither duckdb:///path/file.duckdb "
                     "nor postgresql://user@host:port/db")
