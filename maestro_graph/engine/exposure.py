"""Exposure and blast radius per component, as attack-path tools report them.

- exposure: how many entry components can reach the component by some chain (an entry component
  counts itself);
- blast radius: how many other components the attacker can reach once the component is
  compromised (from any of its states).

Both count reachability in the attack-state graph, without a hop bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from maestro_graph.engine.propagation import AttackGraph
from maestro_graph.model.layers import Layer


@dataclass(frozen=True)
class ComponentReach:
    """Reachability numbers of one component."""

    component: str
    layer: Layer
    entry: bool
    exposure: int
    blast_radius: int


def _condensation(graph: AttackGraph) -> tuple[list[int], list[list[int]]]:
    """Strongly connected components (iterative Tarjan): state -> scc, and the sccs in reverse
    topological order (every scc after the sccs it reaches)."""
    count = graph.state_count
    targets = graph.target_list()
    successors = [[targets[t] for t in out] for out in graph.successors]
    index_of = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    stack: list[int] = []
    scc_of = [-1] * count
    sccs: list[list[int]] = []
    counter = 0
    for root in range(count):
        if index_of[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            recurse = False
            for position in range(child, len(successors[node])):
                nxt = successors[node][position]
                if index_of[nxt] == -1:
                    work.append((node, position + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if on_stack[nxt]:
                    low[node] = min(low[node], index_of[nxt])
            if recurse:
                continue
            if low[node] == index_of[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    scc_of[member] = len(sccs)
                    members.append(member)
                    if member == node:
                        break
                sccs.append(members)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return scc_of, sccs


def component_reach(graph: AttackGraph) -> list[ComponentReach]:
    """Exposure and blast radius of every component, in model order."""
    model = graph.model
    position = {c.id: i for i, c in enumerate(model.components)}
    scc_of, sccs = _condensation(graph)
    targets = graph.target_list()
    successors = [[targets[t] for t in out] for out in graph.successors]

    # Components reachable from each scc, as bitsets over component positions. Tarjan emits an
    # scc only after every scc it reaches, so one pass in emission order suffices.
    reach = [0] * len(sccs)
    for number, members in enumerate(sccs):
        bits = 0
        for state in members:
            bits |= 1 << position[graph.states[state].component.id]
            for nxt in successors[state]:
                if scc_of[nxt] != number:
                    bits |= reach[scc_of[nxt]]
        reach[number] = bits

    # Entry components that reach each scc: propagate forward, from sources to sinks.
    entries = sorted({graph.states[i].component.id for i in graph.entry_states})
    entry_bit = {component_id: 1 << i for i, component_id in enumerate(entries)}
    reached_by = [0] * len(sccs)
    for index in graph.entry_states:
        reached_by[scc_of[index]] |= entry_bit[graph.states[index].component.id]
    for number in range(len(sccs) - 1, -1, -1):
        for state in sccs[number]:
            for nxt in successors[state]:
                if scc_of[nxt] != number:
                    reached_by[scc_of[nxt]] |= reached_by[number]

    blast: dict[str, int] = {}
    exposed: dict[str, int] = {}
    for state in graph.states:
        component_id = state.component.id
        blast[component_id] = blast.get(component_id, 0) | reach[scc_of[state.index]]
        exposed[component_id] = exposed.get(component_id, 0) | reached_by[scc_of[state.index]]
    entry_ids = set(entries)
    return [
        ComponentReach(
            component=c.id,
            layer=c.layer,
            entry=c.id in entry_ids,
            exposure=exposed.get(c.id, 0).bit_count(),
            blast_radius=max(0, (blast.get(c.id, 0) & ~(1 << position[c.id])).bit_count()),
        )
        for c in model.components
    ]
