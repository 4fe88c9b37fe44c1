"""The layer matrix in one pass per row equals the definition: a walk per breached component
for the pair counts, and one chain search per cell for the best chains."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.catalog.types import Maturity
from maestro_graph.engine import matrix as matrix_module
from maestro_graph.engine.matrix import layer_matrix, reachable_pairs
from maestro_graph.engine.propagation import AttackGraph, build_attack_graph
from maestro_graph.engine.ranking import ChainQuery, best_per_target_layer, search_paths
from maestro_graph.model.layers import Layer

from .bruteforce import brute_force_paths
from .strategies import CATALOG, PROPERTY_SETTINGS, small_models

EXAMPLES = mg.example_names()


def walked_pairs(graph: AttackGraph, max_hops: int) -> dict[tuple[Layer, Layer], int]:
    """The definition of the pair counts: a breadth-first walk from each breached component,
    remembering whether it has left the component's layer."""
    starts: dict[str, list[int]] = {}
    for state in graph.states:
        if state.likelihood > 0:
            starts.setdefault(state.component.id, []).append(state.index)
    counts: dict[tuple[Layer, Layer], int] = {}
    for indexes in starts.values():
        home = graph.states[indexes[0]].component.layer
        seen = {(index, False) for index in indexes}
        queue = deque((index, False, 0) for index in indexes)
        reached: set[str] = set()
        while queue:
            index, moved, hops = queue.popleft()
            if hops == max_hops:
                continue
            for transition_index in graph.successors[index]:
                target = graph.transitions[transition_index].target
                component = graph.states[target].component
                now_moved = moved or component.layer is not home
                if (target, now_moved) not in seen:
                    seen.add((target, now_moved))
                    if now_moved:
                        reached.add(component.id)
                    queue.append((target, now_moved, hops + 1))
        for reached_id in reached:
            key = (home, graph.model.component(reached_id).layer)
            counts[key] = counts.get(key, 0) + 1
    return counts


def cell_query(source: Layer, target: Layer, max_hops: int, **filters) -> ChainQuery:
    return ChainQuery(
        top=1,
        max_hops=max_hops,
        source_layers=frozenset({source}),
        target_layers=frozenset({target}),
        assume_breach=True,
        fold_stages=False,
        **filters,
    )


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("max_hops", [3, 8])
def test_pair_counts_equal_a_walk_per_component_on_examples(name, max_hops):
    graph = mg.analyze(mg.example(name)).attack_graph
    assert reachable_pairs(graph, max_hops) == walked_pairs(graph, max_hops)


@PROPERTY_SETTINGS
@given(model=small_models(), max_hops=st.integers(1, 6))
def test_pair_counts_equal_a_walk_per_component(model, max_hops):
    graph = build_attack_graph(model, CATALOG)
    assert reachable_pairs(graph, max_hops) == walked_pairs(graph, max_hops)


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_cell_is_the_best_chain_a_search_per_cell_finds(name):
    graph = mg.analyze(mg.example(name)).attack_graph
    for cell in layer_matrix(graph, max_hops=8):
        expected = search_paths(graph, cell_query(cell.source, cell.target, 8))
        found = [tuple((s.component, s.threat) for s in cell.chain.steps)] if cell.chain else []
        assert found == [tuple(graph.states[i].key for i in path) for path in expected], (
            cell.source,
            cell.target,
        )


@PROPERTY_SETTINGS
@given(
    model=small_models(),
    max_hops=st.integers(2, 5),
    evidence=st.sampled_from([None, Maturity.DEMONSTRATED]),
    evidence_on=st.sampled_from(["entry", "every"]),
)
def test_one_search_per_row_equals_brute_force_per_cell(model, max_hops, evidence, evidence_on):
    graph = build_attack_graph(model, CATALOG)
    filters = {"evidence": evidence, "evidence_on": evidence_on}
    for source in Layer:
        row = ChainQuery(
            max_hops=max_hops,
            source_layers=frozenset({source}),
            assume_breach=True,
            fold_stages=False,
            **filters,
        )
        best = best_per_target_layer(graph, row, Layer)
        for target in Layer:
            expected = brute_force_paths(graph, cell_query(source, target, max_hops, **filters))
            found = [best[target]] if target in best else []
            assert found == expected, (source, target)


def test_a_row_lists_only_the_layers_asked_for():
    graph = mg.analyze(mg.example("multi-agent")).attack_graph
    row = ChainQuery(source_layers=frozenset({Layer.L7}), assume_breach=True, fold_stages=False)
    assert set(best_per_target_layer(graph, row, [Layer.L1, Layer.L3])) <= {Layer.L1, Layer.L3}
    assert best_per_target_layer(graph, row, []) == {}


def test_matrix_in_markdown_has_every_layer_pair(run_cli):
    result = run_cli("matrix", "--example", "netmon", "--format", "md", "--max-hops", "3")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("| L")]
    assert len(rows) >= 7 and all(row.count("|") == 9 for row in rows[:7])
    assert "| from | to | risk | best chain |" in result.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker process forks")
def test_the_worker_process_counts_what_this_process_counts(monkeypatch):
    graph = mg.analyze(mg.example("multi-agent")).attack_graph
    here = layer_matrix(graph, max_hops=8)
    monkeypatch.setattr(matrix_module, "PARALLEL_FROM_TRANSITIONS", 0)
    if threading.active_count() > 1:
        pytest.skip("another test left a thread running: the matrix counts without forking")
    with matrix_module._pair_worker(graph) as worker:
        assert worker is not None
    assert layer_matrix(graph, max_hops=8) == here


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker process forks")
def test_a_worker_that_dies_leaves_its_jobs_to_this_process(monkeypatch):
    graph = mg.analyze(mg.example("multi-agent")).attack_graph
    here = matrix_module.reachable_pairs(graph, 8)
    if threading.active_count() > 1:
        pytest.skip("another test left a thread running: the matrix counts without forking")

    def die(self, sender):  # the worker claims a job, then is gone without a word
        self._claim()
        os._exit(1)

    monkeypatch.setattr(matrix_module._PairCount, "_work", die)
    fork = multiprocessing.get_context("fork")
    with matrix_module._PairCount(graph, 8, fork) as counting:
        assert counting.worker is not None
        assert counting.result() == here
    assert counting.worker.exitcode == 1


def test_no_worker_while_another_thread_runs(monkeypatch):
    graph = mg.analyze(mg.example("netmon")).attack_graph
    monkeypatch.setattr(matrix_module, "PARALLEL_FROM_TRANSITIONS", 0)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with matrix_module._pair_worker(graph) as worker:
            assert worker is None
    finally:
        release.set()
        other.join()
