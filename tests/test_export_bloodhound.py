"""BloodHound OpenGraph export: the payload passes BloodHound's own upload schemas (vendored in
tests/data/export/bloodhound, see its README) and the documented rules they do not encode,
and its nodes and edges are the model's components, flows and attack reach."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

import maestro_graph as mg
from maestro_graph.io.exporters.bloodhound import CAN_COMPROMISE, kind_name, render_bloodhound

from .export_models import EXAMPLES, HOSTILE_TEXTS, hostile_model

SCHEMAS = Path(__file__).parent / "data" / "export" / "bloodhound"
KIND = re.compile(r"^[A-Za-z0-9_]+$")
PRIMITIVES = (str, int, float, bool)


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


NODE, EDGE, METADATA = (_validator(f) for f in ("node.json", "edge.json", "metadata.json"))


def _check_properties(properties: dict[str, Any]) -> None:
    """OpenGraph's property rules: lower-case names; values primitives or homogeneous arrays of
    primitives; no null, no nested object, no NaN or infinity."""
    for name, value in properties.items():
        assert name == name.lower(), name
        assert value is not None, name
        values = value if isinstance(value, list) else [value]
        assert all(isinstance(v, PRIMITIVES) for v in values), name
        assert len({type(v) for v in values}) <= 1, f"{name} mixes types"
        assert all(math.isfinite(v) for v in values if isinstance(v, float)), name


def check_payload(payload: dict[str, Any]) -> None:
    """Every rule of the OpenGraph data payload this export relies on."""
    assert set(payload) == {"metadata", "graph"}
    METADATA.validate(payload["metadata"])
    assert KIND.match(payload["metadata"]["source_kind"])
    assert set(payload["graph"]) == {"nodes", "edges"}
    ids = set()
    for node in payload["graph"]["nodes"]:
        NODE.validate(node)
        assert node["id"] not in ids, f"duplicate node id {node['id']}"
        ids.add(node["id"])
        assert 1 <= len(node["kinds"]) <= 3
        assert len(set(node["kinds"])) == len(node["kinds"])
        assert all(KIND.match(kind) for kind in node["kinds"])
        # The source kind is one of every node's kinds: ingest adds no fourth.
        assert payload["metadata"]["source_kind"] in node["kinds"]
        assert "objectid" not in node["properties"]  # BloodHound sets it from the id
        _check_properties(node["properties"])
    for edge in payload["graph"]["edges"]:
        EDGE.validate(edge)
        assert KIND.match(edge["kind"])
        for end in ("start", "end"):
            assert edge[end]["match_by"] == "id"
            assert edge[end]["value"] in ids
        _check_properties(edge["properties"])


def _payload(name_or_model: str | mg.SystemModel) -> tuple[mg.Analysis, dict[str, Any]]:
    model = mg.example(name_or_model) if isinstance(name_or_model, str) else name_or_model
    analysis = mg.analyze(model)
    return analysis, json.loads(render_bloodhound(analysis))


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_pass_the_opengraph_rules(name: str) -> None:
    check_payload(_payload(name)[1])


BREAKAGES = {
    "kind with a dash": lambda p: p["graph"]["edges"][0].update(kind="Maestro-Data"),
    "four kinds": lambda p: p["graph"]["nodes"][0]["kinds"].append("Maestro_X"),
    "null property": lambda p: p["graph"]["nodes"][0]["properties"].update(owner=None),
    "nested object": lambda p: p["graph"]["edges"][0]["properties"].update(x={"a": 1}),
    "mixed array": lambda p: p["graph"]["nodes"][0]["properties"].update(tags=["a", 1]),
    "upper-case name": lambda p: p["graph"]["nodes"][0]["properties"].update(Name="x"),
    "unknown endpoint": lambda p: p["graph"]["edges"][0]["end"].update(value="nowhere"),
    "metadata extra": lambda p: p["metadata"].update(version=1),
    "edge without properties": lambda p: p["graph"]["edges"][0].pop("properties"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_the_checker_refuses_what_opengraph_refuses(breakage: str) -> None:
    _, payload = _payload("netmon")
    BREAKAGES[breakage](payload)
    with pytest.raises((AssertionError, ValidationError)):
        check_payload(payload)


@pytest.mark.parametrize("name", EXAMPLES)
def test_nodes_and_flow_edges_are_the_model(name: str) -> None:
    analysis, payload = _payload(name)
    model = analysis.model
    nodes = payload["graph"]["nodes"]
    assert [n["properties"]["component_id"] for n in nodes] == [c.id for c in model.components]
    entries = {c.id for c in model.entry_components()}
    for node, component in zip(nodes, model.components, strict=True):
        assert node["kinds"] == [
            "Maestro_Component",
            f"Maestro_{component.layer.value}",
            kind_name(component.kind),
        ]
        properties = node["properties"]
        assert properties["name"] == component.name
        assert properties["criticality"] == component.criticality
        assert properties.get("owner") == component.owner
        assert properties["controls"] == list(component.controls)
        assert properties["entry"] is (component.id in entries)
        assert json.loads(properties["properties_json"]) == component.properties
    by_id = {n["id"]: n["properties"]["component_id"] for n in nodes}
    flows = [e for e in payload["graph"]["edges"] if e["kind"] != CAN_COMPROMISE]
    assert len(flows) == len(model.flows)
    for edge, flow in zip(flows, model.flows, strict=True):
        assert (by_id[edge["start"]["value"]], by_id[edge["end"]["value"]]) == (
            flow.source,
            flow.target,
        )
        assert edge["kind"] == kind_name(flow.kind.value)
        assert edge["properties"].get("label") == flow.label


@pytest.mark.parametrize("name", EXAMPLES)
def test_can_compromise_edges_summarise_the_transitions(name: str) -> None:
    analysis, payload = _payload(name)
    graph = analysis.attack_graph
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    for t in graph.transitions:  # the slow, object-by-object way, to check the array reading
        source, target = graph.states[t.source], graph.states[t.target]
        if source.component.id == target.component.id:
            continue
        entry = expected.setdefault(
            (source.component.id, target.component.id),
            {"likelihood": 0.0, "steps": 0, "rules": set(), "threats": set()},
        )
        entry["likelihood"] = max(entry["likelihood"], t.likelihood)
        entry["steps"] += 1
        entry["rules"].add(t.rule.id)
        entry["threats"].add(target.threat.id)
    by_id = {n["id"]: n["properties"]["component_id"] for n in payload["graph"]["nodes"]}
    found = {
        (by_id[e["start"]["value"]], by_id[e["end"]["value"]]): e["properties"]
        for e in payload["graph"]["edges"]
        if e["kind"] == CAN_COMPROMISE
    }
    assert expected and found.keys() == expected.keys()
    for pair, properties in found.items():
        assert properties["likelihood"] == expected[pair]["likelihood"]
        assert properties["cost"] == pytest.approx(-math.log(properties["likelihood"]))
        assert properties["steps"] == expected[pair]["steps"]
        assert properties["rules"] == sorted(expected[pair]["rules"])
        assert properties["threats"] == sorted(expected[pair]["threats"])


def test_top_chain_follows_can_compromise_edges() -> None:
    analysis, payload = _payload("rag-agent")
    chain = analysis.paths(top=1)[0]
    by_id = {n["id"]: n["properties"]["component_id"] for n in payload["graph"]["nodes"]}
    pairs = {
        (by_id[e["start"]["value"]], by_id[e["end"]["value"]])
        for e in payload["graph"]["edges"]
        if e["kind"] == CAN_COMPROMISE
    }
    components = [step.component for step in chain.steps]
    hops = [(a, b) for a, b in itertools.pairwise(components) if a != b]
    assert hops and all(hop in pairs for hop in hops)


def test_hostile_text_passes_through_json() -> None:
    _analysis, payload = _payload(hostile_model())
    check_payload(payload)
    name, quoted, _, lines, unicode, control = HOSTILE_TEXTS
    web, kb, llm = payload["graph"]["nodes"]
    assert web["properties"]["name"] == name
    assert web["properties"]["tags"] == [quoted, unicode]
    assert kb["properties"]["name"] == lines
    assert llm["properties"]["name"] == control
    assert web["id"] == "maestro:hostile-say-hi-back-slash-n-literal:web"


def test_same_model_same_bytes() -> None:
    first = render_bloodhound(mg.analyze(mg.example("multi-agent")))
    assert first == render_bloodhound(mg.analyze(mg.example("multi-agent")))


def test_two_systems_do_not_share_node_ids() -> None:
    _, first = _payload("netmon")
    _, second = _payload("rag-agent")
    ids = lambda p: {n["id"] for n in p["graph"]["nodes"]}  # noqa: E731
    assert not ids(first) & ids(second)


def test_cli_writes_bloodhound(run_cli, tmp_path) -> None:
    out = tmp_path / "netmon.json"
    result = run_cli("export", "--example", "netmon", "--to", "bloodhound", "-o", out)
    assert result.exit_code == 0, result.output
    check_payload(json.loads(out.read_text(encoding="utf-8")))
