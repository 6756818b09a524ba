"""Published sources used by the factory model (registered with gigatwin.citations).

Keys shared with other areas (ahmed2016, alduchov1996 in gigatwin.steps) carry identical
data, as the registry requires.
"""

from __future__ import annotations

from gigatwin.citations import Citation, register
from gigatwin.references import AHMED_2016, ALDUCHOV_1996, LIU_2021  # noqa: F401 (re-exported)

NELSON_2019 = register(Citation(
    key="nelson2019",
    authors="Nelson, Ahmed, Gallagher, Dees",
    title="Modeling the performance and cost of lithium-ion batteries for electric-drive "
          "vehicles, third edition (BatPaC)",
    venue="Argonne National Laboratory report ANL/CSE-19/2",
    year=2019,
    doi="10.2172/1503280",
))
YUAN_2017 = register(Citation(
    key="yuan2017",
    authors="Yuan, Deng, Li, Yang",
    title="Manufacturing energy analysis of lithium ion battery pack for electric vehicles",
    venue="CIRP Annals 66 (2017) 53-56",
    year=2017,
    doi="10.1016/j.cirp.2017.04.109",
))
DEGEN_2023 = register(Citation(
    key="degen2023",
    authors="Degen, Winter, von Delft, Kelly, Schmitz, Schade",
    title="Energy consumption of current and future production of lithium-ion and post "
          "lithium-ion battery cells",
    venue="Nature Energy 8 (2023) 1284-1295",
    year=2023,
    doi="10.1038/s41560-023-01355-z",
))
HEIMES_2019 = register(Citation(
    key="heimes2019",
    authors="Heimes, Kampker, Lienemann, Locke, Offermanns",
    title="Lithium-ion battery cell production process",
    venue="PEM RWTH Aachen / VDMA, ISBN 978-3-947920-03-7",
    year=2019,
    url="https://www.researchgate.net/publication/330902286",
))
NAKAJIMA_1988 = register(Citation(
    key="nakajima1988",
    authors="Nakajima",
    title="Introduction to TPM: total productive maintenance (OEE = availability x "
          "performance x quality)",
    venue="Productivity Press, Cambridge MA",
    year=1988,
))
NELSON_2012 = register(Citation(
    key="nelson2012",
    authors="Nelson, Gallagher, Bloom, Dees",
    title="Modeling the performance and cost of lithium-ion batteries for electric-drive "
          "vehicles, second edition (BatPaC baseline plant, chapter 6)",
    venue="Argonne National Laboratory report ANL-12/55",
    year=2012,
    doi="10.2172/1209682",
))
BILLS_BATTERYCOST = register(Citation(
    key="bills2020batterycost",
    authors="Bills, Misalkar (Carnegie Mellon University)",
    title="BatteryCost: process-based cost model of Li-ion cell manufacturing (Julia port of "
          "BatPaC); baseline plant table in src/default_constructors.jl",
    venue="GitHub repository BattModels/BatteryCost",
    year=2020,
    url="https://github.com/BattModels/BatteryCost",
))
KNEHR_2022 = register(Citation(
    key="knehr2022",
    authors="Knehr, Kubal, Nelson, Ahmed",
    title="Battery performance and cost modeling for electric-drive vehicles (a manual for "
          "BatPaC v5.0)",
    venue="Argonne National Laboratory report ANL/CSE-22/1",
    year=2022,
    doi="10.2172/1877590",
))
GINSTER_BATPY = register(Citation(
    key="ginster2023batpy",
    authors="Ginster (TU Braunschweig)",
    title="batpy 0.3.0: read, write and calculate batteries in the BatPaC tool; BatPaC 5.0 "
          "(2022-07-22) Cost Input values in batpy/data/0.3.0/batpy_batpac_config.toml",
    venue="Python package on PyPI (MIT licence)",
    year=2023,
    url="https://github.com/rginster/batpy",
))
