"""The line computes the twin's chain in parts (each electrode step once per station,
the cell steps at the cell stations): every call (of every third coil pair, the pairs
that reach the end-of-line test included) must give the numbers of one whole run of the
chain at the same actual settings, as the line computed them before."""

from dataclasses import replace

import numpy as np
import pytest

from gigatwin.line.config import Disturbance, Scenario
from gigatwin.line.engine import VirtualLine
from gigatwin.line.sinks import run_to

DAY = 86400.0


def _whole_chain(line: VirtualLine, pair) -> dict[str, np.ndarray]:
    """One run of :func:`gigatwin.twin.chain.simulate` with every setting given."""
    from gigatwin.twin.chain import simulate

    given = {path: pair.settings.get(path, np.full(line.samples, line._nominal(path)))
             for path in line.recipe.settings}
    result = simulate(line._lot_recipe(pair), line.samples, seed=[line.seed, pair.index],
                      given=given, nominal_run=False)
    return {k: v for values in result.outputs.values() for k, v in values.items()}


@pytest.mark.slow      # about a minute: the whole chain once more for many calls
def test_every_physics_call_equals_one_run_of_the_whole_chain(fast_line, collect):
    disturbances = (
        Disturbance("drift", target="cathode.slurry_solid_content", start=0.1 * DAY,
                    end=0.6 * DAY, change=-0.02, name="solids"),
        Disturbance("step", target="anode.dryer_zone1_air_temperature", start=0.2 * DAY,
                    end=0.5 * DAY, change=10.0, name="dryer"),
        Disturbance("lot_change", target="anode.active_material_bet_surface_area",
                    start=0.15 * DAY, change=600.0, name="fine lot"))
    scenario = Scenario("parts", "<test>", disturbances)
    checked = {"electrode": 0, "whole": 0, "setpoint": 0}

    class Checked(VirtualLine):
        def _physics(self, pair, electrode=None, upto="post_drying"):
            parts = super()._physics(pair, electrode, upto)
            if pair.index % 3:      # every third coil pair: a third of the test's time
                return parts
            whole = _whole_chain(self, pair)
            assert parts.keys() <= whole.keys()
            for key, values in parts.items():
                np.testing.assert_array_equal(values, whole[key], err_msg=key)
            if electrode is None:
                assert parts.keys() == whole.keys()
            checked["electrode" if electrode else "whole"] += 1
            return parts

        def _cells(self, pairs, cathodes, anodes):
            # a client writes a setpoint mid-run: settings not yet applied read it
            self.env.process(self._write_later())
            yield from super()._cells(pairs, cathodes, anodes)

        def _write_later(self):
            yield self.env.timeout(0.3 * DAY)
            self.write_setpoint("cathode.calender_line_load", 800e3)
            checked["setpoint"] += 1

    import gigatwin.line.engine as engine

    line = replace(fast_line, aging_time=600.0)
    original = engine.VirtualLine
    engine.VirtualLine = Checked
    try:
        truth = run_to(line, scenario, [collect], duration=1.25 * DAY, seed=4)
    finally:
        engine.VirtualLine = original
    assert checked["setpoint"] == 1 and checked["electrode"] > 50 and checked["whole"] > 20
    assert truth.cell_rows            # cells reached the end-of-line test
