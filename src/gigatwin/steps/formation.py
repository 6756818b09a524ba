"""Formation and aging: protocol duration, first-cycle lithium loss, gas, capacity, DCIR, k-value.

Formation charges the cell for the first time (0.1-0.5 C to 20-80 % SOC, up to 24 h;
formation plus aging 1.5-3 weeks, Zanotto et al. 2022 s.4.1.8); the SEI that forms on the
anode consumes cyclable lithium in proportion to the anode surface area (Joho et al. 2001)
and grows parabolically in time (Ploehn et al. 2004); silicon in the anode adds its own,
much larger first-cycle loss (SEI on the expanding particles and trapped lithium), in
proportion to its mass. Fast protocols cycle in a narrow window at higher rate (An et al.
2017: ~14 h instead of several days). The electric energy of a protocol follows from the
charge moved in each step times the cell's open-circuit voltage over that step, through
the cycler's efficiency.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import require_fraction, require_positive, require_range
from gigatwin.citations import Citation, cites
from gigatwin.references import ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array

FARADAY = 96485.33212  # C/mol
GAS_CONSTANT = 8.314462618  # J/(mol K)

JOHO_2001 = Citation(
    key="joho2001",
    authors="Joho, Rykart, Blome, Novak, Wilhelm, Spahr",
    title="Relation between surface properties, pore structure and first-cycle charge loss of "
          "graphite as negative electrode in lithium-ion batteries",
    venue="J. Power Sources 97-98 (2001) 78-82",
    year=2001,
    doi=None,  # not verified here; venue and pages identify the paper
)
PLOEHN_2004 = Citation(
    key="ploehn2004",
    authors="Ploehn, Ramadass, White",
    title="Solvent diffusion model for aging of lithium-ion battery cells",
    venue="J. Electrochem. Soc. 151 (2004) A456-A462",
    year=2004,
    doi=None,  # not verified here; venue and pages identify the paper
)
AN_2017 = Citation(
    key="an2017",
    authors="An, Li, Du, Daniel, Wood",
    title="Fast formation cycling for lithium ion batteries",
    venue="J. Power Sources 342 (2017) 846-852",
    year=2017,
    doi="10.1016/j.jpowsour.2017.01.011",
)
OGIHARA_2012 = Citation(
    key="ogihara2012",
    authors="Ogihara, Kawauchi, Okuda, Itou, Takeuchi, Ukyo",
    title="Theoretical and experimental analysis of porous electrodes for lithium-ion batteries "
          "by electrochemical impedance spectroscopy using a symmetric cell",
    venue="J. Electrochem. Soc. 159 (2012) A1034-A1039",
    year=2012,
    doi="10.1149/2.057207jes",
)


@cites(AN_2017)
def cc_step_duration(delta_soc, c_rate):
    """Duration of a constant-current step: t = dSOC / C-rate [s].

    delta_soc : SOC swept in the step [1], (0, 1]
    c_rate : current in multiples of the rated capacity per time [1/s] (1 C = 1/3600 1/s)

    Validity: capacity close to rated; the SOC window of a voltage window comes from
    :func:`soc_at_voltage`. Protocols as in An et al. 2017 (C/20 to 1 C formation steps).
    """
    require_range("delta_soc", delta_soc, unit="1", gt=0, le=1)
    require_range("c_rate", c_rate, unit="1/s", gt=0, le=10 / 3600)
    return scalar_or_array(np.asarray(delta_soc, dtype=float) / c_rate)


def cv_step_duration(c_rate_start, c_rate_cutoff, time_constant):
    """Duration of a constant-voltage hold until the current falls to the cutoff [s].

    The CV current decays close to exponentially, I = I_0 exp(-t / tau), so
    t = tau ln(I_0 / I_cut). c_rate_start, c_rate_cutoff [1/s] (cutoff < start);
    time_constant tau [s] (typically 0.3-1.5 h for EV cells; an assumption of this model).
    """
    require_range("c_rate_start", c_rate_start, unit="1/s", gt=0)
    require_range("c_rate_cutoff", c_rate_cutoff, unit="1/s", gt=0)
    require_range("c_rate_start / c_rate_cutoff",
                  np.asarray(c_rate_start, dtype=float) / c_rate_cutoff, unit="1", gt=1)
    require_positive("time_constant", time_constant, unit="s")
    return scalar_or_array(np.asarray(time_constant) * np.log(np.asarray(c_rate_start, dtype=float)
                                                      / c_rate_cutoff))


def soc_at_voltage(voltage, ocv_soc, ocv_voltage):
    """State of charge at an open-circuit voltage, by linear interpolation of an OCV table [1].

    voltage [V]; ocv_soc [1] and ocv_voltage [V] are the table (1-D, voltage increasing).
    Voltages outside the table are clipped to SOC 0 or 1.
    """
    table_v = np.asarray(ocv_voltage, dtype=float)
    if table_v.ndim != 1 or table_v.size < 2 or np.any(np.diff(table_v) <= 0):
        raise ValueError("ocv_voltage must be a strictly increasing 1-D table of at least 2 "
                         f"voltages [V], got {table_v!r}")
    require_range("voltage", voltage, unit="V", gt=0, le=6)
    return scalar_or_array(np.interp(voltage, table_v, np.asarray(ocv_soc, dtype=float)))


@cites(JOHO_2001, PLOEHN_2004)
def sei_lithium_loss(anode_surface_area, sei_charge_per_area, sei_growth_rate, formation_time):
    """Charge of cyclable lithium bound in the SEI during formation and aging [C].

    Q_SEI = S (q_0 + k sqrt(t))

    The first term is linear in the anode active surface area (Joho et al. 2001: first-cycle
    loss of graphite linear in BET area); the second is the parabolic SEI growth of a
    solvent-diffusion-limited layer (Ploehn et al. 2004).

    Parameters
    ----------
    anode_surface_area : S, BET area of the anode active material in the cell [m^2]
    sei_charge_per_area : q_0, a property of the anode material and electrolyte [C/m^2]
        (74 C/m^2 for a graphite losing 8 % at 1.5 m^2/g); the loss grows in proportion
        to S, so a 12 times larger surface loses 12 times as much
    sei_growth_rate : k [C/(m^2 s^0.5)]
    formation_time : t, formation plus aging duration [s]

    Returns
    -------
    lithium loss [C]
    """
    require_positive("anode_surface_area", anode_surface_area, unit="m^2")
    require_range("sei_charge_per_area", sei_charge_per_area, unit="C/m^2", ge=0)
    require_range("sei_growth_rate", sei_growth_rate, unit="C/(m^2 s^0.5)", ge=0)
    require_range("formation_time", formation_time, unit="s", ge=0)
    return scalar_or_array(np.asarray(anode_surface_area) * (
        np.asarray(sei_charge_per_area) + np.asarray(sei_growth_rate) * np.sqrt(formation_time)))


@cites(JOHO_2001)
def silicon_first_cycle_loss(silicon_mass, silicon_specific_capacity,
                             silicon_first_cycle_efficiency):
    """Lithium lost by the silicon part of an anode on its first cycle [C].

    Q_Si = m_Si q_Si (1 / FCE_Si - 1)

    The first lithiation of silicon (or SiOx) takes q_Si / FCE_Si and returns q_Si; the
    difference stays in the SEI and in irreversible lithium silicates/oxides. Added to the
    surface term of :func:`sei_lithium_loss` (linear in BET area, Joho et al. 2001) it
    gives the first-cycle loss of a blend.

    silicon_mass : m_Si, silicon(-oxide) mass in the anode [kg], >= 0
    silicon_specific_capacity : q_Si, reversible capacity [C/kg] (SiOx ~1500-1700 mAh/g)
    silicon_first_cycle_efficiency : FCE_Si [1], (0, 1] (SiOx ~0.70-0.75)
    """
    require_range("silicon_mass", silicon_mass, unit="kg", ge=0)
    require_positive("silicon_specific_capacity", silicon_specific_capacity, unit="C/kg")
    require_range("silicon_first_cycle_efficiency", silicon_first_cycle_efficiency, unit="1",
                  gt=0, le=1)
    return scalar_or_array(np.asarray(silicon_mass, dtype=float) * silicon_specific_capacity
                           * (1 / np.asarray(silicon_first_cycle_efficiency) - 1))


def formation_electric_energy(charge_in, voltage_in, charge_out, voltage_out,
                              charger_efficiency, recovery_efficiency=0.0):
    """Net electric energy a formation protocol draws from the grid per cell [J].

    E = Q_in U_in / eta_c - eta_r Q_out U_out

    charge_in, charge_out : charge put into and taken out of the cell [C], >= 0
    voltage_in, voltage_out : mean cell voltage while charging and discharging [V]
    charger_efficiency : eta_c, grid-to-cell efficiency of the cycler [1], (0, 1]
    recovery_efficiency : eta_r, share of the discharge energy fed back [1], [0, 1]
        (0 for cyclers that burn the discharge energy in resistors)
    """
    for name, value in (("charge_in", charge_in), ("charge_out", charge_out)):
        require_range(name, value, unit="C", ge=0)
    for name, value in (("voltage_in", voltage_in), ("voltage_out", voltage_out)):
        require_range(name, value, unit="V", gt=0, le=6)
    require_range("charger_efficiency", charger_efficiency, unit="1", gt=0, le=1)
    require_fraction("recovery_efficiency", recovery_efficiency)
    return scalar_or_array(np.asarray(charge_in, dtype=float) * voltage_in / charger_efficiency
                           - np.asarray(recovery_efficiency) * charge_out * voltage_out)


@cites(ZANOTTO_2022)
def formation_gas_volume(sei_charge, gas_fraction, temperature=298.15, pressure=101325.0):
    """Volume of gas released while the SEI forms [m^3].

    Ethylene carbonate is reduced with two electrons per molecule of ethylene
    (2 EC + 2 e- + 2 Li+ -> (CH2OCO2Li)2 + C2H4), so n = f Q / (2 F) and V = n R T / p,
    with f the fraction of the SEI charge going the gas-forming route.

    sei_charge : Q [C]; gas_fraction : f [1], [0, 1]; temperature [K]; pressure [Pa].
    Degassing of pouch cells removes this gas (Zanotto et al. 2022 s.4.1.8).
    """
    require_range("sei_charge", sei_charge, unit="C", ge=0)
    require_fraction("gas_fraction", gas_fraction)
    require_range("temperature", temperature, unit="K", ge=200, le=400)
    require_positive("pressure", pressure, unit="Pa")
    moles = np.asarray(gas_fraction) * sei_charge / (2 * FARADAY)
    return scalar_or_array(moles * GAS_CONSTANT * np.asarray(temperature) / pressure)


@cites(OGIHARA_2012)
def dc_internal_resistance(electrode_area, cathode_coating_thickness, cathode_porosity,
                           anode_coating_thickness, anode_porosity, separator_thickness,
                           separator_porosity, electrolyte_conductivity, charge_transfer_asr,
                           tab_resistance, bruggeman_exponent=1.5):
    """DC internal resistance of a cell (short pulse) from its layers [ohm].

    R = [ASR_ct + L_s/kappa_s + L_c/(3 kappa_c) + L_a/(3 kappa_a)] / A + R_tab,
    kappa_x = kappa eps_x^b (Bruggeman).

    The ionic resistance of a porous electrode with uniform reaction is one third of its
    pore resistance (Ogihara et al. 2012); the separator counts in full.

    Parameters
    ----------
    electrode_area : facing cathode area, all faces [m^2]
    cathode_coating_thickness, anode_coating_thickness : one coating layer [m]
    cathode_porosity, anode_porosity, separator_porosity : [1], (0, 1)
    separator_thickness : [m]
    electrolyte_conductivity : kappa [S/m] (~1 S/m for 1 M LiPF6 carbonates at 25 C)
    charge_transfer_asr : area-specific charge-transfer + SEI resistance of both electrodes
        [ohm m^2]
    tab_resistance : welds and tabs in series [ohm]
    bruggeman_exponent : b [1]
    """
    require_positive("electrode_area", electrode_area, unit="m^2")
    for name, value in (("cathode_coating_thickness", cathode_coating_thickness),
                        ("anode_coating_thickness", anode_coating_thickness),
                        ("separator_thickness", separator_thickness)):
        require_positive(name, value, unit="m")
    for name, value in (("cathode_porosity", cathode_porosity), ("anode_porosity", anode_porosity),
                        ("separator_porosity", separator_porosity)):
        require_fraction(name, value, open_interval=True)
    require_positive("electrolyte_conductivity", electrolyte_conductivity, unit="S/m")
    require_range("charge_transfer_asr", charge_transfer_asr, unit="ohm m^2", ge=0)
    require_range("tab_resistance", tab_resistance, unit="ohm", ge=0)
    require_range("bruggeman_exponent", bruggeman_exponent, unit="1", ge=1, le=3)
    b = bruggeman_exponent
    kappa = np.asarray(electrolyte_conductivity, dtype=float)
    ionic = (np.asarray(separator_thickness) / (kappa * np.power(separator_porosity, b))
             + np.asarray(cathode_coating_thickness) / (3 * kappa * np.power(cathode_porosity, b))
             + np.asarray(anode_coating_thickness) / (3 * kappa * np.power(anode_porosity, b)))
    return scalar_or_array((ionic + charge_transfer_asr) / np.asarray(electrode_area) + tab_resistance)


def self_discharge_k_value(leakage_current_density, electrode_area, differential_capacity,
                           short_resistance=np.inf, cell_voltage=3.7):
    """Self-discharge rate of the open-circuit voltage, k = I_sd / (dQ/dV) [V/s].

    I_sd = j A + V / R_short: a leakage current density over the electrode area (side
    reactions) plus an internal soft short. The k-value (OCV drop per time during aging) is
    the standard end-of-line screen for shorts (Zanotto et al. 2022 s.4.1.8).

    leakage_current_density : j [A/m^2] (~1e-5..1e-3 A/m^2)
    electrode_area : A [m^2]
    differential_capacity : dQ/dV at the storage SOC [C/V] (= [F])
    short_resistance : R_short [ohm], inf for a cell without a short
    cell_voltage : V [V]
    """
    require_range("leakage_current_density", leakage_current_density, unit="A/m^2", ge=0)
    require_positive("electrode_area", electrode_area, unit="m^2")
    require_positive("differential_capacity", differential_capacity, unit="C/V")
    require_positive("short_resistance", short_resistance, unit="ohm", allow_infinity=True)
    require_positive("cell_voltage", cell_voltage, unit="V")
    current = (np.asarray(leakage_current_density) * electrode_area
               + np.asarray(cell_voltage) / short_resistance)
    return scalar_or_array(current / np.asarray(differential_capacity))


CONFORMANCE = (
    Conformance(cc_step_duration, dict(delta_soc=0.2, c_rate=0.1 / 3600),
                (("delta_soc", 0.0), ("c_rate", -1.0))),
    Conformance(cv_step_duration,
                dict(c_rate_start=0.3 / 3600, c_rate_cutoff=0.05 / 3600, time_constant=1800.0),
                (("c_rate_cutoff", 1.0), ("time_constant", 0.0))),
    Conformance(soc_at_voltage,
                dict(voltage=3.8, ocv_soc=np.array([0.0, 0.5, 1.0]),
                     ocv_voltage=np.array([3.0, 3.7, 4.2])),
                (("voltage", -1.0),)),
    Conformance(sei_lithium_loss,
                dict(anode_surface_area=300.0, sei_charge_per_area=40.0, sei_growth_rate=0.02,
                     formation_time=1.2e6),
                (("anode_surface_area", 0.0), ("sei_charge_per_area", -1.0),
                 ("formation_time", -1.0))),
    Conformance(silicon_first_cycle_loss,
                dict(silicon_mass=1e-3, silicon_specific_capacity=5.76e6,
                     silicon_first_cycle_efficiency=0.72),
                (("silicon_mass", -1.0), ("silicon_first_cycle_efficiency", 0.0))),
    Conformance(formation_electric_energy,
                dict(charge_in=2.4e5, voltage_in=3.7, charge_out=2.3e5, voltage_out=3.6,
                     charger_efficiency=0.9, recovery_efficiency=0.8),
                (("charge_in", -1.0), ("charger_efficiency", 0.0),
                 ("recovery_efficiency", 1.5))),
    Conformance(formation_gas_volume,
                dict(sei_charge=18000.0, gas_fraction=0.05, temperature=298.15, pressure=101325.0),
                (("sei_charge", -1.0), ("gas_fraction", 2.0), ("temperature", 1000.0))),
    Conformance(dc_internal_resistance,
                dict(electrode_area=2.0, cathode_coating_thickness=70e-6, cathode_porosity=0.25,
                     anode_coating_thickness=85e-6, anode_porosity=0.3, separator_thickness=12e-6,
                     separator_porosity=0.4, electrolyte_conductivity=1.0,
                     charge_transfer_asr=15e-4, tab_resistance=1e-4),
                (("electrode_area", 0.0), ("cathode_porosity", 1.0),
                 ("electrolyte_conductivity", -1.0), ("tab_resistance", -1.0))),
    Conformance(self_discharge_k_value,
                dict(leakage_current_density=1e-4, electrode_area=2.0,
                     differential_capacity=5e5, short_resistance=1e4, cell_voltage=3.7),
                (("leakage_current_density", -1.0), ("differential_capacity", 0.0),
                 ("short_resistance", 0.0))),
)
