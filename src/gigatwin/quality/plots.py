"""Plotly figures of control charts (signals marked) and capability histograms."""

from __future__ import annotations

import numpy as np

from gigatwin.quality.capability import CapabilityResult
from gigatwin.quality.chart_model import ChartAnalysis, ControlChart

SIGNAL_COLOURS = {"limits": "red"}


def _chart_traces(chart: ControlChart):
    import plotly.graph_objects as go

    x = np.arange(chart.statistic.size)
    traces = [
        go.Scatter(x=x, y=chart.statistic, mode="lines+markers", name=chart.name,
                   line={"color": "#1f77b4"}, marker={"size": 5}),
        go.Scatter(x=x, y=chart.center, mode="lines", name="center",
                   line={"color": "green", "dash": "dot"}),
        go.Scatter(x=x, y=chart.ucl, mode="lines", name="UCL", line={"color": "red", "shape": "hv"}),
        go.Scatter(x=x, y=chart.lcl, mode="lines", name="LCL", line={"color": "red", "shape": "hv"}),
    ]
    by_rule: dict[str, list[int]] = {}
    for s in chart.signals:
        by_rule.setdefault(s.rule, []).append(s.index)
    for rule, idx in sorted(by_rule.items()):
        idx = sorted(set(idx))
        traces.append(go.Scatter(
            x=idx, y=chart.statistic[idx], mode="markers", name=f"signal {rule}",
            marker={"color": SIGNAL_COLOURS.get(rule, "orange"), "size": 11,
                    "symbol": "x" if rule == "limits" else "diamond-open"},
            hovertext=[f"{rule} at {i}" for i in idx]))
    return traces


def chart_figure(analysis: ChartAnalysis, title: str = ""):
    """One row per chart of the analysis (X-bar over R, I over MR, CUSUM+ over CUSUM-)."""
    from plotly.subplots import make_subplots

    rows = len(analysis.charts)
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True,
                        subplot_titles=[c.name for c in analysis.charts])
    for row, chart in enumerate(analysis.charts, start=1):
        for trace in _chart_traces(chart):
            trace.showlegend = row == 1 or trace.name.startswith("signal")
            fig.add_trace(trace, row=row, col=1)
    fig.update_layout(title=title or f"{analysis.chart_type} chart (phase {analysis.phase})",
                      height=320 * rows, template="plotly_white")
    fig.update_xaxes(title_text="subgroup / point index", row=rows, col=1)
    return fig


def capability_figure(values, result: CapabilityResult, title: str = ""):
    """Histogram of the data with the normal fits (within, overall) and the spec limits."""
    import plotly.graph_objects as go
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    fig = go.Figure(go.Histogram(x=x, histnorm="probability density", name="data",
                                 marker={"color": "#9ecae1"}))
    grid = np.linspace(*_span(x, result), 300)
    for sigma, name in ((result.sigma_within, "normal (within)"),
                        (result.sigma_overall, "normal (overall)")):
        if sigma > 0:
            fig.add_trace(go.Scatter(x=grid, y=stats.norm.pdf(grid, result.mean, sigma),
                                     mode="lines", name=name))
    for value, name in ((result.lsl, "LSL"), (result.usl, "USL"), (result.target, "target")):
        if value is not None:
            fig.add_vline(x=value, line_dash="dash", annotation_text=name)
    cpk = result.indices["cpk"].value
    fig.update_layout(title=title or f"Process capability (Cpk = {cpk:.3g}, n = {result.n})",
                      template="plotly_white")
    return fig


def _span(x, result):
    points = [x.min(), x.max()] + [v for v in (result.lsl, result.usl) if v is not None]
    lo, hi = min(points), max(points)
    pad = 0.1 * (hi - lo or 1.0)
    return lo - pad, hi + pad
