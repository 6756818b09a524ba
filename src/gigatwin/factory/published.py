"""A plant's absolute figures against published figures of recent cell plants.

Five figures a planner checks first (equipment capital, conversion cost, floor area, staff
and energy, per GWh/yr or per kWh of cells) plus plant investment with the building, each
with a published range and its named sources in ``data/published_ranges.yaml``. Staff is
direct labour only: labour hours / ``hours_per_fte`` of the data file (1,800 h, typical
annual hours of an industrial worker), so published headcounts, which include indirect
staff, are expected to be higher.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from gigatwin.factory.model import KWH, PlantResult
from gigatwin.units import to_si

RANGES = Path(__file__).parent / "data" / "published_ranges.yaml"
GWH = float(to_si(1.0, "GWh"))  # [J]


@dataclass(frozen=True)
class Published:
    name: str
    title: str
    unit: str
    low: float
    high: float
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    figure: Published
    value: float  # in ``figure.unit``

    @property
    def inside(self) -> bool:
        return self.figure.low <= self.value <= self.figure.high


@lru_cache(maxsize=1)
def published_ranges() -> dict[str, Published]:
    """The published ranges, each with at least two named sources."""
    raw = yaml.safe_load(RANGES.read_text(encoding="utf-8"))["figures"]
    out = {}
    for name, entry in raw.items():
        if len(entry["sources"]) < 2 or not entry["low"] <= entry["high"]:
            raise ValueError(f"{RANGES}: {name} needs two sources and low <= high")
        out[name] = Published(name, entry["title"], entry["unit"], float(entry["low"]),
                              float(entry["high"]), tuple(entry["sources"]))
    return out


def plant_figures(result: PlantResult) -> dict[str, float]:
    """The plant's figures in the units of the published ranges."""
    gwh = result.annual_energy_output / GWH  # GWh per year
    eco = result.plant.economics
    hours = sum(s.operators_per_shift for s in result.steps) * (
        result.plant.calendar.operating_seconds / 3600.0)
    hours_per_fte = yaml.safe_load(RANGES.read_text(encoding="utf-8"))["hours_per_fte"]
    return {
        "equipment_capital_per_gwh": result.capital / 1e6 / gwh,
        "investment_per_gwh": (result.capital + result.floor_area
                               * eco.building_cost_usd_per_m2) / 1e6 / gwh,
        "conversion_cost_per_kwh": result.conversion_cost / result.annual_energy_output * KWH,
        "floor_area_per_gwh": result.floor_area / gwh,
        "staff_per_gwh": hours / hours_per_fte / gwh,
        "energy_per_kwh": result.energy_per_energy,
    }


def compare_published(result: PlantResult) -> list[Comparison]:
    """Each figure of the plant next to its published range."""
    values = plant_figures(result)
    return [Comparison(fig, values[name]) for name, fig in published_ranges().items()]
