"""Energy models of the plant services: convective dryer, NMP recovery and dry room.

Pure functions of SI floats or numpy arrays returning power in W while the equipment
runs. The physics is the twin's: air properties, the air heat capacity and the
drying/solvent-recovery heat balance come from :mod:`gigatwin.steps.drying` (Ahmed et
al. 2016 form), dew points from :mod:`gigatwin.steps.post_drying` (Magnus form of
Alduchov and Eskridge 1996), latent heats and molar masses from :mod:`gigatwin.materials`.
This module only turns them into the powers of plant equipment sized by air flow, solvent
load or room volume; it defines no physical constant of its own.
"""

from __future__ import annotations

import numpy as np

from gigatwin import materials
from gigatwin.checks import require_fraction, require_positive, require_range
from gigatwin.citations import cites
from gigatwin.factory.sources import AHMED_2016, ALDUCHOV_1996
from gigatwin.materials.properties import AIR_MOLAR_MASS
from gigatwin.steps import drying, post_drying


def air_density(temperature):
    """Dry air density at 1 atm [kg/m^3]; temperature [K] (steps.drying.air_properties)."""
    return drying.air_properties(temperature)[0]


def latent_heat(solvent: str) -> float:
    """Enthalpy of vaporisation of a registry solvent [J/kg] (materials data)."""
    return materials.solvent(solvent).enthalpy_of_vaporisation


@cites(ALDUCHOV_1996)
def humidity_ratio(dew_point, pressure=drying.ATMOSPHERE):
    """Water per dry air x = (M_w / M_air) e / (p - e) [kg/kg] from the dew point [K].

    e from the Magnus form (steps.post_drying.water_partial_pressure_from_dew_point);
    M_w / M_air = 0.622 from the materials data. dew_point [K] 193-323; pressure [Pa].
    """
    e = post_drying.water_partial_pressure_from_dew_point(dew_point)
    ratio = materials.solvent("water").molar_mass / AIR_MOLAR_MASS
    return ratio * e / (pressure - e)


def fan_power(air_flow, pressure_rise, efficiency=0.6):
    """Fan electric power P = Q dp / eta [W]; air_flow [m^3/s], pressure_rise [Pa]."""
    require_range("fan efficiency", efficiency, unit="1", gt=0, le=1)
    return np.asarray(air_flow) * pressure_rise / efficiency


@cites(AHMED_2016)
def dryer_power(air_flow, air_temperature, ambient_temperature, solvent_rate, latent_heat,
                heat_recovery=0.0, heater_efficiency=1.0, fan_pressure=2000.0):
    """Heating and fan power of a convective electrode dryer while it runs.

    Q_heat = [rho V c_p (T_air - T_amb)(1 - eta_hr) + m_s h_fg] / eta_h,
    P_fan = V dp / eta_fan.

    air_flow [m^3/s] V at the intake (density rho at ambient); air_temperature, ambient_temperature [K]; solvent_rate [kg/s]
    evaporated m_s; latent_heat [J/kg]; heat_recovery [1] of the exhaust heat returned;
    heater_efficiency [1]; fan_pressure [Pa]. Returns (heat [W], fan [W]).
    Ahmed et al. 2016 show that heating the large air flow, not evaporation, dominates.
    """
    require_positive("air_flow", air_flow, unit="m^3/s")
    require_fraction("heat_recovery", heat_recovery)
    require_range("heater_efficiency", heater_efficiency, unit="1", gt=0, le=1)
    air = air_density(ambient_temperature) * np.asarray(air_flow)  # [kg/s] at the intake
    sensible = air * drying.AIR_HEAT_CAPACITY * (air_temperature - ambient_temperature)
    heat = (np.maximum(sensible, 0.0) * (1.0 - heat_recovery)
            + np.asarray(solvent_rate) * latent_heat) / heater_efficiency
    return heat, fan_power(air_flow, fan_pressure)


@cites(AHMED_2016)
def nmp_recovery_power(nmp_rate, max_concentration, inlet_temperature, condenser_temperature,
                       cooling_cop=3.0, distillation_heat=1.0e6, recovered_fraction=0.75,
                       fan_pressure=3000.0):
    """Power of NMP recovery by condensation plus distillation (Ahmed et al. 2016 form).

    The exhaust carrying the solvent is kept below the allowed concentration c_max, so its
    air is m_a = m_nmp rho_in / c_max, i.e. X = c_max / rho_in kg of NMP per kg of air; the
    condenser duty is the twin's (steps.drying.drying_energy, linear in the solvent, here
    per second): Q_cool = m_a c_p (T_in - T_cond) + f_rec m_nmp dh_v, P_chiller = Q_cool /
    COP; Q_distil = f_rec m_nmp q_dist; P_fan = (m_a / rho_in) dp / eta.

    nmp_rate [kg/s]; max_concentration [kg/m^3] c_max at the condenser inlet (a fraction
    of the lower explosive limit); inlet_temperature, condenser_temperature [K];
    cooling_cop [1]; distillation_heat [J/kg]; recovered_fraction [1] f_rec (20-30 %
    losses, Ahmed 2016 via Liu 2021); fan_pressure [Pa]. Returns (electric [W],
    thermal [W]); zero without solvent.
    """
    require_positive("max_concentration", max_concentration, unit="kg/m^3")
    require_positive("cooling_cop", cooling_cop, unit="1")
    require_fraction("recovered_fraction", recovered_fraction)
    nmp = np.asarray(nmp_rate, dtype=float)
    require_range("nmp_rate", nmp, unit="kg/s", ge=0)
    running = nmp > 0  # the twin's balance needs a solvent load; none: no recovery power
    density = air_density(inlet_temperature)
    balance = drying.drying_energy(
        np.where(running, nmp, 1.0), inlet_temperature, exhaust_solvent_mass_ratio=max_concentration / density,
        solvent="NMP", condenser_temperature=condenser_temperature,
        recovery_loss_fraction=1.0 - recovered_fraction)
    air = nmp * density / max_concentration  # [kg/s]
    electric = np.where(running, balance.condenser_duty / cooling_cop
                        + fan_power(air / density, fan_pressure), 0.0)
    thermal = np.where(running, balance.solvent_recovered * distillation_heat, 0.0)
    if electric.ndim == 0:
        return float(electric), float(thermal)
    return electric, thermal


def dry_room_power(volume, air_change_rate, makeup_fraction, room_dew_point,
                   outdoor_dew_point, outdoor_temperature, room_temperature,
                   internal_moisture=0.0, regeneration_heat=4.5e6, cooling_cop=3.0,
                   fan_pressure=1500.0, adsorption_heat=2.8e6):
    """Power of a desiccant dry room while it runs.

    m_air = rho V n;  W = f m_air (x_out - x_room) + m_int  (moisture removed),
    Q_regen = W q_reg (desiccant wheel regeneration),
    Q_cool = W h_ads + f m_air c_p max(T_out - T_room, 0)  -> P_cool = Q_cool / COP,
    P_fan = (m_air / rho) dp / eta.

    volume [m^3]; air_change_rate [1/s] n (air changes per hour / 3600); makeup_fraction [1] f of outdoor air;
    room_dew_point, outdoor_dew_point, outdoor_temperature, room_temperature [K];
    internal_moisture [kg/s] from people and ingress; regeneration_heat [J/kg] of water
    removed (typical 4-6 MJ/kg, well above the latent heat); cooling_cop [1]; fan_pressure
    [Pa]; adsorption_heat [J/kg] released on the desiccant (silica gel / zeolite ~2.8
    MJ/kg, typical). Air density at the room temperature (steps.drying.air_properties). Returns (electric [W], regeneration heat [W]). Valid for dew points -70 to +30 C.
    """
    require_positive("volume", volume, unit="m^3")
    require_positive("air_change_rate", air_change_rate, unit="1/s")
    require_fraction("makeup_fraction", makeup_fraction)
    density = air_density(room_temperature)
    air = density * np.asarray(volume) * air_change_rate
    moisture = (makeup_fraction * air
                * np.maximum(humidity_ratio(outdoor_dew_point) - humidity_ratio(room_dew_point), 0.0)
                + internal_moisture)
    regeneration = moisture * regeneration_heat
    cooling = (moisture * adsorption_heat
               + makeup_fraction * air * drying.AIR_HEAT_CAPACITY
               * np.maximum(outdoor_temperature - room_temperature, 0.0))
    electric = cooling / cooling_cop + fan_power(air / density, fan_pressure)
    return electric, regeneration
