"""One physics: the factory defines no physical constant or material property that the
step models (gigatwin.steps) or the materials data (gigatwin.materials) already hold.

The test walks every module of gigatwin.factory with ``ast`` and checks (1) that no
module-level constant or function shares its name with one of steps/ or materials/, and
(2) that no number written in the factory's code lies within 1 % of a physical number of
steps/ or materials/: their module-level constants, the numbers with four or more
significant digits in their code (published coefficients such as Magnus' 610.94), and
every value of the materials data in SI with three or more significant digits. Round
numbers (one significant digit: 2000 Pa, 0.5), whole numbers below 1000 (counts, figure
sizes) and years are not properties and are left out. It fails on the factory of 2026-11-28,
which kept air at 1006 J/(kg K), NMP at 5.3e5 J/kg and its own Magnus formula.
"""

import ast
from pathlib import Path

import pytest

from gigatwin import materials

SRC = Path(__file__).resolve().parents[2] / "src" / "gigatwin"


def _significant_digits(x: float) -> int:
    text = f"{abs(x):.12e}".split("e")[0].replace(".", "").rstrip("0")
    return len(text)


def _numbers(tree) -> list[tuple[float, int]]:
    return [(float(n.value), n.lineno) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and type(n.value) in (int, float)]


def _module_names(tree) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign) and _numeric(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()}
    return names


def _numeric(value) -> bool:
    """An expression made of numbers only (a constant, a dict or arithmetic of numbers)."""
    parts = list(ast.walk(value))
    return any(isinstance(n, ast.Constant) and type(n.value) in (int, float) for n in parts) \
        and not any(isinstance(n, ast.Name | ast.Call | ast.Attribute) for n in parts)


def _physics_modules():
    return [*sorted((SRC / "steps").glob("*.py")), *sorted((SRC / "materials").glob("*.py"))]


def _reference_numbers() -> dict[float, str]:
    """Physical numbers of steps/ and materials/ -> where they are defined."""
    out = {}
    for path in _physics_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and type(node.value.value) in (int, float):
                out[float(node.value.value)] = f"{path.name}:{node.lineno}"
        for value, line in _numbers(tree):
            if _significant_digits(value) >= 4:
                out.setdefault(value, f"{path.name}:{line}")
    for kind, records in materials.all_records().items():
        for name, record in records.items():
            for field, value in vars(record).items():
                if isinstance(value, float) and _significant_digits(value) >= 3:
                    out.setdefault(value, f"materials {kind} {name}.{field}")
    return out


def _factory_modules(root: Path = SRC / "factory"):
    """Every module of gigatwin.factory but plots.py (figure sizes and margins only)."""
    return sorted(p for p in root.rglob("*.py") if p.name != "plots.py")


def _copies(paths, reference) -> list[str]:
    found = []
    for path in paths:
        for value, line in _numbers(ast.parse(path.read_text(encoding="utf-8"))):
            if _significant_digits(value) < 2 or value.is_integer() and abs(value) < 1000 \
                    or value.is_integer() and 1900 <= value <= 2100:
                continue  # round numbers, counts and sizes, years of citations
            for ref, where in reference.items():
                if ref != 0 and abs(value - ref) <= 0.01 * abs(ref):
                    found.append(f"{path.name}:{line} {value:g} ~ {ref:g} ({where})")
    return found


def test_no_factory_name_repeats_a_physics_name():
    physics = set().union(*(_module_names(ast.parse(p.read_text(encoding="utf-8")))
                            for p in _physics_modules()))
    clashes = {f"{p.name}: {name}" for p in _factory_modules()
               for name in _module_names(ast.parse(p.read_text(encoding="utf-8")))
               if name in physics}
    assert not clashes, sorted(clashes)


def test_no_factory_number_copies_a_physical_constant_or_material_property():
    assert _copies(_factory_modules(), _reference_numbers()) == []


def test_the_check_finds_the_copies_it_was_written_for(tmp_path):
    """The factory's energy module as it was (air 1006 J/(kg K), Magnus coefficients, the
    latent heat of NMP, 101325 Pa) is caught: the test can fail."""
    old = tmp_path / "energy.py"
    old.write_text('AIR_HEAT_CAPACITY = 1006.0\nATMOSPHERE = 101325.0\n'
                   'LATENT_HEAT = {"nmp": 5.3e5, "water": 2.26e6}\n'
                   'def f(t):\n    return 610.94 * (17.625 * t / (t + 243.04)) * 0.622\n',
                   encoding="utf-8")
    found = " ".join(_copies([old], _reference_numbers()))
    for text in ("1006 ~ 1007", "101325", "530000 ~ 528000", "610.94", "17.625", "243.04"):
        assert text in found, (text, found)
    names = _module_names(ast.parse(old.read_text(encoding="utf-8")))
    assert {"AIR_HEAT_CAPACITY", "ATMOSPHERE"} <= names


@pytest.mark.parametrize("module", ["energy", "model"])
def test_factory_energy_uses_the_twin_modules(module):
    """The dryer, recovery and dry-room loads import the step models and materials."""
    text = (SRC / "factory" / f"{module}.py").read_text(encoding="utf-8")
    assert "from gigatwin.steps import" in text or "energy." in text
