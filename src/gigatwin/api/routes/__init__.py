"""One router per area; :func:`gigatwin.api.app.create_app` mounts them under ``/api/v1``."""
