"""Dependencies point inward: the domain never imports storage, ingestion or interfaces.

docs/architecture.md: the domain packages (spec, materials, steps, twin, factory,
quality) and the foundations (units, checks, citations, references) must not import
gigatwin.store, gigatwin.ingest, gigatwin.trace, gigatwin.line, gigatwin.cli (nor the
api/web). Checked on the source text with ast, so a violation anywhere in a module (even
inside a function) is found; relative imports (``from ..store import x``) are resolved
against the module's package first. Every package of gigatwin is covered: a new one must
be placed in a layer below before the test passes.
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "gigatwin"
FOUNDATIONS = ("units.py", "checks.py", "citations.py", "references.py", "__init__.py")
DOMAIN = ("spec", "materials", "steps", "twin", "factory", "quality")
DATA = ("store", "ingest", "trace", "line")
INTERFACES = ("cli", "api", "web")
# What each layer may not import (inner layers never import outer ones).
FORBIDDEN = {
    **{part: DATA + INTERFACES for part in FOUNDATIONS + DOMAIN},
    **{part: INTERFACES for part in DATA},
    **{part: () for part in INTERFACES},
}


def _modules(part: str) -> list[Path]:
    path = SRC / part
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = ["gigatwin", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of_node(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Absolute names one import statement of module ``path`` brings in."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:      # relative: resolved against the module's package
        package = _module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        base = package[:len(package) - node.level + 1]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return [module] + [f"{module}.{alias.name}" for alias in node.names]


def imports(path: Path, source: str | None = None) -> list[str]:
    """Absolute names of every module ``path`` imports anywhere (relative ones resolved)."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    return [name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
            for name in imports_of_node(path, node)]


def test_every_package_has_a_layer():
    parts = {p.name for p in SRC.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    assert parts <= set(FORBIDDEN), f"place in a layer: {sorted(parts - set(FORBIDDEN))}"


def violations(part: str, sources: dict[Path, str] | None = None) -> list[str]:
    """What the modules of ``part`` import from the layers it may not import
    (``sources``: module path -> text, instead of reading the files)."""
    outer = tuple(f"gigatwin.{name}" for name in FORBIDDEN[part])
    texts = sources if sources is not None else {m: None for m in _modules(part)}
    return sorted({f"{m.relative_to(SRC)} imports {name}" for m, text in texts.items()
                   for name in imports(m, text)
                   if name in outer or name.startswith(tuple(o + "." for o in outer))})


@pytest.mark.parametrize("part", [p for p in FORBIDDEN if (SRC / p).exists()])
def test_inner_layers_do_not_import_outer_ones(part):
    assert _modules(part), f"{part} has no modules"
    offending = violations(part)
    assert not offending, offending


@pytest.mark.parametrize("source", ["from ..store import open_store\n",
                                    "from .. import store\n",
                                    "def f():\n    from ..store.backends import StoreError\n"])
def test_a_relative_import_into_store_is_caught(source):
    # The case the check once missed: `from ..store import open_store` inside quality/.
    module = SRC / "quality" / "capability.py"
    assert violations("quality", {module: source}), source
    assert not violations("quality", {module: "from . import rules\nfrom .. import checks\n"})
    names = imports(module, source="from . import rules\n")
    assert names == ["gigatwin.quality", "gigatwin.quality.rules"]


# Cycles known and not yet broken, each with its reason. The test fails on any other cycle,
# and when one of these is gone (then remove it here).
KNOWN_CYCLES: list[list[str]] = []


def test_no_import_cycles_between_modules():
    """Imports, including those inside functions, form no cycle between modules (but the
    known ones listed above)."""
    graph: dict[str, set[str]] = {}
    known = {_module_name(m) for m in SRC.rglob("*.py")}
    for path in SRC.rglob("*.py"):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        deps = set()
        for node in top:
            for target in imports_of_node(path, node):
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    deps.add(target)
        graph[name] = deps
    cycles = _cycles(graph)
    assert sorted(cycles) == sorted(KNOWN_CYCLES), cycles


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_domain_never_imports_simpy_outside_the_line_simulation():
    # docs/architecture.md: the domain never imports SimPy; SimPy processes call domain functions.
    offending = [str(m.relative_to(SRC)) for part in DOMAIN + FOUNDATIONS
                 for m in _modules(part)
                 if any(n == "simpy" or n.startswith("simpy.") for n in imports(m))
                 and "des" not in m.relative_to(SRC).parts and "linesim" not in m.name]
    assert not offending, offending
