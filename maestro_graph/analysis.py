"""The :class:`Analysis` the Python API and the CLI share: a model read against a catalog.

Examples
--------
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("rag-agent"))
>>> frame = analysis.threats(min_band="high")
>>> set(frame["band"]) <= {"high", "critical"}
True
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.catalog.types import Maturity
from maestro_graph.decisions.mitigation import (
    MitigationPlan,
    Placement,
    apply_placements,
    parse_placement,
    plan_budget,
    plan_threshold,
)
from maestro_graph.engine.detection import telemetry_watchers
from maestro_graph.engine.exposure import ComponentReach, component_reach
from maestro_graph.engine.lint import ModelWarning, lint
from maestro_graph.engine.matrix import MatrixCell, layer_matrix
from maestro_graph.engine.propagation import AttackGraph, build_attack_graph
from maestro_graph.engine.ranking import (
    SEARCH_BUDGET,
    Chain,
    ChainQuery,
    SearchBudgetWarning,
    parse_evidence,
    search_chains,
)
from maestro_graph.engine.register import RiskRegister, build_register
from maestro_graph.engine.risk import Band, RiskSettings, band_floor
from maestro_graph.engine.threats import (
    Coverage,
    ThreatFinding,
    enumerate_threats,
    layer_coverage,
)
from maestro_graph.model import SystemModel
from maestro_graph.model.layers import Layer
from maestro_graph.support.errors import MaestroInputError, did_you_mean
from maestro_graph.support.progress import Progress

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from maestro_graph.render.explorer import Explorer

#: Most transitions a chain may have unless the caller says otherwise.
DEFAULT_MAX_HOPS = 14
#: The gate (check, baseline, diff) enumerates every chain above a band, not a top N, so it keeps
#: the shorter bound until it scales to longer chains.
GATE_MAX_HOPS = 6

#: How many chains (best per entry/target pair) the risk matrix places by default.
RISK_MATRIX_TOP = 50
#: The hop bound cannot be raised past this: chains longer than this are not meaningful
#: explanations, and the search space grows exponentially with it.
MAX_HOPS_LIMIT = 16


def _at_least(maturity: Maturity | None, floor: Maturity) -> bool:
    return maturity is not None and maturity.strength >= floor.strength


class Chains(Sequence[Chain]):
    """A ranked collection of chains: index it, iterate it, turn it into a DataFrame.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> chains = mg.analyze(mg.example("netmon")).paths(top=3)
    >>> chains[0].rank
    1
    """

    def __init__(self, chains: Sequence[Chain], query: ChainQuery) -> None:
        self._chains = tuple(chains)
        self.query = query

    def __len__(self) -> int:
        return len(self._chains)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._chains[index]

    def __repr__(self) -> str:
        return f"<Chains: {len(self)} ranked chains>"

    def to_records(self) -> list[dict]:
        """The chains in the JSON shape of DESIGN section 8."""
        return [chain.to_record() for chain in self._chains]

    def to_frame(self) -> pd.DataFrame:
        """One row per chain: rank, id, risk, band, likelihood, impact, layers, hops, entry,
        target, the path as text, its ATLAS evidence, whether it is predicted, the watchers
        that see it and the owners it crosses."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "rank": c.rank,
                    "id": c.id,
                    "risk": c.risk,
                    "band": c.band.value,
                    "likelihood": c.likelihood,
                    "impact": c.impact,
                    "layers": c.signature,
                    "hops": c.hops,
                    "entry": c.entry,
                    "target": c.target,
                    "path": c.path_text,
                    "evidence": c.evidence.value if c.evidence else None,
                    "predicted": c.predicted,
                    "detected_by": list(c.detected_by),
                    "owners": list(c.owners),
                }
                for c in self._chains
            ]
        )

    def _repr_html_(self) -> str:
        """The ranked chains as a table, for Jupyter."""
        from maestro_graph.model.layers import layer_badge
        from maestro_graph.support.htmlrepr import Raw, html_table

        rows = [
            [
                c.rank,
                f"{c.risk:.3f}",
                c.band.value,
                Raw(" ".join(layer_badge(layer) for layer in c.layers)),
                c.path_text,
            ]
            for c in self._chains
        ]
        return html_table(
            ["#", "risk", "band", "layers", "chain"], rows, caption=f"{len(self)} chains"
        )

    def explain(self) -> str:
        """Every chain's hop-by-hop story."""
        return "\n\n".join(chain.explain() for chain in self._chains)


class Analysis:
    """A model analysed against a catalog. Results are computed on first use and kept.

    Parameters
    ----------
    model : SystemModel
    catalog : Catalog
    settings : RiskSettings, optional
    """

    def __init__(
        self,
        model: SystemModel,
        catalog: Catalog,
        settings: RiskSettings | None = None,
        *,
        progress: bool | None = None,
    ) -> None:
        self.model = model
        self.catalog = catalog
        self.settings = settings or RiskSettings()
        self._progress_request = progress
        self.progress = Progress.for_size(len(model.components), progress)

    def __repr__(self) -> str:
        return f"<Analysis of {self.model.name!r}: {len(self.model.components)} components>"

    def _repr_html_(self) -> str:
        """Coverage, the top threats and the top chains, for Jupyter."""
        from maestro_graph.model.layers import layer_badge
        from maestro_graph.support.htmlrepr import Raw, html_table

        coverage = html_table(
            ["layer", "components", "threats", "findings"],
            [
                [Raw(layer_badge(c.layer)), c.components, c.threats, c.findings]
                for c in self.coverage()
            ],
            caption=f"{self.model.name}: catalog {self.catalog.version}",
        )
        threats = html_table(
            ["risk", "band", "component", "threat"],
            [
                [f"{f.risk:.2f}", f.band.value, f.component.id, f.threat.id]
                for f in self.findings[:5]
            ],
            caption="Top threats",
        )
        return coverage + threats + self.paths(top=5)._repr_html_()

    @cached_property
    def findings(self) -> tuple[ThreatFinding, ...]:
        """Every applicable (component, threat), highest risk first."""
        return tuple(enumerate_threats(self.model, self.catalog, self.settings))

    def threat_findings(
        self,
        *,
        layers: Iterable[Layer | str] | None = None,
        components: Sequence[str] | None = None,
        min_band: Band | str | None = None,
        owasp: str | Iterable[str] | None = None,
        evidence: Maturity | str | None = None,
    ) -> list[ThreatFinding]:
        """The findings, filtered by component layer, component id, lowest band, OWASP id and
        ATLAS evidence.

        ``owasp`` keeps the findings whose threat carries any of the given ids (``"LLM01"``,
        ``["ASI06", "t1"]`` or ``"LLM01,ASI01"``; any case). ``evidence`` keeps the findings
        whose threat has an ATLAS technique of at least that maturity (``"realized"``: seen in
        real incidents).

        Raises
        ------
        MaestroInputError
            For an unknown layer, component, band, OWASP id or maturity.
        """
        floor_maturity, _ = parse_evidence(evidence)
        try:
            wanted_layers = {Layer.parse(layer) for layer in layers} if layers else None
            floor = Band.parse(min_band) if min_band is not None else None
        except ValueError as error:
            raise MaestroInputError.single("option", None, str(error)) from None
        try:
            wanted_owasp = set(self.catalog.parse_owasp(owasp)) if owasp else None
        except ValueError as error:
            raise MaestroInputError.single("--owasp", None, str(error)) from None
        for component_id in components or ():
            if not self.model.has_component(component_id):
                hint = did_you_mean(component_id, [c.id for c in self.model.components])
                raise MaestroInputError.single(
                    "--component", None, f"no component {component_id!r} in the model{hint}"
                )
        return [
            finding
            for finding in self.findings
            if (wanted_layers is None or finding.layer in wanted_layers)
            and (not components or finding.component.id in components)
            and (floor is None or finding.band.rank >= floor.rank)
            and (wanted_owasp is None or not wanted_owasp.isdisjoint(finding.threat.owasp))
            and (floor_maturity is None or _at_least(finding.maturity, floor_maturity))
        ]

    def threats(
        self,
        *,
        layers: Iterable[Layer | str] | None = None,
        components: Sequence[str] | None = None,
        min_band: Band | str | None = None,
        owasp: str | Iterable[str] | None = None,
        evidence: Maturity | str | None = None,
    ) -> pd.DataFrame:
        """MAESTRO step 2 as a DataFrame: one row per (component, threat), highest risk first.

        Columns: component, layer, threat, likelihood, impact, risk, band, entry, atlas (list of
        {id, maturity}), controls_present, controls_missing and the factors behind the
        likelihood. ``owasp`` keeps the threats carrying any of the given OWASP ids;
        ``evidence`` those with an ATLAS technique of at least that maturity.
        """
        import pandas as pd

        findings = self.threat_findings(
            layers=layers, components=components, min_band=min_band, owasp=owasp, evidence=evidence
        )
        return pd.DataFrame([finding.to_record() for finding in findings])

    def register(
        self,
        *,
        predicted_top: int = 10,
        max_hops: int = DEFAULT_MAX_HOPS,
        **filters: object,
    ) -> RiskRegister:
        """The risk register: findings realized first (then demonstrated, feasible, unbacked;
        by risk within each), who watches and owns each component, and the ``predicted_top``
        highest-risk chains no realized or demonstrated technique backs on any step.

        ``filters`` are those of :meth:`threat_findings` (layers, components, min_band, owasp,
        evidence).

        Examples
        --------
        >>> import maestro_graph as mg
        >>> register = mg.analyze(mg.example("netmon")).register(min_band="medium")
        >>> register.entries[0].evidence, register.entries[0].rank
        ('realized', 1)
        """
        findings = self.threat_findings(**filters)  # type: ignore[arg-type]
        query = self.query(top=predicted_top, max_hops=max_hops, predicted_only=True)
        graph = self.attack_graph
        with self.progress.step("ranking predicted chains"):
            predicted = search_chains(graph, query)
        return build_register(findings, predicted, telemetry_watchers(self.model, self.catalog))

    def coverage(self) -> Coverage:
        """Per layer: components, distinct applicable threats, findings (a list of
        :class:`LayerCoverage`, and ``.to_frame()`` for a DataFrame)."""
        return layer_coverage(self.model, list(self.findings))

    # -- the engine -----------------------------------------------------------------------
    @cached_property
    def attack_graph(self) -> AttackGraph:
        """The attack-state graph in its compact, indexed form."""
        graph_size = f"{len(self.model.components):,} components"
        with self.progress.step(f"building the attack graph ({graph_size})"):
            return build_attack_graph(self.model, self.catalog, self.settings)

    def warnings(self) -> list[ModelWarning]:
        """What in the model the analysis can do nothing with: probable modelling mistakes.

        An entry component that can start no chain (``entry-starts-nothing``), a control on a
        component that cannot act there (``control-cannot-act``), a control on a flow that
        cuts no step along it (``flow-control-cannot-act``). Warnings never change results.
        Uses the analysis's attack graph, built once and shared with the chain search.

        Returns
        -------
        list of ModelWarning
            In model order (components, then flows); the same model gives the same list.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> model = mg.model_from_text('''
        ... maestro: 1
        ... system: {name: Misplaced control}
        ... components:
        ...   - {id: user, layer: L7, kind: user, exposure: public}
        ...   - {id: bot, layer: L3, kind: agent, controls: [adversarial-training]}
        ... flows:
        ...   - {from: user, to: bot, kind: invokes}
        ... ''')
        >>> [(w.code, w.component, w.control) for w in mg.analyze(model).warnings()]
        [('control-cannot-act', 'bot', 'adversarial-training')]
        >>> mg.analyze(mg.example("netmon")).warnings()
        []
        """
        return lint(self.model, self.catalog, self.attack_graph)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The attack-state graph as a networkx DiGraph (nodes are ``(component, threat)``)."""
        return self.attack_graph.to_networkx()

    def _check_component_ids(self, option: str, ids: Iterable[str] | None) -> frozenset[str] | None:
        if ids is None:
            return None
        wanted = frozenset([ids] if isinstance(ids, str) else ids)
        known = [c.id for c in self.model.components]
        for component_id in sorted(wanted):
            if not self.model.has_component(component_id):
                hint = did_you_mean(component_id, known)
                raise MaestroInputError.single(
                    option, None, f"no component {component_id!r} in the model{hint}"
                )
        return wanted

    def query(
        self,
        *,
        top: int | None = 10,
        max_hops: int = DEFAULT_MAX_HOPS,
        source_layers: Iterable[Layer | str] | None = None,
        target_layers: Iterable[Layer | str] | None = None,
        through_layers: Iterable[Layer | str] | None = None,
        entry: Iterable[str] | str | None = None,
        target: Iterable[str] | str | None = None,
        include_single_layer: bool = True,
        cross_layer_only: bool = False,
        distinct: str = "route",
        assume_breach: bool = False,
        fold_stages: bool = True,
        search_budget: int = SEARCH_BUDGET,
        evidence: Maturity | str | None = None,
        evidence_on: str = "entry",
        predicted_only: bool = False,
        undetected: bool = False,
    ) -> ChainQuery:
        """Check chain-search options and turn them into a :class:`ChainQuery`.

        Raises
        ------
        MaestroInputError
            For an unknown layer, component or maturity, ``top`` below 1, or a hop bound out of
            range.
        """

        def layers(option: str, values: Iterable[Layer | str] | None) -> frozenset[Layer] | None:
            if values is None:
                return None
            try:
                return frozenset(
                    Layer.parse(v) for v in ([values] if isinstance(values, str) else values)
                )
            except ValueError as error:
                raise MaestroInputError.single(option, None, str(error)) from None

        if top is not None and top < 1:
            raise MaestroInputError.single("--top", None, f"must be at least 1, got {top}")
        if not 1 <= max_hops <= MAX_HOPS_LIMIT:
            raise MaestroInputError.single(
                "max_hops (--max-hops)",
                None,
                f"must be between 1 and {MAX_HOPS_LIMIT}, got {max_hops}",
            )
        maturity, scope = parse_evidence(evidence, evidence_on)
        if distinct not in {"route", "pair", "none"}:
            raise MaestroInputError.single(
                "--distinct", None, f"must be 'route', 'pair' or 'none', got {distinct!r}"
            )
        return ChainQuery(
            top=top,
            max_hops=max_hops,
            source_layers=layers("source_layers (--from)", source_layers),
            target_layers=layers("target_layers (--to)", target_layers),
            through_layers=layers("through_layers (--through)", through_layers),
            entry_ids=self._check_component_ids("--entry", entry),
            target_ids=self._check_component_ids("--target", target),
            cross_layer_only=cross_layer_only or not include_single_layer,
            distinct=distinct,  # type: ignore[arg-type]
            assume_breach=assume_breach,
            fold_stages=fold_stages,
            search_budget=search_budget,
            evidence=maturity,
            evidence_on=scope,
            predicted_only=predicted_only,
            undetected=undetected,
        )

    def paths(self, **options: object) -> Chains:
        """The highest-risk attack chains (MAESTRO steps 3-4).

        Parameters
        ----------
        top : int, default 10
        max_hops : int, default 8
        source_layers, target_layers, through_layers : iterable of layers, optional
            Entry layer(s), final layer(s), layers the chain must touch.
        entry, target : component ids, optional
        cross_layer_only : bool, default False
            Only chains that change layer (by default every multi-component chain counts, and
            ``Chain.cross_layer`` marks the ones that change layer).
        include_single_layer : bool, default True
            The opposite of ``cross_layer_only``, kept for earlier callers.
        distinct : "route" (best chain per sequence of components, default), "pair" (best per
            entry/target pair) or "none" (every chain; counts a route's variants)
        assume_breach : bool, default False
            Start from every state, as if already achieved, not only from entry states.
        evidence : "realized", "demonstrated" or "feasible", optional
            Only chains backed by ATLAS techniques of at least this maturity, on the entry step
            (``evidence_on="entry"``, default), on some step (``"any"``) or on every step
            (``"every"``).
        predicted_only : bool, default False
            Only chains no realized or demonstrated technique backs on any step.
        undetected : bool, default False
            Only chains no watcher sees (see :mod:`maestro_graph.engine.detection`).

        Returns
        -------
        Chains

        Examples
        --------
        >>> import maestro_graph as mg
        >>> analysis = mg.analyze(mg.example("netmon"))
        >>> quiet = analysis.paths(target="dashboard", undetected=True, top=50)
        >>> "history > tuner > capture > dashboard" in [" > ".join(c.route) for c in quiet]
        True
        >>> all(not chain.detected_by for chain in quiet)
        True
        """
        query = self.query(**options)  # type: ignore[arg-type]
        graph = self.attack_graph
        with self.progress.step(f"ranking chains ({graph.state_count:,} states)"):
            return Chains(search_chains(graph, query), query)

    def gate_chains(
        self,
        min_band: Band | str = Band.LOW,
        *,
        max_hops: int = GATE_MAX_HOPS,
        evidence: Maturity | str | None = None,
        evidence_on: str = "entry",
    ) -> Chains:
        """Every chain at or above ``min_band`` (the best per entry/target pair), ranked.

        This is the set a gate judges (``check``, ``baseline``, ``diff``): not a top N, so a new
        chain cannot hide below a cut-off. The search drops everything whose risk cannot reach
        the band, so it stays exact and bounded. ``evidence`` and ``evidence_on`` judge only the
        chains backed by ATLAS techniques of that maturity (as in :meth:`paths`).
        """
        try:
            band = Band.parse(min_band)
        except ValueError as error:
            raise MaestroInputError.single("min_band (--band)", None, str(error)) from None
        # Every chain is judged, stages included: a gate must not let a short chain through
        # because a longer one goes on from it.
        query = self.query(
            top=None,
            max_hops=max_hops,
            fold_stages=False,
            evidence=evidence,
            evidence_on=evidence_on,
        )
        query = dataclasses.replace(query, min_risk=band_floor(band))
        # A gate judged on part of the chains could pass a new one: past the budget, it fails.
        with warnings.catch_warnings():
            warnings.simplefilter("error", SearchBudgetWarning)
            try:
                chains = search_chains(self.attack_graph, query)
            except SearchBudgetWarning:
                raise MaestroInputError.single(
                    "--max-hops",
                    None,
                    f"more chains at or above {band.value} within {max_hops} hops than the "
                    f"search budget ({query.search_budget:,} partial chains) allows, so the "
                    "gate cannot judge them all; lower --max-hops or gate on a higher band",
                ) from None
        found = [c for c in chains if c.band.rank >= band.rank]
        ranked = [
            dataclasses.replace(chain, rank=rank) for rank, chain in enumerate(found, start=1)
        ]
        return Chains(ranked, query)

    def layer_matrix(
        self,
        *,
        max_hops: int = DEFAULT_MAX_HOPS,
        evidence: Maturity | str | None = None,
        evidence_on: str = "entry",
    ) -> list[MatrixCell]:
        """The 49 cells of the layer matrix (best chain and pair count per layer pair); with
        ``evidence``, each cell's best chain among those backed by that ATLAS maturity."""
        query = self.query(max_hops=max_hops, evidence=evidence, evidence_on=evidence_on)
        graph = self.attack_graph
        with self.progress.step(f"walking the layer matrix ({graph.state_count:,} states)"):
            return layer_matrix(
                graph,
                max_hops=max_hops,
                evidence=query.evidence,
                evidence_on=query.evidence_on,
            )

    def matrix(
        self,
        *,
        max_hops: int = DEFAULT_MAX_HOPS,
        evidence: Maturity | str | None = None,
        evidence_on: str = "entry",
    ) -> pd.DataFrame:
        """The layer matrix as a 7x7 DataFrame of best risks (rows: entry layer; columns: final
        layer; NaN where no chain joins them)."""
        import pandas as pd

        cells = self.layer_matrix(max_hops=max_hops, evidence=evidence, evidence_on=evidence_on)
        layers = [layer.value for layer in Layer]
        frame = pd.DataFrame(index=layers, columns=layers, dtype=float)
        for cell in cells:
            frame.loc[cell.source.value, cell.target.value] = (
                cell.chain.risk if cell.chain else float("nan")
            )
        frame.index.name, frame.columns.name = "from", "to"
        return frame

    # -- mitigation (MAESTRO step 5) ---------------------------------------------------
    def with_controls(self, placements: Iterable[str | Placement]) -> Analysis:
        """A new analysis with extra controls in place (what-if); this one is unchanged.

        Parameters
        ----------
        placements : iterable of str or Placement
            ``"kb:provenance-tracking"`` (on a component) or ``"web/kb:source-allow-listing"``
            (on the flows from ``web`` to ``kb``).

        Raises
        ------
        MaestroInputError
            For an unknown component, flow or control, or a control that cannot go there.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> before = mg.analyze(mg.example("netmon"))
        >>> after = before.with_controls(["tuner:memory-isolation"])
        >>> after.paths(top=1)[0].risk <= before.paths(top=1)[0].risk
        True
        """
        parsed = [
            p
            if isinstance(p, Placement)
            else parse_placement(p, self.model, self.catalog, option="placements")
            for p in placements
        ]
        changed = apply_placements(self.model, parsed)
        return Analysis(changed, self.catalog, self.settings, progress=self._progress_request)

    def mitigate(
        self,
        *,
        threshold: Band | str | None = None,
        budget: int | None = None,
        band: Band | str = Band.HIGH,
        max_hops: int = DEFAULT_MAX_HOPS,
    ) -> MitigationPlan:
        """Recommend control placements (MAESTRO step 5).

        Parameters
        ----------
        threshold : band, optional
            The fewest placements that bring every chain below this band (default ``high``).
        budget : int, optional
            Instead, the ``budget`` placements that take the most risk below ``band`` (the
            risk of the chains they cut; exact by HiGHS over every route that can reach it).
        band : band, default "high"
            With ``budget``: which chains count.
        max_hops : int

        Returns
        -------
        MitigationPlan

        Raises
        ------
        MaestroInputError
            For an unknown band, a budget below 1, or both options at once.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> plan = mg.analyze(mg.example("netmon")).mitigate(threshold="high")
        >>> plan.method, plan.remaining
        ('exact', ())
        >>> str(plan.placements[0])
        'tuner:memory-isolation'
        """
        if threshold is not None and budget is not None:
            raise MaestroInputError.single(
                "mitigate", None, "give either --threshold or --budget, not both"
            )
        try:
            goal = Band.parse(threshold) if threshold is not None else Band.HIGH
            counted = Band.parse(band)
        except ValueError as error:
            raise MaestroInputError.single("--threshold", None, str(error)) from None
        self.query(max_hops=max_hops)
        if budget is not None:
            if budget < 1:
                raise MaestroInputError.single(
                    "--budget", None, f"must be at least 1, got {budget}"
                )
            with self.progress.step("planning mitigations"):
                return plan_budget(self.attack_graph, budget, counted, max_hops=max_hops)
        return plan_threshold(
            self.attack_graph, goal, max_hops=max_hops, report=self.progress.note
        )

    # -- figures (matplotlib) -----------------------------------------------------------
    def plot(
        self,
        view: str = "architecture",
        *,
        chain: Chain | Sequence[Chain] | int | Sequence[int] | None = None,
        kind: str = "chains",
        top: int | None = None,
        ax: Axes | None = None,
    ) -> Figure:
        """A figure of this analysis; ``analysis.plot(chain=chains[0])`` highlights a chain.

        Parameters
        ----------
        view : {"architecture", "chain", "heatmap", "risk-matrix"}
            ``chain`` is the architecture with chains highlighted (the top chain unless
            ``chain`` says otherwise); giving ``chain`` with ``architecture`` does the same.
        chain : Chain, int rank, or a sequence of them, optional
            The chain(s) to highlight.
        kind : {"chains", "threats"}
            For ``risk-matrix``: what to place in the cells.
        top : int, optional
            For ``risk-matrix``: how many chains to place, best per entry/target pair (default
            :data:`RISK_MATRIX_TOP`; the full set of chains grows exponentially with the hop
            bound, and ``gate_chains`` is the way to judge every one).
        ax : matplotlib.axes.Axes, optional
            Draw into these axes instead of a new figure.

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        MaestroInputError
            For an unknown view or kind, or a chain rank beyond the ranked chains.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> analysis = mg.analyze(mg.example("netmon"))
        >>> fig = analysis.plot(chain=analysis.paths(top=1)[0])
        >>> fig.texts[0].get_text().startswith("Chain #1")
        True
        """
        views = ("architecture", "chain", "heatmap", "risk-matrix")
        if view not in views:
            raise MaestroInputError.single(
                "view", None, f"unknown view {view!r}; valid views: {', '.join(views)}"
            )
        if view == "heatmap":
            return self.plot_heatmap(ax=ax)
        if view == "risk-matrix":
            return self.plot_risk_matrix(kind, top=top, ax=ax)
        if view == "chain" and chain is None:
            chain = 1
        if chain is None:
            return self.plot_architecture(ax=ax)
        return self.plot_chain(chain, ax=ax)

    def plot_architecture(
        self, chains: Chain | Sequence[Chain] | None = None, *, ax: Axes | None = None
    ) -> Figure:
        """The layered architecture (L1 at the bottom to L7 at the top, L6 at the side), flows
        styled by kind, entry components marked; ``chains`` highlighted when given.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> fig = mg.analyze(mg.example("netmon")).plot_architecture()
        >>> fig.texts[0].get_text()
        'Network-monitoring agent: layered architecture'
        """
        from maestro_graph.render.figures import plot_architecture

        return plot_architecture(self.model, chains, ax=ax)

    def plot_chain(
        self,
        chain_or_chains: Chain | Sequence[Chain] | int | Sequence[int],
        *,
        ax: Axes | None = None,
    ) -> Figure:
        """The architecture with one or several chains highlighted (given as chains or as
        ranks in :meth:`paths`), hops numbered, everything else faded.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> fig = mg.analyze(mg.example("netmon")).plot_chain([1, 2])
        >>> fig.texts[0].get_text()
        'Chains #1, #2 in Network-monitoring agent'
        """
        items = (
            list(chain_or_chains)
            if isinstance(chain_or_chains, Sequence) and not isinstance(chain_or_chains, Chain)
            else [chain_or_chains]
        )
        ranks = [item for item in items if isinstance(item, int)]
        ranked = self.paths(top=max(10, *ranks)) if ranks else None
        chains: list[Chain] = []
        for item in items:
            if isinstance(item, Chain):
                chains.append(item)
                continue
            assert ranked is not None
            if not 1 <= item <= len(ranked):
                raise MaestroInputError.single(
                    "--chain",
                    None,
                    f"no chain of rank {item}: {len(ranked)} chains are ranked",
                )
            chains.append(ranked[item - 1])
        return self.plot_architecture(chains, ax=ax)

    def plot_heatmap(self, *, max_hops: int = DEFAULT_MAX_HOPS, ax: Axes | None = None) -> Figure:
        """The 7x7 layer propagation matrix as a heatmap of best-chain risk, with the risk,
        band and component pairs annotated in each cell.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> fig = mg.analyze(mg.example("netmon")).plot_heatmap()
        >>> fig.texts[0].get_text()
        'Layer propagation matrix: Network-monitoring agent'
        """
        from maestro_graph.render.figures import plot_heatmap

        return plot_heatmap(self.model, self.layer_matrix(max_hops=max_hops), ax=ax)

    def plot_risk_matrix(
        self, kind: str = "chains", *, top: int | None = None, ax: Axes | None = None
    ) -> Figure:
        """The 5x5 likelihood x impact matrix coloured by band, with chains (their counts and
        top ranks) or threat findings (``kind="threats"``) in their cells.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> fig = mg.analyze(mg.example("netmon")).plot_risk_matrix("threats")
        >>> fig.texts[0].get_text()
        'Risk matrix: Network-monitoring agent'
        """
        from maestro_graph.render.figures import plot_risk_matrix

        if kind == "chains":
            chains = self.paths(top=top or RISK_MATRIX_TOP, distinct="pair")
            return plot_risk_matrix(self.model, chains, kind="chains", ax=ax)
        if kind == "threats":
            findings = self.findings if top is None else self.findings[:top]
            return plot_risk_matrix(self.model, findings, kind="threats", ax=ax)
        raise MaestroInputError.single(
            "kind", None, f"unknown kind {kind!r}; valid kinds: chains, threats"
        )

    # -- the interactive explorer (one HTML page) ----------------------------------------
    def explore(
        self,
        *,
        top: int = 50,
        threshold: Band | str | None = None,
        max_hops: int = DEFAULT_MAX_HOPS,
    ) -> Explorer:
        """The interactive chain explorer: one self-contained HTML page, shown inline in
        Jupyter and written with ``.write(path)``.

        Parameters
        ----------
        top : int, default 50
            How many ranked chains the page lists (as :meth:`paths`).
        threshold : band, optional
            The band the mitigation plan brings every chain below (default ``high``, as
            :meth:`mitigate`); its placements are the page's toggles.
        max_hops : int
            The hop bound of the chains, the layer matrix and the plan.

        Returns
        -------
        Explorer
            ``.html`` (the page), ``.write(path)``, and ``_repr_html_`` for Jupyter.

        Raises
        ------
        MaestroInputError
            For ``top`` below 1, a hop bound out of range or an unknown band.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> explorer = mg.analyze(mg.example("netmon")).explore(top=5)
        >>> explorer.html.startswith("<!DOCTYPE html>")
        True
        """
        # The explorer renders (the right end of the pipeline), so it is imported when used.
        from maestro_graph.render.explorer import Explorer, render_explorer

        self.query(top=top, max_hops=max_hops)  # the same checks and messages as paths()
        return Explorer(render_explorer(self, top=top, threshold=threshold, max_hops=max_hops))

    def reach(self) -> list[ComponentReach]:
        """Exposure (entry components reaching it) and blast radius (components it reaches)."""
        return component_reach(self.attack_graph)

    def components(self) -> pd.DataFrame:
        """One row per component: layer, owner, entry, exposure, blast radius, threats, top risk.

        ``owner`` is the component's ``owner`` from the model file, empty when it has none.
        """
        import pandas as pd

        top_risk: dict[str, float] = {}
        counts: dict[str, int] = {}
        for finding in self.findings:
            top_risk[finding.component.id] = max(
                top_risk.get(finding.component.id, 0.0), finding.risk
            )
            counts[finding.component.id] = counts.get(finding.component.id, 0) + 1
        return pd.DataFrame(
            [
                {
                    "component": r.component,
                    "layer": r.layer.value,
                    "owner": self.model.component(r.component).owner or "",
                    "entry": r.entry,
                    "exposure": r.exposure,
                    "blast_radius": r.blast_radius,
                    "threats": counts.get(r.component, 0),
                    "top_threat_risk": round(top_risk.get(r.component, 0.0), 4),
                }
                for r in self.reach()
            ]
        )


def analyze(
    model: SystemModel,
    *,
    catalog: Catalog | None = None,
    settings: RiskSettings | None = None,
    progress: bool | None = None,
) -> Analysis:
    """Analyse a model against a catalog (default: the built-in one).

    Parameters
    ----------
    model : SystemModel
        From :func:`maestro_graph.load_model` or :func:`maestro_graph.example`.
    catalog : Catalog, optional
        From :func:`maestro_graph.load_catalog`.
    settings : RiskSettings, optional
        Maturity factors and other scoring settings.
    progress : bool, optional
        Report the steps of the work on standard error; by default only for large models
        (2,000 components or more).

    Returns
    -------
    Analysis
    """
    return Analysis(model, catalog or load_catalog(), settings, progress=progress)
