"""The electrode half of the chain: mixing, coating, drying, calendering, slitting, post-drying.

One call per electrode and step, on arrays of samples, using the step models of
:mod:`gigatwin.steps`. Each step returns a dict of output arrays (SI) and passes the
structure on (solids density, loading, thickness, porosity ...).
"""

from __future__ import annotations

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
    """Constant-rate drying at the sampled air temperature; dried thickness at the as-dried
    porosity. The heat balance (a bisection) is solved on a grid of air temperatures and
    interpolated per sample (:mod:`gigatwin.twin.tables`), which keeps 10^5 samples fast."""
    p = electrode
    solvent_name = recipe.text(f"{electrode}.solvent")
    air = draw(f"{p}.dryer_air_temperature")
    h = drying.heat_transfer_coefficient_slot_nozzles(recipe.value(f"{p}.dryer_air_velocity"),
                                                      recipe.value(f"{p}.dryer_air_temperature"))
    flux = tables.evaporation_flux(air, h, solvent_name)
    solvent_mass = drying.solvent_areal_mass(coated["wet_film_thickness"], slurry["slurry_density"],
                                             slurry["slurry_solid_content"])
    time = drying.drying_time(solvent_mass, flux)
    dried_porosity = draw(f"{p}.dried_porosity")
    thickness = drying.dry_coating_thickness(coated["coating_areal_loading"], slurry["solids_density"],
                                             dried_porosity)
    return {"drying_rate": flux, "drying_time": time,
            "dryer_length": drying.dryer_length(coated["coating_speed"], time),
            "dry_coating_thickness": thickness, "dried_porosity": dried_porosity,
            "binder_migration_index": drying.binder_migration_risk(flux, thickness)}


def run_calendering(recipe: Recipe, draw: SettingDraws, electrode: str, slurry: dict,
                    coated: dict, dried: dict) -> dict:
    """Porosity and thickness at the sampled line load (Meyer et al. 2017), with a compaction
    resistance growing with the sampled loading and falling with roll temperature."""
    from gigatwin.steps import calendering

    p = electrode
    resistance = calendering.compaction_resistance(
        coated["coating_areal_loading"], draw(f"{p}.calender_roll_temperature"),
        recipe.get(f"{p}.compaction_resistance_per_areal_loading", 2.5e6))
    result = calendering.calender(
        draw(f"{p}.calender_line_load"), coated["coating_areal_loading"], slurry["solids_density"],
        dried["dried_porosity"], recipe.value(f"{p}.minimum_achievable_porosity"), resistance,
        mass_fractions(recipe, electrode)["binder"], recipe.value(f"{electrode}.coating_width"))
    return {"calendered_porosity": result.porosity,
            "calendered_thickness": result.coating_thickness,
            "calendered_coating_density": result.coating_density, "spring_back": result.spring_back,
            "compaction_resistance": resistance}


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
    """Residual moisture after vacuum post-drying (Huttner et al. 2019 kinetics)."""
    from gigatwin.steps import post_drying

    p = electrode
    result = post_drying.post_drying(
        recipe.value(f"{p}.moisture_before_post_drying"), mass_fractions(recipe, electrode)["binder"],
        draw(f"{p}.post_drying_time"), draw(f"{p}.post_drying_temperature"),
        draw(f"{p}.post_drying_pressure"), recipe.text(f"{electrode}.binder"))
    return {"residual_moisture": result.residual_moisture}


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
