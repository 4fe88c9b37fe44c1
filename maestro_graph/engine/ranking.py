"""Ranked attack chains (MAESTRO steps 3-4): search, scoring, fingerprints.

A chain starts at an entry state and follows transitions (at least one, at most ``max_hops``)
without visiting a state twice. Its likelihood is the entry likelihood times every transition's
likelihood; its impact is the final state's; risk = likelihood x impact.

The search is exact. Chains are explored best-first on the cost ``-ln(likelihood)``, with the
final impact folded in as an edge to a virtual sink (``-ln(impact / 5)``), and guided by the exact
cheapest cost from each state to the sink (a reverse Dijkstra that ignores the hop bound and the
filters, so it never overestimates). A prefix is expanded only while it could still beat the N-th
best chain found; the search stops when none can. The result equals sorting every qualifying
chain by risk (ties broken by the chain's ids), which the test suite checks against brute force.
A response goes back only to the caller whose request led there (:func:`step_allowed`); the
bound ignores that, so it stays a lower bound and the search stays exact.

Examples
--------
>>> import maestro_graph as mg
>>> from maestro_graph.engine.propagation import build_attack_graph
>>> graph = build_attack_graph(mg.example("netmon"), mg.load_catalog())
>>> chains = search_chains(graph, ChainQuery(top=3))
>>> len(chains) <= 3 and all(c.hops >= 1 for c in chains)
True
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, Literal

import numpy as np

from maestro_graph.catalog.types import Capability, Maturity, Threat, WatchMode
from maestro_graph.engine.detection import Step, watcher_modes, watchers_seeing
from maestro_graph.engine.propagation import (
    TRUSTED_PUBLIC_WRITE_SHARE,
    AttackGraph,
    State,
    StateIndex,
    Transition,
    chain_impact,
    concatenated_ranges,
    minus_log,
)
from maestro_graph.engine.risk import Band, band_for
from maestro_graph.engine.threats import AtlasEvidence, atlas_links
from maestro_graph.model import Trust
from maestro_graph.model.flows import FlowKind
from maestro_graph.model.layers import Layer
from maestro_graph.support.errors import MaestroInputError
from maestro_graph.support.perf import paused_gc

# Costs are sums of logarithms while risks are products; this slack keeps rounding from hiding a
# chain that ties the N-th best.
_COST_SLACK = 1e-9
_IMPACT_SCALE = 5.0


#: Where a chain's ATLAS evidence is required (ChainQuery.evidence_on).
EvidenceScope = Literal["entry", "any", "every"]
EVIDENCE_SCOPES: tuple[EvidenceScope, ...] = ("entry", "any", "every")


def parse_evidence(
    evidence: Maturity | str | None, evidence_on: str = "entry"
) -> tuple[Maturity | None, EvidenceScope]:
    """Check an evidence filter: the lowest ATLAS maturity and where a chain needs it.

    Raises
    ------
    MaestroInputError
        For an unknown maturity or scope.

    Examples
    --------
    >>> parse_evidence("Realized", "every")
    (<Maturity.REALIZED: 'realized'>, 'every')
    """
    maturity = None
    if evidence is not None:
        try:
            maturity = Maturity(str(evidence).strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in Maturity)
            raise MaestroInputError.single(
                "--evidence", None, f"unknown maturity {evidence!r}; valid: {valid}"
            ) from None
    if evidence_on not in EVIDENCE_SCOPES:
        raise MaestroInputError.single(
            "evidence_on (--evidence-on)",
            None,
            f"must be one of {', '.join(EVIDENCE_SCOPES)}, got {evidence_on!r}",
        )
    return maturity, evidence_on  # type: ignore[return-value]


#: Partial chains a search may queue by default: 10 times what the largest bundled or corpus
#: model needs (25,000), and under 100 MB.
SEARCH_BUDGET = 250_000


@dataclass(frozen=True)
class ChainQuery:
    """What to search for (DESIGN section 5 filters).

    Attributes
    ----------
    top : int or None
        How many chains; None for all (use with care on large graphs).
    max_hops : int
        Most transitions in a chain.
    source_layers, target_layers, through_layers : frozenset of Layer, optional
        Layer of the entry component, of the final component, and layers the chain must touch.
    entry_ids, target_ids : frozenset of str, optional
        Entry components and final components allowed.
    cross_layer_only : bool
        Keep only chains whose components span at least two layers. Off by default: a chain of
        any layer mix counts (an all-L7 supply chain is a real attack); every chain crosses at
        least two components, and :attr:`Chain.cross_layer` marks the ones that change layer.
    distinct : "route", "pair" or "none"
        ``route`` (default) keeps the best chain per sequence of components, so two mechanisms
        that take different routes both show; ``pair`` keeps the best chain per (entry
        component, final component); ``none`` is the raw ranking, where the threat-level
        variants of one route can be counted.
    assume_breach : bool
        Start from every state (as if already achieved, at its own likelihood), not only from
        the attacker's entry states: MAESTRO's "if this layer is compromised" question.
    min_risk : float
        Drop chains below this risk (and never explore prefixes that cannot reach it).
    fold_stages : bool
        With ``distinct="route"``: leave out a chain that is a stage of a longer one (see
        :func:`search_paths`). Gates and the layer matrix turn it off: they judge every chain.
    search_budget : int
        Most partial chains the search may queue (stage tests included). On dense graphs
        (every agent delegating to every other) the number of chains of equal risk grows
        exponentially with the hop bound; past the budget the search stops with what it has
        found and warns (:class:`SearchBudgetWarning`) rather than run for hours.
    evidence : Maturity, optional
        Keep only chains backed by ATLAS techniques of at least this maturity, where
        ``evidence_on`` says: ``entry`` (default) the first step's techniques, ``any`` some
        step's, ``every`` each step's (see :func:`step_strengths`).
    predicted_only : bool
        Keep only chains with no realized or demonstrated technique on any step: what MAESTRO
        predicts that ATLAS has not yet seen.
    undetected : bool
        Keep only chains that no watcher sees (:mod:`maestro_graph.engine.detection`).
    """

    top: int | None = 10
    max_hops: int = 8
    source_layers: frozenset[Layer] | None = None
    target_layers: frozenset[Layer] | None = None
    through_layers: frozenset[Layer] | None = None
    entry_ids: frozenset[str] | None = None
    target_ids: frozenset[str] | None = None
    cross_layer_only: bool = False
    distinct: Literal["route", "pair", "none"] = "route"
    assume_breach: bool = False
    min_risk: float = 0.0
    fold_stages: bool = True
    search_budget: int = SEARCH_BUDGET
    evidence: Maturity | None = None
    evidence_on: EvidenceScope = "entry"
    predicted_only: bool = False
    undetected: bool = False


@dataclass(frozen=True)
class ChainStep:
    """One hop of a chain: the state reached, and how (rule and flow; none for the first step)."""

    state: State
    transition: Transition | None
    likelihood: float
    atlas: tuple[AtlasEvidence, ...]

    @property
    def component(self) -> str:
        return self.state.component.id

    @property
    def layer(self) -> Layer:
        return self.state.component.layer

    @property
    def threat(self) -> str:
        return self.state.threat.id

    def to_record(self) -> dict[str, Any]:
        """The step in the fixed JSON shape of DESIGN section 8 (plus names and controls)."""
        transition = self.transition
        flow = transition.flow if transition else None
        return {
            "component": self.component,
            "layer": self.layer.value,
            "threat": self.threat,
            "threat_name": self.state.threat.name,
            "rule": transition.rule.id if transition else None,
            "rule_title": transition.rule.title if transition else None,
            "flow": {"from": flow.source, "to": flow.target, "kind": flow.kind.value}
            if flow
            else None,
            "likelihood": round(self.likelihood, 6),
            "controls": [
                {"control": c, "effectiveness": e, "on": on}
                for c, e, on in (transition.reductions if transition else ())
            ],
            "atlas": [{"id": a.id, "maturity": a.maturity.value} for a in self.atlas],
        }


@dataclass(frozen=True)
class Chain:
    """A ranked multi-hop attack chain."""

    rank: int
    steps: tuple[ChainStep, ...]
    likelihood: float
    impact: float
    risk: float
    band: Band
    assumed_breach: bool = False
    #: The same attack through interchangeable components (SystemModel.interchangeable): each
    #: variant's route and risk, best first. The chain is the best of them.
    variants: tuple[tuple[tuple[str, ...], float], ...] = ()
    #: The watchers that would see the chain (:mod:`maestro_graph.engine.detection`), in the order
    #: they first see a step; empty when nothing does.
    detected_by: tuple[str, ...] = ()

    def __repr__(self) -> str:
        route = " > ".join(f"{step.component}[{step.state.threat.id}]" for step in self.steps)
        return f"<Chain #{self.rank} {self.id} risk {self.risk:.3f} {self.band.value}: {route}>"

    @property
    def evidence(self) -> Maturity | None:
        """The strongest ATLAS maturity on any step (None when no step has a technique)."""
        return _strongest(e.maturity for step in self.steps for e in step.atlas)

    @property
    def entry_evidence(self) -> Maturity | None:
        """The strongest ATLAS maturity of the first step."""
        return _strongest(e.maturity for e in self.steps[0].atlas)

    @property
    def weakest_evidence(self) -> Maturity | None:
        """The weakest step's strongest ATLAS maturity: the chain is confirmed no further than
        this (None when a step has no technique)."""
        if self.unbacked_steps:
            return None
        return min(
            (_strongest(e.maturity for e in step.atlas) for step in self.steps),
            key=lambda m: m.strength if m else 0,
        )

    @property
    def unbacked_steps(self) -> tuple[int, ...]:
        """The numbers (from 1) of the steps no ATLAS technique backs."""
        return tuple(n for n, step in enumerate(self.steps, start=1) if not step.atlas)

    @property
    def predicted(self) -> bool:
        """True when no step has a realized or demonstrated technique: MAESTRO predicts the
        chain, ATLAS has not yet seen it."""
        evidence = self.evidence
        return evidence is None or evidence.strength < Maturity.DEMONSTRATED.strength

    @property
    def detected(self) -> bool:
        """Whether any watcher sees the chain."""
        return bool(self.detected_by)

    def evidence_summary(self) -> str:
        """``"evidence: realized (entry realized, weakest demonstrated)"`` and what is missing.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> mg.analyze(mg.example("netmon")).paths(top=1)[0].evidence_summary()
        'evidence: realized (entry realized, weakest realized)'
        """
        if self.evidence is None:
            return "evidence: no ATLAS technique on any step (predicted, not yet seen in ATLAS)"
        entry = self.entry_evidence.value if self.entry_evidence else "none"
        weakest = self.weakest_evidence.value if self.weakest_evidence else "none"
        text = f"evidence: {self.evidence.value} (entry {entry}, weakest {weakest})"
        if self.unbacked_steps:
            text += f"; no technique at step {', '.join(map(str, self.unbacked_steps))}"
        if self.predicted:
            text += "; predicted, not yet seen in ATLAS"
        return text

    def backed_by(self, maturity: Maturity, on: EvidenceScope = "entry") -> bool:
        """Whether ATLAS techniques of at least ``maturity`` back the chain's first step
        (``on="entry"``), some step (``"any"``) or every step (``"every"``): the test
        :attr:`ChainQuery.evidence` applies inside the search.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> chain = mg.analyze(mg.example("netmon")).paths(top=1)[0]
        >>> chain.backed_by(Maturity.FEASIBLE, "every")
        True
        """
        strengths = [
            max((e.maturity.strength for e in step.atlas), default=0) for step in self.steps
        ]
        return evidence_holds(strengths, maturity, on)

    @functools.cached_property
    def id(self) -> str:
        """Stable fingerprint of the chain's (component, threat) sequence (DESIGN section 7)."""
        return chain_fingerprint(step.state.key for step in self.steps)

    @property
    def hops(self) -> int:
        """Number of transitions."""
        return len(self.steps) - 1

    @property
    def entry(self) -> str:
        """The component the attacker starts from."""
        return self.steps[0].component

    @property
    def target(self) -> str:
        """The component the chain ends at."""
        return self.steps[-1].component

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The layer signature: step layers with consecutive repeats collapsed."""
        signature: list[Layer] = []
        for step in self.steps:
            if not signature or signature[-1] is not step.layer:
                signature.append(step.layer)
        return tuple(signature)

    @property
    def cross_layer(self) -> bool:
        """Whether the chain changes MAESTRO layer at least once."""
        return len(set(self.layers)) > 1

    @property
    def route(self) -> tuple[str, ...]:
        """The components the chain passes through, in order (repeats within a step collapsed)."""
        route: list[str] = []
        for step in self.steps:
            if not route or route[-1] != step.component:
                route.append(step.component)
        return tuple(route)

    @property
    def owners(self) -> tuple[str, ...]:
        """The owners of the components the chain crosses, in route order (unowned left out)."""
        owners = (step.state.component.owner for step in self.steps)
        return tuple(dict.fromkeys(owner for owner in owners if owner))

    @property
    def signature(self) -> str:
        """``"L2 > L3 > L4 > L5"``."""
        return " > ".join(layer.value for layer in self.layers)

    @property
    def path_text(self) -> str:
        """``"history[L2.data-poisoning] > tuner[L3.planner-manipulation] > ..."``."""
        return " > ".join(f"{s.component}[{s.threat}]" for s in self.steps)

    def to_record(self) -> dict[str, Any]:
        """The chain in the fixed JSON shape of DESIGN section 8."""
        return {
            "rank": self.rank,
            "id": self.id,
            "risk": round(self.risk, 4),
            "band": self.band.value,
            "likelihood": round(self.likelihood, 6),
            "impact": round(self.impact, 4),
            "layers": [layer.value for layer in self.layers],
            "cross_layer": self.cross_layer,
            "hops": self.hops,
            "entry": self.entry,
            "target": self.target,
            "owners": list(self.owners),
            "steps": [step.to_record() for step in self.steps],
            "variants": [
                {"route": list(route), "risk": round(risk, 4)} for route, risk in self.variants
            ],
            "evidence": {
                "strongest": self.evidence.value if self.evidence else None,
                "entry": self.entry_evidence.value if self.entry_evidence else None,
                "weakest": self.weakest_evidence.value if self.weakest_evidence else None,
                "unbacked_steps": list(self.unbacked_steps),
                "predicted": self.predicted,
            },
            "detected_by": list(self.detected_by),
        }

    def _repr_html_(self) -> str:
        """The chain's hops as a table, for Jupyter."""
        from maestro_graph.model.layers import layer_badge
        from maestro_graph.support.htmlrepr import Raw, html_table

        rows = [
            [
                number,
                Raw(layer_badge(step.layer)),
                step.component,
                step.threat,
                step.transition.rule.id if step.transition else "entry",
                str(step.transition.flow) if step.transition and step.transition.flow else "-",
                f"{step.likelihood:.3f}",
                ", ".join(f"{a.id} ({a.maturity.value[0].upper()})" for a in step.atlas[:3]),
            ]
            for number, step in enumerate(self.steps, start=1)
        ]
        caption = (
            f"#{self.rank} {self.id}: risk {self.risk:.3f} ({self.band.value}), "
            f"likelihood {self.likelihood:.4f}, impact {self.impact:.2f}, {self.signature}"
        )
        headers = ["hop", "layer", "component", "threat", "rule", "flow", "likelihood", "ATLAS"]
        return html_table(headers, rows, caption=caption)

    def explain(self) -> str:
        """The chain's story, hop by hop: rule, flow, ATLAS evidence, controls that reduced it."""
        lines = [
            f"#{self.rank} {self.id}  risk {self.risk:.3f} ({self.band.value})  likelihood "
            f"{self.likelihood:.4f}  impact {self.impact:.2f}  {self.signature}"
        ]
        if self.owners:
            lines.append(f"   owners: {', '.join(self.owners)}")
        lines.append(f"   {self.evidence_summary()}")
        lines.append(
            f"   seen by: {', '.join(self.detected_by)}"
            if self.detected_by
            else "   seen by: nobody (no watcher gets telemetry from it before it is blinded)"
        )
        for number, step in enumerate(self.steps, start=1):
            state = step.state
            where = f"{state.component.id} ({state.component.layer.value} {state.component.kind})"
            lines.append(f"  {number}. {where}: {state.threat.id} ({state.threat.name})")
            if step.transition is None and state.entry_likelihood is None:
                lines.append(
                    f"     assumed compromised here (assume breach), "
                    f"likelihood {step.likelihood:.3f}"
                )
            elif step.transition is None:
                share = (
                    f" (writing into a trusted public component: x{TRUSTED_PUBLIC_WRITE_SHARE:.2f}"
                    f" of the threat's {state.likelihood:.3f})"
                    if state.start_likelihood < state.likelihood
                    else ""
                )
                lines.append(
                    f"     entry: the attacker starts here, likelihood {step.likelihood:.3f}{share}"
                )
            else:
                rule = step.transition.rule
                flow = step.transition.flow
                via = f"via flow {flow}" if flow else "within the component"
                lines.append(f"     rule {rule.id}: {rule.title}")
                lines.append(f"     {via}, likelihood {step.likelihood:.3f}")
                for control, effectiveness, on in step.transition.reductions:
                    lines.append(
                        f"     reduced by {control} on the {on} (x{1 - effectiveness:.2f})"
                    )
            if step.atlas:
                evidence = ", ".join(f"{a.id} {a.name} ({a.maturity.value})" for a in step.atlas)
                lines.append(f"     ATLAS: {evidence}")
        return "\n".join(lines)


def _strongest(maturities: Iterable[Maturity]) -> Maturity | None:
    return max(maturities, key=lambda m: m.strength, default=None)


def chain_fingerprint(keys: Iterable[tuple[str, str]]) -> str:
    """``c-`` and 12 hex digits of SHA-256 over the ``component|threat`` sequence.

    Examples
    --------
    >>> chain_fingerprint([("kb", "L2.data-poisoning"), ("llm", "L1.prompt-injection")])
    'c-2c10d7f87ccf'
    """
    text = "\n".join(f"{component}|{threat}" for component, threat in keys)
    return "c-" + hashlib.sha256(text.encode()).hexdigest()[:12]


# -- search ---------------------------------------------------------------------------------


def _final_states(graph: AttackGraph, query: ChainQuery) -> list[bool]:
    """Where a chain may end: a state that gives the attacker something, within the filters.

    A threat's ``chain_end`` says where it may end one: a state that only grants ``influence``
    (attacker content is present, nothing is taken yet) never does, and data in transit ends a
    chain only at an attacker-visible sink. An untrusted component is the attacker's own (or
    nobody's): tampering with it or running code on it harms no one in the system, so a chain
    ends there only when it carries data out to it.
    """
    model_targets = graph.model.attacker.targets if graph.model.attacker else None
    ends_here = _chain_ends(graph)
    if query.target_ids is None and query.target_layers is None and model_targets is None:
        return ends_here.tolist()
    targeted = np.array(
        [
            (query.target_ids is None or c.id in query.target_ids)
            and (query.target_layers is None or c.layer in query.target_layers)
            and (model_targets is None or c.id in model_targets)
            for c in graph.model.components
        ],
        dtype=bool,
    )
    return (ends_here & targeted[graph.state_component]).tolist()


def _chain_ends(graph: AttackGraph) -> np.ndarray:
    """Per state, whether a chain may end there when no target filter applies (once per graph)."""
    found = graph.memo.get("chain-ends")
    if found is None:
        threats = tuple(graph.catalog.threats.values())
        untrusted = graph.per_component(lambda profile: profile.trust is Trust.UNTRUSTED)
        at_sink = graph.per_component(lambda profile: profile.is_sink)
        anywhere = np.array([t.ends_chains == "anywhere" for t in threats], dtype=bool)
        sink_only = np.array([t.ends_chains == "sink" for t in threats], dtype=bool)
        reads = np.array([t.capability is Capability.READ for t in threats], dtype=bool)
        component, threat = graph.state_component, graph.state_threat
        ends_here = anywhere[threat] | (sink_only[threat] & at_sink[component])
        # An untrusted component is the attacker's own: only data carried out to it ends a chain.
        ends_here &= ~untrusted[component] | reads[threat]
        found = graph.memo["chain-ends"] = ends_here
    return found


def _sink_cost(state: State) -> float:
    return -math.log(state.impact / _IMPACT_SCALE)


def _sink_costs(graph: AttackGraph) -> np.ndarray:
    """Per state, :func:`_sink_cost`, once per graph."""
    found = graph.memo.get("sink-costs")
    if found is None:
        found = graph.memo["sink-costs"] = minus_log(graph.state_impact / _IMPACT_SCALE)
    return found


#: Rounds of relaxation :func:`_cost_to_sink` makes before it hands over to Dijkstra: a round
#: settles one more step of every cheapest way to the sink, and the generated models of 1,000 to
#: 100,000 components need 12 to 16; a long line of states would need one round per state.
RELAXATION_ROUNDS = 48


def _cost_to_sink(
    graph: AttackGraph, final: list[bool], allowed: list[bool] | None = None
) -> list[float]:
    """Cheapest cost from every state to the virtual sink, over the transitions ``allowed``
    (all when None); the virtual sink is one step from each final state at its sink cost.

    Rounds of relaxation over every transition at once (Bellman-Ford, NumPy) find it when the
    cheapest ways are short, which they are in attack graphs; past :data:`RELAXATION_ROUNDS`
    SciPy's compiled Dijkstra takes over. Both add a step's cost to the cost after it, in
    floating point, and keep the least sum over every way, so they give the very same values,
    those a Python Dijkstra makes along the same cheapest paths.
    """
    keep = None if allowed is None else np.fromiter(allowed, dtype=bool, count=len(allowed))
    ends = np.flatnonzero(np.fromiter(final, dtype=bool, count=len(final)))
    distance = _relaxed_to_sink(graph, ends, keep)
    if distance is None:
        distance = _dijkstra_to_sink(graph, ends, keep)
    return distance.tolist()


def _relaxed_to_sink(
    graph: AttackGraph, ends: np.ndarray, keep: np.ndarray | None
) -> np.ndarray | None:
    """:func:`_cost_to_sink` by rounds of relaxation, or None when it needs more rounds.

    Round ``k`` gives every state the cheapest way to the sink of at most ``k`` steps, as a
    round over every transition would, but it looks only at the transitions into the states
    whose cost fell in the round before: the others offer nothing new.
    """
    sources, costs, target_starts = _relaxation_layout(graph, keep)
    distance = np.full(graph.state_count, math.inf)
    distance[ends] = _sink_costs(graph)[ends]
    changed, fell = ends, np.zeros(graph.state_count, dtype=bool)
    into_each = np.diff(target_starts)  # per state, how many transitions go into it
    for round_number in range(RELAXATION_ROUNDS):
        if round_number == 0:
            # The states whose cost fell are the ends, most of the graph: one pass over every
            # transition (those into other states offer infinity) spares gathering their ranges.
            into, offered = sources, costs + np.repeat(distance, into_each)
        else:
            counts = into_each[changed]
            taken = concatenated_ranges(target_starts[changed], counts)
            into, offered = sources[taken], costs[taken] + np.repeat(distance[changed], counts)
        better = offered < distance[into]
        if not better.any():
            return distance
        into = into[better]
        np.minimum.at(distance, into, offered[better])
        fell[into] = True
        changed = np.flatnonzero(fell)
        fell[changed] = False
    return None


def _relaxation_layout(
    graph: AttackGraph, keep: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The transitions (those ``keep`` marks, or all) ordered by target state: their sources
    and costs, and per state where its run starts (one more at the end)."""
    found = graph.memo.get("relaxation-layout") if keep is None else None
    if found is None:
        sources, targets, costs = _transition_arrays(graph)
        kept = targets if keep is None else targets[keep]
        by_target = graph.steps.by_target
        if keep is not None:
            # Within one target the order does not matter: the least offer wins in any order.
            by_target = np.flatnonzero(keep)[np.argsort(kept.astype(np.int32))]
        counts = np.bincount(kept, minlength=graph.state_count)
        target_starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        found = (sources[by_target], costs[by_target], target_starts)
        if keep is None:
            graph.memo["relaxation-layout"] = found
    return found


def _dijkstra_to_sink(graph: AttackGraph, ends: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    """:func:`_cost_to_sink` by SciPy's compiled Dijkstra on the reversed transitions, with
    the virtual sink as one more state (zero costs stay edges: they are stored explicitly)."""
    # SciPy loads on first use: most searches never need it.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    state_count = graph.state_count
    sources, targets, costs = _transition_arrays(graph)
    if keep is not None:
        sources, targets, costs = sources[keep], targets[keep], costs[keep]
    reversed_steps = csr_matrix(
        (
            np.concatenate([costs, _sink_costs(graph)[ends]]),
            (
                np.concatenate([targets, np.full(len(ends), state_count)]),
                np.concatenate([sources, ends]),
            ),
        ),
        shape=(state_count + 1, state_count + 1),
    )
    distance = dijkstra(reversed_steps, directed=True, indices=state_count)
    return distance[:state_count]


def _step_costs(graph: AttackGraph) -> np.ndarray:
    """Per transition, its cost ``-ln likelihood`` (worked out by the build)."""
    return graph.steps.cost


class _Outgoing:
    """Per state, its (transition, target state, cost) steps in transition order, each list
    made on first use: a search reads a few thousand states of graphs of millions."""

    def __init__(self, graph: AttackGraph) -> None:
        self._order, self._starts = graph.successor_layout()
        self._target, self._cost = graph.steps.target, _step_costs(graph)
        self._made: dict[int, list[tuple[int, int, float]]] = {}

    def __getitem__(self, state: int) -> list[tuple[int, int, float]]:
        found = self._made.get(state)
        if found is None:
            taken = self._order[self._starts[state] : self._starts[state + 1]]
            targets, costs = self._target[taken].tolist(), self._cost[taken].tolist()
            found = self._made[state] = list(zip(taken.tolist(), targets, costs, strict=True))
        return found


def _outgoing(graph: AttackGraph) -> _Outgoing:
    found = graph.memo.get("outgoing")
    if found is None:
        found = graph.memo["outgoing"] = _Outgoing(graph)
    return found


def _transition_arrays(graph: AttackGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per transition: source state, target state and cost (-ln likelihood), once per graph."""
    found = graph.memo.get("transition-arrays")
    if found is None:
        found = graph.memo["transition-arrays"] = (
            graph.steps.source,
            graph.steps.target,
            _step_costs(graph),
        )
    return found


def _entry_allowed(state: State, query: ChainQuery) -> bool:
    component = state.component
    return (query.entry_ids is None or component.id in query.entry_ids) and (
        query.source_layers is None or component.layer in query.source_layers
    )


def _path_qualifies(graph: AttackGraph, path: Sequence[int], query: ChainQuery) -> bool:
    states = graph.states
    if all(states[i].component.id == states[path[0]].component.id for i in path):
        return False  # an escalation inside one component is a threat, not a chain
    if not _read_reaches_attacker(graph, path):
        return False
    layers = {states[i].component.layer for i in path}
    if query.cross_layer_only and len(layers) < 2:
        return False
    if query.through_layers is not None and not query.through_layers <= layers:
        return False
    if (query.evidence is not None or query.predicted_only) and not _evidence_qualifies(
        graph, path, query
    ):
        return False
    return not (query.undetected and path_watchers(graph, path))


def step_strengths(graph: AttackGraph, path: Sequence[int]) -> list[int]:
    """The ATLAS evidence of each step of a path, as maturity strength (0: no technique).

    A chain's first step is backed by its threat's techniques; every later step by its
    rule's and its threat's, as :func:`make_chain` cites them.
    """
    states, transitions = _evidence_strengths(graph)
    strengths = [states[path[0]]]
    for source, target in pairwise(path):
        strengths.append(transitions[_transition_between(graph, source, target).index])
    return strengths


def _evidence_strengths(graph: AttackGraph) -> tuple[list[int], list[int]]:
    """Per state and per transition, the strongest maturity of what it cites (once per graph)."""
    found = graph.memo.get("evidence_strengths")
    if found is None:
        catalog = graph.catalog

        def strength(atlas_ids: Iterable[str]) -> int:
            maturity = catalog.maturity_of(atlas_ids)
            return maturity.strength if maturity else 0

        by_threat = [strength(threat.atlas) for threat in catalog.threats.values()]
        by_state_array = np.array(by_threat, dtype=np.int64)[graph.state_threat]
        by_state = by_state_array.tolist()
        steps = graph.steps
        by_rule = np.array([strength(rule.atlas) for rule in steps.rules] + [0], dtype=np.int64)
        by_transition = np.maximum(by_rule[steps.rule], by_state_array[steps.target]).tolist()
        found = graph.memo["evidence_strengths"] = (by_state, by_transition)
    return found


def _evidence_qualifies(graph: AttackGraph, path: Sequence[int], query: ChainQuery) -> bool:
    strengths = step_strengths(graph, path)
    if query.predicted_only and max(strengths) >= Maturity.DEMONSTRATED.strength:
        return False
    return query.evidence is None or evidence_holds(strengths, query.evidence, query.evidence_on)


def evidence_holds(strengths: Sequence[int], maturity: Maturity, on: EvidenceScope) -> bool:
    """Whether step strengths (maturity strength per step, 0 for none) reach ``maturity`` on
    the first step (``entry``), some step (``any``) or every step (``every``).

    Examples
    --------
    >>> [evidence_holds([3, 1], Maturity.REALIZED, on) for on in ("entry", "any", "every")]
    [True, True, False]
    """
    if on == "entry":
        return strengths[0] >= maturity.strength
    if on == "every":
        return min(strengths) >= maturity.strength
    return max(strengths) >= maturity.strength


def _watchers(
    graph: AttackGraph,
) -> tuple[Mapping[str, tuple[str, ...]], dict[str, WatchMode]]:
    """:func:`~maestro_graph.engine.detection.telemetry_watchers` and the watchers' modes, from
    the flow arrays (once per graph): a large model has few watchers among many flows."""
    found = graph.memo.get("watchers")
    if found is None:
        model, catalog = graph.model, graph.catalog
        kind_names, kind_codes = _component_kinds(graph)
        watching = np.array([name in catalog.watchers for name in kind_names], dtype=bool)
        watching = watching[kind_codes]
        candidates = np.flatnonzero(watching).tolist()
        modes = watcher_modes(model, catalog, among=[model.components[n] for n in candidates])
        found = graph.memo["watchers"] = (_TelemetryToWatchers(graph, watching), modes)
    return found


class _TelemetryToWatchers(Mapping[str, tuple[str, ...]]):
    """Component id -> the watchers (``watching``, per component) it sends telemetry to, each
    once and in id order, no component watching itself: what
    :func:`~maestro_graph.engine.detection.telemetry_watchers` gives, worked out from the flow
    arrays per component when asked (chains pass a few components of thousands)."""

    def __init__(self, graph: AttackGraph, watching: np.ndarray) -> None:
        model = graph.model
        self._components, self._states_of = model.components, _states_of(graph)
        self._state_component = graph.state_component
        arrays, count = model.flow_arrays(), len(model.components)
        telemetry = list(FlowKind).index(FlowKind.TELEMETRY)
        sends = (arrays.kind == telemetry) & (arrays.source != arrays.target)
        sends[sends] = watching[arrays.target[sends]]
        pairs = np.unique(arrays.source[sends] * count + arrays.target[sends])
        sources, self._targets = pairs // count, pairs % count
        self._sources, self._starts = np.unique(sources, return_index=True)
        self._stops = np.append(self._starts[1:], len(sources))

    def __getitem__(self, component_id: str) -> tuple[str, ...]:
        states = self._states_of(component_id)  # raises KeyError for an unknown id
        if len(states):
            position = int(self._state_component[states.start])
        else:  # a kind without threats: no chain passes it, but the mapping still answers
            position = next(n for n, c in enumerate(self._components) if c.id == component_id)
        at = int(np.searchsorted(self._sources, position))
        if at == len(self._sources) or self._sources[at] != position:
            raise KeyError(component_id)
        targets = self._targets[self._starts[at] : self._stops[at]].tolist()
        return tuple(sorted(self._components[n].id for n in targets))

    def __iter__(self) -> Iterator[str]:
        return (self._components[n].id for n in self._sources.tolist())

    def __len__(self) -> int:
        return len(self._sources)


def _seen_for_good(graph: AttackGraph, path: Sequence[int]) -> bool:
    """Whether a watcher that alerts sees ``path``: no continuation can take that back."""
    modes = _watchers(graph)[1]
    return any(modes[w] is WatchMode.ALERTS for w in path_watchers(graph, path))


def path_watchers(graph: AttackGraph, path: Sequence[int]) -> tuple[str, ...]:
    """The watchers that would see the chain along ``path`` (:func:`watchers_seeing`)."""
    telemetry, modes = _watchers(graph)
    if not modes:
        return ()
    steps: list[Step] = [
        (graph.states[i].component.id, graph.states[i].threat.capability) for i in path
    ]
    return watchers_seeing(steps, telemetry, modes)


#: What an attacker acting through these sees for themselves: a shell, or a stolen identity.
_SEES_WHAT_IT_READS = (Capability.EXECUTE, Capability.IDENTITY)


def _read_reaches_attacker(graph: AttackGraph, path: Sequence[int]) -> bool:
    """Whether a chain that ends in reading data ends with the data in the attacker's hands.

    Data a hijacked agent reads stays in the system until something carries it to a sink; data
    read with a shell or a stolen identity is the attacker's at once.
    """
    last = graph.states[path[-1]]
    if last.threat.capability is not Capability.READ or last.component.id in graph.sinks:
        return True
    return len(path) > 1 and graph.states[path[-2]].threat.capability in _SEES_WHAT_IT_READS


#: Above this many outgoing transitions, a state's steps are looked up by target, not scanned.
_SCAN_LIMIT = 16


def _transition_between(graph: AttackGraph, source: int, target: int) -> Transition:
    outgoing = graph.successors[source]
    transitions = graph.transitions
    if len(outgoing) > _SCAN_LIMIT:  # a hub (an orchestrator calling hundreds of servers)
        by_target = graph.steps_by_target(source)
        if target in by_target:
            return transitions[by_target[target]]
    else:
        for index, reached, _ in _outgoing(graph)[source]:
            if reached == target:
                return transitions[index]
    raise KeyError((source, target))  # pragma: no cover - paths only follow existing transitions


def path_risk(graph: AttackGraph, path: Sequence[int]) -> tuple[float, float]:
    """Exact (likelihood, risk) of a path of state indexes, multiplied in path order."""
    likelihood = graph.states[path[0]].start_likelihood
    for source, target in pairwise(path):
        likelihood *= _transition_between(graph, source, target).likelihood
    return likelihood, likelihood * chain_impact(graph, path)


def _order_key(
    graph: AttackGraph, risk: float, path: Sequence[int]
) -> tuple[float, tuple[tuple[str, str], ...]]:
    return (-risk, tuple(graph.states[i].key for i in path))


def _select(
    graph: AttackGraph, found: dict[Any, tuple[tuple, tuple[int, ...]]], top: int | None
) -> list[tuple[tuple, tuple[int, ...]]]:
    ranked = sorted(found.values(), key=lambda item: item[0])
    return ranked if top is None else ranked[:top]


def start_states(graph: AttackGraph, query: ChainQuery) -> list[int]:
    """Where chains may start: the entry states, or every state under ``assume_breach``.

    When the query folds stages and names no entry, an entry state that another entry reaches
    (see :func:`reached_from_upstream`) is not a start: its chains are the later part of the
    chains from upstream, which tell where the attacker really starts.
    """
    if query.assume_breach:
        by_layer = graph.memo.get("breach-starts")
        if by_layer is None:
            by_layer = graph.memo["breach-starts"] = _breach_starts(graph)
        layers = by_layer if query.source_layers is None else query.source_layers
        return sorted(index for layer in layers for index in by_layer.get(layer, ()))
    if folds_stages(query) and query.entry_ids is None:
        upstream = graph.memo.get("reached-from-upstream")
        if upstream is None:
            upstream = graph.memo["reached-from-upstream"] = reached_from_upstream(graph)
        return [index for index in graph.entry_states if index not in upstream]
    return list(graph.entry_states)


def _breach_starts(graph: AttackGraph) -> dict[Layer, list[int]]:
    """Per layer, the states a breach there may start from (those with a likelihood)."""
    by_layer: dict[Layer, list[int]] = {}
    layers = [component.layer for component in graph.model.components]
    likely = np.flatnonzero(graph.state_likelihood > 0)
    for index, component in zip(
        likely.tolist(), graph.state_component[likely].tolist(), strict=True
    ):
        by_layer.setdefault(layers[component], []).append(index)
    return by_layer


#: How many steps back an upstream entry is looked for.
UPSTREAM_REACH = 3
#: An entry is reached from upstream when the way there keeps at least this share of its own
#: entry likelihood; a door much easier to open directly is a door of its own.
UPSTREAM_SHARE = 0.5
#: Steps the upstream test may take in all: far above what 10,000 components need (under
#: 1,000,000), reached only by dense graphs, where every entry then starts chains of its own.
UPSTREAM_WORK = 5_000_000


def reached_from_upstream(graph: AttackGraph) -> frozenset[int]:
    """Entry states that an entry at another component reaches within :data:`UPSTREAM_REACH`
    steps at no less than :data:`UPSTREAM_SHARE` of their own entry likelihood.

    An untrusted inbox the attacker mails, a receipts store an untrusted claimant fills: the
    store is an entry of its own, but the attacker's way in is the component upstream.
    """
    entries = graph.entry_states
    feeds: dict[int, set[int]] = {index: set() for index in entries}
    best = _upstream_reach(graph)
    if best is None:
        warnings.warn(
            SearchBudgetWarning(
                f"more than {UPSTREAM_WORK:,} steps to find which entries others "
                "reach (a dense graph): every entry starts chains of its own"
            ),
            stacklevel=3,
        )
        return frozenset()
    origin, reached, likelihood = best
    component = graph.state_component
    is_entry = np.zeros(graph.state_count, dtype=bool)
    is_entry[entries] = True
    origins = np.array(entries, dtype=np.int64)[origin]
    elsewhere = is_entry[reached] & (component[reached] != component[origins])
    strong = elsewhere & (likelihood >= UPSTREAM_SHARE * graph.start_likelihoods()[reached])
    for source, target in zip(origins[strong].tolist(), reached[strong].tolist(), strict=True):
        feeds[source].add(target)
    return frozenset(_fed_from_outside_their_cycle(feeds))


def _upstream_reach(graph: AttackGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """For every entry at once, the most likely way to each entry state within
    :data:`UPSTREAM_REACH` steps: (entry position, state, likelihood) arrays (with some other
    states too), or None when that takes more than :data:`UPSTREAM_WORK` steps.

    A hop-bounded max-product Bellman-Ford over all entries together: each round extends only
    the pairs the previous round improved, as a search from each entry in turn would, and only
    to states from which an entry state is still within the steps left.
    """
    entries = np.array(graph.entry_states, dtype=np.int64)
    count = max(graph.state_count, 1)
    steps = graph.steps
    by_source, first = graph.successor_layout()
    is_entry = np.zeros(graph.state_count, dtype=bool)
    is_entry[entries] = True
    near = _near(graph, is_entry, UPSTREAM_REACH - 1)
    origin = np.arange(len(entries), dtype=np.int64)
    value = graph.start_likelihoods()[entries]
    best_key, best_value = origin * count + entries, value
    order = np.argsort(best_key)
    best_key, best_value = best_key[order], best_value[order]
    state, work = entries, 0
    for left in range(UPSTREAM_REACH - 1, -1, -1):
        counts = first[state + 1] - first[state]
        work += int(counts.sum())
        if work > UPSTREAM_WORK:
            return None
        taken = by_source[concatenated_ranges(first[state], counts)]
        target = steps.target[taken]
        useful = near[left][target]  # an entry state is at most ``left`` more steps away
        origin = np.repeat(origin, counts)[useful]
        value = (np.repeat(value, counts) * steps.likelihood[taken])[useful]
        key, value = _most_likely_per_key(origin * count + target[useful], value)
        at = np.searchsorted(best_key, key)
        known = at < len(best_key)
        known[known] = best_key[at[known]] == key[known]
        before = np.zeros(len(key))
        before[known] = best_value[at[known]]
        improved = value > before
        # Improved pairs already known change in place; new ones go in at their sorted place.
        best_value[at[improved & known]] = value[improved & known]
        new = improved & ~known
        best_key = np.insert(best_key, at[new], key[new])
        best_value = np.insert(best_value, at[new], value[new])
        key, value = key[improved], value[improved]
        origin, state = key // count, key % count
    return best_key // count, best_key % count, best_value


def _most_likely_per_key(key: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct key once, sorted, with the greatest of its values."""
    if not len(key):
        return key, value
    order = np.argsort(key, kind="stable")
    key, value = key[order], value[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return key[starts], np.maximum.reduceat(value, starts)


def _near(graph: AttackGraph, marked: np.ndarray, steps: int) -> list[np.ndarray]:
    """``near[k]``, for k up to ``steps``: per state, whether a ``marked`` state is at most k
    transitions away."""
    order, first = graph.successor_layout()
    targets = graph.steps.target[order]
    sources = np.flatnonzero(first[1:] > first[:-1])  # the states with transitions out
    near = [marked]
    for _ in range(steps):
        closer = near[-1].copy()
        if len(sources):
            closer[sources] |= np.logical_or.reduceat(near[-1][targets], first[sources])
        near.append(closer)
    return near


def _fed_from_outside_their_cycle(feeds: dict[int, set[int]]) -> set[int]:
    """The states some origin feeds that they do not feed back (two entries that reach each
    other are both real starts: neither is upstream of the other).

    An origin feeds a target directly, so the target reaches the origin back exactly when both
    are in one strongly connected component of the feeds: one linear pass (Tarjan), not a
    search from every entry.
    """
    # Entries that feed none are no origin: leave them out of the walk.
    component = _strongly_connected({origin: fed for origin, fed in feeds.items() if fed})
    return {
        target
        for origin, targets in feeds.items()
        for target in targets
        if component[origin] != component[target]
    }


def _strongly_connected(edges: dict[int, set[int]]) -> dict[int, int]:
    """Node -> number of its strongly connected component (iterative Tarjan)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    component: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    count = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                number = count
                count += 1
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = number
                    if member == node:
                        break
    return component


#: A chain is a stage of a longer chain that begins with it, goes on to another component and
#: keeps at least this share of its risk: the longer chain is the same attack told to its end.
STAGE_SHARE = 0.35


def is_stage_of(risk: float, longer_risk: float) -> bool:
    """Whether a chain of ``risk`` is a stage of a continuation of ``longer_risk``.

    Examples
    --------
    >>> is_stage_of(1.0, 0.4), is_stage_of(1.0, 0.3)
    (True, False)
    """
    return longer_risk >= STAGE_SHARE * risk * (1 - _COST_SLACK)


def search_paths(graph: AttackGraph, query: ChainQuery) -> list[tuple[int, ...]]:
    """The state-index paths of the best chains, best first (see the module docstring).

    With ``distinct="route"`` and ``fold_stages`` (the default for ``paths``), a chain that a
    longer chain continues (same steps, then on to another component, within the filters and
    the hop bound) at no less than :data:`STAGE_SHARE` of its risk is a stage of that attack,
    not another one, and is left out: the longer chain tells the attack to its end. Whether a
    chain is a stage depends on the chain alone, so the top 10 are the first 10 of the top 50.

    Parameters
    ----------
    graph : AttackGraph
    query : ChainQuery

    Returns
    -------
    list of tuple of int
    """
    return _search(graph, query)


def folds_stages(query: ChainQuery) -> bool:
    """Whether ``query`` leaves out chains that are stages of longer ones."""
    return query.fold_stages and query.distinct == "route"


class SearchBudgetWarning(UserWarning):
    """The search stopped at :attr:`ChainQuery.search_budget`: the ranking is the best of
    what it found, and may miss chains."""


class _BudgetSpent(Exception):
    pass


@dataclass
class _Budget:
    """Partial chains the search may still queue."""

    left: int

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _BudgetSpent


@dataclass(frozen=True)
class _SearchSpace:
    """What the search and the stage test share: where chains end, costs, response steps."""

    graph: AttackGraph
    query: ChainQuery
    final: list[bool]
    to_sink: list[float]
    outgoing: _Outgoing
    conditional: list[bool]  # steps only some chains may take (step_allowed)
    budget: _Budget
    #: Per state: the twin a chain must already have passed through before it may enter this
    #: state's component (:func:`twin_order`), or None.
    twin_before: list[str | None]
    #: Per transition, whether ``evidence_on="every"`` lets a chain take it (None: no filter).
    evidenced: list[bool] | None = None

    def may_start(self, index: int) -> bool:
        """Whether a chain may start at state ``index`` under the query's evidence filters."""
        query = self.query
        if query.evidence is None and not query.predicted_only:
            return True
        strength = _evidence_strengths(self.graph)[0][index]
        if query.evidence is not None and query.evidence_on == "entry":
            return strength >= query.evidence.strength and _step_evidence_allowed(query, strength)
        return _step_evidence_allowed(query, strength)

    def steps_from(
        self, path: tuple[int, ...], *, detours: bool = False
    ) -> Iterable[tuple[int, float]]:
        """The (next state, step cost) pairs a chain ending in ``path`` may take (``detours``:
        also back to a component for what the chain already held there)."""
        graph = self.graph
        held = None if detours else held_before(graph, path)
        twin_before = self.twin_before
        visited: set[str] | None = None
        for transition_index, target, weight in self.outgoing[path[-1]]:
            if target in path or self.to_sink[target] == math.inf:
                continue
            if held and not _gains_on_return(graph.states[target], held):
                continue
            if twin_before[target] is not None:
                if visited is None:
                    visited = {graph.states[i].component.id for i in path}
                if (
                    twin_before[target] not in visited
                    and graph.states[target].component.id not in visited
                ):
                    continue
            if self.evidenced is not None and not self.evidenced[transition_index]:
                continue
            if self.conditional[transition_index] and not step_allowed(
                graph, path, graph.transitions[transition_index], detours=True
            ):
                continue
            yield target, weight

    def continues_strongly(self, path: tuple[int, ...], risk: float) -> bool:
        """Whether a longer chain begins with ``path`` and makes it a stage (:func:`is_stage_of`).

        A best-first search over continuations, bounded by the cost that would drop below the
        stage share, guided by the same admissible cost-to-sink as the main search.
        """
        graph, final = self.graph, self.final
        here = graph.states[path[-1]].component.id
        impact = chain_impact(graph, path)
        budget = -math.log(STAGE_SHARE) - math.log(impact / _IMPACT_SCALE) + 1e-6
        heap: list[tuple[float, float, tuple[int, ...], bool]] = [(0.0, 0.0, path, False)]
        while heap:
            estimate, cost, extended, moved = heapq.heappop(heap)
            if estimate > budget:
                return False
            last = extended[-1]
            if (
                moved
                and final[last]
                and _path_qualifies(graph, extended, self.query)
                and is_stage_of(risk, path_risk(graph, extended)[1])
            ):
                return True
            if len(extended) > self.query.max_hops:
                continue
            for target, weight in self.steps_from(extended, detours=True):
                next_cost = cost + weight
                next_estimate = next_cost + self.to_sink[target]
                if next_estimate <= budget:
                    away = moved or graph.states[target].component.id != here
                    self.budget.spend()
                    heapq.heappush(heap, (next_estimate, next_cost, (*extended, target), away))
        return False


def search_space(graph: AttackGraph, query: ChainQuery) -> _SearchSpace:
    """The final states, costs and bounds a search for ``query`` works with.

    What depends only on the graph and the query's target and evidence filters is worked out
    once per graph (``graph.memo``): the matrix and the planner search one graph many times.
    """
    final, evidenced, to_sink = _search_ends(graph, query)
    conditional = graph.memo.get("conditional-steps")
    if conditional is None:
        conditional = graph.memo["conditional-steps"] = conditional_steps(graph)
    return _SearchSpace(
        graph,
        query,
        final,
        to_sink,
        _outgoing(graph),
        conditional,
        _Budget(query.search_budget),
        twin_order(graph, query),
        evidenced,
    )


def _search_ends(
    graph: AttackGraph, query: ChainQuery
) -> tuple[list[bool], list[bool] | None, list[float]]:
    """Final states, steps the evidence filters allow, and cost-to-sink, once per graph for
    each combination of the query's target and evidence filters."""
    every_layer = query.target_layers is None or query.target_layers >= frozenset(Layer)
    ends = (
        "search-ends",
        query.target_ids,
        None if every_layer else query.target_layers,
        query.evidence,
        query.evidence_on,
        query.predicted_only,
    )
    found = graph.memo.get(ends)
    if found is None:
        final = _final_states(graph, query)
        evidenced = _evidenced_steps(graph, query)
        found = graph.memo[ends] = (final, evidenced, _cost_to_sink(graph, final, evidenced))
    return found


def _evidenced_steps(graph: AttackGraph, query: ChainQuery) -> list[bool] | None:
    """Per transition, whether the evidence filters let a chain take it; None when they
    judge no single step (a step's evidence decides only for ``every`` and predicted_only)."""
    if not query.predicted_only and (query.evidence is None or query.evidence_on != "every"):
        return None
    return [_step_evidence_allowed(query, s) for s in _evidence_strengths(graph)[1]]


def _step_evidence_allowed(query: ChainQuery, strength: int) -> bool:
    """Whether one step of this evidence strength may be part of a chain ``query`` keeps."""
    if query.predicted_only and strength >= Maturity.DEMONSTRATED.strength:
        return False
    if query.evidence is None or query.evidence_on == "any":
        return True
    if query.evidence_on == "every":
        return strength >= query.evidence.strength
    return True


def breaks_symmetry(query: ChainQuery) -> bool:
    """Whether the search for ``query`` may follow one route per set of twin routes: when
    routes through interchangeable components fold into one chain and no filter names one."""
    return query.distinct == "route" and query.entry_ids is None and query.target_ids is None


def twin_order(graph: AttackGraph, query: ChainQuery) -> list[str | None]:
    """Per state, the twin a chain must have passed through before it enters the state's
    component: the one before it among its interchangeable components in id order.

    Swapping two interchangeable components turns any chain into another with the same risk,
    so a search that folds them (:func:`breaks_symmetry`) takes twins in id order only: the
    first twin a chain meets is the first of its group, the next new one the second, and so
    on. That route sorts first among its swaps, so the chain shown is the one a search over
    every route would show; the others are its variants (:func:`chain_variants`). On an
    orchestrator calling 300 alike servers this turns 300 starts into one.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("netmon"))
    >>> set(twin_order(analysis.attack_graph, ChainQuery()))
    {None}
    """
    if not breaks_symmetry(query) or not graph.siblings:
        return [None] * len(graph.states)
    found = graph.memo.get("twin-order")
    if found is None:
        before: dict[str, str] = {}
        for group in set(sibling_groups(graph).values()):
            ordered = sorted(group)
            before.update(zip(ordered[1:], ordered, strict=False))
        found = [None] * graph.state_count
        states_of = _states_of(graph)
        for component_id, twin in before.items():
            run = states_of(component_id)
            found[run.start : run.stop] = [twin] * len(run)
        graph.memo["twin-order"] = found
    return found


def _states_of(graph: AttackGraph) -> Callable[[str], range]:
    """A function from a component id to the indexes of its states (consecutive)."""
    index = graph.state_index
    if not isinstance(index, StateIndex):
        raise TypeError("the attack graph was not made by build_attack_graph")
    return index.states_of


def _search(graph: AttackGraph, query: ChainQuery) -> list[tuple[int, ...]]:
    space = search_space(graph, query)
    heap = [(cost + space.to_sink[index], (index,), cost) for index, cost in _starts(space)]
    heapq.heapify(heap)

    # Best qualifying chain per group: per (entry, target) pair, or per chain when not distinct.
    found: dict[Any, tuple[tuple, tuple[int, ...]]] = {}
    # Cost of the N-th best so far (or of min_risk): prefixes above it cannot enter the result.
    floor_cost = -math.log(query.min_risk / _IMPACT_SCALE) if query.min_risk > 0 else math.inf
    threshold = floor_cost
    try:
        _expand(graph, query, space, heap, found, threshold)
    except _BudgetSpent:
        spent = f"the search stopped after {query.search_budget:,} partial chains (its budget)"
        if folds_stages(query):
            # On a dense graph every chain has a longer continuation, so folding stages keeps
            # nothing until the hop bound: rank without folding instead, which converges.
            warnings.warn(
                SearchBudgetWarning(
                    f"{spent} while folding stages into longer chains; the chains shown are "
                    "ranked without folding (stages of longer chains included)"
                ),
                stacklevel=2,
            )
            return _search(graph, replace(query, fold_stages=False))
        warnings.warn(_budget_warning(query), stacklevel=2)
    return [path for _, path in _select(graph, found, query.top)]


def _starts(space: _SearchSpace) -> list[tuple[int, float]]:
    """The (state, cost) each chain of the search may start from, in state order."""
    graph, query = space.graph, space.query
    states, twin_before, to_sink = graph.states, space.twin_before, space.to_sink
    filters_entry = query.entry_ids is not None or query.source_layers is not None
    filters_evidence = query.evidence is not None or query.predicted_only
    picked = [
        index
        for index in start_states(graph, query)
        # A chain meets the first of its twins first (twin_order).
        if twin_before[index] is None
        and to_sink[index] < math.inf
        and (not filters_entry or _entry_allowed(states[index], query))
        and (not filters_evidence or space.may_start(index))
    ]
    likelihoods = np.array([states[index].start_likelihood for index in picked], dtype=float)
    return list(zip(picked, minus_log(likelihoods).tolist(), strict=True))


def _budget_warning(query: ChainQuery) -> SearchBudgetWarning:
    return SearchBudgetWarning(
        f"the search stopped after {query.search_budget:,} partial chains (its budget): the "
        "ranking is the best of what it found and may miss chains; a graph this dense needs a "
        "lower --max-hops (or a larger --search-budget)"
    )


def best_per_target_layer(
    graph: AttackGraph, query: ChainQuery, layers: Iterable[Layer]
) -> dict[Layer, tuple[int, ...]]:
    """The best chain for ``query`` ending on each of ``layers``, in one search.

    One best-first search serves every layer: a partial chain is ranked by its most hopeful
    layer (its cost plus that layer's own cost-to-sink) among the layers whose best it could
    still beat, and is dropped once it can beat none. So one search answers a whole row of the
    layer matrix with the guidance of seven. Stages are not folded (as in the matrix); ``top``
    is ignored (one chain per layer).

    Parameters
    ----------
    graph : AttackGraph
    query : ChainQuery
    layers : iterable of Layer

    Returns
    -------
    dict of Layer to tuple of int
        The state-index path of each layer's best chain; a layer no chain reaches is absent.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> from maestro_graph.model.layers import Layer
    >>> graph = mg.analyze(mg.example("netmon")).attack_graph
    >>> query = ChainQuery(source_layers=frozenset({Layer.L2}), assume_breach=True,
    ...                    fold_stages=False)
    >>> best = best_per_target_layer(graph, query, Layer)
    >>> all(
    ...     search_paths(graph, replace(query, top=1, target_layers=frozenset({layer})))
    ...     == [best[layer]]
    ...     for layer in best
    ... )
    True
    """
    wanted = frozenset(layers)
    if query.target_layers is not None:
        wanted &= query.target_layers
    if not wanted:
        return {}
    query = replace(query, fold_stages=False, target_layers=wanted)
    space = search_space(graph, query)
    ordered = sorted(wanted, key=list(Layer).index)
    sinks = _sinks_by_cost(graph, query, ordered)
    floor = -math.log(query.min_risk / _IMPACT_SCALE) if query.min_risk > 0 else math.inf
    bounds = [floor] * len(ordered)

    def hope(cost: float, state: int) -> float:
        # Cheapest layer first: the first one whose best the chain could still beat is the most
        # hopeful.
        for sink_cost, slot in sinks[state]:
            estimate = cost + sink_cost
            if estimate <= bounds[slot] + _COST_SLACK:
                return estimate
        return math.inf

    heap = _first_hopes(_starts(space), sinks, floor)
    heapq.heapify(heap)
    found: dict[int, tuple[tuple, tuple[int, ...]]] = {}
    try:
        _expand_per_layer(space, heap, found, bounds, hope, ordered)
    except _BudgetSpent:
        warnings.warn(_budget_warning(query), stacklevel=2)
    return {ordered[slot]: path for slot, (_, path) in found.items()}


def _first_hopes(
    starts: list[tuple[int, float]], sinks: _SinksByCost, floor: float
) -> list[tuple[float, tuple[int, ...], float]]:
    """The queue a per-layer search starts with: what its ``hope`` gives each start while no
    layer has a best yet (every bound is ``floor``), for all starts at once."""
    if not starts:
        return []
    indexes = np.array([index for index, _ in starts], dtype=np.int64)
    costs = np.array([cost for _, cost in starts], dtype=float)
    # With one bound for every layer, the cheapest layer decides: if it is out of reach, all are.
    estimates = costs + sinks.cheapest[indexes]
    hopeful = np.flatnonzero(estimates <= floor + _COST_SLACK).tolist()
    estimate_list, cost_list = estimates.tolist(), costs.tolist()
    return [(estimate_list[n], (starts[n][0],), cost_list[n]) for n in hopeful]


class _SinksByCost:
    """Per state, (cost to a final state on the layer, slot of the layer) for each layer it can
    reach, cheapest first; worked out for a state the first time the search asks."""

    def __init__(self, costs: np.ndarray) -> None:
        by_state = costs.T
        # Per state, its layers' slots cheapest first (ties: the earlier slot) and their costs;
        # the layers it cannot reach (infinite cost) sort last and are left out.
        self.slots = np.argsort(by_state, axis=1, kind="stable")
        self.costs = np.take_along_axis(by_state, self.slots, axis=1)
        self.reachable = np.isfinite(self.costs).sum(axis=1).tolist()
        #: Per state, the cost to its cheapest layer (infinite when it reaches none).
        self.cheapest = (
            self.costs[:, 0] if self.costs.shape[1] else np.full(len(self.costs), math.inf)
        )
        self.ranked: dict[int, tuple[tuple[float, int], ...]] = {}

    def __getitem__(self, state: int) -> tuple[tuple[float, int], ...]:
        found = self.ranked.get(state)
        if found is None:
            count = self.reachable[state]
            costs, slots = self.costs[state, :count].tolist(), self.slots[state, :count].tolist()
            found = self.ranked[state] = tuple(zip(costs, slots, strict=True))
        return found


def _sinks_by_cost(graph: AttackGraph, query: ChainQuery, ordered: list[Layer]) -> _SinksByCost:
    """:class:`_SinksByCost` for ``ordered`` layers, once per graph for each filter combination."""
    key = (
        "sinks-by-cost",
        tuple(ordered),
        query.target_ids,
        query.evidence,
        query.evidence_on,
        query.predicted_only,
    )
    found = graph.memo.get(key)
    if found is None:
        costs = np.array(
            [
                _search_ends(graph, replace(query, target_layers=frozenset({layer})))[2]
                for layer in ordered
            ],
            dtype=float,
        ).reshape(len(ordered), len(graph.states))
        found = graph.memo[key] = _SinksByCost(costs)
    return found


def _expand_per_layer(
    space: _SearchSpace,
    heap: list[tuple[float, tuple[int, ...], float]],
    found: dict[int, tuple[tuple, tuple[int, ...]]],
    bounds: list[float],
    hope: Callable[[float, int], float],
    ordered: list[Layer],
) -> None:
    """The best-first loop of :func:`best_per_target_layer`: fills ``found`` per layer slot."""
    graph, query, final = space.graph, space.query, space.final
    slot_of = {layer: slot for slot, layer in enumerate(ordered)}
    while heap:
        estimate, path, cost = heapq.heappop(heap)
        if estimate > max(bounds) + _COST_SLACK:
            break  # every layer has its best: nothing queued can beat the worst of them
        last = path[-1]
        now = hope(cost, last)
        if now > estimate + _COST_SLACK:
            # Layers found since it was queued leave it a later turn, or nothing to beat.
            if now < math.inf:
                heapq.heappush(heap, (now, path, cost))
            continue
        if len(path) > 1 and final[last] and _path_qualifies(graph, path, query):
            _, risk = path_risk(graph, path)
            key = _order_key(graph, risk, path)
            slot = slot_of[graph.states[last].component.layer]
            if risk >= query.min_risk and (slot not in found or key < found[slot][0]):
                found[slot] = (key, path)
                bounds[slot] = -math.log(risk / _IMPACT_SCALE) if risk > 0 else math.inf
        if len(path) > query.max_hops:
            continue
        if query.undetected and _seen_for_good(graph, path):
            continue
        for target, weight in space.steps_from(path):
            next_cost = cost + weight
            estimate = hope(next_cost, target)
            if estimate < math.inf:
                space.budget.spend()
                heapq.heappush(heap, (estimate, (*path, target), next_cost))


def _expand(
    graph: AttackGraph,
    query: ChainQuery,
    space: _SearchSpace,
    heap: list[tuple[float, tuple[int, ...], float]],
    found: dict[Any, tuple[tuple, tuple[int, ...]]],
    threshold: float,
) -> None:
    """The best-first loop of :func:`_search`: fills ``found`` (see the module docstring)."""
    final, to_sink = space.final, space.to_sink
    fold = folds_stages(query)
    # The N-th best only improves as chains are found, so a bound worked out a few updates ago
    # is looser, never wrong: re-sorting after every find made large tops quadratic, and
    # re-sorting every few finds still was once thousands of chains are kept (distinct none),
    # so the wait also grows with what is kept.
    updates_since_bound = 0
    while heap:
        estimate, path, cost = heapq.heappop(heap)
        if estimate > threshold + _COST_SLACK:
            break
        last = path[-1]
        if len(path) > 1 and final[last] and _path_qualifies(graph, path, query):
            _, risk = path_risk(graph, path)
            key = _order_key(graph, risk, path)
            group = _group(graph, path, query)
            better = group not in found or key < found[group][0]
            if (
                risk >= query.min_risk
                and better
                and not (fold and space.continues_strongly(path, risk))
            ):
                found[group] = (key, path)
                updates_since_bound += 1
                if (
                    query.top is not None
                    and len(found) >= query.top
                    and updates_since_bound >= max(1, query.top // 16, len(found) // 8)
                ):
                    updates_since_bound = 0
                    nth_risk = -_select(graph, found, query.top)[-1][0][0]
                    threshold = -math.log(nth_risk / _IMPACT_SCALE) if nth_risk > 0 else math.inf
        if len(path) > query.max_hops:
            continue
        if query.undetected and _seen_for_good(graph, path):
            continue  # every longer chain is seen as well
        for target, weight in space.steps_from(path):
            next_cost = cost + weight
            next_estimate = next_cost + to_sink[target]
            if next_estimate <= threshold + _COST_SLACK:
                space.budget.spend()
                heapq.heappush(heap, (next_estimate, (*path, target), next_cost))


def _group(graph: AttackGraph, path: tuple[int, ...], query: ChainQuery) -> Any:
    """What two chains must share to count as one under ``query.distinct``."""
    if query.distinct == "none":
        return path
    components = [graph.states[i].component.id for i in path]
    if query.distinct == "pair":
        return (components[0], components[-1])
    # Interchangeable components are one place the attack passes, whichever of them it takes.
    siblings = graph.siblings
    places = [siblings.get(c, c) for c in components]
    return tuple(p for n, p in enumerate(places) if n == 0 or places[n - 1] != p)


def _flow_move(transition: Transition) -> tuple[str, str] | None:
    if transition.flow is None:
        return None
    # The kind is a str enum: it equals (and hashes as) its value, without the slow ``.value``.
    return (transition.flow.kind, transition.rule.via.direction)


#: A call reaches the component it fetches from ...
_PULLS = frozenset({("invokes", "forward")})
#: ... and its response hands something back along the same flow.
_ANSWERS = frozenset({("invokes", "reverse")})


def _is_response(transition: Transition) -> bool:
    return _flow_move(transition) in _ANSWERS


#: Services act when they are called: what one reads from a source goes back to its caller.
SERVICE_KINDS = frozenset(
    {
        "mcp_server", "tool", "plugin", "external_api", "ai_service_api", "api_gateway",
        "web_service", "application", "code_interpreter",
    }
)  # fmt: skip
#: Where a write puts content for later readers.
STORE_KINDS = frozenset(
    {"vector_store", "memory_store", "knowledge_base", "dataset", "database", "document_source"}
)


def _is_service_write(graph: AttackGraph, transition: Transition) -> bool:
    """A step that carries content a service holds into a store (it depends on how it came)."""
    if _flow_move(transition) != ("data", "forward"):
        return False
    source = graph.states[transition.source]
    return (
        source.threat.capability is Capability.INFLUENCE
        and source.component.kind in SERVICE_KINDS
        and graph.states[transition.target].component.kind in STORE_KINDS
    )


def _is_carry(graph: AttackGraph, transition: Transition) -> bool:
    """A step that carries data or secrets on towards a sink (data in transit)."""
    source, target = graph.states[transition.source], graph.states[transition.target]
    return (
        source.threat.capability in (Capability.READ, Capability.IDENTITY)
        and target.threat.capability is Capability.READ
        and target.threat.ends_chains == "sink"
    )


#: Components that decide what they do with what they read.
REASONING_KINDS = frozenset({"agent", "orchestrator", "planner", "external_agent"})


def _read_goes_to(graph: AttackGraph, path: Sequence[int], transition: Transition) -> bool:
    """Whether data read at the chain's last component may be carried by ``transition``.

    Data that a reader took out of a store (or a service) is in that reader's hands: it goes
    back to the reader, not out along the store's other flows to every other reader. Data in
    transit that was written there (a secret committed to a repository) does flow on to the
    store's readers, except agents that are not the attacker's.
    """
    here, before = graph.states[path[-1]], graph.states[path[-2]]
    if here.threat.ends_chains == "sink":
        # Data in transit at rest flows on to what reads the store, but an agent that reads it
        # there (and is not acting for the attacker) has no reason to send it anywhere.
        target = graph.states[transition.target].component
        return not (
            here.component.kind in STORE_KINDS
            and _flow_move(transition) == ("data", "forward")
            and target.kind in REASONING_KINDS
        )
    if before.component.id == here.component.id:
        return True
    return transition.target_component(graph) == before.component.id


def _attacker_holds(graph: AttackGraph, path: Sequence[int]) -> bool:
    """Whether the data or secret of the last state is in the attacker's own hands already:
    it is where the chain starts."""
    return len(path) < 2


def conditional_steps(graph: AttackGraph) -> list[bool]:
    """:func:`is_conditional` for every transition, worked out per state once (the same test)."""
    threats = tuple(graph.catalog.threats.values())
    component, threat = graph.state_component, graph.state_threat

    def per_threat(test: Callable[[Threat], bool]) -> np.ndarray:
        return np.array([test(t) for t in threats] + [False], dtype=bool)[threat]

    kind_names, kind_codes = _component_kinds(graph)

    def per_kind(kinds: frozenset[str]) -> np.ndarray:
        return np.array([name in kinds for name in kind_names], dtype=bool)[kind_codes][component]

    holds_data = per_threat(lambda t: t.capability in (Capability.READ, Capability.IDENTITY))
    in_transit = per_threat(lambda t: t.capability is Capability.READ and t.ends_chains == "sink")
    service_content = per_threat(lambda t: t.capability is Capability.INFLUENCE) & per_kind(
        SERVICE_KINDS
    )
    store = per_kind(STORE_KINDS)
    steps = graph.steps
    source, target = steps.source, steps.target
    # Flow kinds as small codes (-1: a step inside one component) keep this one array pass.
    kinds = np.append(_flow_kind_codes(graph), -1)

    def through(kind: FlowKind, direction: str) -> np.ndarray:
        """Per transition: whether its rule goes ``direction`` along a flow of ``kind``."""
        on_flow = (kinds == list(FlowKind).index(kind))[steps.flow]
        rule_goes = np.array([r.via.direction == direction for r in steps.rules] + [False])
        return on_flow & rule_goes[steps.rule]

    flags = holds_data[source] & in_transit[target]
    flags |= through(FlowKind.INVOKES, "reverse")
    flags |= through(FlowKind.DATA, "forward") & service_content[source] & store[target]
    return flags.tolist()


def _component_kinds(graph: AttackGraph) -> tuple[list[str], np.ndarray]:
    """The component kinds of the model (in order of first use), and per component its kind's
    position among them (once per graph)."""
    found = graph.memo.get("component-kinds")
    if found is None:
        position: dict[str, int] = {}
        # Kinds through the profiles, which come in the order of their first components.
        by_profile = [position.setdefault(p.kind, len(position)) for p in graph.component_profiles]
        codes = np.array(by_profile, dtype=np.int64)[graph.component_profile]
        found = graph.memo["component-kinds"] = (list(position), codes)
    return found


def _flow_kind_codes(graph: AttackGraph) -> np.ndarray:
    """Per flow of ``graph.steps.flows``, its kind's position in FlowKind."""
    steps = graph.steps
    if len(steps.flow_kind) == len(steps.flows):
        return steps.flow_kind
    code = {kind: n for n, kind in enumerate(FlowKind)}  # a graph made without the builder
    return np.array([code[flow.kind] for flow in steps.flows], dtype=np.int64)


def is_conditional(graph: AttackGraph, transition: Transition) -> bool:
    """Whether a step may be taken only by some chains (see :func:`step_allowed`)."""
    return (
        _is_response(transition)
        or _is_service_write(graph, transition)
        or _is_carry(graph, transition)
    )


#: What holding a capability at a component already gives there: code execution owns it (all
#: but data brought back from elsewhere), and steering it includes putting content in it.
_IMPLIES = {
    Capability.EXECUTE: frozenset(
        {Capability.EXECUTE, Capability.CONTROL, Capability.INFLUENCE, Capability.TAMPER,
         Capability.DISRUPT}
    ),
    Capability.CONTROL: frozenset({Capability.CONTROL, Capability.INFLUENCE}),
}  # fmt: skip


def held_before(graph: AttackGraph, path: Sequence[int]) -> dict[str, set[Capability | None]]:
    """What the chain held at each component it has left (not at its last component): where a
    step back to it must gain something (:func:`_gains_on_return`)."""
    states = graph.states
    here = states[path[-1]].component.id
    held: dict[str, set[Capability | None]] = {}
    for index in path:
        state = states[index]
        if state.component.id != here:
            capability = state.threat.capability
            held.setdefault(state.component.id, set()).update(
                _IMPLIES.get(capability, (capability,))  # type: ignore[arg-type]
            )
    return held


def _gains_on_return(target: State, held: dict[str, set[Capability | None]]) -> bool:
    """Whether a step back to a component the chain has left gives the attacker something new
    there: data brought back, or a stronger hold (a hijacked agent that a model's answer then
    steers). Coming back for what the chain already had is a detour, not another attack."""
    before = held.get(target.component.id)
    return before is None or target.threat.capability not in before


def step_allowed(
    graph: AttackGraph, path: Sequence[int], transition: Transition, *, detours: bool = False
) -> bool:
    """Whether a chain ending in ``path`` may continue with ``transition``.

    A response answers the request that caused it: when the chain entered its last component
    through a call from X, a step back along a call's response goes to X only. A model steered
    by one agent's prompt answers that agent, not every agent sharing the model. Chains that
    reached the callee another way (a poisoned server, backdoored weights) answer every caller.

    A service writes what its caller sends, not what it reads: content that reached an MCP
    server, a tool or an API along a data flow (a poisoned issue it fetched) goes back to the
    caller, and is written to a store only when it came in a request. Data a reader took out
    of a store goes back to that reader (:func:`_read_goes_to`). And what the attacker holds at
    the start (a secret found in a store) is theirs: a chain does not carry it on.
    """
    if not detours and not _gains_on_return(
        graph.states[transition.target], held_before(graph, path)
    ):
        return False
    if _is_carry(graph, transition) and _attacker_holds(graph, path):
        return False
    if len(path) < 2:
        return True
    if _is_carry(graph, transition) and not _read_goes_to(graph, path, transition):
        return False
    previous = _transition_between(graph, path[-2], path[-1])
    if _is_service_write(graph, transition):
        return _flow_move(previous) != ("data", "forward")
    if _flow_move(transition) not in _ANSWERS or _flow_move(previous) not in _PULLS:
        return True
    return transition.target_component(graph) == graph.states[path[-2]].component.id


def make_chain(
    graph: AttackGraph,
    path: Sequence[int],
    rank: int,
    *,
    assumed_breach: bool = False,
    variants: tuple[tuple[tuple[str, ...], float], ...] = (),
) -> Chain:
    """Build a :class:`Chain` (with explanations) from a path of state indexes."""
    catalog = graph.catalog
    steps: list[ChainStep] = []
    first = graph.states[path[0]]
    evidence = atlas_links(catalog, first.threat.atlas)
    steps.append(ChainStep(first, None, first.start_likelihood, evidence))
    for source, target in pairwise(path):
        transition = _transition_between(graph, source, target)
        state = graph.states[target]
        cited = tuple(dict.fromkeys((*transition.rule.atlas, *state.threat.atlas)))
        steps.append(
            ChainStep(state, transition, transition.likelihood, atlas_links(catalog, cited))
        )
    likelihood, risk = path_risk(graph, path)
    impact = chain_impact(graph, path)
    band = band_for(likelihood, impact)
    return Chain(
        rank,
        tuple(steps),
        likelihood,
        impact,
        risk,
        band,
        assumed_breach,
        variants,
        detected_by=path_watchers(graph, path),
    )


#: How many combinations of interchangeable components a chain's variants are looked for in.
VARIANT_LIMIT = 64


def sibling_groups(graph: AttackGraph) -> dict[str, tuple[str, ...]]:
    """Every component that has interchangeable twins, with the whole group in model order."""
    groups: dict[str, list[str]] = {}
    for member, first in graph.siblings.items():
        groups.setdefault(first, [first]).append(member)
    return {member: tuple(group) for group in groups.values() for member in group}


def chain_variants(
    graph: AttackGraph, path: Sequence[int], groups: dict[str, tuple[str, ...]]
) -> tuple[tuple[tuple[str, ...], float], ...]:
    """The same chain through interchangeable components: (route, risk) of each variant that
    the graph has, best first (at most :data:`VARIANT_LIMIT` combinations are tried).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("netmon"))
    >>> chain_variants(analysis.attack_graph, (0, 1), {})
    ()
    """
    keys = [graph.states[i].key for i in path]
    places = list(dict.fromkeys(c for c, _ in keys if c in groups))
    if not places:
        return ()
    found: dict[tuple[str, ...], float] = {}
    for choice in itertools.islice(itertools.product(*(groups[c] for c in places)), VARIANT_LIMIT):
        swap = dict(zip(places, choice, strict=True))
        if all(a == b for a, b in swap.items()):
            continue
        taken = {c for c, _ in keys if c not in swap}
        if len(set(choice)) < len(choice) or taken & set(choice):
            continue  # two places of the chain would be one component
        risk = risk_of(graph, [(swap.get(c, c), t) for c, t in keys])
        if risk is not None:
            route = [swap.get(c, c) for c, _ in keys]
            found[tuple(c for n, c in enumerate(route) if n == 0 or route[n - 1] != c)] = risk
    return tuple(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def search_chains(graph: AttackGraph, query: ChainQuery) -> list[Chain]:
    """The best chains for ``query``, ranked, with explanations.

    Parameters
    ----------
    graph : AttackGraph
    query : ChainQuery

    Returns
    -------
    list of Chain
        Highest risk first.
    """
    # The search allocates many short-lived, acyclic objects: the collector would only re-scan
    # the graph (see maestro_graph.support.perf.paused_gc).
    with paused_gc():
        paths = search_paths(graph, query)
        groups = sibling_groups(graph) if query.distinct == "route" else {}
        return [
            make_chain(
                graph,
                path,
                rank,
                assumed_breach=query.assume_breach,
                variants=chain_variants(graph, path, groups),
            )
            for rank, path in enumerate(paths, start=1)
        ]


def risk_of(graph: AttackGraph, keys: Sequence[tuple[str, str]]) -> float | None:
    """The risk of the chain with these (component, threat) steps in ``graph``, or None when the
    graph has no such chain (a state or a transition is missing)."""
    try:
        path = [graph.state_index[key] for key in keys]
        return path_risk(graph, path)[1]
    except KeyError:
        return None
