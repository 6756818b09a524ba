"""Frozen records of material properties, all in SI, each number with its source.

A record is built by :mod:`gigatwin.materials.loader` from a YAML data file. Numeric
fields declare their SI unit and allowed range in ``metadata`` so the loader can convert
and validate them. Temperature-dependent properties (vapour pressure, viscosity) are
methods that take numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gigatwin.checks import require_positive, require_range

GAS_CONSTANT = 8.314462618  # [J/(mol K)], CODATA 2018 exact value
AIR_MOLAR_MASS = 0.0289647  # [kg/mol], dry air (ISO 2533 standard atmosphere)
AIR_FULLER_DIFFUSION_VOLUME = 19.7  # [1], Fuller, Schettler & Giddings (1966)
STANDARD_PRESSURE = 101325.0  # [Pa]


def quantity(unit: str, *, gt=None, ge=None, lt=None, le=None, optional: bool = False):
    """A numeric record field given in the data file with a unit; stored in SI."""
    meta = {"unit": unit, "gt": gt, "ge": ge, "lt": lt, "le": le, "optional": optional}
    return field(default=None, metadata=meta) if optional else field(metadata=meta)


def text(*, choices: tuple[str, ...] | None = None, optional: bool = False):
    """A text record field (electrode side, solvent name ...)."""
    meta = {"text": True, "choices": choices, "optional": optional}
    return field(default=None, metadata=meta) if optional else field(metadata=meta)



def arrhenius_viscosity(temperature, viscosity_reference, activation_temperature, reference_temperature):
    """Andrade / Arrhenius liquid viscosity: mu = mu_ref exp(B (1/T - 1/T_ref)) [Pa s].

    temperature : T [K], > 0; viscosity_reference : mu_ref at T_ref [Pa s];
    activation_temperature : B = E_a / R [K]; reference_temperature : T_ref [K].
    """
    require_range("temperature", temperature, unit="K", gt=0)
    t = np.asarray(temperature, dtype=float)
    mu = viscosity_reference * np.exp(activation_temperature * (1.0 / t - 1.0 / reference_temperature))
    return _same_shape(mu, temperature)

@dataclass(frozen=True)
class Material:
    """Common part of every record: its name, a description and the source of each field."""

    name: str
    description: str
    sources: dict[str, str] = field(repr=False, compare=False)

    def source(self, field_name: str) -> str:
        """The literature source of one field, as written in the data file."""
        return self.sources[field_name]


@dataclass(frozen=True)
class ActiveMaterial(Material):
    """An intercalation (or alloying) active material."""

    electrode: str = text(choices=("cathode", "anode"))
    density: float = quantity("kg/m^3", gt=0)
    specific_capacity: float = quantity("C/kg", gt=0)
    first_cycle_efficiency: float = quantity("1", gt=0, le=1)
    average_voltage_vs_li: float = quantity("V", ge=0, le=5.5)
    particle_size_d50: float = quantity("m", gt=0)
    nominal_voltage_vs_graphite: float | None = quantity("V", ge=0, le=5.5, optional=True)
    # calendering (Meyer et al. 2017 model, see gigatwin.steps.calendering)
    minimum_porosity: float | None = quantity("1", gt=0, lt=1, optional=True)
    compaction_resistance_per_areal_loading: float | None = quantity(
        "N*m/kg", gt=0, optional=True)
    # post-drying: strongly bound water of the coating (see gigatwin.steps.post_drying)
    bound_water_content: float | None = quantity("1", ge=0, lt=0.1, optional=True)
    # the half-cell OCV curve (an entry of ocv_curves.yaml) used for electrode balancing
    ocv_curve: str | None = text(optional=True)
    # first-cycle SEI loss (anodes): BET area of the powder, SEI charge per BET area
    specific_surface_area: float | None = quantity("m^2/kg", gt=0, optional=True)
    sei_charge_per_area: float | None = quantity("C/m^2", ge=0, optional=True)
    # silicon(-oxide) part of a blend and its own capacity and first-cycle efficiency
    silicon_mass_fraction: float | None = quantity("1", ge=0, le=1, optional=True)
    silicon_specific_capacity: float | None = quantity("C/kg", gt=0, optional=True)
    silicon_first_cycle_efficiency: float | None = quantity("1", gt=0, le=1, optional=True)


@dataclass(frozen=True)
class HalfCellOCVCurve(Material):
    """An electrode's open-circuit potential vs Li/Li+ over stoichiometry (a table).

    ``stoichiometric_capacity`` is the charge per mass of active material for a
    stoichiometry change of 1 on the curve's own scale.
    """

    electrode: str = text(choices=("cathode", "anode"))
    stoichiometry: tuple = quantity("1", ge=0, le=1)
    voltage: tuple = quantity("V", ge=0, le=6)
    stoichiometric_capacity: float = quantity("C/kg", gt=0)


@dataclass(frozen=True)
class ConductiveCarbon(Material):
    """A conductive additive (carbon black, graphite flakes)."""

    density: float = quantity("kg/m^3", gt=0)
    specific_surface_area: float = quantity("m^2/kg", gt=0)


@dataclass(frozen=True)
class Binder(Material):
    """A polymer binder with its processing solvent and its water-sorption isotherm (GAB)."""

    density: float = quantity("kg/m^3", gt=0)
    solvent: str = text()
    gab_monolayer_moisture: float = quantity("1", gt=0, lt=1)
    gab_c: float = quantity("1", gt=0)
    gab_k: float = quantity("1", gt=0, lt=1)
    # drying rate above which the binder migrates, at 70 um (gigatwin.steps.drying)
    critical_drying_rate: float = quantity("kg/(m^2*s)", gt=0)
    # strongly bound water per kg binder (see gigatwin.steps.post_drying)
    bound_water_content: float | None = quantity("1", ge=0, lt=0.5, optional=True)


@dataclass(frozen=True)
class Solvent(Material):
    """A slurry solvent with the correlations the drying model needs.

    Vapour pressure: Antoine ``log10(p / Pa) = A - B / (T / K + C)`` on ``[t_min, t_max]``.
    Viscosity: Andrade ``mu = mu_ref exp(B_mu (1/T - 1/T_ref))``.
    Diffusion coefficient in air: Fuller, Schettler & Giddings (1966).
    """

    molar_mass: float = quantity("kg/mol", gt=0)
    density: float = quantity("kg/m^3", gt=0)
    boiling_point: float = quantity("K", gt=0)
    enthalpy_of_vaporisation: float = quantity("J/kg", gt=0)
    heat_capacity: float = quantity("J/(kg*K)", gt=0)
    surface_tension: float = quantity("N/m", gt=0)
    viscosity_reference: float = quantity("Pa*s", gt=0)
    viscosity_reference_temperature: float = quantity("K", gt=0)
    viscosity_activation_temperature: float = quantity("K", ge=0)
    antoine_a: float = quantity("1")
    antoine_b: float = quantity("K", gt=0)
    antoine_c: float = quantity("K")
    antoine_t_min: float = quantity("K", gt=0)
    antoine_t_max: float = quantity("K", gt=0)
    fuller_diffusion_volume: float = quantity("1", gt=0)
    lower_explosive_limit: float | None = quantity("1", gt=0, lt=1, optional=True)

    def vapour_pressure(self, temperature):
        """Saturation vapour pressure [Pa] at ``temperature`` [K] (Antoine, within its range)."""
        require_range("temperature", temperature, unit="K", ge=self.antoine_t_min,
                      le=self.antoine_t_max, context=f"the Antoine equation of {self.name}")
        t = np.asarray(temperature, dtype=float)
        return _same_shape(10.0 ** (self.antoine_a - self.antoine_b / (t + self.antoine_c)), temperature)

    def saturation_temperature(self, pressure):
        """Temperature [K] at which the vapour pressure equals ``pressure`` [Pa] (inverse Antoine)."""
        require_positive("pressure", pressure, unit="Pa")
        p = np.asarray(pressure, dtype=float)
        t = self.antoine_b / (self.antoine_a - np.log10(p)) - self.antoine_c
        require_range("saturation temperature", t, unit="K", ge=self.antoine_t_min,
                      le=self.antoine_t_max, context=f"the Antoine equation of {self.name}")
        return _same_shape(t, pressure)

    def viscosity(self, temperature):
        """Dynamic viscosity [Pa s] at ``temperature`` [K]: ``mu_ref exp(B (1/T - 1/T_ref))``."""
        return arrhenius_viscosity(temperature, self.viscosity_reference,
                                   self.viscosity_activation_temperature, self.viscosity_reference_temperature)

    def diffusivity_in_air(self, temperature, pressure=STANDARD_PRESSURE):
        """Binary diffusion coefficient of the vapour in air [m^2/s] (Fuller et al. 1966).

        ``D = 1e-7 T^1.75 sqrt(1/M_a + 1/M_b) / (p/atm (V_a^(1/3) + V_b^(1/3))^2)``, M in g/mol,
        D in m^2/s; typical error of the method about 5 %.
        """
        require_range("temperature", temperature, unit="K", gt=0)
        require_positive("pressure", pressure, unit="Pa")
        t = np.asarray(temperature, dtype=float)
        p_atm = np.asarray(pressure, dtype=float) / STANDARD_PRESSURE
        m_ab = np.sqrt(1e-3 / self.molar_mass + 1e-3 / AIR_MOLAR_MASS)
        volumes = (self.fuller_diffusion_volume ** (1 / 3) + AIR_FULLER_DIFFUSION_VOLUME ** (1 / 3)) ** 2
        return _same_shape(1e-7 * t ** 1.75 * m_ab / (p_atm * volumes), temperature)


@dataclass(frozen=True)
class Foil(Material):
    """A current-collector foil."""

    density: float = quantity("kg/m^3", gt=0)
    thickness_options: tuple[float, ...] = quantity("m", gt=0)
    elastic_modulus: float = quantity("Pa", gt=0)
    yield_strength: float = quantity("Pa", gt=0)
    calendering_elongation: float = quantity("1", ge=0, lt=0.2)


@dataclass(frozen=True)
class Separator(Material):
    """A porous separator film."""

    thickness: float = quantity("m", gt=0)
    porosity: float = quantity("1", gt=0, lt=1)
    skeleton_density: float = quantity("kg/m^3", gt=0)
    # wetting: mean pore diameter and contact angle of carbonate electrolytes on the film
    mean_pore_diameter: float | None = quantity("m", gt=0, optional=True)
    contact_angle: float | None = quantity("rad", ge=0, lt=np.pi / 2, optional=True)


@dataclass(frozen=True)
class Electrolyte(Material):
    """A liquid electrolyte with its viscosity-temperature correlation (Arrhenius)."""

    density: float = quantity("kg/m^3", gt=0)
    viscosity_reference: float = quantity("Pa*s", gt=0)
    viscosity_reference_temperature: float = quantity("K", gt=0)
    viscosity_activation_temperature: float = quantity("K", ge=0)
    surface_tension: float = quantity("N/m", gt=0)
    contact_angle_on_electrode: float = quantity("rad", ge=0, lt=np.pi / 2)
    ionic_conductivity: float = quantity("S/m", gt=0)

    def viscosity(self, temperature):
        """Dynamic viscosity [Pa s] at ``temperature`` [K]: ``mu_ref exp(B (1/T - 1/T_ref))``."""
        return arrhenius_viscosity(temperature, self.viscosity_reference,
                                   self.viscosity_activation_temperature, self.viscosity_reference_temperature)


def _same_shape(result, like):
    return float(result) if np.ndim(like) == 0 else np.asarray(result)
