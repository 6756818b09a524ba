"""Unit tests of gigatwin.steps.end_of_line."""

import numpy as np
import pytest

from gigatwin.steps import end_of_line


def test_measured_value_adds_scaled_noise():
    z = np.array([-1.0, 0.0, 2.0])
    assert end_of_line.measured_value(65.0, 0.1, z) == pytest.approx([64.9, 65.0, 65.2])


def test_measurement_noise_statistics():
    rng = np.random.default_rng(1)
    y = end_of_line.measured_value(3.6, 1e-3, rng.standard_normal(200_000))
    assert y.mean() == pytest.approx(3.6, abs=2e-5)
    assert y.std() == pytest.approx(1e-3, rel=0.01)


def test_discharge_energy_hand_computed():
    # 65 Ah at C/3 (21.67 A), U_mean 3.65 V, R 1 mOhm: E = 65 * (3.65 - 0.02167) Wh = 235.8 Wh
    e = end_of_line.discharge_energy(65 * 3600, 3.65, 1e-3, 65 / 3)
    assert e / 3600 == pytest.approx(65 * (3.65 - 65 / 3 * 1e-3))


def test_ocv_after_rest():
    # k = 0.1 mV/day over 14 days: 1.4 mV drop
    k = 1e-4 / 86400
    assert end_of_line.ocv_after_rest(3.65, k, 14 * 86400) == pytest.approx(3.6486)


def test_within_limits():
    flags = end_of_line.within_limits(np.array([59.0, 60.0, 65.0, np.nan, 71.0]), 60.0, 70.0)
    assert flags.tolist() == [False, True, True, False, False]
    with pytest.raises(ValueError, match="lower"):
        end_of_line.within_limits(1.0, 2.0, 1.0)
