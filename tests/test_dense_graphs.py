"""Dense graphs stop within a bound and say so, instead of running for hours.

A complete delegation graph has exponentially many chains of equal risk; with stages folded,
every chain has a longer continuation, so nothing is kept until the hop bound. The search
queues at most ``search_budget`` partial chains, then ranks without folding, and warns.
"""

from __future__ import annotations

import warnings

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.cli import main
from maestro_graph.engine.propagation import build_attack_graph
from maestro_graph.engine.ranking import (
    SEARCH_BUDGET,
    ChainQuery,
    SearchBudgetWarning,
    search_paths,
)

from .bruteforce import brute_force_paths
from .strategies import CATALOG, PROPERTY_SETTINGS, twinned_models


def _complete_delegation(count: int) -> mg.SystemModel:
    components = [
        {
            "id": f"a{i}",
            "layer": "L3",
            "kind": "agent",
            **({"exposure": "public"} if i == 0 else {}),
        }
        for i in range(count)
    ]
    flows = [
        {"from": f"a{i}", "to": f"a{j}", "kind": "delegates"}
        for i in range(count)
        for j in range(count)
        if i != j
    ]
    return mg.SystemModel.model_validate(
        {"maestro": 1, "system": {"name": "dense"}, "components": components, "flows": flows}
    )


def test_a_dense_graph_stops_at_the_budget_with_a_warning_and_chains():
    analysis = mg.analyze(_complete_delegation(12))
    with pytest.warns(SearchBudgetWarning, match="ranked without folding"):
        chains = analysis.paths(top=10, search_budget=20_000)
    assert len(chains) == 10
    assert all(c.entry == "a0" for c in chains)


def test_the_budget_is_far_above_what_real_models_need():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SearchBudgetWarning)
        for name in mg.examples():
            mg.analyze(mg.example(name)).paths(top=50, search_budget=SEARCH_BUDGET // 10)


def test_the_cli_prints_the_warning(tmp_path):
    path = tmp_path / "dense.yaml"
    path.write_text(_complete_delegation(12).to_yaml(), encoding="utf-8")
    result = CliRunner().invoke(main, ["paths", str(path), "--search-budget", "20000"])
    assert result.exit_code == 0
    assert "warning: the search stopped after 20,000 partial chains" in result.output


def test_a_hub_finds_its_steps_by_target_as_a_scan_would():
    components = [{"id": "orch", "layer": "L3", "kind": "orchestrator"}]
    components += [
        {"id": f"s{i}", "layer": "L7", "kind": "mcp_server", "exposure": "public"}
        for i in range(40)
    ]
    flows = [{"from": "orch", "to": f"s{i}", "kind": "invokes"} for i in range(40)]
    model = mg.SystemModel.model_validate(
        {"maestro": 1, "system": {"name": "hub"}, "components": components, "flows": flows}
    )
    graph = mg.analyze(model).attack_graph
    for source, outgoing in enumerate(graph.successors):
        by_target = graph.steps_by_target(source)
        assert by_target == {graph.transitions[i].target: i for i in outgoing}


def test_a_gate_that_cannot_judge_every_chain_fails_instead_of_passing():
    analysis = mg.analyze(_complete_delegation(20))
    with pytest.raises(mg.MaestroInputError, match="the gate cannot judge them all"):
        analysis.gate_chains("low")


def test_mitigate_plans_a_dense_graph_without_listing_every_route(tmp_path):
    # Listing every route at or above medium overruns the search budget here; lazy constraint
    # generation needs only the routes still standing after each round's answer.
    path = tmp_path / "dense.yaml"
    path.write_text(_complete_delegation(20).to_yaml(), encoding="utf-8")
    result = CliRunner().invoke(main, ["mitigate", str(path), "--threshold", "medium"])
    assert result.exit_code == 0, result.output
    assert "Method: exact (optimal" in result.output
    assert "Verified by re-analysis: no chain is at or above medium" in result.output


def _hub(servers: int) -> mg.SystemModel:
    components = [
        {"id": "orch", "layer": "L3", "kind": "orchestrator"},
        {"id": "llm", "layer": "L1", "kind": "foundation_model"},
    ]
    components += [
        {"id": f"s{i}", "layer": "L7", "kind": "mcp_server", "exposure": "public"}
        for i in range(servers)
    ]
    flows = [{"from": "orch", "to": f"s{i}", "kind": "invokes"} for i in range(servers)]
    flows.append({"from": "orch", "to": "llm", "kind": "invokes"})
    return mg.SystemModel.model_validate(
        {"maestro": 1, "system": {"name": "hub"}, "components": components, "flows": flows}
    )


@PROPERTY_SETTINGS
@given(
    model=twinned_models(),
    max_hops=st.integers(1, 4),
    fold_stages=st.booleans(),
    top=st.one_of(st.none(), st.integers(1, 6)),
)
def test_taking_twins_in_order_finds_what_every_route_would(model, max_hops, fold_stages, top):
    """The search takes interchangeable components in id order only (ranking.twin_order); the
    chains it shows are exactly those a search over every route shows."""
    assert model.interchangeable()
    graph = build_attack_graph(model, CATALOG)
    query = ChainQuery(top=top, max_hops=max_hops, fold_stages=fold_stages)
    assert search_paths(graph, query) == brute_force_paths(graph, query)


def test_an_orchestrator_with_300_alike_servers_is_searched_once_not_300_times():
    analysis = mg.analyze(_hub(300))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SearchBudgetWarning)
        chains = analysis.paths(top=10)
    assert chains and all(chain.entry == "s0" for chain in chains)
    assert all(chain.variants for chain in chains)


def test_naming_a_twin_as_the_entry_still_finds_its_chains():
    analysis = mg.analyze(_hub(5))
    chains = analysis.paths(top=5, entry="s3")
    assert chains and all(chain.entry == "s3" for chain in chains)
