"""Electrode balancing: stoichiometry windows, capacity and energy of a cell from its
two electrodes' open-circuit potentials.

The cyclable lithium of a cell, ``Q_Li = x Q_n + y Q_p``, is conserved while it cycles
(x, y: lithiation of anode and cathode, Q_n, Q_p: the charge of each electrode for a
stoichiometry change of 1). The fully charged and fully discharged states are where the
open-circuit voltage ``U_p(y) - U_n(x)`` meets the upper and lower cut-off voltages:

    U_p(y_100) - U_n(x_100) = V_max,    x_100 Q_n + y_100 Q_p = Q_Li
    U_p(y_0)   - U_n(x_0)   = V_min,    x_0   Q_n + y_0   Q_p = Q_Li

and the usable capacity and energy follow:

    Q = Q_n (x_100 - x_0) = Q_p (y_0 - y_100)
    E = Q_p int_{y_100}^{y_0} U_p dy - Q_n int_{x_0}^{x_100} U_n dx

A window that would leave [0, 1] (or the cathode's reachable lithiation) stops at the
edge: that electrode runs out first and limits the capacity. This is the "electrode
state of health" balancing of Mohtat et al. 2019 (J. Electrochem. Soc. 166 A4014,
doi:10.1149/2.0521915jes), the algorithm behind PyBaMM's ``ElectrodeSOHSolver``
(Sulzer et al. 2021, J. Open Res. Softw. 9 14, doi:10.5334/jors.309); the windows
x_0, x_100, y_0, y_100 are the inputs a rate-dependent (PyBaMM) model needs for its
initial stoichiometries, so both share this function.

Vectorised: every argument may be an array of samples; each sample is solved on its
own (a safeguarded Newton iteration that stops per sample), so a sample's result does
not depend on the other samples in the batch.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gigatwin.checks import require_positive, require_range
from gigatwin.citations import Citation, cites

MOHTAT_2019 = Citation(
    key="mohtat2019",
    authors="Mohtat, Lee, Siegel, Stefanopoulou",
    title="Towards better estimability of electrode-specific state of health: decoding the "
          "cell expansion",
    venue="J. Power Sources 427 (2019) 101-111",
    year=2019,
    doi="10.1016/j.jpowsour.2019.03.104",
)

_TOLERANCE = 1e-12  # stoichiometry step at which a sample counts as converged [1]
_MAX_ITERATIONS = 60
PARALLEL_MIN_SIZE = 20_000  # samples from which two threads pay for themselves


@dataclass(frozen=True)
class HalfCellOCV:
    """An electrode's open-circuit potential vs Li/Li+ as a table over stoichiometry.

    stoichiometry : increasing values in [0, 1] [1]; voltage : potential [V] at each.
    Linear interpolation between the points; outside the table the end value holds.
    """

    stoichiometry: tuple[float, ...]
    voltage: tuple[float, ...]

    def __post_init__(self):
        s = np.asarray(self.stoichiometry, dtype=float)
        v = np.asarray(self.voltage, dtype=float)
        if s.ndim != 1 or s.size < 2 or s.size != v.size or np.any(np.diff(s) <= 0):
            raise ValueError("stoichiometry must be a strictly increasing 1-D table [1] with one "
                             f"voltage [V] per point; got {s.size} points and {v.size} voltages")
        if s[0] < 0 or s[-1] > 1:
            raise ValueError(f"stoichiometry = [{s[0]:g}, {s[-1]:g}] [1] is outside the allowed "
                             "range [0, 1]")

    @classmethod
    def from_function(cls, potential, points: int = 401) -> HalfCellOCV:
        """Tabulate a vectorised U(stoichiometry) [V] (e.g. a PyBaMM OCP fit evaluated
        with numpy) on ``points`` equally spaced stoichiometries in [0, 1]."""
        grid = np.linspace(0.0, 1.0, points)
        values = np.asarray(potential(grid), dtype=float)
        return cls(tuple(float(v) for v in grid), tuple(float(v) for v in values))

    def __call__(self, stoichiometry):
        """Potential [V] at the stoichiometry [1]."""
        return _value_and_slope(self, np.asarray(stoichiometry, dtype=float))[0]

    def value_and_slope(self, stoichiometry):
        """Potential [V] and dU/ds [V] at the stoichiometry [1]."""
        return _value_and_slope(self, np.asarray(stoichiometry, dtype=float))

    def integral(self, stoichiometry):
        """int_0^s U ds [V], exact for the piecewise-linear table (clamped ends)."""
        return _integral(self, np.asarray(stoichiometry, dtype=float))


@dataclass(frozen=True)
class ElectrodeBalance:
    """Windows, capacity and energy of a balanced cell (arrays or floats, SI).

    x_0, x_100 : anode stoichiometry at 0 % and 100 % state of charge [1]
    y_0, y_100 : cathode stoichiometry at 0 % and 100 % state of charge [1]
    capacity : charge between the cut-off voltages at open circuit [C]
    energy : open-circuit energy over that window [J]
    mean_voltage : energy / capacity [V]
    """

    x_0: np.ndarray
    x_100: np.ndarray
    y_0: np.ndarray
    y_100: np.ndarray
    capacity: np.ndarray
    energy: np.ndarray
    mean_voltage: np.ndarray

    def open_circuit_voltage(self, cathode_ocv: HalfCellOCV, anode_ocv: HalfCellOCV,
                             state_of_charge):
        """Cell open-circuit voltage [V] at a state of charge [1] inside the window."""
        return self.open_circuit_voltage_and_slope(cathode_ocv, anode_ocv, state_of_charge)[0]

    def open_circuit_voltage_and_slope(self, cathode_ocv: HalfCellOCV, anode_ocv: HalfCellOCV,
                                       state_of_charge):
        """Cell OCV [V] and dOCV/dSOC [V] at a state of charge [1] inside the window."""
        soc = np.asarray(state_of_charge, dtype=float)
        x = self.x_0 + soc * (self.x_100 - self.x_0)
        y = self.y_0 - soc * (self.y_0 - self.y_100)
        u_p, du_p = cathode_ocv.value_and_slope(y)
        u_n, du_n = anode_ocv.value_and_slope(x)
        return u_p - u_n, -du_p * (self.y_0 - self.y_100) - du_n * (self.x_100 - self.x_0)


@cites(MOHTAT_2019)
def balance_electrodes(cathode_capacity, anode_capacity, lithium_inventory,
                       cathode_ocv: HalfCellOCV, anode_ocv: HalfCellOCV,
                       upper_cutoff_voltage, lower_cutoff_voltage,
                       cathode_max_stoichiometry=1.0, *, workers: int = 1) -> ElectrodeBalance:
    """Stoichiometry windows, capacity and energy of a cell from its electrodes.

    Parameters
    ----------
    cathode_capacity : Q_p, charge of the cathode for a stoichiometry change of 1 [C]
        (active mass x the stoichiometric capacity of its OCV curve)
    anode_capacity : Q_n, the same for the anode [C]
    lithium_inventory : Q_Li = x Q_n + y Q_p, cyclable lithium left after formation [C]
    cathode_ocv, anode_ocv : half-cell potentials vs Li/Li+ over stoichiometry
    upper_cutoff_voltage, lower_cutoff_voltage : V_max > V_min [V]
    cathode_max_stoichiometry : highest lithiation the cathode reaches again on discharge
        [1], (0, 1] (layered oxides do not return to their pristine lithiation at
        practical rates: their first-cycle inefficiency)
    workers : threads for the two window ends (2 solves them side by side on arrays of
        at least PARALLEL_MIN_SIZE samples; the results do not depend on it)

    Returns
    -------
    ElectrodeBalance with x_0, x_100, y_0, y_100 [1], capacity [C], energy [J] and
    mean_voltage [V], shaped like the broadcast inputs.

    Validity: open circuit (no rate dependence; the PyBaMM link adds it). A window
    limited by an electrode's stoichiometric range (0 or 1) means that electrode runs
    out first (e.g. N/P below 1: the anode is full before V_max, lithium would plate).
    """
    require_positive("cathode_capacity", cathode_capacity, unit="C")
    require_positive("anode_capacity", anode_capacity, unit="C")
    require_positive("lithium_inventory", lithium_inventory, unit="C")
    require_range("upper_cutoff_voltage", upper_cutoff_voltage, unit="V", gt=0, le=6)
    require_range("lower_cutoff_voltage", lower_cutoff_voltage, unit="V", gt=0, le=6)
    require_range("upper_cutoff_voltage - lower_cutoff_voltage",
                  np.asarray(upper_cutoff_voltage) - lower_cutoff_voltage, unit="V", gt=0)
    require_range("cathode_max_stoichiometry", cathode_max_stoichiometry, unit="1", gt=0, le=1)
    q_p, q_n, q_li, v_max, v_min, y_max = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (cathode_capacity, anode_capacity,
                                               lithium_inventory, upper_cutoff_voltage,
                                               lower_cutoff_voltage, cathode_max_stoichiometry)))
    require_range("lithium_inventory / (cathode_max_stoichiometry cathode_capacity + "
                  "anode_capacity)", q_li / (y_max * q_p + q_n), unit="1", gt=0, lt=1)
    bracket = _bracket(q_p, q_n, q_li, y_max)
    ends = [(v_max, cathode_ocv, anode_ocv), (v_min, cathode_ocv, anode_ocv)]

    def solve(end):
        return _solve_window_end(q_p, q_n, q_li, end[0], y_max, end[1], end[2], bracket)

    if workers > 1 and q_p.size >= PARALLEL_MIN_SIZE:
        # the two window ends are independent solves of the same arrays: two threads
        # (numpy releases the GIL in array arithmetic); the same numbers as in one thread
        with ThreadPoolExecutor(max_workers=2) as pool:
            x_100, x_0 = pool.map(solve, ends)
    else:
        x_100, x_0 = (solve(end) for end in ends)
    y_100 = (q_li - x_100 * q_n) / q_p
    y_0 = (q_li - x_0 * q_n) / q_p
    capacity = q_n * (x_100 - x_0)
    energy = (q_p * (cathode_ocv.integral(y_0) - cathode_ocv.integral(y_100))
              - q_n * (anode_ocv.integral(x_100) - anode_ocv.integral(x_0)))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(capacity > 0, energy / np.where(capacity > 0, capacity, 1.0), np.nan)
    return ElectrodeBalance(*(_out(a) for a in (x_0, x_100, y_0, y_100, capacity, energy,
                                                    mean)))


def _out(array: np.ndarray):
    return float(array) if array.ndim == 0 else array


def _bracket(q_p, q_n, q_li, y_max):
    """The anode stoichiometries that keep both electrodes in range: x in [lower, upper],
    lower = max(0, (Q_Li - y_max Q_p) / Q_n), upper = min(1, Q_Li / Q_n) (flat arrays)."""
    lower = np.atleast_1d(np.multiply(y_max, q_p))  # fresh (a 0-d result becomes 1-d)
    np.subtract(q_li, lower, out=lower)
    lower /= q_n
    np.maximum(lower, 0.0, out=lower)
    upper = np.atleast_1d(np.divide(q_li, q_n))
    np.minimum(upper, 1.0, out=upper)
    return lower.reshape(-1), upper.reshape(-1)


def _solve_window_end(q_p, q_n, q_li, voltage, y_max, cathode_ocv, anode_ocv, bracket=None):
    """Anode stoichiometry x where U_p(y(x)) - U_n(x) = voltage, y = (Q_Li - x Q_n) / Q_p.

    g(x) = U_p(y(x)) - U_n(x) - V rises with x (U_p falls with y, U_n falls with x), so
    the root is bracketed by the x that keep both stoichiometries in range. From a first
    guess (a cached table over N/P and lithium fraction), the sign of g tells on which
    side the root lies; if g keeps that sign up to the bracket edge, the window ends
    there (an electrode runs out). Otherwise Newton steps on the tables, bisection when a
    step leaves the bracket; each sample stops once its step is below 1e-12, so its result
    does not depend on the other samples. ``bracket`` is :func:`_bracket` of the same
    inputs when the caller has it already (both window ends share it).
    """
    shape = np.broadcast(q_p, q_n, q_li, voltage, y_max).shape
    lo, hi = _bracket(q_p, q_n, q_li, y_max) if bracket is None else bracket
    # flat views (a broadcast constant stays a view: no memory per sample)
    qp, qn, qli, v = (np.broadcast_to(a, shape).reshape(-1)
                      for a in (q_p, q_n, q_li, voltage))
    guess = _table_guess(qp, qn, qli, v, np.broadcast_to(y_max, shape).reshape(-1),
                         cathode_ocv, anode_ocv)
    x = np.maximum(guess, lo, out=guess)  # clip to the bracket, in place
    np.minimum(x, hi, out=x)
    g, slope = _residual(x, qp, qn, qli, v, cathode_ocv, anode_ocv)
    below = g < 0
    edge = np.where(below, hi, lo)
    g_edge = _residual(edge, qp, qn, qli, v, cathode_ocv, anode_ocv)[0]
    beyond = np.where(below, g_edge <= 0, g_edge >= 0)  # the root is at or past the edge
    np.copyto(x, edge, where=beyond)
    del edge, g_edge
    open_ = np.logical_not(beyond, out=beyond)
    open_ &= g != 0
    open_ &= hi > lo
    idx = np.flatnonzero(open_)
    xa, ga, sa = x.take(idx), g.take(idx), slope.take(idx)
    del g, slope, open_
    loa = np.where(below.take(idx), xa, lo.take(idx))
    hia = np.where(below.take(idx), hi.take(idx), xa)
    constant_v = v.strides == (0,)  # one voltage: subtract it as a number, no gather
    for _ in range(_MAX_ITERATIONS):
        if idx.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            step = xa - ga / sa
        outside = ~((step > loa) & (step < hia)) | ~np.isfinite(step)
        new = np.where(outside, 0.5 * (loa + hia), step)
        done = np.abs(new - xa) < _TOLERANCE
        x[idx[done]] = new[done]
        keep = ~done
        idx, xa, loa, hia = idx[keep], new[keep], loa[keep], hia[keep]
        if idx.size == 0:
            break
        ga, sa = _residual(xa, qp.take(idx), qn.take(idx), qli.take(idx),
                           v[0] if constant_v else v.take(idx), cathode_ocv, anode_ocv)
        below = ga < 0
        loa, hia = np.where(below, xa, loa), np.where(below, hia, xa)
        zero = ga == 0
        if zero.any():
            x[idx[zero]] = xa[zero]
            idx, xa, ga, sa, loa, hia = (a[~zero] for a in (idx, xa, ga, sa, loa, hia))
    return x.reshape(shape)


_GUESS_POINTS = 48


def _table_guess(q_p, q_n, q_li, voltage, y_max, cathode_ocv, anode_ocv):
    """Bilinear interpolation in a table of solved x over log(Q_n / Q_p) and Q_Li / Q_p;
    samples of another voltage or reachable lithiation get the bracket's secant guess."""
    if q_p.size == 0:
        return q_p
    v0, y0 = float(voltage[0]), float(y_max[0])
    log_r, frac, solved = _guess_table(cathode_ocv, anode_ocv, v0, y0)
    step_r, step_f = log_r[1] - log_r[0], frac[1] - frac[0]
    r = np.divide(q_n, q_p)
    np.log(r, out=r)
    np.maximum(r, log_r[0], out=r)  # clip, in place
    np.minimum(r, log_r[-1], out=r)
    f = np.divide(q_li, q_p)
    np.maximum(f, frac[0], out=f)
    np.minimum(f, frac[-1], out=f)
    i = _cell_index(r, log_r[0], step_r, log_r.size - 2)
    j = _cell_index(f, frac[0], step_f, frac.size - 2)
    a = r - log_r.take(i)
    a /= step_r
    b = f - frac.take(j)
    b /= step_f
    # the four corners from the flat table: row i, column j of a C-ordered (n, m) table
    flat, columns = solved.ravel(), solved.shape[1]
    corner = i * columns
    corner += j
    not_a, not_b = 1 - a, 1 - b
    # (1-a)(1-b) s_ij + a(1-b) s_i+1,j + (1-a) b s_i,j+1 + a b s_i+1,j+1, in this order
    guess = not_a * not_b
    guess *= flat.take(corner)
    term = np.multiply(a, not_b)
    term *= flat.take(corner + columns)
    guess += term
    np.multiply(not_a, b, out=term)
    term *= flat.take(corner + 1)
    guess += term
    np.multiply(a, b, out=term)
    term *= flat.take(corner + columns + 1)
    guess += term
    if voltage.strides == (0,) and y_max.strides == (0,):  # one voltage and lithiation
        return guess
    same = (voltage == v0) & (y_max == y0)
    return np.where(same, guess, 0.5)


def _cell_index(values: np.ndarray, start: float, step: float, last: int) -> np.ndarray:
    """min(int((values - start) / step), last): the table cell of each (clipped) value."""
    scaled = values - start
    scaled /= step
    index = scaled.astype(np.intp)
    np.minimum(index, last, out=index)
    return index


@lru_cache(maxsize=64)
def _guess_table(cathode_ocv, anode_ocv, voltage: float, y_max: float):
    log_r = np.linspace(np.log(0.25), np.log(4.0), _GUESS_POINTS)
    frac = np.linspace(0.02, 1.5, _GUESS_POINTS)
    rr, ff = np.meshgrid(np.exp(log_r), frac, indexing="ij")
    q_p = np.ones_like(rr)
    valid = ff < q_p + rr
    q_li = np.where(valid, ff, 0.5 * (q_p + rr))
    v = np.full_like(rr, voltage)
    solved = _bisect(q_p, rr, q_li, v, np.full_like(rr, y_max), cathode_ocv, anode_ocv)
    return log_r, frac, solved


def _bisect(q_p, q_n, q_li, voltage, y_max, cathode_ocv, anode_ocv, iterations=48):
    """Plain vectorised bisection (small arrays: the guess table)."""
    lo = np.maximum(0.0, (q_li - y_max * q_p) / q_n)
    hi = np.minimum(1.0, q_li / q_n)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = _residual(mid, q_p, q_n, q_li, voltage, cathode_ocv, anode_ocv)[0] < 0
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _residual(x, q_p, q_n, q_li, voltage, cathode_ocv, anode_ocv):
    """g(x) [V] and dg/dx [V] from the local segments of the two tables.

    y = (Q_Li - x Q_n) / Q_p, g = U_p(y) - U_n(x) - V, dg/dx = -U_p'(y) Q_n / Q_p - U_n'(x);
    evaluated in place on the fresh arrays (same operations, same order)."""
    y = np.multiply(x, q_n)
    np.subtract(q_li, y, out=y)
    y /= q_p
    u_p, du_p = _value_and_slope(cathode_ocv, y)
    u_n, du_n = _value_and_slope(anode_ocv, x)
    u_p -= u_n
    u_p -= voltage
    np.negative(du_p, out=du_p)
    du_p *= q_n
    du_p /= q_p
    du_p -= du_n
    return u_p, du_p


def _value_and_slope(curve: HalfCellOCV, s):
    """Potential [V] and slope [V] at s from the table resampled on _LOOKUP_CELLS uniform
    cells (exact at the cell edges; off by at most a quarter of a slope change times a
    cell width where a table node falls inside a cell); the end values hold outside.

    U = a_k + b_k clip(s, 0, 1) with k the cell of s; on arrays every step after the
    cell index works in place on fresh arrays (the same operations in the same order as
    ``intercept[k] + slope[k] * clip(s, 0, 1)``, so the same numbers, fewer temporaries).
    """
    intercept, slope = _uniform(curve)
    s = np.asarray(s)
    if s.ndim == 0:
        k = np.clip((s * _LOOKUP_CELLS).astype(np.intp), 0, _LOOKUP_CELLS - 1)
        local = slope[k]
        return intercept[k] + local * np.clip(s, 0.0, 1.0), local
    k = (s * _LOOKUP_CELLS).astype(np.intp)
    np.maximum(k, 0, out=k)
    np.minimum(k, _LOOKUP_CELLS - 1, out=k)
    local = slope.take(k)
    value = np.maximum(s, 0.0)
    np.minimum(value, 1.0, out=value)
    value *= local
    value += intercept.take(k)
    return value, local


_LOOKUP_CELLS = 4096


@lru_cache(maxsize=64)
def _segments(curve: HalfCellOCV):
    nodes = np.asarray(curve.stoichiometry, dtype=float)
    values = np.asarray(curve.voltage, dtype=float)
    slopes = np.diff(values) / np.diff(nodes)
    # segment of the left edge of each of _LOOKUP_CELLS uniform cells over [0, 1]; a
    # cell narrower than the closest nodes holds at most one node, so one comparison
    # after the lookup finds the segment (the same as a binary search, much faster)
    edges = np.arange(_LOOKUP_CELLS + 1) / _LOOKUP_CELLS
    lookup = np.clip(np.searchsorted(nodes, edges, side="right") - 1, 0, nodes.size - 2)
    return nodes, values, slopes, lookup


def _segment_index(curve: HalfCellOCV, s: np.ndarray) -> np.ndarray:
    nodes, _, _, lookup = _segments(curve)
    if not _fine_lookup(curve):
        return np.clip(np.searchsorted(nodes, s, side="right") - 1, 0, nodes.size - 2)
    cell = (s * _LOOKUP_CELLS).astype(np.intp)
    np.minimum(cell, _LOOKUP_CELLS, out=cell)
    i = lookup.take(cell)
    i += s >= nodes.take(i + 1)  # the node inside the cell, if s is past it
    np.minimum(i, nodes.size - 2, out=i)
    return i


@lru_cache(maxsize=64)
def _uniform(curve: HalfCellOCV) -> tuple[np.ndarray, np.ndarray]:
    """Intercept and slope of the table's interpolant on each uniform cell of [0, 1]."""
    nodes, values, _, _ = _segments(curve)
    edges = np.arange(_LOOKUP_CELLS + 1) / _LOOKUP_CELLS
    at_edges = np.interp(edges, nodes, values)
    slope = np.diff(at_edges) * _LOOKUP_CELLS
    return at_edges[:-1] - slope * edges[:-1], slope


@lru_cache(maxsize=64)
def _fine_lookup(curve: HalfCellOCV) -> bool:
    """True when a lookup cell holds at most one node (nodes wider apart than a cell)."""
    return bool(np.min(np.diff(_segments(curve)[0])) * _LOOKUP_CELLS > 1)


@lru_cache(maxsize=64)
def _cumulative(curve: HalfCellOCV):
    """The integral up to each node [V] and half of each segment's slope [V]."""
    nodes, values, slopes, _ = _segments(curve)
    areas = 0.5 * (values[1:] + values[:-1]) * np.diff(nodes)
    return np.concatenate([[0.0], np.cumsum(areas)]), 0.5 * slopes


def _integral(curve: HalfCellOCV, s: np.ndarray):
    """int_{s_0}^{s} U ds for the piecewise-linear table; constant extension outside.

    I = C_i + U_i d + (b_i / 2) d^2 + U_first min(s - s_first, 0) + U_last max(s - s_last, 0)
    with d = clip(s) - s_i on segment i (C_i: the integral up to node i, b_i its slope),
    summed in this order, in place on fresh arrays."""
    nodes, values, _, _ = _segments(curve)
    cumulative, half_slopes = _cumulative(curve)
    s = np.asarray(s, dtype=float)
    shape = s.shape
    s = s.reshape(-1)  # 0-d arrays too: every step below works on fresh 1-d arrays
    d = np.maximum(s, nodes[0])
    np.minimum(d, nodes[-1], out=d)
    i = _segment_index(curve, d)
    d -= nodes.take(i)
    inside = cumulative.take(i)
    term = values.take(i)
    term *= d
    inside += term
    np.multiply(half_slopes.take(i), d, out=term)
    term *= d
    inside += term
    np.subtract(s, nodes[0], out=term)
    np.minimum(term, 0, out=term)
    term *= values[0]
    inside += term
    np.subtract(s, nodes[-1], out=term)
    np.maximum(term, 0, out=term)
    term *= values[-1]
    inside += term
    return inside.reshape(shape)


def cell_ocv_table(balance: ElectrodeBalance, cathode_ocv: HalfCellOCV, anode_ocv: HalfCellOCV,
                   points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """The cell OCV curve of one (scalar) balance: state of charge [1] and voltage [V]."""
    soc = np.linspace(0.0, 1.0, points)
    return soc, np.asarray(balance.open_circuit_voltage(cathode_ocv, anode_ocv, soc), dtype=float)
