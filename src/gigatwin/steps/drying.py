"""Convective electrode drying: evaporation rate, film temperature, a dryer of zones,
time and dryer length, binder-migration risk and defects, dried structure and energy with
NMP recovery.

Constant-rate period: hot air transfers heat to the wet film; the film settles at the
temperature where convective heat input equals the latent heat carried off by the
evaporating solvent (wet-bulb). The gas-side heat transfer coefficient comes from a
correlation (flat plate, or Martin's slot-nozzle impingement arrays); the mass transfer
coefficient follows from the Chilton-Colburn (Lewis) analogy; the solvent vapour
pressure at the film temperature comes from the Antoine data in
:mod:`gigatwin.materials`. Seed 002 (Zanotto et al. 2022 s.4.1.3): drying is film
shrinkage then pore emptying; high drying rates drive binder migration, weak adhesion
and cracking; three-stage (fast-slow-fast) profiles cut drying time about 40 %
(Jaiser 2017). Solvent recovery costs far more heat than evaporation (Ahmed 2016).

An industrial dryer is zones in series (solvent removal in such dryers: Susarla et al.
2018), each with its air temperature, nozzle velocity and length, the air loaded with
solvent vapour (:func:`zoned_drying`, :func:`solvent_partial_pressure`,
:func:`heat_up_time`); pilot and industrial dryers evaporate of the order of
0.5-3 g/(m^2 s). The drying rate when the film
consolidates sets the binder-migration index, and its scatter along the web the share
of the coating lost to it (:func:`drying_defect_probability`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigatwin import materials
from gigatwin.checks import RangeError, require_fraction, require_positive, require_range
from gigatwin.citations import Citation, cites
from gigatwin.materials.properties import AIR_MOLAR_MASS, GAS_CONSTANT
from gigatwin.references import AHMED_2016, ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array

INCROPERA_2007 = Citation(
    key="incropera2007", authors="Incropera, DeWitt, Bergman, Lavine",
    title="Fundamentals of Heat and Mass Transfer (6th ed.), Sec. 7.2-7.3 and 6.7 (flat plate, "
          "Chilton-Colburn analogy)", venue="Wiley, Hoboken NJ", year=2007,
    url="https://www.wiley.com/en-us/Fundamentals+of+Heat+and+Mass+Transfer%2C+6th+Edition-p-9780471457282")
CHILTON_COLBURN_1934 = Citation(
    key="chilton1934", authors="Chilton, Colburn",
    title="Mass transfer (absorption) coefficients: prediction from data on heat transfer and fluid friction",
    venue="Industrial & Engineering Chemistry 26 (1934) 1183-1187", year=1934, doi="10.1021/ie50299a012")
MARTIN_1977 = Citation(
    key="martin1977", authors="Martin",
    title="Heat and mass transfer between impinging gas jets and solid surfaces",
    venue="Advances in Heat Transfer 13 (1977) 1-60", year=1977, doi="10.1016/S0065-2717(08)70221-1")
JAISER_2016 = Citation(
    key="jaiser2016", authors="Jaiser, Mueller, Baunach, Bauer, Scharfer, Schabel",
    title="Investigation of film solidification and binder migration during drying of Li-Ion battery anodes",
    venue="Journal of Power Sources 318 (2016) 210-219", year=2016, doi="10.1016/j.jpowsour.2016.04.018")
JAISER_2017 = Citation(
    key="jaiser2017", authors="Jaiser, Funk, Baunach, Scharfer, Schabel",
    title="Development of a three-stage drying profile based on characteristic time periods in the "
          "drying of battery anodes",
    venue="Journal of Colloid and Interface Science 494 (2017) 22-31", year=2017,
    doi="10.1016/j.jcis.2017.01.063")
KUMBERG_2019 = Citation(
    key="kumberg2019", authors="Kumberg, Mueller, Eser, Ott, Scharfer, Schabel",
    title="Drying of lithium-ion battery anodes for use in high-energy cells: influence of electrode "
          "thickness on drying time, adhesion, and crack formation",
    venue="Energy Technology 7 (2019) 1900722", year=2019, doi="10.1002/ente.201900722")
ROUTH_2013 = Citation(
    key="routh2013", authors="Routh", title="Drying of thin colloidal films",
    venue="Reports on Progress in Physics 76 (2013) 046603", year=2013,
    doi="10.1088/0034-4885/76/4/046603")
SUSARLA_2018 = Citation(
    key="susarla2018", authors="Susarla, Ahmed, Dees",
    title="Modeling and analysis of solvent removal during Li-ion battery electrode drying",
    venue="Journal of Power Sources 378 (2018) 660-670", year=2018,
    doi="10.1016/j.jpowsour.2018.01.007")
FONT_2018 = Citation(
    key="font2018", authors="Font, Protas, Richardson, Foster",
    title="Binder migration during drying of lithium-ion battery electrodes: modelling and "
          "comparison to experiment",
    venue="Journal of Power Sources 393 (2018) 177-185", year=2018,
    doi="10.1016/j.jpowsour.2018.04.097")
WEB_HEAT_CAPACITY = 800.0
"""Specific heat of the dry web (coating solids and foil) [J/(kg K)], typical: oxides and
graphite 700-800, Al 900, Cu 385 J/(kg K) at 300-400 K (Incropera 2007, Table A.1)."""
MIGRATION_SCATTER = 0.3
"""Log-standard deviation of the critical drying rate along a web (typical, 30 %)."""
AIR_HEAT_CAPACITY = 1007.0  # [J/(kg K)], dry air near 300-400 K (Incropera 2007, Table A.4)
ATMOSPHERE = 101325.0  # [Pa]


@dataclass(frozen=True)
class ConstantRateDrying:
    """Constant-rate period of convective drying (arrays broadcast together).

    film_temperature : wet-bulb temperature of the film [K]
    evaporation_flux : solvent evaporated per area and time [kg/(m^2 s)]
    mass_transfer_coefficient : gas-side beta [m/s]
    """

    film_temperature: np.ndarray | float
    evaporation_flux: np.ndarray | float
    mass_transfer_coefficient: np.ndarray | float


@dataclass(frozen=True)
class DryingEnergy:
    """Heat and solvent balance of drying with condensation recovery, per coated area.

    air_heating : heat to warm the dryer air from ambient [J/m^2]
    evaporation : latent heat of the evaporated solvent [J/m^2]
    condenser_duty : heat removed in the recovery condenser [J/m^2]
    solvent_recovered, solvent_lost : solvent condensed / lost [kg/m^2]
    """

    air_heating: np.ndarray | float
    evaporation: np.ndarray | float
    condenser_duty: np.ndarray | float
    solvent_recovered: np.ndarray | float
    solvent_lost: np.ndarray | float


def air_properties(temperature, pressure=ATMOSPHERE):
    """Dry air: density [kg/m^3], viscosity [Pa s], conductivity [W/(m K)] at T [K], p [Pa].

    Ideal gas; Sutherland laws mu = 1.716e-5 (T/273.15)^1.5 (383.55/(T + 110.4)) and
    k = 0.0241 (T/273.15)^1.5 (467.15/(T + 194)) (White, Viscous Fluid Flow, Table 1-2);
    within 2 % of Incropera Table A.4 over 250-600 K. temperature : [K], 200-700;
    pressure : [Pa], 1e3-1e6. Returns a tuple (density, viscosity, conductivity).
    """
    require_range("temperature", temperature, unit="K", ge=200, le=700)
    require_range("pressure", pressure, unit="Pa", ge=1e3, le=1e6)
    t = np.asarray(temperature, dtype=float)
    density = np.asarray(pressure) * AIR_MOLAR_MASS / (GAS_CONSTANT * t)
    viscosity = 1.716e-5 * (t / 273.15) ** 1.5 * (273.15 + 110.4) / (t + 110.4)
    conductivity = 0.0241 * (t / 273.15) ** 1.5 * (273.15 + 194.0) / (t + 194.0)
    return density, viscosity, conductivity


@cites(INCROPERA_2007)
def heat_transfer_coefficient_flat_plate(air_velocity, air_temperature, flow_length=0.3):
    """Mean heat transfer coefficient of air flowing along a flat plate [W/(m^2 K)].

    Nu_L = 0.664 Re^(1/2) Pr^(1/3) (Re < 5e5), (0.037 Re^(4/5) - 871) Pr^(1/3) (mixed),
    h = Nu_L k / L, properties at the air temperature.

    air_velocity : U [m/s], 0.1-60; air_temperature : [K], 273-573; flow_length : L [m], 0.01-10.
    Source: Incropera et al. (2007) eqs. 7.30 and 7.38. Parallel flow gives 10-40 W/(m^2 K);
    impingement nozzle dryers reach 50-200 (use :func:`heat_transfer_coefficient_slot_nozzles`).
    """
    require_range("air_velocity", air_velocity, unit="m/s", ge=0.1, le=60)
    require_range("air_temperature", air_temperature, unit="K", ge=273.15, le=573.15)
    require_range("flow_length", flow_length, unit="m", ge=0.01, le=10)
    rho, mu, k = air_properties(air_temperature)
    reynolds = rho * np.asarray(air_velocity) * flow_length / mu
    prandtl = mu * AIR_HEAT_CAPACITY / k
    laminar = 0.664 * np.sqrt(reynolds) * prandtl ** (1 / 3)
    mixed = (0.037 * reynolds ** 0.8 - 871.0) * prandtl ** (1 / 3)
    nusselt = np.where(reynolds < 5e5, laminar, mixed)
    return scalar_or_array(nusselt * k / flow_length)


@cites(MARTIN_1977)
def heat_transfer_coefficient_slot_nozzles(jet_velocity, air_temperature, slot_width=2e-3,
                                           nozzle_pitch=0.05, nozzle_distance=0.02):
    """Mean heat transfer coefficient under an array of slot nozzles [W/(m^2 K)] (Martin 1977).

    Nu = (2/3) f0^(3/4) (2 Re / (f/f0 + f0/f))^(2/3) Pr^0.42,  Nu = h 2B / k,  Re = U 2B / nu,
    f = B / pitch, f0 = (60 + 4 (H/(2B) - 2)^2)^(-1/2).

    jet_velocity : U at the slot exit [m/s], 1-100; air_temperature : [K], 273-573;
    slot_width : B [m]; nozzle_pitch : centre distance of slots [m]; nozzle_distance : H,
    nozzle to web [m]. Validity (Martin 1977): 1500 <= Re <= 40000, 0.008 <= f <= 2.5 f0,
    1 <= H/(2B) <= 40; inputs outside raise an error naming the argument.
    """
    require_range("jet_velocity", jet_velocity, unit="m/s", ge=1, le=100)
    require_range("air_temperature", air_temperature, unit="K", ge=273.15, le=573.15)
    require_positive("slot_width", slot_width, unit="m")
    require_positive("nozzle_pitch", nozzle_pitch, unit="m")
    require_positive("nozzle_distance", nozzle_distance, unit="m")
    require_range("nozzle_distance (as H/(2B))", np.asarray(nozzle_distance) / (2 * np.asarray(slot_width)),
                  unit="1", ge=1, le=40)
    rho, mu, k = air_properties(air_temperature)
    hydraulic = 2.0 * np.asarray(slot_width)
    reynolds = rho * np.asarray(jet_velocity) * hydraulic / mu
    require_range("jet_velocity (as Reynolds number U 2B/nu)", reynolds, unit="1", ge=1500, le=40000)
    f = np.asarray(slot_width) / nozzle_pitch
    f0 = (60.0 + 4.0 * (np.asarray(nozzle_distance) / hydraulic - 2.0) ** 2) ** -0.5
    require_range("nozzle_pitch (as open area f = B/pitch)", f, unit="1", ge=0.008)
    require_range("nozzle_pitch (as open area ratio f/f0)", f / f0, unit="1", le=2.5)
    prandtl = mu * AIR_HEAT_CAPACITY / k
    nusselt = (2 / 3) * f0 ** 0.75 * (2 * reynolds / (f / f0 + f0 / f)) ** (2 / 3) * prandtl ** 0.42
    return scalar_or_array(nusselt * k / hydraulic)


@cites(CHILTON_COLBURN_1934)
def mass_transfer_coefficient(heat_transfer_coefficient, temperature, solvent="NMP", air_pressure=ATMOSPHERE):
    """Gas-side mass transfer coefficient by the Chilton-Colburn analogy [m/s].

    beta = h / (rho_air c_p,air) Le^(-2/3),  Le = k / (rho_air c_p,air D_solvent,air)

    heat_transfer_coefficient : h [W/(m^2 K)], 1-1000; temperature : gas film temperature
    [K], 273-573; solvent : name in :mod:`gigatwin.materials`; air_pressure : [Pa].
    """
    require_range("heat_transfer_coefficient", heat_transfer_coefficient, unit="W/(m^2 K)", ge=1, le=1000)
    require_range("temperature", temperature, unit="K", ge=273.15, le=573.15)
    require_range("air_pressure", air_pressure, unit="Pa", ge=5e4, le=2e5)
    rho, _, k = air_properties(temperature, air_pressure)
    diffusivity = materials.solvent(solvent).diffusivity_in_air(temperature, air_pressure)
    lewis = k / (rho * AIR_HEAT_CAPACITY * diffusivity)
    return scalar_or_array(np.asarray(heat_transfer_coefficient) / (rho * AIR_HEAT_CAPACITY) * lewis ** (-2 / 3))


@cites(CHILTON_COLBURN_1934, ZANOTTO_2022)
def evaporation_flux(film_temperature, air_temperature, heat_transfer_coefficient, solvent="NMP",
                     air_pressure=ATMOSPHERE, solvent_partial_pressure=0.0):
    """Solvent evaporation flux from a wet film at ``film_temperature`` [kg/(m^2 s)].

    m = beta p M_s / (R T_m) ln((p - p_inf) / (p - p_sat(T_film)))   (Stefan flow included)

    film_temperature : [K], inside the solvent's Antoine range and below its boiling point;
    air_temperature : [K], 273-573; heat_transfer_coefficient : h [W/(m^2 K)];
    solvent : name; air_pressure : p [Pa]; solvent_partial_pressure : p_inf in the dryer
    air [Pa], >= 0 and below p_sat. T_m = (T_film + T_air)/2 for the gas properties.
    """
    require_range("air_temperature", air_temperature, unit="K", ge=273.15, le=573.15)
    props = materials.solvent(solvent)
    require_range("film_temperature", film_temperature, unit="K", ge=props.antoine_t_min,
                  le=props.antoine_t_max, context=f"the Antoine range of {solvent}")
    p_sat = props.vapour_pressure(film_temperature)
    require_range("solvent_partial_pressure", solvent_partial_pressure, unit="Pa", ge=0)
    require_range("film_temperature (as vapour pressure)", np.asarray(p_sat) - solvent_partial_pressure,
                  unit="Pa", gt=0)
    require_range("film_temperature (as vapour pressure below air_pressure)",
                  np.asarray(air_pressure) - p_sat, unit="Pa", gt=0)
    t_mean = 0.5 * (np.asarray(film_temperature, dtype=float) + air_temperature)
    beta = mass_transfer_coefficient(heat_transfer_coefficient, t_mean, solvent, air_pressure)
    concentration = np.asarray(air_pressure) * props.molar_mass / (GAS_CONSTANT * t_mean)
    driving = np.log((air_pressure - np.asarray(solvent_partial_pressure)) / (air_pressure - p_sat))
    return scalar_or_array(beta * concentration * driving)


@cites(CHILTON_COLBURN_1934, ZANOTTO_2022)
def constant_rate_drying(air_temperature, heat_transfer_coefficient, solvent="NMP",
                         air_pressure=ATMOSPHERE, solvent_partial_pressure=0.0):
    """Film temperature and evaporation flux in the constant-rate period (heat balance).

    Solves h (T_air - T_f) = m(T_f) dh_v for the film (wet-bulb) temperature T_f by
    vectorised bisection (the left side falls, the right side rises with T_f, so the root
    is unique); returns :class:`ConstantRateDrying`.

    air_temperature : [K], 303-473 (30-200 C) and not below the lower end of the solvent's
    Antoine range (NMP: 336 K); an error names air_temperature if the wet-bulb film
    temperature would fall below that range (NMP: air below about 70 C);
    heat_transfer_coefficient : [W/(m^2 K)], 1-1000; solvent : name; air_pressure : [Pa];
    solvent_partial_pressure : [Pa], >= 0.
    Assumes convection only (no radiation, no conduction through the foil, no substrate
    heat-up), a pure solvent surface and dilute vapour in the dryer air.
    """
    require_range("air_temperature", air_temperature, unit="K", ge=303.15, le=473.15)
    require_range("heat_transfer_coefficient", heat_transfer_coefficient, unit="W/(m^2 K)", ge=1, le=1000)
    require_range("air_pressure", air_pressure, unit="Pa", ge=5e4, le=2e5)
    props = materials.solvent(solvent)
    require_range("air_temperature", air_temperature, unit="K", ge=props.antoine_t_min,
                  context=f"the Antoine range of {solvent} (the film is never hotter than the air)")
    shape = np.broadcast(np.asarray(air_temperature), np.asarray(heat_transfer_coefficient),
                         np.asarray(air_pressure), np.asarray(solvent_partial_pressure)).shape
    t_air = np.broadcast_to(np.asarray(air_temperature, dtype=float), shape)
    p_inf = np.broadcast_to(np.asarray(solvent_partial_pressure, dtype=float), shape)
    require_range("solvent_partial_pressure", p_inf, unit="Pa", ge=0,
                  lt=np.min(props.vapour_pressure(t_air)))
    boiling = props.saturation_temperature(np.asarray(air_pressure, dtype=float) * (1 - 1e-9))
    # no evaporation below the dew point of the dryer air: start the bracket there
    dew_point = props.antoine_b / (props.antoine_a - np.log10(np.maximum(p_inf, 1e-30) * (1 + 1e-6))) \
        - props.antoine_c
    lower = np.maximum(dew_point, props.antoine_t_min)
    lower = np.broadcast_to(lower, shape).astype(float)
    upper = np.broadcast_to(np.minimum(t_air, boiling - 1e-6), shape).astype(float)

    def imbalance(t_film):
        flux = evaporation_flux(t_film, t_air, heat_transfer_coefficient, solvent, air_pressure, p_inf)
        return np.asarray(heat_transfer_coefficient) * (t_air - t_film) - flux * props.enthalpy_of_vaporisation

    # the root must lie in the bracket; a wet-bulb below the Antoine range would otherwise be
    # returned silently as the range's lower end
    below_range = imbalance(lower) < 0
    if np.any(below_range):
        raise RangeError("air_temperature", float(t_air[below_range].flat[0]), "K",
                         f"wet-bulb film temperature >= {props.antoine_t_min:g} K",
                         int(below_range.sum()),
                         context=f"constant_rate_drying: the film would settle below the Antoine "
                                 f"range of {solvent}; raise the air temperature")
    for _ in range(60):  # bisection: 60 halvings of a < 200 K bracket reach 1e-16 K
        middle = 0.5 * (lower + upper)
        positive = imbalance(middle) > 0
        lower = np.where(positive, middle, lower)
        upper = np.where(positive, upper, middle)
    t_film = 0.5 * (lower + upper)
    flux = evaporation_flux(t_film, t_air, heat_transfer_coefficient, solvent, air_pressure, p_inf)
    beta = mass_transfer_coefficient(heat_transfer_coefficient, 0.5 * (t_film + t_air), solvent, air_pressure)
    return ConstantRateDrying(film_temperature=scalar_or_array(t_film), evaporation_flux=scalar_or_array(flux),
                              mass_transfer_coefficient=scalar_or_array(np.broadcast_to(beta, shape)))


@cites(ZANOTTO_2022)
def solvent_areal_mass(wet_film_thickness, slurry_density, solid_content):
    """Solvent per coated area: m_s = h_wet rho_slurry (1 - w) [kg/m^2].

    wet_film_thickness : [m], (0, 2 mm]; slurry_density : [kg/m^3]; solid_content : w [1], (0, 1).
    """
    require_range("wet_film_thickness", wet_film_thickness, unit="m", gt=0, le=2e-3)
    require_positive("slurry_density", slurry_density, unit="kg/m^3")
    require_fraction("solid_content", solid_content, open_interval=True)
    return scalar_or_array(np.asarray(wet_film_thickness, dtype=float) * slurry_density * (1.0 - np.asarray(solid_content)))


@cites(ZANOTTO_2022)
def drying_time(solvent_areal_mass, evaporation_flux, falling_rate_solvent_fraction=0.1,
                residual_solvent_fraction=1e-3):
    """Time to dry a film: constant rate, then a first-order falling-rate end [s].

    t = m_s (1 - f)/J + (m_s f / J) ln(f / r)

    In the last fraction f of the solvent the rate falls in proportion to the solvent
    left (dm/dt = -J m / (f m_s)), until the fraction r remains.
    solvent_areal_mass : m_s [kg/m^2], > 0; evaporation_flux : J [kg/(m^2 s)], > 0;
    falling_rate_solvent_fraction : f [1], (0, 1), typical 0.05-0.2;
    residual_solvent_fraction : r [1], 0 < r < f.
    A documented simple model (typical), not a published correlation.
    """
    require_positive("solvent_areal_mass", solvent_areal_mass, unit="kg/m^2")
    require_positive("evaporation_flux", evaporation_flux, unit="kg/(m^2 s)")
    require_fraction("falling_rate_solvent_fraction", falling_rate_solvent_fraction, open_interval=True)
    require_range("residual_solvent_fraction", residual_solvent_fraction, unit="1", gt=0)
    require_range("residual_solvent_fraction (as r/f)",
                  np.asarray(residual_solvent_fraction) / np.asarray(falling_rate_solvent_fraction),
                  unit="1", gt=0, lt=1)
    base = np.asarray(solvent_areal_mass, dtype=float) / evaporation_flux
    f = np.asarray(falling_rate_solvent_fraction, dtype=float)
    return scalar_or_array(base * ((1.0 - f) + f * np.log(f / residual_solvent_fraction)))


@cites(ZANOTTO_2022)
def dryer_length(web_speed, drying_time):
    """Dryer length needed at the line speed: L = U t [m].

    web_speed : U [m/s], (0, 3]; drying_time : t [s], > 0.
    """
    require_range("web_speed", web_speed, unit="m/s", gt=0, le=3)
    require_positive("drying_time", drying_time, unit="s")
    return scalar_or_array(np.asarray(web_speed, dtype=float) * drying_time)


@cites(JAISER_2016, KUMBERG_2019, ROUTH_2013)
def binder_migration_risk(evaporation_flux, dry_coating_thickness, critical_evaporation_flux=1.0e-3,
                          reference_thickness=70e-6):
    """Binder-migration risk index I = (J / J_c) (t_dry / t_ref) [1]; I > 1 means at risk.

    Jaiser et al. (2016) found binder migration and lost adhesion above a critical drying
    rate of the order of 1 g/(m^2 s) for ~70 um water-based graphite anodes; Kumberg et
    al. (2019) found thicker electrodes degrade at lower rates. The linear thickness
    scaling is that of the drying Peclet number Pe = J t / (rho D) (Routh 2013).
    evaporation_flux : J [kg/(m^2 s)], > 0; dry_coating_thickness : [m], 1 um-1 mm;
    critical_evaporation_flux : J_c [kg/(m^2 s)] (typical 1e-3; calibrate per slurry);
    reference_thickness : t_ref [m] at which J_c was measured (typical 70 um).
    """
    require_positive("evaporation_flux", evaporation_flux, unit="kg/(m^2 s)")
    require_range("dry_coating_thickness", dry_coating_thickness, unit="m", ge=1e-6, le=1e-3)
    require_positive("critical_evaporation_flux", critical_evaporation_flux, unit="kg/(m^2 s)")
    require_positive("reference_thickness", reference_thickness, unit="m")
    return scalar_or_array(np.asarray(evaporation_flux, dtype=float) / critical_evaporation_flux
                  * np.asarray(dry_coating_thickness) / reference_thickness)


@cites(ZANOTTO_2022)
def dry_coating_thickness(areal_loading, solids_density, porosity):
    """Dry coating thickness from solids volume and porosity: t = m_A / (rho_s (1 - eps)) [m].

    areal_loading : m_A [kg/m^2], (0, 1]; solids_density : rho_s [kg/m^3]; porosity : eps [1], (0, 1)
    (as-dried electrodes typically 0.4-0.55).
    """
    require_range("areal_loading", areal_loading, unit="kg/m^2", gt=0, le=1)
    require_positive("solids_density", solids_density, unit="kg/m^3")
    require_fraction("porosity", porosity, open_interval=True)
    return scalar_or_array(np.asarray(areal_loading, dtype=float) / (np.asarray(solids_density) * (1.0 - np.asarray(porosity))))


@cites(ZANOTTO_2022)
def porosity_from_thickness(areal_loading, solids_density, coating_thickness):
    """Porosity of a coating of known loading and thickness: eps = 1 - m_A / (rho_s t) [1].

    areal_loading : [kg/m^2]; solids_density : [kg/m^3]; coating_thickness : t [m], must
    exceed the solid-only thickness m_A / rho_s (an error names coating_thickness if not).
    """
    require_range("areal_loading", areal_loading, unit="kg/m^2", gt=0, le=1)
    require_positive("solids_density", solids_density, unit="kg/m^3")
    require_positive("coating_thickness", coating_thickness, unit="m")
    solid_fraction = np.asarray(areal_loading, dtype=float) / (np.asarray(solids_density) * coating_thickness)
    require_range("coating_thickness (as solid volume fraction m_A/(rho_s t))", solid_fraction,
                  unit="1", gt=0, lt=1)
    return scalar_or_array(1.0 - solid_fraction)


@cites(JAISER_2017)
def film_shrinkage_solvent_fraction(solvent_areal_mass, dry_coating_thickness, porosity, solvent_density):
    """Fraction of the solvent removed during film shrinkage (before pores empty) [1].

    f_1 = 1 - eps t_dry rho_l / m_s: the solvent left at consolidation fills the pores
    of the dried structure. solvent_areal_mass : m_s [kg/m^2]; dry_coating_thickness : [m];
    porosity : eps [1], (0, 1); solvent_density : rho_l [kg/m^3]. Clipped at 0 when the
    pores could hold all the solvent.
    """
    require_positive("solvent_areal_mass", solvent_areal_mass, unit="kg/m^2")
    require_range("dry_coating_thickness", dry_coating_thickness, unit="m", gt=0, le=1e-3)
    require_fraction("porosity", porosity, open_interval=True)
    require_positive("solvent_density", solvent_density, unit="kg/m^3")
    pore_solvent = np.asarray(porosity) * dry_coating_thickness * np.asarray(solvent_density)
    return scalar_or_array(np.clip(1.0 - pore_solvent / solvent_areal_mass, 0.0, 1.0))


@cites(JAISER_2017)
def three_stage_drying_time(solvent_areal_mass, high_evaporation_flux, low_evaporation_flux,
                            film_shrinkage_solvent_fraction, critical_solvent_fraction=0.2):
    """Drying time of a fast-slow-fast profile (Jaiser et al. 2017) [s].

    t = m_s [f_1 / J_hi + f_c / J_lo + (1 - f_1 - f_c) / J_hi]

    Fast during film shrinkage (fraction f_1), slow while the particle network forms and
    binder can migrate (fraction f_c), fast again while pores empty. Compare with
    m_s / J_lo for drying at the low rate throughout; Jaiser et al. report ~40 % less time.
    solvent_areal_mass : [kg/m^2]; high/low_evaporation_flux : [kg/(m^2 s)], J_lo <= J_hi;
    film_shrinkage_solvent_fraction : f_1 [1], [0, 1); critical_solvent_fraction : f_c [1],
    (0, 1 - f_1]. Falling-rate end not included (add it from :func:`drying_time`).
    """
    require_positive("solvent_areal_mass", solvent_areal_mass, unit="kg/m^2")
    require_positive("high_evaporation_flux", high_evaporation_flux, unit="kg/(m^2 s)")
    require_positive("low_evaporation_flux", low_evaporation_flux, unit="kg/(m^2 s)")
    require_range("film_shrinkage_solvent_fraction", film_shrinkage_solvent_fraction, unit="1", ge=0, lt=1)
    f1 = np.asarray(film_shrinkage_solvent_fraction, dtype=float)
    require_range("critical_solvent_fraction", critical_solvent_fraction, unit="1", gt=0)
    require_range("critical_solvent_fraction (as f_1 + f_c)", np.asarray(critical_solvent_fraction) + f1,
                  unit="1", le=1)
    fast = (1.0 - np.asarray(critical_solvent_fraction)) / np.asarray(high_evaporation_flux)
    slow = np.asarray(critical_solvent_fraction) / np.asarray(low_evaporation_flux)
    return scalar_or_array(np.asarray(solvent_areal_mass) * (fast + slow))


@cites(AHMED_2016)
def drying_energy(solvent_areal_mass, air_temperature, ambient_temperature=293.15,
                  exhaust_solvent_mass_ratio=0.01, solvent="NMP", heat_recovery_fraction=0.0,
                  condenser_temperature=283.15, recovery_loss_fraction=0.25):
    """Heat and solvent balance of drying with condensation recovery; :class:`DryingEnergy`.

    air mass m_a = m_s / X;  air_heating = m_a c_p (T_air - T_amb)(1 - eta_hr);
    evaporation = m_s dh_v;  condenser_duty = m_a c_p (T_air - T_cond) + m_s (1 - l) dh_v;
    recovered = m_s (1 - l), lost = m_s l.

    solvent_areal_mass : m_s [kg/m^2]; air_temperature : [K], 303-473;
    ambient_temperature : [K], 253-318; exhaust_solvent_mass_ratio : X, kg solvent per kg
    air leaving the dryer [1], (0, 0.2] (set by the explosion limit: NMP at 25 % of its
    1.3 vol% LEL gives X ~ 0.011); heat_recovery_fraction : eta_hr [1], [0, 1);
    condenser_temperature : [K], 253-323; recovery_loss_fraction : l [1], NMP recovery by
    condensation loses 20-30 % (Zanotto 2022 s.4.1.3 / Ahmed 2016).
    Ahmed et al. (2016): recovery imposes ~45 x the heat needed to vaporise the NMP.
    """
    require_positive("solvent_areal_mass", solvent_areal_mass, unit="kg/m^2")
    require_range("air_temperature", air_temperature, unit="K", ge=303.15, le=473.15)
    require_range("ambient_temperature", ambient_temperature, unit="K", ge=253.15, le=318.15)
    require_range("exhaust_solvent_mass_ratio", exhaust_solvent_mass_ratio, unit="1", gt=0, le=0.2)
    require_range("heat_recovery_fraction", heat_recovery_fraction, unit="1", ge=0, lt=1)
    require_range("condenser_temperature", condenser_temperature, unit="K", ge=253.15, le=323.15)
    require_fraction("recovery_loss_fraction", recovery_loss_fraction)
    latent = materials.solvent(solvent).enthalpy_of_vaporisation
    m_s = np.asarray(solvent_areal_mass, dtype=float)
    air = m_s / exhaust_solvent_mass_ratio
    recovered = m_s * (1.0 - np.asarray(recovery_loss_fraction))
    return DryingEnergy(
        air_heating=scalar_or_array(air * AIR_HEAT_CAPACITY * (np.asarray(air_temperature) - ambient_temperature)
                           * (1.0 - np.asarray(heat_recovery_fraction))),
        evaporation=scalar_or_array(m_s * latent),
        condenser_duty=scalar_or_array(air * AIR_HEAT_CAPACITY * np.clip(np.asarray(air_temperature) - condenser_temperature, 0, None)
                              + recovered * latent),
        solvent_recovered=scalar_or_array(recovered),
        solvent_lost=scalar_or_array(m_s - recovered),
    )


@dataclass(frozen=True)
class ZonedDrying:
    """A wet film through a dryer of zones in series (arrays broadcast together).

    drying_time : time until the residual solvent fraction r is reached [s] (a film that
        leaves the dryer wetter gets the time it would need if the last zone went on)
    residual_solvent_fraction : solvent left at the dryer exit / solvent coated [1]
    mean_drying_rate : solvent evaporated / time in the dryer until dry (or until the
        exit) [kg/(m^2 s)]
    consolidation_drying_rate : flux when the film consolidates (pores start to empty)
        [kg/(m^2 s)], the rate that drives binder migration (Jaiser et al. 2017)
    """

    drying_time: np.ndarray | float
    residual_solvent_fraction: np.ndarray | float
    mean_drying_rate: np.ndarray | float
    consolidation_drying_rate: np.ndarray | float


@cites(ZANOTTO_2022)
def solvent_partial_pressure(solvent_loading, solvent="NMP", air_pressure=ATMOSPHERE):
    """Partial pressure of solvent vapour in dryer air of a given loading [Pa].

    p_s = p Y / (Y + M_s / M_air); solvent_loading : Y, kg solvent per kg dry air [1],
    [0, 0.2] (recirculated NMP dryer air is held below about 25 % of the lower explosion
    limit, Y ~ 0.01; water dryers from the supply air's dew point); solvent : name;
    air_pressure : p [Pa].
    """
    require_range("solvent_loading", solvent_loading, unit="1", ge=0, le=0.2)
    require_range("air_pressure", air_pressure, unit="Pa", ge=5e4, le=2e5)
    y = np.asarray(solvent_loading, dtype=float)
    ratio = materials.solvent(solvent).molar_mass / AIR_MOLAR_MASS
    return scalar_or_array(np.asarray(air_pressure) * y / (y + ratio))


@cites(INCROPERA_2007)
def heat_up_time(solvent_areal_mass, solids_areal_mass, heat_transfer_coefficient,
                 solvent="NMP", solids_heat_capacity=WEB_HEAT_CAPACITY):
    """Lumped heat-up time constant of the wet web entering the dryer [s].

    tau_h = (m_s c_s + m_w c_w) / h: the film approaches its wet-bulb temperature as
    1 - exp(-t / tau_h); evaporation, roughly proportional to the approach, loses about
    tau_h of constant-rate drying time (documented approximation, typical). solvent_areal_mass
    m_s and solids_areal_mass m_w (coating solids and foil) [kg/m^2], > 0;
    heat_transfer_coefficient h [W/(m^2 K)], 1-1000; solids_heat_capacity c_w [J/(kg K)].
    """
    require_positive("solvent_areal_mass", solvent_areal_mass, unit="kg/m^2")
    require_positive("solids_areal_mass", solids_areal_mass, unit="kg/m^2")
    require_range("heat_transfer_coefficient", heat_transfer_coefficient, unit="W/(m^2 K)", ge=1, le=1000)
    require_positive("solids_heat_capacity", solids_heat_capacity, unit="J/(kg K)")
    heat = (np.asarray(solvent_areal_mass, dtype=float) * materials.solvent(solvent).heat_capacity
            + np.asarray(solids_areal_mass) * solids_heat_capacity)
    return scalar_or_array(heat / np.asarray(heat_transfer_coefficient))


@cites(SUSARLA_2018, JAISER_2017)
def zoned_drying(solvent_areal_mass, zone_evaporation_flux, zone_length, web_speed,
                 consolidation_solvent_fraction, heat_up_time=0.0, falling_rate_solvent_fraction=0.1,
                 residual_solvent_fraction=1e-3):
    """March a film through dryer zones in series; returns :class:`ZonedDrying`.

    In zone i (residence t_i = L_i / U, constant-rate flux J_i from
    :func:`constant_rate_drying` at that zone's air): the solvent falls at J_i until the
    fraction f is left, then first order, dm/dt = -J_i m / (f m_s) (as :func:`drying_time`).
    The first heat_up_time of zone 1 evaporates nothing (see :func:`heat_up_time`).
    Drying time is when the fraction r is left. Zones let a profile dry fast during
    film shrinkage, slowly while the film consolidates and fast again while the pores
    empty (Jaiser et al. 2017). Industrial dryers are built of such zones; Susarla et al.
    (2018) analyse solvent removal in them (the source of the zone-in-series view here).

    solvent_areal_mass : m_s [kg/m^2], > 0; zone_evaporation_flux : sequence of J_i
    [kg/(m^2 s)], > 0, one per zone; zone_length : sequence of L_i [m], > 0;
    web_speed : U [m/s], (0, 3]; consolidation_solvent_fraction : x_c, solvent fraction
    left when the film stops shrinking [1], [0, 1) (1 - :func:`film_shrinkage_solvent_fraction`);
    heat_up_time : [s], >= 0; falling_rate_solvent_fraction : f [1], (0, 1);
    residual_solvent_fraction : r [1], 0 < r < f.
    """
    if len(zone_evaporation_flux) != len(zone_length) or not zone_length:
        raise ValueError(f"zone_length has {len(zone_length)} zones and zone_evaporation_flux "
                         f"{len(zone_evaporation_flux)}: give one flux per zone (at least one zone)")
    require_positive("solvent_areal_mass", solvent_areal_mass, unit="kg/m^2")
    require_range("web_speed", web_speed, unit="m/s", gt=0, le=3)
    require_range("consolidation_solvent_fraction", consolidation_solvent_fraction, unit="1", ge=0, lt=1)
    require_range("heat_up_time", heat_up_time, unit="s", ge=0)
    require_fraction("falling_rate_solvent_fraction", falling_rate_solvent_fraction, open_interval=True)
    f = np.asarray(falling_rate_solvent_fraction, dtype=float)
    r = np.asarray(residual_solvent_fraction, dtype=float)
    require_range("residual_solvent_fraction (as r/f)", r / f, unit="1", gt=0, lt=1)
    x_c = np.asarray(consolidation_solvent_fraction, dtype=float)
    shape = np.broadcast(np.asarray(solvent_areal_mass), x_c, np.asarray(web_speed),
                         np.broadcast(*(np.asarray(j) for j in zone_evaporation_flux)),
                         np.broadcast(*(np.asarray(v) for v in zone_length))).shape
    x, elapsed, done = np.ones(shape), np.zeros(shape), np.full(shape, np.inf)
    at_consolidation, crossed = np.zeros(shape), np.zeros(shape, dtype=bool)
    dried = np.zeros(shape, dtype=bool)
    m_s = np.asarray(solvent_areal_mass, dtype=float)
    residence = 1.0 / np.asarray(web_speed, dtype=float)
    falling_share = np.minimum(1.0, x_c / f)  # flux share if the film consolidates falling
    for i, (flux, length) in enumerate(zip(zone_evaporation_flux, zone_length, strict=True)):
        require_positive(f"zone_evaporation_flux[{i}]", flux, unit="kg/(m^2 s)")
        require_positive(f"zone_length[{i}]", length, unit="m")
        rate = np.asarray(flux, dtype=float) / m_s           # fraction per second, constant rate
        t_zone = np.asarray(length, dtype=float) * residence
        start = elapsed
        if i == 0 and np.any(heat_up_time):  # heat-up: the first part of zone 1 is lost
            t_zone = np.maximum(t_zone - heat_up_time, 0.0)
            start = elapsed + heat_up_time
        # the same operations as the plain expressions in the comments, in place on fresh
        # arrays (fewer temporaries, the same numbers)
        t_const = np.subtract(x, f, out=np.empty(shape))    # max(x - f, 0) / rate: until
        np.maximum(t_const, 0.0, out=t_const)                # the falling-rate period
        t_const /= rate
        x_end = np.minimum(t_zone, t_const, out=np.empty(shape))  # x - rate min(t_zone,
        x_end *= rate                                        # t_const): >= f while the
        np.subtract(x, x_end, out=x_end)                     # rate is constant
        t_fall = np.subtract(t_zone, t_const, out=np.empty(shape))
        if (t_fall > 0).any():  # some films reach the falling-rate period in this zone
            np.maximum(t_fall, 0.0, out=t_fall)              # exp(-rate / f max(t_fall, 0))
            decay = np.multiply(-rate / f, t_fall, out=t_fall)
            x_end *= np.exp(decay, out=decay)
        if not crossed.all():
            # x starts at 1 >= x_c: the first zone ending below x_c is where it consolidates
            crossing = ~crossed & (x_end < x_c)
            np.copyto(at_consolidation, np.asarray(flux) * falling_share, where=crossing)
            crossed |= crossing
        reached = (x_end <= r) & ~dried                     # the residual fraction r in this zone
        if reached.any():
            t_r = t_const + (f / rate) * np.log(np.minimum(x, f) / r)
            done = np.where(reached, start + t_r, done)
            dried |= reached
        x = x_end
        elapsed = start + t_zone
    last = np.asarray(zone_evaporation_flux[-1], dtype=float) / m_s
    at_consolidation = np.where(crossed, at_consolidation, np.asarray(zone_evaporation_flux[-1]))
    # still wet at the exit: the time it would take if the last zone went on
    if not dried.all():
        extra = (np.maximum(x - f, 0.0) / last
                 + (f / last) * np.log(np.maximum(np.minimum(x, f) / r, 1.0)))
        done = np.where(dried, done, elapsed + extra)
    used = np.minimum(done, elapsed)
    evaporated = m_s * (1.0 - np.maximum(x, r))
    return ZonedDrying(drying_time=scalar_or_array(done), residual_solvent_fraction=scalar_or_array(x),
                       mean_drying_rate=scalar_or_array(evaporated / used),
                       consolidation_drying_rate=scalar_or_array(at_consolidation))


@cites(JAISER_2016, KUMBERG_2019)
def drying_defect_probability(binder_migration_risk, scatter=MIGRATION_SCATTER):
    """Probability that a web section fails for binder migration (loss of adhesion) [1].

    P = Phi(ln(I) / s): the critical drying rate of a section scatters log-normally around
    the nominal one, so at an index I = 1 half the sections fail, at I = 0.5 about 1 %,
    at I = 2 about 99 % (s = 0.3, typical). Jaiser et al. (2016) and Kumberg et al. (2019)
    found adhesion lost above a critical drying rate that falls for thicker films;
    binder_migration_risk : I from :func:`binder_migration_risk` [1], > 0; scatter : s [1], > 0.
    """
    require_positive("binder_migration_risk", binder_migration_risk, unit="1")
    require_positive("scatter", scatter, unit="1")
    from scipy.special import ndtr  # here: importing scipy.special costs ~0.2 s at start-up

    z = np.log(np.asarray(binder_migration_risk, dtype=float)) / np.asarray(scatter)
    return scalar_or_array(ndtr(z))


CONFORMANCE = (
    Conformance(air_properties, valid={"temperature": 373.15, "pressure": ATMOSPHERE},
                invalid=(("temperature", 0.0), ("pressure", -1.0))),
    Conformance(heat_transfer_coefficient_flat_plate,
                valid={"air_velocity": 10.0, "air_temperature": 393.15, "flow_length": 0.3},
                invalid=(("air_velocity", 0.0), ("air_temperature", 1000.0), ("flow_length", 0.0))),
    Conformance(heat_transfer_coefficient_slot_nozzles,
                valid={"jet_velocity": 20.0, "air_temperature": 393.15, "slot_width": 2e-3,
                       "nozzle_pitch": 0.05, "nozzle_distance": 0.02},
                invalid=(("jet_velocity", 0.0), ("air_temperature", 100.0), ("slot_width", 0.0),
                         ("nozzle_distance", 1.0), ("nozzle_pitch", 10.0))),
    Conformance(mass_transfer_coefficient, valid={"heat_transfer_coefficient": 50.0, "temperature": 350.0},
                invalid=(("heat_transfer_coefficient", 0.0), ("temperature", 1000.0))),
    Conformance(evaporation_flux,
                valid={"film_temperature": 340.0, "air_temperature": 393.15, "heat_transfer_coefficient": 50.0},
                invalid=(("film_temperature", 600.0), ("air_temperature", 10.0),
                         ("heat_transfer_coefficient", -1.0))),
    Conformance(constant_rate_drying, valid={"air_temperature": 393.15, "heat_transfer_coefficient": 50.0},
                invalid=(("air_temperature", 280.0), ("heat_transfer_coefficient", 0.0),
                         ("solvent_partial_pressure", -1.0))),
    Conformance(solvent_areal_mass,
                valid={"wet_film_thickness": 150e-6, "slurry_density": 2000.0, "solid_content": 0.65},
                invalid=(("wet_film_thickness", 0.0), ("slurry_density", 0.0), ("solid_content", 1.0))),
    Conformance(drying_time, valid={"solvent_areal_mass": 0.1, "evaporation_flux": 1e-3},
                invalid=(("solvent_areal_mass", 0.0), ("evaporation_flux", -1.0),
                         ("falling_rate_solvent_fraction", 1.0), ("residual_solvent_fraction", 0.5))),
    Conformance(dryer_length, valid={"web_speed": 0.5, "drying_time": 60.0},
                invalid=(("web_speed", 0.0), ("drying_time", 0.0))),
    Conformance(binder_migration_risk, valid={"evaporation_flux": 1e-3, "dry_coating_thickness": 70e-6},
                invalid=(("evaporation_flux", 0.0), ("dry_coating_thickness", 1.0),
                         ("critical_evaporation_flux", 0.0))),
    Conformance(dry_coating_thickness, valid={"areal_loading": 0.2, "solids_density": 4300.0, "porosity": 0.45},
                invalid=(("areal_loading", 0.0), ("solids_density", -1.0), ("porosity", 1.0))),
    Conformance(porosity_from_thickness,
                valid={"areal_loading": 0.2, "solids_density": 4300.0, "coating_thickness": 85e-6},
                invalid=(("areal_loading", 0.0), ("coating_thickness", 10e-6))),
    Conformance(film_shrinkage_solvent_fraction,
                valid={"solvent_areal_mass": 0.1, "dry_coating_thickness": 85e-6, "porosity": 0.45,
                       "solvent_density": 1028.0},
                invalid=(("solvent_areal_mass", 0.0), ("porosity", 0.0), ("solvent_density", -1.0))),
    Conformance(three_stage_drying_time,
                valid={"solvent_areal_mass": 0.1, "high_evaporation_flux": 2e-3, "low_evaporation_flux": 1e-3,
                       "film_shrinkage_solvent_fraction": 0.5, "critical_solvent_fraction": 0.2},
                invalid=(("high_evaporation_flux", 0.0), ("film_shrinkage_solvent_fraction", 1.0),
                         ("critical_solvent_fraction", 0.9))),
    Conformance(solvent_partial_pressure, valid={"solvent_loading": 0.01},
                invalid=(("solvent_loading", -0.1), ("air_pressure", 1.0))),
    Conformance(heat_up_time, valid={"solvent_areal_mass": 0.09, "solids_areal_mass": 0.24,
                                     "heat_transfer_coefficient": 90.0},
                invalid=(("solvent_areal_mass", 0.0), ("solids_areal_mass", -1.0),
                         ("heat_transfer_coefficient", 0.0))),
    Conformance(zoned_drying,
                valid={"solvent_areal_mass": 0.09, "zone_evaporation_flux": (2e-3, 1e-3, 2e-3),
                       "zone_length": (10.0, 10.0, 15.0), "web_speed": 0.5,
                       "consolidation_solvent_fraction": 0.5},
                invalid=(("solvent_areal_mass", 0.0), ("web_speed", 0.0),
                         ("consolidation_solvent_fraction", 1.0),
                         ("zone_length", (10.0, -1.0, 15.0)),
                         ("zone_evaporation_flux", (2e-3, 0.0, 2e-3)))),
    Conformance(drying_defect_probability, valid={"binder_migration_risk": 0.8},
                invalid=(("binder_migration_risk", 0.0), ("scatter", 0.0))),
    Conformance(drying_energy, valid={"solvent_areal_mass": 0.1, "air_temperature": 393.15},
                invalid=(("solvent_areal_mass", 0.0), ("air_temperature", 600.0),
                         ("exhaust_solvent_mass_ratio", 0.0), ("recovery_loss_fraction", 1.5))),
)
