"""Material and component properties: YAML data with a source for every number.

Look-ups return frozen records in SI::

    >>> from gigatwin import materials
    >>> round(materials.active_material("NMC622").density, 6)
    4750.0
    >>> round(materials.solvent("water").vapour_pressure(373.15) / 1000, 1)
    101.0

The data live in ``gigatwin/materials/data/*.yaml`` (one file per kind); each file is
validated on first use and errors name the file, the entry, the field and the problem.
Records: :class:`ActiveMaterial`, :class:`ConductiveCarbon`, :class:`Binder`,
:class:`Solvent`, :class:`Foil`, :class:`Separator`, :class:`Electrolyte`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .loader import KINDS, MaterialDataError, load_file
from .properties import (
    ActiveMaterial,
    Binder,
    ConductiveCarbon,
    Electrolyte,
    Foil,
    HalfCellOCVCurve,
    Material,
    Separator,
    Solvent,
)

__all__ = [
    "ActiveMaterial", "Binder", "ConductiveCarbon", "Electrolyte", "Foil", "Material",
    "MaterialDataError", "Separator", "Solvent", "KINDS", "DATA_DIR",
    "get", "names", "all_records", "active_material", "conductive_carbon", "binder",
    "solvent", "foil", "separator", "electrolyte", "HalfCellOCVCurve", "half_cell_ocv",
]

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def all_records() -> dict[str, dict[str, Material]]:
    """Every record of every data file, ``{kind: {name: record}}`` (loaded once)."""
    found: dict[str, dict[str, Material]] = {kind: {} for kind in KINDS}
    for path in sorted(DATA_DIR.glob("*.yaml")):
        kind, entries = load_file(path)
        clash = set(found[kind]) & set(entries)
        if clash:
            raise MaterialDataError(path, sorted(clash)[0], None, f"{kind} defined in two files")
        found[kind].update(entries)
    return found


def names(kind: str) -> list[str]:
    """The names known for one kind (``"active_material"``, ``"solvent"`` ...)."""
    return sorted(_kind(kind))


def get(kind: str, name: str) -> Material:
    """One record by kind and name; names are matched case-insensitively."""
    table = _kind(kind)
    if name in table:
        return table[name]
    folded = {key.casefold(): key for key in table}
    if str(name).casefold() in folded:
        return table[folded[str(name).casefold()]]
    raise KeyError(f"no {kind} named {name!r}; known: {sorted(table)}")


def active_material(name: str) -> ActiveMaterial:
    return get("active_material", name)  # type: ignore[return-value]


def conductive_carbon(name: str) -> ConductiveCarbon:
    return get("conductive_carbon", name)  # type: ignore[return-value]


def binder(name: str) -> Binder:
    return get("binder", name)  # type: ignore[return-value]


def solvent(name: str) -> Solvent:
    return get("solvent", name)  # type: ignore[return-value]


def foil(name: str) -> Foil:
    return get("foil", name)  # type: ignore[return-value]


def separator(name: str) -> Separator:
    return get("separator", name)  # type: ignore[return-value]


def electrolyte(name: str) -> Electrolyte:
    return get("electrolyte", name)  # type: ignore[return-value]


def _kind(kind: str) -> dict[str, Material]:
    records = all_records()
    if kind not in records:
        raise KeyError(f"unknown material kind {kind!r}; known: {sorted(records)}")
    return records[kind]


def half_cell_ocv(name: str) -> HalfCellOCVCurve:
    """A half-cell open-circuit potential curve (``ocv_curves.yaml``)."""
    return get("half_cell_ocv", name)  # type: ignore[return-value]
