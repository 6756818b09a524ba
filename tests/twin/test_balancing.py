"""Electrode balancing against hand-computed windows and energies, and its invariants."""

from __future__ import annotations

import numpy as np
import pytest

from gigatwin.twin.balancing import HalfCellOCV, balance_electrodes

# Linear half cells: U_p = 4.5 - y, U_n = 0.6 - 0.5 x (two-point tables are exact)
CATHODE = HalfCellOCV((0.0, 1.0), (4.5, 3.5))
ANODE = HalfCellOCV((0.0, 1.0), (0.6, 0.1))


def test_linear_half_cells_by_hand():
    """Q_p = Q_n = Q_Li = 1: y = 1 - x, V = 2.9 + 1.5 x; V = 4.1 at x = 0.8, V = 3.2 at
    x = 0.2; Q = 0.6; E = int_0.2^0.8 (2.9 + 1.5 x) dx = 1.74 + 0.45 = 2.19."""
    b = balance_electrodes(1.0, 1.0, 1.0, CATHODE, ANODE, 4.1, 3.2)
    assert (b.x_0, b.x_100) == pytest.approx((0.2, 0.8), abs=1e-12)
    assert (b.y_0, b.y_100) == pytest.approx((0.8, 0.2), abs=1e-12)
    assert b.capacity == pytest.approx(0.6, rel=1e-12)
    assert b.energy == pytest.approx(2.19, rel=1e-12)
    assert b.mean_voltage == pytest.approx(3.65, rel=1e-12)


def test_cell_ocv_and_its_slope_over_state_of_charge():
    """Same cell: x = 0.2 + 0.6 soc, V = 2.9 + 1.5 x = 3.2 + 0.9 soc."""
    b = balance_electrodes(1.0, 1.0, 1.0, CATHODE, ANODE, 4.1, 3.2)
    volts, slope = b.open_circuit_voltage_and_slope(CATHODE, ANODE, np.array([0.0, 0.3, 1.0]))
    assert volts == pytest.approx([3.2, 3.47, 4.1], abs=1e-12)
    assert slope == pytest.approx([0.9, 0.9, 0.9], abs=1e-12)


def test_a_function_tabulates_to_the_same_balance():
    cathode = HalfCellOCV.from_function(lambda y: 4.5 - y, points=11)
    b = balance_electrodes(1.0, 1.0, 1.0, cathode, ANODE, 4.1, 3.2)
    assert b.capacity == pytest.approx(0.6, rel=1e-12)


def test_anode_runs_out_first_below_np_one():
    """Q_n = 0.5: V = 2.9 + x never reaches 4.1 V before the anode is full (x = 1):
    the window stops there and the anode limits the capacity, Q = 0.5 (1 - x_0)."""
    b = balance_electrodes(1.0, 0.5, 1.0, CATHODE, ANODE, 4.1, 3.2)
    assert b.x_100 == pytest.approx(1.0, abs=1e-9)
    assert b.x_0 == pytest.approx(0.3, abs=1e-12)  # 2.9 + x = 3.2
    assert b.capacity == pytest.approx(0.5 * 0.7, rel=1e-9)


def test_cathode_reachable_lithiation_limits_the_discharge():
    b = balance_electrodes(1.0, 1.0, 1.0, CATHODE, ANODE, 4.1, 3.2,
                           cathode_max_stoichiometry=0.7)
    assert b.y_0 == pytest.approx(0.7, abs=1e-9)  # before V = 3.2 V at y = 0.8
    assert b.capacity == pytest.approx(0.5, rel=1e-9)


def test_lithium_is_conserved_and_capacity_is_the_same_from_both_sides():
    rng = np.random.default_rng(1)
    q_p, q_n = 1 + 0.2 * rng.random(50), 1 + 0.2 * rng.random(50)
    b = balance_electrodes(q_p, q_n, 0.9 * q_p, CATHODE, ANODE, 4.1, 3.0)
    assert np.allclose(b.x_100 * q_n + b.y_100 * q_p, 0.9 * q_p, rtol=1e-12)
    assert np.allclose(b.capacity, q_p * (b.y_0 - b.y_100), rtol=1e-9)


def test_sample_alone_equals_sample_in_a_batch():
    rng = np.random.default_rng(2)
    q_p, q_n = 1 + 0.1 * rng.standard_normal(1000), 1.1 + 0.1 * rng.standard_normal(1000)
    q_li = 0.92 * q_p
    batch = balance_electrodes(q_p, q_n, q_li, CATHODE, ANODE, 4.1, 3.0)
    for i in (0, 17, 999):
        alone = balance_electrodes(q_p[i], q_n[i], q_li[i], CATHODE, ANODE, 4.1, 3.0)
        assert alone.capacity == batch.capacity[i] and alone.energy == batch.energy[i]


@pytest.mark.parametrize("field", ["upper", "lower"])
def test_wider_window_gives_more_energy(field):
    base = balance_electrodes(1.0, 1.1, 0.95, CATHODE, ANODE, 4.1, 3.2)
    wider = balance_electrodes(1.0, 1.1, 0.95, CATHODE, ANODE,
                               4.2 if field == "upper" else 4.1,
                               3.2 if field == "upper" else 3.0)
    assert wider.energy > base.energy and wider.capacity > base.capacity


def test_bad_inputs_name_the_field():
    with pytest.raises(ValueError, match="upper_cutoff_voltage - lower_cutoff_voltage"):
        balance_electrodes(1.0, 1.0, 1.0, CATHODE, ANODE, 3.0, 3.2)
    with pytest.raises(ValueError, match="stoichiometry"):
        HalfCellOCV((0.0, 0.5, 0.4), (1.0, 0.9, 0.8))
    with pytest.raises(ValueError, match="lithium_inventory"):  # more than both can hold
        balance_electrodes(1.0, 0.5, 1.45, CATHODE, ANODE, 4.1, 3.2,
                           cathode_max_stoichiometry=0.9)


@pytest.mark.slow
@pytest.mark.parametrize(("parameter_set", "cathode", "anode", "limits"), [
    ("Chen2020", "NMC811_Chen2020", "graphite_SiOx_Chen2020", (4.2, 2.5)),
    ("Prada2013", "LFP_Afshar2017", "graphite_SiOx_Chen2020", (3.6, 2.0)),
])
def test_same_windows_as_pybamm_electrode_soh(parameter_set, cathode, anode, limits,
                                             monkeypatch):
    """PyBaMM's ElectrodeSOHSolver (Mohtat et al. 2019) on its own parameter set and our
    balance of the same Q_n, Q_p, Q_Li with the tabulated curves agree to the tables'
    interpolation error."""
    monkeypatch.setenv("PYBAMM_DISABLE_TELEMETRY", "true")
    pybamm = pytest.importorskip("pybamm")
    from gigatwin import materials

    values = pybamm.ParameterValues(parameter_set)
    param = pybamm.LithiumIonParameters()
    q_n, q_p, q_li = (float(values.evaluate(q)) for q in (
        param.n.Q_init, param.p.Q_init, param.Q_Li_particles_init))  # [A h]
    ref = pybamm.lithium_ion.ElectrodeSOHSolver(values, param=param).solve(
        {"Q_n": q_n, "Q_p": q_p, "Q_Li": q_li})
    curves = [materials.half_cell_ocv(name) for name in (cathode, anode)]
    ours = balance_electrodes(q_p * 3600, q_n * 3600, q_li * 3600,
                              *(HalfCellOCV(c.stoichiometry, c.voltage) for c in curves),
                              *limits)
    for name in ("x_0", "x_100", "y_0", "y_100"):
        assert getattr(ours, name) == pytest.approx(float(ref[name]), abs=3e-3), name
    assert ours.capacity / 3600 == pytest.approx(float(ref["Q"]), rel=3e-3)


def test_two_threads_solve_the_window_ends_to_the_same_bits():
    # from PARALLEL_MIN_SIZE samples, workers=2 solves the two window ends side by side
    from gigatwin.twin.balancing import PARALLEL_MIN_SIZE

    rng = np.random.default_rng(5)
    n = PARALLEL_MIN_SIZE
    q_p, q_n = 1 + 0.1 * rng.standard_normal(n), 1.1 + 0.1 * rng.standard_normal(n)
    one = balance_electrodes(q_p, q_n, 0.92 * q_p, CATHODE, ANODE, 4.1, 3.0, 0.95)
    two = balance_electrodes(q_p, q_n, 0.92 * q_p, CATHODE, ANODE, 4.1, 3.0, 0.95, workers=2)
    for name in ("x_0", "x_100", "y_0", "y_100", "capacity", "energy", "mean_voltage"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name), err_msg=name)


def test_in_place_lookup_is_the_plain_expression():
    # U = a_k + b_k clip(s, 0, 1) on the uniform cells, bit for bit, in and outside [0, 1]
    from gigatwin.twin.balancing import _LOOKUP_CELLS, _uniform, _value_and_slope

    curve = HalfCellOCV((0.0, 0.3, 0.31, 1.0), (4.3, 3.9, 3.85, 3.4))
    s = np.concatenate([np.linspace(-0.1, 1.1, 2001), [0.0, 1.0, 0.3, 0.31]])
    intercept, slope = _uniform(curve)
    k = np.clip((s * _LOOKUP_CELLS).astype(np.intp), 0, _LOOKUP_CELLS - 1)
    value, local = _value_and_slope(curve, s)
    np.testing.assert_array_equal(value, intercept[k] + slope[k] * np.clip(s, 0.0, 1.0))
    np.testing.assert_array_equal(local, slope[k])
    scalar = _value_and_slope(curve, 0.305)
    assert float(scalar[0]) == float(curve(np.array([0.305]))[0])


def test_in_place_integral_is_the_plain_expression():
    # C_i + U_i d + (b_i / 2) d^2, extended by the end values outside the table
    from gigatwin.twin.balancing import _cumulative, _segments

    curve = HalfCellOCV((0.05, 0.3, 0.31, 0.9), (4.3, 3.9, 3.85, 3.4))
    s = np.concatenate([np.linspace(-0.1, 1.1, 2001), [0.05, 0.9, 0.3, 0.31]])
    nodes, values, slopes, _ = _segments(curve)
    cumulative = _cumulative(curve)[0]
    clipped = np.clip(s, nodes[0], nodes[-1])
    i = np.clip(np.searchsorted(nodes, clipped, side="right") - 1, 0, nodes.size - 2)
    d = clipped - nodes[i]
    plain = (cumulative[i] + values[i] * d + 0.5 * slopes[i] * d * d
             + values[0] * np.minimum(s - nodes[0], 0) + values[-1] * np.maximum(s - nodes[-1], 0))
    np.testing.assert_array_equal(curve.integral(s), plain)
    assert float(curve.integral(0.9)) - float(curve.integral(0.05)) == pytest.approx(
        0.25 * (4.3 + 3.9) / 2 + 0.01 * (3.9 + 3.85) / 2 + 0.59 * (3.85 + 3.4) / 2, rel=1e-12)
