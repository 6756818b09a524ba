"""The virtual pilot line: a line that streams what a real line streams, with ground truth.

``load_line`` and ``load_scenario`` read and validate the line and scenario files
(:mod:`gigatwin.line.config`); :class:`VirtualLine` (:mod:`gigatwin.line.engine`) runs the
SimPy model with the twin's physics; :mod:`gigatwin.line.sinks` sends its records to a
store, files or MQTT; :mod:`gigatwin.line.truth` writes what really happened; and
:mod:`gigatwin.line.score` scores stored alarms against that truth. See docs/line.md.
"""

from gigatwin.line.config import Line, LineFileError, Scenario, load_line, load_scenario
from gigatwin.line.engine import VirtualLine

__all__ = ["Line", "LineFileError", "Scenario", "VirtualLine", "load_line", "load_scenario"]
