"""Cell recipes: a YAML file describing a whole cell and its process, loaded once into SI.

Every setting of a recipe is a key of the data specification (``gigatwin spec show
KEY``); settings of one electrode sit in its ``cathode:`` or ``anode:`` section (the
electrode qualifier, :mod:`gigatwin.spec.vocabulary`), cell settings in the section of
their spec step (``cell``, ``assembly``, ``electrolyte_filling``, ``formation``,
``aging_eol``). A quantity is written with its unit, optionally with a tolerance::

    coating_speed: {value: 30, unit: m/min, tolerance: 0.05}   # tolerance in the same unit
    coating_speed: "30 m/min +- 0.05 m/min"
    slurry_solid_content: "0.70 +- 0.5 %"                      # a relative tolerance

A tolerance is the **standard deviation** of the machine's variation around the setting
(1 sigma); Monte Carlo samples it from a normal distribution. Every quantity is converted to
SI with :mod:`gigatwin.units` when the recipe is loaded, so the chain never touches pint.

Validation (:mod:`gigatwin.twin.recipe_checks`) reports every problem at once and raises
:class:`RecipeError`, whose lines name the field (dotted path), the value, its unit and the
allowed range.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gigatwin import materials
from gigatwin.spec.vocabulary import ELECTRODES
from gigatwin.units import UnitError, dimensionality, to_si

FORMATS = ("pouch", "cylindrical", "prismatic")
COMPONENTS = ("active_material", "conductive_additive", "binder")
# gigatwin.materials kind of each formulation component
MATERIAL_KINDS = {"active_material": "active_material",
                  "conductive_additive": "conductive_carbon", "binder": "binder"}
CELL_SECTIONS = ("cell", "assembly", "electrolyte_filling", "formation", "aging_eol")
ELECTRODE_STEPS = ("mixing", "coating", "drying", "calendering", "slitting", "post_drying")
METADATA = ("name", "description", "sources")
# Sections that hold text or tables, not settings.
NOT_SETTINGS = ("spec_limits", "sources")
TABLES = ("ocv_curve", "electrode_ocv_curve")
PROTOCOLS = ("formation_protocol", "formation_cycle")
# Material and component properties a recipe may override; each needs a `source`.
OVERRIDES = {
    "active_material_specific_capacity": ("active_material", "specific_capacity"),
    "active_material_first_cycle_efficiency": ("active_material", "first_cycle_efficiency"),
    "active_material_density": ("active_material", "density"),
    "active_material_d50": ("active_material", "particle_size_d50"),
    "conductive_additive_density": ("conductive_additive", "density"),
    "binder_density": ("binder", "density"),
    "separator_thickness": ("separator", "thickness"),
    "separator_porosity": ("separator", "porosity"),
}

# libyaml's parser when installed (about 10x faster than the pure-Python one)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a recipe: where (dotted path), what, and how bad."""

    path: str
    message: str
    severity: str = "error"  # or "warning"
    kind: str = "value"  # unknown_key, dimension, range, missing, cross_field, syntax ...

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self) -> dict:
        return {"path": self.path, "message": self.message, "severity": self.severity,
                "kind": self.kind}


class RecipeError(ValueError):
    """A recipe that does not validate; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[Problem | str],
                 warnings: list[Problem] | None = None):
        self.source = source
        self.problems = [p if isinstance(p, Problem) else Problem("", str(p))
                         for p in problems]
        self.warnings = list(warnings or [])
        lines = "\n  - ".join(str(p) for p in self.problems)
        super().__init__(f"recipe {source} has {len(self.problems)} problem(s):\n  - {lines}")


@dataclass(frozen=True)
class Setting:
    """One recipe quantity in SI: nominal value, standard deviation and the unit it was
    given in."""

    path: str
    nominal: float
    std: float = 0.0
    unit: str = "1"

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` values drawn from N(nominal, std) (all nominal when std = 0)."""
        if self.std == 0:
            return np.full(n, self.nominal)
        return self.nominal + self.std * rng.standard_normal(n)


_QTY = re.compile(r"^\s*(?P<value>[-+0-9.eE]+|nan|inf|-inf)\s*(?P<unit>[^+±]*?)\s*"
                  r"(?:(?:\+-|±|\+/-)\s*(?P<tol>[-+0-9.eE]+|nan|inf)\s*(?P<tolunit>.*?))?\s*$")


@dataclass
class Recipe:
    """A validated cell recipe. ``settings`` maps dotted paths to SI :class:`Setting` s."""

    name: str
    description: str
    source: str
    raw: dict[str, Any]
    settings: dict[str, Setting] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    # values derived from the validated recipe once (the cell design); a recipe is not
    # changed after loading: build a new one (`load_recipe(..., overrides=...)`) instead
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # paths read while set (gigatwin.twin.chain.unused_settings), else None
    reads: set[str] | None = field(default=None, repr=False, compare=False)

    def read(self, path: str) -> None:
        """Note that the chain read ``path`` (while :attr:`reads` is being recorded)."""
        if self.reads is not None:
            self.reads.add(path)

    def __getitem__(self, path: str) -> Setting:
        self.read(path)
        try:
            return self.settings[path]
        except KeyError:
            raise KeyError(f"recipe {self.source} has no quantity {path!r}") from None

    def value(self, path: str) -> float:
        """The nominal SI value of a quantity."""
        return self[path].nominal

    def get(self, path: str, default: float) -> float:
        self.read(path)
        setting = self.settings.get(path)
        return default if setting is None else setting.nominal

    def text(self, path: str, default: Any = None) -> Any:
        self.read(path)
        node: Any = self.raw
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def cell_format(self) -> str:
        return self.text("cell.cell_format")

    def material(self, electrode: str, component: str):
        """The material record of an electrode component (``active_material`` ...), with
        the recipe's overrides of its properties (:data:`OVERRIDES`)."""
        name = self.text(f"{electrode}.{component}")
        if not isinstance(name, str):
            raise KeyError(f"{electrode}.{component}: {name!r} is not a material name")
        return self._overridden(materials.get(MATERIAL_KINDS[component], name), electrode,
                                component)

    def separator(self):
        """The separator record, with the recipe's overrides (thickness, porosity)."""
        record = materials.separator(self.text("assembly.separator"))
        return self._overridden(record, "assembly", "separator")

    def _overridden(self, record, section: str, component: str):
        for key, (c, _f) in OVERRIDES.items():
            if c == component:
                self.read(f"{section}.{key}")
        changes = {f: self.settings[f"{section}.{key}"].nominal
                   for key, (c, f) in OVERRIDES.items()
                   if c == component and f"{section}.{key}" in self.settings}
        return dataclasses.replace(record, **changes) if changes else record

    def spec_limits(self) -> dict[str, tuple[float, float, str]]:
        """``{"[electrode.]key": (lower, upper, display unit)}`` in SI (converted once)."""
        if "spec_limits" in self.derived:
            return self.derived["spec_limits"]
        limits = {}
        for key, spec in (self.raw.get("spec_limits") or {}).items():
            unit = str(spec.get("unit", "1"))
            lower = to_si(spec["min"], unit) if "min" in spec else -np.inf
            upper = to_si(spec["max"], unit) if "max" in spec else np.inf
            limits[key] = (float(lower), float(upper), unit)
        self.derived["spec_limits"] = limits
        return limits


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Read, convert to SI and validate a recipe file (every problem at once).

    ``overrides`` maps recipe paths (``cathode.calender_line_load``) to values written as
    in a recipe (``"850 N/mm"``); they replace or add settings before validation.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise RecipeError(str(path), [Problem("", f"cannot read the file: {exc.strerror}",
                                              kind="syntax")]) from None
    except UnicodeDecodeError as exc:
        raise RecipeError(str(path), [Problem("", f"the file is not UTF-8 text (byte "
                                              f"{exc.start}: {exc.reason})",
                                              kind="syntax")]) from None
    try:
        raw = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RecipeError(str(path), [Problem("", f"not valid YAML{at}: {reason}",
                                              kind="syntax")]) from None
    return recipe_from_dict(raw, source=str(path), overrides=overrides)


def recipe_from_dict(raw: Any, source: str = "<dict>",
                     overrides: dict[str, Any] | None = None) -> Recipe:
    """Build and validate a :class:`Recipe` from its parsed YAML mapping."""
    from gigatwin.twin import recipe_checks

    if raw is None:
        raise RecipeError(source, [Problem("", "the recipe is empty", kind="syntax")])
    if not isinstance(raw, dict):
        raise RecipeError(source, [Problem("", f"the top level must be a mapping of "
                                           f"sections, not a {type(raw).__name__}",
                                           kind="syntax")])
    raw = apply_overrides(raw, overrides or {})
    problems: list[Problem] = []
    settings: dict[str, Setting] = {}
    collect_settings(raw, settings, problems)
    recipe = Recipe(name=str(raw.get("name", Path(source).stem)),
                    description=str(raw.get("description", "")), source=source, raw=raw,
                    settings=settings)
    found, warnings = recipe_checks.check(recipe, problems)
    recipe.warnings = warnings
    if found:
        raise RecipeError(source, found, warnings)
    return recipe


def apply_overrides(raw: dict, overrides: dict[str, Any]) -> dict:
    """A copy of ``raw`` with ``{"section.key": value}`` set (``--set`` on the CLI)."""
    if not overrides:
        return raw
    import copy

    new = copy.deepcopy(raw)
    for path, value in overrides.items():
        *parents, leaf = path.split(".")
        node = new
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = value
    return new


def parse_setting(path: str, node: Any) -> Setting:
    """One quantity (mapping or ``"value unit +- tol unit"`` string) as an SI
    :class:`Setting`; raises :class:`UnitError` or ValueError naming what is wrong."""
    if isinstance(node, dict):
        if "value" not in node:
            raise UnitError("a quantity mapping needs 'value' (and 'unit', 'tolerance')")
        value, unit = node["value"], str(node.get("unit", "1"))
        tol = node.get("tolerance", 0.0)
        tol_value, tol_unit = (tol, unit) if not isinstance(tol, str) else _split(tol, unit)
    elif isinstance(node, bool) or node is None:
        raise UnitError(f"{node!r} is not a quantity")
    elif isinstance(node, int | float):
        value, unit, tol_value, tol_unit = node, "1", 0.0, "1"
    else:
        match = _QTY.match(str(node))
        if not match:
            raise UnitError(f"{node!r} is not 'value unit [+- tolerance unit]'")
        value, unit = float(match["value"]), match["unit"].strip() or "1"
        tol_value = float(match["tol"]) if match["tol"] else 0.0
        tol_unit = (match["tolunit"] or "").strip() or unit
    try:
        value, tol_value = float(value), float(tol_value)
    except (TypeError, ValueError):
        raise UnitError(f"value {value!r} or tolerance {tol_value!r} is not a number") from None
    nominal = float(to_si(value, unit))
    if tol_unit == "%":
        std = abs(nominal) * tol_value / 100
    else:
        std = float(_scale(tol_value, tol_unit, unit))
    return Setting(path, nominal, std, unit)


def _split(text: str, unit: str) -> tuple[float, str]:
    match = _QTY.match(text)
    if not match:
        raise UnitError(f"tolerance {text!r} is not 'value [unit]'")
    return float(match["value"]), (match["unit"].strip() or unit)


def _scale(tolerance: float, tol_unit: str, unit: str) -> float:
    """A tolerance is a difference: convert by the factor only (no offset for degC)."""
    if dimensionality(tol_unit) != dimensionality(unit):
        raise UnitError(f"tolerance unit {tol_unit!r} does not match {unit!r}")
    factor = to_si(1.0, tol_unit) - to_si(0.0, tol_unit)
    return tolerance * factor


def is_quantity(node: Any) -> bool:
    """Written as a quantity: a number, ``{value, unit}`` or a string starting with one."""
    if isinstance(node, bool) or node is None:
        return False
    if isinstance(node, int | float):
        return True
    if isinstance(node, dict):
        return "value" in node
    return isinstance(node, str) and bool(re.match(r"^\s*([-+]?[0-9.]|nan|inf|-inf)", node))


def setting_nodes(raw: dict):
    """``(path, section, key, node)`` of every setting written in a recipe, in file
    order: the keys of every section, and the keys of every formation protocol step."""
    for section, body in raw.items():
        if section in METADATA or section in NOT_SETTINGS or not isinstance(body, dict):
            continue
        for key, node in body.items():
            path = f"{section}.{key}"
            yield path, section, str(key), node
            if key in PROTOCOLS and isinstance(node, list):
                for i, step in enumerate(node):
                    if isinstance(step, dict):
                        for k, v in step.items():
                            yield f"{path}.{i}.{k}", section, str(k), v


def collect_settings(raw: dict, out: dict[str, Setting], problems: list[Problem]) -> None:
    """Every quantity of the recipe as an SI :class:`Setting` (syntax problems noted)."""
    for path, _section, key, node in setting_nodes(raw):
        if key in TABLES or key in PROTOCOLS or not is_quantity(node):
            continue
        try:
            out[path] = parse_setting(path, node)
        except (UnitError, ValueError, KeyError, TypeError) as exc:
            problems.append(Problem(path, f"{node!r}: {exc}", kind="syntax"))


def mass_fractions(recipe: Recipe, electrode: str) -> dict[str, float]:
    """Dry-solids mass fractions of an electrode, converting volume fractions if given."""
    if f"{electrode}.active_material_mass_fraction" in recipe.settings:
        return {c: recipe.value(f"{electrode}.{c}_mass_fraction") for c in COMPONENTS}
    masses = {c: recipe.value(f"{electrode}.{c}_volume_fraction")
              * recipe.material(electrode, c).density for c in COMPONENTS}
    total = sum(masses.values())
    return {c: m / total for c, m in masses.items()}


def example_recipes() -> list[Path]:
    """The example recipe files shipped in ``examples/recipes`` (repository checkout)."""
    root = Path(__file__).resolve().parents[3] / "examples" / "recipes"
    return sorted(root.glob("*.yaml"))


__all__ = ["COMPONENTS", "ELECTRODES", "FORMATS", "Problem", "Recipe", "RecipeError",
           "Setting", "load_recipe", "mass_fractions", "parse_setting", "recipe_from_dict"]
