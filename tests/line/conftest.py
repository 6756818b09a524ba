import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _servers import mosquitto  # noqa: E402, F401

EXAMPLES = Path(__file__).parents[2] / "examples" / "lines"


@pytest.fixture(scope="session")
def pilot_line():
    from gigatwin.line import load_line

    return load_line(EXAMPLES / "pilot_line.yaml")


@pytest.fixture(scope="session")
def fast_line(pilot_line):
    """The example line with short mixing and aging, so a test sees many tested cells in
    little simulated time, and without its hidden offset (the recipe is the truth)."""
    quick = {"mixing": {"cycle_time": 600.0}, "formation": {"capacity": 64},
             "post_drying": {"capacity": 128}}
    stations = tuple(replace(s, **quick.get(s.step, {})) for s in pilot_line.stations)
    return replace(pilot_line, stations=stations, aging_time=3600.0, hidden={})


class Collect:
    """A sink that keeps what the line sends."""

    def __init__(self):
        self.rows, self.objects, self.edges = [], [], []
        self.sent = 0

    def records(self, rows):
        self.rows += rows
        self.sent += len(rows)

    def genealogy(self, g):
        self.objects += g.objects
        self.edges += g.edges

    def close(self):
        pass


@pytest.fixture
def collect():
    return Collect()
