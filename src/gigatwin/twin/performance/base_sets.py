"""Published PyBaMM parameter sets used as the base of a manufactured cell, per chemistry.

The twin gives the structure of the cell (thicknesses, porosities, volume fractions,
particle sizes, areas, separator, electrolyte conductivity, lithium inventory). What a
manufacturing model cannot give -- open-circuit potentials, solid diffusivities, reaction
rates, electrolyte transport functions -- comes from a published parameterisation of a
cell of the same chemistry, shipped with PyBaMM:

========================  ============  ==============================================
cathode / anode           PyBaMM set    cell it was measured on
========================  ============  ==============================================
NMC811 / Si-graphite,     Chen2020      LG M50 21700, NMC811 / graphite-SiOx
graphite
NMC111, NMC622 /          Mohtat2020    5 Ah pouch, NMC532 / graphite
graphite
LFP / graphite            Prada2013     2.3 Ah 26650 cylindrical, LFP / graphite
========================  ============  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass

from gigatwin.citations import Citation, register

CHEN_2020 = register(Citation(
    key="chen2020", authors="Chen, Brosa Planella, O'Regan, Gastol, Widanage, Kendrick",
    title="Development of Experimental Techniques for Parameterization of Multi-scale "
          "Lithium-ion Battery Models",
    venue="Journal of The Electrochemical Society 167 (2020) 080534", year=2020,
    doi="10.1149/1945-7111/ab9050"))
MOHTAT_2020 = register(Citation(
    key="mohtat2020", authors="Mohtat, Lee, Sulzer, Siegel, Stefanopoulou",
    title="Differential Expansion and Voltage Model for Li-ion Batteries at Practical "
          "Charging Rates",
    venue="Journal of The Electrochemical Society 167 (2020) 110561", year=2020,
    doi="10.1149/1945-7111/aba5d1"))
PRADA_2013 = register(Citation(
    key="prada2013", authors="Prada, Di Domenico, Creff, Bernard, Sauvant-Moynot, Huet",
    title="A Simplified Electrochemical and Thermal Aging Model of LiFePO4-Graphite Li-ion "
          "Batteries: Power and Capacity Fade Simulations",
    venue="Journal of The Electrochemical Society 160 (2013) A616-A628", year=2013,
    doi="10.1149/2.053304jes"))


@dataclass(frozen=True)
class BaseSet:
    """One published PyBaMM parameter set and what it stands for."""

    name: str  # PyBaMM's name, ``pybamm.ParameterValues(name)``
    citation: Citation
    cell: str  # the measured cell
    cathodes: tuple[str, ...]  # gigatwin active-material names it stands for
    anodes: tuple[str, ...]
    # Electrodes whose particle radius stays the base set's: a fitted diffusion length
    # (LFP's primary particles, ~50 nm) that the agglomerate d50 of the twin is not.
    keep_radius: tuple[str, ...] = ()


BASE_SETS = (
    BaseSet("Chen2020", CHEN_2020, "LG M50 21700, NMC811 / graphite-SiOx",
            ("NMC811",), ("silicon_graphite", "graphite")),
    BaseSet("Mohtat2020", MOHTAT_2020, "5 Ah pouch, NMC532 / graphite",
            ("NMC111", "NMC622"), ("graphite", "silicon_graphite")),
    BaseSet("Prada2013", PRADA_2013, "2.3 Ah 26650 cylindrical, LFP / graphite",
            ("LFP",), ("graphite",), keep_radius=("positive",)),
)


def base_set_for(cathode: str, anode: str) -> BaseSet:
    """The base set of a cathode / anode pair of gigatwin active materials."""
    for base in BASE_SETS:
        if cathode in base.cathodes and anode in base.anodes:
            return base
    pairs = ", ".join(f"{'|'.join(b.cathodes)} / {'|'.join(b.anodes)} ({b.name})"
                      for b in BASE_SETS)
    raise ValueError(f"no published PyBaMM parameter set for cathode {cathode!r} with anode "
                     f"{anode!r}; known pairs: {pairs}")


def base_set(name: str) -> BaseSet:
    """The base set called ``name`` (``Chen2020`` ...)."""
    for base in BASE_SETS:
        if base.name.lower() == name.lower():
            return base
    raise ValueError(f"base set {name!r} is not known; known: "
                     f"{', '.join(b.name for b in BASE_SETS)}")
