"""A disturbance that takes the twin outside its models' validity stops the line with
one clear message (SimPy re-raises exceptions by re-creating them from their args)."""

import pytest

from gigatwin.line.config import Disturbance, Scenario
from gigatwin.line.engine import LinePhysicsError
from gigatwin.line.sinks import run_to


def test_a_dryer_too_cold_for_the_drying_model_is_named(fast_line, collect):
    # 75 degC - 40 K = 35 degC in cathode zone 2: the NMP film would settle below the
    # Antoine range of the drying model (wet-bulb film temperature >= 336 K)
    cold = Disturbance("step", target="cathode.dryer_zone2_air_temperature", start=0.0,
                       change=-40.0, name="cold zone 2")
    with pytest.raises(LinePhysicsError, match=r"coil pair 0 at .* h: the twin cannot "
                                               r"compute .*air_temperature"):
        run_to(fast_line, Scenario("cold", "<test>", (cold,)), [collect], duration=3600.0)
