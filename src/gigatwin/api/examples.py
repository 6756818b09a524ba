"""The example recipes and plants the service offers by name (``examples/`` of the clone)."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi import HTTPException, status


def examples_dir() -> Path:
    """The repository's ``examples/`` folder (the service runs from a source checkout)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "examples"
        if (candidate / "recipes").is_dir():
            return candidate
    raise FileNotFoundError("examples/ not found next to the gigatwin sources")


def example_files(kind: str) -> dict[str, Path]:
    """``{name: path}`` of the example ``recipes`` or ``plants``."""
    return {p.stem: p for p in sorted((examples_dir() / kind).glob("*.yaml"))}


def example_file(kind: str, name: str) -> Path:
    files = example_files(kind)
    if name not in files:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"no example {kind[:-1]} {name!r}; known: {', '.join(files)}")
    return files[name]


def example_document(kind: str, name: str) -> dict:
    return yaml.safe_load(example_file(kind, name).read_text(encoding="utf-8"))
