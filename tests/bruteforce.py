"""Reference implementation for the tests: every simple chain, enumerated depth-first."""

from __future__ import annotations

from maestro_graph.engine.propagation import AttackGraph
from maestro_graph.engine.ranking import (
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


def _every_chain(
    graph: AttackGraph, query: ChainQuery, *, detours: bool = False
) -> dict[tuple[int, ...], float]:
    """Every qualifying chain (within the hop bound, min_risk aside) and its risk; with
    ``detours``, also those that come back to a component for what they held there."""
    final = _final_states(graph, query)
    chains: dict[tuple[int, ...], float] = {}

    def visit(path: tuple[int, ...]) -> None:
        last = path[-1]
        if len(path) > 1 and final[last] and _path_qualifies(graph, path, query):
            chains[path] = path_risk(graph, path)[1]
        if len(path) - 1 < query.max_hops:
            for transition_index in graph.successors[last]:
                transition = graph.transitions[transition_index]
                if transition.target not in path and step_allowed(
                    graph, path, transition, detours=detours
                ):
                    visit((*path, transition.target))

    for index in start_states(graph, query):
        if _entry_allowed(graph.states[index], query):
            visit((index,))
    return chains


def _longest_continuations(graph: AttackGraph, chains: dict) -> dict[tuple[int, ...], float]:
    """For every path that some longer chain begins with and then leaves its last component,
    the highest risk of such a chain (the definition of a stage, over every chain)."""
    best: dict[tuple[int, ...], float] = {}
    for longer, risk in chains.items():
        for cut in range(1, len(longer)):
            here = graph.states[longer[cut - 1]].component.id
            if any(graph.states[i].component.id != here for i in longer[cut:]):
                prefix = longer[:cut]
                best[prefix] = max(best.get(prefix, 0.0), risk)
    return best


def brute_force_paths(graph: AttackGraph, query: ChainQuery) -> list[tuple[int, ...]]:
    chains = _every_chain(graph, query)
    # A stage is judged against every longer chain, detours included (ranking.continues_strongly).
    continuations = (
        _longest_continuations(graph, _every_chain(graph, query, detours=True))
        if folds_stages(query)
        else {}
    )
    found: dict[object, tuple[tuple, tuple[int, ...]]] = {}
    for path, risk in chains.items():
        if path in continuations and is_stage_of(risk, continuations[path]):
            continue
        if risk < query.min_risk:
            continue
        key = (-risk, tuple(graph.states[i].key for i in path))
        group = _group(graph, path, query)
        if group not in found or key < found[group][0]:
            found[group] = (key, path)
    ranked = sorted(found.values(), key=lambda item: item[0])
    return [path for _, path in (ranked if query.top is None else ranked[: query.top])]
