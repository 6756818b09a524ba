"""Cell design: geometry of the stack or jelly roll, areas, capacity, N/P, mass, volume, energy.

The design (sheet count or winding length) is fixed once per recipe from the nominal
electrode thicknesses, as a plant does; each Monte Carlo sample then gets its own stack
thickness or jelly-roll size, capacity, mass and energy from its own electrode structure.
Formulas: capacity = areal loading x active fraction x specific capacity x area; N/P = anode
over cathode areal capacity; energy density = energy / mass or volume
(standard cell design relations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigatwin.steps import assembly
from gigatwin.twin.recipe import Recipe


@dataclass(frozen=True)
class CellGeometry:
    """Design geometry of one cell (SI). Areas count every coated face."""

    cell_format: str
    cathode_sheet_count: float  # pouch: double-sided cathode sheets; wound: 0
    winding_length: float  # wound: cathode length [m]; pouch: 0
    cathode_coated_area: float  # [m^2], all faces = facing area
    anode_coated_area: float  # [m^2], all faces incl. overhang
    separator_area: float  # [m^2], all layers
    wetting_distance: float  # [m], open edge to the farthest point
    placement_units: float  # sheets (stacked) or turns (wound) for the misalignment model
    placement_axes: int  # 2 stacked, 1 wound
    jelly_rolls: int


def design_geometry(recipe: Recipe, cathode_thickness: float, anode_thickness: float,
                    separator_thickness: float) -> CellGeometry:
    """Sheet count (pouch) or winding length (cylindrical, prismatic) from nominal thicknesses.

    cathode_thickness, anode_thickness : double-sided electrode incl. foil [m];
    separator_thickness [m].
    """
    fmt = recipe.cell_format
    overhang = recipe.value("assembly.anode_overhang")
    height = recipe.value("cell.cathode_sheet_height")
    pitch = cathode_thickness + anode_thickness + 2 * separator_thickness
    if fmt == "pouch":
        width = recipe.value("cell.cathode_sheet_width")
        n = assembly.stack_sheet_count(recipe.value("cell.design_stack_thickness"), cathode_thickness,
                                       anode_thickness, separator_thickness)
        anode_sheet = (width + 2 * overhang) * (height + 2 * overhang)
        return CellGeometry(fmt, n, 0.0, 2 * n * width * height, 2 * (n + 1) * anode_sheet,
                            (2 * n + 2) * anode_sheet * 1.02, min(width, height) / 2 + overhang,
                            n, 2, 1)
    rolls = int(recipe.get("cell.jelly_roll_count", 1))
    if fmt == "cylindrical":
        area = assembly.cylindrical_winding_area(recipe.value("cell.design_jelly_roll_diameter"),
                                                 recipe.value("cell.mandrel_diameter"))
        turns = (recipe.value("cell.design_jelly_roll_diameter") - recipe.value("cell.mandrel_diameter")) \
            / (2 * pitch)
    else:
        area = assembly.flat_winding_area(recipe.value("cell.design_jelly_roll_thickness"),
                                          recipe.value("cell.jelly_roll_width"))
        turns = recipe.value("cell.design_jelly_roll_thickness") / (2 * pitch)
    length = assembly.winding_length(area, cathode_thickness, anode_thickness, separator_thickness)
    anode_area = 2 * (length + 2 * overhang) * (height + 2 * overhang)
    return CellGeometry(fmt, 0.0, length, rolls * 2 * length * height, rolls * anode_area,
                        rolls * anode_area * 1.02,
                        (height + 2 * overhang) / 2, max(turns, 1.0), 1, rolls)


def stack_size(geometry: CellGeometry, recipe: Recipe, cathode_thickness, anode_thickness,
               separator_thickness):
    """Per-sample size of the stack: pouch stack thickness, round jelly-roll diameter or flat
    jelly-roll thickness [m]."""
    if geometry.cell_format == "pouch":
        return assembly.stack_thickness(geometry.cathode_sheet_count, cathode_thickness,
                                        anode_thickness, separator_thickness)
    pitch = cathode_thickness + anode_thickness + 2 * np.asarray(separator_thickness)
    if geometry.cell_format == "cylindrical":
        return assembly.jelly_roll_diameter(geometry.winding_length,
                                            recipe.value("cell.mandrel_diameter"), pitch)
    return assembly.flat_roll_thickness(geometry.winding_length * pitch,
                                        recipe.value("cell.jelly_roll_width"))


def cell_volume(geometry: CellGeometry, recipe: Recipe, stack):
    """External cell volume [m^3]: pouch from its outline and the stack; cans are fixed."""
    if geometry.cell_format == "pouch":
        thickness = np.asarray(stack) + 2 * recipe.value("cell.pouch_foil_thickness")
        return recipe.value("cell.pouch_length") * recipe.value("cell.pouch_width") * thickness
    if geometry.cell_format == "cylindrical":
        return np.broadcast_to(np.pi / 4 * recipe.value("cell.can_diameter") ** 2
                               * recipe.value("cell.can_height"), np.shape(stack))
    return np.broadcast_to(recipe.value("cell.can_length") * recipe.value("cell.can_width")
                           * recipe.value("cell.can_thickness"), np.shape(stack))


def areal_capacity(areal_loading, active_mass_fraction, specific_capacity):
    """Areal capacity of one coated face: q = m_A w_AM c [C/m^2].

    areal_loading [kg/m^2], active_mass_fraction [1], specific_capacity [C/kg].
    """
    return np.asarray(areal_loading) * active_mass_fraction * specific_capacity


def np_ratio(anode_areal_capacity, cathode_areal_capacity):
    """N/P ratio: anode over cathode reversible areal capacity [1] (typical 1.05-1.2)."""
    return np.asarray(anode_areal_capacity) / cathode_areal_capacity


def energy_densities(energy, mass, volume):
    """Gravimetric [J/kg] and volumetric [J/m^3] energy density."""
    return np.asarray(energy) / mass, np.asarray(energy) / volume
