"""Exports of the specification: JSON Schema, JSON-LD, Markdown and HTML tables, gap report.

- JSON Schema (draft 2020-12) of the record format, one schema per step: the key is
  one of the step's keys; for each key, the value type, and the physical limits when
  the value is given in the SI unit.
- JSON-LD of the whole specification: an ``@context`` mapping gigatwin's terms to
  RDFS/SKOS/Dublin Core and the gigatwin namespace; one node per parameter, typed
  ``gt:ManufacturingParameter``, with label, key, step, role, unit, measurement,
  online/offline and, where EMMO/BattINFO has a matching term, ``skos:closeMatch`` to it.
- Markdown and HTML tables laid out like seed 002's Tables 5-12: category (MP/PP/SP),
  parameter, the model families it matters to, measurement, accuracy, online/offline.
- The gap report: parameters that models need but the line measures only offline or not
  at all (seed 002, Section 5).
"""

from __future__ import annotations

import html
from typing import Any

from gigatwin.spec.model import MODEL_FAMILIES, ROLES, Parameter
from gigatwin.spec.registry import GIGATWIN_NS, Registry

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(registry: Registry, step: str) -> dict[str, Any]:
    """JSON Schema of a record of ``step``."""
    params = registry.step_parameters(step)
    conditions = [_key_condition(p) for p in params]
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"{GIGATWIN_NS.rstrip('#')}/schema/{step}.json",
        "title": f"gigatwin record: {registry.steps[step].name}",
        "description": "One measurement or setting of a manufacturing step, as accepted by "
                       "gigatwin's record validation (gigatwin.spec.validate_record).",
        "type": "object",
        "required": ["key", "value", "ts"],
        "additionalProperties": False,
        "properties": {
            "key": {"enum": [name for p in params for name in _names(p)],
                    "description": "specification key, or cathode./anode. + key (the "
                                   "electrode qualifier)"},
            "value": {"type": ["number", "string"]},
            "unit": {"type": "string", "description": "a unit pint parses, of the key's dimension"},
            "ts": {"type": "string", "format": "date-time"},
            "asset": {"type": "string"},
            "product": {"type": "string"},
            "id": {"type": "string", "description": "message id, for idempotent ingestion"},
        },
        "allOf": conditions,
    }


def _names(p: Parameter) -> list[str]:
    """The key and its electrode-qualified forms (gigatwin.spec.vocabulary)."""
    return [p.key, *(f"{e}.{p.key}" for e in ("cathode", "anode"))]


def _key_condition(p: Parameter) -> dict[str, Any]:
    if p.kind == "category":
        then: dict[str, Any] = {"properties": {"value": {"enum": list(p.choices or ())}}}
    elif p.kind == "text":
        then = {"properties": {"value": {"type": "string", "minLength": 1}}}
    else:
        then = {"properties": {"value": {"type": "number"}}}
        if p.unit != "1":
            then["required"] = ["unit"]
    schema: dict[str, Any] = {
        "if": {"properties": {"key": {"enum": _names(p)}}, "required": ["key"]},
        "then": then,
        "description": f"{p.label} [{p.unit}]",
    }
    limits = _limits_in_si(p)
    if limits:
        si_units = [p.unit, ""] if p.unit == "1" else [p.unit]
        schema = {"allOf": [schema, {
            "if": {"properties": {"key": {"enum": _names(p)}, "unit": {"enum": si_units}},
                   "required": ["key", "unit"]},
            "then": {"properties": {"value": limits}},
        }]}
    return schema


def _limits_in_si(p: Parameter) -> dict[str, float]:
    r = p.physical
    if not p.is_quantity or r is None:
        return {}
    limits: dict[str, float] = {}
    if r.lower is not None:
        limits["minimum" if r.lower_inclusive else "exclusiveMinimum"] = r.lower
    if r.upper is not None:
        limits["maximum" if r.upper_inclusive else "exclusiveMaximum"] = r.upper
    return limits


def json_schemas(registry: Registry) -> dict[str, dict[str, Any]]:
    return {s.key: json_schema(registry, s.key) for s in registry.ordered_steps()}


JSONLD_CONTEXT: dict[str, Any] = {
    "gt": GIGATWIN_NS,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "emmo": "https://w3id.org/emmo#",
    "label": "rdfs:label",
    "description": "dcterms:description",
    "key": "gt:key",
    "step": {"@id": "gt:step", "@type": "@id"},
    "substep": "gt:substep",
    "role": "gt:role",
    "unit": "gt:siUnit",
    "displayUnit": "gt:displayUnit",
    "measurement": {"@id": "gt:measurementTechnique", "@container": "@set"},
    "accuracy": "gt:accuracy",
    "online": "gt:measuredOnline",
    "models": {"@id": "gt:relevantToModelFamily", "@container": "@set"},
    "closeMatch": {"@id": "skos:closeMatch", "@type": "@id"},
    "seedRow": {"@id": "gt:seedTableRow", "@container": "@set"},
    "order": {"@id": "gt:order", "@type": "xsd:integer"},
}


def jsonld(registry: Registry) -> dict[str, Any]:
    """The whole specification as a JSON-LD document (parses with rdflib)."""
    graph: list[dict[str, Any]] = []
    for step in registry.ordered_steps():
        graph.append({"@id": f"gt:step/{step.key}", "@type": "gt:ManufacturingStep",
                      "label": step.name, "key": step.key, "description": step.description,
                      "order": step.order})
    for p in registry.parameters.values():
        node: dict[str, Any] = {
            "@id": f"gt:{p.key}",
            "@type": "gt:ManufacturingParameter",
            "label": p.label,
            "key": p.key,
            "description": p.description,
            "step": f"gt:step/{p.step}",
            "role": p.role,
            "unit": p.unit,
            "displayUnit": p.display_unit,
            "measurement": list(p.measurement),
            "online": p.online,
            "models": list(p.models),
        }
        if p.substep:
            node["substep"] = p.substep
        if p.accuracy or p.accuracy_note:
            node["accuracy"] = p.accuracy or p.accuracy_note
        if p.iri and not p.iri.startswith(GIGATWIN_NS):
            node["closeMatch"] = p.iri
        if p.seed_rows:
            node["seedRow"] = list(p.seed_rows)
        graph.append(node)
    return {"@context": JSONLD_CONTEXT, "@graph": graph}


# -- tables laid out like seed 002's Tables 5-12 ---------------------------------------

TABLE_COLUMNS = ("Category", "Parameter", *MODEL_FAMILIES, "Measurability", "Accuracy",
                 "Online/Offline", "SI unit", "Key")


def _rows(registry: Registry, step: str) -> list[list[str]]:
    rows = []
    previous_role = None
    params = sorted(registry.step_parameters(step), key=lambda p: list(ROLES).index(p.role))
    for p in params:
        role = p.role if p.role != previous_role else ""
        previous_role = p.role
        accuracy = f"± {p.accuracy}" if p.accuracy else (p.accuracy_note or "–")
        rows.append([
            role, p.label, *("✓" if m in p.models else "" for m in MODEL_FAMILIES),
            ", ".join(p.measurement) or "–", accuracy, p.online.capitalize(), p.unit, p.key,
        ])
    return rows


def markdown(registry: Registry) -> str:
    out = ["# gigatwin manufacturing data specification", "",
           "Laid out like Zanotto et al. (2022), Tables 5-12. MP: machine parameter; PP: process "
           "parameter; SP: structure parameter. A tick marks the model families the parameter "
           "matters to.", ""]
    for step in registry.ordered_steps():
        out += [f"## {step.name}", "", step.description, "", f"Source: {step.source}", ""]
        out.append("| " + " | ".join(TABLE_COLUMNS) + " |")
        out.append("|" + "---|" * len(TABLE_COLUMNS))
        for row in _rows(registry, step.key):
            out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        out.append("")
    return "\n".join(out)


def html_tables(registry: Registry) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in TABLE_COLUMNS)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>gigatwin manufacturing data specification</title><style>",
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}",
        "th,td{border:1px solid #999;padding:3px 6px;font-size:13px}th{background:#eee}",
        "td.role{font-weight:bold}</style></head><body>",
        "<h1>gigatwin manufacturing data specification</h1>",
        "<p>Laid out like Zanotto et al. (2022), Tables 5-12.</p>",
    ]
    for step in registry.ordered_steps():
        parts.append(f"<h2 id='{step.key}'>{html.escape(step.name)}</h2><p>{html.escape(step.description)}</p>")
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
        for row in _rows(registry, step.key):
            cells = [f"<td class='role'>{html.escape(row[0])}</td>"] + [f"<td>{html.escape(c)}</td>" for c in row[1:]]
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


# -- gap report ------------------------------------------------------------------------

def gaps(registry: Registry) -> list[Parameter]:
    """Parameters that models need but the line measures only offline or not at all.

    "Models need" = the specification names at least one model family for it, or the
    parameter is an input of a structure prediction (every MP and PP a model uses).
    Ordered by step, then not-measurable before offline.
    """
    order = {s.key: s.order for s in registry.steps.values()}
    needed = [p for p in registry.parameters.values() if p.models and p.online in ("offline", "none")]
    return sorted(needed, key=lambda p: (order[p.step], p.online != "none", p.key))


def gaps_markdown(registry: Registry) -> str:
    rows = gaps(registry)
    out = ["# Measurement gaps", "",
           f"{len(rows)} parameters that models need but the line can measure only offline or not at all.", "",
           "| Step | Parameter | Key | Role | Measurable | Models | Measurement today |",
           "|---|---|---|---|---|---|---|"]
    for p in rows:
        out.append(f"| {registry.steps[p.step].name} | {p.label} | {p.key} | {p.role} | "
                   f"{'not at all' if p.online == 'none' else 'offline only'} | {', '.join(p.models)} | "
                   f"{', '.join(p.measurement) or '–'} |")
    return "\n".join(out) + "\n"
