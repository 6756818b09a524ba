"""The cell-level half of the chain: assembly, filling, formation, end-of-line, cell figures.

Each function takes the per-sample structure handed down by the steps before it (arrays)
and the setting draws, calls the step models of :mod:`gigatwin.steps` and returns a dict of
output arrays in SI. No per-sample Python and no pint here.
"""

from __future__ import annotations

import numpy as np

from gigatwin import materials
from gigatwin.steps import assembly, end_of_line, filling, formation
from gigatwin.twin import cell_design
from gigatwin.twin.recipe import Recipe
from gigatwin.twin.sampling import SettingDraws, constant

GAS_CONSTANT = 8.314462618
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
    """Pore volume, electrolyte volume and mass, wetting time (slowest electrode)."""
    sep = recipe.separator()
    ely = materials.electrolyte(recipe.text("electrolyte_filling.electrolyte"))
    pores = (filling.pore_volume(geometry.cathode_coated_area, cathode["coating_thickness"],
                                 cathode["porosity"])
             + filling.pore_volume(geometry.anode_coated_area, anode["coating_thickness"],
                                   anode["porosity"])
             + filling.pore_volume(geometry.separator_area, sep.thickness, sep.porosity))
    volume = filling.electrolyte_volume(pores, draw("electrolyte_filling.electrolyte_volume_factor"))
    viscosity = filling.electrolyte_viscosity(
        draw("electrolyte_filling.filling_temperature"), ely.viscosity_reference,
        ely.viscosity_activation_temperature * GAS_CONSTANT, ely.viscosity_reference_temperature)
    drive = filling.vacuum_driving_pressure(recipe.get("electrolyte_filling.filling_ambient_pressure", 101325.0),
                                            draw("electrolyte_filling.filling_chamber_pressure"))
    times = [filling.washburn_wetting_time(
        geometry.wetting_distance,
        filling.carman_capillary_radius(e["porosity"], e["particle_diameter"]),
        filling.bruggeman_tortuosity(e["porosity"]), ely.surface_tension,
        ely.contact_angle_on_electrode, viscosity, drive) for e in (cathode, anode)]
    return {"pore_volume": pores, "electrolyte_volume": volume,
            "electrolyte_mass": volume * ely.density, "electrolyte_viscosity": viscosity,
            "wetting_time": np.maximum(*times)}


def protocol_duration(recipe: Recipe, draw: SettingDraws) -> np.ndarray:
    """Formation protocol duration (CC, CV, rest steps, repeated cycles) plus aging [s]."""
    ocv = recipe.text("cell.ocv_curve")
    soc = recipe.get("formation.formation_start_soc", 0.0)
    total = constant(0.0, draw.samples)
    last_rate = None
    steps = list(recipe.text("formation.formation_protocol", []))
    cycles = list(recipe.text("formation.formation_cycle", []))
    sequence = [("formation.formation_protocol", i, s) for i, s in enumerate(steps)]
    for _ in range(int(recipe.get("formation.formation_cycle_count", 0))):
        sequence += [("formation.formation_cycle", i, s) for i, s in enumerate(cycles)]
    for prefix, i, step in sequence:
        path = f"{prefix}.{i}"
        kind = step["formation_step_type"]
        if kind in ("charge", "discharge"):
            target = (formation.soc_at_voltage(recipe.value(f"{path}.formation_cutoff_voltage"), ocv["soc"],
                                               ocv["voltage"])
                      if f"{path}.formation_cutoff_voltage" in recipe.settings
                      else recipe.value(f"{path}.formation_target_soc"))
            rate = draw(f"{path}.formation_c_rate")  # [1/s]
            delta = abs(target - soc)
            if delta > 0:
                total = total + formation.cc_step_duration(delta, rate)
            soc, last_rate = target, rate
        elif kind == "cv":
            cutoff = recipe.value(f"{path}.formation_cv_cutoff_c_rate")  # [1/s]
            total = total + formation.cv_step_duration(last_rate, cutoff,
                                                       recipe.value(f"{path}.formation_cv_time_constant"))
        elif kind == "rest":
            total = total + recipe.value(f"{path}.formation_rest_time")
        else:
            raise ValueError(f"{path}.formation_step_type = {kind!r} is not charge, discharge, cv or rest")
    return total + draw("aging_eol.aging_time")


def run_formation(recipe: Recipe, draw: SettingDraws, geometry: cell_design.CellGeometry,
                  cathode: dict, anode: dict, assembled: dict, filled: dict) -> dict:
    """Protocol time, SEI lithium loss, gas, capacity, DCIR and k-value after formation."""
    cam = recipe.material("cathode", "active_material")
    aam = recipe.material("anode", "active_material")
    area = geometry.cathode_coated_area
    q_cathode = cell_design.areal_capacity(cathode["areal_loading"], cathode["active_mass_fraction"],
                                           cam.specific_capacity) * area
    q_anode = cell_design.areal_capacity(anode["areal_loading"], anode["active_mass_fraction"],
                                         aam.specific_capacity) * area
    duration = protocol_duration(recipe, draw)
    bet = recipe.value("anode.active_material_bet_surface_area")
    anode_active_mass = anode["areal_loading"] * anode["active_mass_fraction"] * area
    # First-cycle SEI charge per area from the material's first-cycle efficiency (Joho 2001:
    # loss linear in surface area), growth over the protocol and aging (Ploehn 2004).
    q0 = aam.specific_capacity * (1 / aam.first_cycle_efficiency - 1) / bet
    loss = formation.sei_lithium_loss(anode_active_mass * bet, q0,
                                      draw("formation.sei_growth_rate"), duration)
    capacity = formation.capacity_after_formation(q_cathode, q_anode, loss,
                                                  cam.first_cycle_efficiency)
    temperature = draw("formation.formation_chamber_temperature")
    gas = formation.formation_gas_volume(loss, recipe.value("formation.sei_gas_fraction"), temperature)
    sep = recipe.separator()
    ely = materials.electrolyte(recipe.text("electrolyte_filling.electrolyte"))
    dcir = formation.dc_internal_resistance(
        area, cathode["coating_thickness"], cathode["porosity"], anode["coating_thickness"],
        anode["porosity"], sep.thickness, sep.porosity, ely.ionic_conductivity,
        draw("formation.charge_transfer_area_specific_resistance"), assembled["tab_resistance"])
    ocv = recipe.text("cell.ocv_curve")
    soc_ship = recipe.value("aging_eol.aging_state_of_charge")
    slope = _ocv_slope(ocv, soc_ship)  # dV/dSOC [V]
    k_value = formation.self_discharge_k_value(draw("formation.leakage_current_density"), area,
                                               capacity / slope)
    first_charge = q_cathode / cam.first_cycle_efficiency
    return {"formation_duration": duration, "sei_lithium_loss": loss,
            "first_cycle_irreversible_capacity_loss": 1 - capacity / first_charge,
            "formation_gas_volume": gas, "formation_discharge_capacity": capacity,
            "formation_internal_resistance": dcir, "cell_self_discharge_k_value": k_value,
            "cathode.electrode_capacity": q_cathode, "anode.electrode_capacity": q_anode}


def _ocv_slope(ocv: dict, soc: float) -> float:
    soc_points = np.asarray(ocv["soc"], dtype=float)
    volts = np.asarray(ocv["voltage"], dtype=float)
    i = int(np.clip(np.searchsorted(soc_points, soc), 1, len(soc_points) - 1))
    return float((volts[i] - volts[i - 1]) / (soc_points[i] - soc_points[i - 1]))


def run_end_of_line(recipe: Recipe, draw: SettingDraws, formed: dict) -> dict:
    """Measured capacity, energy, DCIR, OCV and k-value with instrument noise."""
    cam = recipe.material("cathode", "active_material")
    aam = recipe.material("anode", "active_material")
    voltage = cam.average_voltage_vs_li - aam.average_voltage_vs_li
    capacity = formed["formation_discharge_capacity"]
    current = capacity * recipe.value("aging_eol.eol_discharge_c_rate")  # [1/s] x [A s]
    energy = end_of_line.discharge_energy(capacity, voltage, formed["formation_internal_resistance"],
                                         current)
    ocv = recipe.text("cell.ocv_curve")
    ocv_0 = float(np.interp(recipe.value("aging_eol.aging_state_of_charge"), ocv["soc"],
                            ocv["voltage"]))
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
        "cell_nominal_voltage": constant(voltage, draw.samples),
    }
