"""Figures of docs/steps_electrode.md: solvent left along the example dryers, and porosity
versus line load with each active material's compaction parameters.

    python docs/scripts/plot_electrode_process.py      # writes docs/img/electrode_*.png
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gigatwin import materials  # noqa: E402
from gigatwin.steps import calendering, drying  # noqa: E402
from gigatwin.twin.validation import process  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "img"


def dryer_profile(ax, electrode: str, label: str) -> None:
    """Solvent fraction left against position: the same film dried up to each position."""
    film = process.industrial_film(electrode)
    lengths = np.array(film["zone_length"])
    ends = np.cumsum(lengths)
    position = np.linspace(0.05, ends[-1], 400)
    cut = [np.clip(position - (end - length), 1e-9, length)
           for end, length in zip(ends, lengths, strict=True)]
    x = drying.zoned_drying(**{**film, "zone_length": cut}).residual_solvent_fraction
    dry_at = film["web_speed"] * drying.zoned_drying(**film).drying_time
    ax.plot(position, 100 * x, label=f"{label}: dry after {dry_at:.0f} m")
    for end in ends[:-1]:
        ax.axvline(end, color="0.85", lw=0.8)
    ax.axhline(100 * film["consolidation_solvent_fraction"], color=ax.lines[-1].get_color(),
               ls=":", lw=0.8)


def compaction(ax) -> None:
    loads = np.linspace(0, 1500, 200)  # N/mm
    for name, loading, eps_0 in (("NMC622", 0.205, 0.45), ("LFP", 0.25, 0.45),
                                 ("graphite", 0.115, 0.50), ("silicon_graphite", 0.118, 0.50)):
        am = materials.active_material(name)
        gamma = calendering.compaction_resistance(loading, 298.15,
                                                  am.compaction_resistance_per_areal_loading)
        eps = calendering.porosity_after_calendering(loads * 1e3, eps_0, am.minimum_porosity, gamma)
        ax.plot(loads, 100 * eps, label=f"{name}, {loading * 100:.1f} mg/cm$^2$")
    ax.set(xlabel="line load [N/mm]", ylabel="calendered porosity [%]", ylim=(10, 52))
    ax.legend(fontsize=8)


def main() -> None:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    dryer_profile(ax, "cathode", "cathode (NMP)")
    dryer_profile(ax, "anode", "anode (water)")
    ax.set(xlabel="position in the dryer [m] (30 m/min; zone limits grey, consolidation dotted)",
           ylabel="solvent left [%]",
           title="Three-zone dryers of the pouch example: fast, slow, fast")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "electrode_dryer_profile.png", dpi=120)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    compaction(ax)
    ax.set_title("Meyer et al. 2017 model with each material's (typical) parameters")
    fig.tight_layout()
    fig.savefig(OUT / "electrode_compaction.png", dpi=120)


if __name__ == "__main__":
    main()
