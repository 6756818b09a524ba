"""Load and validate the specification data files (one YAML file per step).

The files live in ``gigatwin/spec/data/``; their schema is documented in
docs/spec.md. Loading checks every entry and reports every problem at once, each
naming the file, the entry and what is wrong, e.g.::

    coating.yaml, parameter 3 (coating_gap): unit 'um' is not coherent SI; write 'm'
    (and display_unit 'um')
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from gigatwin import units
from gigatwin.spec.model import KINDS, MODEL_FAMILIES, ONLINE, ROLES, Parameter, Range, Step

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Electrode qualifiers of a key: "cathode.dried_porosity" (gigatwin.spec.vocabulary).
QUALIFIERS = ("cathode.", "anode.")
GIGATWIN_NS = "https://w3id.org/gigatwin/spec#"
STEP_FIELDS = {"step", "name", "order", "description", "source", "parameters"}
PARAMETER_FIELDS = {
    "key", "label", "seed_rows", "role", "substep", "description", "kind", "unit",
    "display_unit", "choices", "measurement", "accuracy", "accuracy_note", "online",
    "models", "typical", "physical", "iri", "ontology_label",
}
REQUIRED_PARAMETER_FIELDS = ("key", "label", "role", "description", "online")

# libyaml's parser when installed (about 10x faster than the pure-Python one)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecError(ValueError):
    """The specification data files are malformed. ``problems`` lists every one found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the specification data:\n  {shown}{more}")


@dataclass(frozen=True)
class Registry:
    """Every step and parameter of the specification, keyed by stable snake_case keys."""

    steps: dict[str, Step]
    parameters: dict[str, Parameter]

    def get(self, name: str) -> Parameter | None:
        """The parameter of a key or of an electrode-qualified name
        (``cathode.dried_porosity``, see :mod:`gigatwin.spec.vocabulary`); None if unknown."""
        param = self.parameters.get(name)
        if param is None and name.startswith(QUALIFIERS):
            param = self.parameters.get(name.split(".", 1)[1])
        return param

    def step_parameters(self, step: str) -> list[Parameter]:
        if step not in self.steps:
            raise KeyError(f"unknown step {step!r}; known steps: {', '.join(self.steps)}")
        return [self.parameters[k] for k in self.steps[step].parameter_keys]

    def ordered_steps(self) -> list[Step]:
        return sorted(self.steps.values(), key=lambda s: s.order)

    def by_seed_row(self, row_name: str) -> list[Parameter]:
        """Parameters covering a row name of seed 002 Tables 5-12 (case- and space-insensitive)."""
        wanted = _normalise(row_name)
        return [p for p in self.parameters.values() if any(_normalise(r) == wanted for r in p.seed_rows)]

    def __len__(self) -> int:
        return len(self.parameters)


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("\u2013", "-").split())


@lru_cache(maxsize=1)
def default_data_dir() -> Path:
    return Path(str(resources.files("gigatwin.spec") / "data"))


@lru_cache(maxsize=8)
def _load_cached(data_dir: str) -> Registry:
    paths = sorted(Path(data_dir).glob("*.yaml"))
    return _from_disk_cache(paths) or load_files(paths)


def _cache_file(paths: list[Path]) -> Path | None:
    """Where the validated registry of these files is pickled: named by a hash of the
    files and of the code that reads them, so any change parses and validates again.
    ``$GIGATWIN_SPEC_CACHE`` (default ``~/.cache/gigatwin/spec``; ``0``: no cache)."""
    folder = os.environ.get("GIGATWIN_SPEC_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gigatwin" / "spec")
    if folder == "0":
        return None
    digest = hashlib.sha256()
    for path in [*paths, Path(__file__), Path(__file__).with_name("model.py")]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return Path(folder) / f"registry-{digest.hexdigest()[:32]}.pickle"


def _from_disk_cache(paths: list[Path]) -> Registry | None:
    """The registry from its pickle (a few ms instead of ~0.08 s of YAML and units), or,
    on a miss, loaded, validated and pickled for the next start; None if the files do
    not validate (``load_files`` then reports why) or the cache cannot be used."""
    try:
        target = _cache_file(paths)
    except OSError:
        return None
    if target is None:
        return None
    try:
        with target.open("rb") as handle:
            registry = pickle.load(handle)
        if isinstance(registry, Registry):
            return registry
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass  # no cache yet, or one from other code: load the files
    try:
        registry = load_files(paths)
    except SpecError:
        return None
    try:  # write a temporary file and rename it: readers never see half a file
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            pickle.dump(registry, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, target)
    except OSError:
        pass  # an unwritable cache folder only costs the next start the parsing
    return registry


def load_registry(data_dir: str | Path | None = None) -> Registry:
    """The registry from ``data_dir`` (default: the packaged data), loaded once and cached."""
    return _load_cached(str(data_dir) if data_dir else str(default_data_dir()))


def load_files(paths: Iterable[Path]) -> Registry:
    """Load and validate the given step files; raise :class:`SpecError` listing all problems."""
    problems: list[str] = []
    steps: dict[str, Step] = {}
    parameters: dict[str, Parameter] = {}
    paths = list(paths)
    if not paths:
        raise SpecError(["no specification data files (*.yaml) found"])
    for path in paths:
        step, params = _load_step_file(path, problems)
        if step is None:
            continue
        if step.key in steps:
            problems.append(f"{path.name}: step {step.key!r} is defined in two files")
            continue
        steps[step.key] = step
        for p in params:
            if p.key in parameters:
                problems.append(
                    f"{path.name}, parameter {p.key!r}: key already used in {parameters[p.key].source_file}"
                )
            else:
                parameters[p.key] = p
    if problems:
        raise SpecError(problems)
    return Registry(steps=steps, parameters=parameters)


def _load_step_file(path: Path, problems: list[str]) -> tuple[Step | None, list[Parameter]]:
    name = path.name
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        problems.append(f"{name}: not valid YAML ({exc})")
        return None, []
    if not isinstance(doc, Mapping):
        problems.append(f"{name}: the file must hold a mapping with 'step' and 'parameters'")
        return None, []
    for missing in sorted({"step", "name", "parameters"} - set(doc)):
        problems.append(f"{name}: missing field {missing!r}")
    for extra in sorted(set(doc) - STEP_FIELDS):
        problems.append(f"{name}: unknown field {extra!r} (allowed: {', '.join(sorted(STEP_FIELDS))})")
    step_key = doc.get("step")
    if not isinstance(step_key, str) or not KEY_PATTERN.match(step_key):
        problems.append(f"{name}: step {step_key!r} is not a snake_case key")
        return None, []
    if step_key != path.stem:
        problems.append(f"{name}: step {step_key!r} does not match the file name")
    raw_params = doc.get("parameters") or []
    if not isinstance(raw_params, list):
        problems.append(f"{name}: 'parameters' must be a list")
        return None, []
    params = []
    for index, entry in enumerate(raw_params, start=1):
        param = _parse_parameter(entry, step_key, f"{name}, parameter {index}", problems)
        if param is not None:
            params.append(param)
    step = Step(
        key=step_key,
        name=str(doc.get("name", step_key)),
        order=int(doc.get("order", 99)),
        description=str(doc.get("description", "")),
        source=str(doc.get("source", "")),
        parameter_keys=tuple(p.key for p in params),
    )
    return step, params


def _parse_parameter(entry, step: str, where: str, problems: list[str]) -> Parameter | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: an entry must be a mapping, got {type(entry).__name__}")
        return None
    key = entry.get("key")
    where = f"{where} ({key})" if key else where
    before = len(problems)

    def bad(message: str) -> None:
        problems.append(f"{where}: {message}")

    for missing in (f for f in REQUIRED_PARAMETER_FIELDS if entry.get(f) in (None, "")):
        bad(f"missing field {missing!r}")
    for extra in sorted(set(entry) - PARAMETER_FIELDS):
        bad(f"unknown field {extra!r}")
    if key is not None and (not isinstance(key, str) or not KEY_PATTERN.match(key)):
        bad(f"key {key!r} is not snake_case (lower-case letters, digits, underscores)")
    role = entry.get("role")
    if role is not None and role not in ROLES:
        bad(f"role {role!r} is not one of {', '.join(ROLES)}")
    kind = entry.get("kind", "quantity")
    if kind not in KINDS:
        bad(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    online = entry.get("online")
    if online is not None and online not in ONLINE:
        bad(f"online {online!r} is not one of {', '.join(ONLINE)}")
    models = _as_tuple(entry.get("models"))
    for m in models:
        if m not in MODEL_FAMILIES:
            bad(f"model family {m!r} is not one of {', '.join(MODEL_FAMILIES)}")
    if kind == "quantity" and entry.get("unit") in (None, ""):
        bad("missing field 'unit' (write \"1\" for a dimensionless quantity)")
    unit = str(entry.get("unit") or "1").strip()
    display_unit = str(entry.get("display_unit") or unit).strip()
    _check_units(unit, display_unit, bad)
    choices = _as_tuple(entry.get("choices")) or None
    if kind == "category" and not choices:
        bad("kind 'category' needs a non-empty 'choices' list")
    accuracy, accuracy_si = entry.get("accuracy"), None
    if accuracy not in (None, ""):
        accuracy_si = _parse_accuracy(str(accuracy), unit, bad)
    typical = _parse_range(entry.get("typical"), "typical", unit, display_unit, bad, bounds=("min", "max"))
    physical = _parse_range(entry.get("physical"), "physical", unit, display_unit, bad,
                            bounds=("gt", "ge", "lt", "le"))
    iri = str(entry.get("iri") or (GIGATWIN_NS + str(key)))
    if not re.match(r"^https?://\S+$", iri):
        bad(f"iri {iri!r} is not an http(s) IRI")
    if len(problems) > before:
        return None
    return Parameter(
        key=key, step=step, label=str(entry["label"]), role=role,
        description=str(entry["description"]).strip(), unit=unit, display_unit=display_unit,
        kind=kind, substep=entry.get("substep"), seed_rows=_as_tuple(entry.get("seed_rows")),
        choices=choices, measurement=_as_tuple(entry.get("measurement")),
        accuracy=str(accuracy) if accuracy not in (None, "") else None, accuracy_si=accuracy_si,
        accuracy_note=entry.get("accuracy_note"), online=online, models=models,
        typical=typical, physical=physical, iri=iri, ontology_label=entry.get("ontology_label"),
        source_file=where.split(",")[0],
    )


def _as_tuple(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@lru_cache(maxsize=1024)
def _affine(from_unit: str, to_unit: str) -> tuple[float, float]:
    """(scale, offset) of a unit conversion: the file's ~350 entries use a few dozen unit
    pairs, so pint runs once per pair, not once per value."""
    zero = float(units.convert(0.0, from_unit, to_unit))
    return float(units.convert(1.0, from_unit, to_unit)) - zero, zero


def _convert(value: float, from_unit: str, to_unit: str) -> float:
    if from_unit == to_unit:
        return value
    scale, offset = _affine(from_unit, to_unit)
    return value * scale + offset


def _check_units(unit: str, display_unit: str, bad) -> None:
    try:
        units.parse_unit(unit)
    except units.UnitError as exc:
        bad(f"unit: {exc}")
        return
    if unit != "1" and _convert(1.0, unit, units.si_unit_string(unit)) != 1.0:
        bad(f"unit {unit!r} is not coherent SI; write {units.si_unit_string(unit)!r} "
            f"(and put {unit!r} in display_unit)")
    try:
        units.parse_unit(display_unit)
    except units.UnitError as exc:
        bad(f"display_unit: {exc}")
        return
    if not units.same_dimension(unit, display_unit):
        bad(f"display_unit {display_unit!r} ({units.dimensionality(display_unit)}) does not have "
            f"the dimension of unit {unit!r} ({units.dimensionality(unit)})")


def _parse_accuracy(text: str, unit: str, bad) -> float | None:
    try:
        magnitude, acc_unit = units.parse_quantity(text)
    except units.UnitError as exc:
        bad(f"accuracy: {exc}")
        return None
    if not units.same_dimension(acc_unit, unit):
        bad(f"accuracy {text!r} ({units.dimensionality(acc_unit)}) does not have the dimension of "
            f"unit {unit!r} ({units.dimensionality(unit)})")
        return None
    # An accuracy is a difference: the offset of degC and friends must not be added.
    return abs(units.convert(magnitude, acc_unit, unit) - units.convert(0.0, acc_unit, unit))


def _parse_range(raw, name: str, unit: str, display_unit: str, bad, bounds: tuple[str, ...]) -> Range | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        bad(f"{name} must be a mapping with {'/'.join(bounds)}, unit and source")
        return None
    allowed = set(bounds) | {"unit", "source"}
    for extra in sorted(set(raw) - allowed):
        bad(f"{name}: unknown field {extra!r} (allowed: {', '.join(sorted(allowed))})")
    if not str(raw.get("source") or "").strip():
        bad(f"{name}: every range needs a 'source'")
    range_unit = str(raw.get("unit") or display_unit)
    try:
        if not units.same_dimension(range_unit, unit):
            bad(f"{name}: unit {range_unit!r} does not have the dimension of {unit!r}")
            return None
    except units.UnitError as exc:
        bad(f"{name}: {exc}")
        return None
    values = {}
    for b in bounds:
        if raw.get(b) is None:
            continue
        try:
            values[b] = _convert(float(raw[b]), range_unit, unit)
        except (TypeError, ValueError):
            bad(f"{name}: {b} = {raw[b]!r} is not a number")
            return None
    if not values:
        bad(f"{name}: give at least one of {', '.join(bounds)}")
        return None
    if "min" in bounds:
        lower, upper, lo_inc, up_inc = values.get("min"), values.get("max"), True, True
    else:
        if "gt" in values and "ge" in values or "lt" in values and "le" in values:
            bad(f"{name}: give gt or ge, lt or le, not both")
            return None
        lower = values.get("gt", values.get("ge"))
        upper = values.get("lt", values.get("le"))
        lo_inc, up_inc = "gt" not in values, "lt" not in values
    if lower is not None and upper is not None and lower > upper:
        bad(f"{name}: lower bound {lower:g} is above upper bound {upper:g} [{unit}]")
        return None
    shown = ", ".join(f"{b} {raw[b]}" for b in bounds if raw.get(b) is not None)
    return Range(lower=lower, upper=upper, lower_inclusive=lo_inc, upper_inclusive=up_inc,
                 source=str(raw.get("source") or "").strip(), display=f"{shown} {range_unit}")
