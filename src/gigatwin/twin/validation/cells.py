"""Commercial reference cells: capacity and energy from the electrode balance.

Each cell of ``data/reference_cells.yaml`` is built from its published electrode data:
the charge of each electrode for a stoichiometry change of 1, ``Q = c_max eps L A F``
(maximum lithium concentration, active volume fraction, coating thickness, facing area),
its half-cell OCV curve, the cut-off voltages, and the lithium inventory after formation
from the published stoichiometries at one state of charge. :func:`balance_electrodes`
then predicts the capacity and open-circuit energy between the cut-offs, compared with
the manufacturer's rating (5 % tolerance). A cell whose electrode area is not published
is compared on its mean voltage only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from gigatwin import materials
from gigatwin.twin.balancing import HalfCellOCV, balance_electrodes
from gigatwin.twin.validation.base import Case, Comparison
from gigatwin.units import from_si, to_si

FARADAY = 96485.33212  # [C/mol]
DATA = Path(__file__).parent / "data" / "reference_cells.yaml"
TOLERANCE = 0.05  # capacity and energy of a reference cell, relative


@lru_cache(maxsize=1)
def reference_cells() -> dict[str, dict]:
    """The reference cells by name, as written in the data file."""
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))["cells"]


def _si(node: dict) -> float:
    return float(to_si(float(node["value"]), str(node.get("unit", "1"))))


def _curve(name: str) -> HalfCellOCV:
    record = materials.half_cell_ocv(name)
    return HalfCellOCV(record.stoichiometry, record.voltage)


def electrode_charge(electrode: dict, area: float) -> float:
    """Q = c_max eps L A F [C], the charge of a stoichiometry change of 1."""
    return (_si(electrode["maximum_concentration"]) * _si(electrode["active_volume_fraction"])
            * _si(electrode["thickness"]) * area * FARADAY)


def balance_cell(cell: dict):
    """The electrode balance of one reference cell (floats, SI)."""
    if cell.get("electrode_area") is None:
        like = reference_cells()[cell["balance_like"]]
        area = _si(like["electrode_area"])
        cathode, anode = like["cathode"], like["anode"]
    else:
        area = _si(cell["electrode_area"])
        cathode, anode = cell["cathode"], cell["anode"]
    q_p, q_n = electrode_charge(cathode, area), electrode_charge(anode, area)
    inventory = _si(cathode["stoichiometry"]) * q_p + _si(anode["stoichiometry"]) * q_n
    return balance_electrodes(q_p, q_n, inventory, _curve(cell["cathode"]["ocv_curve"]),
                              _curve(cell["anode"]["ocv_curve"]),
                              _si(cell["upper_cutoff_voltage"]),
                              _si(cell["lower_cutoff_voltage"]))


def _compare(key: str) -> list[Comparison]:
    cell = reference_cells()[key]
    balance = balance_cell(cell)
    predicted = {"cell_capacity": balance.capacity, "cell_energy": balance.energy,
                 "cell_open_circuit_mean_voltage": balance.mean_voltage}
    found = []
    for quantity, ref in cell["reference"].items():
        unit = str(ref["unit"])
        source = str(ref["source"]) + (f" ({ref['note'].strip()})" if ref.get("note") else "")
        found.append(Comparison(
            case=cell["name"], quantity=quantity, unit=unit, reference=float(ref["value"]),
            predicted=float(from_si(predicted[quantity], unit)), tolerance=TOLERANCE,
            relative=True, source=source, known_miss=str(cell.get("known_miss", "")).strip()))
    return found


def _case(key: str) -> Case:
    cell = reference_cells()[key]
    return Case(name=cell["name"], kind="cell",
                source=" ".join(str(cell["source"]).split()),
                run=lambda: _compare(key))


CASES = [_case(key) for key in reference_cells()]
