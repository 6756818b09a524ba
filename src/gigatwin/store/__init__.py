"""Line data storage: one interface (:class:`Store`), two backends (DuckDB, PostgreSQL).

Store URLs: ``duckdb:///path/file.duckdb`` (embedded, one file), ``duckdb://:memory:``,
``postgresql://user@host:port/db``. See docs/linedata.md for the schema.
"""

from gigatwin.store.migrations import LATEST as SCHEMA_VERSION
from gigatwin.store.migrations import MIGRATIONS, migrate
from gigatwin.store.store import Store, open_store

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Store", "migrate", "open_store"]
