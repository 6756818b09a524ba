"""The cell-level half of the chain: assembly, filling, formation, end-of-line, cell figures.

Each function takes the per-sample structure handed down by the steps before it (arrays)
and the setting draws, calls the step models of :mod:`gigatwin.steps` and returns a dict of
output arrays in SI. No per-sample Python and no pint here.
"""

from __future__ import annotations

import numpy as np

from gigatwin import materials
from gigatwin.steps import assembly, end_of_line, filling, formation
from gigatwin.twin import balancing, cell_design
from gigatwin.twin.recipe import Recipe, mass_fractions
from gigatwin.twin.sampling import SettingDraws

GAS_CONSTANT = 8.314462618
STANDARD_PRESSURE = 101325.0  # [Pa]
# Defaults of settings a recipe may leave out (each written here once):
WETTING_DEGREE_TARGET = 0.95  # [1], wetted share of the pore length that counts as wet
CHARGER_EFFICIENCY = 0.9  # [1], grid-to-cell efficiency of a formation cycler (assumption)
RECOVERY_EFFICIENCY = 0.0  # [1], discharge energy fed back (0: burnt in resistors)
RESISTIVITY = {"Al": 2.65e-8, "Cu": 1.68e-8, "Ni": 6.99e-8}  # [ohm m], CRC Handbook values at 20 C


def run_assembly(recipe: Recipe, draw: SettingDraws, geometry: cell_design.CellGeometry,
                 cathode: dict, anode: dict, separator_thickness: float) -> dict:
    """Stack size, misalignment defect probability and tab resistance."""
    stack = cell_design.stack_size(geometry, recipe, cathode["electrode_thickness"],
                                   anode["electrode_thickness"], separator_thickness)
    defect = assembly.overhang_defect_probability(
        draw("assembly.anode_overhang"), draw("assembly.stacking_placement_std"), geometry.placement_units,
        geometry.placement_axes)
    welds = sum(assembly.tab_weld_resistance(draw("assembly.weld_area"),
                                             draw("assembly.weld_bonded_fraction"),
                                             RESISTIVITY[metal], RESISTIVITY[metal])
                for metal in ("Al", "Cu"))
    tabs = (assembly.tab_bulk_resistance(recipe.value("assembly.tab_length"),
                                         recipe.value("assembly.tab_width"),
                                         recipe.value("assembly.tab_thickness"), RESISTIVITY["Al"])
            + assembly.tab_bulk_resistance(recipe.value("assembly.tab_length"),
                                           recipe.value("assembly.tab_width"),
                                           recipe.value("assembly.tab_thickness"),
                                           RESISTIVITY["Cu"]))
    name = {"pouch": "stack_thickness", "cylindrical": "jelly_roll_diameter",
            "prismatic": "jelly_roll_thickness"}[geometry.cell_format]
    return {name: stack, "misalignment_defect_probability": defect,
            "tab_resistance": (welds + tabs) / geometry.jelly_rolls}


def run_filling(recipe: Recipe, draw: SettingDraws, geometry: cell_design.CellGeometry,
                cathode: dict, anode: dict) -> dict:
    """Pore volume, electrolyte volume and mass, wetting degree and time (slowest layer).

    Each layer (cathode, anode, separator) wets from the open edge against the gas left
    in its pores at the chamber pressure (Guenter et al. 2022); the cell is wet when its
    slowest layer is, and its wetting degree is that of the least wetted layer.
    """
    sep = recipe.separator()
    ely = materials.electrolyte(recipe.text("electrolyte_filling.electrolyte"))
    pores = (filling.pore_volume(geometry.cathode_coated_area, cathode["coating_thickness"],
                                 cathode["porosity"])
             + filling.pore_volume(geometry.anode_coated_area, anode["coating_thickness"],
                                   anode["porosity"])
             + filling.pore_volume(geometry.separator_area, sep.thickness, sep.porosity))
    volume = filling.electrolyte_volume(
        pores, draw("electrolyte_filling.electrolyte_volume_factor"))
    viscosity = filling.electrolyte_viscosity(
        draw("electrolyte_filling.filling_temperature"), ely.viscosity_reference,
        ely.viscosity_activation_temperature * GAS_CONSTANT, ely.viscosity_reference_temperature)
    liquid = recipe.get("electrolyte_filling.filling_ambient_pressure", STANDARD_PRESSURE)
    gas = draw("electrolyte_filling.filling_chamber_pressure")
    target = recipe.get("electrolyte_filling.wetting_degree_target", WETTING_DEGREE_TARGET)
    layers = {f"{name}.": (filling.carman_capillary_radius(e["porosity"], e["particle_diameter"]),
                           e["porosity"], ely.contact_angle_on_electrode)
              for name, e in (("cathode", cathode), ("anode", anode))}
    if sep.mean_pore_diameter is not None:
        layers["separator_"] = (sep.mean_pore_diameter / 2, sep.porosity, sep.contact_angle)
    times, degrees = {}, []
    for prefix, (radius, porosity, angle) in layers.items():
        times[f"{prefix}wetting_time"] = filling.wetting_time_with_gas(
            geometry.wetting_distance, radius, filling.bruggeman_tortuosity(porosity),
            ely.surface_tension, angle, viscosity, liquid, gas, target)
        degrees.append(filling.equilibrium_wetting_degree(
            liquid, 2 * ely.surface_tension * np.cos(angle) / radius, gas))
    return {"pore_volume": pores, "electrolyte_volume": volume,
            "electrolyte_mass": volume * ely.density, "electrolyte_viscosity": viscosity,
            **times,
            "wetting_time": np.maximum.reduce(np.broadcast_arrays(*times.values())),
            "wetting_degree": np.minimum.reduce(np.broadcast_arrays(*degrees))}


def half_cell_curves(recipe: Recipe) -> tuple:
    """The cathode and anode OCV curves and their stoichiometric capacities [C/kg].

    A recipe's ``<electrode>.electrode_ocv_curve`` table (with its source) replaces the
    material's published curve; its stoichiometric capacity is the material curve's, or
    the material's specific capacity when the material has no curve (the table then spans
    the practical range). Raises a ValueError naming the material when there is neither.
    """
    found = []
    for electrode in ("cathode", "anode"):
        material = recipe.material(electrode, "active_material")
        record = (materials.half_cell_ocv(material.ocv_curve)
                  if material.ocv_curve is not None else None)
        table = recipe.text(f"{electrode}.electrode_ocv_curve")
        if table is not None:
            order = np.argsort(np.asarray(table["stoichiometry"], dtype=float))
            curve = balancing.HalfCellOCV(
                tuple(float(table["stoichiometry"][i]) for i in order),
                tuple(float(table["voltage"][i]) for i in order))
            capacity = (record.stoichiometric_capacity if record is not None
                        else material.specific_capacity)
        elif record is not None:
            curve = balancing.HalfCellOCV(record.stoichiometry, record.voltage)
            capacity = record.stoichiometric_capacity
        else:
            known = materials.names("half_cell_ocv")
            raise ValueError(
                f"{electrode}.active_material = {material.name!r} has no half-cell OCV "
                f"curve, so the cell cannot be balanced; give {electrode}.electrode_ocv_curve "
                f"or use a material with one ({known})")
        found.append((curve, capacity))
    (cathode_ocv, cathode_capacity), (anode_ocv, anode_capacity) = found
    return cathode_ocv, anode_ocv, cathode_capacity, anode_capacity


def cutoff_voltages(recipe: Recipe) -> tuple[float, float]:
    """Upper and lower cut-off voltage of the cell's rated window [V]."""
    return (recipe.value("aging_eol.eol_upper_cutoff_voltage"),
            recipe.value("aging_eol.eol_lower_cutoff_voltage"))


def first_cycle_loss(recipe: Recipe, anode_active_mass, specific_surface_area,
                     sei_growth_rate, duration):
    """Lithium bound in formation and aging [C]: SEI on the anode surface (Joho et al. 2001,
    linear in BET area) growing with sqrt(t) (Ploehn et al. 2004), plus the silicon part's
    own first-cycle loss; see :func:`anode_first_cycle_loss`."""
    aam = recipe.material("anode", "active_material")
    silicon = recipe.get("anode.active_material_silicon_mass_fraction",
                         aam.silicon_mass_fraction or 0.0)
    if silicon and (aam.silicon_specific_capacity is None
                    or aam.silicon_first_cycle_efficiency is None):
        raise ValueError(
            f"anode.active_material_silicon_mass_fraction = {silicon:g} [1], but "
            f"anode.active_material = {aam.name!r} has no silicon_specific_capacity and "
            "silicon_first_cycle_efficiency in the material data; use a silicon blend")
    return anode_first_cycle_loss(aam, anode_active_mass, specific_surface_area, silicon,
                                  sei_growth_rate, duration)


def anode_first_cycle_loss(aam, anode_active_mass, specific_surface_area, silicon,
                           sei_growth_rate=0.0, duration=0.0):
    """First-cycle lithium loss of an anode, graphite or silicon blend [C].

    Q = m (1 - w) S (q_0 + k sqrt(t)) + m w q_Si (1 / FCE_Si - 1)

    m active mass [kg], w silicon(-oxide) mass fraction [1], S BET area of the graphite
    part [m^2/kg], q_0 and k the SEI charge per area and its growth rate. The surface term
    counts the graphite only: the SEI on the silicon's own surface is already in its
    half-cell first-cycle efficiency FCE_Si (the irreversible charge of the first
    lithiation: SEI on the expanding particles plus lithium silicates), so counting the
    silicon's area with q_0 as well would count its SEI twice. With the material data
    (graphite 1.5 m^2/g at 74.1 C/m^2; 8 wt% SiOx at 1600 mAh/g, FCE 0.72) the blend
    loses 78 mAh per g against its 455 mAh/g, a first-cycle efficiency of 0.85, the
    blend's own tabulated value (Si-graphite 0.80-0.90).
    """
    if aam.sei_charge_per_area is None:
        raise ValueError(f"anode.active_material = {aam.name!r} has no "
                         "sei_charge_per_area [C/m^2] in the material data")
    host = np.asarray(anode_active_mass, dtype=float) * (1 - silicon)
    loss = formation.sei_lithium_loss(host * specific_surface_area, aam.sei_charge_per_area,
                                      sei_growth_rate, duration)
    if silicon:
        loss = loss + formation.silicon_first_cycle_loss(
            np.asarray(anode_active_mass) * silicon, aam.silicon_specific_capacity,
            aam.silicon_first_cycle_efficiency)
    return loss


def anode_surface_area(recipe: Recipe) -> float:
    """BET area of the anode's graphite [m^2/kg] (for a silicon blend: of its graphite
    part, see :func:`anode_first_cycle_loss`): the recipe's value, else the material's."""
    aam = recipe.material("anode", "active_material")
    if "anode.active_material_bet_surface_area" in recipe.settings:
        return recipe.value("anode.active_material_bet_surface_area")
    if aam.specific_surface_area is None:
        raise ValueError(f"anode.active_material = {aam.name!r} has no specific_surface_area "
                         "in the material data; give anode.active_material_bet_surface_area")
    return aam.specific_surface_area


def nominal_balance(recipe: Recipe) -> balancing.ElectrodeBalance:
    """The balance of the recipe's nominal cell (per unit cathode area), for converting the
    formation protocol's voltages to states of charge. Depends on the recipe only."""
    cathode_ocv, anode_ocv, cathode_capacity, anode_capacity = half_cell_curves(recipe)
    masses = {e: recipe.value(f"{e}.coating_areal_loading")
              * mass_fractions(recipe, e)["active_material"] for e in ("cathode", "anode")}
    q_p = masses["cathode"] * cathode_capacity
    q_n = masses["anode"] * anode_capacity
    loss = first_cycle_loss(recipe, masses["anode"], anode_surface_area(recipe),
                            recipe.get("formation.sei_growth_rate", 0.0),
                            recipe.value("aging_eol.aging_time"))
    v_max, v_min = cutoff_voltages(recipe)
    cam = recipe.material("cathode", "active_material")
    return balancing.balance_electrodes(q_p, q_n, q_p - loss, cathode_ocv, anode_ocv, v_max,
                                        v_min, cam.first_cycle_efficiency)


def _protocol_steps(recipe: Recipe):
    steps = list(recipe.text("formation.formation_protocol", []))
    cycles = list(recipe.text("formation.formation_cycle", []))
    sequence = [("formation.formation_protocol", i, s) for i, s in enumerate(steps)]
    for _ in range(int(recipe.get("formation.formation_cycle_count", 0))):
        sequence += [("formation.formation_cycle", i, s) for i, s in enumerate(cycles)]
    return sequence


def formation_protocol(recipe: Recipe, draw: SettingDraws | None = None) -> dict:
    """Time [s] and electric energy per capacity [J/C = V] of the recipe's formation.

    CC steps last dSOC / C-rate, CV holds tau ln(I_0 / I_cut) (An et al. 2017); voltages
    map to states of charge on the OCV curve of the recipe's nominal electrode balance;
    the energy is the charge of each step (a share of the capacity) times the mean OCV
    over it, through the cycler efficiency (``formation.formation_charger_efficiency``,
    ``formation.formation_energy_recovery_efficiency``); aging adds time but no electric
    energy. With
    ``draw`` the C-rates and aging time are the sample draws (arrays), else the nominal
    values. Returns ``{"formation_duration": s, "energy_per_capacity": J/C}``; see
    :func:`formation_time_and_energy` for one cell.
    """
    value = recipe.value if draw is None else draw
    balance = nominal_balance(recipe)
    cathode_ocv, anode_ocv, _, _ = half_cell_curves(recipe)
    soc_grid, ocv = balancing.cell_ocv_table(balance, cathode_ocv, anode_ocv)
    soc = recipe.get("formation.formation_start_soc", 0.0)
    total, last_rate = 0.0, None
    moved = {"in": [0.0, 0.0], "out": [0.0, 0.0]}  # share of capacity, share x mean OCV
    for prefix, i, step in _protocol_steps(recipe):
        path = f"{prefix}.{i}"
        kind = step["formation_step_type"]
        if kind in ("charge", "discharge"):
            cutoff_path = f"{path}.formation_cutoff_voltage"
            target = (formation.soc_at_voltage(recipe.value(cutoff_path), soc_grid, ocv)
                      if cutoff_path in recipe.settings
                      else recipe.value(f"{path}.formation_target_soc"))
            rate = value(f"{path}.formation_c_rate")  # [1/s]
            delta = abs(target - soc)
            if delta > 0:
                total = total + formation.cc_step_duration(delta, rate)
                side = moved["in" if target > soc else "out"]
                side[0] += delta
                side[1] += delta * _mean_ocv(soc_grid, ocv, soc, target)
            soc, last_rate = target, rate
        elif kind == "cv":
            cutoff = recipe.value(f"{path}.formation_cv_cutoff_c_rate")  # [1/s]
            tau = recipe.value(f"{path}.formation_cv_time_constant")
            total = total + formation.cv_step_duration(last_rate, cutoff, tau)
        elif kind == "rest":
            total = total + recipe.value(f"{path}.formation_rest_time")
        else:
            raise ValueError(f"{path}.formation_step_type = {kind!r} is not charge, "
                             "discharge, cv or rest")
    (share_in, volt_in), (share_out, volt_out) = moved["in"], moved["out"]
    energy = formation.formation_electric_energy(
        share_in, volt_in / share_in if share_in else 1.0,
        share_out, volt_out / share_out if share_out else 1.0,
        recipe.get("formation.formation_charger_efficiency", CHARGER_EFFICIENCY),
        recipe.get("formation.formation_energy_recovery_efficiency", RECOVERY_EFFICIENCY))
    return {"formation_duration": total + value("aging_eol.aging_time"),
            "energy_per_capacity": energy}


def formation_time_and_energy(recipe: Recipe, cell_capacity: float) -> tuple[float, float]:
    """Formation and aging time [s] and net electric energy [J] of one cell of the recipe
    with a capacity [C] (e.g. ``result.nominal["cell"]["cell_capacity"]``): for the factory."""
    protocol = formation_protocol(recipe)
    return float(protocol["formation_duration"]), float(protocol["energy_per_capacity"]
                                                        * cell_capacity)


def _mean_ocv(soc_grid, ocv, start, end) -> float:
    """Mean of the OCV table between two states of charge [V]."""
    low, high = sorted((float(start), float(end)))
    inside = (soc_grid > low) & (soc_grid < high)
    points = np.concatenate([[low], soc_grid[inside], [high]])
    values = np.interp(points, soc_grid, ocv)
    return float(np.trapezoid(values, points) / (high - low))


def run_formation(recipe: Recipe, draw: SettingDraws, geometry: cell_design.CellGeometry,
                  cathode: dict, anode: dict, assembled: dict, filled: dict) -> dict:
    """Protocol time and energy, SEI lithium loss, electrode balance (windows, capacity,
    open-circuit energy), gas, DCIR and k-value after formation."""
    cam = recipe.material("cathode", "active_material")
    cathode_ocv, anode_ocv, cathode_capacity, anode_capacity = half_cell_curves(recipe)
    area = geometry.cathode_coated_area
    cathode_mass = cathode["areal_loading"] * cathode["active_mass_fraction"] * area
    anode_mass = anode["areal_loading"] * anode["active_mass_fraction"] * area
    q_cathode = cathode_mass * cam.specific_capacity
    q_anode = anode_mass * recipe.material("anode", "active_material").specific_capacity
    protocol = formation_protocol(recipe, draw)
    duration = protocol["formation_duration"]
    # the SEI forms on the whole anode, overhang included
    anode_all = anode["areal_loading"] * anode["active_mass_fraction"] * geometry.anode_coated_area
    loss = first_cycle_loss(recipe, anode_all, anode_surface_area(recipe),
                            draw("formation.sei_growth_rate"), duration)
    q_p = cathode_mass * cathode_capacity
    q_n = anode_mass * anode_capacity
    v_max, v_min = cutoff_voltages(recipe)
    balance = balancing.balance_electrodes(q_p, q_n, q_p - loss, cathode_ocv, anode_ocv, v_max,
                                           v_min, cam.first_cycle_efficiency,
                                           workers=draw.workers)
    capacity = balance.capacity
    temperature = draw("formation.formation_chamber_temperature")
    gas = formation.formation_gas_volume(loss, recipe.value("formation.sei_gas_fraction"),
                                         temperature)
    sep = recipe.separator()
    ely = materials.electrolyte(recipe.text("electrolyte_filling.electrolyte"))
    dcir = formation.dc_internal_resistance(
        area, cathode["coating_thickness"], cathode["porosity"], anode["coating_thickness"],
        anode["porosity"], sep.thickness, sep.porosity, ely.ionic_conductivity,
        draw("formation.charge_transfer_area_specific_resistance"), assembled["tab_resistance"])
    soc_ship = recipe.value("aging_eol.aging_state_of_charge")
    slope = balance.open_circuit_voltage_and_slope(cathode_ocv, anode_ocv, soc_ship)[1]
    k_value = formation.self_discharge_k_value(draw("formation.leakage_current_density"), area,
                                               capacity / slope)
    first_charge = q_p * (1 - balance.y_100)
    return {"formation_duration": duration, "sei_lithium_loss": loss,
            "first_cycle_irreversible_capacity_loss": 1 - capacity / first_charge,
            "formation_gas_volume": gas, "formation_discharge_capacity": capacity,
            "formation_internal_resistance": dcir, "cell_self_discharge_k_value": k_value,
            "cathode.electrode_capacity": q_cathode, "anode.electrode_capacity": q_anode,
            "formation_aging_energy_per_cell": protocol["energy_per_capacity"] * capacity,
            "lithium_inventory": q_p - loss,
            "anode.stoichiometry_at_0_soc": balance.x_0,
            "anode.stoichiometry_at_100_soc": balance.x_100,
            "cathode.stoichiometry_at_0_soc": balance.y_0,
            "cathode.stoichiometry_at_100_soc": balance.y_100,
            "cell_open_circuit_energy": balance.energy,
            "cell_open_circuit_mean_voltage": balance.mean_voltage}


def run_end_of_line(recipe: Recipe, draw: SettingDraws, formed: dict) -> dict:
    """Measured capacity, energy, DCIR, OCV and k-value with instrument noise.

    Energy at the test's discharge rate: the open-circuit energy of the balanced window
    less the ohmic loss, E = Q (U_mean - I R)."""
    capacity = formed["formation_discharge_capacity"]
    voltage = formed["cell_open_circuit_mean_voltage"]
    current = capacity * recipe.value("aging_eol.eol_discharge_c_rate")  # [1/s] x [A s]
    energy = end_of_line.discharge_energy(capacity, voltage,
                                          formed["formation_internal_resistance"], current)
    cathode_ocv, anode_ocv, _, _ = half_cell_curves(recipe)
    ocv_0 = _window_ocv(formed, cathode_ocv, anode_ocv,
                        recipe.value("aging_eol.aging_state_of_charge"))
    rest = recipe.value("aging_eol.k_value_rest_time")
    ocv_1 = end_of_line.ocv_after_rest(ocv_0, formed["cell_self_discharge_k_value"], rest)
    u_ocv = recipe.value("aging_eol.eol_ocv_uncertainty")
    noise = draw.normals(5)  # one block: OCV before and after the rest, capacity, energy, DCIR
    ocv_0_meas = end_of_line.measured_value(ocv_0, u_ocv, noise[0])
    ocv_1_meas = end_of_line.measured_value(ocv_1, u_ocv, noise[1])
    return {
        "eol_discharge_capacity": end_of_line.measured_value(
            capacity, recipe.value("aging_eol.eol_capacity_relative_uncertainty") * capacity,
            noise[2]),
        "eol_discharge_energy": end_of_line.measured_value(
            energy, recipe.value("aging_eol.eol_capacity_relative_uncertainty") * energy,
            noise[3]),
        "eol_dc_internal_resistance": end_of_line.measured_value(
            formed["formation_internal_resistance"], recipe.value("aging_eol.eol_dcir_uncertainty"),
            noise[4]),
        "eol_open_circuit_voltage": ocv_1_meas,
        "self_discharge_k_value": (ocv_0_meas - ocv_1_meas) / rest,
        "cell_energy": energy,
        "cell_nominal_voltage": voltage - current * formed["formation_internal_resistance"],
    }


def _window_ocv(formed: dict, cathode_ocv, anode_ocv, soc: float):
    x_0 = formed["anode.stoichiometry_at_0_soc"]
    x_100 = formed["anode.stoichiometry_at_100_soc"]
    y_0 = formed["cathode.stoichiometry_at_0_soc"]
    y_100 = formed["cathode.stoichiometry_at_100_soc"]
    x = x_0 + soc * (x_100 - x_0)
    y = y_0 - soc * (y_0 - y_100)
    return cathode_ocv(y) - anode_ocv(x)
