"""The service's one store connection, used by one request at a time.

A DuckDB connection must not run two statements at once from different threads, and
the embedded file takes one writing process; so the service holds one :class:`Store`
and a lock around it. Requests that only compute (a simulation) do not take it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gigatwin.api.accounts import migrate_accounts
from gigatwin.store import Store, open_store


class Database:
    def __init__(self, url: str):
        self.url = url
        self._store = open_store(url)
        migrate_accounts(self._store)
        self._lock = threading.RLock()

    @contextmanager
    def session(self) -> Iterator[Store]:
        """The store, for this block only."""
        with self._lock:
            yield self._store

    def close(self) -> None:
        with self._lock:
            self._store.close()
