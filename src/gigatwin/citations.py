"""Citation registry: which published sources a computation actually used.

Modelled on PyBaMM's ``pybamm.citations``. A model declares its source once, next to
its code, and records its use when it runs::

    MEYER_2017 = Citation(
        key="meyer2017",
        authors="Meyer, Bockholt, Haselrieder, Kwade",
        title="Characterization of the calendering process for compaction of electrodes",
        venue="J. Mater. Process. Technol. 249 (2017) 172-178",
        year=2017,
        doi="10.1016/j.jmatprotec.2017.05.031",
    )

    @cites(MEYER_2017)
    def porosity_after_calendering(...): ...

A caller that wants the list wraps its work in :func:`collect`::

    with collect() as used:
        run_chain(...)
    [c.key for c in used]

Recording is a set insertion per call (not per sample), so it costs nothing next to
vectorised numerics.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Citation", "cites", "collect", "cite", "get", "registered", "REGISTRY"]


@dataclass(frozen=True)
class Citation:
    """One published source. ``key`` is stable and unique (``author`` + ``year``)."""

    key: str
    authors: str
    title: str
    venue: str
    year: int
    doi: str | None = None
    url: str | None = None

    def text(self) -> str:
        """A one-line reference in the style used across the docs."""
        ref = f"{self.authors} ({self.year}). {self.title}. {self.venue}."
        if self.doi:
            ref += f" doi:{self.doi}"
        elif self.url:
            ref += f" {self.url}"
        return ref

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "authors": self.authors,
            "title": self.title,
            "venue": self.venue,
            "year": self.year,
            "doi": self.doi,
            "url": self.url,
            "text": self.text(),
        }


REGISTRY: dict[str, Citation] = {}
_active: contextvars.ContextVar[list[dict[str, Citation]] | None] = contextvars.ContextVar(
    "gigatwin_citations", default=None
)


def register(citation: Citation) -> Citation:
    """Add ``citation`` to the registry; a second, different entry under one key is an error."""
    existing = REGISTRY.get(citation.key)
    if existing is not None and existing != citation:
        raise ValueError(f"citation key {citation.key!r} is registered twice with different data")
    REGISTRY[citation.key] = citation
    return citation


def get(key: str) -> Citation:
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"no citation registered under {key!r}") from None


def registered() -> list[Citation]:
    return sorted(REGISTRY.values(), key=lambda c: c.key)


def cite(*citations: Citation) -> None:
    """Record that ``citations`` were used by the computation now running."""
    stack = _active.get()
    if not stack:
        return
    for c in citations:
        register(c)
        for used in stack:
            used[c.key] = c


def cites(*citations: Citation) -> Callable:
    """Decorator: register ``citations`` and record them each time the function runs."""
    for c in citations:
        register(c)

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            cite(*citations)
            return func(*args, **kwargs)

        wrapper.__citations__ = tuple(c.key for c in citations)  # type: ignore[attr-defined]
        return wrapper

    return decorate


class CitationList(list):
    """The citations recorded inside a :func:`collect` block, in order of first use."""

    def keys(self) -> list[str]:
        return [c.key for c in self]


@contextmanager
def collect() -> Iterator[CitationList]:
    """Collect the citations used inside the ``with`` block (nesting is allowed)."""
    used: dict[str, Citation] = {}
    stack = list(_active.get() or [])
    token = _active.set([*stack, used])
    result = CitationList()
    try:
        yield result
    finally:
        _active.reset(token)
        result.extend(used.values())
