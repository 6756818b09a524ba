"""Half-cell OCV curves: loaded with sources, usable by the balancing, named by materials."""

from __future__ import annotations

import numpy as np
import pytest

from gigatwin import materials


@pytest.mark.parametrize("name", materials.names("half_cell_ocv"))
def test_curve_is_a_table_over_stoichiometry_with_sources(name):
    curve = materials.half_cell_ocv(name)
    s, v = np.asarray(curve.stoichiometry), np.asarray(curve.voltage)
    assert s[0] == 0.0 and s[-1] == 1.0 and np.all(np.diff(s) > 0)
    assert s.size == v.size and np.all((v > 0) & (v < 6))
    assert curve.stoichiometric_capacity > 0
    for field in ("stoichiometry", "voltage", "stoichiometric_capacity"):
        assert curve.source(field)


@pytest.mark.parametrize("name", materials.names("active_material"))
def test_material_curve_exists_on_its_own_electrode(name):
    material = materials.active_material(name)
    if material.ocv_curve is None:
        pytest.skip(f"{name} has no published curve yet")
    assert materials.half_cell_ocv(material.ocv_curve).electrode == material.electrode


def test_published_fits_at_a_point():
    """Chen et al. 2020 fits evaluated by hand at sto = 0.5 (tabulated points):
    graphite 1.9793 e^-19.68 + 0.2482 - 0.0909 tanh(11.19) - 0.04478 tanh(3.327)
    - 0.0205 tanh(-3.366) = 0.1331 V; NMC811 -0.4045 + 4.4875 - 0.0428 tanh(-1.003)
    - 17.7326 tanh(2.971) + 17.5842 tanh(2.995) = 3.9720 V (tables rounded to 0.1 mV)."""
    def at_half(name):
        c = materials.half_cell_ocv(name)
        return c.voltage[list(c.stoichiometry).index(0.5)]

    assert at_half("graphite_SiOx_Chen2020") == pytest.approx(0.1331, abs=1e-4)
    assert at_half("NMC811_Chen2020") == pytest.approx(3.9720, abs=1e-4)
