"""The plant-file schema: typed entries with unit, range, default and source.

Every field of the plant model (:mod:`gigatwin.factory.plant`) is declared with
:func:`entry`, which records in the dataclass field's metadata the YAML key, the unit the
file writes it in, the allowed range (in that unit), the default and the source of the
default. :func:`parse` reads one YAML mapping into one dataclass and records every
problem (unknown key with suggestions, wrong dimension, value out of range, unknown name)
in a :class:`Problems` list, so a plant file reports all its problems at once, each
naming the file, the entry, the key, the value, the expected unit and the range.
:func:`defaults_markdown` prints the defaults table of docs/factory.md from the same
declarations: the defaults live in one place.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Callable
from typing import Any

from gigatwin.units import UnitError, from_si, parse_quantity, same_dimension, to_si

REQUIRED = object()  # marks an entry without a default


class PlantError(ValueError):
    """A plant file that cannot be used; the message lists every problem found.

    ``problems`` holds one line per problem (file, entry, key, value, unit, range).
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


# Problems listed in the message (all of them are kept in PlantError.problems).
MAX_LISTED = 50


class Problems:
    """Problems found while reading one plant file, raised together."""

    def __init__(self, where: str):
        self.where = where
        self.items: list[str] = []

    def add(self, entry: str, message: str) -> None:
        """Record ``message`` about ``entry`` ("= value ..." reads as "entry = value ...")."""
        sep = " " if message.startswith("= ") else ": "
        self.items.append(f"{self.where}: {entry or 'plant'}{sep}{message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        n = len(self.items)
        head = f"{self.where}: {n:,} problem{'s' if n > 1 else ''} in the plant file"
        lines = [head, *(f"  - {p}" for p in self.items[:MAX_LISTED])]
        if n > MAX_LISTED:     # a file that is no plant at all: the first ones say enough
            lines.append(f"  ... and {n - MAX_LISTED:,} more")
        raise PlantError("\n".join(lines), self.items)


def entry(unit: str = "1", default: Any = REQUIRED, *, key: str | None = None,
          ge: float | None = None, gt: float | None = None, le: float | None = None,
          lt: float | None = None, choices: tuple[str, ...] | None = None,
          kind: str = "quantity", source: str = "", section: type | None = None,
          resolve: Callable[[str], str] | None = None, names: str = ""):
    """A dataclass field declared as a plant-file entry.

    unit: the unit the file writes it in ("1": plain number, "" for text); default: SI
    value, or a quantity string parsed like the file's, or REQUIRED; ge/gt/le/lt: range in
    ``unit``; kind: "quantity", "integer", "text", "list" or "section" (a nested mapping
    read into ``section``); resolve: maps a name to its canonical spelling or raises
    KeyError (solvents through the materials registry); names: what ``resolve`` resolves.
    """
    meta = {"unit": unit, "key": key, "ge": ge, "gt": gt, "le": le, "lt": lt,
            "choices": choices, "kind": kind, "source": source, "section": section,
            "resolve": resolve, "names": names, "required": default is REQUIRED}
    stored = None if default is REQUIRED else default
    if isinstance(stored, str) and kind == "quantity":
        stored = _si(stored)
    if isinstance(stored, list | dict):
        return dataclasses.field(default_factory=lambda: type(stored)(stored), metadata=meta)
    return dataclasses.field(default=stored, metadata=meta)


def computed(default: Any = None):
    """A field that is not read from the file (filled by the loader or the model)."""
    return dataclasses.field(default=default, metadata={"computed": True}, repr=False)


def _si(text: str) -> float:
    magnitude, unit = parse_quantity(text)
    return float(to_si(magnitude, unit))


def file_entries(cls) -> dict[str, dataclasses.Field]:
    """YAML key -> field for the entries of a schema dataclass."""
    return {(f.metadata.get("key") or f.name): f for f in dataclasses.fields(cls)
            if "unit" in f.metadata}


def parse(cls, raw: Any, entry_name: str, problems: Problems, **fixed) -> Any:
    """Read the mapping ``raw`` into ``cls``; problems are recorded, never raised.

    Returns an instance with defaults where an entry is missing or bad (so that later
    checks can still run), or None when ``raw`` is not a mapping.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.add(entry_name, f"must be a mapping of entries, got {raw!r}")
        return None
    fields = file_entries(cls)
    for key in raw:
        if key not in fields:
            problems.add(entry_name, f"unknown key {key!r}{suggest(str(key), fields)}")
    values = dict(fixed)
    for key, f in fields.items():
        if key not in raw:
            if f.metadata["required"] and f.name not in fixed:
                problems.add(entry_name, f"{key!r} is required ({describe(f)})")
            continue
        value = _value(f, raw[key], f"{entry_name}.{key}" if entry_name else key, problems)
        if value is not None:
            values[f.name] = value
    return cls(**values)


def suggest(key: str, allowed) -> str:
    """"; did you mean ...?" for a misspelt key, or the allowed keys."""
    close = difflib.get_close_matches(key, list(allowed), n=3, cutoff=0.6)
    if close:
        return f"; did you mean {' or '.join(repr(c) for c in close)}?"
    return f"; allowed: {', '.join(sorted(allowed))}"


def describe(f: dataclasses.Field) -> str:
    """Unit and range of an entry, for messages and the docs."""
    m = f.metadata
    if m["choices"]:
        return f"one of {', '.join(m['choices'])}"
    if m["kind"] in ("text", "list", "section"):
        return m["names"] or m["kind"]
    low = f"[{m['ge']:g}" if m["ge"] is not None else (
        f"({m['gt']:g}" if m["gt"] is not None else "(-inf")
    high = f"{m['le']:g}]" if m["le"] is not None else (
        f"{m['lt']:g})" if m["lt"] is not None else "inf)")
    unit = "integer" if m["kind"] == "integer" else f"[{m['unit']}]"
    return f"{unit} in {low}, {high}"


def _value(f: dataclasses.Field, value: Any, here: str, problems: Problems) -> Any:
    m = f.metadata
    kind = m["kind"]
    if kind == "section":
        return parse(m["section"], value, here, problems)
    if kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) \
                or (m["required"] and not value):
            problems.add(here, f"= {value!r}: expected a {'non-empty ' if m['required'] else ''}"
                               f"list of {m['names'] or 'names'}")
            return None
        return tuple(value)
    if kind == "text":
        return _text(f, value, here, problems)
    number = _number(f, value, here, problems)
    if number is None:
        return None
    shown = number if m["unit"] == "1" or kind == "integer" else float(from_si(number, m["unit"]))
    if not _in_range(m, shown):
        problems.add(here, f"= {value!r} is outside the allowed range: {describe(f)}")
        return None
    return int(number) if kind == "integer" else number


def _text(f: dataclasses.Field, value: Any, here: str, problems: Problems) -> str | None:
    m = f.metadata
    text = str(value)
    if m["choices"]:
        folded = {c.casefold(): c for c in m["choices"]}
        if text.casefold() not in folded:
            problems.add(here, f"= {value!r} unknown; allowed: {', '.join(m['choices'])}"
                         f"{_close(text, m['choices'])}")
            return None
        return folded[text.casefold()]
    if m["resolve"]:
        try:
            return m["resolve"](text)
        except KeyError as exc:
            problems.add(here, f"= {value!r}: {exc.args[0] if exc.args else 'unknown name'}")
            return None
    return text


def _close(text: str, choices) -> str:
    close = difflib.get_close_matches(text, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(f: dataclasses.Field, value: Any, here: str, problems: Problems) -> float | None:
    m = f.metadata
    unit = m["unit"]
    if isinstance(value, bool):
        problems.add(here, f"= {value!r}: expected a number {describe(f)}")
        return None
    if m["kind"] == "integer":
        if not isinstance(value, int) and not (isinstance(value, float) and value.is_integer()):
            problems.add(here, f"= {value!r}: expected an integer")
            return None
        return float(value)
    if isinstance(value, int | float):
        if unit == "1":
            return float(value)
        problems.add(here, f"= {value!r} needs a unit: expected {describe(f)}, "
                           f"written like '{value} {unit}'")
        return None
    try:
        magnitude, got = parse_quantity(str(value))
    except UnitError as exc:
        problems.add(here, f"= {value!r}: {exc}; expected {describe(f)}")
        return None
    if not same_dimension(got, unit):
        problems.add(here, f"= {value!r} has the wrong dimension; expected {describe(f)}")
        return None
    out = float(to_si(magnitude, got))
    return out if math.isfinite(out) else None


def _in_range(m: dict, x: float) -> bool:
    return ((m["ge"] is None or x >= m["ge"]) and (m["gt"] is None or x > m["gt"])
            and (m["le"] is None or x <= m["le"]) and (m["lt"] is None or x < m["lt"]))


def defaults_markdown(classes: dict[str, type]) -> str:
    """The table of entries with defaults (entry, default, unit and range, source)."""
    lines = ["| entry | default | unit and range | source of the default |",
             "|---|---|---|---|"]
    for prefix, cls in classes.items():
        for key, f in file_entries(cls).items():
            m = f.metadata
            if (m["required"] or m["kind"] == "section"
                    or f.default is dataclasses.MISSING or f.default in (None, "")):
                continue
            default = f.default
            if m["kind"] == "quantity" and m["unit"] != "1":
                default = f"{float(from_si(default, m['unit'])):g} {m['unit']}"
            lines.append(f"| `{prefix}{key}` | {default} | {describe(f)} | {m['source']} |")
    return "\n".join(lines)
