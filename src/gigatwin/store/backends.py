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

    _in_transaction = False

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction opened by :meth:`begin` is open."""
        return self._in_transaction

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
        self._in_transaction = True

    def commit(self) -> None:
        self._in_transaction = False
        try:
            self.con.execute("COMMIT")
        except Exception as exc:  # no transaction open: nothing to commit
            if "no transaction is active" not in str(exc):
                raise

    def rollback(self) -> None:
        self._in_transaction = False
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

    def append(self, target: str, table: pa.Table) -> int | None:
        """Insert every row of ``table`` into ``target`` (same column names); the row count."""
        columns = ", ".join(_check_identifier(n) for n in table.column_names)
        self.con.register("appended_rows", table)
        try:
            return self.rowcount(self.con.execute(
                f"INSERT INTO {_check_identifier(target)} ({columns}) SELECT {columns} FROM appended_rows"))
        finally:
            self.con.unregister("appended_rows")

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
        self._temp_tables: dict[str, str] = {}  # temporary table -> its column definitions

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
            self._temp_tables.clear()  # one created in the transaction is gone: create again

    def _copy(self, target: str, table: pa.Table) -> None:
        """``COPY target (columns) FROM STDIN`` with ``table`` written as CSV by Arrow."""
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
        columns = ", ".join(_check_identifier(n) for n in table.column_names)
        with self.con.cursor() as cur, cur.copy(f"COPY {target} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())

    def stage(self, name: str, table: pa.Table) -> str:
        """Copy ``table`` into the temporary table ``name`` with one ``COPY`` (CSV).

        The temporary table is created once per connection and schema and emptied by
        :meth:`unstage` (creating and dropping one per batch cost more than the COPY)."""
        name = _check_identifier(name)
        columns = ", ".join(f"{_check_identifier(f.name)} {_pg_type(f.type)}" for f in table.schema)
        if self._temp_tables.get(name) != columns:
            self.con.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
            self.con.execute(f"CREATE TEMP TABLE {name} ({columns})")
            self._temp_tables[name] = columns
        self._copy(f"pg_temp.{name}", table)
        self._staged.append(name)
        return name

    def unstage(self) -> None:
        """Empty the staged tables; in a transaction that failed, its rollback will."""
        import psycopg

        if self.con.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            for name in self._staged:
                self.con.execute(f"TRUNCATE pg_temp.{name}")
        self._staged.clear()

    def append(self, target: str, table: pa.Table) -> int | None:
        """COPY every row of ``table`` straight into ``target``; the row count, or None when
        a unique key refused a row (another writer stored it first): nothing is then
        inserted and the caller takes its conflict-aware path. Runs in a transaction."""
        import psycopg

        target = _check_identifier(target)
        if not self._in_transaction:
            raise RuntimeError("PostgresBackend.append runs inside a transaction")
        self.con.execute("SAVEPOINT append_rows")
        try:
            self._copy(target, table)
        except psycopg.errors.UniqueViolation:
            self.con.execute("ROLLBACK TO SAVEPOINT append_rows")
            return None
        self.con.execute("RELEASE SAVEPOINT append_rows")
        return table.num_rows

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
