"""The manufacturing data specification: every parameter of every step, as data.

Built from Zanotto et al. (2022), Tables 5-12 (seed 002), plus what gigatwin's models
need and those tables lack. See docs/spec.md.

>>> from gigatwin.spec import load_registry, validate_record
>>> reg = load_registry()
>>> validate_record({"key": "coating_speed", "value": 30, "unit": "m/min",
...                  "ts": "2026-11-22T10:00:00Z"}).value
0.5
"""

from gigatwin.spec.batch import ValidatedColumns, validate_batch
from gigatwin.spec.model import KINDS, MODEL_FAMILIES, ONLINE, ROLES, Parameter, Range, Step
from gigatwin.spec.records import (
    BatchResult,
    Problem,
    RecordResult,
    read_records,
    validate_file,
    validate_record,
    validate_records,
)
from gigatwin.spec.registry import Registry, SpecError, load_files, load_registry

__all__ = [
    "KINDS", "MODEL_FAMILIES", "ONLINE", "ROLES", "Parameter", "Range", "Step",
    "BatchResult", "Problem", "RecordResult", "read_records", "validate_file",
    "validate_record", "validate_records", "validate_batch", "ValidatedColumns", "Registry", "SpecError", "load_files", "load_registry",
]
