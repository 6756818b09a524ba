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

import re
from pathlib import Path
from typing import Any

import yaml

from gigatwin.spec.vocabulary import ELECTRODES
from gigatwin.twin.recipe_schema import (  # noqa: F401 - the recipe's public names
    CELL_SECTIONS,
    COMPONENTS,
    ELECTRODE_STEPS,
    FORMATS,
    MATERIAL_KINDS,
    METADATA,
    NOT_SETTINGS,
    OVERRIDES,
    PROTOCOLS,
    TABLES,
    Problem,
    Recipe,
    Setting,
    is_quantity,
    mass_fractions,
    setting_nodes,
)
from gigatwin.units import UnitError, dimensionality, to_si

# libyaml's parser when installed (about 10x faster than the pure-Python one)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


_QTY = re.compile(r"^\s*(?P<value>[-+0-9.eE]+|nan|inf|-inf)\s*(?P<unit>[^+±]*?)\s*"
                  r"(?:(?:\+-|±|\+/-)\s*(?P<tol>[-+0-9.eE]+|nan|inf)\s*(?P<tolunit>.*?))?\s*$")


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


def collect_settings(raw: dict, out: dict[str, Setting], problems: list[Problem]) -> None:
    """Every quantity of the recipe as an SI :class:`Setting` (syntax problems noted)."""
    for path, _section, key, node in setting_nodes(raw):
        if key in TABLES or key in PROTOCOLS or not is_quantity(node):
            continue
        try:
            out[path] = parse_setting(path, node)
        except (UnitError, ValueError, KeyError, TypeError) as exc:
            problems.append(Problem(path, f"{node!r}: {exc}", kind="syntax"))


def example_recipes() -> list[Path]:
    """The example recipe files shipped in ``examples/recipes`` (repository checkout)."""
    root = Path(__file__).resolve().parents[3] / "examples" / "recipes"
    return sorted(root.glob("*.yaml"))


__all__ = ["COMPONENTS", "ELECTRODES", "FORMATS", "Problem", "Recipe", "RecipeError",
           "Setting", "load_recipe", "mass_fractions", "parse_setting", "recipe_from_dict"]
