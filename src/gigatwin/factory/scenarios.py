"""Innovation scenarios (seed 001 Table 2) as data: parameter changes applied to a plant.

The library lives in ``data/scenarios.yaml``; every change carries its source.
:func:`apply_scenario` returns a changed copy of the plant's raw data;
:func:`compare` evaluates baseline and scenarios and reports the differences.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from gigatwin.factory.model import PlantResult, evaluate_plant
from gigatwin.factory.plant import Plant, PlantError, plant_from_dict
from gigatwin.units import parse_quantity

LIBRARY = "scenarios.yaml"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    source: str
    changes: tuple[dict, ...]


def load_scenarios(path: str | Path | None = None) -> dict[str, Scenario]:
    """The scenario library (the packaged one unless ``path`` is given), validated."""
    text = (Path(path).read_text(encoding="utf-8") if path else
            resources.files("gigatwin.factory.data").joinpath(LIBRARY).read_text(encoding="utf-8"))
    raw = yaml.safe_load(text)["scenarios"]
    out = {}
    for name, entry in raw.items():
        for key in ("title", "source", "changes"):
            if key not in entry:
                raise PlantError(f"scenario {name!r}: missing {key!r}")
        for change in entry["changes"]:
            if "source" not in change:
                raise PlantError(f"scenario {name!r}: change {change} has no source")
        out[name] = Scenario(name, entry["title"], entry["source"], tuple(entry["changes"]))
    return out


def apply_scenario(plant: Plant, scenario: Scenario) -> Plant:
    """A new plant with the scenario's changes applied to a copy of the raw plant data."""
    raw = copy.deepcopy(plant.raw)
    for change in scenario.changes:
        _apply(raw, change, scenario.name)
    raw["name"] = f"{plant.name} + {scenario.name}"
    return plant_from_dict(raw, path=plant.path)


def _apply(raw: dict, change: dict, scenario: str) -> None:
    if "cell" in change:
        raw["cell"].update(change["cell"])
        return
    if "remove_step" in change:
        pattern = re.compile(change["remove_step"], re.IGNORECASE)
        raw["steps"] = [s for s in raw["steps"] if not pattern.search(s["name"])]
        return
    pattern = re.compile(change.get("steps", "."), re.IGNORECASE)
    for step in raw["steps"]:
        if not pattern.search(step["name"]):
            continue
        if "remove" in change:
            step.pop(change["remove"], None)
        elif "set" in change:
            _set(step, change["set"], change["value"], only_if_present=False)
        elif "scale" in change:
            _scale(step, change["scale"], float(change["factor"]), change.get("max"))
        else:
            raise PlantError(f"scenario {scenario!r}: unknown change {change}")


def _locate(step: dict, dotted: str):
    parts = dotted.split(".")
    node = step
    for part in parts[:-1]:
        node = node.get(part)
        if not isinstance(node, dict):
            return None, parts[-1]
    return node, parts[-1]


def _set(step: dict, dotted: str, value, only_if_present: bool) -> None:
    node, key = _locate(step, dotted)
    present = node is not None and key in node
    if node is not None and (present or not only_if_present) and (
            "." in dotted or present or _applies(step, key)):
        node[key] = value


def _applies(step: dict, key: str) -> bool:
    """A field may be set on a step of the kind that uses it."""
    kinds = {"batch_time": "batch", "speed": "web", "process_time": "channels"}
    return kinds.get(key, step.get("kind")) == step.get("kind")


def _scale(step: dict, dotted: str, factor: float, upper=None) -> None:
    node, key = _locate(step, dotted)
    if node is None or key not in node:
        return
    value = node[key]
    if isinstance(value, int | float):
        new = value * factor
        node[key] = min(new, upper) if upper is not None else new
    else:
        magnitude, unit = parse_quantity(str(value))
        node[key] = f"{magnitude * factor:.6g} {unit}"


@dataclass
class Comparison:
    baseline: PlantResult
    scenarios: dict[str, PlantResult]


def compare(plant: Plant, names: list[str], library: dict[str, Scenario] | None = None) -> Comparison:
    """Evaluate the baseline and each named scenario."""
    library = library or load_scenarios()
    unknown = [n for n in names if n not in library]
    if unknown:
        raise PlantError(f"unknown scenario(s) {unknown}; known: {', '.join(sorted(library))}")
    base = evaluate_plant(plant)
    return Comparison(base, {n: evaluate_plant(apply_scenario(plant, library[n])) for n in names})
