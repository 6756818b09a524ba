"""Slitting: lane widths, trim loss and an empirical edge-defect (burr) model.

Slitting cuts the calendered web into coils of the cell's electrode width at 80-150
m/min; slit widths are 60-300 mm (Zanotto et al. 2022 s.4.1.5). Edge quality matters:
burrs and dross can puncture the separator (Lee 2018, cited in Liu et al. 2021,
iScience 24, 102332).

The burr model is empirical and illustrative, with these assumptions: the mean burr
height grows linearly with the length cut since the last blade change (wear), scales
mildly with line speed relative to a reference speed, and scatters normally along the
edge; an edge defect is a burr above a height limit (a fraction of the separator
thickness). All coefficients are typical values to be fitted to a line's edge
inspection data.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import RangeError, require_positive, require_range
from gigatwin.citations import cites
from gigatwin.references import ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array


@cites(ZANOTTO_2022)
def lane_width(web_width, number_of_lanes, edge_trim_width=0.01):
    """Width of each slit lane: w = (W - 2 e) / n [m].

    web_width : W, coated web [m], (0, 3]; number_of_lanes : n [1], a whole number 1-50;
    edge_trim_width : e, trimmed from each web edge [m], [0, W/2).
    A fractional number_of_lanes raises (it used to be floored silently).
    """
    require_range("web_width", web_width, unit="m", gt=0, le=3)
    require_range("number_of_lanes", number_of_lanes, unit="1", ge=1, le=50)
    _require_whole("number_of_lanes", number_of_lanes)
    require_range("edge_trim_width", edge_trim_width, unit="m", ge=0)
    usable = np.asarray(web_width, dtype=float) - 2.0 * np.asarray(edge_trim_width)
    require_range("edge_trim_width (as usable width W - 2e)", usable, unit="m", gt=0)
    return scalar_or_array(usable / np.asarray(number_of_lanes, dtype=float))


@cites(ZANOTTO_2022)
def lanes_that_fit(web_width, lane_width, edge_trim_width=0.01):
    """Whole lanes of width w that fit the web: n = floor((W - 2 e) / w) [1].

    web_width : [m], (0, 3]; lane_width : w [m], 0.02-1 (60-300 mm typical); edge_trim_width : [m].
    """
    require_range("web_width", web_width, unit="m", gt=0, le=3)
    require_range("lane_width", lane_width, unit="m", ge=0.02, le=1)
    require_range("edge_trim_width", edge_trim_width, unit="m", ge=0)
    usable = np.asarray(web_width, dtype=float) - 2.0 * np.asarray(edge_trim_width)
    require_range("edge_trim_width (as usable width W - 2e)", usable, unit="m", gt=0)
    return scalar_or_array(np.floor(usable / lane_width + 1e-9))


@cites(ZANOTTO_2022)
def trim_loss_fraction(web_width, number_of_lanes, lane_width):
    """Fraction of the coated web width not used by lanes: 1 - n w / W [1].

    web_width : W [m]; number_of_lanes : n [1], a whole number >= 1; lane_width : w [m]; n w must not exceed W.
    """
    require_range("web_width", web_width, unit="m", gt=0, le=3)
    require_range("number_of_lanes", number_of_lanes, unit="1", ge=1, le=50)
    _require_whole("number_of_lanes", number_of_lanes)
    require_range("lane_width", lane_width, unit="m", gt=0, le=3)
    used = np.asarray(number_of_lanes, dtype=float) * np.asarray(lane_width, dtype=float) / web_width
    require_range("lane_width (as used width fraction n w / W)", used, unit="1", gt=0, le=1 + 1e-9)
    return scalar_or_array(np.clip(1.0 - used, 0.0, 1.0))


@cites(ZANOTTO_2022)
def mean_burr_height(blade_cut_length, web_speed, sharp_blade_burr_height=2e-6,
                     burr_growth_per_cut_length=1e-10, reference_web_speed=100 / 60, speed_sensitivity=0.3):
    """Mean burr height at the slit edge (empirical) [m].

    b = (b_0 + k_w L_cut) (1 + k_s (U / U_ref - 1))

    blade_cut_length : L_cut, length slit since the last blade change [m], 0-1e8;
    web_speed : U [m/s], 0.1-5 (80-150 m/min typical); sharp_blade_burr_height : b_0 [m]
    (typical 2 um); burr_growth_per_cut_length : k_w [m/m] (typical 1e-10: +1 um per 10 km);
    reference_web_speed : U_ref [m/s]; speed_sensitivity : k_s [1], [0, 1) (typical 0.3).
    """
    require_range("blade_cut_length", blade_cut_length, unit="m", ge=0, le=1e8)
    require_range("web_speed", web_speed, unit="m/s", ge=0.1, le=5)
    require_positive("sharp_blade_burr_height", sharp_blade_burr_height, unit="m")
    require_positive("reference_web_speed", reference_web_speed, unit="m/s")
    require_range("burr_growth_per_cut_length", burr_growth_per_cut_length, unit="1", ge=0)
    require_range("speed_sensitivity", speed_sensitivity, unit="1", ge=0, lt=1)
    wear = np.asarray(sharp_blade_burr_height) + np.asarray(burr_growth_per_cut_length) * blade_cut_length
    speed = 1.0 + np.asarray(speed_sensitivity) * (np.asarray(web_speed, dtype=float) / reference_web_speed - 1.0)
    return scalar_or_array(wear * speed)


@cites(ZANOTTO_2022)
def edge_defect_probability(blade_cut_length, web_speed, burr_height_limit=8e-6, burr_height_scatter=1.5e-6):
    """Probability that a burr exceeds the limit (empirical, normal scatter) [1].

    P = 1 - Phi((b_lim - b_mean) / sigma_b), b_mean from :func:`mean_burr_height`.

    blade_cut_length : [m], 0-1e8; web_speed : [m/s], 0.1-5; burr_height_limit : b_lim [m]
    (typical 8 um, half a 16 um separator); burr_height_scatter : sigma_b [m] (typical 1.5 um).
    """
    require_positive("burr_height_limit", burr_height_limit, unit="m")
    require_positive("burr_height_scatter", burr_height_scatter, unit="m")
    from scipy.special import ndtr  # here: importing scipy.special costs ~0.2 s at start-up

    mean = mean_burr_height(blade_cut_length, web_speed)
    return scalar_or_array(1.0 - ndtr((np.asarray(burr_height_limit) - mean) / burr_height_scatter))


def _require_whole(field, value):
    """A count must be a whole number: 2.5 lanes is an input error, not something to floor."""
    arr = np.asarray(value, dtype=float)
    bad = np.abs(arr - np.round(arr)) > 1e-9
    if np.any(bad):
        raise RangeError(field, float(arr[bad].flat[0]) if arr.ndim else float(arr), "1",
                         "{1, 2, 3, ...} (whole numbers)", int(bad.sum()))



CONFORMANCE = (
    Conformance(lane_width, valid={"web_width": 0.62, "number_of_lanes": 3.0, "edge_trim_width": 0.01},
                invalid=(("web_width", 0.0), ("number_of_lanes", 0.0), ("edge_trim_width", 0.4))),
    Conformance(lanes_that_fit, valid={"web_width": 0.62, "lane_width": 0.2},
                invalid=(("web_width", -1.0), ("lane_width", 0.0), ("edge_trim_width", -0.01))),
    Conformance(trim_loss_fraction, valid={"web_width": 0.62, "number_of_lanes": 3.0, "lane_width": 0.2},
                invalid=(("web_width", 0.0), ("number_of_lanes", 0.5), ("lane_width", 0.5))),
    Conformance(mean_burr_height, valid={"blade_cut_length": 5e4, "web_speed": 2.0},
                invalid=(("blade_cut_length", -1.0), ("web_speed", 0.0), ("speed_sensitivity", 1.0))),
    Conformance(edge_defect_probability, valid={"blade_cut_length": 5e4, "web_speed": 2.0},
                invalid=(("blade_cut_length", -1.0), ("burr_height_limit", 0.0),
                         ("burr_height_scatter", 0.0))),
)
