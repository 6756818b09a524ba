"""Post-drying of electrodes: residual moisture from two water pools, and re-uptake.

Post-drying brings residual water to the low-ppm range before cell assembly: vacuum at
60-150 C for more than 12 h (12-30 h), or an inert-gas purge; an argon purge of 20 min
at 20 C gave 326 ppm and good electrochemistry (Huttner et al. 2020, via Zanotto et al.
2022 s.4.1.5). Empirical models combine a sorption equilibrium (water activity from
temperature and dew point or vacuum pressure) with the binder system: CMC takes up far
more water than PVDF. After vacuum drying, layered-oxide cathodes still hold about
100-300 ppm and CMC-bound graphite anodes more (Huttner et al. 2020; Stich et al. 2017):
that water is strongly bound, not in equilibrium with the oven gas.

Model (two pools, each first order):

    X(t) = X_eq(a) + (X_0 - X_eq) exp(-t / tau_f(T)) + X_b exp(-k_b(T) t)

- *free* (physisorbed) water X_0 in sorption equilibrium X_eq with the gas: a GAB
  isotherm of the binder plus a small linear uptake of the other solids (data in
  :mod:`gigatwin.materials`), approached with an Arrhenius time constant tau_f(T);
- *bound* water X_b = sum of mass fraction x bound-water content of each component
  (active material surface species, CMC), released by slow first-order desorption with
  an Arrhenius rate k_b(T) (activation energy 60 kJ/mol, typical of chemisorbed water).

Afterwards the electrode waits in the dry room: the free pool relaxes towards the
equilibrium at the dry-room dew point (re-uptake), the bound pool does not come back
(:func:`dry_room_uptake`). The two-pool form and its rates are a documented simple model
(typical), sized to the published ranges above, not a fit to one data set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigatwin import materials
from gigatwin.checks import require_fraction, require_positive, require_range
from gigatwin.citations import Citation, cites
from gigatwin.materials.properties import GAS_CONSTANT
from gigatwin.references import ALDUCHOV_1996, ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array

STICH_2017 = Citation(
    key="stich2017", authors="Stich, Pandey, Bund",
    title="Drying and moisture resorption behaviour of various electrode materials and separators "
          "for lithium-ion batteries",
    venue="Journal of Power Sources 364 (2017) 84-91", year=2017,
    doi="10.1016/j.jpowsour.2017.08.009")
HUTTNER_2019 = Citation(
    key="huttner2019", authors="Huttner, Haselrieder, Kwade",
    title="The influence of different post-drying procedures on remaining water content and physical "
          "and electrochemical properties of lithium-ion batteries",
    venue="Energy Technology 8 (2020) 1900245", year=2019, doi="10.1002/ente.201900245")
GAB_TIMMERMANN_2001 = Citation(
    key="timmermann2001", authors="Timmermann, Chirife, Iglesias",
    title="Water sorption isotherms of foods and foodstuffs: BET or GAB parameters?",
    venue="Journal of Food Engineering 48 (2001) 19-31", year=2001, doi="10.1016/S0260-8774(00)00139-4")

OTHER_SOLIDS_UPTAKE = 5e-4
"""Water taken up by active material and carbon at activity 1, kg/kg (typical, linear in a)."""

DEFAULT_TIME_CONSTANT = 1059.0
"""tau at 20 C [s]: calibrated so that 20 min argon purge at 20 C takes a 2 wt% CMC
anode from 1000 ppm (typical, assumed) to 326 ppm (Huttner et al. 2019), purge gas at
a -60 C dew point (typical dry-room gas)."""

DEFAULT_ACTIVATION_ENERGY = 40e3
"""Activation energy of water desorption/diffusion [J/mol] (typical for polymers, 30-50 kJ/mol)."""

BOUND_WATER_RATE = 1.0 / (16 * 3600.0)
"""k_b at 120 C [1/s]: 16 h of vacuum drying at 120 C releases 1 - 1/e = 63 % of the bound
water (typical; sized so that a layered-oxide cathode keeps 100-300 ppm, Huttner 2020)."""

BOUND_WATER_REFERENCE_TEMPERATURE = 393.15  # [K], 120 C

BOUND_WATER_ACTIVATION_ENERGY = 60e3
"""Activation energy of the release of bound water [J/mol] (typical of chemisorbed water,
50-80 kJ/mol): 16 h at 20 C releases almost none of it, so a room-temperature purge
leaves the bound pool in place."""


@dataclass(frozen=True)
class PostDryingResult:
    """Outcome of post-drying (arrays broadcast together).

    water_activity : a = p_w / p_sat(T) [1]
    equilibrium_moisture : X_eq, kg water per kg dry coating [1] (x 1e6 for ppm)
    residual_moisture : X after the drying time, both pools [1]
    time_constant : tau_f(T) of the free pool [s]
    free_moisture : free pool after the drying time [1]
    bound_moisture : bound pool after the drying time [1]
    """

    water_activity: np.ndarray | float
    equilibrium_moisture: np.ndarray | float
    residual_moisture: np.ndarray | float
    time_constant: np.ndarray | float
    free_moisture: np.ndarray | float = 0.0
    bound_moisture: np.ndarray | float = 0.0


@cites(ALDUCHOV_1996)
def water_partial_pressure_from_dew_point(dew_point):
    """Water vapour partial pressure of a gas with the given dew (frost) point [Pa].

    Magnus forms of Alduchov & Eskridge (1996): over ice 611.21 exp(22.587 t/(t + 273.86))
    below 0 C, over water 610.94 exp(17.625 t/(t + 243.04)) above (t in C).
    dew_point : [K], 193.15-323.15 (-80 to 50 C; dry rooms run at about -60 C).
    """
    require_range("dew_point", dew_point, unit="K", ge=193.15, le=323.15)
    t = np.asarray(dew_point, dtype=float) - 273.15
    ice = 611.21 * np.exp(22.587 * t / (t + 273.86))
    water = 610.94 * np.exp(17.625 * t / (t + 243.04))
    return scalar_or_array(np.where(t < 0.0, ice, water))


@cites(ZANOTTO_2022)
def water_activity(temperature, water_partial_pressure):
    """Water activity a = p_w / p_sat(T) [1], p_sat from the water Antoine data.

    temperature : electrode temperature [K], 273.2-473.2; water_partial_pressure : p_w [Pa],
    >= 0 and not above p_sat(T) (vacuum: the chamber pressure when residual gas is mostly
    water; purge: from the purge-gas dew point).
    """
    require_range("water_partial_pressure", water_partial_pressure, unit="Pa", ge=0)
    p_sat = materials.solvent("water").vapour_pressure(temperature)
    activity = np.asarray(water_partial_pressure, dtype=float) / p_sat
    require_range("water_partial_pressure (as activity p_w/p_sat)", activity, unit="1", ge=0, le=1)
    return scalar_or_array(activity)


@cites(GAB_TIMMERMANN_2001, ZANOTTO_2022)
def equilibrium_moisture(water_activity, binder_mass_fraction, binder="CMC"):
    """Equilibrium water content of a coating, kg water per kg dry coating [1].

    X_eq = w_b X_GAB(a) + (1 - w_b) k_o a,  X_GAB = X_m C K a / ((1 - K a)(1 - K a + C K a))

    water_activity : a [1], [0, 1]; binder_mass_fraction : w_b [1], [0, 0.3];
    binder : name in :mod:`gigatwin.materials` (GAB parameters per binder; CMC >> PVDF).
    k_o = OTHER_SOLIDS_UPTAKE (typical). The isotherm is taken as temperature independent.
    """
    require_fraction("water_activity", water_activity)
    require_range("binder_mass_fraction", binder_mass_fraction, unit="1", ge=0, le=0.3)
    props = materials.binder(binder)
    a = np.asarray(water_activity, dtype=float)
    ka = props.gab_k * a
    gab = props.gab_monolayer_moisture * props.gab_c * ka / ((1.0 - ka) * (1.0 - ka + props.gab_c * ka))
    w_b = np.asarray(binder_mass_fraction, dtype=float)
    return scalar_or_array(w_b * gab + (1.0 - w_b) * OTHER_SOLIDS_UPTAKE * a)


@cites(HUTTNER_2019)
def moisture_time_constant(temperature, time_constant_reference=DEFAULT_TIME_CONSTANT,
                           reference_temperature=293.15, activation_energy=DEFAULT_ACTIVATION_ENERGY):
    """Arrhenius time constant of moisture removal: tau = tau_ref exp(E/R (1/T - 1/T_ref)) [s].

    temperature : [K], 273.15-473.15; time_constant_reference : tau at T_ref [s] (default
    calibrated to Huttner et al. 2019 for sheets; coils need far longer, fit per plant);
    activation_energy : E [J/mol], 0-100e3.
    """
    require_range("temperature", temperature, unit="K", ge=273.15, le=473.15)
    require_positive("time_constant_reference", time_constant_reference, unit="s")
    require_range("activation_energy", activation_energy, unit="J/mol", ge=0, le=100e3)
    t = np.asarray(temperature, dtype=float)
    return scalar_or_array(np.asarray(time_constant_reference)
                  * np.exp(np.asarray(activation_energy) / GAS_CONSTANT * (1.0 / t - 1.0 / reference_temperature)))


@cites(HUTTNER_2019, STICH_2017)
def bound_water_release_rate(temperature, rate_reference=BOUND_WATER_RATE,
                             reference_temperature=BOUND_WATER_REFERENCE_TEMPERATURE,
                             activation_energy=BOUND_WATER_ACTIVATION_ENERGY):
    """First-order release rate of bound water: k_b = k_ref exp(-E/R (1/T - 1/T_ref)) [1/s].

    temperature : [K], 273.15-473.15; rate_reference : k_b at T_ref [1/s] (default: 1/(16 h)
    at 120 C, typical); activation_energy : E [J/mol], 0-150e3 (default 60e3, typical).
    """
    require_range("temperature", temperature, unit="K", ge=273.15, le=473.15)
    require_positive("rate_reference", rate_reference, unit="1/s")
    require_range("activation_energy", activation_energy, unit="J/mol", ge=0, le=150e3)
    t = np.asarray(temperature, dtype=float)
    return scalar_or_array(np.asarray(rate_reference) * np.exp(
        -np.asarray(activation_energy) / GAS_CONSTANT * (1.0 / t - 1.0 / reference_temperature)))


@cites(HUTTNER_2019, ZANOTTO_2022)
def post_drying(initial_moisture, binder_mass_fraction, drying_time, temperature, water_partial_pressure,
                binder="CMC", time_constant_reference=DEFAULT_TIME_CONSTANT,
                activation_energy=DEFAULT_ACTIVATION_ENERGY, bound_moisture=0.0):
    """Residual moisture after post-drying; returns :class:`PostDryingResult`.

    X(t) = X_eq + (X_0 - X_eq) exp(-t / tau_f(T)) + X_b exp(-k_b(T) t), X_eq at a = p_w / p_sat(T).

    initial_moisture : free water X_0, kg/kg [1], [0, 0.2] (1000 ppm = 1e-3);
    binder_mass_fraction : [1], [0, 0.3]; drying_time : t [s], >= 0 (vacuum ovens 12-30 h,
    purge 20 min); temperature : [K], 273.2-473.2 (60-150 C for vacuum drying);
    water_partial_pressure : p_w [Pa] (vacuum chamber pressure, or
    :func:`water_partial_pressure_from_dew_point` of the purge gas); binder : name;
    bound_moisture : X_b, bound water at the start, kg/kg [1], [0, 0.05] (see
    :func:`bound_moisture`; 0 gives the one-pool model). If X_0 < X_eq the coating takes
    up water instead.
    """
    require_range("initial_moisture", initial_moisture, unit="1", ge=0, le=0.2)
    require_range("bound_moisture", bound_moisture, unit="1", ge=0, le=0.05)
    require_range("drying_time", drying_time, unit="s", ge=0)
    activity = water_activity(temperature, water_partial_pressure)
    x_eq = equilibrium_moisture(activity, binder_mass_fraction, binder)
    tau = moisture_time_constant(temperature, time_constant_reference, activation_energy=activation_energy)
    t = np.asarray(drying_time, dtype=float)
    free = x_eq + (np.asarray(initial_moisture, dtype=float) - x_eq) * np.exp(-t / tau)
    bound = np.asarray(bound_moisture, dtype=float) * np.exp(-bound_water_release_rate(temperature) * t)
    return PostDryingResult(water_activity=activity, equilibrium_moisture=x_eq,
                            residual_moisture=scalar_or_array(free + bound), time_constant=tau,
                            free_moisture=scalar_or_array(free), bound_moisture=scalar_or_array(bound))


@cites(STICH_2017)
def bound_moisture(mass_fractions, bound_water_contents):
    """Bound water of a coating: X_b = sum_i w_i b_i, kg per kg dry coating [1].

    mass_fractions : w_i of the components [1], each in [0, 1]; bound_water_contents : b_i,
    kg bound water per kg of that component [1], each in [0, 0.5] (data in
    :mod:`gigatwin.materials`, ``bound_water_content``). Sequences of equal length.
    """
    if len(mass_fractions) != len(bound_water_contents):
        raise ValueError(f"mass_fractions has {len(mass_fractions)} entries, bound_water_contents "
                         f"{len(bound_water_contents)}: give one bound-water content per component")
    total = 0.0
    for w, b in zip(mass_fractions, bound_water_contents, strict=True):
        require_fraction("mass_fractions", w)
        require_range("bound_water_contents", b, unit="1", ge=0, le=0.5)
        total = total + np.asarray(w, dtype=float) * b
    return scalar_or_array(total)


@cites(STICH_2017, ALDUCHOV_1996)
def dry_room_uptake(free_moisture, bound_moisture, binder_mass_fraction, exposure_time,
                    dew_point, room_temperature=293.15, binder="CMC",
                    time_constant_reference=DEFAULT_TIME_CONSTANT,
                    activation_energy=DEFAULT_ACTIVATION_ENERGY):
    """Moisture after waiting in the dry room: X = X_b + X_eq,r + (X_f - X_eq,r) exp(-t/tau_f(T_r)) [1].

    The free pool relaxes towards the sorption equilibrium at the dry room's water
    activity a = p_w(dew point) / p_sat(T_r); the bound pool stays (its release needs heat,
    its re-formation is not modelled). Stich et al. (2017) saw dried electrodes take water
    back within hours in moist air, CMC anodes most.
    free_moisture, bound_moisture : after post-drying, kg/kg [1], >= 0;
    binder_mass_fraction : [1]; exposure_time : t [s], >= 0 (time between oven and cell
    sealing); dew_point : of the dry-room air [K], 193.15-273.15 (dry rooms -30 to -60 C);
    room_temperature : T_r [K], 283.15-313.15; binder : name.
    """
    require_range("free_moisture", free_moisture, unit="1", ge=0, le=0.2)
    require_range("bound_moisture", bound_moisture, unit="1", ge=0, le=0.05)
    require_range("exposure_time", exposure_time, unit="s", ge=0)
    require_range("dew_point", dew_point, unit="K", ge=193.15, le=273.15)
    require_range("room_temperature", room_temperature, unit="K", ge=283.15, le=313.15)
    activity = water_activity(room_temperature, water_partial_pressure_from_dew_point(dew_point))
    x_eq = equilibrium_moisture(activity, binder_mass_fraction, binder)
    tau = moisture_time_constant(room_temperature, time_constant_reference,
                                 activation_energy=activation_energy)
    relax = np.exp(-np.asarray(exposure_time, dtype=float) / tau)
    free = x_eq + (np.asarray(free_moisture, dtype=float) - x_eq) * relax
    return scalar_or_array(free + np.asarray(bound_moisture, dtype=float))


CONFORMANCE = (
    Conformance(water_partial_pressure_from_dew_point, valid={"dew_point": 213.15},
                invalid=(("dew_point", 100.0),)),
    Conformance(water_activity, valid={"temperature": 393.15, "water_partial_pressure": 100.0},
                invalid=(("temperature", 600.0), ("water_partial_pressure", -1.0))),
    Conformance(equilibrium_moisture, valid={"water_activity": 0.1, "binder_mass_fraction": 0.02},
                invalid=(("water_activity", 1.5), ("binder_mass_fraction", 0.5))),
    Conformance(moisture_time_constant, valid={"temperature": 393.15},
                invalid=(("temperature", 100.0), ("time_constant_reference", 0.0),
                         ("activation_energy", -1.0))),
    Conformance(post_drying,
                valid={"initial_moisture": 1e-3, "binder_mass_fraction": 0.02, "drying_time": 43200.0,
                       "temperature": 393.15, "water_partial_pressure": 10.0},
                invalid=(("initial_moisture", -1e-3), ("binder_mass_fraction", 0.9), ("drying_time", -1.0),
                         ("temperature", 50.0), ("water_partial_pressure", -5.0),
                         ("bound_moisture", -1e-4))),
    Conformance(bound_water_release_rate, valid={"temperature": 393.15},
                invalid=(("temperature", 100.0), ("rate_reference", 0.0), ("activation_energy", -1.0))),
    Conformance(bound_moisture, valid={"mass_fractions": (0.96, 0.02), "bound_water_contents": (7e-4, 0.0)},
                invalid=(("mass_fractions", (1.5, 0.0)), ("bound_water_contents", (0.9, 0.0)))),
    Conformance(dry_room_uptake,
                valid={"free_moisture": 1e-5, "bound_moisture": 2e-4, "binder_mass_fraction": 0.03,
                       "exposure_time": 3600.0, "dew_point": 233.15},
                invalid=(("free_moisture", -1.0), ("bound_moisture", 1.0), ("exposure_time", -1.0),
                         ("dew_point", 300.0), ("room_temperature", 400.0))),
)
