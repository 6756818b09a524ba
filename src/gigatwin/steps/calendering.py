"""Calendering: porosity, density and thickness after compaction, spring-back, roll force.

The coating density rises exponentially towards a maximum with the line load q_L
(force per width), with a compaction resistance gamma_c (Meyer et al. 2017); in
porosity form eps = eps_min + (eps_0 - eps_min) exp(-q_L / gamma_c). gamma_c grows
linearly with mass loading, and both compaction parameters (gamma_c and the compaction
factor eps_min/eps_0) fall linearly with roll temperature for PVDF electrodes (Meyer,
Weyhe et al. 2020, via Zanotto et al. 2022 s.4.1.4 refs. 127, 131). The electrode springs
back after the nip; spring-back grows linearly with line load and falls with mass
loading and binder content (Diener et al. 2022, Zanotto ref. 133). Al foil elongates
~1 %, Cu does not (typical). Lines run at 60-100 m/min; porosity targets ~20-30 %
for cathodes and 25-35 % for anodes (typical). The compaction parameters (eps_min and
gamma_c per mass loading) belong to the active material (:mod:`gigatwin.materials`): harder,
spherical NCM resists compaction more than graphite (Meyer et al. 2017), so one line load
does not serve both; :func:`line_load_for_porosity` inverts the model to set a calender up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigatwin.checks import require_fraction, require_positive, require_range
from gigatwin.citations import Citation, cites
from gigatwin.references import ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array

MEYER_2017 = Citation(
    key="meyer2017", authors="Meyer, Bockholt, Haselrieder, Kwade",
    title="Characterization of the calendering process for compaction of electrodes for lithium-ion batteries",
    venue="Journal of Materials Processing Technology 249 (2017) 172-178", year=2017,
    doi="10.1016/j.jmatprotec.2017.05.031")
MEYER_2018 = Citation(
    key="meyer2018", authors="Meyer, Kosfeld, Haselrieder, Kwade",
    title="Process modeling of the electrode calendering of lithium-ion batteries regarding variation "
          "of cathode active materials and mass loadings",
    venue="Journal of Energy Storage 18 (2018) 371-379", year=2018, doi="10.1016/j.est.2018.05.018")
MEYER_2020 = Citation(
    key="meyer2020", authors="Meyer, Weyhe, Haselrieder, Kwade",
    title="Heated calendering of cathodes for lithium-ion batteries with varied carbon black and "
          "binder contents",
    venue="Energy Technology 8 (2020) 1900175", year=2020, doi="10.1002/ente.201900175")
DIENER_2022 = Citation(
    key="diener2022", authors="Diener, Ivanov, Haselrieder, Kwade",
    title="Evaluation of deformation behavior and fast elastic recovery of lithium-ion battery "
          "cathodes via direct roll-gap detection during calendering",
    venue="Energy Technology 10 (2022) 2101033", year=2022, doi="10.1002/ente.202101033")
SANGROS_2019 = Citation(
    key="sangros2019", authors="Sangros Gimenez, Schilde, Froboese, Ivanov, Kwade",
    title="Numerical simulation of the behavior of lithium-ion battery electrodes during the "
          "calendaring process via the discrete element method",
    venue="Powder Technology 349 (2019) 1-11", year=2019, doi="10.1016/j.powtec.2019.03.020")

MAXIMUM_SPRING_BACK = 0.17
"""Upper bound of elastic spring-back, ~17 % predicted by DEM (Sangros Gimenez et al. 2019)."""


@dataclass(frozen=True)
class CalenderingResult:
    """State of one coating after calendering (arrays broadcast together).

    porosity : eps after the nip and spring-back [1]
    coating_density : rho_s (1 - eps) [kg/m^3]
    coating_thickness : per coated side, after spring-back [m]
    compressed_thickness : per coated side in the nip, t / (1 + s) [m]
    spring_back : s, relative thickness recovery after the nip [1]
    roll_force : q_L W [N]
    """

    porosity: np.ndarray | float
    coating_density: np.ndarray | float
    coating_thickness: np.ndarray | float
    compressed_thickness: np.ndarray | float
    spring_back: np.ndarray | float
    roll_force: np.ndarray | float


@cites(MEYER_2017)
def porosity_after_calendering(line_load, initial_porosity, minimum_porosity, compaction_resistance):
    """Heckel-type compaction (Meyer et al. 2017): eps = eps_min + (eps_0 - eps_min) exp(-q_L/gamma_c) [1].

    line_load : q_L, roll force per coating width [N/m], 0-1e7 (100-2000 N/mm typical)
    initial_porosity : eps_0 of the dried coating [1], (0, 1)
    minimum_porosity : eps_min, reachable at infinite load [1], (0, eps_0]
    compaction_resistance : gamma_c [N/m], > 0 (see :func:`compaction_resistance`)
    Source: Meyer et al. (2017) doi:10.1016/j.jmatprotec.2017.05.031, density form
    rho_c = rho_max - (rho_max - rho_0) exp(-q_L / gamma_c) with rho = rho_s (1 - eps).
    """
    require_range("line_load", line_load, unit="N/m", ge=0, le=1e7)
    require_fraction("initial_porosity", initial_porosity, open_interval=True)
    require_fraction("minimum_porosity", minimum_porosity, open_interval=True)
    require_range("minimum_porosity (must not exceed initial_porosity)",
                  np.asarray(initial_porosity) - minimum_porosity, unit="1", ge=0)
    require_positive("compaction_resistance", compaction_resistance, unit="N/m")
    decay = np.exp(-np.asarray(line_load, dtype=float) / compaction_resistance)
    return scalar_or_array(minimum_porosity + (np.asarray(initial_porosity) - minimum_porosity) * decay)


@cites(MEYER_2017)
def line_load_for_porosity(target_porosity, initial_porosity, minimum_porosity, compaction_resistance):
    """Line load that calenders to a target porosity (inverse of Meyer et al. 2017) [N/m].

    q_L = gamma_c ln((eps_0 - eps_min) / (eps - eps_min)), for eps_min < eps <= eps_0.
    target_porosity : eps [1]; initial_porosity : eps_0 [1]; minimum_porosity : eps_min [1];
    compaction_resistance : gamma_c [N/m], > 0. A target at or below eps_min cannot be
    reached at any load: the error names target_porosity.
    """
    require_fraction("target_porosity", target_porosity, open_interval=True)
    require_fraction("initial_porosity", initial_porosity, open_interval=True)
    require_fraction("minimum_porosity", minimum_porosity, open_interval=True)
    require_positive("compaction_resistance", compaction_resistance, unit="N/m")
    excess = np.asarray(target_porosity, dtype=float) - minimum_porosity
    require_range("target_porosity (as eps - eps_min, above the minimum porosity)", excess,
                  unit="1", gt=0)
    require_range("target_porosity (not above initial_porosity)",
                  np.asarray(initial_porosity) - target_porosity, unit="1", ge=0)
    return scalar_or_array(np.asarray(compaction_resistance)
                           * np.log((np.asarray(initial_porosity) - minimum_porosity) / excess))


@cites(MEYER_2017, MEYER_2020)
def compaction_resistance(areal_loading, roll_temperature, resistance_per_areal_loading=2.5e6,
                          reference_temperature=298.15, temperature_coefficient=3e-3):
    """Compaction resistance: gamma_c = k_m m_A (1 - alpha (T - T_ref)) [N/m].

    Linear in mass loading (more particle contacts) and falling linearly with roll
    temperature (PVDF softens): Meyer et al. 2017 and Meyer, Weyhe et al. 2020
    (doi:10.1002/ente.201900175), as summarised by Zanotto et al. 2022 s.4.1.4.
    areal_loading : m_A [kg/m^2], (0, 1]; roll_temperature : T [K], 283-423;
    resistance_per_areal_loading : k_m [(N/m)/(kg/m^2) = N m/kg], per active material in
    :mod:`gigatwin.materials` (``compaction_resistance_per_areal_loading``; layered
    oxides 2.5e6: 500 N/mm at 20 mg/cm^2, graphite 1.2e6: harder, spherical NCM resists
    compaction more, Meyer et al. 2017); reference_temperature : T_ref [K];
    temperature_coefficient : alpha [1/K] (typical 3e-3, set 0 for non-thermoplastic
    binders). The default k_m is that of layered oxides (typical).
    """
    require_range("areal_loading", areal_loading, unit="kg/m^2", gt=0, le=1)
    require_range("roll_temperature", roll_temperature, unit="K", ge=283.15, le=423.15)
    require_positive("resistance_per_areal_loading", resistance_per_areal_loading, unit="N*m/kg")
    require_range("temperature_coefficient", temperature_coefficient, unit="1/K", ge=0, le=5e-3)
    softening = 1.0 - np.asarray(temperature_coefficient) * (np.asarray(roll_temperature) - reference_temperature)
    require_range("roll_temperature (as softening factor)", softening, unit="1", gt=0.1)
    return scalar_or_array(np.asarray(resistance_per_areal_loading) * areal_loading * softening)


@cites(MEYER_2020)
def minimum_porosity_at_temperature(minimum_porosity_reference, roll_temperature,
                                    reference_temperature=298.15, temperature_coefficient=1e-3):
    """Minimum porosity falling linearly with roll temperature: eps_min (1 - alpha (T - T_ref)) [1].

    Meyer, Weyhe et al. (2020) doi:10.1002/ente.201900175: the compaction factor
    eps_min/eps_0 declines linearly with roll temperature for PVDF electrodes. minimum_porosity_reference : at T_ref [1], (0, 1);
    roll_temperature : [K], 283-423; temperature_coefficient : alpha [1/K], 0-3e-3 (typical 1e-3).
    """
    require_fraction("minimum_porosity_reference", minimum_porosity_reference, open_interval=True)
    require_range("roll_temperature", roll_temperature, unit="K", ge=283.15, le=423.15)
    require_range("temperature_coefficient", temperature_coefficient, unit="1/K", ge=0, le=3e-3)
    factor = 1.0 - np.asarray(temperature_coefficient) * (np.asarray(roll_temperature) - reference_temperature)
    eps_min = np.asarray(minimum_porosity_reference) * factor
    # below T_ref the factor exceeds 1: a porosity must stay a fraction
    require_range("minimum_porosity_reference (as eps_min at roll_temperature)", eps_min, unit="1", gt=0, lt=1)
    return scalar_or_array(eps_min)


@cites(DIENER_2022, SANGROS_2019)
def spring_back(line_load, areal_loading, binder_mass_fraction, spring_back_per_line_load=3e-8,
                reference_areal_loading=0.2, reference_binder_mass_fraction=0.03):
    """Relative thickness recovery after the nip: s = k_q q_L (m_ref/m_A)(w_ref/w_b), s <= 0.17 [1].

    Diener et al. (2022) doi:10.1002/ente.202101033 (via Zanotto et al. 2022 ref. 133):
    spring-back grows linearly with line load and falls with mass loading and binder
    content; DEM predicts up to ~17 % (Sangros Gimenez et al. 2019), used as a cap (values
    above it are returned as 0.17: a model saturation, not an input check). line_load : [N/m], 0-1e7; areal_loading : [kg/m^2], (0, 1];
    binder_mass_fraction : w_b [1], 0.005-0.2; spring_back_per_line_load : k_q [m/N]
    (typical 3e-8: 3 % at 1000 N/mm for 20 mg/cm^2 and 3 % binder); references as named.
    The inverse dependence on loading and binder is an illustrative (typical) form.
    """
    require_range("line_load", line_load, unit="N/m", ge=0, le=1e7)
    require_range("areal_loading", areal_loading, unit="kg/m^2", gt=0, le=1)
    require_range("binder_mass_fraction", binder_mass_fraction, unit="1", ge=0.005, le=0.2)
    require_range("spring_back_per_line_load", spring_back_per_line_load, unit="m/N", ge=0, le=1e-6)
    s = (np.asarray(spring_back_per_line_load) * np.asarray(line_load, dtype=float)
         * (reference_areal_loading / np.asarray(areal_loading))
         * (reference_binder_mass_fraction / np.asarray(binder_mass_fraction)))
    return scalar_or_array(np.minimum(s, MAXIMUM_SPRING_BACK))


@cites(ZANOTTO_2022)
def coating_density(porosity, solids_density):
    """Coating density rho_c = rho_s (1 - eps) [kg/m^3]; porosity [1] in (0, 1), solids_density [kg/m^3]."""
    require_fraction("porosity", porosity, open_interval=True)
    require_positive("solids_density", solids_density, unit="kg/m^3")
    return scalar_or_array(np.asarray(solids_density, dtype=float) * (1.0 - np.asarray(porosity)))


@cites(ZANOTTO_2022)
def roll_force(line_load, coating_width):
    """Roll force F = q_L W [N]; line_load [N/m] 0-1e7, coating_width [m] (0, 3]."""
    require_range("line_load", line_load, unit="N/m", ge=0, le=1e7)
    require_range("coating_width", coating_width, unit="m", gt=0, le=3)
    return scalar_or_array(np.asarray(line_load, dtype=float) * coating_width)


@cites(ZANOTTO_2022)
def foil_length_after_calendering(web_length, foil_elongation):
    """Web length after calendering: L (1 + e) [m]; foil_elongation e [1] in [0, 0.2)
    (Al ~0.01, Cu ~0, :mod:`gigatwin.materials` ``calendering_elongation``)."""
    require_positive("web_length", web_length, unit="m")
    require_range("foil_elongation", foil_elongation, unit="1", ge=0, lt=0.2)
    return scalar_or_array(np.asarray(web_length, dtype=float) * (1.0 + np.asarray(foil_elongation)))


@cites(MEYER_2017, MEYER_2018, DIENER_2022)
def calender(line_load, areal_loading, solids_density, initial_porosity, minimum_porosity,
             compaction_resistance, binder_mass_fraction, coating_width):
    """Calender one coating; returns :class:`CalenderingResult`.

    Porosity from :func:`porosity_after_calendering` (Meyer's fit is to the measured,
    sprung-back density), thickness t = m_A / (rho_s (1 - eps)), the nip thickness
    t / (1 + s) with s from :func:`spring_back`, the roll force from :func:`roll_force`.
    Arguments and units as in those functions.
    """
    require_range("areal_loading", areal_loading, unit="kg/m^2", gt=0, le=1)
    eps = porosity_after_calendering(line_load, initial_porosity, minimum_porosity, compaction_resistance)
    density = coating_density(eps, solids_density)
    thickness = np.asarray(areal_loading, dtype=float) / density
    s = spring_back(line_load, areal_loading, binder_mass_fraction)
    return CalenderingResult(porosity=eps, coating_density=density, coating_thickness=scalar_or_array(thickness),
                             compressed_thickness=scalar_or_array(thickness / (1.0 + np.asarray(s))),
                             spring_back=s, roll_force=roll_force(line_load, coating_width))



_COMPACTION = {"line_load": 1e6, "initial_porosity": 0.5, "minimum_porosity": 0.2,
               "compaction_resistance": 5e5}

CONFORMANCE = (
    Conformance(porosity_after_calendering, valid=_COMPACTION,
                invalid=(("line_load", -1.0), ("initial_porosity", 1.0), ("minimum_porosity", 0.8),
                         ("compaction_resistance", 0.0))),
    Conformance(line_load_for_porosity,
                valid={"target_porosity": 0.25, "initial_porosity": 0.45, "minimum_porosity": 0.2,
                       "compaction_resistance": 5e5},
                invalid=(("target_porosity", 0.15), ("initial_porosity", 1.0),
                         ("compaction_resistance", 0.0))),
    Conformance(compaction_resistance, valid={"areal_loading": 0.2, "roll_temperature": 353.15},
                invalid=(("areal_loading", 0.0), ("roll_temperature", 500.0),
                         ("temperature_coefficient", 0.1))),
    Conformance(minimum_porosity_at_temperature,
                valid={"minimum_porosity_reference": 0.2, "roll_temperature": 353.15},
                invalid=(("minimum_porosity_reference", 0.0), ("roll_temperature", 200.0))),
    Conformance(spring_back, valid={"line_load": 1e6, "areal_loading": 0.2, "binder_mass_fraction": 0.03},
                invalid=(("line_load", -5.0), ("areal_loading", 2.0), ("binder_mass_fraction", 0.0))),
    Conformance(coating_density, valid={"porosity": 0.3, "solids_density": 4300.0},
                invalid=(("porosity", 1.0), ("solids_density", 0.0))),
    Conformance(roll_force, valid={"line_load": 1e6, "coating_width": 0.5},
                invalid=(("line_load", -1.0), ("coating_width", 0.0))),
    Conformance(foil_length_after_calendering, valid={"web_length": 1000.0, "foil_elongation": 0.01},
                invalid=(("web_length", 0.0), ("foil_elongation", -0.1))),
    Conformance(calender,
                valid={**_COMPACTION, "areal_loading": 0.2, "solids_density": 4300.0,
                       "binder_mass_fraction": 0.03, "coating_width": 0.5},
                invalid=(("line_load", 1e8), ("areal_loading", 0.0), ("solids_density", -1.0),
                         ("binder_mass_fraction", 0.5), ("coating_width", 0.0))),
)
