"""Quality: SPC charts and run rules, process capability, streaming alarms, end-of-line.

See docs/quality.md. Pure functions of numpy arrays; no storage, CLI or web imports.
"""

from gigatwin.quality.attribute_charts import c_chart, np_chart, p_chart, u_chart
from gigatwin.quality.capability import CapabilityResult, capability, capability_by_station
from gigatwin.quality.chart_model import ChartAnalysis, ControlChart, subgroup_matrix
from gigatwin.quality.charts import imr, xbar_r, xbar_s
from gigatwin.quality.constants import A2, A3, B3, B4, D3, D4, c4, d2, d3
from gigatwin.quality.grading import (
    GradeConfig,
    energy_per_kwh,
    grade_cells,
    resistance_spread,
    robust_z,
    self_discharge_outliers,
    self_discharge_rate,
    step_yields,
)
from gigatwin.quality.matching import MatchResult, match_cells
from gigatwin.quality.rules import RULE_SETS, RULES, Signal, evaluate_rules, run_rule_signals
from gigatwin.quality.streaming import AlarmEvent, EventSink, ListSink, StreamingMonitor
from gigatwin.quality.time_weighted import cusum, ewma

CHART_FUNCTIONS = {
    "xbar-r": xbar_r, "xbar-s": xbar_s, "imr": imr, "ewma": ewma, "cusum": cusum,
    "p": p_chart, "np": np_chart, "c": c_chart, "u": u_chart,
}

__all__ = [
    "A2", "A3", "B3", "B4", "D3", "D4", "c4", "d2", "d3",
    "xbar_r", "xbar_s", "imr", "ewma", "cusum", "p_chart", "np_chart", "c_chart", "u_chart",
    "CHART_FUNCTIONS", "ChartAnalysis", "ControlChart", "subgroup_matrix",
    "RULES", "RULE_SETS", "Signal", "evaluate_rules", "run_rule_signals",
    "capability", "capability_by_station", "CapabilityResult",
    "AlarmEvent", "EventSink", "ListSink", "StreamingMonitor",
    "GradeConfig", "grade_cells", "robust_z", "self_discharge_outliers", "self_discharge_rate",
    "resistance_spread", "step_yields", "energy_per_kwh", "MatchResult", "match_cells",
]
