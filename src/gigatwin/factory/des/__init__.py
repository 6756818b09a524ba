"""Discrete-event simulation of the cell line (SimPy lives in ``des.sim`` only).

``des.line`` turns a static plant result into station descriptions (pure, no SimPy);
``des.sim`` runs them as SimPy processes; ``des.stats`` computes OEE and summaries.
"""

from gigatwin.factory.des.line import StationSpec, line_from_result, static_line_capacity

__all__ = ["StationSpec", "line_from_result", "static_line_capacity", "simulate_line"]


def simulate_line(*args, **kwargs):
    """Run the line simulation (see :func:`gigatwin.factory.des.sim.simulate_line`)."""
    from gigatwin.factory.des.sim import simulate_line as run
    return run(*args, **kwargs)
