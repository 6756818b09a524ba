"""One vocabulary: spec keys, the electrode qualifier, and the table of renamed keys.

Every recipe setting and every result of the process chain is a key of the data
specification (:mod:`gigatwin.spec.registry`); its unit, step and limits come from
there, never from its name. A quantity that exists for both electrodes carries the
**electrode qualifier**, written once and the same way everywhere:

- in a recipe, the setting sits in the ``cathode:`` or ``anode:`` section
  (``cathode.calender_line_load``);
- in a result, a record or a stored signal, the name is ``electrode.key``
  (``cathode.calendered_porosity``), and its parts are ``electrode`` and ``key``.

:func:`split_name` and :func:`qualified` turn one form into the other. The names used
before this vocabulary, and the spec keys that replace them, are kept in one table
(``renamed.yaml`` beside this module): :func:`renamed_setting` and
:func:`renamed_output` look an old name up, :func:`upgrade_recipe` rewrites a whole
recipe written in the old names.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from gigatwin.spec.model import Parameter
from gigatwin.spec.registry import load_registry

ELECTRODES = ("cathode", "anode")  # the qualifiers of registry.QUALIFIERS
PLACEHOLDER = "<electrode>"

# libyaml's parser when installed (about 10x faster than the pure-Python one)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Words of a recipe's structure that are not spec keys (``gigatwin spec show`` explains them).
STRUCTURE = {
    "cathode": "electrode qualifier: the recipe section of the positive electrode's "
               "settings; in results, records and the store the prefix 'cathode.KEY'",
    "anode": "electrode qualifier: the recipe section of the negative electrode's settings; "
             "in results, records and the store the prefix 'anode.KEY'",
    "name": "recipe: the cell's name", "description": "recipe: free text",
    "sources": "recipe: where the design and its settings come from (name: reference)",
    "spec_limits": "recipe: limits of outputs, {OUTPUT: {min, max, unit}}; a sample "
                   "outside fails the step of the output",
    "min": "spec limit: lower limit, in 'unit'", "max": "spec limit: upper limit, in 'unit'",
    "unit": "quantity or limit: the unit its numbers are written in (pint syntax)",
    "value": "quantity: the setting, in 'unit'",
    "tolerance": "quantity: one standard deviation of the machine's variation, in 'unit' "
                 "(or '%' of the value)",
    "source": "material override or table: where the value comes from (paper, table)",
    "soc": "OCV table: state of charge, 0-1", "voltage": "OCV table: voltage [V]",
    "stoichiometry": "electrode OCV table: lithiation fraction of the host, 0-1",
}


def qualified(key: str, electrode: str | None = None) -> str:
    """``cathode.calendered_porosity`` for (key, electrode); the bare key without one."""
    return f"{electrode}.{key}" if electrode else key


def split_name(name: str) -> tuple[str | None, str]:
    """``(electrode, key)`` of a qualified name; electrode is None for cell quantities."""
    head, _, tail = name.partition(".")
    if tail and head in ELECTRODES:
        return head, tail
    return None, name


def close_matches(word: str, candidates, n: int = 3) -> list[str]:
    """Up to ``n`` candidates that look like ``word`` (difflib ratio >= 0.6)."""
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)


def parameter(name: str) -> Parameter:
    """The spec parameter of a (possibly qualified) name; KeyError naming close keys."""
    _, key = split_name(name)
    params = load_registry().parameters
    if key not in params:
        hint = close_matches(key, params)
        new = renamed_key(key)
        why = (f"; renamed to {new!r}" if new else
               f"; did you mean {', '.join(hint)}?" if hint else "")
        raise KeyError(f"{key!r} is not a key of the data specification{why}")
    return params[key]


@lru_cache(maxsize=4096)
def display_unit(name: str) -> str:
    """The display unit the specification gives a (qualified) key."""
    return parameter(name).display_unit


@lru_cache(maxsize=4096)
def step_of(name: str) -> str:
    """The manufacturing step a (qualified) key belongs to in the specification."""
    return parameter(name).step


@dataclass(frozen=True)
class Rename:
    """One entry of the renamed-keys table: the new name and, for quantities that old
    files wrote as bare numbers, the unit they meant (``C_rate``)."""

    new: str
    unit: str | None = None


@dataclass(frozen=True)
class Renames:
    steps: dict[str, str]
    settings: dict[str, Rename]
    protocol: dict[str, Rename]
    outputs: dict[str, str]


def _entry(value: Any) -> Rename:
    if isinstance(value, dict):
        return Rename(str(value["to"]), value.get("unit"))
    return Rename(str(value))


def _expand(table: dict) -> dict:
    out = {}
    for old, new in table.items():
        if PLACEHOLDER in old:
            for electrode in ELECTRODES:
                entry = new
                if isinstance(new, dict):
                    entry = {**new, "to": new["to"].replace(PLACEHOLDER, electrode)}
                elif isinstance(new, str):
                    entry = new.replace(PLACEHOLDER, electrode)
                out[old.replace(PLACEHOLDER, electrode)] = entry
        else:
            out[old] = new
    return out


@lru_cache(maxsize=1)
def renames() -> Renames:
    """The table of renamed keys (``renamed.yaml``), expanded for both electrodes."""
    text = resources.files("gigatwin.spec").joinpath("renamed.yaml").read_text("utf-8")
    raw = yaml.load(text, Loader=YAML_LOADER)
    return Renames(
        steps=dict(raw["steps"]),
        settings={k: _entry(v) for k, v in _expand(raw["settings"]).items()},
        protocol={k: _entry(v) for k, v in raw["protocol"].items()},
        outputs={k: str(v) for k, v in _expand(raw["outputs"]).items()})


def renamed_setting(old_path: str) -> str | None:
    """The new recipe path of an old one (``cathode.calendering.line_load`` ->
    ``cathode.calender_line_load``), or None if the path was not renamed."""
    entry = renames().settings.get(old_path)
    return entry.new if entry else None


def renamed_output(old: str) -> str | None:
    """The new ``step.[electrode.]key`` of an old ``step.output`` of a chain result."""
    return renames().outputs.get(old)


def renamed_key(old_key: str) -> str | None:
    """The new spec key of an old bare setting, protocol or output name, if unique."""
    found = {e.new.rsplit(".", 1)[-1] for p, e in renames().settings.items()
             if p.rsplit(".", 1)[-1] == old_key and e.new.rsplit(".", 1)[-1] != old_key}
    found |= {e.new for k, e in renames().protocol.items() if k == old_key}
    found |= {new.rsplit(".", 1)[-1] for old, new in renames().outputs.items()
              if old.rsplit(".", 1)[-1].removeprefix("cathode_").removeprefix("anode_")
              == old_key}
    found.discard(old_key)
    return found.pop() if len(found) == 1 else None


_BARE = re.compile(r"^\s*(?P<v>[-+0-9.eE]+)\s*(?:(?:\+-|±|\+/-)\s*(?P<t>[-+0-9.eE]+)\s*)?$")


def _with_unit(node: Any, unit: str | None) -> Any:
    """A bare number (or ``"0.33 +- 0.003"``) of an old file, written with its unit."""
    if unit is None:
        return node
    if isinstance(node, int | float) and not isinstance(node, bool):
        return f"{node} {unit}"
    if isinstance(node, str) and (m := _BARE.match(node)):
        return f"{m['v']} {unit}" + (f" +- {m['t']} {unit}" if m["t"] else "")
    if isinstance(node, dict) and "value" in node and "unit" not in node:
        return {**node, "unit": unit}
    return node


def _set(tree: dict, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def _protocol(steps: Any, notes: list[tuple[str, str]], where: str) -> Any:
    if not isinstance(steps, list):
        return steps
    table = renames().protocol
    out = []
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            out.append(step)
            continue
        new = {}
        for key, value in step.items():
            entry = table.get(key)
            if entry is None:
                new[key] = value
                continue
            new[entry.new] = _with_unit(value, entry.unit)
            notes.append((f"{where}.{i}.{key}", f"{where}.{i}.{entry.new}"))
        out.append(new)
    return out


METADATA = ("name", "description", "sources")


def upgrade_recipe(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    """A recipe written in the old names, rewritten in spec keys.

    Returns the new mapping and the list of ``(old path, new path)`` renames made. Paths
    the table does not know are kept where they are (validation reports them).
    """
    table = renames()
    new: dict = {k: raw[k] for k in METADATA if k in raw}
    notes: list[tuple[str, str]] = []

    def walk(node: Any, path: str) -> None:
        if path == "cell.ocv" and isinstance(node, dict) and node.get("voltage"):
            # the cell OCV now follows from the electrodes' half-cell curves; the old
            # table's end points were the cell's cut-off voltages
            volts = [float(v) for v in node["voltage"]]
            _set(new, "aging_eol.eol_lower_cutoff_voltage", f"{min(volts)} V")
            _set(new, "aging_eol.eol_upper_cutoff_voltage", f"{max(volts)} V")
            notes.append((path, "aging_eol.eol_lower_cutoff_voltage and "
                          "aging_eol.eol_upper_cutoff_voltage (its end points)"))
            return
        entry = table.settings.get(path)
        if entry is not None:
            value = _with_unit(node, entry.unit)
            if entry.new.endswith(("formation_protocol", "formation_cycle")):
                value = _protocol(node, notes, entry.new)
            _set(new, entry.new, value)
            if entry.new != path:
                notes.append((path, entry.new))
        elif isinstance(node, dict) and not ("value" in node and "unit" in node):
            for key, child in node.items():
                walk(child, f"{path}.{key}")
        else:
            _set(new, path, node)

    for key, value in raw.items():
        if key in METADATA:
            continue
        if key == "spec_limits" and isinstance(value, dict):
            new["spec_limits"] = {}
            for old, limit in value.items():
                name = _limit_name(old)
                new["spec_limits"][name] = limit
                if name != old:
                    notes.append((f"spec_limits.{old}", f"spec_limits.{name}"))
            continue
        walk(value, key)
    return new, notes


def _limit_name(old: str) -> str:
    """``calendering.cathode_porosity`` -> ``cathode.calendered_porosity``."""
    found = renamed_output(old)
    if found is None:
        return old
    _, _, name = found.partition(".")
    return name
