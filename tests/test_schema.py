"""The JSON Schema `maestro-graph schema` prints: it carries the catalog's words and agrees
with the loader on what a model file may say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import maestro_graph as mg
from maestro_graph.catalog import load_catalog
from maestro_graph.catalog.schema import json_schema
from maestro_graph.model.flows import FLOW_KIND_MEANINGS
from maestro_graph.model.layers import Layer

EXAMPLES = sorted((Path(mg.__file__).parent / "examples").glob("*.yaml"))
SCHEMA = json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def small_model(component: dict[str, Any] | None = None, **flow: Any) -> dict[str, Any]:
    """A valid two-component model; ``component`` replaces the first, ``flow`` edits the flow."""
    return {
        "maestro": 1,
        "system": {"name": "Tiny"},
        "components": [
            component or {"id": "kb", "layer": "L2", "kind": "vector_store"},
            {"id": "llm", "layer": "L1", "kind": "foundation_model"},
        ],
        "flows": [{"from": "kb", "to": "llm", "kind": "data", **flow}],
    }


def errors(data: dict[str, Any]) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(data)]


def loads(data: dict[str, Any], tmp_path: Path) -> bool:
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    try:
        mg.load_model(path)
    except mg.MaestroInputError:
        return False
    return True


def test_the_schema_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_the_bundled_examples_validate(path):
    assert errors(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_examples_are_all_there():
    assert {path.stem for path in EXAMPLES} >= {"netmon", "rag-agent", "multi-agent"}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"component": {"id": "kb", "layer": "L3", "kind": "vector_store"}}, "vector_store"),
        ({"component": {"id": "kb", "layer": "L2", "kind": "vektor_store"}}, "vektor_store"),
        (
            {"component": {"id": "kb", "layer": "L2", "kind": "vector_store",
                           "controls": ["memory-isolaton"]}},
            "memory-isolaton",
        ),
        ({"controls": ["not-a-control"]}, "not-a-control"),
        # A control that goes only on components is refused on a flow, as the loader does.
        ({"controls": ["adversarial-training"]}, "adversarial-training"),
        ({"kind": "streams"}, "streams"),
        ({"component": {"id": "kb", "layer": "L9", "kind": "vector_store"}}, "L9"),
        ({"component": {"id": "kb", "layer": True, "kind": "vector_store"}}, "True"),
    ],
    ids=[
        "kind-of-another-layer",
        "unknown-kind",
        "unknown-component-control",
        "unknown-flow-control",
        "component-only-control-on-a-flow",
        "unknown-flow-kind",
        "unknown-layer",
        "boolean-layer",
    ],
)
def test_what_the_loader_refuses_the_schema_refuses(change, complaint, tmp_path):
    data = small_model(change.pop("component", None), **change)
    found = errors(data)
    assert found, "the schema accepted it"
    assert any(complaint in message for message in found), found
    assert not loads(data, tmp_path)


@pytest.mark.parametrize("spelling", ["L2", "l2", "2", 2, " L2 "])
def test_every_layer_spelling_the_loader_reads_is_valid_and_keeps_its_kinds(spelling, tmp_path):
    good = small_model({"id": "kb", "layer": spelling, "kind": "vector_store"})
    assert errors(good) == []
    assert loads(good, tmp_path)
    wrong = small_model({"id": "kb", "layer": spelling, "kind": "agent"})
    assert errors(wrong)
    assert not loads(wrong, tmp_path)


def test_kinds_are_listed_per_layer_with_their_descriptions():
    catalog = load_catalog()
    rules = SCHEMA["$defs"]["Component"]["allOf"]
    assert len(rules) == len(Layer)
    for layer, rule in zip(Layer, rules, strict=True):
        kind = rule["then"]["properties"]["kind"]
        assert kind["enum"] == list(catalog.kinds_of(layer))
        assert kind["enumDescriptions"] == [catalog.kinds[k].description for k in kind["enum"]]
        assert all(kind["enumDescriptions"])


def test_controls_and_flow_kinds_carry_their_meanings():
    catalog = load_catalog()
    definitions = SCHEMA["$defs"]
    on_components = definitions["ComponentControl"]
    assert on_components["enum"] == list(catalog.controls)
    assert on_components["enumDescriptions"][0].startswith(
        catalog.controls[on_components["enum"][0]].name
    )
    on_flows = definitions["FlowControl"]["enum"]
    assert on_flows == [c.id for c in catalog.controls.values() if "flow" in c.placement]
    assert "source-allow-listing" in on_flows
    assert definitions["Flow"]["properties"]["controls"]["items"] == {
        "$ref": "#/$defs/FlowControl"
    }
    flow_kind = definitions["FlowKind"]
    assert flow_kind["enumDescriptions"] == [FLOW_KIND_MEANINGS[k] for k in flow_kind["enum"]]
    assert len(definitions["Layer"]["anyOf"][0]["enumDescriptions"]) == 7


def test_attacker_entries_and_targets_are_component_ids():
    attacker = SCHEMA["$defs"]["Attacker"]["properties"]
    for field in ("entry", "targets"):
        assert attacker[field]["anyOf"][0]["items"]["pattern"] == mg.model.ID_PATTERN
    data = small_model()
    data["attacker"] = {"entry": ["Not An Id"]}
    assert errors(data)


def test_the_format_schema_stays_catalog_free_and_compatible():
    schema = mg.model.json_schema()
    assert "allOf" not in schema["$defs"]["Component"]
    assert schema["$defs"]["Component"]["properties"]["controls"]["items"] == {"type": "string"}
    assert SCHEMA["properties"] == schema["properties"]


def test_a_catalog_without_controls_leaves_controls_free():
    bare = mg.Catalog(kinds=load_catalog().kinds)
    schema = json_schema(bare)
    assert "ComponentControl" not in schema["$defs"]
    assert schema["$defs"]["Component"]["properties"]["controls"]["items"] == {"type": "string"}


def test_the_command_is_deterministic_and_is_the_built_in_catalog_schema(run_cli, tmp_path):
    first = run_cli("schema").output
    assert run_cli("schema").output == first
    assert json.loads(first) == json_schema(load_catalog())
    target = tmp_path / "schema.json"
    run_cli("schema", "-o", target)
    assert target.read_text(encoding="utf-8") == first


def test_a_rules_folder_adds_its_kinds(run_cli, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "kinds.yaml").write_text(
        'L3:\n  browser_agent: "An agent that drives a web browser."\n', encoding="utf-8"
    )
    schema = json.loads(run_cli("schema", "--rules", rules).output)
    l3 = schema["$defs"]["Component"]["allOf"][2]["then"]["properties"]["kind"]
    assert l3["enum"][-1] == "browser_agent"
    assert l3["enumDescriptions"][-1] == "An agent that drives a web browser."
    data = small_model({"id": "kb", "layer": "L3", "kind": "browser_agent"})
    assert jsonschema.Draft202012Validator(schema).is_valid(data)
    assert errors(data)  # the built-in schema does not know the kind
