"""BloodHound OpenGraph export (``--to bloodhound``): components as nodes, flows and attack
reach as edges, in the JSON data payload BloodHound (Community and Enterprise) uploads.

The payload is *generic* OpenGraph data: it needs no extension schema, and BloodHound's Cypher
search sees it as soon as it is ingested (e.g. ``MATCH p=(:Maestro_Component {entry: true})
-[:Maestro_CanCompromise*1..]->(:Maestro_Component {criticality: 5}) RETURN p``).

Kinds follow OpenGraph's rules: letters, digits and ``_`` only, with a ``Maestro_`` prefix so
they never meet BloodHound's own kinds, at most three per node.

===========================  ================================================================
node ``id``                  ``maestro:<system slug>:<component id>``: unique across models, so
                             several systems can share one BloodHound database
node ``kinds``               ``Maestro_Component``, the layer (``Maestro_L3``) and the kind in
                             PascalCase (``vector_store`` -> ``Maestro_VectorStore``)
node ``properties``          ``name``, ``component_id``, ``system``, ``layer``, ``layer_name``,
                             ``kind``, ``exposure``, ``trust``, ``criticality``, ``owner`` (when
                             set), ``controls`` and ``tags`` (arrays of text, possibly empty),
                             ``properties_json`` (the free key/values as JSON text), ``entry``
                             (the attacker starts here)
flow edges                   one per flow, its kind ``Maestro_`` + the flow kind in PascalCase:
                             ``Maestro_Data``, ``Maestro_Invokes``, ``Maestro_Delegates``,
                             ``Maestro_Hosts``, ``Maestro_Supplies``, ``Maestro_Telemetry``,
                             ``Maestro_Authorizes``, ``Maestro_Governs``; properties ``kind``,
                             ``label`` (when set), ``controls``
``Maestro_CanCompromise``    from component A to component B when at least one transition of
                             the attack graph goes from a state at A to a state at B, whichever
                             way the flow it uses points; properties ``likelihood`` (the most
                             likely such step), ``cost`` (its ``-ln likelihood``), ``steps``
                             (how many transitions), ``rules`` and ``threats`` (the rules and
                             the threats reached at B, sorted). Steps within one component are
                             not edges.
===========================  ================================================================

``metadata.source_kind`` is ``Maestro_Component``: BloodHound adds the source kind to every node
it ingests, and every node already has it, so no node gets a fourth kind. Property values are
text, numbers, booleans or arrays of text, never null or nested (OpenGraph refuses those):
an unset owner or label is left out.

Examples
--------
>>> import json
>>> import maestro_graph as mg
>>> payload = json.loads(render_bloodhound(mg.analyze(mg.example("netmon"))))
>>> payload["graph"]["nodes"][0]["kinds"]
['Maestro_Component', 'Maestro_L1', 'Maestro_FoundationModel']
>>> sorted({edge["kind"] for edge in payload["graph"]["edges"]})[:3]
['Maestro_Authorizes', 'Maestro_CanCompromise', 'Maestro_Data']
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from maestro_graph.io.exporters import ExportFormat

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis
    from maestro_graph.engine.propagation import AttackGraph
    from maestro_graph.model import Component, Flow

#: The prefix of every kind this export writes.
KIND_PREFIX = "Maestro_"
#: Every component node's first kind, and the payload's source kind.
COMPONENT_KIND = "Maestro_Component"
#: The attack-reach edge between two components.
CAN_COMPROMISE = "Maestro_CanCompromise"
#: What OpenGraph accepts as a kind.
KIND_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")


def kind_name(text: str) -> str:
    """``Maestro_`` + ``text`` in PascalCase with everything but letters and digits dropped.

    Examples
    --------
    >>> kind_name("vector_store")
    'Maestro_VectorStore'
    >>> kind_name("L3")
    'Maestro_L3'
    """
    words = re.split(r"[^A-Za-z0-9]+", text)
    return KIND_PREFIX + "".join(word[:1].upper() + word[1:] for word in words)


def node_id(system_name: str, component_id: str) -> str:
    """The node id of a component: ``maestro:<system slug>:<component id>``, the slug being the
    system name in lower-case ASCII letters and digits joined by ``-``.

    Examples
    --------
    >>> node_id("Tiny RAG", "kb")
    'maestro:tiny-rag:kb'
    """
    ascii_name = unicodedata.normalize("NFKD", system_name).encode("ascii", "ignore").decode()
    system_slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "system"
    return f"maestro:{system_slug}:{component_id}"


def render_bloodhound(analysis: Analysis) -> str:
    """The model and its attack reach as a BloodHound OpenGraph JSON payload.

    Parameters
    ----------
    analysis : Analysis
        The analysed model; its attack graph is built if it was not yet.

    Returns
    -------
    str
        JSON text of ``{"metadata": ..., "graph": {"nodes": [...], "edges": [...]}}``, one
        node or edge a line; see the module's table.

    Examples
    --------
    >>> import json
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("rag-agent"))
    >>> graph = json.loads(render_bloodhound(analysis))["graph"]
    >>> len(graph["nodes"]) == len(analysis.model.components)
    True
    """
    model = analysis.model
    ids = {c.id: node_id(model.name, c.id) for c in model.components}
    entries = {c.id for c in model.entry_components()}
    nodes = [_component_node(c, ids[c.id], model.name, c.id in entries) for c in model.components]
    edges = [_flow_edge(flow, ids) for flow in model.flows]
    edges.extend(_reach_edges(analysis.attack_graph, ids))
    return "".join(
        [
            "{\n",
            f'  "metadata": {_json({"source_kind": COMPONENT_KIND})},\n',
            '  "graph": {\n',
            f'    "nodes": {_json_list(nodes)},\n',
            f'    "edges": {_json_list(edges)}\n',
            "  }\n",
            "}\n",
        ]
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_list(items: list[dict]) -> str:
    """A JSON array with one item a line (json.dumps with ``indent`` is many times slower)."""
    if not items:
        return "[]"
    return "[\n      " + ",\n      ".join(_json(item) for item in items) + "\n    ]"


def _component_node(component: Component, identifier: str, system: str, entry: bool) -> dict:
    kinds = [COMPONENT_KIND, kind_name(component.layer.value), kind_name(component.kind)]
    properties: dict[str, Any] = {
        "name": component.name,
        "component_id": component.id,
        "system": system,
        "layer": component.layer.value,
        "layer_name": component.layer.info.name,
        "kind": component.kind,
        "exposure": component.exposure.value,
        "trust": component.trust.value,
        "criticality": component.criticality,
        "owner": component.owner,
        "controls": list(component.controls),
        "tags": list(component.tags),
        "properties_json": json.dumps(
            component.properties, sort_keys=True, ensure_ascii=False, default=str
        ),
        "entry": entry,
    }
    return {"id": identifier, "kinds": list(dict.fromkeys(kinds)), "properties": _set(properties)}


def _endpoint(identifier: str) -> dict[str, str]:
    return {"value": identifier, "match_by": "id"}


def _flow_edge(flow: Flow, ids: Mapping[str, str]) -> dict:
    properties = {"kind": flow.kind.value, "label": flow.label, "controls": list(flow.controls)}
    return {
        "start": _endpoint(ids[flow.source]),
        "end": _endpoint(ids[flow.target]),
        "kind": kind_name(flow.kind.value),
        "properties": _set(properties),
    }


def _reach_edges(graph: AttackGraph, ids: Mapping[str, str]) -> list[dict]:
    """One ``Maestro_CanCompromise`` edge per ordered pair of distinct components that some
    transition joins, in the order of the model's components (source, then target)."""
    steps = graph.steps
    if len(steps) == 0:
        return []
    component_ids = [c.id for c in graph.model.components]
    threat_ids = [state.threat.id for state in graph.states]
    rule_ids = [rule.id for rule in steps.rules]
    source = graph.state_component[steps.source]
    target = graph.state_component[steps.target]
    between = source != target
    pair = source[between] * len(component_ids) + target[between]
    likelihood = steps.likelihood[between]
    rules = steps.rule[between]
    reached = steps.target[between]
    pairs, group = np.unique(pair, return_inverse=True)
    best = np.zeros(len(pairs))
    np.maximum.at(best, group, likelihood)
    counts = np.bincount(group, minlength=len(pairs))
    rules_of: list[set[str]] = [set() for _ in pairs]
    threats_of: list[set[str]] = [set() for _ in pairs]
    for position, rule, state in zip(group.tolist(), rules.tolist(), reached.tolist(), strict=True):
        rules_of[position].add(rule_ids[rule])
        threats_of[position].add(threat_ids[state])
    edges = []
    costs = (-np.log(best) + 0.0).tolist()
    for position, (key, chance, cost, count) in enumerate(
        zip(pairs.tolist(), best.tolist(), costs, counts.tolist(), strict=True)
    ):
        start, end = divmod(key, len(component_ids))
        properties = {
            "likelihood": chance,
            "cost": cost,
            "steps": count,
            "rules": sorted(rules_of[position]),
            "threats": sorted(threats_of[position]),
        }
        edges.append(
            {
                "start": _endpoint(ids[component_ids[start]]),
                "end": _endpoint(ids[component_ids[end]]),
                "kind": CAN_COMPROMISE,
                "properties": properties,
            }
        )
    return edges


def _set(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The properties without the unset ones (OpenGraph has no null)."""
    return {name: value for name, value in properties.items() if value is not None}


FORMAT = ExportFormat("bloodhound", "BloodHound OpenGraph JSON", ".json", render_bloodhound)
