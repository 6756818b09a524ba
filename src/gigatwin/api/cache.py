"""Caches that keep reads cheap under load, each exact about when it may answer.

- :class:`ResponseCache`: JSON bodies of read endpoints, keyed by the request and the
  data version the answer was computed from (:meth:`gigatwin.api.database.Database.
  version`): an answer is reused only while the store is in the same committed state,
  so it is never stale. The specification is immutable within a process, so its
  answers are keyed by the request alone.
- :class:`PrincipalCache`: who a bearer token's user or an API key is, for at most
  ``ttl_s`` seconds and only until this process next writes to the store (any write:
  a role changed through the API or the store takes effect on the next request).
  Verifying the token (HMAC-SHA256) or hashing the key (SHA-256) is done on every
  request; only the store lookup of the role is saved. On DuckDB no other process
  can write the file meanwhile; on PostgreSQL a change made by another process
  (``gigatwin users set-role``, another worker) takes effect within ``ttl_s``.

Both are bounded (least recently used entries go first) and thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from fastapi import Response

from gigatwin.api.accounts import Principal

JSON = "application/json"
MISSING = object()  # not in the cache (None is a cached "no such user or key")


class _LRU:
    """A bounded mapping that forgets its least recently used entries first."""

    def __init__(self, entries: int):
        self.entries = entries
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class ResponseCache:
    """Encoded answers of read endpoints: at most ``max_bytes`` in all and ``max_body``
    bytes each (larger answers are not kept); the least recently used go first."""

    def __init__(self, max_bytes: int = 64 << 20, max_body: int = 1 << 20):
        self.max_bytes, self.max_body = max_bytes, max_body
        self._data: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._data.get(key)
            if body is None:
                self.misses += 1
            else:
                self.hits += 1
                self._data.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_body:
            return
        with self._lock:
            old = self._data.pop(key, None)
            self._bytes += len(body) - (len(old) if old is not None else 0)
            self._data[key] = body
            while self._bytes > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self._bytes -= len(dropped)

    def answer(self, key: Hashable, compute: Callable[[], bytes],
               media_type: str = JSON) -> Response:
        """The cached body for ``key``, else ``compute()`` (kept when small enough)."""
        body = self.get(key)
        if body is None:
            body = compute()
            self.put(key, body)
        return Response(content=body, media_type=media_type)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0


class PrincipalCache:
    """Roles of users and API keys as last read from the store (``None``: no such user
    or no valid key), for ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 5.0, entries: int = 4096):
        self.ttl_s = ttl_s
        self._users = _LRU(entries)
        self._keys = _LRU(entries)

    def _fresh(self, lru: _LRU, name: str, generation: int):
        entry = lru.get(name)
        if (entry is None or entry[1] != generation
                or time.monotonic() - entry[0] > self.ttl_s):
            return MISSING
        return entry[2]

    def user(self, name: str, generation: int):
        """The user ``name`` (a dict with ``username`` and ``role``), None when there is
        no such user, or :data:`MISSING` when the store must be asked: nothing was
        kept, it is older than ``ttl_s``, or the service wrote to the store since
        (``generation``, :attr:`gigatwin.api.database.Database.generation`)."""
        return self._fresh(self._users, name, generation)

    def remember_user(self, name: str, generation: int, user: dict | None) -> None:
        self._users.put(name, (time.monotonic(), generation, user))

    def key(self, key_hash: str, generation: int):
        """The principal of the API key whose SHA-256 is ``key_hash``, None when it is
        unknown or revoked, or :data:`MISSING` (as for :meth:`user`)."""
        return self._fresh(self._keys, key_hash, generation)

    def remember_key(self, key_hash: str, generation: int, principal: Principal | None) -> None:
        self._keys.put(key_hash, (time.monotonic(), generation, principal))

    def forget_user(self, name: str) -> None:
        self._users.put(name, (float("-inf"), -1, None))  # stale at once: asked again

    def forget_keys(self) -> None:
        self._keys.clear()
