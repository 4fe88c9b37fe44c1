"""The MAESTRO layer matrix: for each ordered pair of layers, the best chain between them.

MAESTRO step 3 asks the analyst to walk every layer pair: "if this layer is compromised, what does
it give the attacker in that layer?". Each cell holds the highest-risk chain whose entry component
is on the row layer and whose final component is on the column layer (exact, by the chain search),
and the number of (start component, final component) pairs joined within the hop bound. On the
diagonal, a chain must leave the layer and come back (chains are cross-layer).

Rows assume a breach: a chain may start from any state on the row layer, at that threat's own
likelihood, not only where the modelled attacker enters. That is the question MAESTRO asks of
each layer pair ("if this layer is compromised, what does it give the attacker there?"); the
entry-only view is ``paths --from LAYER``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from maestro_graph.catalog.types import Maturity
from maestro_graph.layers import Layer
from maestro_graph.propagation import AttackGraph
from maestro_graph.ranking import Chain, ChainQuery, EvidenceScope, search_chains


@dataclass(frozen=True)
class MatrixCell:
    """One cell of the layer matrix."""

    source: Layer
    target: Layer
    chain: Chain | None
    pairs: int


def reachable_pairs(graph: AttackGraph, max_hops: int) -> dict[tuple[Layer, Layer], int]:
    """Per (start layer, final layer): how many (start, final) component pairs a chain joins.

    Walks breadth-first from each component's states (assumed breached), at most ``max_hops``
    transitions, remembering whether the walk has left the entry's layer (for the diagonal).
    """
    by_component: dict[str, list[int]] = {}
    for state in graph.states:
        if state.likelihood > 0:
            by_component.setdefault(state.component.id, []).append(state.index)
    transitions = graph.transitions
    counts: dict[tuple[Layer, Layer], int] = {}
    for component_id in sorted(by_component):
        starts = by_component[component_id]
        home = graph.states[starts[0]].component.layer
        seen = {(index, False) for index in starts}
        queue = deque((index, False, 0) for index in starts)
        reached: set[tuple[str, Layer]] = set()
        while queue:
            index, left, hops = queue.popleft()
            if hops >= max_hops:
                continue
            for transition_index in graph.successors[index]:
                target = transitions[transition_index].target
                component = graph.states[target].component
                moved = left or component.layer is not home
                if (target, moved) in seen:
                    continue
                seen.add((target, moved))
                if component.layer is not home or moved:
                    reached.add((component.id, component.layer))
                queue.append((target, moved, hops + 1))
        for _, layer in reached:
            counts[(home, layer)] = counts.get((home, layer), 0) + 1
    return counts


def layer_matrix(
    graph: AttackGraph,
    *,
    max_hops: int = 8,
    evidence: Maturity | None = None,
    evidence_on: EvidenceScope = "entry",
) -> list[MatrixCell]:
    """The 7x7 matrix (L6 included), row by row from L1 to L7.

    Parameters
    ----------
    graph : AttackGraph
    max_hops : int
    evidence : Maturity, optional
        Each cell's best chain among those backed by ATLAS techniques of at least this maturity
        (``evidence_on`` as in :class:`ChainQuery`); the pair counts stay those of every chain.

    Returns
    -------
    list of MatrixCell
        49 cells; ``chain`` is None where no chain joins the two layers.
    """
    pairs = reachable_pairs(graph, max_hops)
    cells = []
    for source in Layer:
        for target in Layer:
            count = pairs.get((source, target), 0)
            chain = None
            if count:
                query = ChainQuery(
                    top=1,
                    max_hops=max_hops,
                    source_layers=frozenset({source}),
                    target_layers=frozenset({target}),
                    assume_breach=True,
                    fold_stages=False,
                    evidence=evidence,
                    evidence_on=evidence_on,
                )
                found = search_chains(graph, query)
                chain = found[0] if found else None
            cells.append(MatrixCell(source, target, chain, count))
    return cells
