"""MAESTRO step 5: where to place which controls, and what-if analysis.

A **placement** puts a catalog control on a component (``kb:provenance-tracking``) or on the
flows from one component to another (``web/kb:source-allow-listing``). A placement acts on a
chain where the engine would apply it: on the entry step when the control mitigates the entry
threat there, and on a transition when the control is in the rule's ``blocked_by`` and sits on
the transition's target component or flow (once per step, wherever it sits). Each such step's
likelihood is multiplied by ``1 - effectiveness``, exactly as in the engine. For a transition the
planner proposes the control on the target component where the catalog lets it go there, and on
the flow otherwise.

Placements go only where the defender can make them (:func:`defender_operates`): on its own,
trusted components, or on flows with at least one such end, never on a person, another party's
agent or API, a public package index or untrusted content such as the open web.

- ``--threshold BAND``: the fewest placements that bring every chain below ``BAND``. Bringing a
  chain below a band means lowering its likelihood below a bound set by its impact, so the task
  is a weighted set multicover, solved exactly by **lazy constraint generation** (the implicit
  hitting-set method of attack-graph hardening): HiGHS (``scipy.optimize.milp``) solves the cover
  over the chains found so far, the exact chain search re-runs on the model with that answer
  applied, the chains still at or above the band join the problem, and the loop ends when the
  search finds none. The last answer covers every chain and is optimal for the chains found, so
  it is optimal overall (the solver's proof); routes are never all enumerated.
- ``--budget N``: the N placements that take the most risk below the band (a MILP over every
  route that can reach it, solved by HiGHS).

Either way the plan is verified by re-analysing the model with the placements applied.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from maestro_graph.catalog import Catalog
from maestro_graph.engine.propagation import AttackGraph
from maestro_graph.engine.ranking import (
    SEARCH_BUDGET,
    Chain,
    ChainQuery,
    SearchBudgetWarning,
    make_chain,
    search_chains,
    search_paths,
)
from maestro_graph.engine.risk import Band, band_floor
from maestro_graph.model import Component, SystemModel, Trust
from maestro_graph.support.errors import MaestroInputError, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

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
        """``"kb"`` or ``"web/kb"`` (the flows from ``web`` to ``kb``).

        ``/`` cannot occur in a component id and means nothing to a shell, so a printed
        placement pastes into a command line as it is.
        """
        if self.component is not None:
            return self.component
        source, destination = self.flow  # type: ignore[misc]
        return f"{source}{FLOW_SEPARATOR}{destination}"

    def __str__(self) -> str:
        return f"{self.target}:{self.control}"


#: Between the two ends of a flow in a placement: ``web/kb:source-allow-listing``.
FLOW_SEPARATOR = "/"
#: The earlier spelling, still read (quoted, since ``>`` redirects in a shell).
_OLD_FLOW_SEPARATOR = "->"


def parse_placement(
    text: str, model: SystemModel, catalog: Catalog, *, option: str = "--assume-control"
) -> Placement:
    """Read ``TARGET:CONTROL`` (TARGET a component id, or ``from/to`` for the flows from one
    component to another; the older ``from->to`` is read too) and check it.

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
    >>> str(parse_placement("history->tuner:planner-validation", mg.example("netmon"),
    ...                     mg.load_catalog()))
    'history/tuner:planner-validation'
    """
    target, separator, control_id = text.rpartition(":")
    if not separator or not target or not control_id:
        raise MaestroInputError.single(
            option,
            None,
            f"{text!r}: expected TARGET:CONTROL, e.g. kb:provenance-tracking "
            "or web/kb:source-allow-listing",
        )
    control = catalog.controls.get(control_id)
    if control is None:
        raise MaestroInputError.single(
            option,
            None,
            f"{text!r}: unknown control {control_id!r}{did_you_mean(control_id, catalog.controls)}",
        )
    known = [c.id for c in model.components]
    flow_separator = next(
        (sep for sep in (_OLD_FLOW_SEPARATOR, FLOW_SEPARATOR) if sep in target), None
    )
    if flow_separator is not None:
        source, _, destination = (part.strip() for part in target.partition(flow_separator))
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


#: Kinds run by someone else: a person, another party's agent or API, a public index or shop.
THIRD_PARTY_KINDS = frozenset(
    {"user", "external_agent", "external_api", "package_index", "marketplace", "ai_service_api"}
)


def defender_operates(component: Component) -> bool:
    """Whether the defender can place a control on the component: one of its own, trusted
    components (not a person, a third party's service, or untrusted content such as the web).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> model = mg.example("netmon")
    >>> defender_operates(model.component("history"))
    True
    """
    return component.trust is Trust.TRUSTED and component.kind not in THIRD_PARTY_KINDS


def placement_allowed(placement: Placement, model: SystemModel) -> bool:
    """A component placement on a component the defender operates; a flow placement on a flow
    with at least one such end (filtering what comes in from a third party counts)."""
    if placement.component is not None:
        return defender_operates(model.component(placement.component))
    assert placement.flow is not None
    return any(defender_operates(model.component(end)) for end in placement.flow)


def defender_options(chain: Chain, graph: AttackGraph) -> dict[Placement, float]:
    """:func:`chain_options` restricted to placements the defender can make."""
    model = graph.model
    return {p: w for p, w in chain_options(chain, graph).items() if placement_allowed(p, model)}


def placement_layer(placement: Placement, model: SystemModel) -> str:
    """The layer of the component a placement sits on (for a flow, its operated end, the
    receiving end first)."""
    if placement.component is not None:
        return model.component(placement.component).layer.value
    assert placement.flow is not None
    source, target = (model.component(end) for end in placement.flow)
    operated = target if defender_operates(target) or not defender_operates(source) else source
    return operated.layer.value


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
    pairs: int = 0  # (entry, target) component pairs among those chains


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
    method: str  # "exact" or "bounded" (the solver's time limit)
    note: str
    recommendations: tuple[Recommendation, ...]
    before: BandSummary
    after: BandSummary
    uncuttable: tuple[str, ...] = field(default=())  # chains no placement can bring below the band
    remaining: tuple[str, ...] = field(default=())  # chains still at or above the band afterwards

    @property
    def placements(self) -> tuple[Placement, ...]:
        return tuple(r.placement for r in self.recommendations)

    def __repr__(self) -> str:
        return (
            f"<MitigationPlan ({self.mode}, {self.band.value}, {self.method}): "
            f"{len(self.recommendations)} placements; top risk {self.before.top_risk:.3f} -> "
            f"{self.after.top_risk:.3f}>"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per placement, in plan order: target, control, layer, chains and
        (entry, target) pairs it acts on, and the risk it removes.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> plan = mg.analyze(mg.example("netmon")).mitigate(threshold="high")
        >>> list(plan.to_frame().columns)
        ['target', 'control', 'layer', 'chains', 'pairs', 'risk_removed']
        """
        import pandas as pd

        columns = ["target", "control", "layer", "chains", "pairs", "risk_removed"]
        rows = [
            [r.placement.target, r.placement.control, r.layer, len(r.chains), r.pairs,
             r.risk_removed]
            for r in self.recommendations
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def _repr_html_(self) -> str:
        from maestro_graph.support.htmlrepr import html_table

        rows = [
            [r.placement.target, r.placement.control, r.layer, len(r.chains),
             f"{r.risk_removed:.3f}"]
            for r in self.recommendations
        ]  # fmt: skip
        caption = (
            f"Mitigation plan ({self.mode}, {self.band.value}, {self.method}): top risk "
            f"{self.before.top_risk:.3f} -> {self.after.top_risk:.3f}"
        )
        return html_table(["target", "control", "layer", "chains", "risk removed"], rows,
                          caption=caption)  # fmt: skip


def planning_chains(
    analysis_graph: AttackGraph, band: Band, max_hops: int, *, search_budget: int = SEARCH_BUDGET
) -> list[Chain]:
    """Every chain (not only the best per pair) whose risk can be at or above ``band``.

    ``search_budget`` bounds the partial chains the listing may queue
    (:attr:`ChainQuery.search_budget`).

    Raises
    ------
    MaestroInputError
        When there are more such chains than the search budget allows: a plan made from part
        of them would leave the rest standing, so none is made.
    """
    query = ChainQuery(
        top=None,
        max_hops=max_hops,
        distinct="none",
        min_risk=band_floor(band),
        search_budget=search_budget,
    )
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
    by_id = {c.id: c for c in chains}
    recommendations = []
    for placement, removed in _ordered(chains, options, chosen):
        acting = _acting(chains, options, placement)
        pairs = len({(by_id[i].entry, by_id[i].target) for i in acting})
        layer = placement_layer(placement, graph.model)
        recommendations.append(Recommendation(placement, layer, acting, removed, pairs))
    return tuple(recommendations)


def _verify(
    graph: AttackGraph, placements: Sequence[Placement], band: Band, max_hops: int
) -> list[Chain]:
    from maestro_graph.engine.propagation import build_attack_graph

    mitigated = apply_placements(graph.model, placements)
    return planning_chains(build_attack_graph(mitigated, graph.catalog), band, max_hops)


def plan_threshold(
    graph: AttackGraph,
    band: Band,
    *,
    max_hops: int = 8,
    report: Callable[[str], None] | None = None,
) -> MitigationPlan:
    """The fewest placements that bring every chain below ``band`` (see the module docstring).

    Lazy constraint generation: solve the cover over the chains found so far (HiGHS), re-run
    the exact search on the model with that answer applied, add the chains still at or above
    the band, and repeat until the search finds none. ``report`` receives one line per round.
    """
    found: dict[str, Chain] = {}
    needs: dict[str, float] = {}
    options: dict[str, dict[Placement, float]] = {}
    uncuttable: dict[str, Chain] = {}
    chosen: list[Placement] = []
    proven = True
    rounds = 0
    mitigated = graph
    top = ROUND_CHAINS
    while True:
        rounds += 1
        violated = _violated(mitigated, graph, band, max_hops, top)
        fresh = [c for c in violated if c.id not in needs and c.id not in uncuttable]
        if not fresh and len(violated) == top:
            top *= 4  # known chains fill the round: look further down the ranking
            continue
        if not fresh:
            break
        for chain in fresh:
            found[chain.id] = chain
            options[chain.id] = defender_options(chain, graph)
            need = _need(chain, band)
            if sum(options[chain.id].values()) < need:
                uncuttable[chain.id] = chain
            else:
                needs[chain.id] = need
        chosen, optimal = _solve_cover(needs, options)
        proven = proven and optimal
        if report is not None:
            report(
                f"planning round {rounds}: {len(needs)} chains to cut, "
                f"{len(chosen)} placements ({'optimal' if optimal else 'best found'})"
            )
        mitigated = _mitigated_graph(graph, chosen)
    after = _verify(graph, chosen, band, max_hops)
    everything, listed = _before(graph, band, max_hops, found)
    candidates = len({p for c in needs for p in options[c]})
    note = (
        "optimal: no chain is at or above the band, nothing to place"
        if not found
        else f"optimal: no smaller set of placements brings every chain below the band (HiGHS "
        f"proved it over {len(needs)} chains found in {rounds} rounds, {candidates} candidate "
        "placements)"
        if proven
        else f"best found within the solver's time limit over {len(needs)} chains, "
        f"{candidates} candidate placements (not proven optimal)"
    )
    if not listed:
        note += (
            f"; 'before' counts the {len(found)} routes the planner found: listing every route "
            f"at or above the band takes more than the search budget ({SEARCH_BUDGET:,} partial "
            "chains)"
        )
    return MitigationPlan(
        mode="threshold",
        band=band,
        budget=None,
        method="exact" if proven else "bounded",
        note=note,
        recommendations=_recommendations(graph, list(found.values()), options, chosen),
        before=summarize(everything),
        after=summarize(after),
        uncuttable=tuple(sorted(uncuttable)),
        remaining=tuple(c.id for c in after if c.band.rank >= band.rank),
    )


#: Chains the search adds per planning round (the most at risk first).
ROUND_CHAINS = 200
#: Seconds HiGHS may spend on one cover problem before it returns its best answer.
SOLVER_TIME_LIMIT = 20.0


def _need(chain: Chain, band: Band) -> float:
    """How much ``-ln`` likelihood the chain must lose to fall below the band."""
    bound = likelihood_bound_below(band, chain.impact)
    return math.inf if bound is None else math.log(chain.likelihood / bound) + _STRICT


def _violated(
    mitigated: AttackGraph, original: AttackGraph, band: Band, max_hops: int, top: int
) -> list[Chain]:
    """The ``top`` chains still at or above ``band`` in ``mitigated``, as chains of
    ``original`` (so their options are what a placement does to them before any is made)."""
    query = ChainQuery(top=top, max_hops=max_hops, distinct="none", min_risk=band_floor(band))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SearchBudgetWarning)
        paths = search_paths(mitigated, query)
    if not paths and any(issubclass(w.category, SearchBudgetWarning) for w in caught):
        # Finding nothing within the budget is not proof that nothing is left.
        raise MaestroInputError.single(
            "--max-hops",
            None,
            f"the search budget ({query.search_budget:,} partial chains) ran out before it "
            f"could show that no chain is left at or above {band.value} within {max_hops} hops, "
            "so no plan covers them all; lower --max-hops or plan for a higher band",
        )
    keys = [[mitigated.states[i].key for i in path] for path in paths]
    return [
        make_chain(original, [original.state_index[k] for k in path_keys], rank)
        for rank, path_keys in enumerate(keys, start=1)
    ]


def _mitigated_graph(graph: AttackGraph, placements: Sequence[Placement]) -> AttackGraph:
    from maestro_graph.engine.propagation import build_attack_graph

    if not placements:
        return graph
    return build_attack_graph(apply_placements(graph.model, placements), graph.catalog)


def _before(
    graph: AttackGraph, band: Band, max_hops: int, found: dict[str, Chain]
) -> tuple[list[Chain], bool]:
    """The chains the residual table counts before the plan, and whether they are all of them:
    every chain at or above the band when the search can list them all, else the ones the
    planner found."""
    try:
        return planning_chains(graph, band, max_hops), True
    except MaestroInputError:
        return list(found.values()), False


#: A chain's row must reach this share of its need: far enough above 1 that the solver's
#: feasibility tolerance (1e-7) cannot accept a plan that falls just short.
_ENOUGH = 1.0 + 1e-5


def _coverage(weight: float, need: float) -> float:
    """One placement's share of a chain's need, capped above enough: one placement that alone
    suffices reads as enough by a clear margin (and no more, so the rows stay well scaled)."""
    return min(weight, need * (_ENOUGH + 1e-5)) / need


def _solve_cover(
    needs: dict[str, float], options: dict[str, dict[Placement, float]]
) -> tuple[list[Placement], bool]:
    """Fewest placements meeting every chain's need, by HiGHS: (answer, proven optimal)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    if not needs:
        return [], True
    candidates = sorted({p for c in needs for p in options[c]})
    column = {p: n for n, p in enumerate(candidates)}
    rows, cols, values, lower = [], [], [], []
    for row, (chain_id, need) in enumerate(sorted(needs.items())):
        for placement, weight in options[chain_id].items():
            rows.append(row)
            cols.append(column[placement])
            values.append(_coverage(weight, need))
        lower.append(_ENOUGH)
    matrix = coo_matrix((values, (rows, cols)), shape=(len(needs), len(candidates)))
    # Between equally small plans, prefer placements that do more of the chains' needs, then
    # the first in id order: tie-breaks far too small to trade one placement for another.
    strength = np.zeros(len(candidates))
    for chain_id in needs:
        for placement, weight in options[chain_id].items():
            strength[column[placement]] += min(weight, 10.0)
    share = strength / (10.0 * len(needs))
    order = np.arange(len(candidates)) / max(len(candidates), 1)
    cost = 1.0 - 1e-4 * share + 1e-6 * order
    result = milp(
        cost,
        constraints=LinearConstraint(matrix.tocsr(), lower, np.inf),
        integrality=np.ones(len(candidates)),
        bounds=Bounds(0, 1),
        options={"time_limit": SOLVER_TIME_LIMIT, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        raise MaestroInputError.single(
            "mitigate", None, f"the cover solver found no plan: {result.message}"
        )
    chosen = [candidates[n] for n, value in enumerate(result.x) if value > 0.5]
    return chosen, bool(result.status == 0)


def plan_budget(
    graph: AttackGraph, budget: int, band: Band = Band.HIGH, *, max_hops: int = 8
) -> MitigationPlan:
    """The ``budget`` placements that take the most risk below ``band``.

    A mixed-integer program over every chain that can reach the band (HiGHS, as for
    :func:`plan_threshold`): choose at most ``budget`` placements so that the chains they bring
    below the band carry the most risk; a chain counts once its placements together meet its
    need. Between plans that cut the same risk, the one removing more of the rest (each
    placement's share of every chain's risk, to first order) wins, which also decides the plan
    when no chain can be cut within the budget.
    """
    chains = planning_chains(graph, band, max_hops)
    options = {c.id: defender_options(c, graph) for c in chains}
    candidates = sorted({p for per_chain in options.values() for p in per_chain})
    chosen, proven = _solve_budget(chains, {c.id: _need(c, band) for c in chains}, options, budget)
    after = _verify(graph, chosen, band, max_hops)
    return MitigationPlan(
        mode="budget",
        band=band,
        budget=budget,
        method="exact" if proven else "bounded",
        note=(
            f"most risk taken below {band.value}: {len(candidates)} candidates, {len(chains)} "
            + (
                "routes, proven optimal"
                if proven
                else f"routes, solver stopped at {SOLVER_TIME_LIMIT:.0f} s"
            )
        ),
        recommendations=_recommendations(graph, chains, options, chosen),
        before=summarize(chains),
        after=summarize(after),
        remaining=tuple(c.id for c in after if c.band.rank >= band.rank),
    )


def _solve_budget(
    chains: Sequence[Chain],
    needs: dict[str, float],
    options: dict[str, dict[Placement, float]],
    budget: int,
) -> tuple[list[Placement], bool]:
    """At most ``budget`` placements maximising the risk of the chains whose need they meet
    (then, far below, the first-order share of risk they remove): (answer, proven optimal)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    candidates = sorted({p for per_chain in options.values() for p in per_chain})
    if not candidates or budget < 1:
        return [], True
    cuttable = [c for c in chains if math.isfinite(needs[c.id]) and options[c.id]]
    column = {p: n for n, p in enumerate(candidates)}
    width = len(candidates) + len(cuttable)  # one x per placement, then one y per chain
    rows, cols, values = [], [], []
    for row, chain in enumerate(cuttable):
        need = needs[chain.id]
        for placement, weight in options[chain.id].items():
            rows.append(row)
            cols.append(column[placement])
            values.append(_coverage(weight, need))
        rows.append(row)
        cols.append(len(candidates) + row)
        values.append(-_ENOUGH)  # y_c may be 1 only when the placements meet the need
    rows += [len(cuttable)] * len(candidates)
    cols += list(range(len(candidates)))
    values += [1.0] * len(candidates)
    matrix = coo_matrix((values, (rows, cols)), shape=(len(cuttable) + 1, width)).tocsr()
    lower = np.r_[np.zeros(len(cuttable)), -np.inf]
    upper = np.r_[np.full(len(cuttable), np.inf), budget]
    first_order = np.zeros(len(candidates))
    for chain in chains:
        for placement, weight in options[chain.id].items():
            first_order[column[placement]] += chain.risk * (1.0 - math.exp(-weight))
    smallest = min((c.risk for c in cuttable), default=1.0)
    scale = 1e-3 * smallest / max(float(first_order.sum()), 1e-12)
    order = np.arange(len(candidates)) / len(candidates)
    gain = np.r_[first_order * scale - 1e-9 * smallest * order, [c.risk for c in cuttable]]
    result = milp(
        -gain,
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=np.ones(width),
        bounds=Bounds(0, 1),
        options={"time_limit": SOLVER_TIME_LIMIT, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        raise MaestroInputError.single(
            "mitigate", None, f"the budget solver found no plan: {result.message}"
        )
    picked = [candidates[n] for n in range(len(candidates)) if result.x[n] > 0.5]
    return picked, bool(result.status == 0)
