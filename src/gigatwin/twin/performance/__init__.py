"""Cell performance from the manufactured structure (PyBaMM).

- :mod:`~.structure`: :class:`CellStructure` of one cell and the one adapter from a
  :class:`~gigatwin.twin.ChainResult` (:func:`structure_from_chain`)
- :mod:`~.base_sets`: the published PyBaMM parameter set used per chemistry
- :mod:`~.balancing`: stoichiometry windows from the twin's shared balance on PyBaMM's OCPs
- :mod:`~.parameters`: structure -> PyBaMM parameter set, with what came from the base
- :mod:`~.simulation`: discharges at C-rates, DC resistance pulse, charge + plating check
- :mod:`~.rate_capability`: the whole analysis over sampled cells of a recipe
- :mod:`~.bpx_export`: the cell as Battery Parameter eXchange (BPX) JSON
- :mod:`~.surrogate`: Gaussian-process surrogates over recipe settings
- :mod:`~.design`: inverse design of the process with NSGA-II

PyBaMM is imported only when a model runs (``parameters.pybamm()``), with its telemetry
off, so importing this package stays cheap.
"""

from gigatwin.twin.performance.structure import (
    CellStructure,
    ElectrodeStructure,
    check_structure,
    structure_from_chain,
)

__all__ = ["CellStructure", "ElectrodeStructure", "check_structure", "structure_from_chain"]
