"""Plotly figures of control charts (signals marked) and capability histograms.

Conventions of Minitab and JMP charts: the x axis names the subgroups by the labels of
the data, the center line and control limits carry their values (``UCL = 74.014``),
each axis has a title with its unit, and every test (rule) has its own marker, so a
point that fails two tests shows both. :func:`write_html` writes the figure with the
plotly.js bundle as one shared ``plotly.min.js`` beside the HTML files (a few kB per
chart instead of 4.9 MB each).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gigatwin.quality.capability import CapabilityResult
from gigatwin.quality.chart_model import ChartAnalysis, ControlChart

# One marker per test: the limit test a filled cross, the run rules open symbols of
# increasing size so that a point failing several tests shows every one.
RULE_MARKERS = {
    "limits": ("x", "#d62728", 11),
    "WE2": ("diamond-open", "#ff7f0e", 15), "N5": ("diamond-open", "#ff7f0e", 15),
    "WE3": ("square-open", "#9467bd", 18), "N6": ("square-open", "#9467bd", 18),
    "WE4": ("triangle-up-open", "#8c564b", 21), "N2": ("triangle-up-open", "#8c564b", 21),
    "N3": ("triangle-down-open", "#e377c2", 21), "N4": ("star-open", "#17becf", 21),
    "N7": ("circle-open", "#bcbd22", 24), "N8": ("hexagon-open", "#7f7f7f", 24),
}

# What the y axis of each chart shows; "{x}" is the measured quantity with its unit.
AXIS_TITLES = {
    "xbar": "mean of {x}", "R": "range of {x}", "S": "standard deviation of {x}",
    "I": "{x}", "MR": "moving range of {x}", "ewma": "EWMA of {x}",
    "cusum_upper": "upper CUSUM [sigma]", "cusum_lower": "lower CUSUM [sigma]",
    "p": "fraction nonconforming [1]", "np": "number nonconforming [1]",
    "c": "defects per subgroup [1]", "u": "defects per unit [1/unit]",
}


def quantity_title(name: str, unit: str | None) -> str:
    """``diameter [mm]``, or the name alone when no unit is known."""
    return f"{name} [{unit}]" if unit else name


def _format(value: float) -> str:
    return f"{value:.6g}"


def _limit_label(values: np.ndarray, name: str) -> tuple[float, str] | None:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    if np.all(finite == finite[0]):
        return float(finite[0]), f"{name} = {_format(finite[0])}"
    return float(finite[-1]), f"{name} (varies)"


def _chart_traces(chart: ControlChart, x: list):
    import plotly.graph_objects as go

    traces = [
        go.Scatter(x=x, y=chart.statistic, mode="lines+markers", name=chart.name,
                   line={"color": "#1f77b4"}, marker={"size": 5, "color": "#1f77b4"}),
        go.Scatter(x=x, y=chart.center, mode="lines", name="CL",
                   line={"color": "green", "dash": "dot"}),
        go.Scatter(x=x, y=chart.ucl, mode="lines", name="UCL",
                   line={"color": "red", "shape": "hvh"}),
        go.Scatter(x=x, y=chart.lcl, mode="lines", name="LCL",
                   line={"color": "red", "shape": "hvh"}),
    ]
    for test in chart.tests():
        symbol, colour, size = RULE_MARKERS.get(test.rule, ("circle-open", "orange", 24))
        idx = list(test.indices)
        traces.append(go.Scatter(
            x=[x[i] for i in idx], y=chart.statistic[idx], mode="markers",
            name=f"{test.rule}: {test.description}",
            legendgroup=test.rule,
            marker={"color": colour, "size": size, "symbol": symbol, "line": {"width": 2}},
            hovertext=[f"{test.rule} at {x[i]}: {test.description}" for i in idx]))
    return traces


def chart_figure(analysis: ChartAnalysis, title: str = "", *, quantity: str = "value",
                 unit: str | None = None, x_title: str = "subgroup"):
    """One row per chart of the analysis (X-bar over R, I over MR, CUSUM+ over CUSUM-).

    ``quantity`` and ``unit`` title the y axes (``mean of diameter [mm]``), ``x_title``
    the x axis (the name of the label column). Points are placed at their labels.
    """
    from plotly.subplots import make_subplots

    rows = len(analysis.charts)
    x = list(analysis.point_labels())
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=[f"{c.name} chart" for c in analysis.charts])
    legend_seen: set[str] = set()
    for row, chart in enumerate(analysis.charts, start=1):
        for trace in _chart_traces(chart, x):
            key = trace.legendgroup or trace.name
            trace.showlegend = key not in legend_seen
            legend_seen.add(key)
            fig.add_trace(trace, row=row, col=1)
        _label_limits(fig, chart, row)
        fig.update_yaxes(title_text=AXIS_TITLES.get(chart.name, "{x}").format(
            x=quantity_title(quantity, unit)), row=row, col=1)
    height, top, bottom = 340 * rows + 160, 90, 150
    fig.update_layout(title=title or f"{analysis.chart_type} chart (phase {analysis.phase})",
                      height=height, template="plotly_white",
                      margin={"r": 150, "t": top, "b": bottom},
                      # the legend below the x-axis title, 60 px under the plot area
                      legend={"orientation": "h", "yanchor": "top",
                              "y": -60 / (height - top - bottom)})
    if not all(isinstance(v, int | float) for v in x):
        fig.update_xaxes(type="category")
    fig.update_xaxes(title_text=x_title, row=rows, col=1)
    return fig


def _label_limits(fig, chart: ControlChart, row: int) -> None:
    """Write ``UCL = ...``, ``CL = ...``, ``LCL = ...`` at the right end of each line."""
    axis = "" if row == 1 else str(row)
    for values, name, colour in ((chart.ucl, "UCL", "red"), (chart.center, "CL", "green"),
                                 (chart.lcl, "LCL", "red")):
        label = _limit_label(np.asarray(values, dtype=float), name)
        if label is None:
            continue
        fig.add_annotation(x=1.01, xref=f"x{axis} domain", y=label[0], yref=f"y{axis}",
                           text=label[1], showarrow=False, xanchor="left",
                           font={"color": colour, "size": 11})


def capability_figure(values, result: CapabilityResult, title: str = "", *,
                      quantity: str = "value", unit: str | None = None):
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
                                     mode="lines", name=f"{name}, sigma = {_format(sigma)}"))
    for value, name in ((result.lsl, "LSL"), (result.usl, "USL"), (result.target, "target")):
        if value is not None:
            fig.add_vline(x=value, line_dash="dash",
                          line_color="red" if name != "target" else "green",
                          annotation_text=f"{name} = {_format(value)}")
    cpk = result.indices["cpk"].value
    stable = result.stability.get("in_control")
    warning = " - NOT in statistical control" if stable is False else ""
    fig.update_layout(
        title=title or f"Process capability (Cpk = {cpk:.3g}, n = {result.n}){warning}",
        template="plotly_white",
        xaxis_title=quantity_title(quantity, unit),
        yaxis_title=f"probability density [1/{unit}]" if unit else "probability density")
    return fig


def _span(x, result):
    points = [x.min(), x.max()] + [v for v in (result.lsl, result.usl) if v is not None]
    lo, hi = min(points), max(points)
    pad = 0.1 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def write_html(fig, path: str | Path) -> None:
    """Write ``fig`` to ``path`` with plotly.js as a shared ``plotly.min.js`` in the same
    directory (written once; every chart of a report shares it)."""
    fig.write_html(str(path), include_plotlyjs="directory", full_html=True)
