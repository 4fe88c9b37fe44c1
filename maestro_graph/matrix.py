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

Both halves take one pass per row, not one per cell: the pair counts propagate a bitset of the
row's breached components along every transition, hop by hop (vectorised with NumPy), and one
chain search per row keeps the best chain per final layer
(:func:`~maestro_graph.ranking.best_per_target_layer`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from maestro_graph.catalog.types import Maturity
from maestro_graph.layers import Layer
from maestro_graph.propagation import AttackGraph
from maestro_graph.ranking import (
    Chain,
    ChainQuery,
    EvidenceScope,
    best_per_target_layer,
    chain_variants,
    make_chain,
    sibling_groups,
)

#: Bits set in each byte value, to count set bits in packed rows on any NumPy version.
_BITS_IN_BYTE = np.array([bin(value).count("1") for value in range(256)], dtype=np.int64)
#: Most bytes of bitsets one propagation step gathers at once (one row per transition): a
#: large layer's breached components are split into chunks so memory stays bounded.
_BLOCK_BYTES = 1 << 26


@dataclass(frozen=True)
class MatrixCell:
    """One cell of the layer matrix."""

    source: Layer
    target: Layer
    chain: Chain | None
    pairs: int


@dataclass(frozen=True)
class _Arrays:
    """The attack graph as the index arrays the pair count works on."""

    sources: np.ndarray  # per transition, sorted by target
    targets: np.ndarray
    target_starts: np.ndarray  # first position of each distinct target in ``targets``
    distinct_targets: np.ndarray
    state_layer: np.ndarray  # per state, index in ``list(Layer)``
    state_component: np.ndarray  # per state, index of its component in id order
    component_layer: np.ndarray
    component_ids: list[str]
    by_component: np.ndarray  # state indexes sorted by component
    component_starts: np.ndarray  # first position of each component's states there


def _arrays(graph: AttackGraph) -> _Arrays:
    layers = list(Layer)
    component_ids = sorted({state.component.id for state in graph.states})
    position = {component_id: n for n, component_id in enumerate(component_ids)}
    layer_of = {state.component.id: layers.index(state.component.layer) for state in graph.states}
    state_component = np.array(
        [position[state.component.id] for state in graph.states], dtype=np.int64
    )
    transition_sources, transition_targets = graph.steps.source, graph.steps.target
    order = np.argsort(transition_targets, kind="stable")
    targets = transition_targets[order]
    distinct_targets, target_starts = np.unique(targets, return_index=True)
    by_component = np.argsort(state_component, kind="stable")
    _, component_starts = np.unique(state_component[by_component], return_index=True)
    return _Arrays(
        sources=transition_sources[order],
        targets=targets,
        target_starts=target_starts,
        distinct_targets=distinct_targets,
        state_layer=np.array([layer_of[s.component.id] for s in graph.states], dtype=np.int64),
        state_component=state_component,
        component_layer=np.array([layer_of[c] for c in component_ids], dtype=np.int64),
        component_ids=component_ids,
        by_component=by_component,
        component_starts=component_starts,
    )


def _step(
    arrays: _Arrays, states: np.ndarray, rows: np.ndarray, state_count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bitset ``rows`` held at ``states`` (sorted), one transition further: the states
    reached and, for each, the OR of the rows arriving there."""
    position = np.full(state_count, -1, dtype=np.int64)
    position[states] = np.arange(len(states))
    held = position[arrays.sources]
    active = held >= 0
    if not active.any():
        return states[:0], rows[:0]
    targets = arrays.targets[active]
    run_starts = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
    return targets[run_starts], np.bitwise_or.reduceat(rows[held[active]], run_starts, axis=0)


def _merge(states: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per state: the OR of the rows given for it."""
    order = np.argsort(states, kind="stable")
    states, rows = states[order], rows[order]
    if not len(states):
        return states, rows
    run_starts = np.flatnonzero(np.r_[True, states[1:] != states[:-1]])
    return states[run_starts], np.bitwise_or.reduceat(rows, run_starts, axis=0)


def _news(states: np.ndarray, rows: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bits of ``rows`` not yet in ``held`` at their states, without the empty rows."""
    rows = rows & ~held[states]
    keep = rows.any(axis=1)
    return states[keep], rows[keep]


def _row_reach(arrays: _Arrays, starts: np.ndarray, home: int, max_hops: int) -> np.ndarray:
    """Per state, the bitset of ``starts`` (one bit per breached component) reaching it
    within ``max_hops`` transitions after leaving layer ``home`` at least once.

    ``starts`` has one row per state; a walk stays "at home" while it is on the row's layer and
    turns "moved" when it steps anywhere else, as the diagonal of the matrix asks. Each hop
    steps only the bits the previous hop added (the rest have stepped already), so the work
    follows the frontier, not the graph.
    """
    state_count = len(starts)
    on_home = arrays.state_layer == home
    at_home, moved = starts.copy(), np.zeros_like(starts)
    home_states = np.flatnonzero(starts.any(axis=1))
    home_rows = starts[home_states]
    moved_states, moved_rows = home_states[:0], home_rows[:0]
    for _ in range(max_hops):
        reached, rows = _step(arrays, home_states, home_rows, state_count)
        stays = on_home[reached]
        leaving_states, leaving_rows = reached[~stays], rows[~stays]
        home_states, home_rows = _news(reached[stays], rows[stays], at_home)
        stepped, stepped_rows = _step(arrays, moved_states, moved_rows, state_count)
        moved_states, moved_rows = _merge(
            np.concatenate([stepped, leaving_states]), np.concatenate([stepped_rows, leaving_rows])
        )
        moved_states, moved_rows = _news(moved_states, moved_rows, moved)
        if not (len(home_states) or len(moved_states)):
            break
        at_home[home_states] |= home_rows
        moved[moved_states] |= moved_rows
    return moved


def reachable_pairs(graph: AttackGraph, max_hops: int) -> dict[tuple[Layer, Layer], int]:
    """Per (start layer, final layer): how many (start, final) component pairs a chain joins.

    A start is a component assumed breached (any of its states that has a likelihood); a pair
    counts when a walk of at most ``max_hops`` transitions from it reaches the final
    component, having left the start's layer at least once (for the diagonal).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> graph = mg.analyze(mg.example("netmon")).attack_graph
    >>> counts = reachable_pairs(graph, 8)
    >>> all(count > 0 for count in counts.values()) and len(counts) <= 49
    True
    """
    if not graph.states:
        return {}
    arrays = _arrays(graph)
    layers = list(Layer)
    likely = np.array([state.likelihood > 0 for state in graph.states])
    chunk = max(64, (_BLOCK_BYTES // max(1, len(graph.transitions))) // 8 * 64)
    jobs = []
    for home in range(len(layers)):
        breached = np.bincount(
            arrays.state_component[likely & (arrays.state_layer == home)],
            minlength=len(arrays.component_ids),
        )
        row = np.flatnonzero(breached)
        jobs += [(home, row[first : first + chunk]) for first in range(0, len(row), chunk)]
    # NumPy releases the GIL in its gathers and reductions: rows run side by side on the cores.
    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1) or 1) as pool:
        results = list(
            pool.map(lambda job: _count_chunk(arrays, job[1], likely, job[0], max_hops), jobs)
        )
    per_row = np.zeros((len(layers), len(layers)), dtype=np.int64)
    for (home, _), per_target in zip(jobs, results, strict=True):
        per_row[home] += per_target
    return {
        (layers[home], layers[target]): int(per_row[home, target])
        for home in range(len(layers))
        for target in range(len(layers))
        if per_row[home, target]
    }


def _count_chunk(
    arrays: _Arrays, components: np.ndarray, likely: np.ndarray, home: int, max_hops: int
) -> np.ndarray:
    """Pairs per final layer for the breached ``components`` (one bit each)."""
    state_count = len(arrays.state_layer)
    column = np.full(len(arrays.component_ids), -1, dtype=np.int64)
    column[components] = np.arange(len(components))
    starting = np.flatnonzero(likely & (column[arrays.state_component] >= 0))
    bit = column[arrays.state_component[starting]]
    # One bit per breached component, in 64-bit words (eight times fewer NumPy elements).
    starts = np.zeros((state_count, -(-len(components) // 64)), dtype=np.uint64)
    np.bitwise_or.at(
        starts, (starting, bit // 64), np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64))
    )
    moved = _row_reach(arrays, starts, home, max_hops)
    per_component = np.bitwise_or.reduceat(
        moved[arrays.by_component], arrays.component_starts, axis=0
    )
    pairs = _BITS_IN_BYTE[per_component.view(np.uint8)].sum(axis=1)
    return np.bincount(arrays.component_layer, weights=pairs, minlength=len(Layer)).astype(np.int64)


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

    Examples
    --------
    >>> import maestro_graph as mg
    >>> cells = layer_matrix(mg.analyze(mg.example("netmon")).attack_graph)
    >>> len(cells), all(cell.chain is None for cell in cells if not cell.pairs)
    (49, True)
    """
    pairs = reachable_pairs(graph, max_hops)
    groups = sibling_groups(graph)
    cells = []
    for source in Layer:
        reached = [target for target in Layer if pairs.get((source, target), 0)]
        query = ChainQuery(
            max_hops=max_hops,
            source_layers=frozenset({source}),
            assume_breach=True,
            fold_stages=False,
            evidence=evidence,
            evidence_on=evidence_on,
        )
        best = best_per_target_layer(graph, query, reached) if reached else {}
        for target in Layer:
            path = best.get(target)
            chain = None
            if path is not None:
                variants = chain_variants(graph, path, groups)
                chain = make_chain(graph, path, 1, assumed_breach=True, variants=variants)
            cells.append(MatrixCell(source, target, chain, pairs.get((source, target), 0)))
    return cells
