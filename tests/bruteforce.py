"""Reference implementation for the tests: every simple chain, enumerated depth-first."""

from __future__ import annotations

from maestro_graph.propagation import AttackGraph
from maestro_graph.ranking import (
    ChainQuery,
    _entry_allowed,
    _final_states,
    _path_qualifies,
    path_risk,
    start_states,
)


def brute_force_paths(graph: AttackGraph, query: ChainQuery) -> list[tuple[int, ...]]:
    final = _final_states(graph, query)
    found: dict[object, tuple[tuple, tuple[int, ...]]] = {}

    def visit(path: tuple[int, ...]) -> None:
        last = path[-1]
        if len(path) > 1 and final[last] and _path_qualifies(graph, path, query):
            _, risk = path_risk(graph, path)
            key = (-risk, tuple(graph.states[i].key for i in path))
            group = (
                (graph.states[path[0]].component.id, graph.states[last].component.id)
                if query.distinct == "pair"
                else path
            )
            if risk >= query.min_risk and (group not in found or key < found[group][0]):
                found[group] = (key, path)
        if len(path) - 1 < query.max_hops:
            for transition_index in graph.successors[last]:
                target = graph.transitions[transition_index].target
                if target not in path:
                    visit((*path, target))

    for index in start_states(graph, query):
        if _entry_allowed(graph.states[index], query):
            visit((index,))
    ranked = sorted(found.values(), key=lambda item: item[0])
    return [path for _, path in (ranked if query.top is None else ranked[: query.top])]
