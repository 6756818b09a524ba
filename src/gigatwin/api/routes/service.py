"""The service itself: is it alive (public, for load balancers and the dashboard)."""

from __future__ import annotations

from fastapi import APIRouter

from gigatwin import __version__

router = APIRouter(tags=["service"])


@router.get("/health", summary="Liveness (public)")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}
