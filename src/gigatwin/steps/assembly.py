"""Cell assembly: stacking or winding, placement accuracy, tab welding, stack thickness.

Geometry of a z-folded/stacked pouch cell: ``n`` double-sided cathode sheets, ``n + 1``
double-sided anode sheets (anodes outside) and ``2 n + 2`` separator layers. A wound cell
(cylindrical or flat prismatic jelly roll) is one long "winding layer" of cathode, anode
and two separators whose length fills the cross-section of the can.

Placement errors of sheets are normal (Schmitt & Raatz, via Zanotto et al. 2022, s.4.1.6);
a cell is defective when the anode no longer covers the cathode on some edge, i.e. when the
relative offset exceeds the anode overhang. Contact resistance of a tab weld follows the
constriction resistance of Holm.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import RangeError, require_positive, require_range
from gigatwin.citations import Citation, cites
from gigatwin.references import ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array

HOLM_1967 = Citation(
    key="holm1967",
    authors="Holm",
    title="Electric Contacts: Theory and Application (4th ed.)",
    venue="Springer, Berlin",
    year=1967,
    doi="10.1007/978-3-662-06688-1",
)


@cites(ZANOTTO_2022)
def stack_sheet_count(stack_thickness, cathode_thickness, anode_thickness, separator_thickness):
    """Number of double-sided cathode sheets that fit in a pouch stack of given thickness.

    n = floor((H - t_a - 2 t_s) / (t_c + t_a + 2 t_s)), the inverse of :func:`stack_thickness`.

    Parameters
    ----------
    stack_thickness : design stack thickness H [m]
    cathode_thickness, anode_thickness : double-sided electrode thickness incl. foil [m]
    separator_thickness : one separator layer [m]

    Returns
    -------
    cathode sheet count [1] (float array of whole numbers, >= 1 for valid inputs)

    Validity: 1 <= n (H at least one repeat unit plus the outer anode). Source: stack layout
    A-S-C-S-...-A as described by Zanotto et al. 2022, s.4.1.6.
    """
    for name, value in (("cathode_thickness", cathode_thickness),
                        ("anode_thickness", anode_thickness),
                        ("separator_thickness", separator_thickness)):
        require_positive(name, value, unit="m")
    repeat = np.asarray(cathode_thickness) + anode_thickness + 2 * np.asarray(separator_thickness)
    minimum = repeat + anode_thickness + 2 * np.asarray(separator_thickness)
    short = np.asarray(stack_thickness) < minimum
    if np.any(short) or np.any(np.isnan(stack_thickness)):
        value = float(np.asarray(stack_thickness, dtype=float)[short].flat[0]) if np.any(short) \
            else float("nan")
        raise RangeError("stack_thickness", value, "m",
                         f"[{float(np.min(minimum)):g}, inf) (one cathode sheet and its anodes)")
    n = np.floor((np.asarray(stack_thickness) - anode_thickness - 2 * np.asarray(separator_thickness))
                 / repeat)
    return scalar_or_array(n)


@cites(ZANOTTO_2022)
def stack_thickness(cathode_sheet_count, cathode_thickness, anode_thickness, separator_thickness):
    """Thickness of a stacked cell: H = n t_c + (n + 1) t_a + (2 n + 2) t_s.

    Parameters
    ----------
    cathode_sheet_count : n double-sided cathode sheets [1], >= 1
    cathode_thickness, anode_thickness : double-sided electrode thickness incl. foil [m]
    separator_thickness : one separator layer [m]

    Returns
    -------
    stack thickness [m] (dry, before formation swelling).
    """
    require_range("cathode_sheet_count", cathode_sheet_count, unit="1", ge=1)
    for name, value in (("cathode_thickness", cathode_thickness),
                        ("anode_thickness", anode_thickness),
                        ("separator_thickness", separator_thickness)):
        require_positive(name, value, unit="m")
    n = np.asarray(cathode_sheet_count, dtype=float)
    return scalar_or_array(n * cathode_thickness + (n + 1) * np.asarray(anode_thickness)
                  + (2 * n + 2) * np.asarray(separator_thickness))


def cylindrical_winding_area(outer_diameter, mandrel_diameter):
    """Annular cross-section of a round jelly roll: A = pi/4 (D^2 - d^2) [m^2].

    outer_diameter : jelly-roll diameter D [m]; mandrel_diameter : core hole d [m], 0 <= d < D.
    """
    require_positive("outer_diameter", outer_diameter, unit="m")
    require_range("mandrel_diameter", mandrel_diameter, unit="m", ge=0)
    require_range("outer_diameter - mandrel_diameter",
                  np.asarray(outer_diameter) - mandrel_diameter, unit="m", gt=0)
    return scalar_or_array(np.pi / 4 * (np.asarray(outer_diameter) ** 2 - np.asarray(mandrel_diameter) ** 2))


def flat_winding_area(roll_thickness, roll_width):
    """Racetrack cross-section of a flat (prismatic) jelly roll: A = (W - T) T + pi T^2 / 4.

    roll_thickness : T [m]; roll_width : W [m], W >= T. The flat mandrel is neglected.
    """
    require_positive("roll_thickness", roll_thickness, unit="m")
    require_range("roll_width - roll_thickness", np.asarray(roll_width) - roll_thickness,
                  unit="m", ge=0)
    t = np.asarray(roll_thickness, dtype=float)
    return scalar_or_array((np.asarray(roll_width) - t) * t + np.pi * t**2 / 4)


@cites(ZANOTTO_2022)
def winding_length(cross_section_area, cathode_thickness, anode_thickness, separator_thickness):
    """Length of electrode that fills a jelly-roll cross-section: L = A / (t_c + t_a + 2 t_s).

    Exact for an Archimedean spiral of constant pitch (area per turn = pitch x turn length).

    Parameters
    ----------
    cross_section_area : from :func:`cylindrical_winding_area` or :func:`flat_winding_area` [m^2]
    cathode_thickness, anode_thickness : double-sided electrode thickness incl. foil [m]
    separator_thickness : one separator layer [m]

    Returns
    -------
    wound cathode length [m]
    """
    require_positive("cross_section_area", cross_section_area, unit="m^2")
    for name, value in (("cathode_thickness", cathode_thickness),
                        ("anode_thickness", anode_thickness),
                        ("separator_thickness", separator_thickness)):
        require_positive(name, value, unit="m")
    pitch = np.asarray(cathode_thickness) + anode_thickness + 2 * np.asarray(separator_thickness)
    return scalar_or_array(np.asarray(cross_section_area) / pitch)


def jelly_roll_diameter(wound_length, mandrel_diameter, winding_pitch):
    """Outer diameter of a round jelly roll of given length: D = sqrt(d^2 + 4 L p / pi) [m].

    The inverse of :func:`winding_length` with :func:`cylindrical_winding_area`.
    wound_length [m], mandrel_diameter [m], winding_pitch = t_c + t_a + 2 t_s [m].
    """
    require_positive("wound_length", wound_length, unit="m")
    require_range("mandrel_diameter", mandrel_diameter, unit="m", ge=0)
    require_positive("winding_pitch", winding_pitch, unit="m")
    return scalar_or_array(np.sqrt(np.asarray(mandrel_diameter) ** 2
                          + 4 * np.asarray(wound_length) * winding_pitch / np.pi))


def flat_roll_thickness(cross_section_area, roll_width):
    """Thickness T of a flat jelly roll of given cross-section: inverse of :func:`flat_winding_area`.

    (1 - pi/4) T^2 - W T + A = 0  ->  T = (W - sqrt(W^2 - 4 (1 - pi/4) A)) / (2 (1 - pi/4)) [m].
    cross_section_area : A [m^2], at most that of a round roll of diameter W; roll_width : W [m].
    """
    require_positive("cross_section_area", cross_section_area, unit="m^2")
    require_positive("roll_width", roll_width, unit="m")
    k = 1 - np.pi / 4
    w = np.asarray(roll_width, dtype=float)
    discriminant = w**2 - 4 * k * np.asarray(cross_section_area)
    require_range("cross_section_area", np.where(discriminant >= 0, cross_section_area, np.nan),
                  unit="m^2", gt=0, le=float(np.max(np.pi / 4 * w**2)))
    return scalar_or_array((w - np.sqrt(discriminant)) / (2 * k))


@cites(ZANOTTO_2022)
def overhang_defect_probability(overhang, placement_std, sheet_count, axes=2):
    """Probability that at least one cathode edge is not covered by the anode overhang.

    Each sheet is placed with an independent normal error of standard deviation sigma per
    axis, so the anode-cathode offset has sigma*sqrt(2); an edge pair fails when
    |offset| > overhang: p_axis = erfc(o / (2 sigma)). A sheet fails if any axis fails and
    the cell fails if any sheet fails:

        p_cell = 1 - (1 - p_axis)^(axes * n)

    Parameters
    ----------
    overhang : anode overhang beyond the cathode per edge [m] (typical ~1 mm)
    placement_std : standard deviation of the placement error per sheet and axis [m]
        (camera/X-ray accuracy +-100 um, Zanotto et al. 2022 Table 10)
    sheet_count : sheets (stacking) or independent winding turns [1], >= 1
    axes : 2 for stacking (length and width), 1 for winding (lateral telescoping) [1]

    Returns
    -------
    defect probability [1] in [0, 1]

    Source: the normal placement-error model of Schmitt & Raatz as summarised in Zanotto
    et al. 2022, s.4.1.6; the edge-coverage criterion (a defect when the anode overhang
    is not kept on an edge; typical overhang ~1 mm per edge) after Schmitt & Raatz 2014.
    """
    require_positive("overhang", overhang, unit="m")
    require_positive("placement_std", placement_std, unit="m")
    require_range("sheet_count", sheet_count, unit="1", ge=1)
    require_range("axes", axes, unit="1", ge=1, le=2)
    from scipy.special import erfc  # here: importing scipy.special costs ~0.2 s at start-up

    p_axis = erfc(np.asarray(overhang, dtype=float) / (2 * np.asarray(placement_std)))
    exponent = np.asarray(axes, dtype=float) * sheet_count
    return scalar_or_array(-np.expm1(exponent * np.log1p(-np.minimum(p_axis, 1 - 1e-16))))


@cites(HOLM_1967)
def tab_weld_resistance(weld_area, bonded_fraction, resistivity_tab, resistivity_collector):
    """Constriction resistance of an ultrasonic tab weld, Holm's formula for one a-spot.

    R = (rho_1 + rho_2) / (4 a), a = sqrt(f A / pi)

    Parameters
    ----------
    weld_area : nominal weld area A [m^2]
    bonded_fraction : fraction f of the weld area that is metallurgically bonded [1], (0, 1]
    resistivity_tab, resistivity_collector : electrical resistivities [ohm m]
        (Al 2.65e-8, Cu 1.68e-8, Ni 6.99e-8)

    Returns
    -------
    weld resistance [ohm]

    Validity: bonded zone approximated by one circular contact much smaller than the tab;
    a lower bound (several separate spots in parallel give a similar value). Source: Holm
    1967, ch. 1 (constriction resistance of a circular contact between two conductors).
    """
    require_positive("weld_area", weld_area, unit="m^2")
    require_range("bonded_fraction", bonded_fraction, unit="1", gt=0, le=1)
    require_positive("resistivity_tab", resistivity_tab, unit="ohm m")
    require_positive("resistivity_collector", resistivity_collector, unit="ohm m")
    radius = np.sqrt(np.asarray(bonded_fraction) * weld_area / np.pi)
    return scalar_or_array((np.asarray(resistivity_tab) + resistivity_collector) / (4 * radius))


def tab_bulk_resistance(tab_length, tab_width, tab_thickness, resistivity):
    """Ohmic resistance of a tab strip: R = rho L / (w t) [ohm].

    tab_length, tab_width, tab_thickness [m]; resistivity [ohm m].
    """
    for name, value in (("tab_length", tab_length), ("tab_width", tab_width),
                        ("tab_thickness", tab_thickness), ("resistivity", resistivity)):
        require_positive(name, value, unit="ohm m" if name == "resistivity" else "m")
    return scalar_or_array(np.asarray(resistivity) * tab_length / (np.asarray(tab_width) * tab_thickness))



CONFORMANCE = (
    Conformance(stack_sheet_count,
                dict(stack_thickness=10e-3, cathode_thickness=150e-6, anode_thickness=170e-6,
                     separator_thickness=12e-6),
                (("stack_thickness", 1e-4), ("cathode_thickness", -1.0),
                 ("separator_thickness", 0.0))),
    Conformance(stack_thickness,
                dict(cathode_sheet_count=30, cathode_thickness=150e-6, anode_thickness=170e-6,
                     separator_thickness=12e-6),
                (("cathode_sheet_count", 0.0), ("anode_thickness", -1e-6))),
    Conformance(cylindrical_winding_area, dict(outer_diameter=20.4e-3, mandrel_diameter=2e-3),
                (("outer_diameter", -1.0), ("mandrel_diameter", -1e-3))),
    Conformance(flat_winding_area, dict(roll_thickness=12e-3, roll_width=140e-3),
                (("roll_thickness", 0.0),)),
    Conformance(flat_roll_thickness, dict(cross_section_area=1.649e-3, roll_width=140e-3),
                (("cross_section_area", 1.0), ("roll_width", 0.0))),
    Conformance(winding_length,
                dict(cross_section_area=3.2e-4, cathode_thickness=150e-6, anode_thickness=170e-6,
                     separator_thickness=12e-6),
                (("cross_section_area", 0.0), ("anode_thickness", float("nan")))),
    Conformance(jelly_roll_diameter,
                dict(wound_length=1.0, mandrel_diameter=2e-3, winding_pitch=344e-6),
                (("wound_length", -1.0), ("winding_pitch", 0.0))),
    Conformance(overhang_defect_probability,
                dict(overhang=1e-3, placement_std=0.2e-3, sheet_count=30, axes=2),
                (("overhang", 0.0), ("placement_std", -1e-4), ("sheet_count", 0.5),
                 ("axes", 3.0))),
    Conformance(tab_weld_resistance,
                dict(weld_area=2e-5, bonded_fraction=0.5, resistivity_tab=2.65e-8,
                     resistivity_collector=2.65e-8),
                (("weld_area", 0.0), ("bonded_fraction", 1.5), ("resistivity_tab", -1.0))),
    Conformance(tab_bulk_resistance,
                dict(tab_length=0.02, tab_width=0.045, tab_thickness=0.2e-3, resistivity=2.65e-8),
                (("tab_length", -1.0), ("resistivity", 0.0))),
)
