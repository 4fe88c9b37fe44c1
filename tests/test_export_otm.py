"""The OTM exporter: valid OTM 0.2.0, deterministic, and read back by the importer as the same
model (bundled examples and random models)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.io.exporters import export_format
from maestro_graph.io.exporters.otm import FORMAT, ZONE_RATINGS, otm_document, render
from maestro_graph.io.importers import otm as otm_import
from maestro_graph.io.importers.base import ImportResult, ModelBuilder
from maestro_graph.model import FlowKind, SystemModel
from maestro_graph.model.layers import Layer
from maestro_graph.model.loading import parse_document
from tests.conftest import VALID_MODEL
from tests.golden import assert_golden
from tests.strategies import CATALOG, PROPERTY_SETTINGS

SCHEMA = Path(__file__).parent / "data" / "import" / "otm" / "otm_schema.json"
EXAMPLES = ("netmon", "rag-agent", "multi-agent")
RunCli = Callable[..., Result]


def reimport(model: SystemModel) -> ImportResult:
    """``import(export(model))`` in memory."""
    text = render(mg.analyze(model))
    document = parse_document(text, "model.otm.json", is_json=True)
    return otm_import.FORMAT.convert(document, ModelBuilder(document, "otm"))


def component_fields(model: SystemModel) -> list[tuple[Any, ...]]:
    return [
        (
            c.id,
            c.name,
            c.layer,
            c.kind,
            c.exposure,
            c.trust,
            c.criticality,
            c.owner,
            sorted(c.controls),
            sorted(c.tags),
        )
        for c in model.components
    ]


def flow_fields(model: SystemModel) -> list[tuple[Any, ...]]:
    return [(f.source, f.target, f.kind, sorted(f.controls), f.label) for f in model.flows]


def attacker_fields(model: SystemModel) -> tuple[Any, Any]:
    attacker = model.attacker
    if attacker is None:
        return None, None
    entry = None if attacker.entry is None else sorted(attacker.entry)
    targets = None if attacker.targets is None else sorted(attacker.targets)
    return entry, targets


def assert_same_model(original: SystemModel, restored: SystemModel) -> None:
    assert component_fields(restored) == component_fields(original)
    assert flow_fields(restored) == flow_fields(original)
    assert attacker_fields(restored) == attacker_fields(original)
    assert restored.name == original.name
    if original.system.description:
        assert restored.system.description == original.system.description


# -- the document -------------------------------------------------------------------------
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_export_is_valid_otm(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(render(mg.analyze(mg.example(name))))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(document)]
    assert errors == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_export_references_resolve(name: str) -> None:
    model = mg.example(name)
    document = otm_document(mg.analyze(model))
    zones = {zone["id"] for zone in document["trustZones"]}
    components = [c["id"] for c in document["components"]]
    threats = {t["id"] for t in document["threats"]}
    mitigations = {m["id"] for m in document["mitigations"]}
    assert components == [c.id for c in model.components]  # the model's order
    assert {c["parent"]["trustZone"] for c in document["components"]} == zones
    assert [(f["source"], f["destination"]) for f in document["dataflows"]] == [
        (f.source, f.target) for f in model.flows
    ]
    for component in document["components"]:
        for threat in component.get("threats", []):
            assert threat["threat"] in threats
            assert {m["mitigation"] for m in threat["mitigations"]} <= mitigations
    used = {c for comp in model.components for c in comp.controls}
    used |= {c for flow in model.flows for c in flow.controls}
    assert used <= mitigations
    assert len({f["id"] for f in document["dataflows"]}) == len(model.flows)


def test_zones_one_per_exposure_and_trust_pair() -> None:
    model = mg.example("multi-agent")
    document = otm_document(mg.analyze(model))
    pairs = {(c.exposure.value, c.trust.value) for c in model.components}
    assert {zone["id"] for zone in document["trustZones"]} == {f"{e}-{t}" for e, t in pairs}
    for zone in document["trustZones"]:
        exposure = zone["attributes"]["maestro.exposure"]
        trust = zone["attributes"]["maestro.trust"]
        assert zone["risk"]["trustRating"] == ZONE_RATINGS[(exposure, trust)]
        # A tool that drops the attributes still starts chains where the attacker starts.
        read_back, _, _ = otm_import.classify_zone(None, None, zone["risk"]["trustRating"])
        is_entry = exposure == "public" or trust == "untrusted"
        assert (read_back.value == "public") == is_entry


def test_component_and_flow_attributes() -> None:
    model = mg.example("netmon")
    document = otm_document(mg.analyze(model))
    first = model.components[0]
    exported = document["components"][0]
    assert exported["type"] == first.kind
    assert exported["attributes"]["maestro.layer"] == first.layer.value
    assert exported["attributes"]["maestro.kind"] == first.kind
    assert exported["attributes"]["maestro.criticality"] == first.criticality
    with_controls = next(f for f in model.flows if f.controls)
    index = model.flows.index(with_controls)
    attributes = document["dataflows"][index]["attributes"]
    assert attributes["maestro.kind"] == with_controls.kind.value
    assert attributes["maestro.controls"] == sorted(with_controls.controls)
    assert document["project"]["attributes"]["maestro.attacker"]["entry"] == list(
        model.attacker.entry
    )


def test_threat_states_follow_controls() -> None:
    model = mg.example("rag-agent")
    document = otm_document(mg.analyze(model))
    for component, exported in zip(model.components, document["components"], strict=True):
        for threat in exported.get("threats", []):
            implemented = {
                m["mitigation"] for m in threat["mitigations"] if m["state"] == "implemented"
            }
            assert implemented <= set(component.controls)
            assert (threat["state"] == "mitigated") == bool(implemented)


def test_deterministic_and_golden() -> None:
    model = mg.model_from_text(VALID_MODEL)
    text = render(mg.analyze(model))
    assert text == render(mg.analyze(mg.model_from_text(VALID_MODEL)))
    assert text.endswith("}\n")
    assert_golden("otm-tiny-rag.otm.json", text)


def test_properties_order_and_dates_do_not_change_bytes() -> None:
    base = mg.example("netmon").to_data()
    base["components"][0]["properties"] = {"b": 1, "a": {"y": 2, "x": 1}}
    shuffled = json.loads(json.dumps(base))
    shuffled["components"][0]["properties"] = {"a": {"x": 1, "y": 2}, "b": 1}
    one = render(mg.analyze(SystemModel.model_validate(base)))
    assert one == render(mg.analyze(SystemModel.model_validate(shuffled)))
    base["components"][0]["properties"] = {"reviewed": datetime.date(2025, 1, 31)}
    assert '"2025-01-31"' in render(mg.analyze(SystemModel.model_validate(base)))


def test_registered_format() -> None:
    assert export_format("otm") is FORMAT
    assert FORMAT.suffix == ".otm.json"


# -- round trips --------------------------------------------------------------------------
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_round_trip(name: str) -> None:
    original = mg.example(name)
    result = reimport(original)
    assert result.warnings == ()
    assert_same_model(original, result.model)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_round_trip_through_the_cli(name: str, run_cli: RunCli, tmp_path: Path) -> None:
    exported = tmp_path / f"{name}.otm.json"
    back = tmp_path / f"{name}.yaml"
    assert run_cli("export", "--example", name, "--to", "otm", "-o", exported).exit_code == 0
    imported = run_cli("import", exported, "-o", back)
    assert imported.exit_code == 0, imported.output
    assert "0 warnings" in imported.output
    assert_same_model(mg.example(name), mg.load_model(back))
    assert run_cli("paths", back).exit_code == 0


def test_round_trip_keeps_chains() -> None:
    original = mg.example("netmon")
    restored = reimport(original).model
    before = [c.steps for c in mg.analyze(original).paths(top=5)]
    after = [c.steps for c in mg.analyze(restored).paths(top=5)]
    assert [[s.component for s in steps] for steps in after] == [
        [s.component for s in steps] for steps in before
    ]


_ID = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,24}", fullmatch=True)
_TEXT = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
_COMPONENT_CONTROLS = sorted(c for c, v in CATALOG.controls.items() if "component" in v.placement)
_FLOW_CONTROLS = sorted(c for c, v in CATALOG.controls.items() if "flow" in v.placement)


@st.composite
def exportable_models(draw: st.DrawFn) -> SystemModel:
    """Random valid models using every field the round trip must keep."""
    ids = draw(st.lists(_ID, min_size=1, max_size=7, unique=True))
    components = []
    for component_id in ids:
        layer = draw(st.sampled_from(list(Layer)))
        component: dict[str, Any] = {
            "id": component_id,
            "name": draw(st.one_of(st.just(component_id), _TEXT)),
            "layer": layer.value,
            "kind": draw(st.sampled_from(CATALOG.kinds_of(layer))),
            "exposure": draw(st.sampled_from(["public", "partner", "internal", "isolated"])),
            "trust": draw(st.sampled_from(["trusted", "untrusted"])),
            "criticality": draw(st.integers(1, 5)),
            "controls": draw(
                st.lists(st.sampled_from(_COMPONENT_CONTROLS), max_size=3, unique=True)
            ),
            "tags": draw(st.lists(_TEXT, max_size=2, unique=True)),
            "properties": draw(
                st.dictionaries(
                    st.sampled_from(["tech", "region", "notes"]),
                    st.one_of(st.integers(), _TEXT),
                    max_size=2,
                )
            ),
        }
        owner = draw(st.one_of(st.none(), _TEXT))
        if owner is not None:
            component["owner"] = owner
        components.append(component)
    flows = []
    if len(ids) > 1:
        triples = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(list(FlowKind))
                ).filter(lambda t: t[0] != t[1]),
                max_size=10,
                unique=True,
            )
        )
        for source, target, kind in triples:
            flow: dict[str, Any] = {"from": source, "to": target, "kind": kind.value}
            label = draw(st.one_of(st.none(), _TEXT))
            if label is not None:
                flow["label"] = label
            flow["controls"] = draw(
                st.lists(st.sampled_from(_FLOW_CONTROLS), max_size=2, unique=True)
            )
            flows.append(flow)
    data: dict[str, Any] = {
        "maestro": 1,
        "system": {"name": draw(_TEXT)},
        "components": components,
        "flows": flows,
    }
    if draw(st.booleans()):
        data["attacker"] = {
            "entry": draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)),
            "targets": draw(
                st.one_of(
                    st.none(), st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)
                )
            ),
        }
    return SystemModel.model_validate(data)


@PROPERTY_SETTINGS
@given(exportable_models())
def test_random_round_trip(model: SystemModel) -> None:
    result = reimport(model)
    assert result.warnings == ()
    assert_same_model(model, result.model)
    for original, restored in zip(model.components, result.model.components, strict=True):
        kept = {k: v for k, v in restored.properties.items() if k != "source"}
        assert kept == original.properties


def strip_maestro_attributes(value: Any) -> Any:
    """An exported document as a tool that drops unknown attributes would hand it back."""
    if isinstance(value, dict):
        return {
            key: strip_maestro_attributes(item)
            for key, item in value.items()
            if key != "attributes"
        }
    if isinstance(value, list):
        return [strip_maestro_attributes(item) for item in value]
    return value


@pytest.mark.parametrize("name", EXAMPLES)
def test_without_attributes_kinds_and_entries_survive(name: str) -> None:
    """Types are kinds and ratings follow the importer's table, so even a file stripped of
    its maestro.* attributes keeps every kind and every default entry."""
    original = mg.example(name)
    stripped = strip_maestro_attributes(otm_document(mg.analyze(original)))
    document = parse_document(json.dumps(stripped), "stripped.otm.json", is_json=True)
    restored = otm_import.FORMAT.convert(document, ModelBuilder(document, "otm")).model
    assert [(c.layer, c.kind) for c in restored.components] == [
        (c.layer, c.kind) for c in original.components
    ]
    # Every default entry stays one (third-party kinds may become entries: the importer
    # takes their content as untrusted whatever their zone).
    for before, after in zip(original.components, restored.components, strict=True):
        assert after.is_default_entry or not before.is_default_entry
        assert after.is_default_entry or after.kind not in otm_import.THIRD_PARTY_KINDS
    assert len(restored.flows) <= len(original.flows)
