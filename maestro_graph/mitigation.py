"""MAESTRO step 5: where to place which controls, and what-if analysis.

A **placement** puts a catalog control on a component (``kb:provenance-tracking``) or on the
flows from one component to another (``web->kb:source-allow-listing``). A placement acts on a
chain where the engine would apply it: on the entry step when the control mitigates the entry
threat there, and on a transition when the control is in the rule's ``blocked_by`` and sits on
the transition's target component or flow (once per step, wherever it sits). Each such step's
likelihood is multiplied by ``1 - effectiveness``, exactly as in the engine. For a transition the
planner proposes the control on the target component where the catalog lets it go there, and on
the flow otherwise.

Planning works on every chain (not only the best per entry/target pair: a cut chain must not
leave a second-best one above the band) whose risk can reach the band:

- ``--threshold BAND``: the fewest placements that bring every chain below ``BAND``. Bringing a
  chain below a band means lowering its likelihood below a bound set by its impact, so the task
  is a weighted set multicover. Small instances are solved exactly (branch and bound, optimal);
  large ones greedily, which the classic set-cover analysis bounds by ``1 + ln m`` times the
  optimum (``m``: the most chains one placement acts on).
- ``--budget N``: the N placements that remove the most risk, chosen greedily.

Either way the plan is verified by re-analysing the model with the placements applied.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from maestro_graph.catalog import Catalog
from maestro_graph.errors import MaestroInputError, did_you_mean
from maestro_graph.model import SystemModel
from maestro_graph.propagation import AttackGraph
from maestro_graph.ranking import Chain, ChainQuery, SearchBudgetWarning, search_chains
from maestro_graph.risk import Band, band_floor

#: Above this many candidate placements, or this many search nodes, planning goes greedy.
EXACT_CANDIDATE_LIMIT = 70
EXACT_NODE_LIMIT = 200_000
_STRICT = 1e-9


@dataclass(frozen=True)
class Placement:
    """A control placed on a component, or on the flows from one component to another."""

    control: str
    component: str | None = None
    flow: tuple[str, str] | None = None

    def __lt__(self, other: Placement) -> bool:
        return self._sort_key() < other._sort_key()

    def __gt__(self, other: Placement) -> bool:
        return other < self

    def _sort_key(self) -> tuple[str, str, tuple[str, str]]:
        return (self.control, self.component or "", self.flow or ("", ""))

    @property
    def target(self) -> str:
        """``"kb"`` or ``"web->kb"``."""
        return self.component if self.component is not None else f"{self.flow[0]}->{self.flow[1]}"  # type: ignore[index]

    def __str__(self) -> str:
        return f"{self.target}:{self.control}"


def parse_placement(text: str, model: SystemModel, catalog: Catalog) -> Placement:
    """Read ``TARGET:CONTROL`` (TARGET a component id or ``from->to``) and check it.

    Raises
    ------
    MaestroInputError
        For a malformed text, an unknown component, flow or control, or a control that cannot
        be placed there.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> parse_placement("history:memory-isolation", mg.example("netmon"), mg.load_catalog())
    Placement(control='memory-isolation', component='history', flow=None)
    """
    option = "--assume-control"
    target, separator, control_id = text.rpartition(":")
    if not separator or not target or not control_id:
        raise MaestroInputError.single(
            option,
            None,
            f"{text!r}: expected TARGET:CONTROL, e.g. kb:provenance-tracking "
            "or web->kb:source-allow-listing",
        )
    control = catalog.controls.get(control_id)
    if control is None:
        raise MaestroInputError.single(
            option,
            None,
            f"{text!r}: unknown control {control_id!r}{did_you_mean(control_id, catalog.controls)}",
        )
    known = [c.id for c in model.components]
    if "->" in target:
        source, _, destination = (part.strip() for part in target.partition("->"))
        for end in (source, destination):
            if not model.has_component(end):
                raise MaestroInputError.single(
                    option, None, f"{text!r}: no component {end!r}{did_you_mean(end, known)}"
                )
        if not any(f.source == source and f.target == destination for f in model.flows):
            raise MaestroInputError.single(
                option, None, f"{text!r}: no flow from {source!r} to {destination!r}"
            )
        if "flow" not in control.placement:
            raise MaestroInputError.single(
                option, None, f"{text!r}: control {control_id!r} cannot be placed on a flow"
            )
        return Placement(control_id, flow=(source, destination))
    if not model.has_component(target):
        raise MaestroInputError.single(
            option, None, f"{text!r}: no component {target!r}{did_you_mean(target, known)}"
        )
    if "component" not in control.placement:
        raise MaestroInputError.single(
            option, None, f"{text!r}: control {control_id!r} cannot be placed on a component"
        )
    return Placement(control_id, component=target)


def apply_placements(model: SystemModel, placements: Iterable[Placement]) -> SystemModel:
    """A copy of the model with the placements' controls added (the original is unchanged)."""
    on_component: dict[str, list[str]] = {}
    on_flow: dict[tuple[str, str], list[str]] = {}
    for placement in placements:
        if placement.component is not None:
            on_component.setdefault(placement.component, []).append(placement.control)
        elif placement.flow is not None:
            on_flow.setdefault(placement.flow, []).append(placement.control)
    components = tuple(
        c.model_copy(update={"controls": tuple(dict.fromkeys((*c.controls, *on_component[c.id])))})
        if c.id in on_component
        else c
        for c in model.components
    )
    flows = tuple(
        f.model_copy(
            update={"controls": tuple(dict.fromkeys((*f.controls, *on_flow[(f.source, f.target)])))}
        )
        if (f.source, f.target) in on_flow
        else f
        for f in model.flows
    )
    changed = model.model_copy(update={"components": components, "flows": flows})
    changed.model_post_init(None)
    changed._document = model._document
    return changed


# -- what a placement does to a chain -----------------------------------------------------------


def _placeable_on(catalog: Catalog, control_id: str, kind: str) -> bool:
    control = catalog.controls[control_id]
    return "component" in control.placement and (
        not control.applies_to or kind in control.applies_to
    )


def chain_options(chain: Chain, graph: AttackGraph) -> dict[Placement, float]:
    """Every placement that would act on the chain, with the total ``-ln`` factor it brings."""
    catalog = graph.catalog
    weights: dict[Placement, float] = {}

    def add(placement: Placement, effectiveness: float) -> None:
        if effectiveness >= 1.0:
            weights[placement] = math.inf
        elif effectiveness > 0:
            weights[placement] = weights.get(placement, 0.0) - math.log(1.0 - effectiveness)

    first = chain.steps[0].state
    for control_id in first.threat.mitigated_by:
        if control_id not in first.component.controls and _placeable_on(
            catalog, control_id, first.component.kind
        ):
            add(
                Placement(control_id, component=first.component.id),
                catalog.controls[control_id].effectiveness,
            )
    for step in chain.steps[1:]:
        transition = step.transition
        assert transition is not None
        target = step.state.component
        flow = transition.flow
        alternatives = transition.alternatives or (
            (transition.rule, flow, transition.likelihood, transition.reductions),
        )
        for control_id in transition.rule.blocked_by:
            if not _cuts_every_alternative(control_id, alternatives):
                # A control already acting (placed, or by a guard) adds nothing a second time,
                # and one that leaves another rule joining the same states leaves the step.
                continue
            effectiveness = catalog.controls[control_id].effectiveness
            # One placement per (control, step), so placements' effects add up exactly: on the
            # target component where the control can go there, else on the flow.
            same_flow = len({alt[1] for alt in alternatives}) == 1
            if _placeable_on(catalog, control_id, target.kind):
                add(Placement(control_id, component=target.id), effectiveness)
            elif (
                flow is not None and same_flow and "flow" in catalog.controls[control_id].placement
            ):
                add(Placement(control_id, flow=(flow.source, flow.target)), effectiveness)
    return weights


def _cuts_every_alternative(control_id: str, alternatives: Sequence[tuple]) -> bool:
    """Whether placing ``control_id`` cuts every rule joining a step by its full factor."""
    return all(
        control_id in rule.blocked_by and all(c != control_id for c, _, _ in reductions)
        for rule, _flow, _likelihood, reductions in alternatives
    )


def likelihood_bound_below(band: Band, impact: float) -> float | None:
    """The likelihood a chain of this impact must stay under to be below ``band`` (None: nothing
    is below the lowest band).

    Examples
    --------
    >>> round(likelihood_bound_below(Band.HIGH, 5.0), 6)
    0.25
    """
    if band is Band.LOW:
        return None
    return band_floor(band) / impact


# -- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """One placement of the plan."""

    placement: Placement
    layer: str
    chains: tuple[str, ...]  # ids of the chains it acts on
    risk_removed: float  # by this placement, given the ones before it


@dataclass(frozen=True)
class BandSummary:
    """Chains at or above the planning floor, per band, with their total risk."""

    counts: dict[str, int]
    total_risk: float
    top_risk: float


@dataclass(frozen=True)
class MitigationPlan:
    """What to place where, how good the answer is, and the residual risk."""

    mode: str  # "threshold" or "budget"
    band: Band
    budget: int | None
    method: str  # "exact" or "greedy"
    note: str
    recommendations: tuple[Recommendation, ...]
    before: BandSummary
    after: BandSummary
    uncuttable: tuple[str, ...] = field(default=())  # chains no placement can bring below the band
    remaining: tuple[str, ...] = field(default=())  # chains still at or above the band afterwards

    @property
    def placements(self) -> tuple[Placement, ...]:
        return tuple(r.placement for r in self.recommendations)


def planning_chains(analysis_graph: AttackGraph, band: Band, max_hops: int) -> list[Chain]:
    """Every chain (not only the best per pair) whose risk can be at or above ``band``.

    Raises
    ------
    MaestroInputError
        When there are more such chains than the search budget allows: a plan made from part
        of them would leave the rest standing, so none is made.
    """
    query = ChainQuery(top=None, max_hops=max_hops, distinct="none", min_risk=band_floor(band))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SearchBudgetWarning)
        try:
            return search_chains(analysis_graph, query)
        except SearchBudgetWarning:
            raise MaestroInputError.single(
                "--max-hops",
                None,
                f"more chains at or above {band.value} within {max_hops} hops than the search "
                f"budget ({query.search_budget:,} partial chains) allows, so no plan covers them "
                "all; lower --max-hops or plan for a higher band",
            ) from None


def summarize(chains: Sequence[Chain]) -> BandSummary:
    counts = {band.value: 0 for band in reversed(Band)}
    for chain in chains:
        counts[chain.band.value] += 1
    return BandSummary(
        counts, sum(c.risk for c in chains), max((c.risk for c in chains), default=0.0)
    )


def _exact_cover(
    needs: dict[str, float], options: dict[str, dict[Placement, float]], limit_nodes: int
) -> tuple[list[Placement] | None, bool]:
    """Fewest placements meeting every chain's need: (answer, whether it is proven optimal).

    Branch and bound: take the chain with the fewest ways left to help it and try each of its
    placements in turn; a placement already tried at a branch point is excluded from the later
    branches there, so every set is visited once.
    """
    best: list[Placement] | None = None
    nodes = 0

    def search(chosen: list[Placement], excluded: frozenset[Placement]) -> None:
        nonlocal best, nodes
        nodes += 1
        if nodes > limit_nodes:
            raise TimeoutError
        picked = set(chosen)
        left = {
            chain_id: need - sum(w for p, w in options[chain_id].items() if p in picked)
            for chain_id, need in needs.items()
        }
        left = {chain_id: need for chain_id, need in left.items() if need > 0}
        if not left:
            if best is None or len(chosen) < len(best):
                best = sorted(chosen)
            return
        if best is not None and len(chosen) + 1 >= len(best):
            return
        usable = {c: [p for p in options[c] if p not in picked and p not in excluded] for c in left}
        chain_id = min(left, key=lambda c: (len(usable[c]), c))
        tried: set[Placement] = set()
        for placement in sorted(usable[chain_id], key=lambda p: (-options[chain_id][p], p)):
            search([*chosen, placement], excluded | tried)
            tried.add(placement)

    try:
        search([], frozenset())
    except TimeoutError:
        return best, False
    return best, True


def _greedy_cover(
    needs: dict[str, float], options: dict[str, dict[Placement, float]]
) -> list[Placement]:
    left = dict(needs)
    chosen: list[Placement] = []
    candidates = sorted({p for per_chain in options.values() for p in per_chain})
    while left:

        def gain(p: Placement) -> float:
            return sum(min(options[c].get(p, 0.0), need) for c, need in left.items())

        scored = [(gain(p), p) for p in candidates if p not in chosen]
        scored = [item for item in scored if item[0] > 0]
        if not scored:
            break
        _, pick = max(scored, key=lambda item: (item[0], [-ord(ch) for ch in str(item[1])]))
        chosen.append(pick)
        for chain_id in list(left):
            left[chain_id] -= options[chain_id].get(pick, 0.0)
            if left[chain_id] <= 0:
                del left[chain_id]
    return chosen


def _risk_after(
    chain: Chain, options: dict[Placement, float], chosen: Iterable[Placement]
) -> float:
    cut = sum(options.get(p, 0.0) for p in chosen)
    return chain.risk * math.exp(-cut)


def _acting(
    chains: Sequence[Chain], options: dict[str, dict[Placement, float]], placement: Placement
) -> tuple[str, ...]:
    return tuple(c.id for c in chains if placement in options[c.id])


def _ordered(
    chains: Sequence[Chain], options: dict[str, dict[Placement, float]], chosen: Sequence[Placement]
) -> list[tuple[Placement, float]]:
    """The chosen placements, most risk removed first (each given the ones before it)."""
    order: list[tuple[Placement, float]] = []
    # Each chain's log cut by the placements taken so far, summed in the order they were taken
    # (the same sum as _risk_after over them).
    cut = [0.0] * len(chains)
    chain_options = [options[c.id] for c in chains]
    pool = sorted(chosen)

    def removed(placement: Placement) -> float:
        total = 0.0
        for n, chain in enumerate(chains):
            weight = chain_options[n].get(placement)
            if weight is not None:  # a chain the placement does not act on loses nothing
                total += chain.risk * math.exp(-cut[n]) - chain.risk * math.exp(-(cut[n] + weight))
        return total

    while pool:
        pick = max(pool, key=removed)
        order.append((pick, removed(pick)))
        for n in range(len(chains)):
            cut[n] += chain_options[n].get(pick, 0.0)
        pool.remove(pick)
    return order


def _recommendations(
    graph: AttackGraph,
    chains: Sequence[Chain],
    options: dict[str, dict[Placement, float]],
    chosen: Sequence[Placement],
) -> tuple[Recommendation, ...]:
    catalog = graph.catalog
    return tuple(
        Recommendation(
            p, catalog.controls[p.control].layer.value, _acting(chains, options, p), removed
        )
        for p, removed in _ordered(chains, options, chosen)
    )


def _verify(
    graph: AttackGraph, placements: Sequence[Placement], band: Band, max_hops: int
) -> list[Chain]:
    from maestro_graph.propagation import build_attack_graph

    mitigated = apply_placements(graph.model, placements)
    return planning_chains(build_attack_graph(mitigated, graph.catalog), band, max_hops)


def plan_threshold(graph: AttackGraph, band: Band, *, max_hops: int = 8) -> MitigationPlan:
    """The fewest placements that bring every chain below ``band`` (see the module docstring)."""
    everything = planning_chains(graph, band, max_hops)
    chains = [c for c in everything if c.band.rank >= band.rank]
    options = {c.id: chain_options(c, graph) for c in everything}
    needs: dict[str, float] = {}
    uncuttable: list[str] = []
    for chain in chains:
        bound = likelihood_bound_below(band, chain.impact)
        need = math.inf if bound is None else math.log(chain.likelihood / bound) + _STRICT
        if sum(options[chain.id].values()) < need:
            uncuttable.append(chain.id)
        else:
            needs[chain.id] = need
    candidates = {p for c in needs for p in options[c]}
    chosen: list[Placement] | None = None
    method, note = "greedy", ""
    if len(candidates) <= EXACT_CANDIDATE_LIMIT:
        chosen, optimal = _exact_cover(needs, {c: options[c] for c in needs}, EXACT_NODE_LIMIT)
        if chosen is not None and optimal:
            method, note = (
                "exact",
                "optimal: no smaller set of placements brings every chain below the band",
            )
    if chosen is None or method == "greedy":
        chosen = _greedy_cover(needs, {c: options[c] for c in needs})
        most = max((sum(1 for c in needs if p in options[c]) for p in candidates), default=1)
        note = (
            f"greedy over {len(candidates)} candidate placements: at most "
            f"{1 + math.log(max(most, 1)):.1f}x the optimal number of placements "
            "(set-cover bound 1 + ln m, m = the most chains one placement cuts)"
        )
    after = _verify(graph, chosen, band, max_hops)
    return MitigationPlan(
        mode="threshold",
        band=band,
        budget=None,
        method=method,
        note=note,
        recommendations=_recommendations(graph, everything, options, chosen),
        before=summarize(everything),
        after=summarize(after),
        uncuttable=tuple(uncuttable),
        remaining=tuple(c.id for c in after if c.band.rank >= band.rank),
    )


def plan_budget(
    graph: AttackGraph, budget: int, band: Band = Band.HIGH, *, max_hops: int = 8
) -> MitigationPlan:
    """The ``budget`` placements removing the most risk from the chains that can reach ``band``."""
    chains = planning_chains(graph, band, max_hops)
    options = {c.id: chain_options(c, graph) for c in chains}
    candidates = sorted({p for per_chain in options.values() for p in per_chain})
    chosen: list[Placement] = []
    for _ in range(budget):

        def removed(p: Placement) -> float:
            return sum(
                _risk_after(c, options[c.id], chosen) - _risk_after(c, options[c.id], [*chosen, p])
                for c in chains
            )

        scored = [(removed(p), p) for p in candidates if p not in chosen]
        scored = [item for item in scored if item[0] > 1e-12]
        if not scored:
            break
        best_gain = max(gain for gain, _ in scored)
        chosen.append(min(p for gain, p in scored if gain == best_gain))
    after = _verify(graph, chosen, band, max_hops)
    return MitigationPlan(
        mode="budget",
        band=band,
        budget=budget,
        method="greedy",
        note=(
            "each step adds the placement that removes the most remaining risk "
            f"({len(candidates)} candidates)"
        ),
        recommendations=_recommendations(graph, chains, options, chosen),
        before=summarize(chains),
        after=summarize(after),
        remaining=tuple(c.id for c in after if c.band.rank >= band.rank),
    )
