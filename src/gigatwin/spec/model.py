"""Data classes of the manufacturing data specification: steps, parameters, ranges.

The vocabulary follows Zanotto et al., "Data Specifications for Battery Manufacturing
Digitalization", Batteries & Supercaps (2022), doi:10.1002/batt.202200224 (seed 002),
Section 4.1: machine parameters (MP) are externally controlled inputs; process
parameters (PP) result from the chosen MP and affect the step's result; structure
parameters (SP) are the resulting or output properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = {
    "MP": "machine parameter: externally controlled input",
    "PP": "process parameter: results from the machine parameters, affects the step's result",
    "SP": "structure parameter: resulting or output property",
}
KINDS = ("quantity", "category", "text")
ONLINE = {
    "online": "measured in real time during production",
    "offline": "measured separately from production",
    "both": "measured online and offline",
    "none": "not measurable on the line today",
}
MODEL_FAMILIES = ("empirical", "continuum", "discrete", "ML")


@dataclass(frozen=True)
class Range:
    """An interval of SI values. ``None`` bounds are open to infinity."""

    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True
    source: str = ""
    display: str = ""  # as written in the data file, e.g. "0.3-80 m/min"

    def contains(self, value: float) -> bool:
        if self.lower is not None and (value < self.lower or (value == self.lower and not self.lower_inclusive)):
            return False
        return not (self.upper is not None and (value > self.upper or (value == self.upper and not self.upper_inclusive)))

    def interval(self) -> str:
        """Interval notation in SI, e.g. ``(0, 1)``."""
        left = ("[" if self.lower_inclusive else "(") + (f"{self.lower:g}" if self.lower is not None else "-inf")
        right = (f"{self.upper:g}" if self.upper is not None else "inf") + ("]" if self.upper_inclusive else ")")
        if self.lower is None:
            left = "(-inf"
        if self.upper is None:
            right = "inf)"
        return f"{left}, {right}"


@dataclass(frozen=True)
class Parameter:
    """One parameter of one manufacturing step."""

    key: str
    step: str
    label: str
    role: str
    description: str
    unit: str  # coherent SI unit of stored values; "1" when dimensionless
    display_unit: str
    kind: str = "quantity"
    substep: str | None = None
    seed_rows: tuple[str, ...] = ()
    choices: tuple[str, ...] | None = None
    measurement: tuple[str, ...] = ()
    accuracy: str | None = None  # as given, e.g. "1 um"
    accuracy_si: float | None = None
    accuracy_note: str | None = None
    online: str = "offline"
    models: tuple[str, ...] = ()
    typical: Range | None = None
    physical: Range | None = None
    iri: str = ""
    ontology_label: str | None = None
    source_file: str = field(default="", compare=False)

    @property
    def is_quantity(self) -> bool:
        return self.kind == "quantity"

    def as_dict(self) -> dict:
        """A plain-JSON view (used by ``gigatwin spec list --json`` and ``show``)."""
        def rng(r: Range | None):
            if r is None:
                return None
            return {"lower": r.lower, "upper": r.upper, "lower_inclusive": r.lower_inclusive,
                    "upper_inclusive": r.upper_inclusive, "unit": self.unit,
                    "as_given": r.display, "source": r.source}

        return {
            "key": self.key, "step": self.step, "substep": self.substep, "role": self.role,
            "label": self.label, "description": self.description, "kind": self.kind,
            "unit": self.unit, "display_unit": self.display_unit,
            "choices": list(self.choices) if self.choices else None,
            "measurement": list(self.measurement), "accuracy": self.accuracy,
            "accuracy_si": self.accuracy_si, "accuracy_note": self.accuracy_note,
            "online": self.online, "models": list(self.models),
            "typical": rng(self.typical), "physical": rng(self.physical),
            "iri": self.iri, "ontology_label": self.ontology_label,
            "seed_rows": list(self.seed_rows),
        }


@dataclass(frozen=True)
class Step:
    """A manufacturing step (or the environment, for the dry room)."""

    key: str
    name: str
    order: int
    description: str
    source: str
    parameter_keys: tuple[str, ...]
