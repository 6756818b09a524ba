"""Write a recipe as commented YAML: every setting line says what its spec key is.

Used by ``gigatwin recipe new`` (a recipe from a chemistry and a format template) and
``gigatwin recipe upgrade`` (a recipe in the old names rewritten in spec keys). Each
setting is followed by a comment with the spec label and display unit of its key, so a
recipe explains itself; ``gigatwin spec show KEY`` says the rest.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from gigatwin.spec.registry import load_registry
from gigatwin.twin.recipe import METADATA, PROTOCOLS

TEMPLATE_PACKAGE = "gigatwin.twin.templates"
SECTION_NOTES = {
    "cathode": "positive electrode: formulation and the settings of each electrode step",
    "anode": "negative electrode",
    "cell": "cell design: format, dimensions, housing, open-circuit voltage",
    "assembly": "stacking or winding, tab welding, separator",
    "electrolyte_filling": "electrolyte, dosing and wetting",
    "formation": "formation protocol and SEI parameters",
    "aging_eol": "aging and the end-of-line test",
    "spec_limits": "limits of outputs ([electrode.]key); a sample outside fails its step",
}
COMMENT_COLUMN = 52

# libyaml's parser when installed (about 10x faster than the pure-Python one)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    if text.endswith("..."):
        text = text[:-3].strip()
    if isinstance(value, str) and "+-" in value and not text.startswith(("'", '"')):
        text = f'"{value}"'
    return text


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _note(key: str) -> str:
    param = load_registry().parameters.get(key)
    if param is None:
        return ""
    # a dimensionless value is written as a fraction, whatever its display unit (%, ppm)
    unit = "" if param.unit == "1" or param.kind != "quantity" else f" [{param.display_unit}]"
    return f"{param.label}{unit}"


def _line(indent: str, key: str, value: str, note: str) -> str:
    text = f"{indent}{key}: {value}"
    if not note:
        return text
    return f"{text.ljust(COMMENT_COLUMN)}  # {note}" if len(text) < COMMENT_COLUMN + 30 \
        else f"{text}  # {note}"


def dump_recipe(raw: dict, header: str = "") -> str:
    """Commented YAML text of a recipe mapping (sections in the order given)."""
    lines = [f"# {h}" if h else "#" for h in header.splitlines()]
    for key in METADATA:
        if key in raw:
            lines.append(yaml.safe_dump({key: raw[key]}, sort_keys=False, width=88).rstrip())
    for section, body in raw.items():
        if section in METADATA:
            continue
        lines += ["", f"# {SECTION_NOTES.get(section, section)}", f"{section}:"]
        if not isinstance(body, dict):
            lines[-1] = f"{section}: {_flow(body)}"
            continue
        for key, value in body.items():
            if section == "spec_limits":
                lines.append(_line("  ", key, _flow(value), ""))
            elif key in PROTOCOLS and isinstance(value, list):
                lines.append(_line("  ", key, "", _note(key)).replace(": ", ":", 1))
                lines += [f"    - {_flow(step)}" for step in value]
            elif isinstance(value, dict) and "value" not in value:
                lines.append(_line("  ", key, "", _note(key)).replace(": ", ":", 1))
                lines += [f"    {k}: {_flow(v)}" for k, v in value.items()]
            else:
                lines.append(_line("  ", key, _flow(value), _note(key)))
    return "\n".join(lines).rstrip() + "\n"


def template_names(kind: str) -> list[str]:
    """Shipped templates of ``kind`` (``chemistry`` or ``format``)."""
    files = resources.files(TEMPLATE_PACKAGE)
    prefix = f"{kind}_"
    return sorted(f.name[len(prefix):-5] for f in files.iterdir()
                  if f.name.startswith(prefix) and f.name.endswith(".yaml"))


def load_template(kind: str, name: str) -> dict:
    text = resources.files(TEMPLATE_PACKAGE).joinpath(f"{kind}_{name}.yaml").read_text("utf-8")
    return yaml.load(text, Loader=YAML_LOADER)


def new_recipe(cell_format: str, chemistry: str) -> dict:
    """A recipe mapping from a chemistry template (electrodes, electrolyte, formation) and
    a format template (cell design, assembly)."""
    chem, fmt = load_template("chemistry", chemistry), load_template("format", cell_format)
    raw: dict = {"name": f"{chem['name']} {fmt['name']}",
                 "description": f"{chem['description']} {fmt['description']}",
                 "sources": {**chem.get("sources", {}), **fmt.get("sources", {})}}
    for section in ("cathode", "anode", "cell", "assembly", "electrolyte_filling",
                    "formation", "aging_eol", "spec_limits"):
        merged = {**(fmt.get(section) or {}), **(chem.get(section) or {})}
        if merged:
            raw[section] = merged
    return raw
