"""The structure of one manufactured cell, as the performance model reads it.

:class:`CellStructure` holds what the process chain made (per sample, SI): the coated
layers, their porosity and active-material volume fraction, particle radii, Bruggeman
exponents, the facing electrode area and the anode overhang, the separator, the
electrolyte, the lithium inventory after formation and the cut-off voltages.
:func:`structure_from_chain` is the one adapter from a :class:`~gigatwin.twin.ChainResult`;
nothing else in this package reads the twin's output names.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigatwin import materials
from gigatwin.checks import require_range
from gigatwin.twin import cell_steps, chain
from gigatwin.twin.recipe import Recipe
from gigatwin.twin.results import ChainResult

BRUGGEMAN_SPHERES = 1.5  # Bruggeman (1935) for spheres; the twin's filling step uses it too


@dataclass(frozen=True)
class ElectrodeStructure:
    """One coated layer of an electrode (SI).

    coating_thickness : one layer, without foil [m]
    porosity, active_volume_fraction : [1]; the rest of the solid is carbon and binder
    particle_radius : active-material particles, d50 / 2 [m]
    active_density : [kg/m^3]; specific_capacity : reversible capacity of the active
        material in the cell's voltage window [C/kg]
    bruggeman_exponent : b in tau = eps^(1 - b) [1]
    foil_thickness : current collector [m]
    """

    coating_thickness: float
    porosity: float
    active_volume_fraction: float
    particle_radius: float
    active_density: float
    specific_capacity: float
    bruggeman_exponent: float = BRUGGEMAN_SPHERES
    foil_thickness: float = 10e-6

    @property
    def inactive_volume_fraction(self) -> float:
        """Carbon and binder: 1 - porosity - active fraction [1]."""
        return 1.0 - self.porosity - self.active_volume_fraction

    @property
    def tortuosity(self) -> float:
        """Bruggeman tortuosity factor tau = eps^(1 - b) [1]."""
        return self.porosity ** (1.0 - self.bruggeman_exponent)

    @property
    def areal_capacity(self) -> float:
        """Reversible capacity per coated face [C/m^2]."""
        return (self.coating_thickness * self.active_volume_fraction * self.active_density
                * self.specific_capacity)


@dataclass(frozen=True)
class CellStructure:
    """The structure of one cell (SI). Electrode names follow the twin (cathode, anode).

    electrode_area : facing cathode area, all coated faces [m^2]
    electrode_height : coated height (PyBaMM's electrode height) [m]
    anode_overhang_area : anode coated area beyond the cathode [m^2]
    separator_thickness [m], separator_porosity [1]
    electrolyte_conductivity : at 1 mol/L and 25 C [S/m]
    electrolyte_fill_ratio : electrolyte volume / pore volume [1]
    first_charge_capacity : lithium moved to the anode on the first charge [C]
    formation_lithium_loss : lithium bound in the SEI by formation [C]
    lower_voltage, upper_voltage : cut-off voltages [V]
    nominal_capacity : capacity that defines 1C [C]
    contact_resistance : tabs and welds, in series [ohm]
    cell_mass [kg], cell_volume [m^3] : for energy densities
    """

    name: str
    cathode_material: str
    anode_material: str
    cathode: ElectrodeStructure
    anode: ElectrodeStructure
    electrode_area: float
    electrode_height: float
    anode_overhang_area: float
    separator_thickness: float
    separator_porosity: float
    electrolyte_conductivity: float
    electrolyte_fill_ratio: float
    first_charge_capacity: float
    formation_lithium_loss: float
    lower_voltage: float
    upper_voltage: float
    nominal_capacity: float
    contact_resistance: float = 0.0
    cell_mass: float = float("nan")
    cell_volume: float = float("nan")
    separator_bruggeman_exponent: float = BRUGGEMAN_SPHERES

    @property
    def charged_anode_lithium(self) -> float:
        """Lithium in the anode at the top of charge after formation [C]."""
        return self.first_charge_capacity - self.formation_lithium_loss


def check_structure(structure: CellStructure) -> None:
    """Raise a RangeError naming the field when the structure is not physical.

    Porosity plus active and inactive volume fractions must stay within 1; thicknesses,
    radii and areas positive; the electrolyte must fill the pores (the 1D model has no
    dry pores); the formation loss below the first charge.
    """
    for side in ("cathode", "anode"):
        e: ElectrodeStructure = getattr(structure, side)
        require_range(f"{side}.porosity", e.porosity, unit="1", gt=0, lt=1)
        require_range(f"{side}.active_volume_fraction", e.active_volume_fraction, unit="1",
                      gt=0, le=1 - e.porosity,
                      context=f"porosity {e.porosity:.4g} + active + inactive <= 1")
        for name, unit in (("coating_thickness", "m"), ("particle_radius", "m"),
                           ("active_density", "kg/m^3"), ("specific_capacity", "C/kg"),
                           ("foil_thickness", "m")):
            require_range(f"{side}.{name}", getattr(e, name), unit=unit, gt=0)
        require_range(f"{side}.bruggeman_exponent", e.bruggeman_exponent, unit="1", ge=1, le=3)
    require_range("electrode_area", structure.electrode_area, unit="m^2", gt=0)
    require_range("electrode_height", structure.electrode_height, unit="m", gt=0)
    require_range("anode_overhang_area", structure.anode_overhang_area, unit="m^2", ge=0)
    require_range("separator_thickness", structure.separator_thickness, unit="m", gt=0)
    require_range("separator_porosity", structure.separator_porosity, unit="1", gt=0, lt=1)
    require_range("electrolyte_conductivity", structure.electrolyte_conductivity, unit="S/m",
                  gt=0)
    require_range("electrolyte_fill_ratio", structure.electrolyte_fill_ratio, unit="1", ge=1,
                  context="the model needs fully wetted pores")
    require_range("formation_lithium_loss", structure.formation_lithium_loss, unit="C", ge=0,
                  lt=structure.first_charge_capacity)
    require_range("lower_voltage", structure.lower_voltage, unit="V", gt=0,
                  lt=structure.upper_voltage)
    require_range("nominal_capacity", structure.nominal_capacity, unit="C", gt=0)
    require_range("contact_resistance", structure.contact_resistance, unit="ohm", ge=0)


def structure_from_chain(result: ChainResult, recipe: Recipe,
                         sample: int | None = None) -> CellStructure:
    """The structure of sample ``sample`` of a chain run (``None``: the nominal cell).

    This is the one place that reads the twin's outputs (spec keys, ``step.[electrode.]key``).
    Cut-off voltages are the recipe's rated window (``aging_eol.eol_upper_cutoff_voltage``,
    ``eol_lower_cutoff_voltage``); the area is the formation capacity over the areal
    capacity; the lithium is the twin's electrode balance: the first charge moves
    Q_p (1 - y100) out of the cathode (Q_p = the lithium inventory plus the SEI loss, all of
    it in the cathode when assembled; y100 its stoichiometry at the upper cut-off).
    """
    def get(step: str, name: str) -> float:
        if sample is None:
            if result.nominal is None:
                raise ValueError("the chain result has no nominal run; pass a sample index")
            return float(result.nominal[step][name])
        return float(result.outputs[step][name][sample])

    electrodes = {side: _electrode(recipe, side, get) for side in ("cathode", "anode")}
    area = get("formation", "cathode.electrode_capacity") / get("cell", "cathode.areal_capacity")
    sep = recipe.separator()
    geometry = chain.design(recipe)
    loss = get("formation", "sei_lithium_loss")
    cathode_lithium = get("formation", "lithium_inventory") + loss
    upper, lower = cell_steps.cutoff_voltages(recipe)
    return CellStructure(
        name=recipe.name if sample is None else f"{recipe.name} #{sample}",
        cathode_material=recipe.text("cathode.active_material"),
        anode_material=recipe.text("anode.active_material"),
        cathode=electrodes["cathode"], anode=electrodes["anode"],
        electrode_area=area, electrode_height=recipe.value("cell.cathode_sheet_height"),
        anode_overhang_area=max(geometry.anode_coated_area - geometry.cathode_coated_area, 0.0),
        separator_thickness=sep.thickness, separator_porosity=sep.porosity,
        electrolyte_conductivity=materials.electrolyte(
            recipe.text("electrolyte_filling.electrolyte")).ionic_conductivity,
        electrolyte_fill_ratio=(get("electrolyte_filling", "electrolyte_volume")
                                / get("electrolyte_filling", "pore_volume")),
        first_charge_capacity=cathode_lithium * (
            1 - get("formation", "cathode.stoichiometry_at_100_soc")),
        formation_lithium_loss=loss,
        lower_voltage=lower, upper_voltage=upper,
        nominal_capacity=get("formation", "formation_discharge_capacity"),
        contact_resistance=get("assembly", "tab_resistance"),
        cell_mass=get("cell", "cell_mass"), cell_volume=get("cell", "cell_volume"))


def _electrode(recipe: Recipe, side: str, get) -> ElectrodeStructure:
    am = recipe.material(side, "active_material")
    thickness = get("calendering", f"{side}.calendered_thickness")
    loading = get("coating", f"{side}.coating_areal_loading")
    active = (loading * get("mixing", f"{side}.active_material_mass_fraction")
              / (am.density * thickness))
    return ElectrodeStructure(
        coating_thickness=thickness, porosity=get("calendering", f"{side}.calendered_porosity"),
        active_volume_fraction=active, particle_radius=am.particle_size_d50 / 2,
        active_density=am.density, specific_capacity=am.specific_capacity,
        foil_thickness=recipe.value(f"{side}.current_collector_thickness"))
