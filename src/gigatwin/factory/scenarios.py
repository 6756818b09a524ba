"""Innovation scenarios (seed 001 Table 2) as data: typed changes to the plant model.

The library lives in ``data/scenarios.yaml``; every change carries its source. On load
each change is checked against the plant schema (the field it names must exist, a set
value is parsed in that field's unit and range), so a scenario is a list of typed
:class:`Change` objects. :func:`apply_scenario` returns a changed copy of the typed plant
(``dataclasses.replace``, no YAML involved) and lists what it changed;
:func:`compare` evaluates baseline and scenarios.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gigatwin.factory.model import PlantResult, evaluate_plant
from gigatwin.factory.plant import RATE_KEYS, Cell, Plant, Step, rebuilt
from gigatwin.factory.schema import PlantError, Problems, _value, file_entries

LIBRARY = "scenarios.yaml"
OPERATIONS = ("scale", "set", "remove", "remove_step", "cell")


@dataclass(frozen=True)
class Change:
    """One typed change: ``op`` on the steps whose names match ``steps``.

    op: "scale" (multiply a number by ``factor``, capped at ``upper``), "set" (replace by
    ``value``, SI), "remove" (drop a section: dryer, nmp_recovery ...), "remove_step" or
    "cell" (``value``: {field: SI value} of the cell). ``path``: attribute names, e.g.
    ("dryer", "air_flow"); ``key``: the dotted file key, for messages.
    """

    op: str
    steps: str
    path: tuple[str, ...] = ()
    key: str = ""
    factor: float = 1.0
    upper: float | None = None
    value: Any = None
    source: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    source: str
    changes: tuple[Change, ...]


def load_scenarios(path: str | Path | None = None) -> dict[str, Scenario]:
    """The scenario library (the packaged one unless ``path`` is given), validated."""
    text = (Path(path).read_text(encoding="utf-8") if path else
            resources.files("gigatwin.factory.data").joinpath(LIBRARY).read_text(encoding="utf-8"))
    problems = Problems(str(path) if path else f"gigatwin.factory.data/{LIBRARY}")
    out = {}
    for name, entry in yaml.safe_load(text)["scenarios"].items():
        missing = [k for k in ("title", "source", "changes") if k not in entry]
        if missing:
            problems.add(f"scenario {name!r}", f"missing {', '.join(missing)}")
            continue
        changes = [_change(c, f"scenario {name!r} change {i + 1}", problems)
                   for i, c in enumerate(entry["changes"])]
        out[name] = Scenario(name, entry["title"], entry["source"],
                             tuple(c for c in changes if c is not None))
    problems.raise_if_any()
    return out


def _change(raw: dict, here: str, problems: Problems) -> Change | None:
    if "source" not in raw:
        problems.add(here, f"{raw} has no source")
        return None
    ops = [op for op in OPERATIONS if op in raw]
    if len(ops) != 1:
        problems.add(here, f"needs exactly one of {', '.join(OPERATIONS)}; got {ops}")
        return None
    op, source = ops[0], str(raw["source"])
    if op == "cell":
        fields = file_entries(Cell)
        values = {}
        for key, value in raw["cell"].items():
            if key not in fields:
                problems.add(here, f"unknown cell key {key!r}")
                continue
            values[fields[key].name] = _value(fields[key], value, f"{here}.cell.{key}",
                                              problems)
        return Change("cell", ".", key="cell", value=values, source=source)
    if op == "remove_step":
        return Change(op, str(raw[op]), source=source)
    key = str(raw[op])
    path, target = _field_path(key, here, problems)
    if target is None:
        return None
    steps = str(raw.get("steps", "."))
    if op == "remove":
        return Change(op, steps, path, key, source=source)
    if op == "scale":
        if target.metadata.get("unit", "").startswith("deg"):
            problems.add(here, f"cannot scale {key!r}: a temperature has no zero to scale")
            return None
        return Change(op, steps, path, key, factor=float(raw["factor"]),
                      upper=raw.get("max"), source=source)
    value = _value(target, raw.get("value"), f"{here}.value", problems)
    return Change(op, steps, path, key, value=value, source=source) if value is not None else None


def _field_path(key: str, here: str, problems: Problems):
    """Attribute path and field of a dotted step key (``dryer.air_flow``)."""
    cls, path, target = Step, [], None
    for part in key.split("."):
        fields = file_entries(cls) if cls else {}
        if part not in fields:
            problems.add(here, f"no step field {key!r}")
            return (), None
        target = fields[part]
        path.append(target.name)
        cls = target.metadata.get("section")
    return tuple(path), target


def apply_scenario(plant: Plant, scenario: Scenario) -> Plant:
    """A new plant with the scenario's typed changes; ``changes`` lists what changed."""
    cell, steps, done = plant.cell, list(plant.steps), []
    for change in scenario.changes:
        if change.op == "cell":
            cell = dataclasses.replace(cell, **change.value)
            done.append(f"cell: {', '.join(change.value)} changed ({change.source})")
            continue
        pattern = re.compile(change.steps, re.IGNORECASE)
        if change.op == "remove_step":
            gone = [s.name for s in steps if pattern.search(s.name)]
            steps = [s for s in steps if not pattern.search(s.name)]
            done += [f"{name}: step removed ({change.source})" for name in gone]
            continue
        for i, step in enumerate(steps):
            if pattern.search(step.name):
                new, note = _apply(step, change)
                if note:
                    steps[i] = new
                    done.append(f"{step.name}: {note} ({change.source})")
    new = rebuilt(plant, name=f"{plant.name} + {scenario.name}", cell=cell, steps=steps)
    new.changes = done
    return new


def _apply(step: Step, change: Change) -> tuple[Step, str]:
    """The step with one change applied and a note of it ("" when it does not apply)."""
    *parents, last = change.path
    nodes = [step]
    for name in parents:
        nodes.append(getattr(nodes[-1], name))
        if nodes[-1] is None:
            return step, ""
    old = getattr(nodes[-1], last)
    if change.op == "remove":
        if old is None:
            return step, ""
        new_value, note = None, f"{change.key} removed"
    elif change.op == "scale":
        if old is None or not parents and last in _rate_attrs() and not _uses(step, change.key):
            return step, ""
        new_value = old * change.factor
        if change.upper is not None:
            new_value = min(new_value, change.upper)
        if new_value == old:  # e.g. a per-unit capital of 0 on a BatPaC-sized step
            return step, ""
        note = f"{change.key} x{change.factor:g}"
    else:
        if not parents and not _uses(step, change.key):
            return step, ""
        if change.value == old:
            return step, ""
        new_value, note = change.value, f"{change.key} set"
    for node, name in zip(reversed(nodes), reversed(change.path), strict=False):
        new_value = dataclasses.replace(node, **{name: new_value})
    return new_value, note


def _rate_attrs() -> set[str]:
    return {file_entries(Step)[k].name for keys in RATE_KEYS.values() for k in keys}


def _uses(step: Step, key: str) -> bool:
    """Whether a top-level step key applies to this step's kind (rate keys by kind)."""
    rate_keys = {k for keys in RATE_KEYS.values() for k in keys}
    return key not in rate_keys or key in RATE_KEYS[step.kind]


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
