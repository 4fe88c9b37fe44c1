"""The model types, their accessors and construction in Python."""

import pytest
from pydantic import ValidationError

import maestro_graph as mg
from maestro_graph.model import Exposure, FlowKind, SystemModel, Trust
from maestro_graph.model.layers import Layer

from .conftest import VALID_MODEL


def small_model() -> SystemModel:
    return mg.model_from_text(VALID_MODEL)


def test_defaults_follow_the_design():
    component = small_model().component("kb")
    assert component.name == "kb"
    assert component.exposure is Exposure.INTERNAL
    assert component.trust is Trust.TRUSTED
    assert component.criticality == 3
    assert component.controls == () and component.tags == () and component.properties == {}


def test_flow_fields_use_from_and_to():
    flow = small_model().flows[0]
    assert (flow.source, flow.target, flow.kind) == ("web", "kb", FlowKind.DATA)
    assert flow.model_dump(by_alias=True)["from"] == "web"


def test_accessors():
    model = small_model()
    assert [c.id for c in model.components_on("L2")] == ["web", "kb"]
    by_layer = model.components_by_layer()
    assert set(by_layer) == set(Layer) and by_layer[Layer.L7] == ()
    assert [str(f) for f in model.flows_of("kb")] == ["web -> kb (data)", "kb -> llm (data)"]
    assert [f.target for f in model.flows_of("kb", "out")] == ["llm"]
    assert [f.source for f in model.flows_of("kb", "in")] == ["web"]
    assert [c.id for c in model.entry_components()] == ["web"]
    assert model.missing_layers() == (Layer.L3, Layer.L4, Layer.L5, Layer.L6, Layer.L7)
    assert model.component_line("kb") == 9


def test_unknown_component_lookup_suggests_a_close_id():
    with pytest.raises(KeyError, match="did you mean 'llm'"):
        small_model().component("lm")


def test_attacker_entry_overrides_default_entries():
    model = mg.model_from_text(VALID_MODEL + "attacker:\n  entry: [kb]\n  targets: [llm]\n")
    assert [c.id for c in model.entry_components()] == ["kb"]
    assert [c.id for c in model.target_components()] == ["llm"]


def test_model_built_in_python_is_checked():
    with pytest.raises(ValidationError, match="flow goes to unknown component 'nowhere'"):
        SystemModel.model_validate(
            {
                "maestro": 1,
                "system": {"name": "x"},
                "components": [{"id": "a", "layer": "L3", "kind": "agent"}],
                "flows": [{"from": "a", "to": "nowhere", "kind": "invokes"}],
            }
        )


def test_models_are_immutable():
    model = small_model()
    with pytest.raises(ValidationError):
        model.component("kb").criticality = 5  # type: ignore[misc]


def test_equality_ignores_where_the_model_came_from(write_model):
    assert mg.load_model(write_model(VALID_MODEL)) == small_model()


def test_json_schema_has_the_fixed_field_names():
    schema = mg.model.json_schema()
    component = schema["$defs"]["Component"]["properties"]
    assert set(component) == {
        "id",
        "name",
        "layer",
        "kind",
        "exposure",
        "trust",
        "criticality",
        "owner",
        "controls",
        "tags",
        "properties",
    }
    assert {"from", "to", "kind", "controls", "label"} == set(schema["$defs"]["Flow"]["properties"])
    assert schema["required"] == ["maestro", "system", "components"]
    assert all(field.get("description") for field in component.values())
