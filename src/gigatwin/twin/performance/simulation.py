"""Run a cell's PyBaMM parameter set: discharges at C-rates, a DC resistance pulse and a
charge with a lithium-plating check.

Models (PyBaMM, Sulzer et al. 2021): ``"dfn"``, the Doyle-Fuller-Newman porous-electrode
model (Doyle, Fuller & Newman 1993), and ``"spme"``, the single particle model with
electrolyte (Marquis et al. 2019), faster and accurate to about 1C but not where the
electrolyte depletes. Both are isothermal at 25 C here. Solved with PyBaMM's IDAKLU
solver (SUNDIALS IDA, Hindmarsh et al. 2005).

- Discharge at C-rate r from 100 % state of charge with I = r Q_nom until the lower cut-off:
  capacity Q = integral I dt, energy E = integral V I dt, mean voltage E / Q.
- DC internal resistance: R = (OCV - V(t_p)) / I after a pulse of t_p at I from rest at a
  state of charge (default 10 s at 1C from 50 %), tabs and welds included.
- Charge at C-rate r from 0 % to the upper cut-off (constant current). Lithium plates where
  the anode's surface potential vs Li/Li+, phi_s - phi_e, falls below 0 V (Arora, Doyle &
  White 1999); the margin is its minimum over time at the anode/separator interface.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigatwin.citations import Citation, cite, register
from gigatwin.twin.performance.parameters import CellParameters, pybamm

SULZER_2021 = register(Citation(
    key="sulzer2021", authors="Sulzer, Marquis, Timms, Robinson, Chapman",
    title="Python Battery Mathematical Modelling (PyBaMM)",
    venue="Journal of Open Research Software 9 (2021) 14", year=2021, doi="10.5334/jors.309"))
DOYLE_1993 = register(Citation(
    key="doyle1993", authors="Doyle, Fuller, Newman",
    title="Modeling of galvanostatic charge and discharge of the lithium/polymer/insertion "
          "cell", venue="Journal of The Electrochemical Society 140 (1993) 1526-1533",
    year=1993, doi="10.1149/1.2221597"))
MARQUIS_2019 = register(Citation(
    key="marquis2019", authors="Marquis, Sulzer, Timms, Please, Chapman",
    title="An asymptotic derivation of a single particle model with electrolyte",
    venue="Journal of The Electrochemical Society 166 (2019) A3693-A3706", year=2019,
    doi="10.1149/2.0341915jes"))
HINDMARSH_2005 = register(Citation(
    key="hindmarsh2005", authors="Hindmarsh, Brown, Grant, Lee, Serban, Shumaker, Woodward",
    title="SUNDIALS: Suite of nonlinear and differential/algebraic equation solvers",
    venue="ACM Transactions on Mathematical Software 31 (2005) 363-396", year=2005,
    doi="10.1145/1089014.1089020"))
ARORA_1999 = register(Citation(
    key="arora1999", authors="Arora, Doyle, White",
    title="Mathematical modeling of the lithium deposition overcharge reaction in "
          "lithium-ion batteries using carbon-based negative electrodes",
    venue="Journal of The Electrochemical Society 146 (1999) 3543-3553", year=1999,
    doi="10.1149/1.1392512"))

MODELS = ("dfn", "spme")
# Mesh points (PyBaMM's default is 20 everywhere); "coarse" halves the cost for tests.
MESHES = {"default": None,
          "coarse": {"x_n": 10, "x_s": 5, "x_p": 10, "r_n": 10, "r_p": 10}}
CURVE_POINTS = 120


@dataclass(frozen=True)
class Discharge:
    """One constant-current discharge (SI): c_rate [1], current [A], capacity [C],
    energy [J], mean_voltage [V], duration [s]; curves: discharged [C], voltage [V]."""

    c_rate: float
    current: float
    capacity: float
    energy: float
    mean_voltage: float
    duration: float
    discharged: np.ndarray
    voltage: np.ndarray


@dataclass(frozen=True)
class Charge:
    """A constant-current charge from 0 % to the upper cut-off (SI) and its plating check:
    plating_margin [V] is the minimum of phi_s - phi_e at the anode/separator interface."""

    c_rate: float
    capacity: float
    duration: float
    plating_margin: float

    @property
    def plating(self) -> bool:
        return self.plating_margin < 0


def _model(name: str, contact_resistance: bool):
    pb = pybamm()
    if name not in MODELS:
        raise ValueError(f"model = {name!r} is not one of {', '.join(MODELS)}")
    options = {"contact resistance": "true"} if contact_resistance else {}
    cite(SULZER_2021, HINDMARSH_2005, DOYLE_1993 if name == "dfn" else MARQUIS_2019)
    return (pb.lithium_ion.DFN if name == "dfn" else pb.lithium_ion.SPMe)(options=options)


def _simulation(values, model: str, mesh: str, contact_resistance: bool):
    pb = pybamm()
    if mesh not in MESHES:
        raise ValueError(f"mesh = {mesh!r} is not one of {', '.join(MESHES)}")
    values = values.copy()
    values["Current function [A]"] = "[input]"
    return pb.Simulation(_model(model, contact_resistance), parameter_values=values,
                         var_pts=MESHES[mesh], solver=pb.IDAKLUSolver())


def discharges(cell: CellParameters, c_rates, model: str = "dfn",
               mesh: str = "default") -> list[Discharge]:
    """Constant-current discharges from 100 % SOC at each C-rate [1] (one model build)."""
    rates = [float(r) for r in c_rates]
    if not rates or min(rates) <= 0:
        raise ValueError(f"C-rates {rates} [1] must be positive")
    nominal = cell.values["Nominal cell capacity [A.h]"]
    sim = _simulation(cell.values, model, mesh, cell.structure.contact_resistance > 0)
    out = []
    # No discharge can pass more than the anode's lithium at full charge: run to 5 % past
    # it, so the lower cut-off always ends the run (checked below).
    most = cell.negative_capacity * cell.windows.x100 / 3600  # [A*h]
    for rate in rates:
        current = rate * nominal
        end = 1.05 * 3600 * max(most, nominal) / current
        solution = sim.solve([0, end], inputs={"Current function [A]": current},
                             t_interp=np.linspace(0, end, 4 * CURVE_POINTS))
        _require_cut_off(solution, f"{rate:g}C discharge")
        time = solution["Time [s]"].entries
        voltage = solution["Voltage [V]"].entries
        capacity = float(current * time[-1])
        energy = float(np.trapezoid(voltage * current, time))
        keep = np.linspace(0, len(time) - 1, min(CURVE_POINTS, len(time))).astype(int)
        out.append(Discharge(rate, current, capacity, energy, energy / capacity if capacity
                             else float("nan"), float(time[-1]), current * time[keep],
                             voltage[keep]))
    return out


def dc_resistance(cell: CellParameters, soc: float = 0.5, c_rate: float = 1.0,
                  duration: float = 10.0, model: str = "dfn", mesh: str = "default") -> float:
    """DC internal resistance R = (OCV - V(duration)) / I of a discharge pulse [ohm].

    soc [1] (0, 1); c_rate [1] > 0; duration [s] > 0.
    """
    if not 0 < soc < 1 or c_rate <= 0 or duration <= 0:
        raise ValueError(f"pulse soc = {soc} [1] must be in (0, 1), c_rate = {c_rate} [1] and "
                         f"duration = {duration} [s] positive")
    values = cell.at_soc(soc)
    current = c_rate * values["Nominal cell capacity [A.h]"]
    sim = _simulation(values, model, mesh, cell.structure.contact_resistance > 0)
    solution = sim.solve([0, duration], inputs={"Current function [A]": current})
    ocv = _open_circuit_voltage(cell, soc)
    return (ocv - float(solution["Voltage [V]"].entries[-1])) / current


def _require_cut_off(solution, label: str) -> None:
    """A run must end at a voltage cut-off, never at the end of its time span."""
    if "event" not in str(solution.termination):
        raise RuntimeError(f"the {label} ended by {solution.termination!r}, not at a voltage "
                           "cut-off: the capacity would be truncated")


def _open_circuit_voltage(cell: CellParameters, soc: float) -> float:
    pb = pybamm()
    values = cell.values
    w = cell.windows
    u_p = values["Positive electrode OCP [V]"](pb.Scalar(w.positive(soc)))
    u_n = values["Negative electrode OCP [V]"](pb.Scalar(w.negative(soc)))
    return float(values.evaluate(u_p) - values.evaluate(u_n))


def charge(cell: CellParameters, c_rate: float = 1.0, model: str = "dfn",
           mesh: str = "default") -> Charge:
    """Constant-current charge at ``c_rate`` [1] from 0 % SOC to the upper cut-off, with the
    lithium-plating margin (DFN resolves it through the electrode; SPMe averages it)."""
    if c_rate <= 0:
        raise ValueError(f"charge c_rate = {c_rate} [1] must be positive")
    cite(ARORA_1999)
    values = cell.at_soc(0.0)
    current = c_rate * values["Nominal cell capacity [A.h]"]
    sim = _simulation(values, model, mesh, cell.structure.contact_resistance > 0)
    # at most the cathode's lithium at 0 % SOC can move: 5 % past it
    end = 1.05 * cell.positive_capacity * cell.windows.y0 / current
    solution = sim.solve([0, end], inputs={"Current function [A]": -current},
                         t_interp=np.linspace(0, end, 4 * CURVE_POINTS))
    _require_cut_off(solution, f"{c_rate:g}C charge")
    potential = solution["Negative electrode surface potential difference [V]"].entries
    time = solution["Time [s]"].entries
    return Charge(c_rate, float(current * time[-1]), float(time[-1]),
                  float(np.min(potential[-1])))
