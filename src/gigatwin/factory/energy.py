"""Energy models of the plant services: convective dryer, NMP recovery and dry room.

Pure functions of SI floats or numpy arrays returning power in W while the equipment
runs. The forms follow Ahmed et al. (2016) for cathode drying with solvent recovery
(air heating + evaporation, condensation cooling, distillation of the recovered NMP)
and a standard desiccant dry-room balance (moisture removed from make-up air and
internal loads, regeneration heat, cooling, fans); humidity ratios from dew points with
the Magnus form of Alduchov and Eskridge (1996).
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import require_fraction, require_positive, require_range
from gigatwin.citations import cites
from gigatwin.factory.sources import AHMED_2016, ALDUCHOV_1996

AIR_DENSITY = 1.2  # [kg/m^3] at 20 C, 1 atm
AIR_HEAT_CAPACITY = 1006.0  # [J/(kg K)]
WATER_LATENT_HEAT = 2.45e6  # [J/kg] at ~20 C
ADSORPTION_HEAT = 2.8e6  # [J/kg] water on silica gel / zeolite wheels (typical)
LATENT_HEAT = {"nmp": 5.3e5, "water": 2.26e6}  # [J/kg] at the normal boiling point
ATMOSPHERE = 101325.0  # [Pa]


@cites(ALDUCHOV_1996)
def saturation_vapour_pressure(temperature):
    """Saturation vapour pressure over water (T >= 0 C) or ice (T < 0 C) [Pa].

    e_s = 610.94 exp(17.625 t / (t + 243.04)) over water,
    e_s = 611.21 exp(22.587 t / (t + 273.86)) over ice, with t in degC.
    temperature [K]; valid -80 C to +50 C (Alduchov & Eskridge 1996).
    """
    require_range("temperature", temperature, unit="K", ge=193.0, le=333.0)
    t = np.asarray(temperature, dtype=float) - 273.15
    water = 610.94 * np.exp(17.625 * t / (t + 243.04))
    ice = 611.21 * np.exp(22.587 * t / (t + 273.86))
    out = np.where(t >= 0.0, water, ice)
    return float(out) if out.ndim == 0 else out


def humidity_ratio(dew_point, pressure=ATMOSPHERE):
    """Water per dry air x = 0.622 e / (p - e) [kg/kg] from the dew (frost) point [K]."""
    e = saturation_vapour_pressure(dew_point)
    return 0.622 * e / (pressure - e)


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

    air_flow [m^3/s] V; air_temperature, ambient_temperature [K]; solvent_rate [kg/s]
    evaporated m_s; latent_heat [J/kg]; heat_recovery [1] of the exhaust heat returned;
    heater_efficiency [1]; fan_pressure [Pa]. Returns (heat [W], fan [W]).
    Ahmed et al. 2016 show that heating the large air flow, not evaporation, dominates.
    """
    require_positive("air_flow", air_flow, unit="m^3/s")
    require_fraction("heat_recovery", heat_recovery)
    require_range("heater_efficiency", heater_efficiency, unit="1", gt=0, le=1)
    sensible = AIR_DENSITY * air_flow * AIR_HEAT_CAPACITY * (air_temperature - ambient_temperature)
    heat = (np.maximum(sensible, 0.0) * (1.0 - heat_recovery)
            + np.asarray(solvent_rate) * latent_heat) / heater_efficiency
    return heat, fan_power(air_flow, fan_pressure)


@cites(AHMED_2016)
def nmp_recovery_power(nmp_rate, max_concentration, inlet_temperature, condenser_temperature,
                       cooling_cop=3.0, distillation_heat=1.0e6, recovered_fraction=0.75,
                       fan_pressure=3000.0):
    """Power of NMP recovery by condensation plus distillation (Ahmed et al. 2016 form).

    The exhaust flow carrying the solvent is V = m_nmp / c_max (kept below the allowed
    concentration), so every term scales with the solvent load:
    Q_cool = rho V c_p (T_in - T_cond) + m_nmp h_fg,   P_chiller = Q_cool / COP,
    Q_distil = f_rec m_nmp q_dist,   P_fan = V dp / eta.

    nmp_rate [kg/s]; max_concentration [kg/m^3] c_max (a fraction of the lower explosive
    limit); inlet_temperature, condenser_temperature [K]; cooling_cop [1]; distillation_heat
    [J/kg]; recovered_fraction [1] (20-30 % losses, Ahmed 2016 via Liu 2021); fan_pressure [Pa].
    Returns (electric [W], thermal [W]); zero without solvent.
    """
    require_positive("max_concentration", max_concentration, unit="kg/m^3")
    require_positive("cooling_cop", cooling_cop, unit="1")
    require_fraction("recovered_fraction", recovered_fraction)
    nmp = np.asarray(nmp_rate, dtype=float)
    flow = nmp / max_concentration
    cooling = (AIR_DENSITY * flow * AIR_HEAT_CAPACITY * (inlet_temperature - condenser_temperature)
               + nmp * LATENT_HEAT["nmp"])
    electric = cooling / cooling_cop + fan_power(flow, fan_pressure)
    thermal = recovered_fraction * nmp * distillation_heat
    return electric, thermal


def dry_room_power(volume, air_change_rate, makeup_fraction, room_dew_point,
                   outdoor_dew_point, outdoor_temperature, room_temperature,
                   internal_moisture=0.0, regeneration_heat=4.5e6, cooling_cop=3.0,
                   fan_pressure=1500.0):
    """Power of a desiccant dry room while it runs.

    m_air = rho V n;  W = f m_air (x_out - x_room) + m_int  (moisture removed),
    Q_regen = W q_reg (desiccant wheel regeneration),
    Q_cool = W h_ads + f m_air c_p max(T_out - T_room, 0)  -> P_cool = Q_cool / COP,
    P_fan = (m_air / rho) dp / eta.

    volume [m^3]; air_change_rate [1/s] n (air changes per hour / 3600); makeup_fraction [1] f of outdoor air;
    room_dew_point, outdoor_dew_point, outdoor_temperature, room_temperature [K];
    internal_moisture [kg/s] from people and ingress; regeneration_heat [J/kg] of water
    removed (typical 4-6 MJ/kg, well above the latent heat); cooling_cop [1]; fan_pressure
    [Pa]. Returns (electric [W], regeneration heat [W]). Valid for dew points -70 to +30 C.
    """
    require_positive("volume", volume, unit="m^3")
    require_positive("air_change_rate", air_change_rate, unit="1/s")
    require_fraction("makeup_fraction", makeup_fraction)
    air = AIR_DENSITY * np.asarray(volume) * air_change_rate
    moisture = (makeup_fraction * air
                * np.maximum(humidity_ratio(outdoor_dew_point) - humidity_ratio(room_dew_point), 0.0)
                + internal_moisture)
    regeneration = moisture * regeneration_heat
    cooling = (moisture * ADSORPTION_HEAT
               + makeup_fraction * air * AIR_HEAT_CAPACITY
               * np.maximum(outdoor_temperature - room_temperature, 0.0))
    electric = cooling / cooling_cop + fan_power(air / AIR_DENSITY, fan_pressure)
    return electric, regeneration
