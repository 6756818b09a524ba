"""The service's store: one writer connection and a small pool of reader connections.

Writes (ingestion, accounts, jobs) go through :meth:`Database.session`: one
connection behind a lock, since the embedded DuckDB file takes one writing process
and a DuckDB connection must not run two statements at once from different threads.

Reads (spec, trace, SPC, ...) go through :meth:`Database.reader`, which lends one of
at most ``readers`` connections for the block, so reads run side by side and never
queue behind a write or behind each other (the old single locked connection made
every request wait for every other one). A DuckDB reader is a cursor of the writer's
database instance (``DuckDBPyConnection.cursor()``: a connection of its own to the
same database, safe to use from another thread, seeing every committed write); a
PostgreSQL reader is a connection of its own in a read-only session
(``default_transaction_read_only``). Connections are made on first use and kept.

:meth:`Database.version` says which committed state of the data a reader sees, so
that answers computed from it can be cached exactly (:mod:`gigatwin.api.cache`):

- DuckDB: this process is the file's only writer (DuckDB locks the file), and every
  write goes through :meth:`session`, so a counter bumped when a write session ends
  changes exactly when the data may have changed;
- PostgreSQL: other processes write too (ingesters, the virtual line), so the
  version is the reader's transaction snapshot, ``pg_current_snapshot()`` (xmin,
  xmax and the transactions in progress): two equal snapshots see the same committed
  transactions, hence the same rows. It costs one trivial query.
"""

from __future__ import annotations

import contextlib
import copy
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gigatwin.api.accounts import migrate_accounts
from gigatwin.store import Store, open_store
from gigatwin.store.backends import connect

DEFAULT_READERS = 4  # two cores: more parallel readers would only queue on the CPU


class Database:
    def __init__(self, url: str, *, readers: int = DEFAULT_READERS,
                 duckdb_threads: int | None = 1):
        if readers < 1:
            raise ValueError(f"readers = {readers}: at least 1 reader connection required")
        self.url = url
        self._store = open_store(url)
        migrate_accounts(self._store)
        self.dialect = self._store.dialect
        if self.dialect == "duckdb" and duckdb_threads:
            # Requests are small and many run at once: one thread per query avoids
            # DuckDB's per-query scheduling of worker threads (a trace of 9 small
            # queries took 29 ms with the default threads, 17.5 ms with one).
            self._store.backend.con.execute(f"SET threads = {int(duckdb_threads)}")
        self._lock = threading.RLock()
        self._generation = 0  # bumped after every write session (DuckDB's version)
        self._max_readers = readers
        self._made = 0
        self._idle: queue.LifoQueue[Store] = queue.LifoQueue()
        self._made_lock = threading.Lock()
        self._closed = False

    # -- writes -----------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[Store]:
        """The writer connection, for this block only (one block at a time)."""
        with self._lock:
            try:
                yield self._store
            finally:
                self.touch()

    def touch(self) -> None:
        """Say that the data changed through another connection (the virtual line's)."""
        with self._made_lock:
            self._generation += 1

    def writer_connection(self) -> Store:
        """A writing connection of its own, for a long-running writer beside the requests
        (the virtual line); the caller closes it and calls :meth:`touch` after writes."""
        if self.dialect == "duckdb":
            return self._cursor()
        return open_store(self.url, migrate_schema=False)

    # -- reads ------------------------------------------------------------------
    def _cursor(self) -> Store:
        writer = self._store.backend
        backend = copy.copy(writer)  # same class and settings, a connection of its own
        backend.con = writer.con.cursor()
        backend.con.execute("SET TimeZone = 'UTC'")
        backend._staged = []
        backend._in_transaction = False
        return Store(backend, self.url)

    def _new_reader(self) -> Store:
        if self.dialect == "duckdb":
            return self._cursor()
        return Store(connect(self.url, read_only=True), self.url)

    def _borrow(self) -> Store:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._made_lock:
            if self._made < self._max_readers:
                self._made += 1
                try:
                    return self._new_reader()
                except BaseException:
                    self._made -= 1
                    raise
        return self._idle.get()  # all lent: wait for one to come back

    @contextmanager
    def reader(self) -> Iterator[Store]:
        """A reader connection for this block (only reads: a PostgreSQL reader refuses
        writes). A connection that failed with the server gone is dropped, not reused."""
        store = self._borrow()
        try:
            yield store
        except BaseException as exc:
            backend = store.backend
            broken = getattr(backend, "is_unavailable", None)
            if broken is not None and self.dialect == "postgresql" and broken(exc):
                self._discard(store)
                raise
            self._give_back(store)
            raise
        self._give_back(store)

    def _give_back(self, store: Store) -> None:
        if self._closed:
            with contextlib.suppress(Exception):
                store.close()
            return
        self._idle.put(store)

    def _discard(self, store: Store) -> None:
        with contextlib.suppress(Exception):
            store.close()
        with self._made_lock:
            self._made -= 1

    @property
    def generation(self) -> int:
        """How many write sessions this service has ended: changes whenever the service
        may have changed the data."""
        return self._generation

    def version(self, store: Store) -> object:
        """The committed state ``store`` (a reader) sees now; see the module docstring."""
        if self.dialect == "duckdb":
            return self._generation
        return store.query("SELECT pg_current_snapshot()::text")[0][0]

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                store = self._idle.get_nowait()
            except queue.Empty:
                break
            with contextlib.suppress(Exception):
                store.close()
        with self._lock:
            self._store.close()
