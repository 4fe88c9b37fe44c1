"""Reference implementation for the tests: every simple chain, enumerated depth-first."""

from __future__ import annotations

from maestro_graph.propagation import AttackGraph
from maestro_graph.ranking import (
    ChainQuery,
    _entry_allowed,
    _final_states,
    _group,
    _path_qualifies,
    folds_stages,
    is_stage_of,
    path_risk,
    start_states,
    step_allowed,
)


def _every_chain(graph: AttackGraph, query: ChainQuery) -> dict[tuple[int, ...], float]:
    """Every qualifying chain (within the hop bound, min_risk aside) and its risk."""
    final = _final_states(graph, query)
    chains: dict[tuple[int, ...], float] = {}

    def visit(path: tuple[int, ...]) -> None:
        last = path[-1]
        if len(path) > 1 and final[last] and _path_qualifies(graph, path, query):
            chains[path] = path_risk(graph, path)[1]
        if len(path) - 1 < query.max_hops:
            for transition_index in graph.successors[last]:
                transition = graph.transitions[transition_index]
                if transition.target not in path and step_allowed(graph, path, transition):
                    visit((*path, transition.target))

    for index in start_states(graph, query):
        if _entry_allowed(graph.states[index], query):
            visit((index,))
    return chains


def _is_stage(graph: AttackGraph, path: tuple[int, ...], risk: float, chains: dict) -> bool:
    """Whether a longer chain begins with ``path``, reaches another component and keeps the
    stage share of its risk (the definition, checked against every chain)."""
    here = graph.states[path[-1]].component.id
    return any(
        len(longer) > len(path)
        and longer[: len(path)] == path
        and any(graph.states[i].component.id != here for i in longer[len(path) :])
        and is_stage_of(risk, longer_risk)
        for longer, longer_risk in chains.items()
    )


def brute_force_paths(graph: AttackGraph, query: ChainQuery) -> list[tuple[int, ...]]:
    chains = _every_chain(graph, query)
    fold = folds_stages(query)
    found: dict[object, tuple[tuple, tuple[int, ...]]] = {}
    for path, risk in chains.items():
        if risk < query.min_risk or (fold and _is_stage(graph, path, risk, chains)):
            continue
        key = (-risk, tuple(graph.states[i].key for i in path))
        group = _group(graph, path, query)
        if group not in found or key < found[group][0]:
            found[group] = (key, path)
    ranked = sorted(found.values(), key=lambda item: item[0])
    return [path for _, path in (ranked if query.top is None else ranked[: query.top])]
