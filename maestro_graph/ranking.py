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
>>> from maestro_graph.propagation import build_attack_graph
>>> graph = build_attack_graph(mg.example("netmon"), mg.load_catalog())
>>> chains = search_chains(graph, ChainQuery(top=3))
>>> len(chains) <= 3 and all(c.hops >= 1 for c in chains)
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from maestro_graph.layers import Layer
from maestro_graph.perf import paused_gc
from maestro_graph.propagation import AttackGraph, State, Transition
from maestro_graph.risk import Band, band_for
from maestro_graph.threats import AtlasEvidence, atlas_links

# Costs are sums of logarithms while risks are products; this slack keeps rounding from hiding a
# chain that ties the N-th best.
_COST_SLACK = 1e-9
_IMPACT_SCALE = 5.0


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
        With ``distinct="route"`` and a ``top``: fold a chain into a longer one it begins (see
        :func:`search_paths`).
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
    fold_stages: bool = False


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

    @property
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
            "steps": [step.to_record() for step in self.steps],
        }

    def _repr_html_(self) -> str:
        """The chain's hops as a table, for Jupyter."""
        from maestro_graph.htmlrepr import Raw, html_table, layer_badge

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
                lines.append(
                    f"     entry: the attacker starts here, likelihood {step.likelihood:.3f}"
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
    chain only at an attacker-visible sink.
    """
    model_targets = graph.model.attacker.targets if graph.model.attacker else None
    sinks = graph.sinks
    allowed = []
    for state in graph.states:
        component = state.component
        ends = state.threat.ends_chains
        ok = (
            (ends == "anywhere" or (ends == "sink" and component.id in sinks))
            and (query.target_ids is None or component.id in query.target_ids)
            and (query.target_layers is None or component.layer in query.target_layers)
            and (model_targets is None or component.id in model_targets)
        )
        allowed.append(ok)
    return allowed


def _sink_cost(state: State) -> float:
    return -math.log(state.impact / _IMPACT_SCALE)


def _cost_to_sink(graph: AttackGraph, final: list[bool]) -> list[float]:
    """Cheapest cost from every state to the virtual sink (reverse Dijkstra).

    The final states enter in cost order from a sorted list, and only the states reached
    through transitions go through a heap; the distances are those of any Dijkstra order.
    """
    distance = [math.inf] * graph.state_count
    seeds = []
    for index, state in enumerate(graph.states):
        if final[index]:
            distance[index] = _sink_cost(state)
            seeds.append((distance[index], index))
    seeds.sort()
    incoming = graph.predecessors()
    transitions = graph.transitions
    # Each transition's source and cost, read once: ``cost + -ln l`` equals ``cost - ln l``.
    sources = [t.source for t in transitions]
    costs = [-math.log(t.likelihood) for t in transitions]
    heap: list[tuple[float, int]] = []
    pop, push = heapq.heappop, heapq.heappush
    seed_count, next_seed = len(seeds), 0
    while True:
        if heap and (next_seed == seed_count or heap[0] < seeds[next_seed]):
            cost, index = pop(heap)
        elif next_seed < seed_count:
            cost, index = seeds[next_seed]
            next_seed += 1
        else:
            break
        if cost > distance[index]:
            continue
        for transition_index in incoming[index]:
            source = sources[transition_index]
            candidate = cost + costs[transition_index]
            if candidate < distance[source]:
                distance[source] = candidate
                push(heap, (candidate, source))
    return distance


def _entry_allowed(state: State, query: ChainQuery) -> bool:
    component = state.component
    return (query.entry_ids is None or component.id in query.entry_ids) and (
        query.source_layers is None or component.layer in query.source_layers
    )


def _path_qualifies(graph: AttackGraph, path: Sequence[int], query: ChainQuery) -> bool:
    states = graph.states
    if all(states[i].component.id == states[path[0]].component.id for i in path):
        return False  # an escalation inside one component is a threat, not a chain
    layers = {states[i].component.layer for i in path}
    if query.cross_layer_only and len(layers) < 2:
        return False
    return query.through_layers is None or query.through_layers <= layers


def _transition_between(graph: AttackGraph, source: int, target: int) -> Transition:
    for index in graph.successors[source]:
        if graph.transitions[index].target == target:
            return graph.transitions[index]
    raise KeyError((source, target))  # pragma: no cover - paths only follow existing transitions


def path_risk(graph: AttackGraph, path: Sequence[int]) -> tuple[float, float]:
    """Exact (likelihood, risk) of a path of state indexes, multiplied in path order."""
    likelihood = graph.states[path[0]].likelihood
    for source, target in pairwise(path):
        likelihood *= _transition_between(graph, source, target).likelihood
    return likelihood, likelihood * graph.states[path[-1]].impact


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
    """Where chains may start: the entry states, or every state under ``assume_breach``."""
    if query.assume_breach:
        return [state.index for state in graph.states if state.likelihood > 0]
    return list(graph.entry_states)


#: How many more routes than asked for are searched before stages are folded away.
FOLD_WINDOW = 4


def search_paths(graph: AttackGraph, query: ChainQuery) -> list[tuple[int, ...]]:
    """The state-index paths of the best chains, best first (see the module docstring).

    With ``distinct="route"`` and a ``top``, a chain whose route is the beginning of another
    chain among the best ``FOLD_WINDOW x top`` routes is a stage of that chain, not another
    attack: it is folded into the longer chain, so the top N are N attacks rather than N stages
    of a few. ``fold_stages=False`` keeps every route.

    Parameters
    ----------
    graph : AttackGraph
    query : ChainQuery

    Returns
    -------
    list of tuple of int
    """
    if query.distinct == "route" and query.top is not None and query.fold_stages:
        wider = dataclasses.replace(query, top=query.top * FOLD_WINDOW, fold_stages=False)
        return fold_stages(graph, _search(graph, wider))[: query.top]
    return _search(graph, query)


def _route(graph: AttackGraph, path: Sequence[int]) -> tuple[str, ...]:
    components = [graph.states[i].component.id for i in path]
    return tuple(c for n, c in enumerate(components) if n == 0 or components[n - 1] != c)


def fold_stages(graph: AttackGraph, paths: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Drop every path whose route begins another path's route (keeping the order)."""
    routes = [_route(graph, path) for path in paths]
    starts = {route[:n] for route in routes for n in range(2, len(route))}
    return [path for path, route in zip(paths, routes, strict=True) if route not in starts]


def _search(graph: AttackGraph, query: ChainQuery) -> list[tuple[int, ...]]:
    final = _final_states(graph, query)
    to_sink = _cost_to_sink(graph, final)
    weights = [-math.log(t.likelihood) for t in graph.transitions]
    answers = [_is_response(t) for t in graph.transitions]
    heap: list[tuple[float, tuple[int, ...], float]] = []
    for index in start_states(graph, query):
        state = graph.states[index]
        if _entry_allowed(state, query) and to_sink[index] < math.inf:
            cost = -math.log(state.likelihood)
            heap.append((cost + to_sink[index], (index,), cost))
    heapq.heapify(heap)

    # Best qualifying chain per group: per (entry, target) pair, or per chain when not distinct.
    found: dict[Any, tuple[tuple, tuple[int, ...]]] = {}
    # Cost of the N-th best so far (or of min_risk): prefixes above it cannot enter the result.
    floor_cost = -math.log(query.min_risk / _IMPACT_SCALE) if query.min_risk > 0 else math.inf
    threshold = floor_cost
    transitions = graph.transitions
    while heap:
        estimate, path, cost = heapq.heappop(heap)
        if estimate > threshold + _COST_SLACK:
            break
        last = path[-1]
        if len(path) > 1 and final[last] and _path_qualifies(graph, path, query):
            _, risk = path_risk(graph, path)
            key = _order_key(graph, risk, path)
            group = _group(graph, path, query)
            if risk >= query.min_risk and (group not in found or key < found[group][0]):
                found[group] = (key, path)
                if query.top is not None and len(found) >= query.top:
                    nth_risk = -_select(graph, found, query.top)[-1][0][0]
                    threshold = -math.log(nth_risk / _IMPACT_SCALE) if nth_risk > 0 else math.inf
        if len(path) > query.max_hops:
            continue
        for transition_index in graph.successors[last]:
            transition = transitions[transition_index]
            target = transition.target
            if target in path or to_sink[target] == math.inf:
                continue
            if answers[transition_index] and not step_allowed(graph, path, transition):
                continue
            next_cost = cost + weights[transition_index]
            next_estimate = next_cost + to_sink[target]
            if next_estimate <= threshold + _COST_SLACK:
                heapq.heappush(heap, (next_estimate, (*path, target), next_cost))
    return [path for _, path in _select(graph, found, query.top)]


def _group(graph: AttackGraph, path: tuple[int, ...], query: ChainQuery) -> Any:
    """What two chains must share to count as one under ``query.distinct``."""
    if query.distinct == "none":
        return path
    components = [graph.states[i].component.id for i in path]
    if query.distinct == "pair":
        return (components[0], components[-1])
    return tuple(c for n, c in enumerate(components) if n == 0 or components[n - 1] != c)


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


def step_allowed(graph: AttackGraph, path: Sequence[int], transition: Transition) -> bool:
    """Whether a chain ending in ``path`` may continue with ``transition``.

    A response answers the request that caused it: when the chain entered its last component
    through a call from X, a step back along a call's response goes to X only. A model steered
    by one agent's prompt answers that agent, not every agent sharing the model. Chains that
    reached the callee another way (a poisoned server, backdoored weights) answer every caller.
    """
    if len(path) < 2 or _flow_move(transition) not in _ANSWERS:
        return True
    previous = _transition_between(graph, path[-2], path[-1])
    if _flow_move(previous) not in _PULLS:
        return True
    return transition.target_component(graph) == graph.states[path[-2]].component.id


def make_chain(
    graph: AttackGraph, path: Sequence[int], rank: int, *, assumed_breach: bool = False
) -> Chain:
    """Build a :class:`Chain` (with explanations) from a path of state indexes."""
    catalog = graph.catalog
    steps: list[ChainStep] = []
    first = graph.states[path[0]]
    steps.append(ChainStep(first, None, first.likelihood, atlas_links(catalog, first.threat.atlas)))
    for source, target in pairwise(path):
        transition = _transition_between(graph, source, target)
        state = graph.states[target]
        cited = tuple(dict.fromkeys((*transition.rule.atlas, *state.threat.atlas)))
        steps.append(
            ChainStep(state, transition, transition.likelihood, atlas_links(catalog, cited))
        )
    likelihood, risk = path_risk(graph, path)
    impact = graph.states[path[-1]].impact
    band = band_for(likelihood, impact)
    return Chain(rank, tuple(steps), likelihood, impact, risk, band, assumed_breach)


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
    # the graph (see maestro_graph.perf.paused_gc).
    with paused_gc():
        return [
            make_chain(graph, path, rank, assumed_breach=query.assume_breach)
            for rank, path in enumerate(search_paths(graph, query), start=1)
        ]


def risk_of(graph: AttackGraph, keys: Sequence[tuple[str, str]]) -> float | None:
    """The risk of the chain with these (component, threat) steps in ``graph``, or None when the
    graph has no such chain (a state or a transition is missing)."""
    try:
        path = [graph.state_index[key] for key in keys]
        return path_risk(graph, path)[1]
    except KeyError:
        return None
