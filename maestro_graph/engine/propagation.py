"""From architecture and catalog to the attack-state graph (DESIGN section 5).

A state is ``(component, threat)``: "the attacker has achieved this threat at this component";
it exists where the threat applies to the component's kind. Entry states are the ``entry`` threats
at entry components. A propagation rule turns a state into another along a flow (forward or
reverse) or within one component (``self``).

The graph is kept in a compact indexed form (states numbered, adjacency lists of transitions)
because chain search and reachability run over it many times; :meth:`AttackGraph.to_networkx`
gives the same graph as a :class:`networkx.DiGraph` with readable attributes.

Examples
--------
>>> import maestro_graph as mg
>>> graph = build_attack_graph(mg.example("netmon"), mg.load_catalog())
>>> graph.state_count > 0 and graph.transition_count > 0
True
"""

from __future__ import annotations

import functools
import math
from array import array
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import numpy as np

from maestro_graph.catalog import Catalog
from maestro_graph.catalog.types import Capability, PropagationRule, Threat
from maestro_graph.engine.risk import RiskSettings, combined_impact, control_factor
from maestro_graph.model import Component, Exposure, Flow, SystemModel, Trust
from maestro_graph.model.flows import FlowKind
from maestro_graph.support.perf import paused_gc

if TYPE_CHECKING:
    import networkx as nx

#: Transitions less likely than this are dropped (DESIGN section 5).
DEFAULT_TRANSITION_FLOOR = 0.01


#: Where a guard's control cuts a step, in the reductions shared by many steps: each step names
#: its own guard ("guard <id>") when its Transition is made.
ANY_GUARD = "guard"

#: One way to take a step: (rule, flow or None, likelihood, reductions).
_Alternative = tuple[PropagationRule, Flow | None, float, tuple[tuple[str, float, str], ...]]


@dataclass(frozen=True, slots=True)
class State:
    """A node of the attack graph."""

    index: int
    component: Component
    threat: Threat
    impact: float
    likelihood: float  # the threat's own likelihood here: base x ATLAS maturity x controls
    entry_likelihood: float | None  # None unless the attacker can start here

    @property
    def key(self) -> tuple[str, str]:
        """``(component id, threat id)``: the state's stable name."""
        return (self.component.id, self.threat.id)

    def __repr__(self) -> str:
        # The component and threat are long; their ids name the state.
        return f"<State {self.index} {self.component.id}[{self.threat.id}]>"

    @property
    def start_likelihood(self) -> float:
        """How likely a chain that starts here starts: the entry likelihood at an entry, else
        (an assumed breach) the threat's own likelihood."""
        return self.likelihood if self.entry_likelihood is None else self.entry_likelihood


@dataclass(frozen=True, slots=True)
class Transition:
    """An edge: ``rule`` turns state ``source`` into ``target`` (through ``flow``, unless self)."""

    index: int
    source: int
    target: int
    rule: PropagationRule
    flow: Flow | None
    likelihood: float
    # (control, effectiveness, where): where is "component", "flow" or "guard <guard id>"
    reductions: tuple[tuple[str, float, str], ...]
    # What :attr:`alternatives` returns when more than one rule joins the two states; empty when
    # this transition's own rule is the only one (most steps), to keep large graphs small.
    _alternatives: tuple[_Alternative, ...] = field(default=(), repr=False)

    def target_component(self, graph: AttackGraph) -> str:
        """The id of the component the transition leads to."""
        return graph.states[self.target].component.id

    @property
    def alternatives(self) -> tuple[_Alternative, ...]:
        """Every (rule, flow, likelihood, reductions) that joins the same two states, this one
        included, in the order they were found: the step is as likely as the best of them, so
        cutting it means cutting them all."""
        return self._alternatives or (
            (self.rule, self.flow, self.likelihood, self.reductions),
        )


@dataclass(frozen=True, eq=False)
class StepArrays:
    """The transitions of an attack graph as arrays, one entry per transition index.

    What the search and reachability read for every transition (source, target, likelihood)
    lives in NumPy arrays; a :class:`Transition` object is made only for the steps a caller
    looks at (see :class:`TransitionList`).

    Attributes
    ----------
    source, target : numpy.ndarray of int64
        State indexes.
    likelihood : numpy.ndarray of float64
        The step's likelihood after controls (its most likely rule and flow).
    rule : numpy.ndarray of int32
        Index into ``rules``.
    flow : numpy.ndarray of int32
        Index into ``flows`` (the model's flows), or -1 for a step inside one component.
    reductions : numpy.ndarray of int32
        Index into ``reduction_sets``.
    alternative_start : numpy.ndarray of int64
        Transition ``t``'s alternatives are entries ``alternative_start[t]`` up to
        ``alternative_start[t + 1]`` of the ``alternative_*`` arrays (none when it has one rule).
    """

    source: np.ndarray
    target: np.ndarray
    likelihood: np.ndarray
    rule: np.ndarray
    flow: np.ndarray
    reductions: np.ndarray
    rules: tuple[PropagationRule, ...]
    flows: tuple[Flow, ...]
    reduction_sets: tuple[tuple[tuple[str, float, str], ...], ...]
    alternative_start: np.ndarray
    alternative_rule: np.ndarray
    alternative_flow: np.ndarray
    alternative_likelihood: np.ndarray
    alternative_reductions: np.ndarray
    #: Per flow of ``flows``: its kind's position in :class:`FlowKind`.
    flow_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: Per state: its component's position in ``component_ids`` (to name a step's guards).
    state_component: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    component_ids: tuple[str, ...] = ()
    #: Governed component id -> {control: the guards that provide it, in id order}.
    guards: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    #: The transition indexes ordered by target state (by source within one).
    by_target: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: Per transition: its cost in a search, ``-ln likelihood`` (as ``math.log`` gives it).
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def empty(cls) -> StepArrays:
        """No transitions."""
        index, none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        return cls(
            index, index, np.zeros(0), none, none, none, (), (), (),
            np.zeros(1, dtype=np.int64), none, none, np.zeros(0), none,
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.source)

    def flow_at(self, position: int) -> Flow | None:
        """The flow of a ``flow`` array entry (None for -1: a step inside one component)."""
        return None if position < 0 else self.flows[position]

    def alternatives(self, index: int) -> tuple[_Alternative, ...]:
        """Every (rule, flow, likelihood, reductions) joining transition ``index``'s states,
        in the order found, or () when only its own rule does."""
        start, stop = self.alternative_start[index], self.alternative_start[index + 1]
        return tuple(
            (
                self.rules[self.alternative_rule[k]],
                self.flow_at(int(self.alternative_flow[k])),
                float(self.alternative_likelihood[k]),
                self.reductions_of(index, int(self.alternative_reductions[k])),
            )
            for k in range(start, stop)
        )

    def reductions_of(self, index: int, code: int) -> tuple[tuple[str, float, str], ...]:
        """Reduction set ``code`` as it applies to transition ``index``: a guard's control
        names the guard (the first in id order that is not the step's own source)."""
        reductions = self.reduction_sets[code]
        if all(on != ANY_GUARD for _, _, on in reductions):
            return reductions
        source_id = self.component_ids[self.state_component[self.source[index]]]
        guarded = self.guards[self.component_ids[self.state_component[self.target[index]]]]
        return tuple(
            (control, effectiveness, on)
            if on != ANY_GUARD
            else (control, effectiveness, f"guard {_first_other(guarded[control], source_id)}")
            for control, effectiveness, on in reductions
        )

    def make(self, index: int) -> Transition:
        """The :class:`Transition` object of transition ``index``."""
        return Transition(
            index,
            int(self.source[index]),
            int(self.target[index]),
            self.rules[self.rule[index]],
            self.flow_at(int(self.flow[index])),
            float(self.likelihood[index]),
            self.reductions_of(index, int(self.reductions[index])),
            self.alternatives(index),
        )


def _first_other(ids: tuple[str, ...], source_id: str) -> str:
    return next(g for g in ids if g != source_id)


_Item = TypeVar("_Item")


class _MadeOnFirstUse(Sequence[_Item]):
    """A read-only sequence whose items are made (once each) only when asked for.

    Large graphs hold millions of items of which a search looks at a few thousand.
    """

    def __init__(self, length: int) -> None:
        self._made: list[_Item | None] = [None] * length

    def _make(self, index: int) -> _Item:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._made)

    def __getitem__(self, index: Any) -> Any:
        if index.__class__ is int:  # the common case first: a search asks thousands of times
            found = self._made[index]
            if found is not None:
                return found
        elif isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        found = self._made[index]
        if found is None:
            if index < 0:
                index += len(self)
            found = self._made[index] = self._make(index)
        return found

    def __iter__(self) -> Iterator[_Item]:
        return (self[i] for i in range(len(self._made)))


class TransitionList(_MadeOnFirstUse[Transition]):
    """The transitions of a graph, indexable like a list; each object is made on first use."""

    def __init__(self, steps: StepArrays) -> None:
        super().__init__(len(steps))
        self._steps = steps

    def _make(self, index: int) -> Transition:
        return self._steps.make(index)


class StateList(_MadeOnFirstUse[State]):
    """The states of a graph, indexable like a list; each object is made on first use from the
    graph's per-state arrays."""

    def __init__(self, graph: AttackGraph) -> None:
        super().__init__(len(graph.state_component))
        self._components = graph.model.components
        self._threats = tuple(graph.catalog.threats.values())
        self._component, self._threat = graph.state_component, graph.state_threat
        self._impact, self._likelihood = graph.state_impact, graph.state_likelihood
        self._entry = graph.state_entry

    def _make(self, index: int) -> State:
        entry = float(self._entry[index])
        return State(
            index,
            self._components[self._component[index]],
            self._threats[self._threat[index]],
            float(self._impact[index]),
            float(self._likelihood[index]),
            None if math.isnan(entry) else entry,
        )


class StateIndex(Mapping[tuple[str, str], int]):
    """``(component id, threat id)`` -> state index, worked out when asked: a component's
    states are its kind's threats in catalog order, numbered from its first state."""

    def __init__(
        self, model: SystemModel, first: dict[str, int], offsets: dict[str, dict[str, int]]
    ) -> None:
        self._model, self._first, self._offsets = model, first, offsets

    def __getitem__(self, key: tuple[str, str]) -> int:
        component_id, threat_id = key
        first = self._first[component_id]
        return first + self._offsets[self._model.component(component_id).kind][threat_id]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for component in self._model.components:
            for threat_id in self._offsets[component.kind]:
                yield (component.id, threat_id)

    def __len__(self) -> int:
        return sum(len(self._offsets[c.kind]) for c in self._model.components)

    def states_of(self, component_id: str) -> range:
        """The indexes of one component's states (consecutive)."""
        first = self._first[component_id]
        return range(first, first + len(self._offsets[self._model.component(component_id).kind]))


def source_layout(source: np.ndarray, state_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Transition indexes ordered by source state (ascending within one state), and per state
    where its run starts, with the end last (a compressed sparse row layout).

    Examples
    --------
    >>> order, starts = source_layout(np.array([1, 0, 1]), 3)
    >>> order.tolist(), starts.tolist()
    ([1, 0, 2], [0, 1, 3, 3])
    """
    counts = np.bincount(source, minlength=state_count)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return np.argsort(source, kind="stable"), starts


class SuccessorLists(_MadeOnFirstUse[list[int]]):
    """For each state, the indexes of its outgoing transitions in ascending order, as lists
    made on first use from a compressed sparse row layout."""

    def __init__(self, steps: StepArrays, state_count: int) -> None:
        super().__init__(state_count)
        self._order, self._starts = source_layout(steps.source, state_count)
        self._start = self._starts.tolist()

    def _make(self, index: int) -> list[int]:
        start, stop = self._start[index], self._start[index + 1]
        return self._order[start:stop].tolist()

    def layout(self) -> tuple[np.ndarray, np.ndarray]:
        """The compressed sparse row layout: transition indexes ordered by source state (in
        ascending order within one), and per state where its run starts (one more at the end)."""
        return self._order, self._starts


class ComponentProfile(NamedTuple):
    """What a component's states depend on; components alike share one (see
    :attr:`AttackGraph.component_profiles`)."""

    kind: str
    trust: Trust
    criticality: int
    controls: tuple[str, ...]
    is_entry: bool  # a default or named entry
    is_named_entry: bool  # named in ``attacker.entry``
    is_sink: bool  # attacker-visible (see is_sink)


@dataclass
class AttackGraph:
    """The attack-state graph of one model under one catalog.

    Attributes
    ----------
    states : sequence of State
        Indexed by ``State.index``; each object is made on first use from the per-state arrays.
    transitions : list of Transition
        Indexed by ``Transition.index``; at most one per ordered pair of states (the most likely
        rule and flow; ties broken by rule id, then flow kind).
    successors : list of list of int
        For each state, the indexes of its outgoing transitions.
    entry_states : list of int
        States the attacker can start from.
    """

    model: SystemModel
    catalog: Catalog
    states: Sequence[State] = field(default_factory=list)
    transitions: Sequence[Transition] = field(default_factory=list)
    successors: Sequence[list[int]] = field(default_factory=list)
    entry_states: list[int] = field(default_factory=list)
    state_index: Mapping[tuple[str, str], int] = field(default_factory=dict)
    sinks: frozenset[str] = frozenset()  # attacker-visible components (see is_sink)
    #: component id -> the first component interchangeable with it (SystemModel.interchangeable)
    siblings: dict[str, str] = field(default_factory=dict)

    _by_target: dict[int, dict[int, int]] = field(default_factory=dict, repr=False)
    #: Per state: the position of its component in ``model.components`` and of its threat in
    #: ``catalog.threats`` (for computations over every state at once).
    state_component: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False, compare=False
    )
    state_threat: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False, compare=False
    )
    #: Per state: :attr:`State.impact`, :attr:`State.likelihood` and
    #: :attr:`State.entry_likelihood` (NaN where the attacker cannot start).
    state_impact: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)
    state_likelihood: np.ndarray = field(
        default_factory=lambda: np.zeros(0), repr=False, compare=False
    )
    state_entry: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)
    #: Per component (model order): its position in ``component_profiles``, what the states
    #: of components alike depend on (kind, trust, ..., whether it is a sink).
    component_profile: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False, compare=False
    )
    component_profiles: tuple[ComponentProfile, ...] = field(default=(), repr=False, compare=False)

    def start_likelihoods(self) -> np.ndarray:
        """Per state, :attr:`State.start_likelihood` (made once)."""
        found = self.memo.get("start-likelihoods")
        if found is None:
            entry, likelihood = self.state_entry, self.state_likelihood
            found = self.memo["start-likelihoods"] = np.where(np.isnan(entry), likelihood, entry)
        return found

    def per_component(self, test: Callable[[ComponentProfile], bool]) -> np.ndarray:
        """Per component (model order), ``test`` of its profile, as a boolean array: one call
        per profile, not per component."""
        table = np.array([test(profile) for profile in self.component_profiles], dtype=bool)
        return table[self.component_profile] if len(table) else np.zeros(0, dtype=bool)
    #: The transitions as arrays (what ``transitions`` makes its objects from).
    steps: StepArrays = field(default_factory=StepArrays.empty, repr=False, compare=False)
    #: What later stages work out once per graph (evidence strengths, watchers), by name.
    memo: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)

    def steps_by_target(self, source: int) -> dict[int, int]:
        """Target state -> transition index for the transitions out of ``source`` (worked out
        on first use, for states with many)."""
        found = self._by_target.get(source)
        if found is None:
            outgoing = self.successors[source]
            targets = self.steps.target[outgoing].tolist()
            found = self._by_target[source] = dict(zip(targets, outgoing, strict=True))
        return found

    @property
    def state_count(self) -> int:
        """How many states the graph has."""
        return len(self.states)

    @property
    def transition_count(self) -> int:
        """How many transitions the graph has."""
        return len(self.transitions)

    def predecessors(self) -> list[list[int]]:
        """For each state, the indexes of its incoming transitions."""
        incoming: list[list[int]] = [[] for _ in self.states]
        for index, target in enumerate(self.steps.target.tolist()):
            incoming[target].append(index)
        return incoming

    def target_list(self) -> list[int]:
        """Per transition, its target state, as a list (made once: the search reads it often)."""
        found = self.memo.get("target-list")
        if found is None:
            found = self.memo["target-list"] = self.steps.target.tolist()
        return found

    def successor_layout(self) -> tuple[np.ndarray, np.ndarray]:
        """Transition indexes ordered by source state (ascending within one state), and per
        state where its run starts, with the end last: ``successors`` as one array."""
        if isinstance(self.successors, SuccessorLists):
            return self.successors.layout()
        found = self.memo.get("successor-layout")
        if found is None:
            found = self.memo["successor-layout"] = source_layout(
                self.steps.source, self.state_count
            )
        return found

    def likelihood_list(self) -> list[float]:
        """Per transition, its likelihood, as a list (made once)."""
        found = self.memo.get("likelihood-list")
        if found is None:
            found = self.memo["likelihood-list"] = self.steps.likelihood.tolist()
        return found

    def states_of(self, component_id: str) -> Iterator[State]:
        """The states at one component."""
        return (s for s in self.states if s.component.id == component_id)

    def to_networkx(self) -> nx.DiGraph:
        """The graph as a networkx DiGraph.

        Nodes are ``(component id, threat id)`` with attributes component, threat, layer, kind,
        impact, entry (bool) and entry_likelihood; edges carry rule, title, likelihood, weight
        (``-ln likelihood``), flow (``"a -> b (data)"`` or None) and controls (the reductions).
        """
        import networkx as nx

        graph = nx.DiGraph(model=self.model.name, catalog_version=self.catalog.version)
        for state in self.states:
            graph.add_node(
                state.key,
                component=state.component.id,
                threat=state.threat.id,
                layer=state.component.layer.value,
                kind=state.component.kind,
                impact=state.impact,
                entry=state.entry_likelihood is not None,
                entry_likelihood=state.entry_likelihood,
            )
        for t in self.transitions:
            graph.add_edge(
                self.states[t.source].key,
                self.states[t.target].key,
                rule=t.rule.id,
                title=t.rule.title,
                likelihood=t.likelihood,
                weight=-math.log(t.likelihood),
                flow=str(t.flow) if t.flow else None,
                controls=[
                    {"control": c, "effectiveness": e, "on": on} for c, e, on in t.reductions
                ],
            )
        return graph


def _rules_by_flow(
    catalog: Catalog,
) -> tuple[dict[tuple[str, str], list[PropagationRule]], list[PropagationRule]]:
    """Rules indexed by (flow kind, direction), and the ``self`` rules; each in id order."""
    by_flow: dict[tuple[str, str], list[PropagationRule]] = defaultdict(list)
    self_rules: list[PropagationRule] = []
    for rule in sorted(catalog.rules.values(), key=lambda r: r.id):
        if rule.via.direction == "self":
            self_rules.append(rule)
        for kind in rule.via.flows:
            by_flow[(kind.value, rule.via.direction)].append(rule)
    return by_flow, self_rules


def target_threat(rule: PropagationRule, catalog: Catalog, kind: str) -> str | None:
    """The threat that names ``rule``'s hop into a component of ``kind`` (None: it cannot).

    A specific rule names one threat; a generic rule's first label that applies to the kind.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> catalog = mg.load_catalog()
    >>> rule = catalog.rules["injected-content-hijacks-reasoner"]
    >>> target_threat(rule, catalog, "foundation_model")
    'L1.prompt-injection'
    """
    if rule.target.kinds is not None and kind not in rule.target.kinds:
        return None
    for threat_id in rule.target.threats:
        if kind in catalog.threats[threat_id].applies_to:
            return threat_id
    return None


def source_threats(rule: PropagationRule, catalog: Catalog, kind: str) -> tuple[str, ...]:
    """The threats at a component of ``kind`` that ``rule`` can start from, in catalog order."""
    if rule.source.kinds is not None and kind not in rule.source.kinds:
        return ()
    named, capabilities = set(rule.source.threats), set(rule.source.capabilities)
    return tuple(
        t.id
        for t in catalog.threats_for_kind(kind)
        if t.id in named or (t.capability is not None and t.capability in capabilities)
    )


class _Applicability:
    """Which rules can join a source kind to a target kind: the target threat, the source threats.

    Whether a rule applies depends only on the two components' kinds, so it is worked out once
    per (rule list, source kind, target kind) and reused for every flow between such kinds. The
    threats are given as offsets into a component's states (its threats in catalog order), so a
    state's index is the component's first state plus the offset.
    """

    def __init__(self, catalog: Catalog, offsets: dict[str, dict[str, int]]) -> None:
        self.catalog = catalog
        self.offsets = offsets
        self.cache: dict[
            tuple[int, str, str], list[tuple[PropagationRule, int, tuple[int, ...], bool]]
        ] = {}

    def get(
        self, rules: list[PropagationRule], source_kind: str, target_kind: str
    ) -> list[tuple[PropagationRule, int, tuple[int, ...], bool]]:
        """``(rule, target offset, source offsets, has target conditions)`` for each rule."""
        key = (id(rules), source_kind, target_kind)
        found = self.cache.get(key)
        if found is None:
            found = []
            for rule in rules:
                threat_id = target_threat(rule, self.catalog, target_kind)
                if threat_id is None:
                    continue
                starts = source_threats(rule, self.catalog, source_kind)
                if starts:
                    source_offsets = self.offsets[source_kind]
                    conditional = (
                        rule.target.exposed is not None
                        or rule.target.invokes_model is not None
                        or rule.source.exposed is not None
                    )
                    found.append(
                        (
                            rule,
                            self.offsets[target_kind][threat_id],
                            tuple(source_offsets[t] for t in starts),
                            conditional,
                        )
                    )
            self.cache[key] = found
        return found


#: Kinds that reason over the prompt they are given: a component that invokes one passes its
#: context into a model (an embedding model only encodes text, so it does not count).
REASONING_MODEL_KINDS = frozenset({"foundation_model", "fine_tuned_model", "ai_service_api"})


#: Public front ends the system itself runs: anyone can reach them, but what they hold is not
#: visible to anyone, so they are no exfiltration sink unless they are also untrusted.
PUBLIC_FRONT_KINDS = frozenset({"application", "api_gateway", "web_service"})


def is_sink(component: Component) -> bool:
    """Whether data reaching ``component`` is in the attacker's hands (DESIGN section 5b).

    Untrusted components (third-party or attacker-run) are sinks, and so are public ones that
    publish what they receive (a public repository, a public user, a third-party API), but not
    the system's own public front ends.

    Examples
    --------
    >>> from maestro_graph.model import Component
    >>> is_sink(Component(id="repo", layer="L7", kind="external_api", exposure="public"))
    True
    >>> is_sink(Component(id="web", layer="L7", kind="application", exposure="public"))
    False
    """
    if component.trust is Trust.UNTRUSTED:
        return True
    return component.exposure is Exposure.PUBLIC and component.kind not in PUBLIC_FRONT_KINDS


@dataclass(frozen=True)
class _Surroundings:
    """Facts about components that rules and guards look at, worked out once per model."""

    exposed: frozenset[str]  # attacker-visible sinks (see is_sink)
    invokes_model: frozenset[str]  # components that pass their context on to a reasoning model
    guards: dict[str, dict[str, tuple[str, ...]]]  # governed id -> {control: guard ids}

    @classmethod
    def of(cls, model: SystemModel, catalog: Catalog) -> _Surroundings:
        components = model.components
        exposed = frozenset(c.id for c in components if is_sink(c))
        arrays = model.flow_arrays()
        kinds = list(FlowKind)
        reasoning = np.fromiter(
            (c.kind in REASONING_MODEL_KINDS for c in components), bool, len(components)
        )
        calls_model = (arrays.kind == kinds.index(FlowKind.INVOKES)) & reasoning[arrays.target]
        invokes_model = frozenset(components[n].id for n in arrays.source[calls_model].tolist())
        guards: dict[str, dict[str, tuple[str, ...]]] = {}
        governing = np.flatnonzero(arrays.kind == kinds.index(FlowKind.GOVERNS)).tolist()
        by_ends = sorted((model.flows[n] for n in governing), key=lambda f: (f.target, f.source))
        for flow in by_ends:
            provided = catalog.guards.get(model.component(flow.source).kind)
            if provided:
                for control in provided:
                    governed = guards.setdefault(flow.target, {})
                    governed[control] = (*governed.get(control, ()), flow.source)
        return cls(exposed, invokes_model, guards)

    def admits(self, rule: PropagationRule, source: Component, target: Component) -> bool:
        """Whether the two components meet the rule's conditions on them."""
        if rule.source.exposed is not None and (source.id in self.exposed) != rule.source.exposed:
            return False
        wanted = rule.target
        return (wanted.exposed is None or (target.id in self.exposed) == wanted.exposed) and (
            wanted.invokes_model is None
            or (target.id in self.invokes_model) == wanted.invokes_model
        )


def carries_data_out(state: State, sinks: frozenset[str]) -> bool:
    """Whether ``state`` is data the attacker read arriving at an attacker-visible sink.

    Such a state hurts the owner of the data, not the sink: a chain ending in it is scored by
    :func:`chain_impact` with the most critical component it read from.
    """
    return state.threat.capability is Capability.READ and state.component.id in sinks


def _is_read(state: State) -> bool:
    return state.threat.capability in (Capability.READ, Capability.IDENTITY)


def chain_impact(graph: AttackGraph, path: Sequence[int]) -> float:
    """The impact of the chain of state indexes ``path``: its final state's, except for data
    carried out to a sink, which is scored with the most critical private component whose data
    or secrets the chain read on the way. A chain that read nothing leaks what the component
    that hands it to the sink holds (its context: a conversation, a prompt), or nothing of
    worth (criticality 1) when that component is a sink too.

    The final state's own impact is an upper bound (it assumes the most critical private
    component of the model), so a search may use it as an optimistic estimate.
    """
    last = graph.states[path[-1]]
    if not carries_data_out(last, graph.sinks):
        return last.impact
    read_from = [
        graph.states[i].component.criticality
        for i in path[:-1]
        if _is_read(graph.states[i]) and graph.states[i].component.id not in graph.sinks
    ]
    if not read_from:
        previous = graph.states[path[-2]].component if len(path) > 1 else last.component
        read_from = [1 if previous.id in graph.sinks else previous.criticality]
    return combined_impact(last.threat.impact, max(read_from))


#: What an attacker can start with at a trusted public front end of the system: exploiting the
#: service itself. Content, hijacking and stolen identities arrive there from its users.
_FRONT_END_ENTRY = frozenset({Capability.EXECUTE, Capability.DISRUPT})

#: What an attacker starts with at an untrusted component (their own account, page, package or
#: server): what it says and does. Stealing from it, impersonating it or breaking it gains
#: nothing in the system.
_UNTRUSTED_ENTRY = frozenset({Capability.INFLUENCE, Capability.CONTROL, Capability.TAMPER})

#: People: an untrusted one is the attacker, whom there is nothing to subvert or manipulate.
HUMAN_KINDS = frozenset({"user", "operator"})


def _starts_here(
    component: Component, threat: Threat, sinks: frozenset[str], explicit: frozenset[str]
) -> bool:
    """Whether an entry threat can start a chain at a default entry component.

    Data read at the start is a finding, not the start of a chain (it is the attacker's already),
    an untrusted component starts with what it says and does, and the system's own trusted front
    end is reached through its users; components named in ``attacker.entry`` start with every
    other entry threat.
    """
    if threat.capability is Capability.READ:
        return False  # what the attacker reads at the start is theirs: carrying it on adds nothing
    if component.id in explicit:
        return True
    if component.trust is Trust.UNTRUSTED:
        if threat.capability is Capability.CONTROL and component.kind in HUMAN_KINDS:
            return False
        return threat.capability in _UNTRUSTED_ENTRY
    front_end = component.kind in PUBLIC_FRONT_KINDS and component.trust is not Trust.UNTRUSTED
    return not front_end or threat.capability in _FRONT_END_ENTRY


#: What a trusted public component's owners let through: they decide what is written there, so
#: an attacker who reaches it writes only through a flaw, a mistake or a stolen account.
TRUSTED_PUBLIC_WRITE_SHARE = 0.5


def _entry_share(component: Component, threat: Threat, explicit: frozenset[str]) -> float:
    """The share of a threat's likelihood with which a chain starts with it at an entry.

    Writing into a trusted public component (a project's public repository, a company's public
    docs) starts at :data:`TRUSTED_PUBLIC_WRITE_SHARE`: public means anyone can read it and
    reach it, not that anyone can change it. Where ``attacker.entry`` names the component, the
    model says the attacker is in, and it starts at the whole likelihood.
    """
    if (
        threat.capability is Capability.TAMPER
        and component.trust is Trust.TRUSTED
        and component.id not in explicit
    ):
        return TRUSTED_PUBLIC_WRITE_SHARE
    return 1.0


def _reductions(
    rule: PropagationRule,
    target: Component,
    flow_controls: tuple[str, ...],
    guarded: dict[str, tuple[str, ...]],
    source_id: str,
    catalog: Catalog,
    *,
    name_guards: bool = True,
) -> tuple[tuple[str, float, str], ...]:
    """The controls that cut one step, each once: on the target, on the flow, or by a guard.

    With ``name_guards`` false, a guard's control says :data:`ANY_GUARD` instead of naming the
    guard, so that steps into components governed by different guards share their reductions.

    A guard's controls do not cut a step that comes from the guard itself: a compromised guard
    is the way past it, but not past another guard that provides the same control (the first of
    them by id is named).
    """
    found = []
    for control in rule.blocked_by:
        if control in target.controls:
            on = "component"
        elif control in flow_controls:
            on = "flow"
        else:
            guard = next((g for g in guarded.get(control, ()) if g != source_id), None)
            if guard is None:
                continue
            on = f"guard {guard}" if name_guards else ANY_GUARD
        found.append((control, catalog.controls[control].effectiveness, on))
    return tuple(found)


class _Calls:
    """Step candidates per (flow, direction): which rows of which template each call expands.

    A template is the list of (source offset, target offset, rule, likelihood, reductions) rows
    that one rule list yields between two components; it depends on the components' kinds and
    the facts rules test unless controls reduce the steps, so most flows share one.
    """

    def __init__(
        self,
        catalog: Catalog,
        surroundings: _Surroundings,
        applicable: _Applicability,
        first: dict[str, int],
        floor: float,
        components: Sequence[Component],
    ) -> None:
        self.catalog, self.surroundings, self.applicable = catalog, surroundings, applicable
        self.first, self.floor = first, floor
        self.rule_position = {
            id(rule): n for n, rule in enumerate(sorted(catalog.rules.values(), key=_rule_id))
        }
        self.reduction_position: dict[tuple[tuple[str, float, str], ...], int] = {(): 0}
        # What a template depends on besides the rules: each end's kind and the facts rules test.
        self.roles = {
            c.id: (c.kind, c.id in surroundings.exposed, c.id in surroundings.invokes_model)
            for c in components
        }
        self.templates: dict[tuple, tuple[int, int]] = {}
        # Typed arrays: NumPy takes them over as one block of memory, not item by item.
        self.rows: tuple[array, array, array, array, array] = (
            array("q"), array("q"), array("q"), array("d"), array("q"),
        )  # fmt: skip
        self.components = components
        # Per call (in the order the transitions are numbered): first states of its two ends,
        # its template's rows and its flow's position (-1 for a self rule).
        self.source_first = self.target_first = np.zeros(0, dtype=np.int64)
        self.template_start = self.template_size = np.zeros(0, dtype=np.int64)
        self.flow = np.zeros(0, dtype=np.int64)
        self.flow_control_code = np.zeros(0, dtype=np.int64)  # per flow: its set of controls
        self.flow_kind = np.zeros(0, dtype=np.int64)  # per flow: its kind's position in FlowKind

    def add_model(
        self,
        model: SystemModel,
        by_flow: dict[tuple[str, str], list[PropagationRule]],
        self_rules: list[PropagationRule],
    ) -> None:
        """Record every call of the model: each flow forward then reverse, in model order, then
        each component's self rules, in model order."""
        flows = model.flows
        sources, targets, kinds, controls = model.flow_arrays()
        kind_code = {kind: n for n, kind in enumerate(FlowKind)}
        self.flow_control_code = controls
        self.flow_kind = kinds
        forward = (np.zeros(len(flows), np.int64), np.zeros(len(flows), np.int64))
        reverse = (np.zeros(len(flows), np.int64), np.zeros(len(flows), np.int64))
        for kind, code in kind_code.items():
            at = np.flatnonzero(kinds == code)
            if not len(at):
                continue
            for direction, (start, size) in (("forward", forward), ("reverse", reverse)):
                rules = by_flow.get((kind.value, direction))
                if rules:
                    ends = (sources[at], targets[at])
                    if direction == "reverse":
                        ends = ends[::-1]
                    start[at], size[at] = self._templates(rules, *ends, at, flows)
        flow_positions = np.arange(len(flows), dtype=np.int64)
        columns = [
            np.stack(pair, axis=1).ravel()
            for pair in (
                (sources, targets),
                (targets, sources),
                (forward[0], reverse[0]),
                (forward[1], reverse[1]),
                (flow_positions, flow_positions),
            )
        ]
        if self_rules:
            every = np.arange(len(self.components), dtype=np.int64)
            start, size = self._templates(self_rules, every, every, None, flows)
            columns = [
                np.concatenate([column, more])
                for column, more in zip(
                    columns, (every, every, start, size, np.full(len(every), -1)), strict=True
                )
            ]
        source, target, self.template_start, self.template_size, self.flow = (
            column[columns[3] > 0] for column in columns
        )
        first = np.fromiter(
            (self.first[c.id] for c in self.components), np.int64, len(self.components)
        )
        self.source_first, self.target_first = first[source], first[target]

    def _templates(
        self,
        rules: list[PropagationRule],
        sources: np.ndarray,
        targets: np.ndarray,
        flow_positions: np.ndarray | None,
        flows: Sequence[Flow],
    ) -> tuple[np.ndarray, np.ndarray]:
        """(template start, size) of each call of ``rules`` from ``sources[i]`` to
        ``targets[i]`` (component positions) through ``flows[flow_positions[i]]``, or through no
        flow. Calls alike in what a template depends on (the two ends' roles, the target's
        controls and guarded controls, the flow's controls) share one; a call from one of the
        target's own guards is worked out alone."""
        components, count = self.components, len(sources)
        start, size = np.zeros(count, np.int64), np.zeros(count, np.int64)
        flow_code = (
            self.flow_control_code[flow_positions]
            if flow_positions is not None
            else np.zeros(count, np.int64)
        )
        from_guard = np.isin(sources * len(components) + targets, self._guard_pairs)
        for i in np.flatnonzero(from_guard).tolist():
            flow = flows[flow_positions[i]] if flow_positions is not None else None
            start[i], size[i] = self._template(
                components[sources[i]], components[targets[i]], rules, flow
            )
        alike = np.flatnonzero(~from_guard)
        if not len(alike):
            return start, size
        roles = self._role_count + 1
        code = (
            (self._role_code[sources[alike]] * roles + self._role_code[targets[alike]])
            * (self._reduction_profile_count + 1)
            + self._reduction_profile[targets[alike]]
        ) * (int(self.flow_control_code.max(initial=0)) + 1) + flow_code[alike]
        keys, first_of, inverse = np.unique(code, return_index=True, return_inverse=True)
        shared = np.empty((len(keys), 2), dtype=np.int64)
        for n, i in enumerate(alike[first_of].tolist()):
            flow = flows[flow_positions[i]] if flow_positions is not None else None
            shared[n] = self._template(components[sources[i]], components[targets[i]], rules, flow)
        start[alike], size[alike] = shared[inverse, 0], shared[inverse, 1]
        return start, size

    @functools.cached_property
    def _role_code(self) -> np.ndarray:
        codes: dict[tuple, int] = {}
        return np.fromiter(
            (codes.setdefault(self.roles[c.id], len(codes)) for c in self.components),
            np.int64,
            len(self.components),
        )

    @functools.cached_property
    def _role_count(self) -> int:
        return int(self._role_code.max(initial=-1)) + 1

    @functools.cached_property
    def _reduction_profile(self) -> np.ndarray:
        """Per component: 0 when nothing reduces steps into it, else a code shared by the
        components with the same controls and the same guarded controls."""
        guards = self.surroundings.guards
        codes: dict[tuple, int] = {((), ()): 0}
        return np.fromiter(
            (
                codes.setdefault(
                    (tuple(sorted(c.controls)), tuple(sorted(guards.get(c.id, ())))), len(codes)
                )
                if c.controls or c.id in guards
                else 0
                for c in self.components
            ),
            np.int64,
            len(self.components),
        )

    @functools.cached_property
    def _reduction_profile_count(self) -> int:
        return int(self._reduction_profile.max(initial=0)) + 1

    @functools.cached_property
    def _guard_pairs(self) -> np.ndarray:
        """``guard position * component count + governed position`` of every guard."""
        position = {c.id: n for n, c in enumerate(self.components)}
        count = len(self.components)
        return np.array(
            sorted(
                position[guard] * count + position[governed]
                for governed, provided in self.surroundings.guards.items()
                for guard in {g for ids in provided.values() for g in ids}
            ),
            dtype=np.int64,
        )

    def _template(
        self,
        source: Component,
        target: Component,
        rules: list[PropagationRule],
        flow: Flow | None,
    ) -> tuple[int, int]:
        surroundings = self.surroundings
        flow_controls = flow.controls if flow else ()
        guarded = surroundings.guards.get(target.id, {})
        reduced = bool(target.controls or flow_controls or guarded)
        key: tuple = (id(rules), self.roles[source.id], self.roles[target.id])
        if reduced:
            # What the reductions depend on: the controls in place, and the guarded controls
            # that some guard other than the step's own source provides.
            guard_key = tuple(
                control for control, ids in guarded.items() if any(g != source.id for g in ids)
            )
            key = (*key, target.controls, flow_controls, guard_key)
        found = self.templates.get(key)
        if found is not None:
            return found
        source_offsets_, target_offsets, rule_rows, likelihoods, reduction_rows = self.rows
        start = len(rule_rows)
        for rule, target_offset, source_offsets, conditional in self.applicable.get(
            rules, source.kind, target.kind
        ):
            if conditional and not surroundings.admits(rule, source, target):
                continue
            if reduced:
                reductions = _reductions(
                    rule, target, flow_controls, guarded, source.id, self.catalog,
                    name_guards=False,
                )  # fmt: skip
                likelihood = rule.likelihood * control_factor(e for _, e, _ in reductions)
            else:
                reductions, likelihood = (), rule.likelihood
            if likelihood < self.floor:
                continue
            reduction = self.reduction_position.setdefault(
                reductions, len(self.reduction_position)
            )
            position = self.rule_position[id(rule)]
            for source_offset in source_offsets:
                source_offsets_.append(source_offset)
                target_offsets.append(target_offset)
                rule_rows.append(position)
                likelihoods.append(likelihood)
                reduction_rows.append(reduction)
        template = self.templates[key] = (start, len(rule_rows) - start)
        return template


def _rule_id(rule: PropagationRule) -> str:
    return rule.id


def _step_arrays(
    calls: _Calls, model: SystemModel, state_count: int, state_component: np.ndarray
) -> StepArrays:
    """Expand the calls into candidate steps, keep one transition per pair of states (the most
    likely; ties to the rule id, then the flow kind) and number the transitions in the order
    their pairs are first found."""
    sizes = np.asarray(calls.template_size, dtype=np.int64)
    row_source, row_target, row_rule, row_likelihood, row_reductions = (
        np.array(column, dtype=np.float64 if column.typecode == "d" else np.int64)
        for column in calls.rows
    )
    call = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    row = concatenated_ranges(np.array(calls.template_start, dtype=np.int64), sizes)
    source = np.array(calls.source_first, dtype=np.int64)[call] + row_source[row].astype(np.int64)
    target = np.array(calls.target_first, dtype=np.int64)[call] + row_target[row].astype(np.int64)
    moves = source != target
    call, row, source, target = call[moves], row[moves], source[moves], target[moves]
    flow = np.array(calls.flow, dtype=np.int32)[call] if len(call) else np.zeros(0, np.int32)
    rule = row_rule[row].astype(np.int32) if len(row) else np.zeros(0, np.int32)
    likelihood = row_likelihood[row].astype(float) if len(row) else np.zeros(0)
    reductions = row_reductions[row].astype(np.int32) if len(row) else np.zeros(0, np.int32)

    # Pairs by target first: the transitions by target state then come without another sort.
    pair = target * max(state_count, 1) + source
    by_pair = np.argsort(pair, kind="stable")  # candidates of one pair: in the order found
    sorted_pairs = pair[by_pair]
    changes = np.ones(len(pair), dtype=bool)
    changes[1:] = sorted_pairs[1:] != sorted_pairs[:-1]
    starts = np.flatnonzero(changes)
    counts = np.diff(np.concatenate([starts, [len(pair)]]))
    best = _preferred(calls, by_pair, starts, counts, flow, rule, likelihood)
    numbered = np.argsort(by_pair[starts], kind="stable")  # by first occurrence
    chosen = best[numbered]
    by_target = np.empty(len(numbered), dtype=np.int64)
    by_target[numbered] = np.arange(len(numbered))

    several = counts[numbered] > 1
    alternative_start = np.concatenate([[0], np.cumsum(np.where(several, counts[numbered], 0))])
    members = by_pair[concatenated_ranges(starts[numbered][several], counts[numbered][several])]
    reduction_sets = tuple(calls.reduction_position)  # insertion order is position order
    return StepArrays(
        source[chosen],
        target[chosen],
        likelihood[chosen],
        rule[chosen],
        flow[chosen],
        reductions[chosen],
        tuple(sorted(calls.catalog.rules.values(), key=_rule_id)),
        tuple(model.flows),
        reduction_sets,
        alternative_start.astype(np.int64),
        rule[members],
        flow[members],
        likelihood[members],
        reductions[members],
        calls.flow_kind,
        state_component,
        tuple(c.id for c in model.components),
        calls.surroundings.guards,
        by_target,
        minus_log(row_likelihood)[row[chosen]] if len(row) else np.zeros(0),
    )


def _preferred(
    calls: _Calls,
    by_pair: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    flow: np.ndarray,
    rule: np.ndarray,
    likelihood: np.ndarray,
) -> np.ndarray:
    """Per pair of states (candidates ``by_pair[starts[g]:][:counts[g]]``), the candidate kept:
    the most likely, then the first rule id, the first flow kind, the first found. Most pairs
    have one candidate; only the others are sorted."""
    best = by_pair[starts]
    several = np.flatnonzero(counts > 1)
    if not len(several):
        return best
    members = by_pair[concatenated_ranges(starts[several], counts[several])]
    member_group = np.repeat(several, counts[several])
    kind_order = sorted(FlowKind, key=_kind_value)
    rank_of_code = np.array([kind_order.index(kind) for kind in FlowKind], dtype=np.int64)
    flow_rank = np.append(rank_of_code[calls.flow_kind], -1)  # -1: a self rule's "flow"
    order = np.lexsort(
        (members, flow_rank[flow[members]], rule[members], -likelihood[members], member_group)
    )
    ranked_groups = member_group[order]
    firsts = np.flatnonzero(np.r_[True, ranked_groups[1:] != ranked_groups[:-1]])
    best = best.copy()
    best[several] = members[order][firsts]
    return best


def _fill_states(
    graph: AttackGraph,
    profile_rows: list[list[tuple[Threat, float, float, float | None]]],
    component_profile: list[int],
) -> None:
    """Set the graph's per-state arrays and its states from each component's profile rows
    (states are each component's threats in catalog order, components in model order)."""
    threat_position = {threat_id: n for n, threat_id in enumerate(graph.catalog.threats)}
    rows = [row for rows in profile_rows for row in rows]
    sizes = np.array([len(rows) for rows in profile_rows], dtype=np.int64)
    profile_start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    profile = np.array(component_profile, dtype=np.int64)
    counts = sizes[profile] if len(profile) else np.zeros(0, dtype=np.int64)
    component = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    row = profile_start[profile[component]] + np.arange(len(component)) - first[component]
    entry = np.array([math.nan if e is None else e for _, _, _, e in rows], dtype=float)
    graph.state_component = component
    graph.state_threat = np.array(
        [threat_position[threat.id] for threat, _, _, _ in rows], dtype=np.int64
    )[row]
    graph.state_impact = np.array([impact for _, impact, _, _ in rows], dtype=float)[row]
    graph.state_likelihood = np.array([p for _, _, p, _ in rows], dtype=float)[row]
    graph.state_entry = entry[row]
    graph.entry_states = np.flatnonzero(
        ~np.isnan(graph.state_entry) & (graph.state_likelihood > 0)
    ).tolist()
    graph.states = StateList(graph)


def _kind_value(kind: FlowKind) -> str:
    return kind.value


def minus_log(values: np.ndarray) -> np.ndarray:
    """``-math.log`` of each value, computed once per distinct value.

    A graph has few distinct likelihoods and impacts (a rule's likelihood times its controls'),
    and math.log, not NumPy's vectorised log, gives the very sums a Python search makes.

    Examples
    --------
    >>> minus_log(np.array([1.0, 0.5, 1.0])).tolist() == [0.0, -math.log(0.5), 0.0]
    True
    """
    distinct = np.unique(values)
    costs = np.array([-math.log(value) for value in distinct.tolist()], dtype=float)
    return costs[np.searchsorted(distinct, values)]


def concatenated_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``starts[0] .. starts[0] + counts[0] - 1``, then the next range, and so on, in one array.

    Examples
    --------
    >>> concatenated_ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    shift = np.repeat(starts.astype(np.int64) - (np.cumsum(counts) - counts), counts)
    return np.arange(total, dtype=np.int64) + shift


def build_attack_graph(
    model: SystemModel,
    catalog: Catalog,
    settings: RiskSettings | None = None,
    *,
    floor: float = DEFAULT_TRANSITION_FLOOR,
) -> AttackGraph:
    """Build the attack-state graph.

    Parameters
    ----------
    model : SystemModel
    catalog : Catalog
    settings : RiskSettings, optional
        Maturity factors for the states' likelihoods.
    floor : float
        Transitions below this likelihood are dropped.

    Returns
    -------
    AttackGraph
        Transitions are numbered in the order they are first found (flows in model order, then
        ``self`` rules); rankings never depend on that order.
    """
    with paused_gc():
        return _build(model, catalog, settings or RiskSettings(), floor)


def _build(
    model: SystemModel, catalog: Catalog, settings: RiskSettings, floor: float
) -> AttackGraph:
    graph = AttackGraph(model=model, catalog=catalog)
    entries = {c.id for c in model.entry_components()}
    explicit = frozenset(model.attacker.entry or ()) if model.attacker else frozenset()
    surroundings = _Surroundings.of(model, catalog)
    graph.sinks = surroundings.exposed
    graph.siblings = model.interchangeable()
    # Data carried out to a sink may come from any private component (see chain_impact).
    most_critical_private = max(
        (c.criticality for c in model.components if c.id not in surroundings.exposed), default=1
    )
    # A threat's likelihood before controls depends on the threat alone: compute it once.
    threat_base = {
        t.id: t.likelihood * settings.maturity_factor(catalog.maturity_of(t.atlas))
        for t in catalog.threats.values()
    }
    # A component's states are its kind's threats in catalog order, numbered from its first
    # state: the state of (component, threat) is first[component] + offsets[kind][threat].
    offsets: dict[str, dict[str, int]] = {}
    first: dict[str, int] = {}
    # Components alike in what the states depend on share their (threat, impact, likelihood,
    # entry likelihood) rows: most of a large model repeats a few dozen profiles.
    profiles: dict[tuple, int] = {}
    profile_rows: list[list[tuple[Threat, float, float, float | None]]] = []
    component_profile: list[int] = []
    impacts: dict[tuple[int, int], float] = {}
    state_count = 0
    for component in model.components:
        if component.kind not in offsets:
            offsets[component.kind] = {
                t.id: n for n, t in enumerate(catalog.threats_for_kind(component.kind))
            }
        first[component.id] = state_count
        profile = (
            component.kind,
            component.trust,
            component.criticality,
            component.controls,
            component.id in entries,
            component.id in explicit,
            component.id in surroundings.exposed,
        )
        number = profiles.get(profile)
        if number is None:
            number = profiles[profile] = len(profile_rows)
            rows = _state_rows(
                component, catalog, threat_base, impacts, profile, most_critical_private,
                surroundings.exposed, explicit,
            )  # fmt: skip
            profile_rows.append(rows)
        component_profile.append(number)
        state_count += len(offsets[component.kind])
    _fill_states(graph, profile_rows, component_profile)
    graph.state_index = StateIndex(model, first, offsets)
    graph.component_profile = np.array(component_profile, dtype=np.int64)
    graph.component_profiles = tuple(ComponentProfile(*profile) for profile in profiles)

    by_flow, self_rules = _rules_by_flow(catalog)
    applicable = _Applicability(catalog, offsets)
    calls = _Calls(catalog, surroundings, applicable, first, floor, model.components)
    calls.add_model(model, by_flow, self_rules)
    graph.steps = _step_arrays(calls, model, state_count, graph.state_component)
    graph.transitions = TransitionList(graph.steps)
    graph.successors = SuccessorLists(graph.steps, state_count)
    return graph


def _state_rows(
    component: Component,
    catalog: Catalog,
    threat_base: dict[str, float],
    impacts: dict[tuple[int, int], float],
    profile: tuple,
    most_critical_private: int,
    exposed: frozenset[str],
    explicit: frozenset[str],
) -> list[tuple[Threat, float, float, float | None]]:
    """(threat, impact, likelihood, entry likelihood or None) of each state of ``component``,
    in catalog order; the same for every component of the same ``profile``."""
    is_entry_component, is_sink = profile[4], profile[6]
    rows = []
    for threat in catalog.threats_for_kind(component.kind):
        is_entry = (
            is_entry_component
            and threat.entry
            and _starts_here(component, threat, exposed, explicit)
        )
        likelihood = threat_base[threat.id]
        if component.controls:
            likelihood *= control_factor(
                catalog.controls[c].effectiveness
                for c in threat.mitigated_by
                if c in component.controls
            )
        criticality = (
            max(component.criticality, most_critical_private)
            if threat.capability is Capability.READ and is_sink
            else component.criticality
        )
        impact = impacts.get((threat.impact, criticality))
        if impact is None:
            impact = impacts[(threat.impact, criticality)] = combined_impact(
                threat.impact, criticality
            )
        entry = likelihood * _entry_share(component, threat, explicit) if is_entry else None
        rows.append((threat, impact, likelihood, entry))
    return rows


def _preference(alternative: _Alternative) -> tuple[float, str, str]:
    """Sort key of the rules joining two states: most likely first, then rule id, flow kind."""
    rule, flow, likelihood, _ = alternative
    # A flow kind is a str enum: it orders as its value, without the slow ``.value``.
    return (-likelihood, rule.id, flow.kind if flow else "")
