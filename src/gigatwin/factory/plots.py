"""Matplotlib figures for a planner: where the cost and the energy of a kWh of cells go.

- :func:`breakdown`: (A) a waterfall of the conversion cost per kWh of cells, step by step
  in line order up to the conversion total; (B) energy per kWh of cells by step,
  electric and thermal stacked; (C) one stacked bar with conversion and materials
  apart, adding up to the total cost. Replaces the pies of seed 001 Figure 2, whose 14 slices
  repeated colours and overlapped their labels.
- :func:`scenario_comparison`: the change of cost and of energy per kWh of each scenario
  against the baseline.

Every colour means one thing in a figure (no colour is reused for another quantity);
names sit on the axis, values at the bar ends. Adapter code: imports matplotlib lazily,
writes PNG files.
"""

from __future__ import annotations

from pathlib import Path

from gigatwin.factory.model import KWH, PlantResult
from gigatwin.factory.scenarios import Comparison

# one colour per quantity (Okabe-Ito palette, distinguishable with colour-vision deficiency)
COLOURS = {"step": "#0072B2", "conversion": "#004466", "materials": "#E69F00",
           "total": "#000000", "electric": "#009E73", "thermal": "#D55E00",
           "cost_change": "#CC79A7", "energy_change": "#56B4E9"}


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _edition_note(result: PlantResult) -> str:
    """The sizing basis (BatPaC edition) and the first clause of each caveat."""
    from gigatwin.factory.report import basis
    lines = [basis(result)[0]]
    lines += [f"Caveat: {c.split(':')[0]} (see the plant file)" for c in result.plant.caveats]
    return "\n".join(lines)


def breakdown(result: PlantResult, path: Path) -> Path:
    """Cost waterfall, conversion vs materials, and energy by step (PNG at ``path``)."""
    plt = _pyplot()
    per_kwh = KWH / result.annual_energy_output
    names = [s.name for s in result.steps]
    costs = [s.cost_per_year * per_kwh for s in result.steps]
    fig = plt.figure(figsize=(13, 0.42 * len(names) + 5.0))
    grid = fig.add_gridspec(2, 2, height_ratios=[0.42 * len(names) + 1.6, 1.0],
                            width_ratios=[1.15, 1.0], hspace=0.35, wspace=0.08)
    ax_cost = fig.add_subplot(grid[0, 0])
    ax_energy = fig.add_subplot(grid[0, 1], sharey=ax_cost)
    ax_total = fig.add_subplot(grid[1, :])
    if result.total_cost > 0:
        _cost_waterfall(ax_cost, names, costs)
        _total_bar(ax_total, result, per_kwh)
    else:  # an energy-only plant (e.g. the Yuan 2017 pilot): say so, draw no empty axes
        for ax, letter in ((ax_cost, "A"), (ax_total, "C")):
            ax.text(0.5, 0.5, "cost not modelled in this plant file", ha="center",
                    va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_title(f"{letter}  Cost per kWh of cells", fontsize=10, loc="left")
        ax_cost.set_yticks(range(len(names)), names, fontsize=9)
        ax_cost.invert_yaxis()
        ax_total.set_yticks([])
    _energy_bars(ax_energy, result)
    fig.suptitle(f"{result.plant.name}\n{_edition_note(result)}", fontsize=10)
    fig.subplots_adjust(left=0.15, right=0.97, top=0.88, bottom=0.08)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _cost_waterfall(ax, names: list[str], costs: list[float]) -> None:
    rows = [*names, "Conversion total"]
    starts, running = [], 0.0
    for c in costs:
        starts.append(running)
        running += c
    y = list(range(len(rows)))
    ax.barh(y[:-1], costs, left=starts, color=COLOURS["step"], height=0.6)
    ax.barh(y[-1], running, color=COLOURS["conversion"], height=0.6)
    for yi, start, c in zip(y, [*starts, 0.0], [*costs, running], strict=True):
        ax.text(start + c, yi, f" {c:.2f}", va="center", fontsize=8)
    ax.set_yticks(y, rows, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, running * 1.18 if running > 0 else 1.0)
    ax.set_xlabel("cumulative conversion cost [USD per kWh of cells]")
    ax.set_title("A  Conversion cost by step (each bar starts where the previous ends;\n"
                 "    materials apart, in C)", fontsize=10, loc="left")
    ax.grid(axis="x", alpha=0.3)


def _energy_bars(ax, result: PlantResult) -> None:
    out = result.annual_energy_output
    electric = [s.electric_energy / out for s in result.steps]
    thermal = [s.thermal_energy / out for s in result.steps]
    y = list(range(len(result.steps)))
    ax.barh(y, electric, color=COLOURS["electric"], height=0.6, label="electric")
    ax.barh(y, thermal, left=electric, color=COLOURS["thermal"], height=0.6,
            label="thermal (heat)")
    top = max((e + t for e, t in zip(electric, thermal, strict=True)), default=0.0)
    for yi, e, t in zip(y, electric, thermal, strict=True):
        ax.text(e + t, yi, f" {e + t:.2f}", va="center", fontsize=8)
    ax.set_xlim(0, top * 1.22 if top > 0 else 1.0)
    ax.tick_params(axis="y", labelleft=False)
    ax.set_xlabel("energy [kWh per kWh of cells]")
    ax.set_title(f"B  Energy by step: {result.energy_per_energy:.1f} kWh per kWh of "
                 "cells in all", fontsize=10, loc="left")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)


def _total_bar(ax, result: PlantResult, per_kwh: float) -> None:
    conversion = result.conversion_cost * per_kwh
    materials = result.materials_cost * per_kwh
    ax.barh([0], [conversion], color=COLOURS["conversion"], height=0.5)
    ax.barh([0], [materials], left=[conversion], color=COLOURS["materials"], height=0.5)
    total = conversion + materials
    ax.text(total, 0, f" total {total:.2f}", va="center", fontsize=9)
    ax.set_xlim(0, total * 1.22 if total > 0 else 1.0)
    ax.set_yticks([0], ["cost"], fontsize=9)
    ax.set_xlabel("cost [USD per kWh of cells]")
    priced = (f"+ materials {materials:.2f} (orange)" if materials > 0
              else "(materials not priced in this plant)")
    ax.set_title(f"C  Total cost per kWh: conversion {conversion:.2f} (dark, all steps) "
                 f"{priced}", fontsize=10, loc="left")


def scenario_comparison(comp: Comparison, path: Path) -> Path:
    """Bars: change of cost per kWh and of energy per kWh against the baseline."""
    plt = _pyplot()
    base = comp.baseline
    names = list(comp.scenarios)
    d_cost = [(r.cost_per_energy - base.cost_per_energy) * KWH for r in comp.scenarios.values()]
    d_energy = [r.energy_per_energy - base.energy_per_energy for r in comp.scenarios.values()]
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(names) + 2.4), sharey=True)
    panels = ((axes[0], d_cost, "cost_change", "A  Change in total cost per kWh of cells",
               "change in cost [USD per kWh of cells] (negative: cheaper)"),
              (axes[1], d_energy, "energy_change", "B  Change in plant energy per kWh of "
               "cells", "change in energy [kWh per kWh of cells] (negative: less)"))
    for ax, values, colour, title, label in panels:
        ax.barh(names, values, color=COLOURS[colour], height=0.6)
        span = max((abs(v) for v in values), default=0.0) or 1.0
        for yi, v in enumerate(values):
            ax.text(v, yi, f" {v:+.2f} " if v >= 0 else f" {v:+.2f} ", va="center",
                    ha="left" if v >= 0 else "right", fontsize=8)
        ax.set_xlim(-1.35 * span, 1.35 * span)
        ax.axvline(0, color=COLOURS["total"], lw=0.8)
        ax.set_xlabel(label)
        ax.set_title(title, fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
    axes[0].invert_yaxis()
    fig.suptitle(f"Scenarios against {base.plant.name}\n{_edition_note(base)}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
