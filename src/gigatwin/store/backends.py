"""The two storage backends behind one small interface: DuckDB and PostgreSQL.

Both take SQL written with ``?`` placeholders (values are always passed as parameters,
never formatted into the text) and stage bulk data from Arrow tables: DuckDB scans the
Arrow table in place, PostgreSQL receives it through ``COPY ... FROM STDIN`` into a
temporary table. Everything else (schema, queries) is the same SQL on both.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class StoreError(Exception):
    """A store that cannot be used as asked (missing, not a store, locked, full, ...);
    the message says what and what to do."""


class StoreUnavailableError(StoreError):
    """The database went away (restart, network): reconnecting may succeed."""


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

    def __init__(self, path: str, *, read_only: bool = False, create: bool = True):
        import duckdb

        self.path, self.read_only, self.snapshot = path, read_only, None
        if path != ":memory:":
            file = Path(path)
            if file.is_dir():
                raise StoreError(f"store {path} is a directory, not a DuckDB file")
            if not file.exists() and (read_only or not create):
                raise StoreError(f"no store at {path} (the file does not exist); check the path, "
                                 "or create the store by ingesting into it")
            if not read_only:
                try:
                    file.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot create the folder of store {path}: {exc}") from exc
        try:
            self.con = duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            if read_only and "lock" in str(exc).lower():
                self.con = self._open_snapshot(path)  # an ingester is writing the file
            else:
                raise StoreError(_duckdb_open_problem(path, exc)) from exc
        self.con.execute("SET TimeZone = 'UTC'")
        self._staged: list[str] = []

    def _open_snapshot(self, path: str):
        """A private copy of a DuckDB file another process is writing, opened for reading.

        DuckDB lets one process write a file and no other process open it meanwhile,
        not even to read. A reader beside an ingester therefore copies the file (and its
        write-ahead log) and reads the copy: a consistent state as of the copy, since a
        copy torn by a concurrent checkpoint fails DuckDB's block checksums or changes
        the file's size and time, and is taken again."""
        import duckdb

        source, wal = Path(path), Path(path + ".wal")
        for _attempt in range(5):
            folder = Path(tempfile.mkdtemp(prefix="gigatwin-snapshot-"))
            before = _stamp(source), _stamp(wal)
            shutil.copy2(source, folder / "snapshot.duckdb")
            if wal.exists():
                shutil.copy2(wal, folder / "snapshot.duckdb.wal")
            if (_stamp(source), _stamp(wal)) == before:
                try:
                    con = duckdb.connect(str(folder / "snapshot.duckdb"))
                    con.execute("SELECT count(*) FROM schema_migrations").fetchall()
                    self.snapshot = folder
                    return con
                except duckdb.Error:
                    pass
            shutil.rmtree(folder, ignore_errors=True)
        raise StoreError(f"store {path} is being written by another process and no consistent "
                         "copy could be taken for reading; try again, or use PostgreSQL for "
                         "readers beside a running ingester")

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
        if self.snapshot is not None:
            shutil.rmtree(self.snapshot, ignore_errors=True)

    @staticmethod
    def is_data_error(exc: BaseException) -> bool:
        """Whether ``exc`` is about the rows written (a value, a constraint), not the store."""
        import duckdb

        return isinstance(exc, duckdb.ConversionException | duckdb.ConstraintException
                          | duckdb.OutOfRangeException | duckdb.TypeMismatchException)

    @staticmethod
    def is_unavailable(exc: BaseException) -> bool:
        return False  # embedded: there is no server to come back


def _stamp(path: Path) -> tuple | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_size, status.st_mtime_ns


def _duckdb_open_problem(path: str, exc: BaseException) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return (f"store {path} is open for writing in another process (DuckDB allows one "
                f"writer per file and no reader beside it): {text}")
    if "not a valid DuckDB database" in text or "database file" in text.lower():
        return f"{path} is not a DuckDB store: {text}"
    return f"cannot open store {path}: {text}"


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

    def __init__(self, url: str, *, read_only: bool = False, connect_timeout: float = 5):
        import psycopg

        # psycopg prepares a statement run 5 times; a generic plan of the genealogy queries
        # (IN lists, metre windows) can be 10x slower than one made for the actual values.
        # A reader's session refuses every write (default_transaction_read_only).
        options = "-c TimeZone=UTC -c plan_cache_mode=force_custom_plan"
        if read_only:
            options += " -c default_transaction_read_only=on"
        self.read_only = read_only
        try:
            self.con = psycopg.connect(url, autocommit=True, options=options,
                                       connect_timeout=max(1, round(connect_timeout)))
        except psycopg.OperationalError as exc:
            raise StoreUnavailableError(f"cannot connect to store {_without_password(url)}: "
                                   f"{str(exc).strip()}") from exc
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
        # Arrow's CSV writer turns an empty chunk of a chunked column into garbage bytes
        # (seen with pyarrow 2x: NUL-filled lines): write only the chunks that hold rows.
        batches = [batch for batch in table.to_batches() if batch.num_rows]
        table = pa.Table.from_batches(batches, schema=table.schema)
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

    # SQLSTATE classes: 22 data exception, 23 integrity constraint, 54 program limit
    # exceeded (an index row too large); 08 connection, 57 operator intervention
    # (AdminShutdown, CannotConnectNow).
    def is_data_error(self, exc: BaseException) -> bool:
        """Whether ``exc`` is about the rows written, not the server or the connection."""
        state = getattr(exc, "sqlstate", None) or ""
        return state[:2] in ("22", "23", "54") and not self.con.broken

    def is_unavailable(self, exc: BaseException) -> bool:
        """Whether the server went away (reconnecting may succeed)."""
        import psycopg

        if isinstance(exc, StoreUnavailableError):
            return True
        state = getattr(exc, "sqlstate", None) or ""
        return isinstance(exc, psycopg.Error) and (self.con.broken or self.con.closed
                                                   or state[:2] in ("08", "57"))


def _without_password(url: str) -> str:
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)


def connect(url: str, *, read_only: bool = False, create: bool = True):
    """A backend for a store URL: ``duckdb:///path/file.duckdb``, ``duckdb://:memory:``
    or ``postgresql://user@host:port/db``. ``read_only`` opens it for reading only (a
    DuckDB file must exist; a PostgreSQL session refuses writes); ``create=False``
    refuses to create a DuckDB file that does not exist."""
    if url.startswith("duckdb://"):
        path = url.removeprefix("duckdb://")
        if path in ("", ":memory:", "/:memory:"):
            return DuckDBBackend(":memory:")
        return DuckDBBackend(path, read_only=read_only, create=create)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(url, read_only=read_only)
    raise ValueError(f"store URL {url!r} is neither duckdb:///path/file.duckdb "
                     "nor postgresql://user@host:port/db")
