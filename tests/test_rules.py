"""Propagation rules: every rule's own fixtures run, and bad rule files are reported precisely."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import maestro_graph as mg
from maestro_graph.engine.rule_testing import check_rule, check_rules
from maestro_graph.support.errors import MaestroInputError

CATALOG = mg.load_catalog()

RULE = """\
id: memo-steers-plan
title: Poisoned memory steers the planner that reads it
from: {threats: [L2.data-poisoning]}
via: {flows: [data], direction: forward}
to: {threat: L3.planner-manipulation, kinds: [planner]}
likelihood: 0.7
blocked_by: [memory-isolation]
atlas: [AML.T0080.000]
rationale: The planner trusts what it reads back from memory, so forged entries steer its choices.
references: ["MAESTRO cross-layer chain: L2 -> L3"]
examples:
  fires:
    components: [{id: mem, layer: L2, kind: memory_store}, {id: plan, layer: L3, kind: planner}]
    flows: [{from: mem, to: plan, kind: data}]
  quiet:
    components: [{id: mem, layer: L2, kind: memory_store}, {id: plan, layer: L3, kind: planner}]
    flows: [{from: plan, to: mem, kind: data}]
"""


def rule_folder(root: Path, text: str, name: str = "memo-steers-plan") -> Path:
    folder = root / "propagation"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(textwrap.dedent(text))
    return root


def test_the_catalog_has_enough_rules():
    assert len(CATALOG.rules) >= 40


@pytest.mark.parametrize("rule_id", sorted(CATALOG.rules))
def test_every_rule_fixture(rule_id):
    result = check_rule(CATALOG.rules[rule_id], CATALOG)
    assert result.passed, result.problems


def test_every_rule_is_documented():
    for rule in CATALOG.rules.values():
        assert len(rule.rationale.split()) >= 15, rule.id
        assert rule.references, rule.id
        assert rule.blocked_by, rule.id


def test_rules_cover_the_layer_pairs_the_design_names():
    def layers(rule):
        starts = [
            t
            for t in CATALOG.threats.values()
            if t.id in rule.source.threats or t.capability in rule.source.capabilities
        ]
        source = {
            CATALOG.kinds[k].layer.value
            for t in starts
            for k in t.applies_to
            if rule.source.kinds is None or k in rule.source.kinds
        }
        kinds = rule.target.kinds or {
            k for t in rule.target.threats for k in CATALOG.threats[t].applies_to
        }
        target = {CATALOG.kinds[k].layer.value for k in kinds}
        return {(a, b) for a in source for b in target}

    covered = set().union(*(layers(r) for r in CATALOG.rules.values()))
    for pair in [
        ("L1", "L2"),
        ("L2", "L1"),
        ("L2", "L3"),
        ("L3", "L2"),
        ("L3", "L4"),
        ("L4", "L3"),
        ("L4", "L5"),
        ("L5", "L4"),
        ("L3", "L7"),
        ("L7", "L3"),
        ("L5", "L7"),
        ("L7", "L5"),
        ("L1", "L3"),
        ("L4", "L2"),
        ("L4", "L1"),
        ("L5", "L6"),
        ("L6", "L3"),
        ("L7", "L1"),
    ]:
        assert pair in covered, pair
    directions = {r.via.direction for r in CATALOG.rules.values()}
    assert directions == {"forward", "reverse", "self"}
    flow_kinds = {k.value for r in CATALOG.rules.values() for k in r.via.flows}
    assert {
        "hosts",
        "supplies",
        "telemetry",
        "governs",
        "authorizes",
        "delegates",
        "invokes",
        "data",
    } <= flow_kinds


def test_user_rule_folder_runs_its_fixtures(tmp_path, run_cli):
    folder = rule_folder(tmp_path, RULE)
    result = run_cli("rules", "test", folder)
    assert result.exit_code == 0, result.output
    assert "ok    memo-steers-plan" in result.output and "1 passed, 0 failed" in result.output
    # --rules DIR, as every other command takes a folder, runs the same fixtures.
    assert run_cli("rules", "test", "--rules", folder).output == result.output


def test_a_rule_that_does_not_fire_fails(tmp_path, run_cli):
    broken = RULE.replace(
        "flows: [{from: mem, to: plan, kind: data}]",
        "flows: [{from: mem, to: plan, kind: telemetry}]",
    )
    folder = rule_folder(tmp_path, broken)
    catalog = mg.load_catalog(folder)
    assert check_rule(catalog.rules["memo-steers-plan"], catalog).problems == (
        "did not fire on examples.fires",
    )
    result = run_cli("rules", "test", folder)
    assert result.exit_code == 1
    assert "FAIL  memo-steers-plan: did not fire on examples.fires" in result.output


def test_a_rule_that_fires_when_it_must_not_fails(tmp_path):
    noisy = RULE.replace(
        "flows: [{from: plan, to: mem, kind: data}]", "flows: [{from: mem, to: plan, kind: data}]"
    )
    catalog = mg.load_catalog(rule_folder(tmp_path, noisy))
    (problem,) = check_rule(catalog.rules["memo-steers-plan"], catalog).problems
    assert "fired on examples.quiet" in problem


def test_invalid_fixture_is_reported(tmp_path):
    bad = RULE.replace(
        "{id: plan, layer: L3, kind: planner}]\n    flows: [{from: mem, to: plan, kind: data}]",
        "{id: plan, layer: L3, kind: vector_store}]\n    flows: [{from: mem, to: plan, kind: data}]",
    )
    catalog = mg.load_catalog(rule_folder(tmp_path, bad))
    (problem,) = check_rule(catalog.rules["memo-steers-plan"], catalog).problems
    assert problem.startswith("examples.fires:") and "belongs to L2" in problem


def test_check_rules_covers_every_rule():
    results = check_rules(CATALOG)
    assert [r.rule for r in results] == sorted(CATALOG.rules)


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "threats: [L2.data-poisoning]",
            "threats: [L2.data-poisonng]",
            3,
            "unknown threat 'L2.data-poisonng'; did you mean 'L2.data-poisoning'?",
        ),
        (
            "kinds: [planner]",
            "kinds: [tool]",
            5,
            "threat L3.planner-manipulation does not apply to kind 'tool'",
        ),
        (
            "blocked_by: [memory-isolation]",
            "blocked_by: [memory-isolaton]",
            7,
            "unknown control 'memory-isolaton'",
        ),
        ("atlas: [AML.T0080.000]", "atlas: [AML.T0999]", 8, "unknown ATLAS technique 'AML.T0999'"),
        ("direction: forward}", "direction: self}", 4, "direction 'self' takes no flows"),
        ("likelihood: 0.7", "likelihood: 0", 6, "likelihood: Input should be greater than 0"),
        (
            "id: memo-steers-plan",
            "id: other-name",
            1,
            "rule id 'other-name' must match its file name",
        ),
    ],
)
def test_bad_rule_files_name_file_and_line(tmp_path, old, new, line, message):
    folder = rule_folder(tmp_path, RULE.replace(old, new))
    with pytest.raises(MaestroInputError) as caught:
        mg.load_catalog(folder)
    (problem,) = caught.value.problems
    assert problem.source.endswith("memo-steers-plan.yaml")
    assert problem.line == line and message in problem.message


def test_rules_list_and_show_propagation_rules(run_cli):
    listing = run_cli("rules", "list", "--type", "rules")
    assert f"{len(CATALOG.rules)} rules" in listing.output
    shown = run_cli("rules", "show", "memory-poisoning-steers-planning").output
    for text in (
        "from: L2.data-poisoning",
        "via: data forward",
        "blocked by: memory-isolation",
        "References",
        "Fixtures: fires on",
    ):
        assert text in shown


def test_catalog_docs_list_every_rule():
    from maestro_graph.render.catalog import render_docs

    docs = render_docs(CATALOG)
    assert "## Propagation rules" in docs
    assert all(f"### `{rule_id}`" in docs for rule_id in CATALOG.rules)
