"""gigatwin: digital twin and data platform for lithium-ion battery cell manufacturing.

Layers, inner to outer (dependencies point inward; see docs/architecture.md):

- ``units``, ``citations``: SI helpers on one pint registry; the citation registry.
- ``spec``: the manufacturing data specification (every parameter of every step).
- ``materials``, ``steps``, ``twin``: material data, step physics, the process chain.
- ``factory``: plant cost, energy, throughput and the line discrete-event simulation.
- ``quality``: SPC, capability, end-of-line grading and matching.
- ``store``, ``ingest``: the historian, genealogy and data acquisition adapters.
- ``cli``: the command-line interface.
"""

__version__ = "0.1.0"
