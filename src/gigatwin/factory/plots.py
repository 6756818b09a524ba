"""Matplotlib figures: cost and energy breakdown by step (like seed 001 Figure 2) and a
scenario comparison. Adapter code: imports matplotlib lazily, writes PNG files."""

from __future__ import annotations

from pathlib import Path

from gigatwin.factory.model import KWH, PlantResult
from gigatwin.factory.scenarios import Comparison


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def breakdown(result: PlantResult, path: Path) -> Path:
    """Two pies: cost share and energy share per step (seed 001 Figure 2 A and B)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
    for ax, attr, title in ((axes[0], "cost_share", "A  Cost by step"),
                            (axes[1], "energy_share", "B  Energy by step")):
        steps = [s for s in result.steps if getattr(s, attr) > 0]
        values = [getattr(s, attr) for s in steps]
        if not steps:  # e.g. an energy-only plant without costs
            ax.text(0.5, 0.5, "not modelled", ha="center", va="center")
            ax.set_axis_off()
            ax.set_title(title)
            continue
        ax.pie(values, labels=[s.name for s in steps], autopct="%1.1f%%", startangle=90,
               counterclock=False, pctdistance=0.8, textprops={"fontsize": 8})
        ax.set_title(title)
    fig.suptitle(f"{result.plant.name}: {result.cost_per_energy * KWH:.1f} USD/kWh, "
                 f"{result.energy_per_energy:.1f} kWh/kWh")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scenario_comparison(comp: Comparison, path: Path) -> Path:
    """Bars: change of cost per kWh and of energy per kWh against the baseline."""
    plt = _pyplot()
    base = comp.baseline
    names = list(comp.scenarios)
    d_cost = [(r.cost_per_energy - base.cost_per_energy) * KWH for r in comp.scenarios.values()]
    d_energy = [r.energy_per_energy - base.energy_per_energy for r in comp.scenarios.values()]
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(names) + 2), sharey=True)
    axes[0].barh(names, d_cost, color=["tab:green" if v < 0 else "tab:red" for v in d_cost])
    axes[0].set_xlabel("change in cost [USD/kWh]")
    axes[1].barh(names, d_energy, color=["tab:green" if v < 0 else "tab:red" for v in d_energy])
    axes[1].set_xlabel("change in energy [kWh per kWh of cells]")
    for ax in axes:
        ax.axvline(0, color="k", lw=0.8)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Scenarios against {base.plant.name}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
