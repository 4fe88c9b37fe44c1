"""load -> dump -> load gives an equal model, for generated models (YAML and JSON)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.model import Exposure, FlowKind, SystemModel, Trust
from maestro_graph.model.layers import Layer

CATALOG = mg.load_catalog()
IDS = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,12}", fullmatch=True)
TEXT = st.text(max_size=30)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
#: Owners as people write them: one line, no surrounding blanks (those are dropped on reading).
OWNERS = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20
).filter(lambda text: text == text.strip() and bool(text))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def models(draw: st.DrawFn) -> SystemModel:
    ids = draw(st.lists(IDS, min_size=1, max_size=12, unique=True))
    components = []
    for component_id in ids:
        layer = draw(st.sampled_from(list(Layer)))
        component = {
            "id": component_id,
            "layer": layer.value,
            "kind": draw(st.sampled_from(CATALOG.kinds_of(layer))),
            "exposure": draw(st.sampled_from(list(Exposure))).value,
            "trust": draw(st.sampled_from(list(Trust))).value,
            "criticality": draw(st.integers(1, 5)),
            "tags": draw(st.lists(TEXT, max_size=3)),
            "properties": draw(st.dictionaries(TEXT, JSON_VALUES, max_size=3)),
        }
        if draw(st.booleans()):
            component["name"] = draw(st.text(min_size=1, max_size=30))
        if draw(st.booleans()):
            component["owner"] = draw(OWNERS)
        components.append(component)
    flows = []
    if len(ids) > 1:
        pairs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(list(FlowKind))
                ).filter(lambda t: t[0] != t[1]),
                max_size=20,
                unique=True,
            )
        )
        for source, target, kind in pairs:
            flow = {"from": source, "to": target, "kind": kind.value}
            if draw(st.booleans()):
                flow["label"] = draw(TEXT)
            flows.append(flow)
    data = {
        "maestro": 1,
        "system": {"name": draw(st.text(min_size=1, max_size=40))},
        "components": components,
        "flows": flows,
    }
    if draw(st.booleans()):
        data["attacker"] = {"entry": draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))}
    return SystemModel.model_validate(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_yaml_round_trip(model: SystemModel) -> None:
    assert mg.model_from_text(model.to_yaml()) == model


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_json_round_trip(model: SystemModel) -> None:
    text = json.dumps(model.to_data(), indent=1)
    assert mg.model_from_text(text, is_json=True) == model


def test_bundled_examples_round_trip() -> None:
    for name in mg.example_names():
        model = mg.example(name)
        assert mg.model_from_text(model.to_yaml()) == model
