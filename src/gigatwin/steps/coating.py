"""Slot-die coating: wet film thickness, areal loading and the low-flow coating window.

Slot-die coating is pre-metered: the pump sets the volumetric flow rate Q, so the wet
film thickness follows from the mass balance h = Q / (W U). The coating window is
bounded at low flow (thin films, high speed) by breakup of the downstream meniscus of
the coating bead, estimated here with the viscocapillary model (Ruschak 1976; Higgins &
Scriven 1980; Carvalho & Kheshgi 2000) as applied to battery slurries by Schmitt et al.
(2014). Industrial lines coat at 35-80 m/min, pilot lines at 0.3-30 m/min (Zanotto et
al. 2022 s.4.1.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigatwin.checks import require_fraction, require_positive, require_range
from gigatwin.citations import Citation, cites
from gigatwin.references import ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array

RUSCHAK_1976 = Citation(
    key="ruschak1976",
    authors="Ruschak",
    title="Limiting flow in a pre-metered coating device",
    venue="Chemical Engineering Science 31 (1976) 1057-1060",
    year=1976,
    doi="10.1016/0009-2509(76)87026-8",
)
HIGGINS_SCRIVEN_1980 = Citation(
    key="higgins1980",
    authors="Higgins, Scriven",
    title="Capillary pressure and viscous pressure drop set bounds on coating bead operability",
    venue="Chemical Engineering Science 35 (1980) 673-682",
    year=1980,
    doi="10.1016/0009-2509(80)80018-2",
)
CARVALHO_KHESHGI_2000 = Citation(
    key="carvalho2000",
    authors="Carvalho, Kheshgi",
    title="Low-flow limit in slot coating: theory and experiments",
    venue="AIChE Journal 46 (2000) 1907-1917",
    year=2000,
    doi="10.1002/aic.690461003",
)
SCHMITT_2014 = Citation(
    key="schmitt2014",
    authors="Schmitt, Scharfer, Schabel",
    title="Slot-die processing of lithium-ion battery electrodes - coating window characterization",
    venue="Journal of Coatings Technology and Research 11 (2014) 57-63",
    year=2014,
    doi="10.1007/s11998-013-9498-y",
)

LANDAU_LEVICH_COEFFICIENT = 1.34
"""Landau-Levich film coefficient: h = 1.34 Ca^(2/3) R for a meniscus of radius R."""


@dataclass(frozen=True)
class CoatingWindow:
    """Low-flow limit check of a slot-die operating point (arrays broadcast together).

    capillary_number : Ca = mu U / sigma [1]
    minimum_wet_film_thickness : thinnest stable wet film at this gap and speed [m]
    low_flow_margin : h_wet / h_min - 1 [1]; negative means below the low-flow limit
    low_flow_defect : True where the film is predicted to break up (rivulets, streaks)
    """

    capillary_number: np.ndarray | float
    minimum_wet_film_thickness: np.ndarray | float
    low_flow_margin: np.ndarray | float
    low_flow_defect: np.ndarray | bool


@cites(ZANOTTO_2022)
def wet_film_thickness(volumetric_flow_rate, coating_width, web_speed):
    """Wet film thickness from the pre-metered mass balance: h_wet = Q / (W U) [m].

    volumetric_flow_rate : Q, slurry pumped to the die [m^3/s], > 0
    coating_width : W [m], 0 < W <= 3
    web_speed : U [m/s], 0 < U <= 3 (0.3-80 m/min in practice)
    """
    require_positive("volumetric_flow_rate", volumetric_flow_rate, unit="m^3/s")
    require_range("coating_width", coating_width, unit="m", gt=0, le=3)
    require_range("web_speed", web_speed, unit="m/s", gt=0, le=3)
    return scalar_or_array(np.asarray(volumetric_flow_rate, dtype=float) / (np.asarray(coating_width) * web_speed))


@cites(ZANOTTO_2022)
def volumetric_flow_rate(wet_film_thickness, coating_width, web_speed):
    """Pump flow rate for a target wet film: Q = h_wet W U [m^3/s].

    wet_film_thickness : h_wet [m], 0 < h <= 2 mm; coating_width : W [m]; web_speed : U [m/s]
    """
    require_range("wet_film_thickness", wet_film_thickness, unit="m", gt=0, le=2e-3)
    require_range("coating_width", coating_width, unit="m", gt=0, le=3)
    require_range("web_speed", web_speed, unit="m/s", gt=0, le=3)
    return scalar_or_array(np.asarray(wet_film_thickness, dtype=float) * coating_width * web_speed)


@cites(ZANOTTO_2022)
def areal_loading(wet_film_thickness, slurry_density, solid_content):
    """Dry coating mass per area: m_A = h_wet rho_slurry w [kg/m^2].

    wet_film_thickness : h_wet [m], 0 < h <= 2 mm
    slurry_density : rho_slurry [kg/m^3], > 0
    solid_content : w, solids mass fraction of the slurry [1], (0, 1)

    1 mg/cm^2 = 0.01 kg/m^2; beta gauges measure it to +-0.01 mg/cm^2 (Zanotto 2022 Table 6).
    """
    require_range("wet_film_thickness", wet_film_thickness, unit="m", gt=0, le=2e-3)
    require_positive("slurry_density", slurry_density, unit="kg/m^3")
    require_fraction("solid_content", solid_content, open_interval=True)
    return scalar_or_array(np.asarray(wet_film_thickness, dtype=float) * slurry_density * solid_content)


@cites(ZANOTTO_2022)
def wet_film_thickness_for_loading(areal_loading, slurry_density, solid_content):
    """Wet film needed for a target dry loading: h_wet = m_A / (rho_slurry w) [m].

    areal_loading : m_A [kg/m^2], 0 < m_A <= 1 (0.1 kg/m^2 = 10 mg/cm^2)
    slurry_density : [kg/m^3]; solid_content : w [1], (0, 1)
    """
    require_range("areal_loading", areal_loading, unit="kg/m^2", gt=0, le=1)
    require_positive("slurry_density", slurry_density, unit="kg/m^3")
    require_fraction("solid_content", solid_content, open_interval=True)
    return scalar_or_array(np.asarray(areal_loading, dtype=float) / (np.asarray(slurry_density) * solid_content))


@cites(ZANOTTO_2022)
def gap_shear_rate(web_speed, coating_gap):
    """Nominal shear rate in the downstream coating gap: gamma_dot = U / H [1/s].

    Evaluate a shear-thinning slurry viscosity at this rate for the capillary number.
    web_speed : U [m/s], (0, 3]; coating_gap : H [m], 10 um-2 mm.
    """
    require_range("web_speed", web_speed, unit="m/s", gt=0, le=3)
    require_range("coating_gap", coating_gap, unit="m", ge=10e-6, le=2e-3)
    return scalar_or_array(np.asarray(web_speed, dtype=float) / coating_gap)


@cites(HIGGINS_SCRIVEN_1980)
def capillary_number(viscosity, web_speed, surface_tension):
    """Capillary number Ca = mu U / sigma [1].

    viscosity : mu at the gap shear rate [Pa s], > 0; web_speed : U [m/s], (0, 3];
    surface_tension : sigma [N/m], 0.01-0.1 (NMP 0.041, water 0.072)
    """
    require_positive("viscosity", viscosity, unit="Pa s")
    require_range("web_speed", web_speed, unit="m/s", gt=0, le=3)
    require_range("surface_tension", surface_tension, unit="N/m", ge=0.01, le=0.1)
    return scalar_or_array(np.asarray(viscosity, dtype=float) * web_speed / surface_tension)


@cites(RUSCHAK_1976, HIGGINS_SCRIVEN_1980, CARVALHO_KHESHGI_2000, SCHMITT_2014)
def minimum_wet_film_thickness(coating_gap, capillary_number):
    """Low-flow limit of slot-die coating without vacuum (viscocapillary model) [m].

    The downstream meniscus, of radius R = (H - h)/2, must supply the film by the
    Landau-Levich law h = 1.34 Ca^(2/3) R, hence

        h_min / H = 0.67 Ca^(2/3) / (1 + 0.67 Ca^(2/3)),  i.e.  H / h_min = 1 + 1.49 Ca^(-2/3).

    coating_gap : H, die lip to web [m], 10 um-2 mm
    capillary_number : Ca [1], 1e-4-100

    Validity: derived for Ca << 1 (lubrication flow, no inertia, Newtonian, no vacuum
    on the upstream meniscus). At the Ca of battery slurries (1-20) it is outside its
    derivation and conservative (h_min -> H); treat the margin as a relative risk index,
    as in Schmitt et al. (2014) who apply the model with the shear-thinning viscosity at
    the gap shear rate. Sources: Ruschak (1976) doi:10.1016/0009-2509(76)87026-8; Higgins &
    Scriven (1980) doi:10.1016/0009-2509(80)80018-2; Carvalho & Kheshgi (2000)
    doi:10.1002/aic.690461003.
    """
    require_range("coating_gap", coating_gap, unit="m", ge=10e-6, le=2e-3)
    require_range("capillary_number", capillary_number, unit="1", ge=1e-4, le=100)
    film = 0.5 * LANDAU_LEVICH_COEFFICIENT * np.asarray(capillary_number, dtype=float) ** (2.0 / 3.0)
    return scalar_or_array(np.asarray(coating_gap) * film / (1.0 + film))


@cites(RUSCHAK_1976, HIGGINS_SCRIVEN_1980, CARVALHO_KHESHGI_2000, SCHMITT_2014)
def coating_window(wet_film_thickness, coating_gap, viscosity, web_speed, surface_tension):
    """Check an operating point against the low-flow limit; returns :class:`CoatingWindow`.

    wet_film_thickness : h_wet [m], (0, 2 mm]; coating_gap : H [m], 10 um-2 mm;
    viscosity : mu at the gap shear rate U/H [Pa s]; web_speed : U [m/s], (0, 3];
    surface_tension : sigma [N/m], 0.01-0.1.
    Margin = h_wet / h_min - 1; a defect (rivulets, streaks) is flagged where margin < 0.
    """
    require_range("wet_film_thickness", wet_film_thickness, unit="m", gt=0, le=2e-3)
    ca = capillary_number(viscosity, web_speed, surface_tension)
    h_min = minimum_wet_film_thickness(coating_gap, ca)
    margin = np.asarray(wet_film_thickness, dtype=float) / h_min - 1.0
    defect = margin < 0.0
    return CoatingWindow(capillary_number=ca, minimum_wet_film_thickness=h_min,
                         low_flow_margin=scalar_or_array(margin),
                         low_flow_defect=bool(defect) if np.ndim(defect) == 0 else defect)



CONFORMANCE = (
    Conformance(wet_film_thickness,
                valid={"volumetric_flow_rate": 1e-5, "coating_width": 0.5, "web_speed": 0.5},
                invalid=(("volumetric_flow_rate", 0.0), ("coating_width", -0.1), ("web_speed", 5.0))),
    Conformance(volumetric_flow_rate,
                valid={"wet_film_thickness": 150e-6, "coating_width": 0.5, "web_speed": 0.5},
                invalid=(("wet_film_thickness", 0.0), ("coating_width", 4.0), ("web_speed", 0.0))),
    Conformance(areal_loading,
                valid={"wet_film_thickness": 150e-6, "slurry_density": 2000.0, "solid_content": 0.65},
                invalid=(("wet_film_thickness", -1e-6), ("slurry_density", 0.0), ("solid_content", 1.2))),
    Conformance(wet_film_thickness_for_loading,
                valid={"areal_loading": 0.2, "slurry_density": 2000.0, "solid_content": 0.65},
                invalid=(("areal_loading", 0.0), ("slurry_density", -1.0), ("solid_content", 0.0))),
    Conformance(gap_shear_rate, valid={"web_speed": 0.5, "coating_gap": 200e-6},
                invalid=(("web_speed", 0.0), ("coating_gap", 1e-6))),
    Conformance(capillary_number, valid={"viscosity": 2.0, "web_speed": 0.5, "surface_tension": 0.04},
                invalid=(("viscosity", 0.0), ("web_speed", -1.0), ("surface_tension", 1.0))),
    Conformance(minimum_wet_film_thickness, valid={"coating_gap": 200e-6, "capillary_number": 0.1},
                invalid=(("coating_gap", 0.0), ("capillary_number", 0.0))),
    Conformance(coating_window,
                valid={"wet_film_thickness": 180e-6, "coating_gap": 200e-6, "viscosity": 2.0,
                       "web_speed": 0.5, "surface_tension": 0.04},
                invalid=(("wet_film_thickness", 0.0), ("coating_gap", 5e-3), ("viscosity", -1.0))),
)
