"""Calibrate per-step unit capital so the model's annual cost per step meets a target.

Used once to set the unit capital of the BatPaC reference plant from the annual costs
per step that BatPaC gives (Nelson 2019, as tabulated by Liu et al. 2021, Table 1);
everything else (rates, machines, labour, floor space, yields) stays as stated in the
plant file. Solving the BatPaC cost equation for the capital of one unit:

    C_unit = (K_target - L - F - E) / (d (1 + o_D) max(m, 1)^p)

with labour L, floor space F, energy cost E, depreciation rate d, overhead on
depreciation o_D (labour overhead folded into L), machine equivalents m and exponent p.
"""

from __future__ import annotations

from gigatwin.factory.model import evaluate_plant
from gigatwin.factory.plant import Plant, PlantError


def calibrate_unit_capital(plant: Plant, target_cost_per_year: dict[str, float]) -> dict[str, float]:
    """Unit capital [USD] per step that reproduces ``target_cost_per_year`` [USD/yr]."""
    result = evaluate_plant(plant)
    eco = plant.economics
    out = {}
    for name, target in target_cost_per_year.items():
        step, res = plant.step(name), result.step(name)
        fixed = res.labour * (1 + eco.overhead_on_labour) + res.floor_space + res.energy_cost
        remaining = target - fixed
        if remaining <= 0:
            raise PlantError(f"step {name!r}: labour, floor space and energy ({fixed:.4g} USD/yr) "
                             f"already exceed the target cost {target:.4g} USD/yr")
        scale = max(res.machine_equivalents, 1.0) ** step.capital_exponent
        out[name] = remaining / (eco.equipment_depreciation_rate
                                 * (1 + eco.overhead_on_depreciation) * scale)
    return out
