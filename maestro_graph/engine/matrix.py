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
(:func:`~maestro_graph.engine.ranking.best_per_target_layer`). On a large graph the two halves run
side
by side: the count in a worker process, the searches here.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess

import numpy as np

from maestro_graph.catalog.types import Maturity
from maestro_graph.engine.propagation import AttackGraph, concatenated_ranges
from maestro_graph.engine.ranking import (
    Chain,
    ChainQuery,
    EvidenceScope,
    best_per_target_layer,
    chain_variants,
    make_chain,
    sibling_groups,
)
from maestro_graph.model.layers import Layer
from maestro_graph.support.perf import paused_gc

#: Bits set in each byte value, to count set bits in packed rows on any NumPy version.
_BITS_IN_BYTE = np.array([bin(value).count("1") for value in range(256)], dtype=np.int64)
#: A frontier with fewer than 1/_SPARSE_SHARE of all transitions out of it steps only those,
#: without a pass over every transition.
_SPARSE_SHARE = 4
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
    by_source: np.ndarray  # transition indexes sorted by source
    source_starts: np.ndarray  # per state, where its run starts there (one more at the end)
    transition_targets: np.ndarray  # per transition (in transition order), its target


def _arrays(graph: AttackGraph) -> _Arrays:
    layers = list(Layer)
    components = graph.model.components
    present = np.flatnonzero(np.bincount(graph.state_component, minlength=len(components)))
    component_ids = sorted(components[n].id for n in present.tolist())
    position = {component_id: n for n, component_id in enumerate(component_ids)}
    in_id_order = np.full(len(components), -1, dtype=np.int64)
    in_id_order[present] = [position[components[n].id] for n in present.tolist()]
    layer_of = np.array([layers.index(c.layer) for c in components], dtype=np.int64)
    state_component = in_id_order[graph.state_component]
    transition_sources, transition_targets = graph.steps.source, graph.steps.target
    by_source, source_starts = graph.successor_layout()
    order = graph.steps.by_target  # within one target the order does not matter for an OR
    targets = transition_targets[order]
    distinct_targets, target_starts = np.unique(targets, return_index=True)
    by_component = np.argsort(state_component, kind="stable")
    _, component_starts = np.unique(state_component[by_component], return_index=True)
    return _Arrays(
        sources=transition_sources[order],
        targets=targets,
        target_starts=target_starts,
        distinct_targets=distinct_targets,
        state_layer=layer_of[graph.state_component],
        state_component=state_component,
        component_layer=layer_of[present[np.argsort(in_id_order[present])]],
        component_ids=component_ids,
        by_component=by_component,
        component_starts=component_starts,
        by_source=by_source,
        source_starts=source_starts,
        transition_targets=transition_targets,
    )


def _step(
    arrays: _Arrays, states: np.ndarray, rows: np.ndarray, state_count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bitset ``rows`` held at ``states`` (sorted), one transition further: the states
    reached and, for each, the OR of the rows arriving there."""
    counts = arrays.source_starts[states + 1] - arrays.source_starts[states]
    stepping = int(counts.sum())
    if not stepping:
        return states[:0], rows[:0]
    if stepping * _SPARSE_SHARE < len(arrays.targets):
        # A small frontier: its own transitions, sorted by target, not a pass over all of them.
        taken = arrays.by_source[concatenated_ranges(arrays.source_starts[states], counts)]
        targets = arrays.transition_targets[taken]
        order = np.argsort(targets, kind="stable")
        targets, held = targets[order], np.repeat(np.arange(len(states)), counts)[order]
    else:
        position = np.full(state_count, -1, dtype=np.int64)
        position[states] = np.arange(len(states))
        held = position[arrays.sources]
        active = held >= 0
        targets, held = arrays.targets[active], held[active]
    run_starts = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
    # ``take`` gathers rows faster than fancy indexing does.
    gathered = np.take(rows, held, axis=0)
    return targets[run_starts], _or_runs(gathered, run_starts)


#: Rows of a run :func:`_or_runs` ORs one at a time; the rest of a longer run at once.
_ROWS_ONE_AT_A_TIME = 8


def _or_runs(rows: np.ndarray, run_starts: np.ndarray) -> np.ndarray:
    """The OR of each run of ``rows`` (run ``k`` from ``run_starts[k]`` to the next start).

    ``np.bitwise_or.reduceat`` along the first axis strides across the rows; most runs are a
    few rows long, so ORing the first rows of every run at once, row after row, is twice as
    fast, and what is left of the long runs goes to ``reduceat``.

    Examples
    --------
    >>> rows = np.array([[1], [2], [4], [8], [16]], dtype=np.uint64)
    >>> _or_runs(rows, np.array([0, 1, 4])).ravel().tolist()
    [1, 14, 16]
    """
    lengths = np.diff(np.append(run_starts, len(rows)))
    result = np.take(rows, run_starts, axis=0)
    runs = np.flatnonzero(lengths > 1)
    offset = 1
    while len(runs) and offset < _ROWS_ONE_AT_A_TIME:
        result[runs] |= np.take(rows, run_starts[runs] + offset, axis=0)
        offset += 1
        runs = runs[lengths[runs] > offset]
    if len(runs):
        rest = lengths[runs] - offset
        taken = np.take(rows, concatenated_ranges(run_starts[runs] + offset, rest), axis=0)
        starts = np.concatenate([[0], np.cumsum(rest)[:-1]])
        result[runs] |= np.bitwise_or.reduceat(taken, starts, axis=0)
    return result


def _merge(states: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per state: the OR of the rows given for it."""
    order = np.argsort(states, kind="stable")
    states, rows = states[order], rows[order]
    if not len(states):
        return states, rows
    run_starts = np.flatnonzero(np.r_[True, states[1:] != states[:-1]])
    return states[run_starts], _or_runs(rows, run_starts)


def _news(states: np.ndarray, rows: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bits of ``rows`` not yet in ``held`` at their states, without the empty rows."""
    rows = rows & ~np.take(held, states, axis=0)
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
    return _PairCount(graph, max_hops, None).result()


#: Transitions from which :func:`layer_matrix` counts pairs in a worker process too while it
#: searches for the cells' chains: below this, starting the process costs more than it saves.
PARALLEL_FROM_TRANSITIONS = 50_000


@contextmanager
def _pair_worker(graph: AttackGraph) -> Iterator[BaseContext | None]:
    """The context to fork a process that counts pairs beside this one's searches, or None to
    count them here alone.

    NumPy keeps the GIL in the gathers and reductions of the count, so threads would take turns;
    a forked process runs on the other core. It is used only where forking is safe: on Linux,
    with no other thread alive that could hold a lock the child would inherit.
    """
    if (
        len(graph.transitions) < PARALLEL_FROM_TRANSITIONS
        or (os.cpu_count() or 1) < 2
        or not sys.platform.startswith("linux")
        or threading.active_count() > 1
    ):
        yield None
    else:
        yield multiprocessing.get_context("fork")


class _PairCount:
    """The pair count of :func:`reachable_pairs`, shared with a forked worker when a context is
    given.

    The jobs (a row's breached components, in chunks) are claimed one at a time, largest first,
    from a counter both processes share: the worker starts at once, this process joins in when
    its searches are done, so the two finish together whichever half is longer. A worker that
    dies leaves its jobs to this process.
    """

    def __init__(self, graph: AttackGraph, max_hops: int, fork: BaseContext | None) -> None:
        self.max_hops = max_hops
        self.jobs: list[tuple[int, np.ndarray]] = []
        self.worker: BaseProcess | None = None
        if not graph.state_count:
            return
        self.arrays = _arrays(graph)
        self.likely = graph.state_likelihood > 0
        chunk = max(64, (_BLOCK_BYTES // max(1, len(graph.transitions))) // 8 * 64)
        for home in range(len(Layer)):
            breached = np.bincount(
                self.arrays.state_component[self.likely & (self.arrays.state_layer == home)],
                minlength=len(self.arrays.component_ids),
            )
            row = np.flatnonzero(breached)
            self.jobs += [(home, row[first : first + chunk]) for first in range(0, len(row), chunk)]
        self.jobs.sort(key=lambda job: -len(job[1]))  # stable: equal sizes keep row order
        if fork is not None and len(self.jobs) > 1:
            self.claims = fork.Value("l", 0)
            self.receiver, sender = fork.Pipe(duplex=False)
            self.worker = fork.Process(target=self._work, args=(sender,), daemon=True)
            self.worker.start()
            sender.close()  # the worker holds the other end: its exit ends the pipe

    def __enter__(self) -> _PairCount:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.worker is not None:
            if self.worker.is_alive():
                self.worker.terminate()
            self.worker.join()
            self.receiver.close()

    def _claim(self) -> int | None:
        with self.claims.get_lock():
            job = self.claims.value
            self.claims.value = job + 1
        return job if job < len(self.jobs) else None

    def _count(self, job: int) -> np.ndarray:
        home, components = self.jobs[job]
        return _count_chunk(self.arrays, components, self.likely, home, self.max_hops)

    def _work(self, sender: Connection) -> None:
        """The worker: count the jobs it claims and send each (job, pairs) back, then None."""
        try:
            while (job := self._claim()) is not None:
                sender.send((job, self._count(job)))
            sender.send(None)
        except Exception:
            pass  # what it claimed and did not send is counted in the parent, and fails there
        finally:
            sender.close()

    def result(self) -> dict[tuple[Layer, Layer], int]:
        """Count (with the worker, if any); the pairs per (start layer, final layer), zero counts
        left out."""
        if not self.jobs:
            return {}
        counted: dict[int, np.ndarray] = {}
        if self.worker is not None:
            while (job := self._claim()) is not None:
                counted[job] = self._count(job)
            counted.update(self._from_worker())
        for job in range(len(self.jobs)):
            if job not in counted:
                counted[job] = self._count(job)
        layers = list(Layer)
        per_row = np.zeros((len(layers), len(layers)), dtype=np.int64)
        for job, (home, _) in enumerate(self.jobs):
            per_row[home] += counted[job]
        return {
            (layers[home], layers[target]): int(per_row[home, target])
            for home in range(len(layers))
            for target in range(len(layers))
            if per_row[home, target]
        }

    def _from_worker(self) -> dict[int, np.ndarray]:
        found: dict[int, np.ndarray] = {}
        try:
            while (message := self.receiver.recv()) is not None:
                job, pairs = message
                found[job] = pairs
        except EOFError:
            pass  # the worker ended early: what it claimed and did not send is counted here
        return found


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
    per_component = _or_runs(np.take(moved, arrays.by_component, axis=0), arrays.component_starts)
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
    groups = sibling_groups(graph)
    # The collector would only re-scan the graph, and, once the count runs in a forked worker,
    # each scan would copy every page the two processes still share.
    with paused_gc(), _pair_worker(graph) as fork, _PairCount(graph, max_hops, fork) as counting:
        best = {
            source: _best_of_row(graph, source, max_hops, evidence, evidence_on) for source in Layer
        }
        pairs = counting.result()
    cells = []
    for source in Layer:
        for target in Layer:
            count = pairs.get((source, target), 0)
            path = best[source].get(target) if count else None
            chain = None
            if path is not None:
                variants = chain_variants(graph, path, groups)
                chain = make_chain(graph, path, 1, assumed_breach=True, variants=variants)
            cells.append(MatrixCell(source, target, chain, count))
    return cells


def _best_of_row(
    graph: AttackGraph,
    source: Layer,
    max_hops: int,
    evidence: Maturity | None,
    evidence_on: EvidenceScope,
) -> dict[Layer, tuple[int, ...]]:
    """The best chain from a breach on ``source`` to each layer (state-index paths)."""
    query = ChainQuery(
        max_hops=max_hops,
        source_layers=frozenset({source}),
        assume_breach=True,
        fold_stages=False,
        evidence=evidence,
        evidence_on=evidence_on,
    )
    return best_per_target_layer(graph, query, Layer)
