"""Helpers shared by the command modules: one Rich console, JSON output, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


def _default(obj: Any):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _finite(obj: Any):
    """Replace NaN and infinities (not valid JSON) by null, recursively."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def dumps(data: Any) -> str:
    """JSON text of ``data`` (numpy arrays and scalars allowed; NaN written as null)."""
    return json.dumps(_finite(json.loads(json.dumps(data, default=_default))), indent=2)


def write_json(data: Any, path: Path | None) -> None:
    """Write ``data`` as JSON to ``path``, or to stdout when ``path`` is ``-``."""
    if path is None:
        return
    text = dumps(data)
    if str(path) == "-":
        typer.echo(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    err_console.print(f"[dim]wrote {path}[/dim]")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` (plain text, not Rich markup) as an error and return the Exit to raise.

    The message is never wrapped to the terminal width: an error names a path, a key or a
    value, and a line break inside one breaks copying and grepping it.
    """
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)
