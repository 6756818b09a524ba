"""The recipe's vocabulary and its validated form, shared by loading and checking.

:mod:`gigatwin.twin.recipe` reads a recipe file into :class:`Recipe` and runs the checks
of :mod:`gigatwin.twin.recipe_checks`; both use the sections, the :class:`Problem` type
and the walk over the settings defined here, so neither imports the other's module at
load time.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gigatwin import materials
from gigatwin.units import to_si

FORMATS = ("pouch", "cylindrical", "prismatic")
COMPONENTS = ("active_material", "conductive_additive", "binder")
# gigatwin.materials kind of each formulation component
MATERIAL_KINDS = {"active_material": "active_material",
                  "conductive_additive": "conductive_carbon", "binder": "binder"}
CELL_SECTIONS = ("cell", "assembly", "electrolyte_filling", "formation", "aging_eol",
                 "dry_room")
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
    "minimum_achievable_porosity": ("active_material", "minimum_porosity"),
    "compaction_resistance_per_areal_loading": ("active_material",
                                                "compaction_resistance_per_areal_loading"),
    "conductive_additive_density": ("conductive_additive", "density"),
    "binder_density": ("binder", "density"),
    "separator_thickness": ("separator", "thickness"),
    "separator_porosity": ("separator", "porosity"),
}

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


def mass_fractions(recipe: Recipe, electrode: str) -> dict[str, float]:
    """Dry-solids mass fractions of an electrode, converting volume fractions if given."""
    if f"{electrode}.active_material_mass_fraction" in recipe.settings:
        return {c: recipe.value(f"{electrode}.{c}_mass_fraction") for c in COMPONENTS}
    masses = {c: recipe.value(f"{electrode}.{c}_volume_fraction")
              * recipe.material(electrode, c).density for c in COMPONENTS}
    total = sum(masses.values())
    return {c: m / total for c, m in masses.items()}
