"""The performance model: mapping identity, balancing, magnitudes, BPX, citations.

PyBaMM runs use the DFN on the coarse mesh unless a test compares with PyBaMM's own
defaults; a DFN discharge takes ~0.2 s here.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from gigatwin.checks import RangeError
from gigatwin.citations import collect
from gigatwin.twin.performance.balancing import cyclable_lithium, stoichiometry_windows
from gigatwin.twin.performance.base_sets import base_set_for
from gigatwin.twin.performance.parameters import (
    base_windows,
    parameter_values,
    pybamm,
    structure_from_parameter_values,
)
from gigatwin.twin.performance.simulation import charge, dc_resistance, discharges

# Active-material densities of the base chemistries [kg/m^3] (gigatwin's material data);
# they only convert c_max into a specific capacity and back.
DENSITIES = {"Chen2020": (4750.0, 2200.0), "Mohtat2020": (4750.0, 2240.0),
             "Prada2013": (3600.0, 2240.0)}


def chen():
    return structure_from_parameter_values("Chen2020", *DENSITIES["Chen2020"])


def capacities(structure, rates, model="dfn", mesh="coarse"):
    return np.array([d.capacity / 3600 for d in
                     discharges(parameter_values(structure), rates, model, mesh)])


@pytest.mark.slow  # DFN on the default mesh, 4 solves per set (~2-4 s each)
@pytest.mark.parametrize("name", ["Chen2020", "Mohtat2020", "Prada2013"])
def test_identity_of_the_mapping_with_pybamm_on_the_published_set(name):
    """Acceptance: a published set's structure through the mapping gives PyBaMM's own
    0.1C and 1C capacities (same model, default mesh, from 100 % SOC) within 0.5 %."""
    pb = pybamm()
    mapped = capacities(structure_from_parameter_values(name, *DENSITIES[name]), [0.1, 1.0],
                        mesh="default")
    direct = []
    for rate in (0.1, 1.0):
        values = pb.ParameterValues(name)
        values["Current function [A]"] = rate * values["Nominal cell capacity [A.h]"]
        solution = pb.Simulation(pb.lithium_ion.DFN(), parameter_values=values,
                                 solver=pb.IDAKLUSolver()).solve([0, 1.25 * 3600 / rate],
                                                                 initial_soc=1.0)
        direct.append(solution["Discharge capacity [A.h]"].entries[-1])
    np.testing.assert_allclose(mapped, direct, rtol=0.005)


def test_identity_holds_for_the_spme_too():
    pb = pybamm()
    values = pb.ParameterValues("Chen2020")
    values["Current function [A]"] = 5.0
    solution = pb.Simulation(pb.lithium_ion.SPMe(), parameter_values=values,
                             solver=pb.IDAKLUSolver()).solve([0, 4500], initial_soc=1.0)
    mapped = capacities(chen(), [1.0], model="spme", mesh="default")
    np.testing.assert_allclose(mapped, solution["Discharge capacity [A.h]"].entries[-1],
                               rtol=0.005)


def test_windows_agree_with_pybamms_electrode_soh_solver():
    """The shared balance (gigatwin.twin.balancing) on Chen2020's OCPs against PyBaMM's
    independent ElectrodeSOH solver (agreement ~1e-6 here)."""
    pb = pybamm()
    values = pb.ParameterValues("Chen2020")
    x0, x100, y100, y0 = pb.lithium_ion.get_min_max_stoichiometries(values)
    w = base_windows("Chen2020")
    np.testing.assert_allclose([w.x0, w.x100, w.y100, w.y0], [x0, x100, y100, y0], atol=2e-4)


def test_balance_on_linear_potentials_by_hand():
    """U_n = 1 - x, U_p = 5 - y, Q_n = Q_p = 1, Q_Li = 1: V = 4 + x - y = 3 + 2x, so
    V_max = 4 gives x100 = 0.5 and V_min = 3 gives x0 = 0 (y = 1 - x)."""
    w = stoichiometry_windows(1.0, 1.0, 1.0, lambda x: 1 - x, lambda y: 5 - y, 3.0, 4.0)
    np.testing.assert_allclose([w.x0, w.x100, w.y0, w.y100], [0.0, 0.5, 1.0, 0.5], atol=1e-9)
    # lithium 0.5 in the negative at 4 V: 4 = 5 - y100 - (1 - 0.5) -> y100 = 0.5, Q_Li = 1
    assert cyclable_lithium(1.0, 1.0, 0.5, lambda x: 1 - x, lambda y: 5 - y, 4.0) == \
        pytest.approx(1.0)


def test_a_negative_electrode_too_small_for_the_first_charge_is_an_error():
    with pytest.raises(ValueError, match="N/P ratio is too low"):
        cyclable_lithium(1.0, 2.0, 1.1, lambda x: 1 - x, lambda y: 5 - y, 4.0)
    with pytest.raises(ValueError, match="no solution with both stoichiometries"):
        # V = 3 + 2x reaches 5 V at most; 5.5 V (not 9 V as before: the shared balance
        # refuses cut-offs above 6 V by its own range check) is out of reach
        stoichiometry_windows(1.0, 1.0, 1.0, lambda x: 1 - x, lambda y: 5 - y, 3.0, 5.5)


def test_porosity_plus_solid_fractions_above_one_is_an_error_naming_the_field():
    s = chen()
    bad = dataclasses.replace(s, cathode=dataclasses.replace(s.cathode, porosity=0.4))
    with pytest.raises(RangeError, match=r"cathode.active_volume_fraction = 0.665 \[1\]"):
        parameter_values(bad)
    dry = dataclasses.replace(s, electrolyte_fill_ratio=0.9)
    with pytest.raises(RangeError, match="electrolyte_fill_ratio"):
        parameter_values(dry)


def test_provenance_lists_the_structure_and_the_base_set():
    cell = parameter_values(chen())
    assert "Positive electrode thickness [m]" in cell.from_structure
    assert "Initial concentration in negative electrode [mol.m-3]" in cell.from_structure
    assert "Positive electrode OCP [V]" in cell.from_base
    assert "Negative particle diffusivity [m2.s-1]" in cell.from_base
    assert not set(cell.from_structure) & set(cell.from_base)
    assert base_set_for("LFP", "graphite").name == "Prada2013"
    with pytest.raises(ValueError, match="no published PyBaMM parameter set for cathode 'LCO'"):
        base_set_for("LCO", "graphite")


def test_thicker_electrodes_lose_more_capacity_at_2c_than_at_01c():
    """Both coatings 1.5x thicker (same loading per volume, lithium and 1C scaled): the
    0.1C capacity grows 1.5x (hand: capacity is linear in thickness at low rate) while the
    2C retention collapses from 93 % to 15 % (electrolyte transport through the thicker
    layer)."""
    s = chen()
    thick = dataclasses.replace(
        s, cathode=dataclasses.replace(s.cathode, coating_thickness=1.5 * s.cathode.coating_thickness),
        anode=dataclasses.replace(s.anode, coating_thickness=1.5 * s.anode.coating_thickness),
        first_charge_capacity=1.5 * s.first_charge_capacity,
        nominal_capacity=1.5 * s.nominal_capacity)
    base, thicker = capacities(s, [0.1, 2.0]), capacities(thick, [0.1, 2.0])
    assert thicker[0] / base[0] == pytest.approx(1.5, rel=0.005)
    assert base[1] / base[0] == pytest.approx(0.932, abs=0.01)
    assert thicker[1] / thicker[0] == pytest.approx(0.151, abs=0.03)


def test_a_less_porous_cathode_loses_capacity_at_2c_not_at_01c():
    """Cathode porosity 0.335 -> 0.25 with the same active fraction (more binder/carbon):
    0.1C unchanged within 0.1 %, 2C down by 23 %."""
    s = chen()
    dense = dataclasses.replace(s, cathode=dataclasses.replace(s.cathode, porosity=0.25))
    base, denser = capacities(s, [0.1, 2.0]), capacities(dense, [0.1, 2.0])
    assert denser[0] == pytest.approx(base[0], rel=0.001)
    assert denser[1] / base[1] == pytest.approx(0.771, abs=0.02)


def test_lower_electrolyte_conductivity_lowers_high_rate_capacity():
    """Conductivity halved (0.95 -> 0.47 S/m at 1 mol/L): 0.1C within 0.05 %, 1C -0.14 %,
    2C -1.5 %."""
    s = chen()
    low = dataclasses.replace(s, electrolyte_conductivity=0.5 * s.electrolyte_conductivity)
    ratio = capacities(low, [0.1, 1.0, 2.0]) / capacities(s, [0.1, 1.0, 2.0])
    assert ratio[0] == pytest.approx(1.0, abs=5e-4)
    assert ratio[1] == pytest.approx(0.9986, abs=5e-4)
    assert ratio[2] == pytest.approx(0.985, abs=0.004)


def test_more_lithium_lost_in_formation_lowers_capacity_at_every_rate():
    """5 % of the first charge (0.265 A*h) bound in the SEI: capacity falls at every rate,
    and at 0.1C by the lost lithium (hand: Q = Q_n (x100 - x0); x100 falls by loss / Q_n,
    x0 sits on the steep end of the graphite OCP) -- 0.260 A*h, 98 % of it."""
    s = chen()
    loss = 0.05 * s.first_charge_capacity
    lossy = dataclasses.replace(s, formation_lithium_loss=loss)
    rates = [0.1, 0.5, 1.0, 2.0]
    base, after = capacities(s, rates), capacities(lossy, rates)
    assert np.all(after < base)
    assert (base[0] - after[0]) / (loss / 3600) == pytest.approx(0.98, abs=0.02)


def test_charge_plating_margin_falls_with_rate():
    """Anode potential vs Li at the separator during a CC charge from 0 %: +71 mV at 0.1C,
    -73 mV at 2C (plating) for the LG M50 of Chen2020."""
    cell = parameter_values(chen())
    slow, fast = (charge(cell, rate, "dfn", "coarse") for rate in (0.1, 2.0))
    assert slow.plating_margin == pytest.approx(0.071, abs=0.01) and not slow.plating
    assert fast.plating_margin == pytest.approx(-0.073, abs=0.015) and fast.plating


def test_dc_resistance_grows_with_contact_resistance_by_that_resistance():
    """R_dc = R_cell + R_contact: adding 5 mohm of tabs adds 5 mohm to the pulse result."""
    s = chen()
    bare = dc_resistance(parameter_values(s), mesh="coarse")
    tabs = dc_resistance(parameter_values(dataclasses.replace(s, contact_resistance=5e-3)),
                         mesh="coarse")
    assert 0.01 < bare < 0.05  # LG M50 10 s DCIR is tens of mohm
    assert tabs - bare == pytest.approx(5e-3, rel=0.02)


@pytest.mark.parametrize("name", ["Chen2020", "Mohtat2020"])
def test_bpx_export_validates_and_reads_back_into_pybamm(name):
    """The BPX file, read by PyBaMM's own BPX reader, gives the 1C capacity of the
    parameter set it came from within 0.5 % (Chen2020 0.04 %, Mohtat2020 0.1 %)."""
    import bpx

    from gigatwin.twin.performance.bpx_export import to_bpx

    cell = parameter_values(structure_from_parameter_values(name, *DENSITIES[name]))
    document = to_bpx(cell)
    parsed = bpx.parse_bpx_obj(copy.deepcopy(document))  # parsing rewrites its argument
    assert parsed.parameterisation.negative_electrode.maximum_stoichiometry == \
        pytest.approx(cell.windows.x100)
    pb = pybamm()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = pb.ParameterValues.create_from_bpx_obj(document)
    values["Current function [A]"] = values["Nominal cell capacity [A.h]"]
    solution = pb.Simulation(pb.lithium_ion.DFN(), parameter_values=values,
                             solver=pb.IDAKLUSolver()).solve([0, 5000])
    mine = discharges(cell, [1.0])[0].capacity / 3600
    assert solution["Discharge capacity [A.h]"].entries[-1] == pytest.approx(mine, rel=0.005)


def test_bpx_export_of_a_twin_cell_on_each_base_validates():
    from gigatwin.twin.performance.bpx_export import to_bpx

    for name in ("Chen2020", "Mohtat2020", "Prada2013"):
        document = to_bpx(parameter_values(structure_from_parameter_values(
            name, *DENSITIES[name])), "SPMe")
        assert document["Header"]["Model"] == "SPMe"


def test_a_run_cites_pybamm_the_base_set_and_the_model():
    with collect() as used:
        discharges(parameter_values(chen()), [1.0], "spme", "coarse")
    assert {"sulzer2021", "chen2020", "marquis2019", "mohtat2019"} <= set(used.keys())


def test_help_does_not_import_pybamm_sklearn_pymoo_and_telemetry_is_off():
    code = ("import sys, gigatwin.cli.app, gigatwin.twin.performance.rate_capability, "
            "gigatwin.twin.performance.surrogate, gigatwin.twin.performance.design; "
            "heavy = {'pybamm', 'sklearn', 'pymoo', 'bpx'} & set(sys.modules); "
            "assert not heavy, heavy")
    env = {k: v for k, v in os.environ.items() if k != "PYBAMM_DISABLE_TELEMETRY"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    code = ("from gigatwin.twin.performance.parameters import pybamm; import os; pybamm(); "
            "assert os.environ['PYBAMM_DISABLE_TELEMETRY'] == 'true'")
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
