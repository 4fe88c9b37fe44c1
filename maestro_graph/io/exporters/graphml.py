"""GraphML exports: the architecture (``--to graphml``) and the attack graph
(``--to graphml-attack``), for yEd, Gephi, Cytoscape, networkx and other graph tools.

Both are directed graphs written in a fixed order (components and flows as in the model,
states and transitions by index), so the same model always gives the same bytes. Lists are
written as text joined by ``,``; an empty text or a missing value (no owner, no label) is left
out rather than written empty, so a reader sees no attribute at all.

Architecture (``graphml``)

==============  ===========================================================================
graph           ``name`` (system name), ``description``, ``catalog_version``
node            one per component, its id the component id: ``id``, ``name``, ``layer``
                (``L1``..``L7``), ``layer_name``, ``kind``, ``exposure``, ``trust``,
                ``criticality`` (int), ``owner``, ``controls``, ``tags``, ``properties``
                (the free key/values as JSON), ``entry`` (bool: the attacker starts here)
edge            one per flow (``f0``, ``f1``, ... in model order): ``kind``, ``label``,
                ``controls``; two flows of different kinds between the same components are
                two parallel edges
==============  ===========================================================================

Attack graph (``graphml-attack``)

==============  ===========================================================================
graph           ``name``, ``catalog_version``, ``states``, ``transitions``
node            one per attack state, its id ``"<component>/<threat>"``: ``component``,
                ``threat``, ``threat_name``, ``layer`` and ``kind`` (the component's),
                ``impact``, ``likelihood`` (the threat's own, after controls), ``entry``
                (bool: an attacker entry state) and, at entries, ``entry_likelihood``
edge            one per transition (``t0``, ``t1``, ... by index): ``rule``, ``direction``
                (``forward``, ``reverse``, ``self``), ``flow_kind`` and ``flow`` (none for a
                step within one component), ``likelihood``, ``cost`` (``-ln likelihood``, the
                weight the chain search adds up), ``controls`` (those lowering the step)
==============  ===========================================================================

XML 1.0 cannot carry most control characters (U+0000 to U+001F other than tab, line feed and
carriage return); a name that holds one is written with U+FFFD in its place.

Examples
--------
>>> import networkx as nx
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("netmon"))
>>> graph = nx.parse_graphml(render_architecture(analysis))
>>> graph.number_of_nodes() == len(analysis.model.components)
True
>>> attack = nx.parse_graphml(render_attack_graph(analysis))
>>> attack.number_of_edges() == analysis.attack_graph.transition_count
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from maestro_graph.io.exporters import ExportFormat
from maestro_graph.io.exporters._attack import state_ids, step_table

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis

_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
    ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)
# Characters XML 1.0 forbids outright (U+FFFE/U+FFFF and lone surrogates included).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A parser turns a raw carriage return into a line feed, and tab or line feed in an attribute
# into a space: character references keep them.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
     "\t": "&#9;"}
)  # fmt: skip

Value = str | int | float | bool | None


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value).translate(_TEXT_ESCAPES)


def _attribute(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value).translate(_ATTRIBUTE_ESCAPES)


def _literal(value: str | int | float | bool) -> str:
    """A value as GraphML text: ``true``/``false``, ``repr`` of a float (exact), escaped text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return _text(value)


@dataclass(frozen=True)
class _Key:
    """One declared attribute: where it goes (graph, node or edge), its name and type."""

    domain: str
    name: str
    type: str

    @property
    def id(self) -> str:
        return f"{self.domain[0]}_{self.name}"

    def declaration(self) -> str:
        return (
            f'  <key id="{self.id}" for="{self.domain}" attr.name="{self.name}"'
            f' attr.type="{self.type}"/>\n'
        )


def _keys(domain: str, names_and_types: str) -> tuple[_Key, ...]:
    """``"name:string kind:string"`` as keys of one domain."""
    return tuple(_Key(domain, *pair.split(":")) for pair in names_and_types.split())


class _Writer:
    """Collects GraphML lines; values that are None or empty text are left out.

    Each distinct ``<data>`` line and id attribute is escaped once: an attack graph repeats the
    same rules, flows, state ids and likelihoods over hundreds of thousands of edges.
    """

    def __init__(self, keys: Iterable[_Key]) -> None:
        self.keys = {(key.domain, key.name): key for key in keys}
        self.parts: list[str] = [_HEADER]
        self.parts.extend(key.declaration() for key in self.keys.values())
        self.parts.append('  <graph id="G" edgedefault="directed">\n')
        # The type is part of the key: True, 1 and 1.0 are equal but written differently.
        self._lines: dict[tuple[str, str, type, Value], str] = {}
        self._attributes: dict[str, str] = {}

    def _data(self, domain: str, values: Mapping[str, Value], indent: str) -> None:
        lines = self._lines
        for name, value in values.items():
            if value is None or value == "":
                continue
            found = lines.get((domain, name, type(value), value))
            if found is None:
                key = self.keys[(domain, name)].id
                found = f'{indent}<data key="{key}">{_literal(value)}</data>\n'
                lines[(domain, name, type(value), value)] = found
            self.parts.append(found)

    def _attribute(self, value: str) -> str:
        found = self._attributes.get(value)
        if found is None:
            found = self._attributes[value] = _attribute(value)
        return found

    def graph_data(self, values: Mapping[str, Value]) -> None:
        self._data("graph", values, "    ")

    def node(self, node_id: str, values: Mapping[str, Value]) -> None:
        self.parts.append(f'    <node id="{self._attribute(node_id)}">\n')
        self._data("node", values, "      ")
        self.parts.append("    </node>\n")

    def edge(self, edge_id: str, source: str, target: str, values: Mapping[str, Value]) -> None:
        self.parts.append(
            f'    <edge id="{edge_id}" source="{self._attribute(source)}"'
            f' target="{self._attribute(target)}">\n'
        )
        self._data("edge", values, "      ")
        self.parts.append("    </edge>\n")

    def text(self) -> str:
        self.parts.append("  </graph>\n</graphml>\n")
        return "".join(self.parts)


_ARCHITECTURE_KEYS = (
    _keys("graph", "name:string description:string catalog_version:string")
    + _keys(
        "node",
        "id:string name:string layer:string layer_name:string kind:string exposure:string"
        " trust:string criticality:int owner:string controls:string tags:string"
        " properties:string entry:boolean",
    )
    + _keys("edge", "kind:string label:string controls:string")
)

_ATTACK_KEYS = (
    _keys("graph", "name:string catalog_version:string states:int transitions:int")
    + _keys(
        "node",
        "component:string threat:string threat_name:string layer:string kind:string"
        " impact:double likelihood:double entry:boolean entry_likelihood:double",
    )
    + _keys(
        "edge",
        "rule:string direction:string flow_kind:string flow:string likelihood:double"
        " cost:double controls:string",
    )
)


def render_architecture(analysis: Analysis) -> str:
    """The model's components and flows as GraphML (see the module's table).

    Parameters
    ----------
    analysis : Analysis
        The analysed model; only ``analysis.model`` and the catalog version are read.

    Returns
    -------
    str
        A GraphML document.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> text = render_architecture(mg.analyze(mg.example("netmon")))
    >>> text.count("<node ") == len(mg.example("netmon").components)
    True
    """
    model = analysis.model
    entries = {component.id for component in model.entry_components()}
    writer = _Writer(_ARCHITECTURE_KEYS)
    writer.graph_data(
        {
            "name": model.name,
            "description": model.system.description,
            "catalog_version": analysis.catalog.version,
        }
    )
    for component in model.components:
        writer.node(
            component.id,
            {
                "id": component.id,
                "name": component.name,
                "layer": component.layer.value,
                "layer_name": component.layer.info.name,
                "kind": component.kind,
                "exposure": component.exposure.value,
                "trust": component.trust.value,
                "criticality": component.criticality,
                "owner": component.owner,
                "controls": ",".join(component.controls),
                "tags": ",".join(component.tags),
                "properties": _json(component.properties),
                "entry": component.id in entries,
            },
        )
    for index, flow in enumerate(model.flows):
        writer.edge(
            f"f{index}",
            flow.source,
            flow.target,
            {"kind": flow.kind.value, "label": flow.label, "controls": ",".join(flow.controls)},
        )
    return writer.text()


def render_attack_graph(analysis: Analysis) -> str:
    """The attack graph (component/threat states and their transitions) as GraphML.

    Parameters
    ----------
    analysis : Analysis
        The analysed model; its attack graph is built if it was not yet.

    Returns
    -------
    str
        A GraphML document (see the module's table).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("netmon"))
    >>> text = render_attack_graph(analysis)
    >>> text.count("<edge ") == analysis.attack_graph.transition_count
    True
    """
    graph = analysis.attack_graph
    ids = state_ids(graph)
    entries = set(graph.entry_states)
    writer = _Writer(_ATTACK_KEYS)
    writer.graph_data(
        {
            "name": analysis.model.name,
            "catalog_version": analysis.catalog.version,
            "states": graph.state_count,
            "transitions": graph.transition_count,
        }
    )
    for state, node_id in zip(graph.states, ids, strict=True):
        writer.node(
            node_id,
            {
                "component": state.component.id,
                "threat": state.threat.id,
                "threat_name": state.threat.name,
                "layer": state.component.layer.value,
                "kind": state.component.kind,
                "impact": float(state.impact),
                "likelihood": float(state.likelihood),
                "entry": state.index in entries,
                "entry_likelihood": _optional_float(state.entry_likelihood),
            },
        )
    table = step_table(graph)
    controls = [",".join(names) for names in table.controls]
    for index, (source, target) in enumerate(zip(table.source, table.target, strict=True)):
        writer.edge(
            f"t{index}",
            ids[source],
            ids[target],
            {
                "rule": table.rule[index],
                "direction": table.direction[index],
                "flow_kind": table.flow_kind[index],
                "flow": table.flow[index],
                "likelihood": table.likelihood[index],
                "cost": table.cost[index],
                "controls": controls[index],
            },
        )
    return writer.text()


def _optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _json(properties: Mapping[str, object]) -> str:
    """Free key/values as compact JSON with sorted keys (empty text when there are none)."""
    if not properties:
        return ""
    return json.dumps(properties, sort_keys=True, ensure_ascii=False, default=str)


FORMAT = ExportFormat("graphml", "GraphML: components and flows", ".graphml", render_architecture)
ATTACK_FORMAT = ExportFormat(
    "graphml-attack",
    "GraphML: attack states and transitions",
    ".graphml",
    render_attack_graph,
)
