"""The validation suite: published reference cases run through gigatwin's models.

Cases come from the modules of :data:`CASE_MODULES`, each exposing ``CASES`` (a list of
:class:`~gigatwin.twin.validation.base.Case`): reference cells (``cells``), cell-step
process measurements (``cell_process``) and electrode-step process measurements
(``process``). :func:`run` runs every case and returns one :class:`Result` per case; a
case that raises is reported with its error instead of stopping the suite.

Status of a comparison: ``pass`` (within tolerance), ``known miss`` (outside, with the
reason in ``known_miss``), ``FAIL`` (outside, unexplained) or ``UNEXPECTED PASS`` (a
known miss that now passes: remove its reason). The suite is good when nothing FAILs,
passes unexpectedly or errors (``gigatwin validate`` exits 0).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from gigatwin.twin.validation.base import Case, Comparison

__all__ = ["CASE_MODULES", "Case", "Comparison", "Result", "all_cases", "run", "status",
           "suite_ok", "to_dict", "plot_deviations"]

CASE_MODULES = ("gigatwin.twin.validation.cells", "gigatwin.twin.validation.cell_process",
                "gigatwin.twin.validation.process")


def all_cases(modules=CASE_MODULES) -> list[Case]:
    """Every case of every case module, in module order."""
    return [case for name in modules for case in importlib.import_module(name).CASES]


@dataclass
class Result:
    """The comparisons of one case, or the error that stopped it."""

    case: Case
    comparisons: list[Comparison] = field(default_factory=list)
    error: str = ""


def run(cases: list[Case] | None = None) -> list[Result]:
    """Run the cases (all by default); an exception becomes the result's ``error``."""
    results = []
    for case in all_cases() if cases is None else cases:
        try:
            results.append(Result(case, list(case.run())))
        except Exception as exc:  # noqa: BLE001 - one broken case must not hide the others
            results.append(Result(case, error=f"{type(exc).__name__}: {exc}"))
    return results


def status(comparison: Comparison) -> str:
    """``pass``, ``known miss``, ``FAIL`` or ``UNEXPECTED PASS``."""
    if comparison.within:
        return "UNEXPECTED PASS" if comparison.known_miss else "pass"
    return "known miss" if comparison.known_miss else "FAIL"


def suite_ok(results: list[Result]) -> bool:
    """True when no case errors and every comparison passes or is a known miss."""
    return all(not r.error and all(status(c) in ("pass", "known miss") for c in r.comparisons)
               for r in results)


def to_dict(results: list[Result]) -> dict:
    """The JSON document of ``gigatwin validate --json``."""
    rows = []
    for result in results:
        if result.error:
            rows.append({"case": result.case.name, "kind": result.case.kind,
                         "source": result.case.source, "error": result.error})
        for c in result.comparisons:
            rows.append({"case": c.case, "kind": result.case.kind, "quantity": c.quantity,
                         "unit": c.unit, "reference": c.reference, "predicted": c.predicted,
                         "deviation": c.deviation, "relative": c.relative,
                         "tolerance": c.tolerance, "within_tolerance": c.within,
                         "status": status(c), "source": c.source, "known_miss": c.known_miss})
    return {"ok": suite_ok(results), "comparisons": rows}


def plot_deviations(results: list[Result], path) -> None:
    """One bar per comparison: deviation over tolerance (|x| <= 1 is within)."""
    import math
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [c for r in results for c in r.comparisons]
    colours = {"pass": "tab:green", "known miss": "tab:orange", "FAIL": "tab:red",
               "UNEXPECTED PASS": "tab:purple"}
    fig, ax = plt.subplots(figsize=(11, 0.6 * len(rows) + 1.4))
    labels = ["\n".join([*textwrap.wrap(c.case, 44), c.quantity]) for c in rows]
    values = [c.deviation / c.tolerance for c in rows]
    # a case without reference points (NaN) gets no bar, only the words
    shown = [0.0 if math.isnan(v) else max(-4.0, min(4.0, v)) for v in values]
    ax.barh(range(len(rows)), shown, color=[colours[status(c)] for c in rows])
    for i, (v, c) in enumerate(zip(values, rows, strict=True)):
        if math.isnan(v):
            ax.text(0.08, i, "no reference data", va="center", ha="left", fontsize=7,
                    color=colours[status(c)])
            continue
        text = f"{100 * c.deviation:+.1f} %" if c.relative else f"{c.deviation:+.3g} {c.unit}"
        ax.text(max(-4.0, min(4.0, v)) + (0.08 if v >= 0 else -0.08), i, text,
                va="center", ha="left" if v >= 0 else "right", fontsize=7)
    ax.axvspan(-1, 1, color="0.92", zorder=0)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(-4.6, 4.6)
    ax.set_xlabel("deviation / tolerance (grey band: within tolerance; bars clipped at 4)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=v) for v in colours.values()]
    ax.legend(handles, list(colours), fontsize=7, loc="lower right")
    ax.set_title("gigatwin validate: published reference cases", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
