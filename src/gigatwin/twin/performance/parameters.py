"""A PyBaMM parameter set for one manufactured cell: the twin's structure on a published base.

From the structure (:class:`~.structure.CellStructure`) the mapping sets, for each
electrode (PyBaMM's *negative* is the anode, *positive* the cathode):

- thickness, porosity, active-material volume fraction, particle radius (d50 / 2) and the
  Bruggeman exponent of the electrolyte path (tortuosity tau = eps^(1 - b));
- the maximum lithium concentration c_max = q rho / (F dx), where q is the material's
  reversible specific capacity [C/kg], rho its density and dx the width of the base cell's
  own stoichiometry window: a gigatwin material delivers its reversible capacity over the
  base cell's window, so the base set maps onto itself unchanged;
- the initial stoichiometries from the electrode balance (:mod:`.balancing`, the twin's
  shared balance on the base set's OCPs) of the
  formed cell: lithium in the anode at the top of charge = first-charge capacity minus
  the formation (SEI) loss;

and for the cell: the facing area (height x width, one electrode pair), separator
thickness, porosity and Bruggeman exponent, the electrolyte conductivity (the base set's
kappa(c_e, T) scaled to the electrolyte's kappa at 1 mol/L and 25 C), cut-off voltages,
nominal capacity, current-collector thicknesses and the tab and weld resistance (PyBaMM's
contact resistance). Everything else -- open-circuit potentials, solid diffusivities,
exchange-current densities, electrolyte diffusivity and transference, electronic
conductivities, thermal data -- is the base set's, listed in
:attr:`CellParameters.from_base`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

import numpy as np

from gigatwin.citations import cite
from gigatwin.twin.balancing import HalfCellOCV
from gigatwin.twin.performance.balancing import (
    StoichiometryWindows,
    cyclable_lithium,
    half_cell,
    stoichiometry_windows,
)
from gigatwin.twin.performance.base_sets import BaseSet, base_set, base_set_for
from gigatwin.twin.performance.structure import CellStructure, ElectrodeStructure, check_structure

FARADAY = 96485.33212  # [C/mol]
REFERENCE_CONCENTRATION = 1000.0  # [mol/m^3], 1 mol/L: where electrolyte kappa is quoted
REFERENCE_TEMPERATURE = 298.15  # [K]
PYBAMM_NAMES = {"anode": "Negative", "cathode": "Positive"}


def pybamm():
    """Import PyBaMM with its telemetry off (the one import of PyBaMM in gigatwin)."""
    os.environ.setdefault("PYBAMM_DISABLE_TELEMETRY", "true")
    import pybamm as module

    return module


@dataclass
class CellParameters:
    """A PyBaMM parameter set of one cell, at 100 % state of charge, and its provenance.

    values : ``pybamm.ParameterValues``
    windows : the stoichiometry windows of the balance
    negative_capacity, positive_capacity, cyclable_lithium : Q_n, Q_p, Q_Li [C]
    from_structure : PyBaMM parameters set from the structure
    from_base : PyBaMM parameters kept from the base set
    """

    structure: CellStructure
    base: BaseSet
    values: object
    windows: StoichiometryWindows
    negative_capacity: float
    positive_capacity: float
    cyclable_lithium: float
    from_structure: list[str] = field(default_factory=list)
    from_base: list[str] = field(default_factory=list)

    def at_soc(self, soc: float):
        """A copy of the parameter values with the electrodes at state of charge ``soc``."""
        values = self.values.copy()
        values.update(_initial_concentrations(values, self.windows, soc))
        return values

    def summary(self) -> dict:
        """Windows, capacities and provenance as plain numbers (SI) and names."""
        w = self.windows
        return {"base_set": self.base.name, "base_cell": self.base.cell,
                "base_source": self.base.citation.text(),
                "windows": {"x0": w.x0, "x100": w.x100, "y0": w.y0, "y100": w.y100},
                "negative_capacity": self.negative_capacity,
                "positive_capacity": self.positive_capacity,
                "cyclable_lithium": self.cyclable_lithium,
                "from_structure": list(self.from_structure), "from_base": list(self.from_base)}


@functools.cache
def _base_values(name: str):
    return pybamm().ParameterValues(name)


def base_values(base: BaseSet):
    """A fresh copy of the base set's PyBaMM parameter values."""
    return _base_values(base.name).copy()


@functools.cache
def ocp_table(base_name: str, electrode: str, points: int = 2001) -> tuple[np.ndarray, np.ndarray]:
    """The base set's open-circuit potential U(stoichiometry) on a grid (finite values only).

    electrode : ``"Negative"`` or ``"Positive"``. Returns (stoichiometry [1], U [V]).
    """
    pb = pybamm()
    values = _base_values(base_name)
    sto = np.linspace(1e-6, 1 - 1e-6, points)
    function = values[f"{electrode} electrode OCP [V]"]
    symbol = function(pb.Vector(sto))
    potential = np.asarray(values.process_symbol(symbol).evaluate(), dtype=float).ravel()
    finite = np.isfinite(potential)
    return sto[finite], potential[finite]


@functools.cache
def _ocp(base_name: str, electrode: str) -> HalfCellOCV:
    """The base set's OCP as the shared balance's table (ends held where PyBaMM's fit is
    not finite)."""
    sto, volts = ocp_table(base_name, electrode)
    return half_cell(lambda x: np.interp(x, sto, volts))


@functools.cache
def base_windows(base_name: str) -> StoichiometryWindows:
    """The stoichiometry windows of the base cell itself, from its own lithium inventory
    (its initial concentrations) and cut-off voltages."""
    values = _base_values(base_name)
    q_n, q_p = (_capacity(values, e) for e in ("Negative", "Positive"))
    q_li = sum(FARADAY * values[f"Initial concentration in {e.lower()} electrode [mol.m-3]"]
               * values[f"{e} electrode active material volume fraction"]
               * values[f"{e} electrode thickness [m]"] * _area(values)
               for e in ("Negative", "Positive"))
    return stoichiometry_windows(q_n, q_p, q_li, _ocp(base_name, "Negative"),
                                 _ocp(base_name, "Positive"),
                                 values["Lower voltage cut-off [V]"],
                                 values["Upper voltage cut-off [V]"])


def _area(values) -> float:
    return (values["Electrode height [m]"] * values["Electrode width [m]"]
            * values["Number of electrodes connected in parallel to make a cell"])


def _capacity(values, electrode: str) -> float:
    """Q = F c_max eps_s L A [C], the electrode's full stoichiometry range."""
    return (FARADAY * values[f"Maximum concentration in {electrode.lower()} electrode [mol.m-3]"]
            * values[f"{electrode} electrode active material volume fraction"]
            * values[f"{electrode} electrode thickness [m]"] * _area(values))


def maximum_concentration(specific_capacity, density, window_width):
    """c_max = q rho / (F dx) [mol/m^3].

    specific_capacity q [C/kg], density rho [kg/m^3], window_width dx [1] (0, 1].
    """
    return np.asarray(specific_capacity) * density / (FARADAY * window_width)


def electrolyte_conductivity_at_reference(values) -> float:
    """The base set's kappa at 1 mol/L and its reference temperature [S/m]."""
    pb = pybamm()
    kappa = values["Electrolyte conductivity [S.m-1]"]
    if not callable(kappa):
        return float(kappa)
    return float(values.evaluate(kappa(pb.Scalar(REFERENCE_CONCENTRATION),
                                       pb.Scalar(REFERENCE_TEMPERATURE))))


def parameter_values(structure: CellStructure, base: BaseSet | None = None) -> CellParameters:
    """The PyBaMM parameter set of ``structure`` on ``base`` (default: by chemistry)."""
    check_structure(structure)
    base = base or base_set_for(structure.cathode_material, structure.anode_material)
    cite(base.citation)
    values = base_values(base)
    original = set(values.keys())
    window = base_windows(base.name)
    width = {"Negative": window.x100 - window.x0, "Positive": window.y0 - window.y100}
    update: dict = {}
    for side, electrode in PYBAMM_NAMES.items():
        update.update(_electrode_values(getattr(structure, side), electrode, width[electrode],
                                        keep_radius=electrode.lower() in base.keep_radius))
    update.update({
        "Electrode height [m]": structure.electrode_height,
        "Electrode width [m]": structure.electrode_area / structure.electrode_height,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Separator thickness [m]": structure.separator_thickness,
        "Separator porosity": structure.separator_porosity,
        "Separator Bruggeman coefficient (electrolyte)": structure.separator_bruggeman_exponent,
        "Lower voltage cut-off [V]": structure.lower_voltage,
        "Upper voltage cut-off [V]": structure.upper_voltage,
        "Open-circuit voltage at 0% SOC [V]": structure.lower_voltage,
        "Open-circuit voltage at 100% SOC [V]": structure.upper_voltage,
        "Nominal cell capacity [A.h]": structure.nominal_capacity / 3600,
        "Current function [A]": structure.nominal_capacity / 3600,
        "Contact resistance [Ohm]": structure.contact_resistance,
        "Negative current collector thickness [m]": structure.anode.foil_thickness,
        "Positive current collector thickness [m]": structure.cathode.foil_thickness,
        "Electrolyte conductivity [S.m-1]": _scaled_conductivity(
            values, structure.electrolyte_conductivity),
    })
    if np.isfinite(structure.cell_volume):
        update["Cell volume [m3]"] = structure.cell_volume
    values.update(update, check_already_exists=False)
    q_n, q_p = (_capacity(values, e) for e in ("Negative", "Positive"))
    ocp_n, ocp_p = _ocp(base.name, "Negative"), _ocp(base.name, "Positive")
    q_li = cyclable_lithium(q_n, q_p, structure.charged_anode_lithium, ocp_n, ocp_p,
                            structure.upper_voltage)
    windows = stoichiometry_windows(q_n, q_p, q_li, ocp_n, ocp_p, structure.lower_voltage,
                                    structure.upper_voltage)
    initial = _initial_concentrations(values, windows, 1.0)
    values.update(initial)
    set_here = sorted(set(update) | set(initial))
    return CellParameters(structure, base, values, windows, q_n, q_p, q_li, set_here,
                          sorted(original - set(set_here) - {"citations"}))


def _electrode_values(electrode: ElectrodeStructure, name: str, window_width: float,
                      keep_radius: bool) -> dict:
    values = {
        f"{name} electrode thickness [m]": electrode.coating_thickness,
        f"{name} electrode porosity": electrode.porosity,
        f"{name} electrode active material volume fraction": electrode.active_volume_fraction,
        f"{name} electrode Bruggeman coefficient (electrolyte)": electrode.bruggeman_exponent,
        f"Maximum concentration in {name.lower()} electrode [mol.m-3]": float(
            maximum_concentration(electrode.specific_capacity, electrode.active_density,
                                  window_width)),
    }
    if not keep_radius:
        values[f"{name} particle radius [m]"] = electrode.particle_radius
    return values


def _scaled_conductivity(values, conductivity: float):
    """The base kappa(c_e, T) times conductivity / kappa_base(1 mol/L, 25 C)."""
    base = values["Electrolyte conductivity [S.m-1]"]
    ratio = conductivity / electrolyte_conductivity_at_reference(values)
    if not callable(base):
        return base * ratio
    if abs(ratio - 1) < 1e-12:
        return base

    def electrolyte_conductivity_scaled(c_e, T):
        return ratio * base(c_e, T)

    return electrolyte_conductivity_scaled


def _initial_concentrations(values, windows: StoichiometryWindows, soc: float) -> dict:
    return {
        "Initial concentration in negative electrode [mol.m-3]":
            windows.negative(soc) * values["Maximum concentration in negative electrode [mol.m-3]"],
        "Initial concentration in positive electrode [mol.m-3]":
            windows.positive(soc) * values["Maximum concentration in positive electrode [mol.m-3]"],
    }


def structure_from_parameter_values(name: str, cathode_density: float,
                                    anode_density: float) -> CellStructure:
    """The structure of a published PyBaMM cell (the inverse of :func:`parameter_values`).

    The active-material densities [kg/m^3] only convert c_max into a specific capacity and
    back; the cell's lithium inventory is that of the set's initial concentrations.
    """
    base = base_set(name)
    values = _base_values(base.name)
    window = base_windows(base.name)
    width = {"Negative": window.x100 - window.x0, "Positive": window.y0 - window.y100}

    def electrode(e: str, density: float) -> ElectrodeStructure:
        c_max = values[f"Maximum concentration in {e.lower()} electrode [mol.m-3]"]
        return ElectrodeStructure(
            coating_thickness=values[f"{e} electrode thickness [m]"],
            porosity=values[f"{e} electrode porosity"],
            active_volume_fraction=values[f"{e} electrode active material volume fraction"],
            particle_radius=values[f"{e} particle radius [m]"], active_density=density,
            specific_capacity=FARADAY * c_max * width[e] / density,
            bruggeman_exponent=values[f"{e} electrode Bruggeman coefficient (electrolyte)"],
            # Prada2013 gives no current collectors: the structure's default foil then
            foil_thickness=values.get(f"{e} current collector thickness [m]",
                                      ElectrodeStructure.foil_thickness))

    return CellStructure(
        name=f"{base.name} ({base.cell})", cathode_material=base.cathodes[0],
        anode_material=base.anodes[0], cathode=electrode("Positive", cathode_density),
        anode=electrode("Negative", anode_density), electrode_area=_area(values),
        electrode_height=values["Electrode height [m]"], anode_overhang_area=0.0,
        separator_thickness=values["Separator thickness [m]"],
        separator_porosity=values["Separator porosity"],
        electrolyte_conductivity=electrolyte_conductivity_at_reference(values),
        electrolyte_fill_ratio=1.0,
        first_charge_capacity=window.x100 * _capacity(values, "Negative"),
        formation_lithium_loss=0.0,
        lower_voltage=values["Lower voltage cut-off [V]"],
        upper_voltage=values["Upper voltage cut-off [V]"],
        nominal_capacity=values["Nominal cell capacity [A.h]"] * 3600,
        separator_bruggeman_exponent=values["Separator Bruggeman coefficient (electrolyte)"])
