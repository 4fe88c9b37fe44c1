"""Reference implementation for the tests: every simple chain, enumerated depth-first."""

from __future__ import annotations

import dataclasses

from maestro_graph.propagation import AttackGraph
from maestro_graph.ranking import (
    FOLD_WINDOW,
    ChainQuery,
    _entry_allowed,
    _final_states,
    _group,
    _path_qualifies,
    fold_stages,
    path_risk,
    start_states,
    step_allowed,
)


def brute_force_paths(graph: AttackGraph, query: ChainQuery) -> list[tuple[int, ...]]:
    if query.distinct == "route" and query.top is not None and query.fold_stages:
        wider = dataclasses.replace(query, top=query.top * FOLD_WINDOW, fold_stages=False)
        return fold_stages(graph, brute_force_paths(graph, wider))[: query.top]
    final = _final_states(graph, query)
    found: dict[object, tuple[tuple, tuple[int, ...]]] = {}

    def visit(path: tuple[int, ...]) -> None:
        last = path[-1]
        if len(path) > 1 and final[last] and _path_qualifies(graph, path, query):
            _, risk = path_risk(graph, path)
            key = (-risk, tuple(graph.states[i].key for i in path))
            group = _group(graph, path, query)
            if risk >= query.min_risk and (group not in found or key < found[group][0]):
                found[group] = (key, path)
        if len(path) - 1 < query.max_hops:
            for transition_index in graph.successors[last]:
                transition = graph.transitions[transition_index]
                if transition.target not in path and step_allowed(graph, path, transition):
                    visit((*path, transition.target))

    for index in start_states(graph, query):
        if _entry_allowed(graph.states[index], query):
            visit((index,))
    ranked = sorted(found.values(), key=lambda item: item[0])
    return [path for _, path in (ranked if query.top is None else ranked[: query.top])]
