"""The specification data cover every row of seed 002 Tables 5-12.

Seed 002 is Zanotto et al., "Data Specifications for Battery Manufacturing Digitalization",
Batteries & Supercaps (2022), doi:10.1002/batt.202200224. The row names below are typed
from the text of its Tables 5-12 exactly as printed (including the seed's spelling, e.g.
"turtousity"); the colour codes of the original tables are lost in the text version.
Each table lists the steps of the registry it belongs to: Table 9 covers slitting and
post-drying, Table 10 the assembly and its atmosphere (the dry room), Table 12 formation,
degassing and the end-of-line "Quality control".
"""

import math

import pytest

from gigatwin.spec import load_registry
from gigatwin.units import to_si

ATMOSPHERE_ROW = "Atmosphere parameters (H \u2082 O, O \u2082 , foreign particle content)"

SEED_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Table 5 (slurry preparation)": (("mixing",), (
        "Material storage conditions", "Materials chemistries", "Formulation (ratio)", "Solid content",
        "Active material PSD", "Active material particle morphology", "Carbon additive size", "Purity",
        "Mixer type", "Mixer rotational speed", "Mixing temperature and ambient conditions",
        "Mixing time and sequence", "Aggregates size", "Homogeneity", "Microstructure", "Density",
        "Viscosity vs. shear-rate", "Other rheological parameters",
    )),
    "Table 6 (coating)": (("coating",), (
        "Coating set-up", "Speed", "Gap", "Web tension", "Ambient Temperature",
        "Slurry rheological properties", "Slurry particle size", "Surface homogeneity",
        "Wet film thickness", "Defects", "Edge geometry", "Adhesion", "Loading",
    )),
    "Table 7 (drying)": (("drying",), (
        "Drying type", "Line speed", "Airflow", "Temperature/ drying rate", "Energy consumption",
        "IR-Radiation", "Surface roughness", "Defects", "Homogeneity in thickness",
        "Fractures and mechanical properties", "Coating thickness", "Weight", "Adhesion", "Porosity",
        "Microstructure/ mesostructure", "Binder distribution",
    )),
    "Table 8 (calendering)": (("calendering",), (
        "Gap", "Pressure", "Speed", "Temperature", "Electrode composition", "Thickness", "Porosity",
        "Pore size distribution", "Meso/microstructure", "Tortuosity factor vs. thickness",
        "Cross plane tortuosity factors", "Hardness", "Young modulus", "Fracture toughness", "Roughness",
        "Adhesion",
    )),
    "Table 9 (slitting and post-drying)": (("slitting", "post_drying"), (
        "Slitting speed", "Pressure", "Temperature", "Porosity, turtousity, PSD", "Time",
        "Residual humidity", "weight",
        "Binder system", "Dew point", "Temperature", "Time", "Porosity", "Pore size", "Tortuosity",
        "Residual moisture",
    )),
    "Table 10 (cell assembly)": (("assembly", "dry_room"), (
        "Separator tension", "Stacking speed", ATMOSPHERE_ROW,
        "Contact welding parameters, depending on the method", "Stacking/winding overlap", "SA: offset",
        "SA: tilt/rotation", "Metallic particle contamination", "Stack weight",
        "Area with opposing counterpart", "Defects on electrodes", "Defects on separator",
        "Contact weld quality",
    )),
    "Table 11 (electrolyte filling and wetting)": (("electrolyte_filling",), (
        "Electrolyte quantity (filling)", "Temperature (filling)", "Dosing speed and cycles (filling)",
        "Chamber pressure profile (filling)", "Temperature (wetting)", "Pressure profile (wetting)",
        "Press rolling parameters (wetting)", "Wetting time", "Wetting degree", "Electrical function",
    )),
    "Table 12 (formation and degassing)": (("formation", "aging_eol"), (
        "Electrochemical parameters (current, Voltage, time.)", "Chamber Temperature",
        "External mechanical pressure", "Capacities (ch. /discharge)", "Coulombic efficiency",
        "Energy efficiency", "Initial capacity loss", "Initial irreversible thickness increase",
        "Internal resistance", "Quality control", "Degassing: gas volume and composition",
        "Hard casing cells: internal pressure",
    )),
}

ROWS = [(table, row) for table, (_, rows) in SEED_TABLES.items() for row in rows]


@pytest.fixture(scope="module")
def parameters():
    return load_registry().parameters


def test_the_typed_tables_have_the_row_counts_of_the_seed():
    # counted in seed 002: Tables 5-12 have 18, 13, 16, 16, 7 + 8, 13, 10 and 12 rows
    counts = [len(rows) for _, rows in SEED_TABLES.values()]
    assert counts == [18, 13, 16, 16, 15, 13, 10, 12]


@pytest.mark.parametrize(("table", "row"), ROWS, ids=[f"{t.split(' (')[0]}: {r}" for t, r in ROWS])
def test_every_seed_row_maps_to_a_key_of_its_step(parameters, table, row):
    steps = SEED_TABLES[table][0]
    covering = [p.key for p in parameters.values() if row in p.seed_rows and p.step in steps]
    assert covering, f"{table}: row {row!r} is not covered by any parameter of step(s) {steps}"


def test_every_seed_row_named_in_the_data_exists_in_a_table_of_its_step(parameters):
    allowed: dict[str, set[str]] = {}
    for steps, rows in SEED_TABLES.values():
        for row in rows:
            allowed.setdefault(row, set()).update(steps)
    wrong = [(p.key, row) for p in parameters.values() for row in p.seed_rows
             if p.step not in allowed.get(row, set())]
    assert not wrong, f"seed_rows naming no row of the step's table (typo or wrong step): {wrong}"


def test_seed_accuracies_are_kept_in_si(parameters):
    # seed 002 Table 6: speed +-0.05 m/min, gap +-1 um, web tension +-0.05 N, loading +-0.01 mg/cm2,
    # wet film +-0.5 um, adhesion +-0.05 N/m; Table 7: temperature +-0.5 degC, airflow +-0.5 m3/h
    expected = {
        "coating_speed": 0.05 / 60,
        "coating_gap": 1e-6,
        "web_tension": 0.05,
        "coating_areal_loading": 0.01e-6 / 1e-4,
        "wet_film_thickness": 0.5e-6,
        "coating_adhesion_strength": 0.05,
        "dryer_zone1_air_temperature": 0.5,
        "dryer_airflow": 0.5 / 3600,
        "dry_room_dew_point": 2.0,
    }
    for key, value in expected.items():
        assert parameters[key].accuracy_si == pytest.approx(value), key


def test_seed_process_windows_are_the_typical_ranges(parameters):
    # seed 002 s.4.1.1: 1000-4000 rpm and 10-120 min; s.4.1.5: 60-150 degC, 80-150 m/min;
    # s.4.1.8: first charge 0.1-0.5 C
    rpm = 2 * math.pi / 60
    checks = {
        "mixer_rotational_speed": (1000 * rpm, 4000 * rpm),
        "mixing_time": (600.0, 7200.0),
        "post_drying_temperature": (333.15, 423.15),
        "slitting_speed": (80 / 60, 150 / 60),
        "formation_first_charge_c_rate": (0.1 / 3600, 0.5 / 3600),
    }
    for key, (low, high) in checks.items():
        typical = parameters[key].typical
        assert (typical.lower, typical.upper) == (pytest.approx(low), pytest.approx(high)), key
    # 1.4 x pore volume, best for NMC111 (Guenter), is inside the typical volume factor
    assert parameters["electrolyte_volume_factor"].typical.contains(1.4)


@pytest.mark.parametrize(("key", "si_unit", "display_unit"), [
    ("coating_areal_loading", "kg/m^2", "mg/cm^2"),
    ("calender_line_load", "N/m", "N/mm"),
    ("eol_discharge_capacity", "A*s", "Ah"),
    ("self_discharge_k_value", "V/s", "mV/day"),
    ("formation_gas_volume", "m^3", "mL"),
    ("mixer_rotational_speed", "rad/s", "rpm"),
    ("residual_moisture", "1", "ppm"),
    ("slurry_viscosity_at_100_per_s", "Pa*s", "Pa*s"),
    ("dry_room_dew_point", "K", "degC"),
])
def test_units_are_coherent_si_with_line_display_units(parameters, key, si_unit, display_unit):
    p = parameters[key]
    assert (p.unit, p.display_unit) == (si_unit, display_unit)


def test_typical_ranges_lie_within_the_physical_limits(parameters):
    for p in parameters.values():
        if p.typical is None or p.physical is None:
            continue
        for bound in (p.typical.lower, p.typical.upper):
            if bound is not None and bound not in (p.physical.lower, p.physical.upper):
                assert p.physical.contains(bound), (p.key, bound)


def test_porosities_and_fractions_are_bounded(parameters):
    for p in parameters.values():
        if p.iri.endswith("EMMO_3a6578ac_aee0_43b9_9bc6_1eb208c8c9a9"):  # EMMO Porosity
            assert p.physical is not None and p.physical.contains(0.3), p.key
            assert not p.physical.contains(1.0) or p.key == "weld_porosity", p.key
        if p.unit == "1" and p.display_unit == "%" and p.physical is not None:
            assert not p.physical.contains(-0.01), p.key


def test_ontology_terms_are_labelled_and_own_terms_use_the_key(parameters):
    for p in parameters.values():
        if p.iri.startswith("https://w3id.org/gigatwin/spec#"):
            assert p.iri.endswith("#" + p.key) and p.ontology_label is None, p.key
        else:
            assert p.iri.startswith("https://w3id.org/emmo"), p.key
            assert p.ontology_label and " " not in p.ontology_label, p.key
    emmo = [p for p in parameters.values() if not p.iri.startswith("https://w3id.org/gigatwin")]
    assert len({p.ontology_label for p in emmo}) >= 25


def test_temperature_ranges_convert_from_celsius(parameters):
    # seed 002 s.4.1.1: Hawley & Li studied 25-75 degC
    typical = parameters["mixing_temperature"].typical
    assert typical.lower == pytest.approx(to_si(25, "degC"))
    assert typical.upper == pytest.approx(to_si(75, "degC"))
