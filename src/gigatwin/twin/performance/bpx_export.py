"""Export a cell's parameter set as BPX (Battery Parameter eXchange) JSON.

BPX (https://bpxstandard.com, validated by the ``bpx`` package) fixes the functional forms
of a DFN parameterisation: constant electronic conductivities, transport efficiencies
instead of Bruggeman exponents, a Butler-Volmer exchange current
j0 = F k sqrt((c_e / c_e0)(c / c_max)(1 - c / c_max)) with one Arrhenius activation energy,
and concentration- or stoichiometry-dependent functions given as tables at the reference
temperature. The export therefore

- tabulates the base set's OCPs and diffusivities on the stoichiometry and the electrolyte
  conductivity (as scaled for the cell) and diffusivity on the concentration;
- takes k from the base exchange current at c = c_max / 2, c_e = 1 mol/L, T_ref, and every
  activation energy from the base function at T_ref and T_ref + 10 K;
- writes the stoichiometry windows of the cell's balance as the BPX stoichiometry limits.

A base set whose exchange current is not of the BPX form is approximated at half
lithiation; :func:`to_bpx` returns a document that ``bpx.parse_bpx_obj`` accepts.
"""

from __future__ import annotations

import copy
import inspect
import math

import numpy as np

from gigatwin.citations import Citation, cite, register
from gigatwin.twin.performance.parameters import (
    FARADAY,
    REFERENCE_CONCENTRATION,
    CellParameters,
    pybamm,
)

BPX_STANDARD = register(Citation(
    key="bpx2023", authors="The Faraday Institution and About:Energy",
    title="Battery Parameter eXchange (BPX): an open standard for physics-based battery "
          "model parameters", venue="bpxstandard.com", year=2023,
    url="https://bpxstandard.com"))
GAS_CONSTANT = 8.314462618  # [J/(mol K)]
TABLE_POINTS = 101


def _number(values, function, *args) -> np.ndarray:
    """Evaluate a PyBaMM parameter (number or function) at numeric arguments."""
    pb = pybamm()
    if not callable(function):
        return np.full(np.shape(args[0]), float(function)) if args else float(function)
    symbols = [pb.Vector(a) if np.ndim(a) else pb.Scalar(a) for a in args]
    result = np.asarray(values.process_symbol(function(*symbols)).evaluate(), dtype=float)
    if not np.ndim(args[0]):
        return float(result.ravel()[0])
    # a function that ignores its array argument (a constant times an Arrhenius factor)
    # returns one number: one per point of the table all the same
    return np.broadcast_to(result.ravel(), np.shape(args[0])).copy()


def _at_reference(values, parameter, *arguments) -> float:
    """A number, or a function evaluated at the trailing ``arguments`` it takes."""
    if not callable(parameter):
        return float(parameter)
    count = _arity(parameter)
    return float(_number(values, parameter, *arguments[len(arguments) - count:]))


def _activation_energy(values, function, *args_before_temperature, temperature: float) -> float:
    """Ea = R ln(f(T2) / f(T1)) / (1/T1 - 1/T2), T2 = T1 + 10 K [J/mol]."""
    if not callable(function):
        return 0.0
    low = float(np.mean(_number(values, function, *args_before_temperature, temperature)))
    high = float(np.mean(_number(values, function, *args_before_temperature,
                                 temperature + 10.0)))
    return GAS_CONSTANT * math.log(high / low) / (1 / temperature - 1 / (temperature + 10.0))


def _arity(function) -> int:
    return len(inspect.signature(function).parameters)


def _table(x: np.ndarray, y: np.ndarray) -> dict:
    return {"x": [float(v) for v in x], "y": [float(v) for v in y]}


def _electrode(cell: CellParameters, name: str, minimum: float, maximum: float,
               temperature: float) -> dict:
    values = cell.values
    lower = name.lower()
    c_max = values[f"Maximum concentration in {lower} electrode [mol.m-3]"]
    porosity = values[f"{name} electrode porosity"]
    active = values[f"{name} electrode active material volume fraction"]
    radius = values[f"{name} particle radius [m]"]
    sto = np.linspace(0.0, 1.0, TABLE_POINTS)
    ocp = _number(values, values[f"{name} electrode OCP [V]"], np.clip(sto, 1e-6, 1 - 1e-6))
    diffusivity = values[f"{name} particle diffusivity [m2.s-1]"]
    d_table = _number(values, diffusivity, sto, temperature)
    j0 = values[f"{name} electrode exchange-current density [A.m-2]"]
    half = (REFERENCE_CONCENTRATION, c_max / 2, c_max)
    rate = 2 * _number(values, j0, *half, temperature) / FARADAY
    entropic = values[f"{name} electrode OCP entropic change [V.K-1]"]
    sigma = values[f"{name} electrode conductivity [S.m-1]"]
    b_solid = values[f"{name} electrode Bruggeman coefficient (electrode)"]
    return {
        "Thickness [m]": values[f"{name} electrode thickness [m]"],
        "Porosity": porosity,
        "Transport efficiency": porosity ** values[
            f"{name} electrode Bruggeman coefficient (electrolyte)"],
        # BPX takes the effective conductivity: sigma (1 - eps)^b of the solid phase
        "Conductivity [S.m-1]": _at_reference(values, sigma, temperature)
        * (1 - porosity) ** b_solid,
        "Minimum stoichiometry": minimum, "Maximum stoichiometry": maximum,
        "Maximum concentration [mol.m-3]": c_max,
        "Particle radius [m]": radius,
        "Surface area per unit volume [m-1]": 3 * active / radius,
        "Diffusivity [m2.s-1]": (_table(sto, d_table) if callable(diffusivity)
                                 else float(diffusivity)),
        "Diffusivity activation energy [J.mol-1]": _activation_energy(
            values, diffusivity, 0.5, temperature=temperature),
        "OCP [V]": _table(sto, ocp),
        "Entropic change coefficient [V.K-1]": (
            _table(sto, _number(values, entropic, *(sto, c_max)[:_arity(entropic)]))
            if callable(entropic) else float(entropic)),
        "Reaction rate constant [mol.m-2.s-1]": rate,
        "Reaction rate constant activation energy [J.mol-1]": _activation_energy(
            values, j0, *half, temperature=temperature),
    }


def to_bpx(cell: CellParameters, model: str = "DFN") -> dict:
    """The BPX document of ``cell`` (validated with ``bpx.parse_bpx_obj``).

    model : ``"DFN"`` or ``"SPMe"`` (the BPX header's model; the parameters are the same).
    """
    import bpx

    cite(BPX_STANDARD)
    if model not in ("DFN", "SPMe"):
        raise ValueError(f"BPX model = {model!r} is not DFN or SPMe")
    values, w, s = cell.values, cell.windows, cell.structure
    temperature = values["Reference temperature [K]"]
    c_e = np.linspace(100.0, 2500.0, TABLE_POINTS)
    conductivity = values["Electrolyte conductivity [S.m-1]"]
    diffusivity = values["Electrolyte diffusivity [m2.s-1]"]
    separator_porosity = values["Separator porosity"]
    document = {
        "Header": {
            "BPX": "1.0.0", "Title": s.name, "Model": model,
            "Description": (f"{s.cathode_material} / {s.anode_material} cell: structure from "
                            f"gigatwin's process chain; electrochemistry from PyBaMM's "
                            f"{cell.base.name} ({cell.base.cell})"),
            "References": cell.base.citation.text(),
        },
        "Parameterisation": {
            "Cell": {
                "Electrode area [m2]": values["Electrode height [m]"]
                * values["Electrode width [m]"],
                "Number of electrode pairs connected in parallel to make a cell": 1,
                "Lower voltage cut-off [V]": s.lower_voltage,
                "Upper voltage cut-off [V]": s.upper_voltage,
                "Nominal cell capacity [A.h]": s.nominal_capacity / 3600,
                "Reference temperature [K]": temperature,
            },
            "Electrolyte": {
                "Cation transference number": _at_reference(
                    values, values["Cation transference number"], REFERENCE_CONCENTRATION,
                    temperature),
                "Conductivity [S.m-1]": _table(c_e, _number(values, conductivity, c_e,
                                                              temperature)),
                "Conductivity activation energy [J.mol-1]": _activation_energy(
                    values, conductivity, REFERENCE_CONCENTRATION, temperature=temperature),
                "Diffusivity [m2.s-1]": _table(c_e, _number(values, diffusivity, c_e,
                                                              temperature)),
                "Diffusivity activation energy [J.mol-1]": _activation_energy(
                    values, diffusivity, REFERENCE_CONCENTRATION, temperature=temperature),
            },
            "Negative electrode": _electrode(cell, "Negative", w.x0, w.x100, temperature),
            "Positive electrode": _electrode(cell, "Positive", w.y100, w.y0, temperature),
            "Separator": {
                "Thickness [m]": values["Separator thickness [m]"],
                "Porosity": separator_porosity,
                "Transport efficiency": separator_porosity ** values[
                    "Separator Bruggeman coefficient (electrolyte)"],
            },
        },
        "State": {
            "Initial conditions": {
                "Initial temperature [K]": values["Initial temperature [K]"],
                "Initial electrolyte concentration [mol.m-3]": values[
                    "Initial concentration in electrolyte [mol.m-3]"]},
            "Thermal environment": {"Ambient temperature [K]": values["Ambient temperature [K]"]},
        },
    }
    # raises pydantic's ValidationError if not valid BPX (it rewrites its argument: a copy)
    cell = document["Parameterisation"]["Cell"]
    # optional in BPX (PyBaMM's reader wants them; they only matter for thermal models)
    for bpx_name, name in (("External surface area [m2]", "Cell cooling surface area [m2]"),
                           ("Volume [m3]", "Cell volume [m3]")):
        if name in values:
            cell[bpx_name] = values[name]
    bpx.parse_bpx_obj(copy.deepcopy(document))
    return document
