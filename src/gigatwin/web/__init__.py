"""The web dashboard: static files served by the API process (see docs/api.md)."""
