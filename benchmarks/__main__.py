"""Run the benchmarks: ``python -m benchmarks [NAME ...]`` (NAME = twin, factory, ...).

Each ``benchmarks/bench_<name>.py`` has a ``main()`` that measures, prints a Rich table
of results with ratios against a baseline measured in the same run, and returns a
dict of the figures. Results are copied by hand into docs/benchmarks.md with the
machine and date (see the header of that file).
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path

from rich.console import Console


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules([str(here)])
                  if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    console = Console()
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        console.print(f"[red]unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    console.rule(f"gigatwin benchmarks · {platform.node()} · {platform.processor() or platform.machine()}"
                 f" · Python {platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M')}")
    for name in names:
        console.rule(name)
        importlib.import_module(f"benchmarks.bench_{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
