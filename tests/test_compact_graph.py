"""The compact attack graph: transitions kept as arrays equal the plain construction, step by step.

The build expands per-kind templates with NumPy (``propagation._step_arrays``); these tests hold
it to the straightforward loop over flows, rules and source threats that DESIGN section 5
describes, on the bundled examples and on random models with controls and guards.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.engine.propagation import (
    DEFAULT_TRANSITION_FLOOR,
    AttackGraph,
    SuccessorLists,
    TransitionList,
    _reductions,
    _rules_by_flow,
    _Surroundings,
    build_attack_graph,
    source_threats,
    target_threat,
)
from maestro_graph.engine.risk import control_factor
from maestro_graph.model import Component, Flow, SystemModel

from .strategies import CATALOG, PROPERTY_SETTINGS, guarded_models, small_models

Step = tuple[str, Flow | None, float, tuple[tuple[str, float, str], ...]]


def plain_steps(graph: AttackGraph, model: SystemModel) -> dict[tuple[int, int], list[Step]]:
    """Every (rule id, flow, likelihood, reductions) joining two states, in the order found."""
    surroundings = _Surroundings.of(model, CATALOG)
    by_flow, self_rules = _rules_by_flow(CATALOG)
    found: dict[tuple[int, int], list[Step]] = {}

    def consider(source: Component, target: Component, rules: list, flow: Flow | None) -> None:
        guarded = surroundings.guards.get(target.id, {})
        for rule in rules:
            threat = target_threat(rule, CATALOG, target.kind)
            if threat is None or not surroundings.admits(rule, source, target):
                continue
            controls = flow.controls if flow else ()
            reductions = _reductions(rule, target, controls, guarded, source.id, CATALOG)
            likelihood = rule.likelihood * control_factor(e for _, e, _ in reductions)
            if likelihood < DEFAULT_TRANSITION_FLOOR:
                continue
            end = graph.state_index[(target.id, threat)]
            for start_threat in source_threats(rule, CATALOG, source.kind):
                start = graph.state_index[(source.id, start_threat)]
                if start != end:
                    found.setdefault((start, end), []).append(
                        (rule.id, flow, likelihood, reductions)
                    )

    by_id = {component.id: component for component in model.components}
    for flow in model.flows:
        consider(
            by_id[flow.source], by_id[flow.target], by_flow.get((flow.kind, "forward"), []), flow
        )
        consider(
            by_id[flow.target], by_id[flow.source], by_flow.get((flow.kind, "reverse"), []), flow
        )
    for component in model.components:
        consider(component, component, self_rules, None)
    return found


def _preference(step: Step) -> tuple[float, str, str]:
    rule_id, flow, likelihood, _ = step
    return (-likelihood, rule_id, flow.kind.value if flow else "")


def assert_same_as_plain(model: SystemModel) -> None:
    graph = build_attack_graph(model, CATALOG)
    expected = plain_steps(graph, model)
    assert [(t.source, t.target) for t in graph.transitions] == list(expected)
    for transition, steps in zip(graph.transitions, expected.values(), strict=True):
        best = min(steps, key=_preference)
        assert (transition.rule.id, transition.flow, transition.likelihood) == best[:3]
        assert transition.reductions == best[3]
        alternatives = [(r.id, f, p, c) for r, f, p, c in transition.alternatives]
        assert alternatives == (steps if len(steps) > 1 else [best])
    for source, outgoing in enumerate(graph.successors):
        assert outgoing == [t.index for t in graph.transitions if t.source == source]


def test_the_bundled_examples_build_the_plain_graph() -> None:
    for name in ("netmon", "rag-agent", "multi-agent"):
        assert_same_as_plain(mg.example(name))


@PROPERTY_SETTINGS
@given(st.one_of(small_models(), guarded_models()))
def test_random_models_build_the_plain_graph(model: SystemModel) -> None:
    assert_same_as_plain(model)


def test_a_transition_object_is_made_once_and_indexes_like_a_list() -> None:
    graph = build_attack_graph(mg.example("netmon"), CATALOG)
    transitions = graph.transitions
    assert isinstance(transitions, TransitionList)
    assert transitions[0] is transitions[0]
    assert transitions[-1] is transitions[len(transitions) - 1]
    assert [t.index for t in transitions[1:4]] == [1, 2, 3]
    assert [t.index for t in transitions] == list(range(graph.transition_count))


def test_successor_lists_follow_the_arrays() -> None:
    graph = build_attack_graph(mg.example("rag-agent"), CATALOG)
    successors = graph.successors
    assert isinstance(successors, SuccessorLists) and len(successors) == graph.state_count
    steps = graph.steps
    for state in (0, graph.state_count // 2, -1):
        source = state % graph.state_count
        expected = [i for i in range(len(steps)) if int(steps.source[i]) == source]
        assert successors[state] == expected


def test_a_model_without_flows_has_no_transitions_between_components() -> None:
    model = SystemModel.model_validate(
        {
            "maestro": 1,
            "system": {"name": "alone"},
            "components": [{"id": "llm", "layer": "L1", "kind": "foundation_model"}],
        }
    )
    graph = build_attack_graph(model, CATALOG)
    assert all(t.flow is None for t in graph.transitions)
    assert len(graph.steps) == graph.transition_count


@PROPERTY_SETTINGS
@given(st.one_of(small_models(), guarded_models()))
def test_the_transitions_by_target_are_each_transition_once_in_target_order(model) -> None:
    steps = build_attack_graph(model, CATALOG).steps
    assert sorted(steps.by_target.tolist()) == list(range(len(steps)))
    targets = steps.target[steps.by_target]
    assert (targets[1:] >= targets[:-1]).all()
