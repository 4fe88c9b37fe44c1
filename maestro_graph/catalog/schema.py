"""The JSON Schema that ``maestro-graph schema`` prints: the model format with the catalog's words.

:func:`maestro_graph.model.json_schema` describes the format: field names, types, layers, flow
kinds. The catalog is a sibling of the model, not a stage of it, so the words only a catalog
knows are added here, as :mod:`maestro_graph.catalog.conformance` checks them: a component's
``kind`` is
one of the kinds of its layer, and ``controls`` are ids of catalog controls that can be placed
there (on a component, or on a flow). Every value carries its description in
``enumDescriptions``, which VS Code's JSON and YAML extensions (yaml-language-server) show when
they complete a value and on hover; validators ignore the keyword.

Examples
--------
>>> from maestro_graph.catalog import load_catalog
>>> schema = json_schema(load_catalog())
>>> on_l2 = schema["$defs"]["Component"]["allOf"][1]
>>> on_l2["if"]["properties"]["layer"]["anyOf"][1]
{'const': 2}
>>> on_l2["then"]["properties"]["kind"]["enum"][:2]
['vector_store', 'memory_store']
>>> "memory-isolation" in schema["$defs"]["ComponentControl"]["enum"]
True
"""

from __future__ import annotations

from typing import Any, Literal

from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.model import json_schema as format_schema
from maestro_graph.model import layer_spelling_schema
from maestro_graph.model.layers import Layer


def json_schema(catalog: Catalog | None = None) -> dict[str, Any]:
    """The JSON Schema of model files that conform to ``catalog``.

    The same file validates against it as :func:`maestro_graph.api.load_model` accepts with
    that catalog, except for the checks a schema cannot state (unique ids, flows between
    components that exist), which the loader reports with their lines.

    Parameters
    ----------
    catalog : Catalog, optional
        Whose kinds and controls the schema lists; default: the built-in catalog. A catalog with
        no controls leaves ``controls`` free strings, as the conformance check does.

    Returns
    -------
    dict
        A draft 2020-12 JSON Schema; the same catalog gives the same schema, key for key.

    Examples
    --------
    >>> from maestro_graph.catalog import load_catalog
    >>> schema = json_schema(load_catalog())
    >>> schema["$defs"]["Component"]["properties"]["controls"]["items"]
    {'$ref': '#/$defs/ComponentControl'}
    >>> "tool-use-scoping" in schema["$defs"]["FlowControl"]["enum"]
    True
    """
    catalog = load_catalog() if catalog is None else catalog
    schema = format_schema()
    definitions = schema["$defs"]
    component = definitions["Component"]
    component["properties"]["kind"]["description"] = (
        "What the component is: one of the kinds of its layer (the catalog's kinds.yaml; "
        "maestro-graph rules list --type kinds)"
    )
    # One condition per layer: the kind's enum depends on a sibling field, which JSON Schema
    # states with if/then, and editors then complete only the kinds of the layer written.
    component["allOf"] = [_kinds_of(catalog, layer) for layer in Layer]
    if catalog.controls:
        for place, name in (("component", "ComponentControl"), ("flow", "FlowControl")):
            definitions[name] = _controls_on(catalog, place)
            owner = definitions["Component" if place == "component" else "Flow"]
            owner["properties"]["controls"]["items"] = {"$ref": f"#/$defs/{name}"}
    return schema


def _kinds_of(catalog: Catalog, layer: Layer) -> dict[str, Any]:
    kinds = catalog.kinds_of(layer)
    return {
        "if": {"properties": {"layer": layer_spelling_schema(layer)}, "required": ["layer"]},
        "then": {
            "properties": {
                "kind": {
                    "enum": list(kinds),
                    "enumDescriptions": [catalog.kinds[kind].description for kind in kinds],
                }
            }
        },
    }


def _controls_on(catalog: Catalog, place: Literal["component", "flow"]) -> dict[str, Any]:
    controls = [control for control in catalog.controls.values() if place in control.placement]
    return {
        "title": f"{place.capitalize()} control",
        "description": f"A catalog control that can be placed on a {place}",
        "type": "string",
        "enum": [control.id for control in controls],
        "enumDescriptions": [
            f"{control.name} ({control.layer.value}): {control.description}"
            for control in controls
        ],
    }
