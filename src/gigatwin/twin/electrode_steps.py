"""The electrode half of the chain: mixing, coating, drying, calendering, slitting, post-drying.

One call per electrode and step, on arrays of samples, using the step models of
:mod:`gigatwin.steps`. Each step returns a dict of output arrays (SI) and passes the
structure on (solids density, loading, thickness, porosity ...).
"""

from __future__ import annotations

import numpy as np

from gigatwin import materials
from gigatwin.steps import coating, drying, mixing
from gigatwin.twin import tables
from gigatwin.twin.recipe import Recipe, mass_fractions
from gigatwin.twin.sampling import SettingDraws, constant


def run_mixing(recipe: Recipe, draw: SettingDraws, electrode: str) -> dict:
    """Slurry composition: solids density, slurry density, solids volume fraction, viscosity."""
    w = mass_fractions(recipe, electrode)
    am, cb, bd = (recipe.material(electrode, c) for c in ("active_material",
                                                            "conductive_additive", "binder"))
    solvent = materials.solvent(recipe.text(f"{electrode}.solvent"))
    rho_s = mixing.solids_density(w["active_material"], am.density, w["conductive_additive"],
                                  cb.density, w["binder"], bd.density)
    solid_content = draw(f"{electrode}.slurry_solid_content")
    phi = mixing.solids_volume_fraction(solid_content, rho_s, solvent.density)
    p = electrode
    return {"slurry_solid_content": solid_content,
            "solids_density": constant(rho_s, draw.samples),
            "slurry_density": mixing.slurry_density(solid_content, rho_s, solvent.density),
            "slurry_solids_volume_fraction": phi,
            "active_material_mass_fraction": constant(w["active_material"], draw.samples),
            "_rheology": dict(zero_shear_viscosity=recipe.value(f"{p}.slurry_zero_shear_viscosity"),
                              infinite_shear_viscosity=recipe.value(f"{p}.slurry_infinite_shear_viscosity"),
                              cross_time_constant=recipe.value(f"{p}.slurry_cross_time_constant"),
                              cross_rate_index=recipe.value(f"{p}.slurry_cross_rate_index"))}


def run_coating(recipe: Recipe, draw: SettingDraws, electrode: str, slurry: dict) -> dict:
    """Slot-die: pump flow set for the target loading at nominal slurry and speed (mass balance)."""
    p = electrode
    width = recipe.value(f"{p}.coating_width")
    nominal_wet = coating.wet_film_thickness_for_loading(
        recipe.value(f"{p}.coating_areal_loading"),
        float(mixing.slurry_density(recipe.value(f"{electrode}.slurry_solid_content"),
                                    float(slurry["solids_density"][0]),
                                    materials.solvent(recipe.text(f"{electrode}.solvent")).density)),
        recipe.value(f"{electrode}.slurry_solid_content"))
    nominal_flow = nominal_wet * width * recipe.value(f"{p}.coating_speed")
    flow = nominal_flow * (1 + draw(f"{p}.coating_slot_flow_rate_deviation", 0.0))
    speed = draw(f"{p}.coating_speed")
    wet = coating.wet_film_thickness(flow, width, speed)
    loading = coating.areal_loading(wet, slurry["slurry_density"], slurry["slurry_solid_content"])
    gap = draw(f"{p}.coating_gap")
    viscosity = mixing.slurry_viscosity(speed / gap, slurry["slurry_solids_volume_fraction"],
                                        **slurry["_rheology"])
    solvent = materials.solvent(recipe.text(f"{electrode}.solvent"))
    window = coating.coating_window(wet, gap, viscosity, speed, solvent.surface_tension)
    return {"wet_film_thickness": wet, "coating_areal_loading": loading, "coating_speed": speed,
            "coating_low_flow_margin": window.low_flow_margin}


def run_drying(recipe: Recipe, draw: SettingDraws, electrode: str, slurry: dict,
               coated: dict) -> dict:
    """The wet film through the dryer's zones (:func:`gigatwin.steps.drying.zoned_drying`).

    Each zone ``i`` has its air temperature (sampled), nozzle air velocity and length
    (``dryer_zone{i}_...``); the dryer air carries solvent at ``dryer_solvent_loading``.
    A zone's heat balance (a bisection) is solved on a grid of air temperatures and
    interpolated per sample (:mod:`gigatwin.twin.tables`), which keeps 10^5 samples fast.
    The binder-migration index uses the drying rate when the film consolidates, and its
    defect probability lowers the drying yield."""
    p = electrode
    solvent_name = recipe.text(f"{electrode}.solvent")
    solvent = materials.solvent(solvent_name)
    p_inf = drying.solvent_partial_pressure(recipe.value(f"{p}.dryer_solvent_loading"), solvent_name)
    zones = [i for i in range(1, 100) if f"{p}.dryer_zone{i}_length" in recipe.settings]
    if not zones:
        raise KeyError(f"recipe {recipe.source}: {p} needs dryer_zone1_length (and the zone's "
                       "air temperature and air velocity)")
    fluxes, lengths, first_h = [], [], None
    for i in zones:
        key = f"{p}.dryer_zone{i}_air_temperature"
        h = drying.heat_transfer_coefficient_slot_nozzles(
            recipe.value(f"{p}.dryer_zone{i}_air_velocity"), recipe.value(key))
        first_h = h if first_h is None else first_h
        fluxes.append(tables.evaporation_flux(draw(key), h, solvent_name, p_inf))
        lengths.append(recipe.value(f"{p}.dryer_zone{i}_length"))
    solvent_mass = drying.solvent_areal_mass(coated["wet_film_thickness"], slurry["slurry_density"],
                                             slurry["slurry_solid_content"])
    dried_porosity = draw(f"{p}.dried_porosity")
    loading = coated["coating_areal_loading"]
    thickness = drying.dry_coating_thickness(loading, slurry["solids_density"], dried_porosity)
    consolidation = 1.0 - drying.film_shrinkage_solvent_fraction(
        solvent_mass, thickness, dried_porosity, solvent.density)
    foil = materials.foil(recipe.text(f"{electrode}.current_collector"))
    web = loading + foil.density * recipe.value(f"{electrode}.current_collector_thickness")
    heat_up = drying.heat_up_time(solvent_mass, web, first_h, solvent_name)
    dried = drying.zoned_drying(solvent_mass, fluxes, lengths, coated["coating_speed"],
                                np.minimum(consolidation, 1.0 - 1e-9), heat_up)
    index = drying.binder_migration_risk(
        dried.consolidation_drying_rate, thickness,
        recipe.material(electrode, "binder").critical_drying_rate)
    return {"drying_rate": dried.mean_drying_rate, "drying_time": dried.drying_time,
            "dryer_length": coated["coating_speed"] * dried.drying_time,
            "consolidation_drying_rate": dried.consolidation_drying_rate,
            "residual_solvent_content": dried.residual_solvent_fraction * solvent_mass / loading,
            "dry_coating_thickness": thickness, "dried_porosity": dried_porosity,
            "binder_migration_index": index,
            "drying_defect_probability": drying.drying_defect_probability(index)}


def run_calendering(recipe: Recipe, draw: SettingDraws, electrode: str, slurry: dict,
                    coated: dict, dried: dict) -> dict:
    """Porosity and thickness at the sampled line load (Meyer et al. 2017). The compaction
    parameters are the active material's (minimum porosity, compaction resistance per
    loading, :mod:`gigatwin.materials`): the resistance grows with the sampled loading and
    falls with roll temperature, the minimum porosity falls with roll temperature."""
    from gigatwin.steps import calendering

    p = electrode
    am = recipe.material(electrode, "active_material")
    roll_temperature = draw(f"{p}.calender_roll_temperature")
    resistance = calendering.compaction_resistance(
        coated["coating_areal_loading"], roll_temperature, am.compaction_resistance_per_areal_loading)
    minimum = calendering.minimum_porosity_at_temperature(am.minimum_porosity, roll_temperature)
    result = calendering.calender(
        draw(f"{p}.calender_line_load"), coated["coating_areal_loading"], slurry["solids_density"],
        dried["dried_porosity"], minimum, resistance,
        mass_fractions(recipe, electrode)["binder"], recipe.value(f"{electrode}.coating_width"))
    return {"calendered_porosity": result.porosity,
            "calendered_thickness": result.coating_thickness,
            "calendered_coating_density": result.coating_density, "spring_back": result.spring_back,
            "compaction_resistance": resistance, "minimum_achievable_porosity": minimum}


def run_slitting(recipe: Recipe, draw: SettingDraws, electrode: str, coated: dict) -> dict:
    """Lane width, trim loss, burr height and the probability of an edge burr above the limit."""
    from gigatwin.steps import slitting

    p = electrode
    web = recipe.value(f"{electrode}.coating_width")
    lanes = recipe.value(f"{p}.slitting_lane_count")
    width = slitting.lane_width(web, lanes)
    speed = draw(f"{p}.slitting_speed")
    blade = draw(f"{p}.slitting_blade_cut_length")
    return {"slit_width": constant(width, draw.samples),
            "slitting_trim_loss_fraction": constant(slitting.trim_loss_fraction(web, lanes, width),
                                                draw.samples),
            "burr_height": slitting.mean_burr_height(blade, speed),
            "edge_defect_probability": slitting.edge_defect_probability(blade, speed)}


def run_post_drying(recipe: Recipe, draw: SettingDraws, electrode: str) -> dict:
    """Residual moisture after vacuum post-drying (free and bound water), then the moisture
    at assembly after the electrode's wait in the dry room (:mod:`gigatwin.steps.post_drying`)."""
    from gigatwin.steps import post_drying

    p = electrode
    w = mass_fractions(recipe, electrode)
    binder_name = recipe.text(f"{electrode}.binder")
    bound = post_drying.bound_moisture(
        (w["active_material"], w["binder"]),
        (recipe.material(electrode, "active_material").bound_water_content or 0.0,
         recipe.material(electrode, "binder").bound_water_content or 0.0))
    result = post_drying.post_drying(
        recipe.value(f"{p}.moisture_before_post_drying"), w["binder"],
        draw(f"{p}.post_drying_time"), draw(f"{p}.post_drying_temperature"),
        draw(f"{p}.post_drying_pressure"), binder_name, bound_moisture=bound)
    at_assembly = post_drying.dry_room_uptake(
        result.free_moisture, result.bound_moisture, w["binder"],
        draw(f"{p}.dry_room_exposure_time"), draw("dry_room.dry_room_dew_point"),
        binder=binder_name)
    return {"residual_moisture": result.residual_moisture, "moisture_at_assembly": at_assembly}


def run_electrode(recipe: Recipe, draw: SettingDraws, electrode: str, out: dict) -> dict:
    """Run the electrode steps for one electrode, store outputs as ``<electrode>.<key>`` in
    ``out[step]`` and return the structure handed to assembly."""
    slurry = run_mixing(recipe, draw, electrode)
    coated = run_coating(recipe, draw, electrode, slurry)
    dried = run_drying(recipe, draw, electrode, slurry, coated)
    calendered = run_calendering(recipe, draw, electrode, slurry, coated, dried)
    slit = run_slitting(recipe, draw, electrode, coated)
    post = run_post_drying(recipe, draw, electrode)
    for step, values in (("mixing", slurry), ("coating", coated), ("drying", dried),
                         ("calendering", calendered), ("slitting", slit), ("post_drying", post)):
        out[step].update({f"{electrode}.{k}": v for k, v in values.items()
                          if not k.startswith("_")})
    return structure(recipe, electrode, slurry, coated, calendered)


def structure(recipe: Recipe, electrode: str, slurry: dict, coated: dict,
              calendered: dict) -> dict:
    """The electrode's structure handed to assembly [SI], from the outputs of its mixing,
    coating and calendering steps (the virtual line computes the steps one station at a
    time and builds the same structure, gigatwin.line.engine)."""
    foil = materials.foil(recipe.text(f"{electrode}.current_collector"))
    foil_thickness = recipe.value(f"{electrode}.current_collector_thickness")
    am = recipe.material(electrode, "active_material")
    return {"areal_loading": coated["coating_areal_loading"],
            "porosity": calendered["calendered_porosity"],
            "coating_thickness": calendered["calendered_thickness"],
            "electrode_thickness": 2 * calendered["calendered_thickness"] + foil_thickness,
            "active_mass_fraction": slurry["active_material_mass_fraction"],
            "foil_areal_mass": foil.density * foil_thickness,
            "particle_diameter": am.particle_size_d50}
