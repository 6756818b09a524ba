"""Slurry mixing: composition, density, rheology and specific mixing energy.

A slurry is solids (active material, conductive carbon, binder) dispersed in a solvent
(NMP for PVDF cathodes, water for CMC/SBR anodes). Its viscosity is modelled as a
shear-thinning binder solution (Cross model) multiplied by the Krieger-Dougherty
relative viscosity of the particle suspension. Mixers run at 1000-4000 rpm for
10-120 min (Zanotto et al. 2022 s.4.1.1); the viscosity is measured offline over
0.1-1000 1/s and extrapolated with a power law.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import require_fraction, require_positive, require_range
from gigatwin.citations import Citation, cites
from gigatwin.references import ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array

KRIEGER_DOUGHERTY_1959 = Citation(
    key="krieger1959",
    authors="Krieger, Dougherty",
    title="A mechanism for non-Newtonian flow in suspensions of rigid spheres",
    venue="Transactions of the Society of Rheology 3 (1959) 137-152",
    year=1959,
    doi="10.1122/1.548848",
)
CROSS_1965 = Citation(
    key="cross1965",
    authors="Cross",
    title="Rheology of non-Newtonian fluids: a new flow equation for pseudoplastic systems",
    venue="Journal of Colloid Science 20 (1965) 417-437",
    year=1965,
    doi="10.1016/0095-8522(65)90022-X",
)


@cites(ZANOTTO_2022)
def solids_density(active_mass_fraction, active_density, carbon_mass_fraction, carbon_density,
                   binder_mass_fraction, binder_density):
    """Density of the dry solids mixture: 1/rho_s = sum_i w_i / rho_i [kg/m^3].

    *_mass_fraction : w_i of the dry solids [1], each in [0, 1], summing to 1 (+-1e-6)
    *_density : rho_i of each component [kg/m^3], > 0

    Volume additivity (no pores); source: mass balance.
    """
    fractions = {"active_mass_fraction": active_mass_fraction,
                 "carbon_mass_fraction": carbon_mass_fraction,
                 "binder_mass_fraction": binder_mass_fraction}
    for name, value in fractions.items():
        require_fraction(name, value)
    for name, value in (("active_density", active_density), ("carbon_density", carbon_density),
                        ("binder_density", binder_density)):
        require_positive(name, value, unit="kg/m^3")
    total = np.asarray(active_mass_fraction) + carbon_mass_fraction + binder_mass_fraction
    require_range("active_mass_fraction + carbon_mass_fraction + binder_mass_fraction", total,
                  unit="1", ge=1 - 1e-6, le=1 + 1e-6)
    specific_volume = (np.asarray(active_mass_fraction) / active_density
                       + np.asarray(carbon_mass_fraction) / carbon_density
                       + np.asarray(binder_mass_fraction) / binder_density)
    return scalar_or_array(1.0 / specific_volume)


@cites(ZANOTTO_2022)
def solids_volume_fraction(solid_content, solids_density, solvent_density):
    """Volume fraction of solids in the slurry [1].

    phi = (w / rho_s) / (w / rho_s + (1 - w) / rho_l)

    solid_content : w, mass fraction of solids in the slurry [1], (0, 1)
    solids_density : rho_s, dry solids density [kg/m^3] (see :func:`solids_density`)
    solvent_density : rho_l [kg/m^3] (binder dissolved in the solvent is counted as solid)
    """
    _check_composition(solid_content, solids_density, solvent_density)
    solids = np.asarray(solid_content) / solids_density
    return scalar_or_array(solids / (solids + (1.0 - np.asarray(solid_content)) / solvent_density))


@cites(ZANOTTO_2022)
def slurry_density(solid_content, solids_density, solvent_density):
    """Slurry density by volume additivity: 1/rho = w/rho_s + (1 - w)/rho_l [kg/m^3].

    solid_content : w [1], (0, 1); solids_density : rho_s [kg/m^3]; solvent_density : rho_l [kg/m^3]
    """
    _check_composition(solid_content, solids_density, solvent_density)
    w = np.asarray(solid_content, dtype=float)
    return scalar_or_array(1.0 / (w / solids_density + (1.0 - w) / solvent_density))


@cites(KRIEGER_DOUGHERTY_1959)
def krieger_dougherty_relative_viscosity(solids_volume_fraction, maximum_packing_fraction=0.64,
                                         intrinsic_viscosity=2.5):
    """Relative viscosity of a suspension: eta_r = (1 - phi/phi_m)^(-[eta] phi_m) [1].

    solids_volume_fraction : phi [1], 0 <= phi < phi_m
    maximum_packing_fraction : phi_m [1], 0.5-0.74 (0.64 random close packing of spheres;
        0.55-0.64 typical for electrode slurries)
    intrinsic_viscosity : [eta] [1], 2.5 for rigid spheres (Einstein), 2.5-5 for
        non-spherical particles

    Source: Krieger & Dougherty (1959), doi:10.1122/1.548848.
    """
    require_range("maximum_packing_fraction", maximum_packing_fraction, unit="1", ge=0.3, le=0.74)
    require_range("intrinsic_viscosity", intrinsic_viscosity, unit="1", ge=1, le=10)
    require_range("solids_volume_fraction", solids_volume_fraction, unit="1", ge=0)
    packing = np.asarray(solids_volume_fraction, dtype=float) / np.asarray(maximum_packing_fraction)
    # element by element: each sample against its own phi_m (not the smallest phi_m of the batch)
    require_range("solids_volume_fraction (as phi/phi_m)", packing, unit="1", ge=0, lt=1)
    ratio = 1.0 - packing
    return scalar_or_array(ratio ** (-np.asarray(intrinsic_viscosity) * maximum_packing_fraction))


@cites(CROSS_1965)
def cross_viscosity(shear_rate, zero_shear_viscosity, infinite_shear_viscosity, cross_time_constant,
                    cross_rate_index):
    """Shear-thinning viscosity (Cross model) [Pa s].

    eta = eta_inf + (eta_0 - eta_inf) / (1 + (lambda gamma_dot)^m)

    shear_rate : gamma_dot [1/s], 1e-3-1e5 (coating gaps see 1e2-1e5 1/s)
    zero_shear_viscosity : eta_0 [Pa s], > 0
    infinite_shear_viscosity : eta_inf [Pa s], 0 <= eta_inf <= eta_0
    cross_time_constant : lambda [s], > 0
    cross_rate_index : m [1], 0 < m <= 1.5 (1 - m is the power-law index at high rates)

    Source: Cross (1965), doi:10.1016/0095-8522(65)90022-X.
    """
    require_range("shear_rate", shear_rate, unit="1/s", ge=1e-3, le=1e5)
    require_positive("zero_shear_viscosity", zero_shear_viscosity, unit="Pa s")
    require_range("infinite_shear_viscosity", infinite_shear_viscosity, unit="Pa s", ge=0)
    require_positive("cross_time_constant", cross_time_constant, unit="s")
    require_range("cross_rate_index", cross_rate_index, unit="1", gt=0, le=1.5)
    eta_0 = np.asarray(zero_shear_viscosity, dtype=float)
    eta_inf = np.asarray(infinite_shear_viscosity, dtype=float)
    require_range("zero_shear_viscosity - infinite_shear_viscosity", eta_0 - eta_inf, unit="Pa s", ge=0)
    thinning = 1.0 + (np.asarray(cross_time_constant) * shear_rate) ** np.asarray(cross_rate_index)
    return scalar_or_array(eta_inf + (eta_0 - eta_inf) / thinning)


@cites(ZANOTTO_2022)
def power_law_viscosity(shear_rate, consistency_index, flow_index):
    """Ostwald-de Waele power law: eta = K gamma_dot^(n - 1) [Pa s].

    shear_rate : gamma_dot [1/s], 1e-3-1e5; consistency_index : K [Pa s^n], > 0;
    flow_index : n [1], 0 < n <= 1.5 (n < 1 shear thinning).
    Used to extrapolate rheometer data (0.1-1000 1/s) to coating shear rates
    (Zanotto et al. 2022 s.4.1.1).
    """
    require_range("shear_rate", shear_rate, unit="1/s", ge=1e-3, le=1e5)
    require_positive("consistency_index", consistency_index, unit="Pa s^n")
    require_range("flow_index", flow_index, unit="1", gt=0, le=1.5)
    return scalar_or_array(np.asarray(consistency_index) * np.asarray(shear_rate, dtype=float) ** (np.asarray(flow_index) - 1.0))


@cites(CROSS_1965, KRIEGER_DOUGHERTY_1959)
def slurry_viscosity(shear_rate, solids_volume_fraction, zero_shear_viscosity, infinite_shear_viscosity,
                     cross_time_constant, cross_rate_index, maximum_packing_fraction=0.64,
                     intrinsic_viscosity=2.5):
    """Slurry viscosity = binder-solution viscosity (Cross) x Krieger-Dougherty factor [Pa s].

    eta(gamma_dot, phi) = eta_Cross(gamma_dot) (1 - phi/phi_m)^(-[eta] phi_m)

    The Cross parameters describe the binder solution (matrix) alone; the particles scale
    it by the relative viscosity. Arguments and ranges as in :func:`cross_viscosity` and
    :func:`krieger_dougherty_relative_viscosity`. Assumes the shear-thinning of the
    suspension equals that of its matrix (no particle-network yield stress).
    """
    matrix = cross_viscosity(shear_rate, zero_shear_viscosity, infinite_shear_viscosity,
                             cross_time_constant, cross_rate_index)
    relative = krieger_dougherty_relative_viscosity(solids_volume_fraction, maximum_packing_fraction,
                                                    intrinsic_viscosity)
    return scalar_or_array(np.asarray(matrix) * relative)


@cites(ZANOTTO_2022)
def specific_mixing_energy(mixer_power, mixing_time, batch_mass):
    """Energy put into the slurry per mass: E_m = P t / m [J/kg].

    mixer_power : net shaft power P [W], > 0
    mixing_time : t [s], > 0 (10-120 min typical, Zanotto et al. 2022 s.4.1.1)
    batch_mass : slurry mass m [kg], > 0
    """
    require_positive("mixer_power", mixer_power, unit="W")
    require_positive("mixing_time", mixing_time, unit="s")
    require_positive("batch_mass", batch_mass, unit="kg")
    return scalar_or_array(np.asarray(mixer_power, dtype=float) * mixing_time / batch_mass)


def _check_composition(solid_content, solids_density, solvent_density):
    require_fraction("solid_content", solid_content, open_interval=True)
    require_positive("solids_density", solids_density, unit="kg/m^3")
    require_positive("solvent_density", solvent_density, unit="kg/m^3")



_SLURRY = {"solid_content": 0.65, "solids_density": 4300.0, "solvent_density": 1028.0}
_CROSS = {"shear_rate": 100.0, "zero_shear_viscosity": 5.0, "infinite_shear_viscosity": 0.01,
          "cross_time_constant": 0.1, "cross_rate_index": 0.7}

CONFORMANCE = (
    Conformance(solids_density,
                valid={"active_mass_fraction": 0.92, "active_density": 4750.0,
                       "carbon_mass_fraction": 0.04, "carbon_density": 1900.0,
                       "binder_mass_fraction": 0.04, "binder_density": 1780.0},
                invalid=(("active_mass_fraction", -0.1), ("carbon_density", 0.0),
                         ("binder_mass_fraction", 1.5))),
    Conformance(solids_volume_fraction, valid=_SLURRY,
                invalid=(("solid_content", 1.0), ("solids_density", -1.0), ("solvent_density", 0.0))),
    Conformance(slurry_density, valid=_SLURRY,
                invalid=(("solid_content", 0.0), ("solvent_density", -5.0))),
    Conformance(krieger_dougherty_relative_viscosity,
                valid={"solids_volume_fraction": 0.3, "maximum_packing_fraction": 0.64,
                       "intrinsic_viscosity": 2.5},
                invalid=(("solids_volume_fraction", 0.7), ("maximum_packing_fraction", 0.9),
                         ("intrinsic_viscosity", 0.0))),
    Conformance(cross_viscosity, valid=_CROSS,
                invalid=(("shear_rate", -1.0), ("zero_shear_viscosity", 0.0),
                         ("cross_time_constant", 0.0), ("cross_rate_index", 2.0))),
    Conformance(power_law_viscosity,
                valid={"shear_rate": 100.0, "consistency_index": 20.0, "flow_index": 0.4},
                invalid=(("shear_rate", 0.0), ("consistency_index", -1.0), ("flow_index", 0.0))),
    Conformance(slurry_viscosity, valid={**_CROSS, "solids_volume_fraction": 0.3},
                invalid=(("solids_volume_fraction", 0.8), ("shear_rate", 1e7))),
    Conformance(specific_mixing_energy,
                valid={"mixer_power": 5000.0, "mixing_time": 3600.0, "batch_mass": 100.0},
                invalid=(("mixer_power", 0.0), ("mixing_time", -1.0), ("batch_mass", 0.0))),
)
