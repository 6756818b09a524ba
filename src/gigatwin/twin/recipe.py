"""Cell recipes: a YAML file describing a whole cell and its process, loaded once into SI.

A quantity is written with its unit, optionally with a tolerance, either as a mapping or as
a string::

    coating_speed: {value: 30, unit: m/min, tolerance: 0.05}   # tolerance in the same unit
    coating_speed: "30 m/min +- 0.05 m/min"
    solid_content: "0.70 +- 0.5 %"                             # a relative tolerance

A tolerance is the **standard deviation** of the machine's variation around the setting
(1 sigma); Monte Carlo samples it from a normal distribution. Every quantity is converted to
SI with :mod:`gigatwin.units` when the recipe is loaded, so the chain never touches pint.

Validation collects every problem and raises :class:`RecipeError`, whose lines name the
field (dotted path), the value, its unit and the allowed range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gigatwin import materials
from gigatwin.units import UnitError, dimensionality, parse_unit, to_si

FORMATS = ("pouch", "cylindrical", "prismatic")
COMPONENTS = ("active_material", "conductive_carbon", "binder")
# Settings that may be zero or negative (everything else with a dimension must be > 0).
MAY_BE_ZERO = {"sei_growth_rate", "leakage_current_density", "charge_transfer_asr",
               "gas_fraction", "mandrel_diameter", "bruggeman_exponent"}


class RecipeError(ValueError):
    """A recipe that does not validate; ``problems`` lists one message per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        lines = "\n  - ".join(problems)
        super().__init__(f"recipe {source} has {len(problems)} problem(s):\n  - {lines}")


@dataclass(frozen=True)
class Setting:
    """One recipe quantity in SI: nominal value, standard deviation and the unit it was given in."""

    path: str
    nominal: float
    std: float = 0.0
    unit: str = "1"

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` values drawn from N(nominal, std) (all nominal when std = 0)."""
        if self.std == 0:
            return np.full(n, self.nominal)
        return self.nominal + self.std * rng.standard_normal(n)


_QTY = re.compile(r"^\s*(?P<value>[-+0-9.eE]+)\s*(?P<unit>[^+±]*?)\s*"
                  r"(?:(?:\+-|±|\+/-)\s*(?P<tol>[-+0-9.eE]+)\s*(?P<tolunit>.*?))?\s*$")


@dataclass
class Recipe:
    """A validated cell recipe. ``settings`` maps dotted paths to SI :class:`Setting` s."""

    name: str
    description: str
    source: str
    raw: dict[str, Any]
    settings: dict[str, Setting] = field(default_factory=dict)

    def __getitem__(self, path: str) -> Setting:
        try:
            return self.settings[path]
        except KeyError:
            raise KeyError(f"recipe {self.source} has no quantity {path!r}") from None

    def value(self, path: str) -> float:
        """The nominal SI value of a quantity."""
        return self[path].nominal

    def get(self, path: str, default: float) -> float:
        setting = self.settings.get(path)
        return default if setting is None else setting.nominal

    def text(self, path: str, default: Any = None) -> Any:
        node: Any = self.raw
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def cell_format(self) -> str:
        return self.text("cell.format")

    def material(self, electrode: str, component: str):
        """The material record of an electrode component (``active_material`` ...)."""
        kind = {"active_material": "active_material", "conductive_carbon": "conductive_carbon",
                "binder": "binder"}[component]
        return materials.get(kind, self.text(f"{electrode}.{component}.name"))

    def spec_limits(self) -> dict[str, tuple[float, float, str]]:
        """``{"step.output": (lower, upper, display unit)}`` in SI."""
        limits = {}
        for key, spec in (self.raw.get("spec_limits") or {}).items():
            unit = str(spec.get("unit", "1"))
            lower = to_si(spec["min"], unit) if "min" in spec else -np.inf
            upper = to_si(spec["max"], unit) if "max" in spec else np.inf
            limits[key] = (float(lower), float(upper), unit)
        return limits


def load_recipe(path: str | Path) -> Recipe:
    """Read, convert to SI and validate a recipe file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RecipeError(str(path), [f"cannot read: {exc}"]) from exc
    return recipe_from_dict(raw, source=str(path))


def recipe_from_dict(raw: dict[str, Any], source: str = "<dict>") -> Recipe:
    """Build and validate a :class:`Recipe` from its parsed YAML mapping."""
    if not isinstance(raw, dict):
        raise RecipeError(source, ["top level must be a mapping"])
    problems: list[str] = []
    settings: dict[str, Setting] = {}
    _collect(raw, "", settings, problems)
    recipe = Recipe(name=str(raw.get("name", Path(source).stem)),
                    description=str(raw.get("description", "")), source=source, raw=raw,
                    settings=settings)
    if not problems:
        problems += _validate(recipe)
    if problems:
        raise RecipeError(source, problems)
    return recipe


def parse_setting(path: str, node: Any) -> Setting:
    """One quantity (mapping or ``"value unit +- tol unit"`` string) as an SI :class:`Setting`."""
    if isinstance(node, dict):
        value, unit = node["value"], str(node.get("unit", "1"))
        tol = node.get("tolerance", 0.0)
        tol_value, tol_unit = (tol, unit) if not isinstance(tol, str) else _split(tol, unit)
    else:
        match = _QTY.match(str(node))
        if not match:
            raise UnitError(f"{node!r} is not 'value unit [+- tolerance unit]'")
        value, unit = float(match["value"]), match["unit"].strip() or "1"
        tol_value = float(match["tol"]) if match["tol"] else 0.0
        tol_unit = (match["tolunit"] or "").strip() or unit
    nominal = float(to_si(float(value), unit))
    if tol_unit == "%":
        std = abs(nominal) * float(tol_value) / 100
    else:
        std = float(_scale(float(tol_value), tol_unit, unit))
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


def _is_quantity(node: Any) -> bool:
    if isinstance(node, dict):
        return "value" in node and "unit" in node
    return isinstance(node, str) and bool(_QTY.match(node)) and bool(
        re.match(r"^\s*[-+0-9.]", node))


def _collect(node: Any, prefix: str, out: dict[str, Setting], problems: list[str]) -> None:
    if prefix.startswith("spec_limits") or prefix.endswith(".ocv") or prefix == "sources":
        return
    if isinstance(node, dict) and not _is_quantity(node):
        for key, child in node.items():
            _collect(child, f"{prefix}.{key}" if prefix else str(key), out, problems)
        return
    if isinstance(node, list):
        for i, child in enumerate(node):
            _collect(child, f"{prefix}.{i}", out, problems)
        return
    if isinstance(node, bool) or node is None:
        return
    if isinstance(node, int | float):
        out[prefix] = Setting(prefix, float(node), 0.0, "1")
        return
    if _is_quantity(node):
        try:
            out[prefix] = parse_setting(prefix, node)
        except (UnitError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{prefix} = {node!r}: {exc}")


def _bounds_problem(setting: Setting, name: str, lower: float | None, upper: float | None,
                    inclusive: bool = True) -> str | None:
    v = setting.nominal
    low_bad = lower is not None and (v < lower if inclusive else v <= lower)
    high_bad = upper is not None and v > upper
    if low_bad or high_bad or not np.isfinite(v):
        lo = "-inf" if lower is None else f"{lower:g}"
        hi = "inf" if upper is None else f"{upper:g}"
        left = "[" if inclusive else "("
        return (f"{name} = {v:g} [SI of {setting.unit!r}] is outside the allowed range "
                f"{left}{lo}, {hi}]")
    return None


def _validate(recipe: Recipe) -> list[str]:
    problems: list[str] = []
    for path, s in recipe.settings.items():
        leaf = path.rsplit(".", 1)[-1]
        if s.std < 0:
            problems.append(f"{path} tolerance = {s.std:g} [{s.unit}] must be >= 0")
        if leaf in ("mass_fraction", "volume_fraction", "solid_content", "porosity",
                    "bonded_fraction", "gas_fraction", "shipping_soc"):
            p = _bounds_problem(s, path, 0.0, 1.0)
        elif leaf in MAY_BE_ZERO or path.startswith("formation.protocol"):
            p = _bounds_problem(s, path, 0.0, None)
        elif s.unit != "1" and parse_unit(s.unit).dimensionality:
            p = _bounds_problem(s, path, 0.0, None, inclusive=False)
        else:
            p = None
        if p:
            problems.append(p)
    problems += _validate_formulations(recipe)
    fmt = recipe.cell_format
    if fmt not in FORMATS:
        problems.append(f"cell.format = {fmt!r} is not one of {FORMATS}")
    for key in (recipe.raw.get("spec_limits") or {}):
        spec = recipe.raw["spec_limits"][key]
        if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            problems.append(f"spec_limits.{key}: min {spec['min']} > max {spec['max']} "
                            f"[{spec.get('unit', '1')}]")
    return problems


def _validate_formulations(recipe: Recipe) -> list[str]:
    problems: list[str] = []
    for electrode in ("cathode", "anode"):
        if electrode not in recipe.raw:
            problems.append(f"{electrode}: missing section")
            continue
        try:
            records = {c: recipe.material(electrode, c) for c in COMPONENTS}
        except KeyError as exc:
            problems.append(f"{electrode}: {exc.args[0]}")
            continue
        if records["active_material"].electrode != electrode:
            problems.append(f"{electrode}.active_material.name = "
                            f"{records['active_material'].name!r} is a "
                            f"{records['active_material'].electrode} material")
        by_volume = all(f"{electrode}.{c}.volume_fraction" in recipe.settings for c in COMPONENTS)
        if by_volume:
            total = sum(recipe.value(f"{electrode}.{c}.volume_fraction") for c in COMPONENTS)
            porosity = recipe.get(f"{electrode}.porosity", 0.0)
            if total + porosity > 1 + 1e-9:
                problems.append(
                    f"{electrode}: porosity + solid volume fractions = {total + porosity:.6g} [1]"
                    " is outside the allowed range (0, 1]")
            continue
        fractions = [recipe.settings.get(f"{electrode}.{c}.mass_fraction") for c in COMPONENTS]
        if any(f is None for f in fractions):
            problems.append(f"{electrode}: give mass_fraction (or volume_fraction and porosity) "
                            f"for each of {COMPONENTS}")
            continue
        total = sum(f.nominal for f in fractions)
        if abs(total - 1) > 1e-6:
            problems.append(f"{electrode}: mass fractions sum to {total:.6g} [1]; allowed range "
                            "[0.999999, 1.000001] (they must sum to 1)")
    return problems


def mass_fractions(recipe: Recipe, electrode: str) -> dict[str, float]:
    """Dry-solids mass fractions of an electrode, converting volume fractions if given."""
    if f"{electrode}.active_material.mass_fraction" in recipe.settings:
        return {c: recipe.value(f"{electrode}.{c}.mass_fraction") for c in COMPONENTS}
    masses = {c: recipe.value(f"{electrode}.{c}.volume_fraction")
              * recipe.material(electrode, c).density for c in COMPONENTS}
    total = sum(masses.values())
    return {c: m / total for c, m in masses.items()}


def example_recipes() -> list[Path]:
    """The example recipe files shipped in ``examples/recipes`` (repository checkout)."""
    root = Path(__file__).resolve().parents[3] / "examples" / "recipes"
    return sorted(root.glob("*.yaml"))
