"""Dependencies point inward: the domain never imports storage, ingestion or interfaces.

docs/architecture.md: the domain packages (spec, materials, steps, twin, factory,
quality) and the foundations (units, checks, citations) must not import gigatwin.store,
gigatwin.ingest, gigatwin.cli (nor the future api/web). Checked on the source text with
ast, so a violation anywhere in a module (even inside a function) is found.
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "gigatwin"
DOMAIN = ("spec", "materials", "steps", "twin", "factory", "quality", "units.py", "checks.py", "citations.py")
ADAPTERS = ("gigatwin.store", "gigatwin.ingest", "gigatwin.cli", "gigatwin.api", "gigatwin.web")


def _modules(part: str) -> list[Path]:
    path = SRC / part
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("part", DOMAIN)
def test_domain_does_not_import_adapters(part):
    modules = _modules(part)
    assert modules, f"{part} has no modules"
    offending = [f"{m.relative_to(SRC)} imports {name}" for m in modules for name in _imports(m)
                 if name.startswith(ADAPTERS)]
    assert not offending, offending


def test_domain_never_imports_simpy_outside_the_line_simulation():
    # STYLE.md: "the domain never imports SimPy; SimPy processes call domain functions".
    offending = [str(m.relative_to(SRC)) for part in DOMAIN for m in _modules(part)
                 if any(n == "simpy" or n.startswith("simpy.") for n in _imports(m))
                 and "des" not in m.relative_to(SRC).parts and "linesim" not in m.name]
    assert not offending, offending
