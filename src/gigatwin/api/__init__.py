"""The REST API: FastAPI routes, thin over the domain and the store, with accounts and roles.

- :mod:`~gigatwin.api.app`: :func:`create_app` (routers under ``/api/v1``, dashboard at ``/``)
- :mod:`~gigatwin.api.config`: :class:`Settings` from arguments, environment, TOML file
- :mod:`~gigatwin.api.accounts`: users (argon2id), API keys, audit log, in the store's database
- :mod:`~gigatwin.api.security`: signed tokens (JWT) and the login rate limit
- :mod:`~gigatwin.api.deps`: the injected dependencies, roles included
- :mod:`~gigatwin.api.routes`: one router per area

See docs/api.md.
"""

from gigatwin.api.app import create_app
from gigatwin.api.config import Settings, load_settings

__all__ = ["Settings", "create_app", "load_settings"]
