"""Traceability: trace a cell upstream, track a lot, roll or roll segment downstream,
and export a cell's record as JSON-LD. See docs/linedata.md."""

from gigatwin.trace.genealogy import Reached, map_range, trace, track

__all__ = ["Reached", "map_range", "trace", "track"]
