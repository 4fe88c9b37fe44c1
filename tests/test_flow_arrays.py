"""The model's flows as arrays, and the twins found with them, against their plain definitions."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.engine.detection import telemetry_watchers, watcher_modes
from maestro_graph.engine.ranking import _watchers
from maestro_graph.model import Flow, FlowKind, SystemModel

from .strategies import CATALOG, PROPERTY_SETTINGS, guarded_models, small_models, twinned_models


def plain_interchangeable(model: SystemModel) -> dict[str, str]:
    """SystemModel.interchangeable as its docstring defines it: same fields, same flows."""
    attacker = model.attacker
    entry = set(attacker.entry or ()) if attacker else set()
    targets = set(attacker.targets or ()) if attacker else set()

    def place(component_id: str) -> tuple:
        return tuple(
            sorted(
                [("out", f.kind, f.target, tuple(sorted(f.controls)))
                 for f in model.flows if f.source == component_id]
                + [("in", f.kind, f.source, tuple(sorted(f.controls)))
                   for f in model.flows if f.target == component_id]
            )
        )  # fmt: skip

    groups: dict[tuple, list[str]] = defaultdict(list)
    for c in model.components:
        key = (
            c.kind, c.layer, c.exposure, c.trust, c.criticality, tuple(sorted(c.controls)),
            c.id in entry, c.id in targets, place(c.id),
        )  # fmt: skip
        groups[key].append(c.id)
    return {twin: group[0] for group in groups.values() if len(group) > 1 for twin in group[1:]}


@PROPERTY_SETTINGS
@given(st.one_of(twinned_models(), guarded_models(), small_models()))
def test_twins_are_the_components_alike_in_everything(model: SystemModel) -> None:
    assert model.interchangeable() == plain_interchangeable(model)


@PROPERTY_SETTINGS
@given(st.one_of(guarded_models(), small_models()))
def test_flow_arrays_hold_each_flow(model: SystemModel) -> None:
    arrays = model.flow_arrays()
    position = {c.id: n for n, c in enumerate(model.components)}
    kinds = list(FlowKind)
    codes: dict[frozenset[str], int] = {}
    for n, flow in enumerate(model.flows):
        assert arrays.source[n] == position[flow.source]
        assert arrays.target[n] == position[flow.target]
        assert kinds[arrays.kind[n]] is flow.kind
        assert (arrays.controls[n] == 0) == (not flow.controls)
        if flow.controls:
            # One code per set of controls, whatever their order.
            assert codes.setdefault(frozenset(flow.controls), int(arrays.controls[n])) == int(
                arrays.controls[n]
            )
    assert len(set(codes.values())) == len(codes)


def test_a_copy_with_other_flows_has_its_own_arrays() -> None:
    model = mg.example("netmon")
    before = model.flow_arrays()
    first = model.flows[0]
    reversed_flow = Flow.model_validate(
        {"from": first.target, "to": first.source, "kind": first.kind.value}
    )
    changed = model.model_copy(update={"flows": (reversed_flow, *model.flows[1:])})
    after = changed.flow_arrays()
    assert after.source[0] == before.target[0] and after.target[0] == before.source[0]
    assert model.flow_arrays() is before


@PROPERTY_SETTINGS
@given(st.one_of(small_models(), guarded_models()))
def test_telemetry_from_the_arrays_is_what_the_detection_module_says(model: SystemModel) -> None:
    graph = mg.analyze(model).attack_graph
    assert _watchers(graph) == (
        telemetry_watchers(model, CATALOG),
        watcher_modes(model, CATALOG),
    )


def test_telemetry_of_the_examples_from_the_arrays() -> None:
    for name in mg.example_names():
        model = mg.example(name)
        assert _watchers(mg.analyze(model).attack_graph)[0] == telemetry_watchers(model, CATALOG)
