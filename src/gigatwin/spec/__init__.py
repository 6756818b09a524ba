"""The manufacturing data specification: every parameter of every step, as data.

Built from Zanotto et al. (2022), Tables 5-12 (seed 002), plus what gigatwin's models
need and those tables lack. See docs/spec.md.

>>> from gigatwin.spec import load_registry, validate_record
>>> reg = load_registry()
>>> validate_record({"key": "coating_speed", "value": 30, "unit": "m/min",
...                  "ts": "2026-11-22T10:00:00Z"}).value
0.5
"""

import importlib

# Names exported here and the module that defines each. Imported on first use (PEP 562),
# so `from gigatwin.spec.registry import ...` does not load the record and batch
# validation (pyarrow) that the twin does not need.
_EXPORTS = {
    "ValidatedColumns": "batch", "validate_batch": "batch",
    "KINDS": "model", "MODEL_FAMILIES": "model", "ONLINE": "model", "ROLES": "model",
    "Parameter": "model", "Range": "model", "Step": "model",
    "BatchResult": "record_validation", "Problem": "record_validation",
    "RecordResult": "record_validation", "read_records": "record_validation",
    "validate_file": "batch", "validate_record": "record_validation",
    "validate_records": "record_validation",
    "Registry": "registry", "SpecError": "registry", "load_files": "registry",
    "load_registry": "registry",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'gigatwin.spec' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gigatwin.spec.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
