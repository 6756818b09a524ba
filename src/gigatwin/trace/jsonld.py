"""A cell's record as JSON-LD: design, genealogy (with roll positions) and measurements.

Vocabularies: PROV-O for genealogy (``prov:wasDerivedFrom``), SOSA for measurements
(``sosa:Observation`` with ``sosa:observedProperty`` = the spec parameter's IRI, e.g. an
EMMO class), QUDT for the SI value and unit. Objects are ``urn:gigatwin:object:<id>``.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from gigatwin.trace.genealogy import trace

CONTEXT = {
    "prov": "http://www.w3.org/ns/prov#",
    "sosa": "http://www.w3.org/ns/sosa/",
    "qudt": "http://qudt.org/schema/qudt/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gt": "https://w3id.org/gigatwin/linedata#",
    "kind": "gt:kind",
    "generation": {"@id": "gt:generation", "@type": "xsd:integer"},
    "design": {"@id": "gt:design", "@type": "@json"},
    "positionRange": {"@id": "gt:positionRange", "@container": "@list"},
    "fromMetre": {"@id": "gt:fromMetre", "@type": "xsd:double"},
    "toMetre": {"@id": "gt:toMetre", "@type": "xsd:double"},
    "wasDerivedFrom": {"@id": "prov:wasDerivedFrom", "@type": "@id"},
    "observations": {"@reverse": "sosa:hasFeatureOfInterest"},
    "observedProperty": {"@id": "sosa:observedProperty", "@type": "@id"},
    "resultTime": {"@id": "sosa:resultTime", "@type": "xsd:dateTime"},
    "numericValue": {"@id": "qudt:numericValue", "@type": "xsd:double"},
    "unitText": "gt:siUnit",
    "textValue": "sosa:hasSimpleResult",
    "key": "gt:specKey",
    "quality": "gt:quality",
}


def object_iri(object_id: str) -> str:
    return "urn:gigatwin:object:" + quote(object_id, safe="-_.")


def _observations(store, object_id: str, registry) -> list[dict]:
    result = []
    for m in store.measurements_of(object_id):
        param = registry.get(m["key"])  # a key or an electrode-qualified key
        item = {"@type": "sosa:Observation", "key": m["key"],
                "observedProperty": param.iri if param and param.iri else f"gt:{m['key']}",
                "resultTime": m["ts"].isoformat(), "quality": m["quality"], "unitText": m["unit"]}
        if m["text_value"] is not None:
            item["textValue"] = m["text_value"]
        else:
            item["numericValue"] = m["value"]
        result.append(item)
    return result


def cell_record(store, cell_id: str, registry=None) -> dict:
    """The JSON-LD document of ``cell_id`` and everything upstream of it."""
    from gigatwin.spec import load_registry

    registry = registry or load_registry()
    reached = trace(store, cell_id)
    parents = _parents(store, [r.object_id for r in reached])
    graph = []
    for node in reached:
        obj = store.object(node.object_id) or {}
        entry = {"@id": object_iri(node.object_id), "@type": "prov:Entity", "kind": node.kind,
                 "generation": node.generation}
        if obj.get("attributes"):
            entry["design"] = json.loads(obj["attributes"])
        ranges = node.as_dict()["ranges_m"]
        if ranges:
            entry["positionRange"] = [{"fromMetre": lo, "toMetre": hi} for lo, hi in ranges]
        if parents.get(node.object_id):
            entry["wasDerivedFrom"] = [object_iri(p) for p in sorted(parents[node.object_id])]
        observations = _observations(store, node.object_id, registry)
        if observations:
            entry["observations"] = observations
        graph.append(entry)
    return {"@context": CONTEXT, "@graph": graph}


def _parents(store, object_ids: list[str]) -> dict[str, set[str]]:
    rows = store.query(
        "SELECT g.child_id, g.parent_id FROM genealogy g JOIN objects c ON c.object_pk = g.child_pk "
        "WHERE c.object_id = ANY(?)", (object_ids,))
    parents: dict[str, set[str]] = {}
    for child, parent in rows:
        parents.setdefault(child, set()).add(parent)
    return parents
