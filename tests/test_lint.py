"""Model warnings: entry components that start no chain, controls that cannot act.

The warnings themselves are checked against a tiny hand-made catalog, so they do not move when
the built-in rules change; the CLI, the examples and the properties use the built-in catalog.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings

import maestro_graph as mg
from maestro_graph.catalog import Catalog
from maestro_graph.catalog.types import Control, KindInfo, PropagationRule, Threat
from maestro_graph.engine.lint import (
    CONTROL_CANNOT_ACT,
    ENTRY_STARTS_NOTHING,
    FLOW_CONTROL_CANNOT_ACT,
    WARNING_CODES,
    lint,
)
from maestro_graph.engine.propagation import build_attack_graph
from maestro_graph.engine.ranking import ChainQuery, search_chains
from maestro_graph.model.layers import Layer

from .strategies import CATALOG, EXAMPLE_MODELS, small_models


def _threat(threat_id: str, kinds: list[str], capability: str, **extra: object) -> Threat:
    return Threat.model_validate(
        {
            "id": threat_id,
            "layer": threat_id[:2],
            "name": threat_id,
            "description": "test threat",
            "applies_to": kinds,
            "likelihood": 0.5,
            "impact": 4,
            "capability": capability,
            **extra,
        }
    )


def _control(control_id: str, layer: str, placement: list[str], kinds: list[str]) -> Control:
    return Control.model_validate(
        {
            "id": control_id,
            "name": control_id,
            "layer": layer,
            "description": "test control",
            "effectiveness": 0.5,
            "applies_to": kinds,
            "placement": placement,
        }
    )


def _rule(
    rule_id: str, source: dict, via: dict, target: dict, blocked_by: list[str]
) -> PropagationRule:
    return PropagationRule.model_validate(
        {
            "id": rule_id,
            "title": rule_id,
            "from": source,
            "via": via,
            "to": target,
            "likelihood": 0.8,
            "blocked_by": blocked_by,
            "rationale": "test rule",
            "examples": {"fires": {}, "quiet": {}},
        }
    )


# A user's requests can hijack an agent it invokes (code runs there); the hijacked agent reads
# the store it invokes, and what code reads is the attacker's. Nothing
# moves along data flows, and a vector store is no place an attacker starts.
TINY = Catalog(
    kinds={
        "user": KindInfo("user", Layer.L7, "a person"),
        "agent": KindInfo("agent", Layer.L3, "an agent"),
        "vector_store": KindInfo("vector_store", Layer.L2, "a store"),
        "guardrail": KindInfo("guardrail", Layer.L6, "a guard"),
    },
    threats={
        t.id: t
        for t in (
            _threat("L7.hostile-user", ["user"], "influence", entry=True),
            _threat("L3.hijack", ["agent"], "execute", mitigated_by=["goal-validation"]),
            _threat("L2.leak", ["vector_store"], "read", mitigated_by=["encryption-at-rest"]),
            _threat("L6.guard-bypass", ["guardrail"], "control"),
        )
    },
    controls={
        c.id: c
        for c in (
            _control("goal-validation", "L3", ["component"], ["agent"]),
            _control("encryption-at-rest", "L2", ["component"], ["vector_store"]),
            _control("input-filter", "L3", ["component", "flow"], ["agent"]),
            _control("transport-encryption", "L4", ["component", "flow"], []),
        )
    },
    rules={
        r.id: r
        for r in (
            _rule(
                "user-drives-agent",
                {"capabilities": ["influence"], "kinds": ["user"]},
                {"flows": ["invokes"]},
                {"threat": "L3.hijack"},
                ["input-filter"],
            ),
            _rule(
                "agent-reads-store",
                {"threats": ["L3.hijack"]},
                {"flows": ["invokes"]},
                {"threat": "L2.leak"},
                [],
            ),
        )
    },
    guards={"guardrail": ("goal-validation",)},
)


def tiny_model(text: str) -> mg.SystemModel:
    body = textwrap.dedent(text).strip("\n")
    return mg.model_from_text(
        "maestro: 1\nsystem: {name: tiny}\n" + body + "\n", "tiny.yaml", catalog=TINY
    )


HEALTHY = """
components:
  - {id: user, layer: L7, kind: user, exposure: public}
  - {id: bot, layer: L3, kind: agent, controls: [goal-validation]}
  - {id: kb, layer: L2, kind: vector_store}
flows:
  - {from: user, to: bot, kind: invokes, controls: [input-filter]}
  - {from: bot, to: kb, kind: invokes}
"""


def test_a_healthy_model_has_no_warnings():
    assert lint(tiny_model(HEALTHY), TINY) == []


# -- control-cannot-act ------------------------------------------------------------------------


def test_control_that_mitigates_nothing_there_is_reported_with_its_line():
    model = tiny_model(
        HEALTHY.replace("controls: [goal-validation]", "controls: [encryption-at-rest]")
    )
    [warning] = lint(model, TINY)
    assert (warning.code, warning.component, warning.control) == (
        CONTROL_CANNOT_ACT,
        "bot",
        "encryption-at-rest",
    )
    assert warning.flow is None
    assert (warning.source, warning.line) == ("tiny.yaml", 5)
    assert "mitigates no threat of kind agent" in warning.message
    assert "it is meant for vector_store" in warning.message
    assert str(warning).startswith("tiny.yaml:5: control 'encryption-at-rest' on 'bot'")


def test_control_that_cuts_a_step_into_the_kind_acts():
    # input-filter mitigates no agent threat, but it cuts user-drives-agent into the agent.
    model = tiny_model(HEALTHY.replace("controls: [goal-validation]", "controls: [input-filter]"))
    assert lint(model, TINY) == []


def test_a_guard_listing_the_controls_it_provides_is_not_warned():
    text = HEALTHY + "  - {from: guard, to: bot, kind: governs}\n"
    text = text.replace(
        "flows:", "  - {id: guard, layer: L6, kind: guardrail, controls: [goal-validation]}\nflows:"
    )
    assert lint(tiny_model(text), TINY) == []
    other = text.replace(
        "kind: guardrail, controls: [goal-validation]", "kind: guardrail, controls: [input-filter]"
    )
    assert [(w.code, w.component) for w in lint(tiny_model(other), TINY)] == [
        (CONTROL_CANNOT_ACT, "guard")
    ]


# -- flow-control-cannot-act -------------------------------------------------------------------


def test_flow_control_no_rule_along_the_flow_lists_is_reported():
    model = tiny_model(
        HEALTHY.replace(
            "{from: bot, to: kb, kind: invokes}",
            "{from: bot, to: kb, kind: invokes, controls: [input-filter, transport-encryption]}",
        )
    )
    warnings = lint(model, TINY)
    assert [(w.code, w.flow, w.control) for w in warnings] == [
        (FLOW_CONTROL_CANNOT_ACT, ("bot", "kb", "invokes"), "input-filter"),
        (FLOW_CONTROL_CANNOT_ACT, ("bot", "kb", "invokes"), "transport-encryption"),
    ]
    assert warnings[0].component is None and warnings[0].line == 9
    assert "from kind agent to kind vector_store" in warnings[0].message


def test_flow_control_on_the_flow_a_rule_travels_acts():
    # input-filter on user -> bot is in HEALTHY: the rule user-drives-agent travels it.
    assert not [w for w in lint(tiny_model(HEALTHY), TINY) if w.code == FLOW_CONTROL_CANNOT_ACT]


# -- entry-starts-nothing ----------------------------------------------------------------------


def test_entry_of_a_kind_with_no_entry_threat():
    model = tiny_model(HEALTHY + "attacker: {entry: [kb]}\n")
    [warning] = lint(model, TINY)
    assert (warning.code, warning.component, warning.line) == (ENTRY_STARTS_NOTHING, "kb", 6)
    assert "no entry threat applies to kind vector_store" in warning.message
    assert "listed in attacker.entry" in warning.message
    assert lint(tiny_model(HEALTHY + "attacker: {entry: [user]}\n"), TINY) == []


def test_entry_whose_flows_no_rule_follows():
    model = tiny_model(
        HEALTHY.replace(
            "{from: user, to: bot, kind: invokes, controls: [input-filter]}",
            "{from: user, to: bot, kind: data}",
        )
    )
    [warning] = lint(model, TINY)
    assert (warning.code, warning.component) == (ENTRY_STARTS_NOTHING, "user")
    assert (
        "its entry threats lead nowhere: no flow out of it that a rule follows" in warning.message
    )
    assert "data to bot" in warning.message
    assert "entry by default (exposure public, trust trusted)" in warning.message


def test_entry_with_no_flows():
    model = tiny_model(
        HEALTHY.replace(
            "components:", "components:\n  - {id: loner, layer: L7, kind: user, trust: untrusted}"
        )
    )
    [warning] = lint(model, TINY)
    assert warning.component == "loner" and "it has no flow to another component" in warning.message


def test_entry_that_reaches_only_what_is_not_a_target():
    model = tiny_model(HEALTHY + "attacker: {entry: [user], targets: [user]}\n")
    [warning] = lint(model, TINY)
    assert warning.code == ENTRY_STARTS_NOTHING
    assert "one of attacker.targets (user)" in warning.message


def test_a_default_entry_that_only_receives_is_a_sink_not_a_start():
    # An untrusted inbox the agent writes to is where the attacker receives data.
    text = (
        HEALTHY.replace(
            "flows:", "  - {id: inbox, layer: L7, kind: user, trust: untrusted}\nflows:"
        )
        + "  - {from: bot, to: inbox, kind: data}\n"
    )
    assert lint(tiny_model(text), TINY) == []
    named = tiny_model(text + "attacker: {entry: [user, inbox]}\n")
    assert [(w.code, w.component) for w in lint(named, TINY)] == [(ENTRY_STARTS_NOTHING, "inbox")]


def test_warnings_are_in_file_order():
    text = (
        HEALTHY.replace("controls: [goal-validation]", "controls: [encryption-at-rest]").replace(
            "{from: bot, to: kb, kind: invokes}",
            "{from: bot, to: kb, kind: invokes, controls: [input-filter]}",
        )
        + "attacker: {entry: [kb, user]}\n"
    )
    warnings = lint(tiny_model(text), TINY)
    assert [w.code for w in warnings] == [
        CONTROL_CANNOT_ACT,
        ENTRY_STARTS_NOTHING,
        FLOW_CONTROL_CANNOT_ACT,
    ]
    assert [w.line for w in warnings] == sorted(w.line for w in warnings)


def test_records_have_the_documented_keys():
    model = tiny_model(
        HEALTHY.replace("kind: invokes}", "kind: invokes, controls: [transport-encryption]}")
    )
    [record] = [w.to_record() for w in lint(model, TINY)]
    assert record == {
        "code": FLOW_CONTROL_CANNOT_ACT,
        "component": None,
        "flow": {"from": "bot", "to": "kb", "kind": "invokes"},
        "control": "transport-encryption",
        "message": record["message"],
        "line": 9,
    }


def test_a_model_built_in_python_has_no_lines():
    data = tiny_model(HEALTHY + "attacker: {entry: [kb]}\n").to_data()
    [warning] = lint(mg.SystemModel.model_validate(data), TINY)
    assert warning.source is None and warning.line is None
    assert str(warning).startswith("component kb: ")


# -- the API on the built-in catalog ----------------------------------------------------------


def test_analysis_warnings_reuse_its_attack_graph():
    analysis = mg.analyze(EXAMPLE_MODELS["rag-agent"])
    graph = analysis.attack_graph
    assert analysis.warnings() == lint(analysis.model, analysis.catalog, graph)
    assert analysis.attack_graph is graph
    assert mg.lint(analysis.model) == analysis.warnings()


@pytest.mark.parametrize("name", sorted(EXAMPLE_MODELS))
def test_examples_lint_deterministically(name):
    model = EXAMPLE_MODELS[name]
    first = mg.lint(model)
    assert first == mg.lint(model)
    assert all(w.code in WARNING_CODES and w.line is not None for w in first)


# -- properties --------------------------------------------------------------------------------


def _without_control(model: mg.SystemModel, component_id: str, control: str) -> mg.SystemModel:
    data = model.to_data()
    for component in data["components"]:
        if component["id"] == component_id:
            component["controls"] = [c for c in component["controls"] if c != control]
    return mg.SystemModel.model_validate(data)


def _graph_numbers(model: mg.SystemModel) -> tuple:
    graph = build_attack_graph(model, CATALOG)
    return (
        [(s.key, s.likelihood) for s in graph.states],
        sorted(
            (graph.states[t.source].key, graph.states[t.target].key, t.likelihood)
            for t in graph.transitions
        ),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_models())
def test_lint_never_raises_and_is_deterministic(model):
    warnings = lint(model, CATALOG)
    assert warnings == lint(model, CATALOG)
    for warning in warnings:
        assert warning.code in WARNING_CODES
        if warning.flow is not None:
            assert any(
                f.key[:2] == warning.flow[:2] and f.kind.value == warning.flow[2]
                for f in model.flows
            )
        else:
            assert model.has_component(warning.component)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_models())
def test_a_control_that_cannot_act_changes_nothing_when_removed(model):
    for warning in lint(model, CATALOG):
        if warning.code == CONTROL_CANNOT_ACT:
            trimmed = _without_control(model, warning.component, warning.control)
            assert _graph_numbers(trimmed) == _graph_numbers(model)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_models())
def test_an_entry_that_starts_nothing_has_no_chain(model):
    graph = build_attack_graph(model, CATALOG)
    for warning in lint(model, CATALOG, graph):
        if warning.code == ENTRY_STARTS_NOTHING:
            query = ChainQuery(top=1, max_hops=6, entry_ids=frozenset({warning.component}))
            assert search_chains(graph, query) == []


# -- the command line --------------------------------------------------------------------------

MISPLACED = """\
maestro: 1
system: {name: Misplaced}
components:
  - {id: user, layer: L7, kind: user, exposure: public}
  - {id: bot, layer: L3, kind: agent, controls: [adversarial-training]}
  - {id: llm, layer: L1, kind: foundation_model}
flows:
  - {from: user, to: bot, kind: invokes}
  - {from: bot, to: llm, kind: invokes}
"""


@pytest.fixture
def misplaced(write_model: Callable[..., object]) -> object:
    return write_model(MISPLACED)


def test_validate_lists_warnings_and_exits_0(run_cli, misplaced):
    result = run_cli("validate", misplaced)
    assert result.exit_code == 0, result.output
    assert "Warnings (1)" in result.output
    assert "line 5: control 'adversarial-training' on 'bot' cannot act there" in result.output
    assert "[control-cannot-act]" in result.output


def test_validate_json_has_a_warnings_array(run_cli, misplaced):
    result = run_cli("validate", misplaced, "--format", "json")
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.output)["warnings"]
    assert record["code"] == "control-cannot-act"
    assert (record["component"], record["flow"], record["line"]) == ("bot", None, 5)
    assert "cannot act there" in record["message"]


def test_validate_strict_fails_on_warnings_only(run_cli, misplaced, write_model):
    assert run_cli("validate", misplaced, "--strict").exit_code == 1
    fixed = write_model(MISPLACED.replace("adversarial-training", "goal-validation"), "fixed.yaml")
    result = run_cli("validate", fixed, "--strict", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["warnings"] == []
    assert "Warnings" not in run_cli("validate", fixed).output


def test_paths_prints_warnings_to_stderr_in_table_format_only(misplaced):
    from click.testing import CliRunner

    from maestro_graph.cli import main

    table = CliRunner().invoke(main, ["paths", str(misplaced), "--top", "1"])
    assert table.exit_code == 0
    assert f"warning: {misplaced}:5: control 'adversarial-training'" in table.stderr
    assert "warning:" not in table.stdout
    as_json = CliRunner().invoke(main, ["paths", str(misplaced), "--format", "json"])
    assert "warning:" not in as_json.stderr
    json.loads(as_json.stdout)


def test_warning_is_frozen():
    warning = lint(tiny_model(HEALTHY + "attacker: {entry: [kb]}\n"), TINY)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.code = "x"  # type: ignore[misc]
