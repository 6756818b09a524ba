"""Scaling behaviour of the static model, with the expected magnitudes worked out."""

import dataclasses

import pytest

from gigatwin.factory import evaluate_plant, load_plant
from gigatwin.factory.plant import AnnualOutput, rebuilt
from gigatwin.factory.scenarios import apply_scenario, load_scenarios
from gigatwin.units import to_si


def test_doubling_output_lowers_cost_per_kwh(plants_dir):
    """Table 1 plant (cost = 0.167 C + $15/h x hours + $150/m^2 x area, nothing else): every
    BatPaC rate doubles, so each term grows by 2^p and cost per kWh by 2^(p-1). Weights by
    hand from BatPaC's baseline table (data/batpac_baseline.yaml) for the ten Table 1 steps,
    in M$/yr: p 0.4: labour NMP recovery 14,400 h x 15 = 0.216; p 0.5: labour of the other
    electrode processes, insertion, filling 208,800 h = 3.132; p 0.6: capital NMP recovery
    3 x 0.167 = 0.501 + area 3,975 m^2 x 150 = 0.596; p 0.7: capital 17.6 M$ x 0.167 = 2.939 +
    labour stacking, welding, formation 129,600 h = 1.944; p 0.8: capital coating, stacking,
    welding, formation 54 M$ x 0.167 = 9.018 + area 4,900 m^2 = 0.735; sum 19.081.
    Ratio = (0.216 x 2^-0.6 + 3.132 x 2^-0.5 + 1.097 x 2^-0.4 + 4.883 x 2^-0.3
    + 9.753 x 2^-0.2) / 19.081 = 15.646 / 19.081 = 0.820. The plant's own weights differ a
    little from the baseline's (less NMP per cell, coating solvent factor): within 0.005."""
    path = plants_dir / "batpac_nmc622_100k_packs.yaml"
    base = evaluate_plant(load_plant(path))
    double = evaluate_plant(_with_output(load_plant(path), packs=200000, cells_per_pack=288))
    ratio = double.cost_per_energy / base.cost_per_energy
    assert ratio == pytest.approx(0.820, abs=0.005)


def test_doubling_output_scales_industrial_capital_by_batpac_exponents(plants_dir):
    """Industrial plant (BatPaC 5.0), 10 -> 20 GWh/yr: every rate doubles, so a step's
    capital grows by 2^p_capital of its BatPaC 5.0 processes (published exponents): 0.9 ->
    1.866 (materials preparation, coating, calendering, slitting + notching, vacuum drying,
    stacking, welding + X-ray, insertion + filling, dry room), 0.95 -> 1.932 (NMP recovery,
    formation). Plant support mixes 0.9 (scrap recycle) and 0.95 (laboratory, warehouse).
    Capital per GWh therefore falls only to between 2^-0.1 = 0.933 and 2^-0.05 = 0.966:
    BatPaC 5.0 sees little economy of scale."""
    path = plants_dir / "industrial_nmc622_10gwh.yaml"
    base = evaluate_plant(load_plant(path))
    double = evaluate_plant(_with_output(load_plant(path), energy=to_si(20, "GWh/yr")))
    p09 = ("Slurry mixing", "Coating/drying", "Calendering", "Slitting", "Vacuum drying",
           "Stacking", "Welding", "Enclosing", "Dry room")
    expected = {**dict.fromkeys(p09, 2 ** 0.9), "Solvent recovery": 2 ** 0.95,
                "Formation": 2 ** 0.95}
    for name, factor in expected.items():
        ratio = double.step(name).capital / base.step(name).capital
        assert ratio == pytest.approx(factor, rel=1e-9), name
    support = double.step("Plant support").capital / base.step("Plant support").capital
    assert 2 ** 0.9 < support < 2 ** 0.95
    per_gwh = double.capital / base.capital / 2
    assert 2 ** -0.1 <= per_gwh <= 2 ** -0.05


def _with_output(plant, **output):
    """The same plant with another annual output (a typed change, as scenarios make)."""
    return rebuilt(plant, annual_output=AnnualOutput(**output))


def _with_formation(plant, time_factor, rate_factor):
    steps = []
    for s in plant.steps:
        if s.name == "Formation":
            s = dataclasses.replace(s, process_time=time_factor * s.process_time,
                                    batpac=dataclasses.replace(s.batpac,
                                                               rate_factor=rate_factor))
        steps.append(s)
    return rebuilt(plant, steps=steps)


def test_formation_twice_as_fast_lowers_formation_capital_and_floor_space(industrial_plant):
    """Industrial plant, formation sized by BatPaC 5.0's total formation process (830 M$,
    560,000 h/yr, 110,000 m^2 at 211 M cells; exponents 0.95 / 0.7 / 0.95). Half the
    process time halves the rack equivalents (throughput, DES). BatPaC's rate law sees rates,
    not times, so the faster process enters the cost as half the equipment demand
    (batpac.rate_factor 0.5, as the fast-formation scenario does): capital x 0.5^0.95 =
    0.518, floor area x 0.5^0.95, direct labour x 0.5^0.7 = 0.616. The time change alone
    leaves the BatPaC cost unchanged."""
    base = evaluate_plant(industrial_plant).step("Formation")
    time_only = evaluate_plant(_with_formation(industrial_plant, 0.5, 1.0)).step("Formation")
    fast = evaluate_plant(_with_formation(industrial_plant, 0.5, 0.5)).step("Formation")
    assert fast.machine_equivalents == pytest.approx(base.machine_equivalents / 2, rel=1e-9)
    assert fast.machines == pytest.approx(base.machines / 2, abs=1)
    assert time_only.capital == pytest.approx(base.capital, rel=1e-12)
    assert fast.capital / base.capital == pytest.approx(0.5 ** 0.95, rel=1e-9)
    assert fast.area / base.area == pytest.approx(0.5 ** 0.95, rel=1e-9)
    assert fast.labour / base.labour == pytest.approx(0.5 ** 0.7, rel=1e-9)


def test_fast_formation_on_batpac_sized_step(batpac_plant):
    """BatPaC-sized step: the fast-formation scenario halves the formation equipment demand
    (batpac.rate_factor 0.5), so capital x0.5^0.8 = 0.574, labour x0.5^0.7 = 0.616 and area
    x0.5^0.8 (BatPaC formation cycling exponents 0.8 / 0.7 / 0.8)."""
    base = evaluate_plant(batpac_plant).step("Formation/aging")
    fast = evaluate_plant(apply_scenario(
        batpac_plant, load_scenarios()["fast_formation_narrow_window"])).step("Formation/aging")
    assert fast.capital / base.capital == pytest.approx(0.5 ** 0.8, rel=1e-9)
    assert fast.labour / base.labour == pytest.approx(0.5 ** 0.7, rel=1e-9)
    assert fast.area / base.area == pytest.approx(0.5 ** 0.8, rel=1e-9)


def test_solvent_free_coating_removes_drying_and_nmp_recovery_energy(industrial_plant):
    """Dry coating removes the dryer (heat and fans) and the NMP recovery: the coating step
    keeps only its drive power (60 kW per line while running) and recovery energy is zero.
    Baseline: dryer + recovery ~ 6.0 kWh per kWh of cells."""
    base = evaluate_plant(industrial_plant)
    dry = evaluate_plant(apply_scenario(industrial_plant, load_scenarios()["dry_coating"]))
    coat = dry.step("Coating/drying")
    assert coat.thermal_energy == 0.0
    busy_seconds = coat.required_rate * industrial_plant.calendar.operating_seconds * coat.lot_time / coat.lot_cells
    assert coat.electric_energy == pytest.approx(60e3 * busy_seconds, rel=1e-9)
    assert "Solvent recovery" not in [s.name for s in dry.steps]
    removed = (base.step("Coating/drying").energy - coat.energy
               + base.step("Solvent recovery").energy) / base.annual_energy_output
    assert removed == pytest.approx(6.0, abs=0.3)
    # the mixers also handle less mass (no solvent); every other step is unchanged
    mixing = (base.step("Slurry mixing").energy - dry.step("Slurry mixing").energy) / base.annual_energy_output
    assert mixing > 0
    assert base.energy_per_energy - dry.energy_per_energy == pytest.approx(removed + mixing, rel=1e-6)


def test_yields_raise_upstream_rates(batpac_plant):
    """Rate into a step = output / product of the yields from that step on."""
    result = evaluate_plant(batpac_plant)
    y_form = 0.97
    assert result.step("Formation/aging").required_rate == pytest.approx(
        batpac_plant.output_rate / y_form, rel=1e-12)
    y_from_mixing = 0.99 * 0.95 * 0.99 * 0.99 * 0.995 * 0.998 * 0.995 * 0.97
    assert result.step("Slurry mixing").required_rate == pytest.approx(
        batpac_plant.output_rate / y_from_mixing, rel=1e-12)
