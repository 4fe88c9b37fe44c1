"""MAESTRO step 5: what-if controls and mitigation planning."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.decisions.mitigation import (
    _need,
    apply_placements,
    defender_operates,
    defender_options,
    planning_chains,
)
from maestro_graph.engine.propagation import build_attack_graph
from maestro_graph.engine.risk import Band
from maestro_graph.support.errors import MaestroInputError

from .strategies import sub_models

CATALOG = mg.load_catalog()
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def at_or_above(model, band, max_hops=3):
    graph = build_attack_graph(model, CATALOG)
    return [c for c in planning_chains(graph, band, max_hops) if c.band.rank >= band.rank]


@SETTINGS
@given(model=sub_models(), band=st.sampled_from([Band.MEDIUM, Band.HIGH]))
def test_recommended_controls_bring_every_chain_below_the_threshold(model, band):
    assume(at_or_above(model, band))
    plan = mg.analyze(model).mitigate(threshold=band, max_hops=3)
    mitigated = apply_placements(model, plan.placements)
    remaining = {c.id for c in at_or_above(mitigated, band)}
    assert remaining == set(plan.remaining)
    assert remaining <= set(plan.uncuttable), "every chain a control can cut is cut"


@SETTINGS
@given(model=sub_models())
def test_every_recommendation_reduces_some_chain(model):
    assume(at_or_above(model, Band.MEDIUM))
    analysis = mg.analyze(model)
    plan = analysis.mitigate(budget=3, band="medium", max_hops=3)
    before = {c.id: c.risk for c in planning_chains(analysis.attack_graph, Band.MEDIUM, 3)}
    for recommendation in plan.recommendations:
        assert recommendation.chains
        alone = apply_placements(model, [recommendation.placement])
        after = {
            c.id: c.risk
            for c in planning_chains(build_attack_graph(alone, CATALOG), Band.MEDIUM, 3)
        }
        assert any(
            after.get(chain_id, 0.0) < before[chain_id] - 1e-12
            for chain_id in recommendation.chains
        )


def exhaustive_minimum(model, band, max_hops=3, largest=2):
    """The fewest placements (up to ``largest``) that leave no chain at or above the band."""
    graph = build_attack_graph(model, CATALOG)
    chains = at_or_above(model, band, max_hops)
    if not chains:
        return 0
    candidates = sorted({p for c in chains for p in defender_options(c, graph)})
    for size in range(1, largest + 1):
        for subset in itertools.combinations(candidates, size):
            if not at_or_above(apply_placements(model, subset), band, max_hops):
                return size
    return None


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(model=sub_models(size=(3, 6)))
def test_exact_plan_matches_exhaustive_search(model):
    assume(at_or_above(model, Band.HIGH))
    plan = mg.analyze(model).mitigate(threshold="high", max_hops=3)
    assume(plan.method == "exact" and not plan.uncuttable)
    minimum = exhaustive_minimum(model, Band.HIGH)
    graph = build_attack_graph(model, CATALOG)
    # Where two rules join the same pair of states, a placement that cuts only one of them is
    # not counted (the step stays as likely as the other), so the plan is exact only on models
    # without such steps; elsewhere it is verified (above) and never below the true minimum.
    additive = all(len(t.alternatives) <= 1 for t in graph.transitions)
    if minimum is None:  # the optimum needs more placements than the exhaustive search tries
        assert len(plan.recommendations) > 2
    elif additive:
        assert len(plan.recommendations) == minimum
    else:
        assert len(plan.recommendations) >= minimum


@SETTINGS
@given(model=sub_models(), band=st.sampled_from([Band.MEDIUM, Band.HIGH]))
def test_every_placement_is_one_the_defender_can_make(model, band):
    analysis = mg.analyze(model)
    plans = [analysis.mitigate(threshold=band, max_hops=3)]
    plans.append(analysis.mitigate(budget=3, band=band, max_hops=3))
    for plan in plans:
        for recommendation in plan.recommendations:
            placement = recommendation.placement
            ends = [placement.component] if placement.component else list(placement.flow)
            assert any(defender_operates(model.component(end)) for end in ends)
            if placement.component is not None:
                assert defender_operates(model.component(placement.component))
            # The layer column is where the placement sits, not the control's own layer.
            assert recommendation.layer in {model.component(end).layer.value for end in ends}
            assert 1 <= recommendation.pairs <= len(recommendation.chains)


def test_planning_reports_its_rounds():
    import io

    from maestro_graph.support.progress import Progress

    stream = io.StringIO()
    analysis = mg.analyze(mg.example("rag-agent"))
    analysis.progress = Progress(enabled=True, stream=stream)
    plan = analysis.mitigate(threshold="medium")
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("planning round")]
    assert lines and plan.method == "exact"
    assert "chains to cut" in lines[-1] and "optimal" in lines[-1]


def test_netmon_plan_recommends_memory_isolation_and_planner_validation(run_cli):
    plan = mg.analyze(mg.example("netmon")).mitigate(threshold="high")
    assert plan.method == "exact" and plan.remaining == ()
    # The paper's first defence, on the poisoned history or on the tuner that reads it.
    first = plan.placements[0]
    assert first.control == "memory-isolation" and first.component in {"history", "tuner"}
    budget = mg.analyze(mg.example("netmon")).mitigate(budget=5)
    controls = [p.control for p in budget.placements]
    assert "memory-isolation" in controls[:3] and "planner-validation" in controls[:4]
    table = run_cli("mitigate", "--example", "netmon").output
    assert (
        "memory-isolation" in table
        and "Residual risk" in table
        and "Verified by re-analysis" in table
    )


def test_mitigate_json_and_markdown(run_cli):
    data = json.loads(run_cli("mitigate", "--example", "rag-agent", "--format", "json").output)
    assert (
        data["mode"] == "threshold"
        and data["band"] == "high"
        and data["method"] in {"exact", "greedy"}
    )
    assert data["remaining"] == [] and data["residual"]["after"]["bands"]["high"] == 0
    assert all(r["chains"] and r["risk_removed"] > 0 for r in data["recommendations"])
    markdown = run_cli("mitigate", "--example", "netmon", "--budget", "2", "--format", "md").output
    assert markdown.startswith("## Mitigation plan for Network-monitoring agent")


def test_mitigate_bad_options(run_cli):
    # --threshold is the older spelling of --band: one option, so the two read the same.
    old = run_cli("mitigate", "--example", "netmon", "--budget", "2", "--threshold", "medium")
    new = run_cli("mitigate", "--example", "netmon", "--budget", "2", "--band", "medium")
    assert old.exit_code == new.exit_code == 0 and old.output == new.output
    assert run_cli("mitigate", "--example", "netmon", "--band", "low").exit_code == 2
    assert run_cli("mitigate", "--example", "netmon", "--budget", "0").exit_code == 2
    assert run_cli("mitigate", "--example", "netmon", "--threshold", "severe").exit_code == 2


# -- what-if ---------------------------------------------------------------------------------


def test_with_controls_returns_a_new_analysis():
    before = mg.analyze(mg.example("netmon"))
    after = before.with_controls(["tuner:memory-isolation", "history->tuner:planner-validation"])
    assert "memory-isolation" not in before.model.component("tuner").controls
    assert "memory-isolation" in after.model.component("tuner").controls
    flow = next(f for f in after.model.flows if (f.source, f.target) == ("history", "tuner"))
    assert "planner-validation" in flow.controls
    # The memory cascade (from history, through the tuner) is what the two controls cut.
    assert (
        after.paths(top=1, entry="history")[0].risk < before.paths(top=1, entry="history")[0].risk
    )
    assert after.paths(top=1)[0].risk <= before.paths(top=1)[0].risk
    assert after.model.component_line("tuner") == before.model.component_line("tuner")


def test_flow_placements_are_shell_safe_and_the_old_spelling_still_reads(run_cli):
    before = mg.analyze(mg.example("netmon"))
    new = before.with_controls(["history/tuner:planner-validation"])
    old = before.with_controls(["history->tuner:planner-validation"])
    assert new.model == old.model
    plan = before.mitigate(threshold="high")
    printed = [str(p) for p in plan.placements]
    assert printed and not any(set(text) & set("<>|&;$()`\"'* ") for text in printed)
    # The printed form is what --assume-control reads back.
    result = run_cli("paths", "--example", "netmon", "--assume-control", *printed[:1])
    assert result.exit_code == 0, result.output


def test_placement_errors_from_python_name_the_parameter_not_the_flag():
    with pytest.raises(MaestroInputError) as error:
        mg.analyze(mg.example("netmon")).with_controls(["tunr:memory-isolation"])
    assert error.value.problems[0].source == "placements"


@pytest.mark.parametrize(
    ("placement", "message"),
    [
        (
            "tuner:memory-isolaton",
            "unknown control 'memory-isolaton'; did you mean 'memory-isolation'?",
        ),
        ("tunr:memory-isolation", "no component 'tunr'; did you mean 'tuner'?"),
        ("history->capture:planner-validation", "no flow from 'history' to 'capture'"),
        ("history/capture:planner-validation", "no flow from 'history' to 'capture'"),
        ("tuner", "expected TARGET:CONTROL"),
        ("tuner:adversarial-training", None),
    ],
)
def test_bad_placements(placement, message):
    analysis = mg.analyze(mg.example("netmon"))
    if message is None:  # a valid placement, even where it mitigates nothing
        analysis.with_controls([placement])
        return
    with pytest.raises(MaestroInputError, match=message.replace("?", r"\?")):
        analysis.with_controls([placement])


def test_assume_control_on_the_commands(run_cli):
    args = ("--example", "netmon", "--assume-control", "tuner:memory-isolation")
    paths = json.loads(run_cli("paths", *args, "--format", "json").output)
    delta = {d["id"]: d for d in paths["what_if"]["chains"]}
    assert paths["what_if"]["assumed"] == ["tuner:memory-isolation"]
    assert all(d["risk_after"] <= d["risk_before"] for d in delta.values())
    # The control cuts the memory cascade: its chains either drop in risk or leave the top 10.
    removed = paths["what_if"]["removed"]
    assert any(d["risk_after"] < d["risk_before"] for d in delta.values()) or (
        removed and all("tuner[" in r["path"] for r in removed)
    )
    # A chain that left the top 10 says whether it is cut or only ranked lower, with its risk.
    ranked_after = {
        c["id"]: c["risk"]
        for c in json.loads(run_cli("paths", *args, "--top", "200", "--format", "json").output)[
            "chains"
        ]
    }
    for chain in removed:
        if chain["risk_after"] is None:
            assert chain["id"] not in ranked_after
        else:
            assert chain["risk_after"] < chain["risk_before"]
    threats = run_cli("threats", *args)
    assert "What-if: tuner:memory-isolation" in threats.output
    matrix = json.loads(run_cli("matrix", *args, "--format", "json").output)
    assert any(c["risk_after"] < c["risk_before"] for c in matrix["what_if"]["changed"])
    bad = run_cli("paths", "--example", "netmon", "--assume-control", "tuner:nope")
    assert bad.exit_code == 2 and "unknown control 'nope'" in bad.output


def _risk_cut(chains, options, needs, placements) -> float:
    """The risk of the chains whose need the placements meet (the budget plan's objective)."""
    return sum(
        c.risk for c in chains if sum(options[c.id].get(p, 0.0) for p in placements) >= needs[c.id]
    )


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(model=sub_models(size=(3, 6)), budget=st.integers(1, 2))
def test_budget_plan_cuts_the_most_risk_an_exhaustive_search_finds(model, budget):
    assume(at_or_above(model, Band.MEDIUM))
    analysis = mg.analyze(model)
    graph = analysis.attack_graph
    chains = planning_chains(graph, Band.MEDIUM, 3)
    options = {c.id: defender_options(c, graph) for c in chains}
    needs = {c.id: _need(c, Band.MEDIUM) for c in chains}
    candidates = sorted({p for per_chain in options.values() for p in per_chain})
    best = max(
        (
            _risk_cut(chains, options, needs, subset)
            for size in range(budget + 1)
            for subset in itertools.combinations(candidates, size)
        ),
        default=0.0,
    )
    plan = analysis.mitigate(budget=budget, band="medium", max_hops=3)
    assert plan.method == "exact" and len(plan.placements) <= budget
    assert _risk_cut(chains, options, needs, plan.placements) == pytest.approx(best, abs=1e-9)
