"""Validation of a recipe against the data specification, every problem in one run.

Checks, in order, each adding :class:`~gigatwin.twin.recipe_schema.Problem` s (nothing stops at
the first):

1. structure: known sections; every key a spec key (close matches and renamed keys are
   suggested), in the section of its step;
2. each setting: a quantity of the spec unit's dimension (the expected dimension is
   named), a finite value inside the spec's physical limits (outside the typical range
   is a warning), a finite non-negative tolerance; categories among their choices;
   material names known;
3. required settings, per cell format (:data:`REQUIRED`), and the OCV table;
4. cross-field checks: mass fractions sum to 1, the stack or jelly roll fits its
   housing, N/P at least 1 (outside the spec's typical window a warning), spec limits.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from gigatwin import materials
from gigatwin.spec.registry import load_registry
from gigatwin.spec.vocabulary import ELECTRODES, close_matches, renamed_key, renamed_setting
from gigatwin.twin.recipe_schema import (
    CELL_SECTIONS,
    COMPONENTS,
    ELECTRODE_STEPS,
    FORMATS,
    METADATA,
    NOT_SETTINGS,
    OVERRIDES,
    PROTOCOLS,
    TABLES,
    Problem,
    Recipe,
    is_quantity,
    setting_nodes,
)
from gigatwin.units import UnitError, dimensionality, from_si, parse_unit

SECTIONS = (*METADATA, *NOT_SETTINGS, *ELECTRODES, *CELL_SECTIONS)

# Settings the chain needs. Per electrode, per cell section, and per cell format.
REQUIRED_ELECTRODE = (
    "active_material", "conductive_additive", "binder", "solvent", "current_collector",
    "current_collector_thickness", "slurry_solid_content", "slurry_zero_shear_viscosity",
    "slurry_infinite_shear_viscosity", "slurry_cross_time_constant",
    "slurry_cross_rate_index", "coating_speed", "coating_width", "coating_gap",
    "coating_areal_loading", "dryer_zone1_air_temperature", "dryer_zone1_air_velocity",
    "dryer_zone1_length", "dryer_solvent_loading", "dried_porosity",
    "calender_line_load", "calender_roll_temperature",
    "slitting_lane_count", "slitting_speed", "slitting_blade_cut_length",
    "moisture_before_post_drying", "post_drying_temperature", "post_drying_time",
    "post_drying_pressure", "dry_room_exposure_time")
REQUIRED_ANODE = ("active_material_bet_surface_area",)
DRYER_ZONE_KEYS = ("air_temperature", "air_velocity", "length")
REQUIRED = {
    "cell": ("cell_format", "cathode_sheet_height", "housing_mass"),
    "dry_room": ("dry_room_dew_point",),
    "assembly": ("separator", "anode_overhang", "stacking_placement_std", "weld_area",
                 "weld_bonded_fraction", "tab_length", "tab_width", "tab_thickness"),
    "electrolyte_filling": ("electrolyte", "electrolyte_volume_factor",
                            "filling_temperature", "filling_chamber_pressure"),
    "formation": ("formation_chamber_temperature", "formation_protocol", "sei_growth_rate",
                  "sei_gas_fraction", "charge_transfer_area_specific_resistance",
                  "leakage_current_density"),
    "aging_eol": ("aging_time", "aging_state_of_charge", "eol_discharge_c_rate",
                  "eol_capacity_relative_uncertainty", "eol_dcir_uncertainty",
                  "eol_ocv_uncertainty", "k_value_rest_time", "eol_upper_cutoff_voltage",
                  "eol_lower_cutoff_voltage"),
}
REQUIRED_BY_FORMAT = {
    "pouch": ("cathode_sheet_width", "design_stack_thickness", "pouch_length", "pouch_width",
              "pouch_foil_thickness"),
    "cylindrical": ("design_jelly_roll_diameter", "mandrel_diameter", "can_diameter",
                    "can_height"),
    "prismatic": ("design_jelly_roll_thickness", "jelly_roll_width", "can_length",
                  "can_width", "can_thickness"),
}
# Keys of a formation protocol step, by step type (besides formation_step_type).
PROTOCOL_STEP_KEYS = {
    "charge": ("formation_c_rate",), "discharge": ("formation_c_rate",),
    "cv": ("formation_cv_cutoff_c_rate", "formation_cv_time_constant"),
    "rest": ("formation_rest_time",),
}
MATERIAL_TEXT = {"active_material": "active_material",
                 "conductive_additive": "conductive_carbon", "binder": "binder",
                 "solvent": "solvent", "current_collector": "foil", "separator": "separator",
                 "electrolyte": "electrolyte"}


def check(recipe: Recipe, problems: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """Every problem (errors) and warning of ``recipe``; ``problems`` holds syntax ones."""
    warnings: list[Problem] = []
    found = list(problems)
    _structure(recipe, found)
    _settings(recipe, found, warnings)
    _required(recipe, found)
    _protocols(recipe, found)
    _ocv(recipe, found)
    _electrode_ocv(recipe, found)
    # Cross-field checks read only settings without a problem of their own (a missing or
    # wrong one reads as absent), so one bad value is reported once, not again as a
    # consequence.
    bad = {p.path for p in found}
    sound = dataclasses.replace(recipe, settings={
        path: s for path, s in recipe.settings.items() if path not in bad})
    _formulation(sound, found)
    _housing(sound, found)
    _np_ratio(sound, found, warnings)
    _spec_limits(recipe, found)
    renamed = sum("renamed to" in p.message for p in found)
    if renamed:
        warnings.insert(0, Problem("", f"{renamed} key(s) use names from before the spec "
                                   "vocabulary; `gigatwin recipe upgrade RECIPE -o NEW` "
                                   "rewrites them", "warning", "renamed"))
    return found, warnings


def _spec():
    return load_registry().parameters


def _unknown(path: str, key: str, candidates) -> Problem:
    new = renamed_setting(path) or renamed_key(key)
    if new:
        hint = f"; renamed to {new!r} (see docs/spec.md, renamed keys)"
    else:
        close = close_matches(key, candidates)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return Problem(path, f"unknown key {key!r}: not a key of the data specification"
                   f"{hint}", kind="unknown_key")


def _structure(recipe: Recipe, found: list[Problem]) -> None:
    spec = _spec()
    for section, body in recipe.raw.items():
        section = str(section)
        if section not in SECTIONS:
            old = renamed_setting(section) or {"filling": "electrolyte_filling",
                                               "end_of_line": "aging_eol"}.get(section)
            close = close_matches(section, SECTIONS)
            hint = (f"; renamed to {old!r}" if old else
                    f"; did you mean {' or '.join(map(repr, close))}?" if close else
                    f"; sections are {', '.join(SECTIONS)}")
            found.append(Problem(section, f"unknown section {section!r}{hint}",
                                 kind="unknown_key"))
            continue
        if section in METADATA or section in NOT_SETTINGS:
            continue
        if not isinstance(body, dict):
            found.append(Problem(section, f"must be a mapping of settings, not "
                                 f"{type(body).__name__}", kind="syntax"))
    for path, section, key, _node in setting_nodes(recipe.raw):
        if section not in SECTIONS or path.count(".") > 1:
            continue  # protocol step keys are checked with the protocol
        if key not in spec:
            found.append(_unknown(path, key, spec))
            continue
        step = spec[key].step
        if section in ELECTRODES and step not in ELECTRODE_STEPS and key not in OVERRIDES:
            found.append(Problem(path, f"{key!r} is a {step} setting of the cell; write it in "
                                 f"section {step!r}", kind="section"))
        elif section in CELL_SECTIONS and step != section and key not in OVERRIDES:
            where = "cathode/anode" if step in ELECTRODE_STEPS else step
            found.append(Problem(path, f"{key!r} is a {step} setting; write it in section "
                                 f"{where!r}", kind="section"))


def _settings(recipe: Recipe, found: list[Problem], warnings: list[Problem]) -> None:
    spec = _spec()
    for path, _section, key, node in setting_nodes(recipe.raw):
        param = spec.get(key)
        if param is None or key in TABLES or key in PROTOCOLS:
            continue
        if param.kind == "category":
            if node not in (param.choices or ()):
                found.append(Problem(path, f"{node!r} is not one of "
                                     f"{', '.join(param.choices or ())}", kind="value"))
            continue
        if param.kind == "text":
            _material_name(path, key, node, found)
            continue
        if not is_quantity(node):
            found.append(Problem(path, f"{node!r} is not a quantity; write it with a unit of "
                                 f"{_dimension(param.unit)} (e.g. {param.display_unit})",
                                 kind="dimension"))
            continue
        setting = recipe.settings.get(path)
        if setting is None:
            continue  # a syntax problem, already noted
        _quantity(path, key, param, setting, node, found, warnings)


def _dimension(unit: str) -> str:
    dim = dimensionality(unit)
    return "dimensionless" if dim in ("dimensionless", "") else dim


def _quantity(path, key, param, setting, node, found, warnings) -> None:
    try:
        given, expected = dimensionality(setting.unit), dimensionality(param.unit)
    except UnitError as exc:
        found.append(Problem(path, str(exc), kind="dimension"))
        return
    if given != expected:
        found.append(Problem(
            path, f"{_shown(node)} has the dimension {_dimension(setting.unit)}; {key} is "
            f"{_dimension(param.unit)} (e.g. {param.display_unit})", kind="dimension"))
        return
    shown = f"{_fmt(from_si(setting.nominal, param.display_unit))} {param.display_unit}"
    if not math.isfinite(setting.nominal):
        found.append(Problem(path, f"value {_shown(node)} is not finite", kind="range"))
        return
    if not math.isfinite(setting.std) or setting.std < 0:
        found.append(Problem(path, f"tolerance of {_shown(node)} must be finite and >= 0",
                             kind="range"))
    if param.physical is not None and not param.physical.contains(setting.nominal):
        found.append(Problem(path, f"{shown} is outside the physical limits "
                             f"{_range(param.physical, param.display_unit)} "
                             f"({param.physical.source})", kind="range"))
    elif param.typical is not None and not param.typical.contains(setting.nominal):
        warnings.append(Problem(path, f"{shown} is outside the typical range "
                                f"{_range(param.typical, param.display_unit)} "
                                f"({param.typical.source})", "warning", "range"))
    if key in OVERRIDES and not (isinstance(node, dict) and str(node.get("source", "")).strip()):
        found.append(Problem(path, "a material override needs a 'source': write "
                             "{value: ..., unit: ..., source: \"paper, table\"}",
                             kind="missing"))


def _shown(node) -> str:
    if isinstance(node, dict):
        return f"{node.get('value')} {node.get('unit', '')}".strip()
    return repr(node) if isinstance(node, str) else str(node)


def _fmt(value) -> str:
    return f"{float(value):.6g}"


def _range(rng, unit: str) -> str:
    lo = "-inf" if rng.lower is None else _fmt(from_si(rng.lower, unit))
    hi = "inf" if rng.upper is None else _fmt(from_si(rng.upper, unit))
    left = "[" if rng.lower_inclusive and rng.lower is not None else "("
    right = "]" if rng.upper_inclusive and rng.upper is not None else ")"
    return f"{left}{lo}, {hi}{right} {unit}"


def _material_name(path: str, key: str, node, found: list[Problem]) -> None:
    kind = MATERIAL_TEXT.get(key)
    if not isinstance(node, str):
        old = " (the old layout {name, mass_fraction}: see `gigatwin recipe upgrade`)" \
            if isinstance(node, dict) and "name" in node else ""
        found.append(Problem(path, f"{node!r} is not a name; write {key}: NAME{old}",
                             kind="syntax"))
        return
    if kind is None:
        return
    try:
        record = materials.get(kind, str(node))
    except KeyError as exc:
        found.append(Problem(path, str(exc.args[0]), kind="value"))
        return
    electrode = path.split(".", 1)[0]
    if key == "active_material" and record.electrode != electrode:
        found.append(Problem(path, f"{node!r} is a {record.electrode} material",
                             kind="value"))


def _required(recipe: Recipe, found: list[Problem]) -> None:
    raw = recipe.raw
    missing = []
    for electrode in ELECTRODES:
        body = raw.get(electrode)
        if not isinstance(body, dict):
            if electrode not in raw:
                found.append(Problem(electrode, "missing section", kind="missing"))
            continue
        needed = REQUIRED_ELECTRODE + (REQUIRED_ANODE if electrode == "anode" else ())
        missing += [f"{electrode}.{k}" for k in needed if k not in body]
        missing += _dryer_zones(electrode, body, found)
        by_mass = all(f"{c}_mass_fraction" in body for c in COMPONENTS)
        by_volume = all(f"{c}_volume_fraction" in body for c in COMPONENTS)
        if not (by_mass or by_volume):
            found.append(Problem(electrode, "give a mass fraction (or a volume fraction) for "
                                 f"each of {', '.join(COMPONENTS)}", kind="missing"))
    for section, keys in REQUIRED.items():
        body = raw.get(section) if isinstance(raw.get(section), dict) else {}
        missing += [f"{section}.{k}" for k in keys if k not in body]
    fmt = recipe.text("cell.cell_format")
    if fmt in FORMATS:
        missing += [f"cell.{k}" for k in REQUIRED_BY_FORMAT[fmt]
                    if k not in (raw.get("cell") or {})]
    spec = _spec()
    for path in dict.fromkeys(missing):  # once each, in order
        key = path.rsplit(".", 1)[-1]
        what = "" if key in TABLES else f" ({spec[key].label}, {spec[key].display_unit})"
        if key in TABLES:
            what = (" (the cell's open-circuit voltage table {soc: [0 ... 1], voltage: [V]},"
                    " used for cut-off voltages, the OCV at shipping and the k-value)")
        found.append(Problem(path, f"missing required setting{what}", kind="missing"))


def _dryer_zones(electrode: str, body: dict, found: list[Problem]) -> list[str]:
    """The dryer is zones in series (gigatwin.steps.drying.zoned_drying): each zone i up to
    the last needs its air temperature, air velocity and length; the single-zone keys
    (dryer_air_temperature, dryer_air_velocity) would be ignored, so they are refused."""
    for key in ("dryer_air_temperature", "dryer_air_velocity"):
        if key in body:
            zone_key = key.replace("dryer_", "dryer_zone1_")
            found.append(Problem(f"{electrode}.{key}", f"the dryer is given by zones: write "
                                 f"{zone_key} (and dryer_zone1_length)", kind="section"))
    spec = _spec()  # zones the specification knows (others are unknown keys)
    known = [i for i in range(1, 100) if f"dryer_zone{i}_length" in spec]
    zones = [i for i in known if any(f"dryer_zone{i}_{k}" in body for k in DRYER_ZONE_KEYS)]
    return [f"{electrode}.dryer_zone{i}_{k}" for i in range(1, max(zones, default=0) + 1)
            for k in DRYER_ZONE_KEYS if f"dryer_zone{i}_{k}" not in body]


def _protocols(recipe: Recipe, found: list[Problem]) -> None:
    spec = _spec()
    for key in PROTOCOLS:
        steps = recipe.text(f"formation.{key}")
        if steps is None:
            continue
        path = f"formation.{key}"
        if not isinstance(steps, list) or not steps:
            found.append(Problem(path, "must be a non-empty list of steps", kind="syntax"))
            continue
        for i, step in enumerate(steps):
            where = f"{path}.{i}"
            if not isinstance(step, dict):
                found.append(Problem(where, "a step must be a mapping", kind="syntax"))
                continue
            for k in step:
                if k not in spec:
                    found.append(_unknown(f"{where}.{k}", str(k), spec))
            if "formation_step_type" not in step:
                found.append(Problem(f"{where}.formation_step_type", "missing: the kind of "
                                     "step (charge, discharge, cv or rest)", kind="missing"))
            kind = step.get("formation_step_type")
            if not isinstance(kind, str):
                continue  # reported by the category check of formation_step_type
            for k in PROTOCOL_STEP_KEYS.get(kind, ()):
                if k not in step:
                    found.append(Problem(f"{where}.{k}", f"missing: a {kind} step needs it",
                                         kind="missing"))
            if kind in ("charge", "discharge") and not (
                    {"formation_target_soc", "formation_cutoff_voltage"} & set(step)):
                found.append(Problem(where, f"a {kind} step needs formation_target_soc or "
                                     "formation_cutoff_voltage", kind="missing"))


def _ocv(recipe: Recipe, found: list[Problem]) -> None:
    """The cell's voltage comes from the half-cell OCV curves of its active materials
    (electrode balancing): each must have one; a cell-level table is no longer read."""
    if recipe.text("cell.ocv_curve") is not None:
        found.append(Problem("cell.ocv_curve", "no longer used: the cell's open-circuit voltage "
                             "follows from the half-cell OCV curves of its active materials "
                             "(materials ocv_curves.yaml); remove it", kind="unknown_key"))
    upper = recipe.settings.get("aging_eol.eol_upper_cutoff_voltage")
    lower = recipe.settings.get("aging_eol.eol_lower_cutoff_voltage")
    if upper is not None and lower is not None and not upper.nominal > lower.nominal:
        found.append(Problem("aging_eol.eol_upper_cutoff_voltage",
                             f"{upper.nominal:g} V is not above eol_lower_cutoff_voltage = "
                             f"{lower.nominal:g} V: the cell's rated window is empty",
                             kind="cross_field"))
    for electrode in ELECTRODES:
        try:
            material = recipe.material(electrode, "active_material")
        except (KeyError, TypeError, ValueError):
            continue  # reported by the formulation checks
        if (getattr(material, "ocv_curve", None) is None
                and recipe.text(f"{electrode}.electrode_ocv_curve") is None):
            found.append(Problem(
                f"{electrode}.active_material",
                f"{material.name!r} has no half-cell OCV curve, so the cell cannot be "
                f"balanced; give {electrode}.electrode_ocv_curve (with its source) or use a "
                "material with one",
                kind="missing"))


def _electrode_ocv(recipe: Recipe, found: list[Problem]) -> None:
    """Each electrode's open-circuit potential table, an override of the material
    record: a table {stoichiometry, voltage} with a source."""
    for electrode in ELECTRODES:
        path = f"{electrode}.electrode_ocv_curve"
        table = recipe.text(path)
        if table is None:
            continue
        if _table(table, path, "stoichiometry", found) and not str(
                table.get("source", "")).strip():
            found.append(Problem(path, "a material override needs a 'source'",
                                 kind="missing"))


def _table(table, path: str, x: str, found: list[Problem]) -> bool:
    """A table {x: [0 ... 1], voltage: [V]}: lists of one length >= 2, x strictly
    monotonic within [0, 1], voltages finite and positive."""
    if not isinstance(table, dict) or not {x, "voltage"} <= set(table):
        found.append(Problem(path, f"must be a table {{{x}: [...], voltage: [...]}}",
                             kind="syntax"))
        return False
    try:
        xs = np.asarray(table[x], dtype=float)
        volts = np.asarray(table["voltage"], dtype=float)
    except (TypeError, ValueError):
        found.append(Problem(path, f"{x} and voltage must be lists of numbers", kind="syntax"))
        return False
    step = np.diff(xs) if xs.ndim == 1 else np.array([0.0])
    monotonic = np.all(step > 0) or np.all(step < 0)
    if xs.ndim != 1 or xs.shape != volts.shape or xs.size < 2:
        found.append(Problem(path, f"{x} and voltage must be lists of the same length >= 2",
                             kind="syntax"))
    elif not (monotonic and xs.min() >= 0 and xs.max() <= 1):
        found.append(Problem(f"{path}.{x}", "must be strictly monotonic within [0, 1] [1]",
                             kind="range"))
    elif not (np.all(np.isfinite(volts)) and np.all(volts > 0)):
        found.append(Problem(f"{path}.voltage", "must be finite and > 0 [V]", kind="range"))
    else:
        return True
    return False


def _formulation(recipe: Recipe, found: list[Problem]) -> None:
    for electrode in ELECTRODES:
        s = recipe.settings
        if all(f"{electrode}.{c}_mass_fraction" in s for c in COMPONENTS):
            total = sum(s[f"{electrode}.{c}_mass_fraction"].nominal for c in COMPONENTS)
            if abs(total - 1) > 1e-6:
                found.append(Problem(electrode, f"mass fractions sum to {total:.6g} [1]; "
                                     "allowed range [0.999999, 1.000001] (they must sum to "
                                     "1)", kind="cross_field"))
        elif all(f"{electrode}.{c}_volume_fraction" in s for c in COMPONENTS):
            total = sum(s[f"{electrode}.{c}_volume_fraction"].nominal for c in COMPONENTS)
            porosity = recipe.get(f"{electrode}.calendered_porosity", 0.0)
            if total + porosity > 1 + 1e-9:
                found.append(Problem(electrode, f"porosity + solid volume fractions = "
                                     f"{total + porosity:.6g} [1] is outside the allowed "
                                     "range (0, 1]", kind="cross_field"))


def _mm(value: float) -> str:
    return f"{value * 1e3:.4g} mm"


def _housing(recipe: Recipe, found: list[Problem]) -> None:
    """The stack or jelly roll, with its anode overhang, fits its housing."""
    fmt, v = recipe.cell_format, recipe.get
    overhang = v("assembly.anode_overhang", 0.0)
    height = v("cell.cathode_sheet_height", 0.0) + 2 * overhang
    wall = v("cell.can_wall_thickness", 0.0)

    def fits(what: str, size: float, room_path: str, room: float, note: str = "") -> None:
        if size > room:
            found.append(Problem(room_path, f"{what} {_mm(size)} does not fit: the housing "
                                 f"leaves {_mm(room)}{note}", kind="cross_field"))

    if fmt == "pouch":
        fits("the anode sheet width (cathode + 2 overhangs)",
             v("cell.cathode_sheet_width", 0) + 2 * overhang, "cell.pouch_width",
             v("cell.pouch_width", np.inf))
        fits("the anode sheet height (cathode + 2 overhangs)", height, "cell.pouch_length",
             v("cell.pouch_length", np.inf))
    elif fmt == "cylindrical":
        fits("the jelly roll diameter", v("cell.design_jelly_roll_diameter", 0),
             "cell.can_diameter", v("cell.can_diameter", np.inf) - 2 * wall,
             " inside its wall" if wall else "")
        fits("the anode height (cathode + 2 overhangs)", height, "cell.can_height",
             v("cell.can_height", np.inf) - 2 * wall)
        fits("the mandrel", v("cell.mandrel_diameter", 0), "cell.design_jelly_roll_diameter",
             v("cell.design_jelly_roll_diameter", np.inf))
    elif fmt == "prismatic":
        rolls = v("cell.jelly_roll_count", 1.0)
        fits(f"{rolls:g} jelly roll(s) of", rolls * v("cell.design_jelly_roll_thickness", 0),
             "cell.can_thickness", v("cell.can_thickness", np.inf) - 2 * wall)
        fits("the jelly roll width", v("cell.jelly_roll_width", 0), "cell.can_length",
             v("cell.can_length", np.inf) - 2 * wall)
        fits("the anode height (cathode + 2 overhangs)", height, "cell.can_width",
             v("cell.can_width", np.inf) - 2 * wall)


def nominal_np_ratio(recipe: Recipe) -> float:
    """N/P from the recipe: anode over cathode areal capacity at the design loadings,
    q = loading x active mass fraction x specific capacity (standard cell design relations)."""
    from gigatwin.twin.recipe_schema import mass_fractions

    q = {}
    for electrode in ELECTRODES:
        am = recipe.material(electrode, "active_material")
        q[electrode] = (recipe.value(f"{electrode}.coating_areal_loading")
                        * mass_fractions(recipe, electrode)["active_material"]
                        * am.specific_capacity)
    return q["anode"] / q["cathode"]


def _np_ratio(recipe: Recipe, found: list[Problem], warnings: list[Problem]) -> None:
    try:
        ratio = nominal_np_ratio(recipe)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return  # a missing or unknown material is reported elsewhere
    typical = _spec()["np_ratio"].typical
    if ratio < 1:
        found.append(Problem("anode.coating_areal_loading", f"N/P ratio {ratio:.3f} [1] is "
                             "below 1: lithium would plate on the anode; raise the anode "
                             "loading (allowed range [1, inf))", kind="cross_field"))
    elif typical is not None and not typical.contains(ratio):
        warnings.append(Problem("anode.coating_areal_loading", f"N/P ratio {ratio:.3f} [1] is "
                                f"outside the design window {_range(typical, '1')} "
                                f"({typical.source})", "warning", "cross_field"))


def _spec_limits(recipe: Recipe, found: list[Problem]) -> None:
    from gigatwin.spec.vocabulary import renamed_output, split_name

    limits = recipe.raw.get("spec_limits")
    if limits is None:
        return
    if not isinstance(limits, dict):
        found.append(Problem("spec_limits", "must be a mapping of output: {min, max, unit}",
                             kind="syntax"))
        return
    spec = _spec()
    for name, limit in limits.items():
        path = f"spec_limits.{name}"
        _, key = split_name(str(name))
        if key not in spec:
            new = renamed_output(str(name))
            hint = (f"; renamed to {new.split('.', 1)[1]!r}" if new else
                    f"; did you mean {' or '.join(map(repr, close_matches(key, spec)))}?"
                    if close_matches(key, spec) else "")
            found.append(Problem(path, f"unknown output {name!r}{hint}", kind="unknown_key"))
            continue
        if not isinstance(limit, dict) or not ({"min", "max"} & set(limit)):
            found.append(Problem(path, "must be {min: ..., max: ..., unit: ...}",
                                 kind="syntax"))
            continue
        unit = str(limit.get("unit", "1"))
        try:
            parse_unit(unit)
            ok = dimensionality(unit) == dimensionality(spec[key].unit)
        except UnitError as exc:
            found.append(Problem(path, str(exc), kind="dimension"))
            continue
        if not ok:
            found.append(Problem(path, f"unit {unit!r} has the dimension {_dimension(unit)}; "
                                 f"{key} is {_dimension(spec[key].unit)} (e.g. "
                                 f"{spec[key].display_unit})", kind="dimension"))
            continue
        bad = [b for b in ("min", "max") if b in limit
               and (isinstance(limit[b], bool) or not isinstance(limit[b], int | float))]
        if bad:
            found.append(Problem(path, f"{', '.join(bad)} must be numbers", kind="syntax"))
        elif "min" in limit and "max" in limit and limit["min"] > limit["max"]:
            found.append(Problem(path, f"min {limit['min']} > max {limit['max']} [{unit}]",
                                 kind="range"))


__all__ = ["REQUIRED", "check", "nominal_np_ratio"]
