"""Electrolyte filling and wetting: pore volume, electrolyte amount, wetting time.

Filling doses a multiple of the pore volume of electrodes and separator (1.4 x pore volume
was best for NMC111 cells, Guenter et al. via Zanotto et al. 2022 s.4.1.7); wetting is
capillary flow through the porous stack, described by the Lucas-Washburn equation with a
tortuous path (Bruggeman), a capillary radius from the Carman hydraulic radius, an
Arrhenius viscosity and the pressure difference left by vacuum filling. The gas left in
the pores at the chamber pressure is compressed ahead of the front and pushes back
(Guenter et al. 2022's residual-gas model), so a layer wets only up to an equilibrium
degree and the last per cent take longest; the layer that wets slowest, usually the
polyolefin separator with its ~0.1 um pores and poor wettability (seed 002 s.4.1.7),
sets the wetting time of the cell.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import require_fraction, require_positive, require_range
from gigatwin.citations import Citation, cites
from gigatwin.references import ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array

WASHBURN_1921 = Citation(
    key="washburn1921",
    authors="Washburn",
    title="The dynamics of capillary flow",
    venue="Physical Review 17 (1921) 273-283",
    year=1921,
    doi="10.1103/PhysRev.17.273",
)
BRUGGEMAN_1935 = Citation(
    key="bruggeman1935",
    authors="Bruggeman",
    title="Berechnung verschiedener physikalischer Konstanten von heterogenen Substanzen",
    venue="Annalen der Physik 416 (1935) 636-664",
    year=1935,
    doi="10.1002/andp.19354160705",
)
CARMAN_1937 = Citation(
    key="carman1937",
    authors="Carman",
    title="Fluid flow through granular beds",
    venue="Trans. Inst. Chem. Eng. 15 (1937) 150-166; reprinted Chem. Eng. Res. Des. 75 (1997) S32",
    year=1937,
    doi="10.1016/S0263-8762(97)80003-2",
)


@cites(ZANOTTO_2022)
def pore_volume(area, thickness, porosity):
    """Open pore volume of a porous layer: V_p = A L eps [m^3].

    area : layer area [m^2]; thickness : layer thickness [m]; porosity : eps [1], (0, 1).
    """
    require_positive("area", area, unit="m^2")
    require_positive("thickness", thickness, unit="m")
    require_fraction("porosity", porosity, open_interval=True)
    return scalar_or_array(np.asarray(area) * thickness * porosity)


@cites(ZANOTTO_2022)
def electrolyte_volume(total_pore_volume, volume_factor):
    """Electrolyte dosed into the cell: V_e = f V_p [m^3].

    total_pore_volume : total pore volume of electrodes and separator [m^3]
    volume_factor : f [1], 1 <= f <= 3 (1.4 best for NMC111, Guenter via Zanotto 2022 s.4.1.7)
    """
    require_positive("total_pore_volume", total_pore_volume, unit="m^3")
    require_range("volume_factor", volume_factor, unit="1", ge=1, le=3)
    return scalar_or_array(np.asarray(total_pore_volume) * volume_factor)


def electrolyte_viscosity(temperature, viscosity_reference, activation_energy,
                          temperature_reference=298.15):
    """Arrhenius viscosity: mu = mu_ref exp(E_a / R (1/T - 1/T_ref)) [Pa s].

    temperature : T [K], 250-360 K (liquid carbonate electrolytes)
    viscosity_reference : mu at T_ref [Pa s] (1 M LiPF6 in EC:DMC/EMC ~3-4 mPa s at 25 C)
    activation_energy : E_a [J/mol] (typical 10-25 kJ/mol for carbonate electrolytes)
    temperature_reference : T_ref [K]

    Warmer electrolyte flows faster, so wetting is faster (Zanotto et al. 2022 s.4.1.7).
    """
    require_range("temperature", temperature, unit="K", ge=250, le=360)
    require_positive("viscosity_reference", viscosity_reference, unit="Pa s")
    require_range("activation_energy", activation_energy, unit="J/mol", ge=0, le=1e5)
    require_range("temperature_reference", temperature_reference, unit="K", ge=250, le=360)
    exponent = np.asarray(activation_energy) / 8.314462618 * (
        1 / np.asarray(temperature) - 1 / np.asarray(temperature_reference))
    return scalar_or_array(np.asarray(viscosity_reference) * np.exp(exponent))


@cites(CARMAN_1937)
def carman_capillary_radius(porosity, particle_diameter):
    """Effective capillary radius of a packed particle bed: r = eps d / (3 (1 - eps)) [m].

    Twice the Carman hydraulic radius r_h = eps d / (6 (1 - eps)) of a bed of spheres of
    diameter d. porosity [1], (0, 1); particle_diameter [m]. Harder calendering (lower eps)
    gives narrower pores and slower wetting.
    """
    require_fraction("porosity", porosity, open_interval=True)
    require_positive("particle_diameter", particle_diameter, unit="m")
    eps = np.asarray(porosity, dtype=float)
    return scalar_or_array(eps * particle_diameter / (3 * (1 - eps)))


@cites(BRUGGEMAN_1935)
def bruggeman_tortuosity(porosity, bruggeman_exponent=1.5):
    """Tortuosity factor tau = eps^(1 - b) [1] (tau = eps^-0.5 for spheres, b = 1.5).

    porosity [1], (0, 1); bruggeman_exponent b [1], 1-3 (1.5 for spheres).
    """
    require_fraction("porosity", porosity, open_interval=True)
    require_range("bruggeman_exponent", bruggeman_exponent, unit="1", ge=1, le=3)
    return scalar_or_array(np.asarray(porosity, dtype=float) ** (1 - np.asarray(bruggeman_exponent)))


@cites(WASHBURN_1921)
def washburn_wetting_time(wetting_distance, capillary_radius, tortuosity, surface_tension,
                          contact_angle, viscosity, driving_pressure=0.0):
    """Time for the liquid front to travel a distance through a porous layer.

    Poiseuille flow in a capillary of radius r driven by the capillary pressure
    2 sigma cos(theta) / r plus an external pressure dP, along a path tau times longer
    than the straight distance L (Washburn 1921, eq. 5 with an applied pressure):

        t = 4 mu (tau L)^2 / (r (2 sigma cos(theta) + r dP))

    which reduces to L_path^2 = r sigma cos(theta) t / (2 mu) for dP = 0.

    Parameters
    ----------
    wetting_distance : L, in-plane distance from the open edge to the farthest point [m]
    capillary_radius : r [m]
    tortuosity : tau >= 1 [1]
    surface_tension : sigma [N/m] (carbonate electrolytes ~0.03-0.04 N/m)
    contact_angle : theta [rad], [0, pi/2)
    viscosity : mu [Pa s]
    driving_pressure : dP >= 0 [Pa], e.g. ambient minus chamber pressure after vacuum filling

    Returns
    -------
    wetting time [s]

    Validity: laminar capillary flow, gas escapes freely (no entrapment), wetting liquid.
    """
    require_positive("wetting_distance", wetting_distance, unit="m")
    require_positive("capillary_radius", capillary_radius, unit="m")
    require_range("tortuosity", tortuosity, unit="1", ge=1)
    require_positive("surface_tension", surface_tension, unit="N/m")
    require_range("contact_angle", contact_angle, unit="rad", ge=0, lt=np.pi / 2)
    require_positive("viscosity", viscosity, unit="Pa s")
    require_range("driving_pressure", driving_pressure, unit="Pa", ge=0)
    r = np.asarray(capillary_radius, dtype=float)
    path = np.asarray(tortuosity) * wetting_distance
    drive = 2 * np.asarray(surface_tension) * np.cos(contact_angle) + r * driving_pressure
    return scalar_or_array(4 * np.asarray(viscosity) * path**2 / (r * drive))


def vacuum_driving_pressure(ambient_pressure, chamber_pressure):
    """Pressure pushing electrolyte into pores evacuated to the chamber pressure [Pa].

    dP = p_ambient - p_chamber; the chamber pressure must stay above the electrolyte vapour
    pressure (Zanotto et al. 2022 s.4.1.7) and below ambient.
    ambient_pressure, chamber_pressure [Pa].
    """
    require_positive("ambient_pressure", ambient_pressure, unit="Pa")
    require_range("chamber_pressure", chamber_pressure, unit="Pa", gt=0)
    require_range("ambient_pressure - chamber_pressure",
                  np.asarray(ambient_pressure) - chamber_pressure, unit="Pa", ge=0)
    return scalar_or_array(np.asarray(ambient_pressure, dtype=float) - chamber_pressure)


GUENTER_2022 = Citation(
    key="guenter2022",
    authors="Guenter, Keilhofer, Rauch, Roessler, Schulz, Braunwarth, Gilles, Daub, Reinhart",
    title="Influence of pressure and temperature on the electrolyte filling of lithium-ion "
          "cells: experiment, model and method",
    venue="J. Power Sources 517 (2022) 230668",
    year=2022,
    doi=None,  # not verified here; venue and article number identify the paper
)


@cites(GUENTER_2022)
def equilibrium_wetting_degree(liquid_pressure, capillary_pressure, gas_pressure):
    """Degree of wetting at which the trapped gas stops the front [1].

    The gas sealed in a dead-end pore at p_0 is compressed isothermally ahead of the
    front, p_g = p_0 L / (L - h); the front stops where p_g = p_l + p_c:

        s_eq = h_eq / L = 1 - p_0 / (p_l + p_c)

    liquid_pressure : p_l, pressure on the electrolyte (ambient through the housing) [Pa]
    capillary_pressure : p_c = 2 sigma cos(theta) / r [Pa]
    gas_pressure : p_0, gas pressure in the pores when the cell is closed (the filling
        chamber pressure) [Pa], >= 0
    """
    require_range("liquid_pressure", liquid_pressure, unit="Pa", ge=0)
    require_range("capillary_pressure", capillary_pressure, unit="Pa", gt=0)
    require_range("gas_pressure", gas_pressure, unit="Pa", ge=0)
    drive = np.asarray(liquid_pressure, dtype=float) + capillary_pressure
    return scalar_or_array(np.clip(1 - np.asarray(gas_pressure) / drive, 0.0, 1.0))


@cites(WASHBURN_1921, GUENTER_2022)
def wetting_time_with_gas(wetting_distance, capillary_radius, tortuosity, surface_tension,
                          contact_angle, viscosity, liquid_pressure, gas_pressure,
                          wetting_degree=0.95):
    """Time for the front to wet a layer to a degree, against the compressed pore gas [s].

    Poiseuille flow along a path tau times the straight distance (Washburn 1921) driven
    by the liquid pressure and the capillary pressure p_c = 2 sigma cos(theta) / r,
    against the gas compressed ahead of the front (Guenter et al. 2022):

        tau^2 h dh/dt = r^2 / (8 mu) (A - B / (L - h)),  A = p_l + p_c,  B = p_0 L

    integrated in closed form with u = L - h:

        t(h) = 8 mu tau^2 / r^2 [G(L) - G(L - h)],
        G(u) = -u^2 / (2A) + c u + (B c / A) ln(A u - B),  c = (L - B/A) / A

    The front approaches h_eq = L (1 - p_0 / A) only logarithmically; a target degree at
    or above 99 % of the equilibrium degree is capped there (see
    :func:`equilibrium_wetting_degree`). With p_0 = 0 this is the Washburn time of
    :func:`washburn_wetting_time` with dP = p_l.

    Parameters
    ----------
    wetting_distance : L, open edge to the farthest point of the layer [m]
    capillary_radius : r [m]; tortuosity : tau >= 1 [1]
    surface_tension : sigma [N/m]; contact_angle : theta [rad], [0, pi/2)
    viscosity : mu [Pa s]
    liquid_pressure : p_l [Pa], >= 0; gas_pressure : p_0 [Pa], >= 0
    wetting_degree : target degree of wetting s* [1], (0, 1)

    Returns
    -------
    wetting time [s]
    """
    require_positive("wetting_distance", wetting_distance, unit="m")
    require_positive("capillary_radius", capillary_radius, unit="m")
    require_range("tortuosity", tortuosity, unit="1", ge=1)
    require_positive("surface_tension", surface_tension, unit="N/m")
    require_range("contact_angle", contact_angle, unit="rad", ge=0, lt=np.pi / 2)
    require_positive("viscosity", viscosity, unit="Pa s")
    require_range("liquid_pressure", liquid_pressure, unit="Pa", ge=0)
    require_range("gas_pressure", gas_pressure, unit="Pa", ge=0)
    require_range("wetting_degree", wetting_degree, unit="1", gt=0, lt=1)
    r = np.asarray(capillary_radius, dtype=float)
    length = np.asarray(wetting_distance, dtype=float)
    a = np.asarray(liquid_pressure) + 2 * np.asarray(surface_tension) * np.cos(contact_angle) / r
    b = np.asarray(gas_pressure) * length
    reachable = 0.99 * (1 - b / (a * length))
    degree = np.minimum(np.asarray(wetting_degree, dtype=float), reachable)
    c = (length - b / a) / a
    two_a, log_factor = 2 * a, b * c / a

    def antiderivative(u):
        # -u^2 / (2A) + c u + (B c / A) ln(A u - B), term by term in this order; in place
        # once a term is a fresh array (the same numbers as the one-line expression)
        shape = np.broadcast(u, a, b, c).shape
        value = np.negative(u, out=np.empty(shape))  # 0-d arrays too: in place works
        value *= u
        value /= two_a
        value += c * u
        inner = np.multiply(a, u, out=np.empty(shape))
        inner -= b
        np.log(inner, out=inner)
        inner *= log_factor
        value += inner
        return value

    end = length * (1 - degree)
    integral = antiderivative(length)
    integral -= antiderivative(end)
    return scalar_or_array(8 * np.asarray(viscosity) * np.asarray(tortuosity) ** 2 / r**2
                           * integral)


CONFORMANCE = (
    Conformance(pore_volume, dict(area=1.0, thickness=60e-6, porosity=0.3),
                (("area", -1.0), ("porosity", 1.0), ("thickness", 0.0))),
    Conformance(electrolyte_volume, dict(total_pore_volume=50e-6, volume_factor=1.4),
                (("total_pore_volume", 0.0), ("volume_factor", 0.5))),
    Conformance(electrolyte_viscosity,
                dict(temperature=298.15, viscosity_reference=3.5e-3, activation_energy=15e3),
                (("temperature", 100.0), ("viscosity_reference", 0.0),
                 ("activation_energy", -1.0))),
    Conformance(carman_capillary_radius, dict(porosity=0.3, particle_diameter=10e-6),
                (("porosity", 0.0), ("particle_diameter", -1.0))),
    Conformance(bruggeman_tortuosity, dict(porosity=0.3, bruggeman_exponent=1.5),
                (("porosity", 1.2), ("bruggeman_exponent", 0.0))),
    Conformance(washburn_wetting_time,
                dict(wetting_distance=0.05, capillary_radius=1e-6, tortuosity=1.8,
                     surface_tension=0.035, contact_angle=0.3, viscosity=3.5e-3,
                     driving_pressure=9e4),
                (("wetting_distance", 0.0), ("tortuosity", 0.5), ("contact_angle", 2.0),
                 ("viscosity", -1.0), ("driving_pressure", -1.0))),
    Conformance(vacuum_driving_pressure, dict(ambient_pressure=101325.0, chamber_pressure=1e4),
                (("ambient_pressure", -1.0), ("chamber_pressure", 0.0))),
    Conformance(equilibrium_wetting_degree,
                dict(liquid_pressure=101325.0, capillary_pressure=1.2e5, gas_pressure=1e4),
                (("capillary_pressure", 0.0), ("gas_pressure", -1.0))),
    Conformance(wetting_time_with_gas,
                dict(wetting_distance=0.05, capillary_radius=5e-8, tortuosity=1.5,
                     surface_tension=0.033, contact_angle=0.7, viscosity=3.3e-3,
                     liquid_pressure=101325.0, gas_pressure=1e4, wetting_degree=0.95),
                (("wetting_distance", 0.0), ("contact_angle", 2.0), ("gas_pressure", -1.0),
                 ("wetting_degree", 1.0))),
)
