"""GraphML exports: both read back with networkx into the model's and the attack graph's own
nodes, edges and attributes."""

from __future__ import annotations

import json
import math

import networkx as nx
import pytest

import maestro_graph as mg
from maestro_graph.io.exporters import export_format
from maestro_graph.io.exporters.graphml import render_architecture, render_attack_graph
from maestro_graph.model import SystemModel

from .export_models import EXAMPLES, HOSTILE_TEXTS, hostile_model
from .golden import assert_golden


def _joined(values: tuple[str, ...]) -> str | None:
    return ",".join(values) or None


@pytest.mark.parametrize("name", EXAMPLES)
def test_architecture_reads_back_as_the_model(name: str) -> None:
    analysis = mg.analyze(mg.example(name))
    model = analysis.model
    graph = nx.parse_graphml(render_architecture(analysis))
    assert graph.graph["name"] == model.name
    assert graph.graph["catalog_version"] == analysis.catalog.version
    assert list(graph.nodes) == [c.id for c in model.components]
    entries = {c.id for c in model.entry_components()}
    for component in model.components:
        attributes = graph.nodes[component.id]
        assert attributes["id"] == component.id
        assert attributes["name"] == component.name
        assert attributes["layer"] == component.layer.value
        assert attributes["kind"] == component.kind
        assert attributes["exposure"] == component.exposure.value
        assert attributes["trust"] == component.trust.value
        assert attributes["criticality"] == component.criticality
        assert attributes.get("owner") == component.owner
        assert attributes.get("controls") == _joined(component.controls)
        assert attributes.get("tags") == _joined(component.tags)
        assert json.loads(attributes.get("properties", "{}")) == component.properties
        assert attributes["entry"] is (component.id in entries)
    assert graph.number_of_edges() == len(model.flows)
    edges = {
        (source, target, data["kind"]): data for source, target, data in graph.edges(data=True)
    }
    for flow in model.flows:
        data = edges[(flow.source, flow.target, flow.kind.value)]
        assert data.get("label") == flow.label
        assert data.get("controls") == _joined(flow.controls)


@pytest.mark.parametrize("name", EXAMPLES)
def test_attack_graph_reads_back_as_the_attack_graph(name: str) -> None:
    analysis = mg.analyze(mg.example(name))
    attack = analysis.attack_graph
    graph = nx.parse_graphml(render_attack_graph(analysis))
    assert graph.graph["states"] == attack.state_count
    assert graph.graph["transitions"] == attack.transition_count
    keys = ["/".join(state.key) for state in attack.states]
    assert list(graph.nodes) == keys
    entries = set(attack.entry_states)
    for state, key in zip(attack.states, keys, strict=True):
        attributes = graph.nodes[key]
        assert attributes["component"] == state.component.id
        assert attributes["threat"] == state.threat.id
        assert attributes["layer"] == state.component.layer.value
        assert attributes["entry"] is (state.index in entries)
        assert attributes["impact"] == state.impact
        assert attributes.get("entry_likelihood") == state.entry_likelihood
    assert graph.number_of_edges() == attack.transition_count
    for transition in attack.transitions:
        data = graph.edges[keys[transition.source], keys[transition.target]]
        assert data["id"] == f"t{transition.index}"
        assert data["rule"] == transition.rule.id
        assert data["direction"] == transition.rule.via.direction
        assert data["likelihood"] == transition.likelihood
        assert data["cost"] == pytest.approx(-math.log(transition.likelihood), abs=1e-12)
        if transition.flow is None:
            assert "flow_kind" not in data and "flow" not in data
        else:
            assert data["flow_kind"] == transition.flow.kind.value
            assert data["flow"] == str(transition.flow)
        controls = tuple(dict.fromkeys(c for c, _, _ in transition.reductions))
        assert data.get("controls") == _joined(controls)


def test_parallel_flows_read_back_as_a_multigraph() -> None:
    model = SystemModel.model_validate(
        {
            "maestro": 1,
            "system": {"name": "Two ways"},
            "components": [
                {"id": "agent", "layer": "L3", "kind": "agent", "exposure": "public"},
                {"id": "tool", "layer": "L3", "kind": "tool"},
            ],
            "flows": [
                {"from": "agent", "to": "tool", "kind": "invokes"},
                {"from": "agent", "to": "tool", "kind": "delegates"},
            ],
        }
    )
    graph = nx.parse_graphml(render_architecture(mg.analyze(model)))
    assert isinstance(graph, nx.MultiDiGraph)
    assert sorted(d["kind"] for _, _, d in graph.edges(data=True)) == ["delegates", "invokes"]


def test_hostile_text_is_escaped_and_reads_back() -> None:
    analysis = mg.analyze(hostile_model())
    graph = nx.parse_graphml(render_architecture(analysis))
    name, quoted, markup, lines, unicode, _control = HOSTILE_TEXTS
    assert graph.graph["name"] == f"Hostile {quoted}"
    assert graph.graph["description"] == markup
    assert graph.nodes["web"]["name"] == name
    assert graph.nodes["web"]["tags"] == f"{quoted},{unicode}"
    assert graph.nodes["kb"]["name"] == lines  # \r survives as a character reference
    # XML 1.0 cannot hold NUL, BEL or ESC: each becomes U+FFFD; DEL is allowed.
    assert graph.nodes["llm"]["name"] == "nul\ufffdbell\ufffdesc\ufffd del\x7f"
    assert json.loads(graph.nodes["web"]["properties"]) == analysis.model.components[0].properties
    assert graph.edges["web", "kb"]["label"] == markup
    attack = nx.parse_graphml(render_attack_graph(analysis))
    assert attack.number_of_edges() == analysis.attack_graph.transition_count


@pytest.mark.parametrize("render", [render_architecture, render_attack_graph])
def test_same_model_same_bytes(render) -> None:
    first = render(mg.analyze(mg.example("multi-agent")))
    second = render(mg.analyze(mg.example("multi-agent")))
    assert first == second


def test_tiny_architecture_golden(write_model) -> None:
    from .conftest import VALID_MODEL

    model = mg.load_model(write_model(VALID_MODEL))
    text = render_architecture(mg.analyze(model))
    catalog_version = mg.load_catalog().version
    assert_golden("export-tiny.graphml", text.replace(catalog_version, "CATALOG"))


@pytest.mark.parametrize("format_name", ["graphml", "graphml-attack"])
def test_cli_writes_graphml(run_cli, tmp_path, format_name: str) -> None:
    printed = run_cli("export", "--example", "netmon", "--to", format_name)
    assert printed.exit_code == 0, printed.output
    out = tmp_path / "netmon.graphml"
    written = run_cli("export", "--example", "netmon", "--to", format_name, "-o", out)
    assert written.exit_code == 0, written.output
    graph = nx.read_graphml(out)
    analysis = mg.analyze(mg.example("netmon"))
    expected = (
        len(analysis.model.components)
        if format_name == "graphml"
        else analysis.attack_graph.state_count
    )
    assert graph.number_of_nodes() == expected
    assert export_format(format_name).suffix == ".graphml"
