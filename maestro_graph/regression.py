"""MAESTRO step 6: regression testing of architecture changes (DESIGN section 7).

Three tools, all keyed on the chain fingerprint (``c-`` + 12 hex digits over the chain's
(component, threat) sequence, see :func:`maestro_graph.ranking.chain_fingerprint`), which does not
move when likelihood numbers or unrelated parts of the model change:

- :func:`diff_analyses` / :func:`diff_report` / :func:`diff_chains`: the chains added, removed and
  changed in risk or band between two versions of a model (or between a saved
  ``paths --format json`` report and a model), each with the components and flows whose change
  explains it.
- a **baseline** file (:func:`make_baseline`, :func:`load_baseline`): the chains accepted as known
  risks, each with a justification, an owner and an expiry date, as risk-tracking files do.
- :func:`check`: the CI gate. It fails when a chain at or above a band is not accepted, when its
  acceptance expired, or when its band rose above the band it was accepted at; it reports baseline
  entries that match no chain any more (stale).

The compared set is the one a gate judges (:meth:`maestro_graph.Analysis.gate_chains`): every
chain at or above a band, the best per (entry component, target component) pair, never a top N,
so a new chain cannot hide below a cut-off.

This module works on :class:`~maestro_graph.analysis.Analysis` objects (through their public
methods only) and imports that class for type checking only.

Examples
--------
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("netmon"))
>>> baseline = make_baseline(analysis, "high", today=dt.date(2026, 1, 1))
>>> result = check(analysis, baseline, "high", today=dt.date(2026, 1, 2))
>>> result.passed, len(result.failing), len(result.stale)
(True, 0, 0)
>>> diff_analyses(analysis, analysis).empty
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from maestro_graph.catalog.types import Maturity
from maestro_graph.conformance import checked_model
from maestro_graph.errors import MaestroInputError, Problem, did_you_mean
from maestro_graph.loading import DEFAULT_LIMITS, Document, Limits, dump_yaml, read_document
from maestro_graph.model import Component, Flow, SystemModel
from maestro_graph.patterns import (
    Acceptable,
    GroupBy,
    PatternAcceptance,
    first_match,
    group_chains,
)
from maestro_graph.propagation import AttackGraph, chain_impact
from maestro_graph.ranking import (
    Chain,
    chain_fingerprint,
    parse_evidence,
    path_risk,
    search_chains,
)
from maestro_graph.risk import Band, band_floor, band_for

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis
    from maestro_graph.catalog import Catalog

#: Risks closer than this are equal (saved reports round risks to 4 decimals).
RISK_TOLERANCE = 1e-4
#: Format version written in ``maestro_baseline:``.
BASELINE_FORMAT = 1
#: Days an acceptance lasts unless the caller says otherwise.
DEFAULT_EXPIRY_DAYS = 90
#: Acceptances expiring within this many days are mentioned by ``check``.
EXPIRY_WARNING_DAYS = 14
DEFAULT_JUSTIFICATION = "TODO: why this chain is accepted"
DEFAULT_OWNER = "TODO"
FINGERPRINT_PATTERN = r"^c-[0-9a-f]{12}$"

StepKey = tuple[str, str]
FlowKey = tuple[str, str, str]


# -- what diff and check need of a chain ------------------------------------------------------


@dataclass(frozen=True)
class ChainSnapshot:
    """A chain as diff compares it: from a live :class:`Chain` or a saved JSON record.

    Attributes
    ----------
    id : str
        The fingerprint.
    signature : str
        The layer signature, ``"L2 > L3"``.
    path : str
        ``"history[L2.data-poisoning] > tuner[L3.planner-manipulation]"``.
    risk : float
    band : Band
    keys : tuple of (component, threat)
        The steps.
    flows : tuple of (from, to, kind) or None
        The flow each step came through (None for the first step and for escalations inside a
        component).
    likelihoods : tuple of float or None
        Each step's likelihood, when known.
    """

    id: str
    signature: str
    path: str
    risk: float
    band: Band
    keys: tuple[StepKey, ...]
    flows: tuple[FlowKey | None, ...]
    likelihoods: tuple[float | None, ...] = ()

    @property
    def entry(self) -> str:
        """The component the chain starts at."""
        return self.keys[0][0]

    @property
    def target(self) -> str:
        """The component the chain ends at."""
        return self.keys[-1][0]

    @classmethod
    def of(cls, chain: Chain | ChainSnapshot) -> ChainSnapshot:
        """The snapshot of a chain (a snapshot is returned as it is)."""
        if isinstance(chain, ChainSnapshot):
            return chain
        flows: list[FlowKey | None] = []
        for step in chain.steps:
            flow = step.transition.flow if step.transition else None
            flows.append((flow.source, flow.target, flow.kind.value) if flow else None)
        return cls(
            id=chain.id,
            signature=chain.signature,
            path=chain.path_text,
            risk=chain.risk,
            band=chain.band,
            keys=tuple(step.state.key for step in chain.steps),
            flows=tuple(flows),
            likelihoods=tuple(step.likelihood for step in chain.steps),
        )


def _flow_text(key: FlowKey) -> str:
    return f"{key[0]} -> {key[1]} ({key[2]})"


# -- causes: what changed in the model ----------------------------------------------------------


@dataclass(frozen=True)
class Cause:
    """Something whose change explains a chain's appearance, disappearance or new risk.

    Attributes
    ----------
    kind : str
        ``component``, ``flow``, ``attacker``, ``pair`` (the best chain of an entry/target pair
        changed), ``step`` (a step's likelihood, from a saved report), ``catalog`` or ``unknown``.
    subject : str
        The component id, the flow as ``from -> to (kind)``, the pair, ...
    change : str
        ``added``, ``removed``, ``changed``, ...
    details : tuple of str
        What changed, e.g. ``("controls +signed-agent-cards",)``.
    """

    kind: str
    subject: str
    change: str
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = " ".join(part for part in (self.kind, self.subject, self.change) if part)
        return head + (f": {'; '.join(self.details)}" if self.details else "")

    def to_record(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "change": self.change,
            "details": list(self.details),
        }


def _describe_component(component: Component) -> tuple[str, ...]:
    return (
        f"{component.layer.value} {component.kind}",
        f"exposure {component.exposure.value}",
        f"trust {component.trust.value}",
        f"criticality {component.criticality}",
        "controls " + (", ".join(component.controls) or "none"),
    )


def _control_delta(before: Sequence[str], after: Sequence[str]) -> str | None:
    added = [c for c in after if c not in before]
    removed = [c for c in before if c not in after]
    if not added and not removed:
        return None
    return "controls " + ", ".join([*(f"+{c}" for c in added), *(f"-{c}" for c in removed)])


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def _component_delta(old: Component, new: Component) -> tuple[str, ...]:
    details = []
    for name in ("layer", "kind", "exposure", "trust", "criticality"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            details.append(f"{name} {_plain(before)} -> {_plain(after)}")
    controls = _control_delta(old.controls, new.controls)
    if controls:
        details.append(controls)
    return tuple(details)


def _flows_by_key(model: SystemModel) -> dict[FlowKey, Flow]:
    return {(f.source, f.target, f.kind.value): f for f in model.flows}


@dataclass(frozen=True)
class ModelDelta:
    """How two versions of a model differ, in what the analysis depends on.

    Names, labels, tags and properties are ignored: they change no chain.

    Attributes
    ----------
    components : mapping of component id to Cause
    flows : mapping of (from, to, kind) to Cause
    attacker : mapping of component id to Cause
        Components that became, or stopped being, an attacker entry or target.
    """

    components: Mapping[str, Cause]
    flows: Mapping[FlowKey, Cause]
    attacker: Mapping[str, tuple[Cause, ...]]

    @classmethod
    def between(cls, old: SystemModel, new: SystemModel) -> ModelDelta:
        """Compare two models.

        Examples
        --------
        >>> import maestro_graph as mg
        >>> old = mg.example("netmon")
        >>> history = old.component("history")
        >>> changed = history.model_copy(update={"controls": ("memory-isolation",)})
        >>> new = old.model_copy(update={"components": tuple(
        ...     changed if c.id == "history" else c for c in old.components)})
        >>> str(ModelDelta.between(old, new).components["history"])
        'component history changed: controls +memory-isolation'
        """
        components: dict[str, Cause] = {}
        old_by_id = {c.id: c for c in old.components}
        new_by_id = {c.id: c for c in new.components}
        for component_id, component in new_by_id.items():
            before = old_by_id.get(component_id)
            if before is None:
                components[component_id] = Cause(
                    "component", component_id, "added", _describe_component(component)
                )
            else:
                details = _component_delta(before, component)
                if details:
                    components[component_id] = Cause("component", component_id, "changed", details)
        for component_id, component in old_by_id.items():
            if component_id not in new_by_id:
                components[component_id] = Cause(
                    "component",
                    component_id,
                    "removed",
                    (f"was {component.layer.value} {component.kind}",),
                )
        flows: dict[FlowKey, Cause] = {}
        old_flows, new_flows = _flows_by_key(old), _flows_by_key(new)
        for key, flow in new_flows.items():
            before_flow = old_flows.get(key)
            if before_flow is None:
                flows[key] = Cause(
                    "flow",
                    _flow_text(key),
                    "added",
                    ("controls " + (", ".join(flow.controls) or "none"),),
                )
            else:
                delta = _control_delta(before_flow.controls, flow.controls)
                if delta:
                    flows[key] = Cause("flow", _flow_text(key), "changed", (delta,))
        for key in old_flows:
            if key not in new_flows:
                flows[key] = Cause("flow", _flow_text(key), "removed")
        attacker: dict[str, list[Cause]] = {}
        for role, of in (
            ("entry", SystemModel.entry_components),
            ("target", SystemModel.target_components),
        ):
            before_ids = {c.id for c in of(old)}
            after_ids = {c.id for c in of(new)}
            for component_id in sorted(after_ids - before_ids):
                if component_id in old_by_id:
                    attacker.setdefault(component_id, []).append(
                        Cause("attacker", component_id, f"now an attacker {role}")
                    )
            for component_id in sorted(before_ids - after_ids):
                if component_id in new_by_id:
                    attacker.setdefault(component_id, []).append(
                        Cause("attacker", component_id, f"no longer an attacker {role}")
                    )
        return cls(components, flows, {k: tuple(v) for k, v in attacker.items()})

    @property
    def empty(self) -> bool:
        """True when nothing the analysis depends on changed."""
        return not (self.components or self.flows or self.attacker)

    def causes_for(self, chains: Iterable[ChainSnapshot]) -> list[Cause]:
        """The changes that touch the steps (components and flows) of these chains, in order."""
        found: dict[tuple[str, str], Cause] = {}
        for chain in chains:
            for position, ((component_id, _), flow) in enumerate(
                zip(chain.keys, chain.flows, strict=True)
            ):
                if flow is not None and flow in self.flows:
                    found.setdefault(("flow", _flow_text(flow)), self.flows[flow])
                if component_id in self.components:
                    found.setdefault(("component", component_id), self.components[component_id])
                roles = self.attacker.get(component_id, ())
                for cause in roles:
                    relevant = ("entry" in cause.change and position == 0) or (
                        "target" in cause.change and position == len(chain.keys) - 1
                    )
                    if relevant:
                        found.setdefault(("attacker", str(cause)), cause)
        return list(found.values())


# -- diff -----------------------------------------------------------------------------------------

ChangeStatus = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class ChainChange:
    """One line of a diff: a chain added, removed, or changed in risk or band.

    ``risk_before``/``band_before`` are None for an added chain that did not exist before;
    ``risk_after``/``band_after`` are None for a removed chain that no longer exists. A chain can
    be "removed" and still exist, when another chain became the best of its entry/target pair:
    then its current risk is given and a ``pair`` cause says which chain took its place.
    """

    status: ChangeStatus
    chain: ChainSnapshot
    risk_before: float | None
    risk_after: float | None
    band_before: Band | None
    band_after: Band | None
    causes: tuple[Cause, ...]

    @property
    def id(self) -> str:
        return self.chain.id

    @property
    def signature(self) -> str:
        return self.chain.signature

    @property
    def path(self) -> str:
        return self.chain.path

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "layers": self.signature,
            "path": self.path,
            "entry": self.chain.entry,
            "target": self.chain.target,
            "risk_before": None if self.risk_before is None else round(self.risk_before, 4),
            "risk_after": None if self.risk_after is None else round(self.risk_after, 4),
            "band_before": self.band_before.value if self.band_before else None,
            "band_after": self.band_after.value if self.band_after else None,
            "causes": [cause.to_record() for cause in self.causes],
        }


@dataclass(frozen=True)
class DiffSide:
    """What one side of a diff was: a model (analysed) or a saved ``paths`` report."""

    label: str
    model: str
    catalog_version: str | None
    kind: Literal["model", "report"]

    def to_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ChainDiff:
    """Chains added, removed and changed between two versions (see :func:`diff_chains`)."""

    added: tuple[ChainChange, ...]
    removed: tuple[ChainChange, ...]
    changed: tuple[ChainChange, ...]
    unchanged: int
    min_band: Band
    old: DiffSide | None = None
    new: DiffSide | None = None
    scope: str = ""
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when no chain was added, removed or changed."""
        return not (self.added or self.removed or self.changed)

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)

    def to_record(self) -> dict[str, Any]:
        return {
            "old": self.old.to_record() if self.old else None,
            "new": self.new.to_record() if self.new else None,
            "min_band": self.min_band.value,
            "scope": self.scope,
            "summary": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
                "unchanged": self.unchanged,
            },
            "added": [c.to_record() for c in self.added],
            "removed": [c.to_record() for c in self.removed],
            "changed": [c.to_record() for c in self.changed],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Exact:
    likelihood: float
    risk: float
    band: Band


def _exact_risk(graph: AttackGraph, chain: ChainSnapshot, *, any_start: bool) -> _Exact | None:
    """The chain's likelihood, risk and band in ``graph``, or None when it cannot happen there
    (a state or transition is missing, or its first component is no longer an entry)."""
    try:
        path = [graph.state_index[key] for key in chain.keys]
        likelihood, risk = path_risk(graph, path)
    except KeyError:
        return None
    if not any_start and path[0] not in set(graph.entry_states):
        return None
    targets = graph.model.attacker.targets if graph.model.attacker else None
    if targets is not None and chain.target not in targets:
        return None
    return _Exact(likelihood, risk, band_for(likelihood, chain_impact(graph, path)))


def _order(changes: Iterable[ChainChange], key: str) -> tuple[ChainChange, ...]:
    def risk(change: ChainChange) -> float:
        value = change.risk_after if key == "after" else change.risk_before
        return -(value if value is not None else -1.0)

    return tuple(sorted(changes, key=lambda c: (risk(c), c.id)))


def _significant(
    before: float, after: float, band_before: Band, band_after: Band, tolerance: float
) -> bool:
    return band_before is not band_after or not math.isclose(
        before, after, rel_tol=0.0, abs_tol=tolerance
    )


def diff_chains(
    old_chains: Iterable[Chain | ChainSnapshot],
    new_chains: Iterable[Chain | ChainSnapshot],
    old_model: SystemModel | None = None,
    new_model: SystemModel | None = None,
    *,
    min_band: Band | str = Band.LOW,
    tolerance: float = RISK_TOLERANCE,
    old_graph: AttackGraph | None = None,
    new_graph: AttackGraph | None = None,
    any_start: bool = False,
    catalog_versions: tuple[str | None, str | None] = (None, None),
) -> ChainDiff:
    """Compare two sets of chains by fingerprint and explain each difference.

    A chain is **added** when it is in ``new_chains`` only, **removed** when in ``old_chains``
    only, **changed** when in both with a risk differing by more than ``tolerance`` or another
    band. Only differences where either side is at or above ``min_band`` are reported.

    Causes come from comparing the two models (when both are given): for an added chain, the
    components and flows of its steps that are new or changed (kind, layer, exposure, trust,
    criticality, controls), and attacker entry/target changes; for a removed chain, those removed
    or changed; for a changed one, those changed on either version of the chain. With the attack
    graphs, a chain missing from one side is looked up exactly in the other: it may still exist
    but no longer be the best chain of its entry/target pair (a ``pair`` cause names the chain
    that took its place), or have fallen below ``min_band`` (then it is reported as changed).

    Parameters
    ----------
    old_chains, new_chains : iterable of Chain or ChainSnapshot
        Best chain per entry/target pair, as :meth:`Analysis.gate_chains` returns them.
    old_model, new_model : SystemModel, optional
        The two versions; without them no component or flow cause is given.
    min_band : Band or str, default "low"
    tolerance : float
        Smallest risk difference that counts.
    old_graph, new_graph : AttackGraph, optional
        For exact look-ups of chains missing from one side.
    any_start : bool
        The chains may start anywhere (assume breach), not only at entry states.
    catalog_versions : (str or None, str or None)
        When they differ, a ``catalog`` cause is added to differences no model change explains.

    Returns
    -------
    ChainDiff

    Raises
    ------
    MaestroInputError
        For an unknown band.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> chains = mg.analyze(mg.example("netmon")).gate_chains("high")
    >>> result = diff_chains(chains[1:], chains)
    >>> [change.id for change in result.added] == [chains[0].id]
    True
    >>> result.removed, result.changed
    ((), ())
    """
    band = _parse_band(min_band, "--min-band")
    old = {c.id: c for c in map(ChainSnapshot.of, old_chains)}
    new = {c.id: c for c in map(ChainSnapshot.of, new_chains)}
    delta = ModelDelta.between(old_model, new_model) if old_model and new_model else None
    catalog_changed = None not in catalog_versions and catalog_versions[0] != catalog_versions[1]
    old_pairs = {(c.entry, c.target): c for c in old.values()}
    new_pairs = {(c.entry, c.target): c for c in new.values()}

    def reportable(*bands: Band | None) -> bool:
        return any(b is not None and b.rank >= band.rank for b in bands)

    def finish(causes: list[Cause]) -> tuple[Cause, ...]:
        if catalog_changed and not any(c.kind in {"component", "flow"} for c in causes):
            causes.append(
                Cause(
                    "catalog",
                    f"{catalog_versions[0]} -> {catalog_versions[1]}",
                    "changed",
                    ("the rules changed; their likelihoods or propagation may explain this",),
                )
            )
        if not causes:
            causes.append(
                Cause("unknown", "", "no component or flow on this chain changed", ())
                if delta is not None
                else Cause("unknown", "", "no old model to compare with", ())
            )
        return tuple(causes)

    added: list[ChainChange] = []
    removed: list[ChainChange] = []
    changed: list[ChainChange] = []
    unchanged = 0
    for chain_id, chain in new.items():
        before = old.get(chain_id)
        if before is not None:
            if not reportable(before.band, chain.band):
                continue
            if not _significant(before.risk, chain.risk, before.band, chain.band, tolerance):
                unchanged += 1
                continue
            causes = delta.causes_for([before, chain]) if delta else []
            changed.append(
                ChainChange(
                    "changed",
                    chain,
                    before.risk,
                    chain.risk,
                    before.band,
                    chain.band,
                    finish(causes),
                )
            )
            continue
        exact = _exact_risk(old_graph, chain, any_start=any_start) if old_graph else None
        displaced = old_pairs.get((chain.entry, chain.target))
        if exact is not None and displaced is None:
            # It existed, below the compared band: its risk changed.
            if not reportable(exact.band, chain.band):
                continue
            causes = delta.causes_for([chain]) if delta else []
            changed.append(
                ChainChange(
                    "changed", chain, exact.risk, chain.risk, exact.band, chain.band, finish(causes)
                )
            )
            continue
        if not reportable(chain.band):
            continue
        causes = delta.causes_for([chain]) if delta else []
        if displaced is not None:
            causes.append(
                Cause(
                    "pair",
                    f"{chain.entry} -> {chain.target}",
                    f"now has this chain as its best, replacing {displaced.id}",
                    (f"{displaced.id} had risk {displaced.risk:.3f}",)
                    + ((f"this chain had risk {exact.risk:.3f} before",) if exact else ()),
                )
            )
        added.append(
            ChainChange(
                "added",
                chain,
                exact.risk if exact else None,
                chain.risk,
                exact.band if exact else None,
                chain.band,
                finish(causes),
            )
        )
    for chain_id, chain in old.items():
        if chain_id in new:
            continue
        exact = _exact_risk(new_graph, chain, any_start=any_start) if new_graph else None
        successor = new_pairs.get((chain.entry, chain.target))
        if exact is not None and successor is None:
            if not reportable(chain.band, exact.band):
                continue
            causes = delta.causes_for([chain]) if delta else []
            changed.append(
                ChainChange(
                    "changed", chain, chain.risk, exact.risk, chain.band, exact.band, finish(causes)
                )
            )
            continue
        if not reportable(chain.band):
            continue
        causes = delta.causes_for([chain]) if delta else []
        if successor is not None:
            causes.append(
                Cause(
                    "pair",
                    f"{chain.entry} -> {chain.target}",
                    f"now has {successor.id} as its best chain",
                    (f"{successor.id} has risk {successor.risk:.3f}",)
                    + ((f"this chain still has risk {exact.risk:.3f}",) if exact else ()),
                )
            )
        removed.append(
            ChainChange(
                "removed",
                chain,
                chain.risk,
                exact.risk if exact else None,
                chain.band,
                exact.band if exact else None,
                finish(causes),
            )
        )
    return ChainDiff(
        added=_order(added, "after"),
        removed=_order(removed, "before"),
        changed=tuple(
            sorted(
                changed,
                key=lambda c: (-abs((c.risk_after or 0) - (c.risk_before or 0)), c.id),
            )
        ),
        unchanged=unchanged,
        min_band=band,
    )


def _scope_text(band: Band, max_hops: int) -> str:
    return (
        f"chains at or above {band.value}; best chain per entry/target pair; "
        f"at most {max_hops} hops"
    )


def diff_analyses(
    old: Analysis,
    new: Analysis,
    *,
    min_band: Band | str = Band.LOW,
    max_hops: int = 6,
    labels: tuple[str, str] | None = None,
) -> ChainDiff:
    """The chains added, removed and changed between two analysed versions of a model.

    Parameters
    ----------
    old, new : Analysis
    min_band : Band or str, default "low"
        Report differences where either version of the chain is at or above this band.
    max_hops : int, default 6
    labels : (str, str), optional
        How to name the two sides (default: their files, else their model names).

    Returns
    -------
    ChainDiff

    Raises
    ------
    MaestroInputError
        For an unknown band or a hop bound out of range.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> before = mg.analyze(mg.example("netmon"))
    >>> after = before.with_controls(["tuner:memory-isolation"])
    >>> result = diff_analyses(before, after, min_band="high")
    >>> result.added == () and len(result.removed) + len(result.changed) > 0
    True
    >>> any("memory-isolation" in str(cause) for c in result.changed for cause in c.causes)
    True
    """
    band = _parse_band(min_band, "--min-band")
    old_chains = old.gate_chains(band, max_hops=max_hops)
    new_chains = new.gate_chains(band, max_hops=max_hops)
    result = diff_chains(
        old_chains,
        new_chains,
        old.model,
        new.model,
        min_band=band,
        old_graph=old.attack_graph,
        new_graph=new.attack_graph,
        catalog_versions=(old.catalog.version, new.catalog.version),
    )
    old_label, new_label = labels or (
        old.model.source or old.model.name,
        new.model.source or new.model.name,
    )
    notes = []
    if old.catalog.version != new.catalog.version:
        notes.append(
            f"the two sides were analysed with different catalogs ({old.catalog.version} and "
            f"{new.catalog.version}): fingerprints and risks may have moved because rules changed"
        )
    return dataclasses.replace(
        result,
        old=DiffSide(old_label, old.model.name, old.catalog.version, "model"),
        new=DiffSide(new_label, new.model.name, new.catalog.version, "model"),
        scope=_scope_text(band, max_hops),
        notes=tuple(notes),
    )


# -- saved `paths --format json` reports ----------------------------------------------------------


class _ReportFlow(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    kind: str


class _ReportStep(BaseModel):
    model_config = ConfigDict(extra="ignore")
    component: str
    threat: str
    flow: _ReportFlow | None = None
    likelihood: float | None = None


def _parse_band_value(value: Any) -> Any:
    if isinstance(value, str):
        return Band.parse(value)
    return value


BandField = Annotated[Band, BeforeValidator(_parse_band_value)]
Fingerprint = Annotated[str, Field(pattern=FINGERPRINT_PATTERN)]


class _ReportChain(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: Fingerprint
    risk: float = Field(ge=0)
    band: BandField
    layers: list[str] = Field(default_factory=list)
    steps: list[_ReportStep] = Field(min_length=1)


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str
    catalog_version: str | None = None
    query: str | None = None
    chains: list[_ReportChain]


@dataclass(frozen=True)
class SavedReport:
    """A saved ``maestro-graph paths --format json`` output, used as the old side of a diff.

    Attributes
    ----------
    source : str
        The file.
    model : str
        The model name recorded in it.
    catalog_version : str or None
    query : str or None
        The ``query`` line: what was searched.
    chains : tuple of ChainSnapshot
    """

    source: str
    model: str
    catalog_version: str | None
    query: str | None
    chains: tuple[ChainSnapshot, ...]


def is_report_data(data: Any) -> bool:
    """True when parsed data looks like a ``paths --format json`` output, not a model."""
    return isinstance(data, dict) and "chains" in data and "maestro" not in data


def report_from_document(document: Document) -> SavedReport:
    """Validate a parsed ``paths --format json`` document.

    Raises
    ------
    MaestroInputError
        For missing or mistyped fields, malformed fingerprints, and ids that do not match the
        chain's own steps, each with its line.
    """
    try:
        report = _Report.model_validate(document.data)
    except ValidationError as error:
        raise MaestroInputError(_validation_problems(error, document, _Report)) from None
    problems = []
    chains = []
    for index, record in enumerate(report.chains):
        keys = tuple((step.component, step.threat) for step in record.steps)
        if chain_fingerprint(keys) != record.id:
            problems.append(
                document.problem(
                    ("chains", index, "id"),
                    f"chains[{index}].id: {record.id} is not the fingerprint of the chain's steps "
                    f"({chain_fingerprint(keys)}); was the file edited by hand?",
                )
            )
            continue
        layers = record.layers or []
        chains.append(
            ChainSnapshot(
                id=record.id,
                signature=" > ".join(layers),
                path=" > ".join(f"{c}[{t}]" for c, t in keys),
                risk=record.risk,
                band=record.band,
                keys=keys,
                flows=tuple(
                    (s.flow.source, s.flow.target, s.flow.kind) if s.flow else None
                    for s in record.steps
                ),
                likelihoods=tuple(s.likelihood for s in record.steps),
            )
        )
    if problems:
        raise MaestroInputError(problems)
    return SavedReport(
        document.source, report.model, report.catalog_version, report.query, tuple(chains)
    )


def parse_query_description(text: str | None) -> tuple[dict[str, Any], list[str]]:
    """Read back the ``query`` line of a saved ``paths`` report into search options.

    Returns the options for :meth:`Analysis.query` and the parts that were not understood.

    Examples
    --------
    >>> parse_query_description("any layer mix; all chains; at most 4 hops; from L2,L7")
    ({'distinct': 'none', 'max_hops': 4, 'source_layers': ['L2', 'L7']}, [])
    >>> parse_query_description("cross-layer only; best chain per entry/target pair; x y")
    ({'cross_layer_only': True, 'distinct': 'pair'}, ['x y'])
    """
    options: dict[str, Any] = {}
    unknown: list[str] = []
    for part in (p.strip() for p in (text or "").split(";")):
        if not part or part in {"any layer mix", "single-layer included", "best chain per route"}:
            continue
        if part in {"cross-layer", "cross-layer only"}:  # "cross-layer" was the old default
            options["cross_layer_only"] = True
        elif part == "best chain per entry/target pair":
            options["distinct"] = "pair"
        elif part == "all chains":
            options["distinct"] = "none"
        elif part.startswith("assume breach"):
            options["assume_breach"] = True
        elif match := re.fullmatch(r"at most (\d+) hops", part):
            options["max_hops"] = int(match.group(1))
        elif match := re.fullmatch(r"(from|to|through|entry|target) (\S+)", part):
            name = {
                "from": "source_layers",
                "to": "target_layers",
                "through": "through_layers",
                "entry": "entry",
                "target": "target",
            }[match.group(1)]
            options[name] = match.group(2).split(",")
        else:
            unknown.append(part)
    return options, unknown


def diff_report(
    report: SavedReport,
    new: Analysis,
    *,
    min_band: Band | str = Band.LOW,
    labels: tuple[str, str] | None = None,
) -> ChainDiff:
    """Compare a saved ``paths --format json`` report with a model's current chains.

    The new side is searched with the report's own options (read back from its ``query`` line).
    A saved report may be a top N, so a current chain missing from it counts as added only when
    its risk reaches the report's lowest risk (it would have been listed); a report chain missing
    from the current ones is looked up exactly in the current attack graph. No old model is
    available: chains are compared by id, risk and band, and causes come from the new model only
    (components and flows of a removed chain that no longer exist; for a changed chain, the steps
    whose likelihood moved, with the controls now in place).

    Parameters
    ----------
    report : SavedReport
        From :func:`read_diff_input` or :func:`report_from_document`.
    new : Analysis
    min_band : Band or str, default "low"
    labels : (str, str), optional
        How to name the two sides (default: the report's file and the model's).

    Returns
    -------
    ChainDiff

    Raises
    ------
    MaestroInputError
        When the report's options do not apply to the new model (e.g. an unknown component).

    Examples
    --------
    >>> import json
    >>> import maestro_graph as mg
    >>> from maestro_graph.loading import parse_document
    >>> analysis = mg.analyze(mg.example("netmon"))
    >>> shown = analysis.paths(top=5, max_hops=6, distinct="pair", cross_layer_only=True)
    >>> saved = {"model": analysis.model.name, "chains": shown.to_records(),
    ...          "query": "cross-layer; best chain per entry/target pair; at most 6 hops"}
    >>> report = report_from_document(parse_document(json.dumps(saved), "c.json", is_json=True))
    >>> diff_report(report, analysis).empty
    True
    """
    band = _parse_band(min_band, "--min-band")
    options, unknown = parse_query_description(report.query)
    options.setdefault("max_hops", 6)
    query = new.query(top=None, **options)
    # A chain tied with the report's last one may have been cut by the tie-break: only chains
    # above the report's lowest risk would certainly have been listed.
    cutoff = min((c.risk for c in report.chains), default=0.0)
    listed = {c.id for c in report.chains}
    floor = max(band_floor(band), cutoff - RISK_TOLERANCE, 0.0)
    query = dataclasses.replace(query, min_risk=floor)
    current = [
        c
        for c in search_chains(new.attack_graph, query)
        if c.band.rank >= band.rank
        and (c.id in listed or not report.chains or c.risk > cutoff + RISK_TOLERANCE)
    ]
    result = diff_chains(
        report.chains,
        current,
        min_band=band,
        new_graph=new.attack_graph,
        any_start=query.assume_breach,
        catalog_versions=(report.catalog_version, new.catalog.version),
    )
    model = new.model
    flows = _flows_by_key(model)

    def report_causes(change: ChainChange) -> tuple[Cause, ...]:
        causes = [c for c in change.causes if c.kind in {"pair", "catalog"}]
        chain = change.chain
        if change.status == "removed":
            for component_id, _ in chain.keys:
                if not model.has_component(component_id):
                    causes.append(Cause("component", component_id, "removed"))
            for flow in chain.flows:
                if flow is not None and flow not in flows:
                    causes.append(Cause("flow", _flow_text(flow), "removed"))
        if change.status == "changed" and chain.likelihoods:
            now = _current_steps(new, chain)
            for number, ((component_id, threat), before, after) in enumerate(
                zip(chain.keys, chain.likelihoods, now, strict=False), start=1
            ):
                if before is None or after is None or math.isclose(before, after, abs_tol=1e-6):
                    continue
                where = (
                    _describe_controls(model.component(component_id).controls)
                    if model.has_component(component_id)
                    else ""
                )
                step_flow = chain.flows[number - 1]
                if step_flow is not None and step_flow in flows:
                    where += f"; flow {_flow_text(step_flow)} " + _describe_controls(
                        flows[step_flow].controls
                    )
                causes.append(
                    Cause(
                        "step",
                        f"{number} {component_id}[{threat}]",
                        f"likelihood {before:.3f} -> {after:.3f}",
                        (f"component {component_id} {where}",),
                    )
                )
        if not causes:
            causes.append(
                Cause(
                    "unknown",
                    "",
                    "no old model: the cause cannot be derived from a saved report",
                )
            )
        return tuple(causes)

    def rebuild(changes: tuple[ChainChange, ...]) -> tuple[ChainChange, ...]:
        return tuple(dataclasses.replace(c, causes=report_causes(c)) for c in changes)

    # Current chains below the report's lowest risk were not searched (they would not have been
    # listed); report chains that fell below it were looked up exactly.
    notes = [
        "OLD is a saved paths report, not a model: chains are compared by id, risk and band; "
        "causes are derived from the new model only"
    ]
    if report.chains:
        notes.append(
            f"current chains not above the report's lowest risk ({cutoff:.4f}) are not "
            "compared (a saved report may be a top N)"
        )
    if unknown:
        notes.append(f"ignored parts of the report's query: {'; '.join(unknown)}")
    if report.catalog_version and report.catalog_version != new.catalog.version:
        notes.append(
            f"the report was made with catalog {report.catalog_version}, the model is analysed "
            f"with {new.catalog.version}: fingerprints and risks may have moved because rules "
            "changed"
        )
    old_label, new_label = labels or (report.source, model.source or model.name)
    return dataclasses.replace(
        result,
        added=rebuild(result.added),
        removed=rebuild(result.removed),
        changed=rebuild(result.changed),
        old=DiffSide(old_label, report.model, report.catalog_version, "report"),
        new=DiffSide(new_label, model.name, new.catalog.version, "model"),
        scope=f"chains at or above {band.value}; searched as the report: "
        + (report.query or _scope_text(band, options["max_hops"]).split("; ", 1)[1]),
        notes=tuple(notes),
    )


def _describe_controls(controls: Sequence[str]) -> str:
    return "controls now: " + (", ".join(controls) or "none")


def _current_steps(analysis: Analysis, chain: ChainSnapshot) -> list[float | None]:
    graph = analysis.attack_graph
    try:
        path = [graph.state_index[key] for key in chain.keys]
    except KeyError:
        return []
    likelihoods: list[float | None] = [graph.states[path[0]].start_likelihood]
    for source, target in pairwise(path):
        found = next(
            (
                graph.transitions[t].likelihood
                for t in graph.successors[source]
                if graph.transitions[t].target == target
            ),
            None,
        )
        likelihoods.append(found)
    return likelihoods


def read_diff_input(
    path: str | Path, catalog: Catalog, *, limits: Limits = DEFAULT_LIMITS
) -> SystemModel | SavedReport:
    """Read one side of ``maestro-graph diff``: a model file, or a saved ``paths`` JSON report.

    Parameters
    ----------
    path : str or Path
    catalog : Catalog
        The vocabulary a model is checked against.
    limits : Limits

    Returns
    -------
    SystemModel or SavedReport
        A report when the file holds ``chains`` and no ``maestro`` key.

    Raises
    ------
    MaestroInputError
        For a missing or malformed file.
    """
    document = read_document(path, limits=limits)
    if is_report_data(document.data):
        return report_from_document(document)
    return checked_model(document, catalog, limits=limits)


# -- baseline ------------------------------------------------------------------------------------


def _none_as_empty(value: Any) -> Any:
    return [] if value is None else value


class Acceptance(Acceptable, BaseModel):
    """One accepted chain of a baseline file.

    ``layers``, ``path``, ``band`` and ``risk`` record what was accepted, for the reader and for
    ``check`` (a chain whose band rose above the accepted ``band`` fails again).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Fingerprint = Field(description="Chain fingerprint, c- and 12 hex digits")
    layers: str | None = Field(None, description="Layer signature when accepted, e.g. L2 > L3")
    path: str | None = Field(None, description="The chain's steps when accepted")
    band: BandField | None = Field(None, description="Band when accepted")
    risk: float | None = Field(None, ge=0, description="Risk when accepted")
    justification: str = Field(min_length=1, description="Why the chain is accepted")
    owner: str = Field(min_length=1, description="Who answers for the acceptance")
    expires: dt.date = Field(description="Last day the acceptance holds (YYYY-MM-DD)")

    @property
    def label(self) -> str:
        """How messages name the acceptance: the chain's fingerprint."""
        return self.id


def _plain_value(value: Any) -> Any:
    if isinstance(value, Band):
        return value.value
    if isinstance(value, dt.date):
        # A fresh object per entry: the YAML writer would turn a shared one into an alias.
        return dt.date.fromordinal(value.toordinal())
    return value


class Baseline(BaseModel):
    """A baseline file: the chains accepted as known risks (DESIGN section 7)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    maestro_baseline: Literal[1] = Field(description="Baseline format version")
    model: str | None = Field(None, description="Name of the model the baseline was made for")
    catalog_version: str | None = Field(None, description="Catalog version it was made with")
    created: dt.date | None = Field(None, description="When it was written")
    accepted: Annotated[list[Acceptance], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list, description="The accepted chains"
    )
    accepted_patterns: Annotated[list[PatternAcceptance], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list,
        description="Chains accepted by entry, target, layer pair or rule, with wildcards "
        "(maestro_graph.patterns)",
    )

    _source: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """The file the baseline was read from, if any."""
        return self._source

    def entry(self, chain_id: str) -> Acceptance | None:
        """The acceptance of a chain id, if any."""
        return next((a for a in self.accepted if a.id == chain_id), None)

    @property
    def entries(self) -> tuple[Acceptance | PatternAcceptance, ...]:
        """Every acceptance: by fingerprint, then by pattern."""
        return (*self.accepted, *self.accepted_patterns)

    def to_data(self) -> dict[str, Any]:
        """Plain data in the file format (``accepted_patterns`` only when there are some)."""
        data = self.model_dump(mode="python")
        for key in ("accepted", "accepted_patterns"):
            data[key] = [
                {name: _plain_value(value) for name, value in entry.items() if value is not None}
                for entry in data[key]
            ]
        # A pattern's wildcard fields say nothing: the file shows what each one matches on.
        data["accepted_patterns"] = [
            {name: value for name, value in entry.items() if value != "*"}
            for entry in data["accepted_patterns"]
        ]
        if not data["accepted_patterns"]:
            del data["accepted_patterns"]
        return {key: value for key, value in data.items() if value is not None}

    def to_yaml(self) -> str:
        """The baseline file's text (comments, then the data).

        Examples
        --------
        >>> text = Baseline(maestro_baseline=1, model="x").to_yaml()
        >>> text.splitlines()[-2:]
        ['model: x', 'accepted: []']
        """
        return _BASELINE_HEADER + dump_yaml(self.to_data())


_BASELINE_HEADER = """\
# maestro-graph baseline: attack chains accepted as known risks.
# `maestro-graph check MODEL --baseline THIS_FILE --fail-on high` fails on every chain at or above
# the band that is not listed here, whose acceptance has expired, or whose band rose above the one
# it was accepted at. Give each entry a real justification and owner; renew an acceptance by
# moving its expiry date after a review; `maestro-graph baseline MODEL -o THIS_FILE --update`
# refreshes the list and keeps what was filled in.
"""


def _parse_band(value: Band | str, option: str) -> Band:
    try:
        return Band.parse(value)
    except ValueError as error:
        raise MaestroInputError.single(option, None, str(error)) from None


def _chain_owner(chain: Chain) -> str:
    """Who answers for accepting a chain: its components' owners, else the placeholder."""
    return ", ".join(chain.owners) or DEFAULT_OWNER


def make_baseline(
    analysis: Analysis,
    min_band: Band | str = Band.MEDIUM,
    *,
    owner: str | None = None,
    justification: str = DEFAULT_JUSTIFICATION,
    expires_in: int = DEFAULT_EXPIRY_DAYS,
    today: dt.date | None = None,
    previous: Baseline | None = None,
    max_hops: int = 6,
    group_by: GroupBy = "chain",
) -> Baseline:
    """Accept every current chain at or above ``min_band``.

    Parameters
    ----------
    analysis : Analysis
    min_band : Band or str, default "medium"
        Which chains to accept.
    owner : str, optional
        Written into every new entry when given. By default each new entry names the owners of
        the components its chain crosses (:attr:`Chain.owners`, joined with ", "), or the
        ``TODO`` placeholder when it crosses no owned component.
    justification : str
        Written into every new entry (a placeholder by default, for a human to fill in).
    expires_in : int, default 90
        Days from ``today`` until new acceptances expire.
    today : date, optional
        Default: the current date.
    previous : Baseline, optional
        An existing baseline: entries for chains still present keep their justification, owner
        and expiry; entries for chains that are gone are dropped. With ``group_by="chain"`` its
        patterns are kept as they are; otherwise patterns with the same fields keep their
        justification, owner and expiry, and its fingerprint entries are dropped.
    max_hops : int, default 6
    group_by : "chain", "pair", "target" or "layers"
        ``chain`` (default): one fingerprint entry per chain. Otherwise one pattern per group
        (:mod:`maestro_graph.patterns`): per (entry, target) component pair, per target
        component, or per (entry layer, target layer); each records the highest band of its
        chains and how many there are, so a large model needs few justifications.

    Returns
    -------
    Baseline

    Raises
    ------
    MaestroInputError
        For an unknown band, a blank ``owner``, or ``expires_in`` below 1.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> baseline = make_baseline(mg.analyze(mg.example("netmon")), "high",
    ...                          today=dt.date(2026, 11, 21))
    >>> entry = baseline.accepted[0]
    >>> entry.id, entry.layers, entry.band.value, entry.expires.isoformat()
    ('c-3882389f37a5', 'L2 > L3', 'high', '2027-02-19')
    >>> grouped = make_baseline(mg.analyze(mg.example("netmon")), "high", group_by="layers",
    ...                         today=dt.date(2026, 11, 21))
    >>> [(p.describe(), p.chains) for p in grouped.accepted_patterns][:1]
    [('entry_layer=L2 target_layer=L3', 1)]
    """
    band = _parse_band(min_band, "--min-band")
    if owner is not None and not owner.strip():
        raise MaestroInputError.single(
            "--owner", None, "must name a team, a person or a role, got an empty value"
        )
    if expires_in < 1:
        raise MaestroInputError.single(
            "--expires-in", None, f"must be at least 1 day, got {expires_in}"
        )
    today = today or dt.date.today()
    expires = today + dt.timedelta(days=expires_in)
    chains = analysis.gate_chains(band, max_hops=max_hops)
    baseline = Baseline(
        maestro_baseline=BASELINE_FORMAT,
        model=analysis.model.name,
        catalog_version=analysis.catalog.version,
        created=today,
    )
    if group_by != "chain":
        patterns = _patterns_for(chains, group_by, owner, justification, expires, previous)
        return baseline.model_copy(update={"accepted_patterns": patterns})
    kept = {entry.id: entry for entry in previous.accepted} if previous else {}
    accepted = []
    for chain in chains:
        before = kept.get(chain.id)
        accepted.append(
            Acceptance(
                id=chain.id,
                layers=chain.signature,
                path=chain.path_text,
                band=chain.band,
                risk=round(chain.risk, 4),
                justification=before.justification if before else justification,
                owner=before.owner if before else (owner or _chain_owner(chain)).strip(),
                expires=before.expires if before else expires,
            )
        )
    # Patterns are written by people (or by --group-by): refreshing the chain entries keeps them.
    kept_patterns = list(previous.accepted_patterns) if previous else []
    return baseline.model_copy(update={"accepted": accepted, "accepted_patterns": kept_patterns})


def _patterns_for(
    chains: Sequence[Chain],
    group_by: GroupBy,
    owner: str | None,
    justification: str,
    expires: dt.date,
    previous: Baseline | None,
) -> list[PatternAcceptance]:
    """One pattern per group of chains (see :func:`make_baseline`)."""
    kept = {p.criteria(): p for p in previous.accepted_patterns} if previous else {}
    patterns = []
    for criteria, members in group_chains(chains, group_by):
        owners = dict.fromkeys(name for chain in members for name in chain.owners)
        fresh = PatternAcceptance(
            **criteria,
            band=max((chain.band for chain in members), key=lambda b: b.rank),
            chains=len(members),
            justification=justification,
            owner=(owner or ", ".join(owners) or DEFAULT_OWNER).strip(),
            expires=expires,
        )
        before = kept.get(fresh.criteria())
        if before is not None:
            fresh = fresh.model_copy(
                update={
                    "justification": before.justification,
                    "owner": before.owner,
                    "expires": before.expires,
                }
            )
        patterns.append(fresh)
    return patterns


def _location_text(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _fields_at(root: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    current: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if info is None:
            return []
        annotation = info.annotation
        args = getattr(annotation, "__args__", ()) or ()
        nested = [
            a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not nested:
            return []
        current = nested[0]
    fields = getattr(current, "model_fields", {})
    return [info.alias or name for name, info in fields.items()]


def _validation_problems(
    error: ValidationError, document: Document, root: type[BaseModel]
) -> list[Problem]:
    problems = set()
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        name = str(loc[-1]) if loc else ""
        where = _location_text(loc)
        if kind == "missing":
            parent = _location_text(loc[:-1]) or "baseline"
            message = f"{parent}: missing required field {name!r}"
        elif kind == "extra_forbidden":
            hint = did_you_mean(name, _fields_at(root, loc[:-1]))
            message = f"{where}: unknown field {name!r}{hint}"
        elif kind == "string_pattern_mismatch" and name == "id":
            message = (
                f"{where}: {item['input']!r} is not a chain fingerprint; expected 'c-' and 12 "
                "lower-case hex digits, as in the id column of maestro-graph paths"
            )
        elif kind == "literal_error" and loc == ("maestro_baseline",):
            message = (
                f"maestro_baseline: unsupported baseline format {item['input']!r}; this version "
                f"reads format {BASELINE_FORMAT}"
            )
        elif kind == "model_type" and not loc:
            message = "the file must be a mapping"
        else:
            message = f"{where}: " + str(item["msg"]).removeprefix("Value error, ")
            value = item.get("input")
            if isinstance(value, str | int | float | bool | dt.date) or value is None:
                message += f", got {value!r}"
        problems.add(document.problem(loc, message))
    return sorted(problems, key=lambda p: (p.line or 0, p.message))


def baseline_from_document(document: Document) -> Baseline:
    """Validate a parsed baseline document.

    Raises
    ------
    MaestroInputError
        Listing every problem (wrong types, missing fields, bad dates, malformed fingerprints,
        duplicate ids), each as ``FILE:LINE: message``.

    Examples
    --------
    >>> from maestro_graph.loading import parse_document
    >>> text = '''maestro_baseline: 1
    ... accepted:
    ...   - id: c-12345
    ...     justification: known
    ...     owner: sec
    ...     expires: 2027-01-01
    ... '''
    >>> baseline_from_document(parse_document(text, "base.yaml"))
    Traceback (most recent call last):
    ...
    maestro_graph.errors.MaestroInputError: base.yaml:3: accepted[0].id: 'c-12345' is not a ...
    """
    data = document.data
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise MaestroInputError(
            [
                document.problem(
                    (),
                    "a baseline file must be a mapping with 'maestro_baseline' and 'accepted' "
                    f"keys; found {found} (write one with: maestro-graph baseline MODEL -o FILE)",
                )
            ]
        )
    if "maestro_baseline" not in data and "maestro" in data:
        raise MaestroInputError(
            [
                document.problem(
                    (),
                    "this is a model file, not a baseline (write a baseline with: "
                    "maestro-graph baseline MODEL -o FILE)",
                )
            ]
        )
    try:
        baseline = Baseline.model_validate(data)
    except ValidationError as error:
        raise MaestroInputError(_validation_problems(error, document, Baseline)) from None
    problems = []
    first: dict[str, int] = {}
    for index, entry in enumerate(baseline.accepted):
        if entry.id in first:
            problems.append(
                document.problem(
                    ("accepted", index, "id"),
                    f"accepted[{index}].id: duplicate id {entry.id} (first listed as "
                    f"accepted[{first[entry.id]}]); keep one entry per chain",
                )
            )
        else:
            first[entry.id] = index
    first_pattern: dict[tuple[str, ...], int] = {}
    for index, pattern in enumerate(baseline.accepted_patterns):
        criteria = pattern.criteria()
        if criteria in first_pattern:
            problems.append(
                document.problem(
                    ("accepted_patterns", index),
                    f"accepted_patterns[{index}]: the same pattern as "
                    f"accepted_patterns[{first_pattern[criteria]}] ({pattern.describe()}); "
                    "keep one",
                )
            )
        else:
            first_pattern[criteria] = index
    if problems:
        raise MaestroInputError(problems)
    baseline._source = document.source
    return baseline


def load_baseline(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Baseline:
    """Read and validate a baseline file.

    Raises
    ------
    MaestroInputError
        For a missing or malformed file (see :func:`baseline_from_document`).
    """
    return baseline_from_document(read_document(path, limits=limits))


# -- check --------------------------------------------------------------------------------------

CheckStatus = Literal["new", "expired", "escalated", "accepted"]


@dataclass(frozen=True)
class CheckItem:
    """A chain judged by :func:`check`, with its acceptance (if any) and why it passes or fails.

    ``status``: ``new`` (not in the baseline), ``expired`` (its acceptance expired),
    ``escalated`` (its band rose above the accepted band) or ``accepted``. ``acceptance`` is
    the fingerprint entry or the pattern that judged it.
    """

    chain: Chain
    status: CheckStatus
    reason: str
    acceptance: Acceptance | PatternAcceptance | None = None

    def to_record(self) -> dict[str, Any]:
        chain = self.chain
        record: dict[str, Any] = {
            "id": chain.id,
            "status": self.status,
            "reason": self.reason,
            "risk": round(chain.risk, 4),
            "band": chain.band.value,
            "likelihood": round(chain.likelihood, 6),
            "impact": round(chain.impact, 4),
            "layers": [layer.value for layer in chain.layers],
            "entry": chain.entry,
            "target": chain.target,
            "path": chain.path_text,
        }
        if self.acceptance is not None:
            record["acceptance"] = _acceptance_record(self.acceptance)
            record["matched_by"] = (
                "pattern" if isinstance(self.acceptance, PatternAcceptance) else "fingerprint"
            )
        return record


def _acceptance_record(entry: Acceptance | PatternAcceptance) -> dict[str, Any]:
    return entry.model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check`.

    Attributes
    ----------
    failing : tuple of CheckItem
        Chains at or above ``fail_on`` that are not accepted (``new``), whose acceptance expired
        (``expired``) or whose band rose above the accepted one (``escalated``); highest risk
        first.
    accepted : tuple of CheckItem
        Chains at or above ``fail_on`` with a valid acceptance.
    stale : tuple of Acceptance
        Baseline entries that match no current chain (in the band range the baseline covers).
    stale_patterns : tuple of PatternAcceptance
        Patterns that no current chain in that range matches.
    catalog_changed : bool
        The baseline was written with another catalog version.
    notes : tuple of str
        Things worth knowing that do not decide the verdict.
    """

    model: str
    catalog_version: str
    baseline_source: str | None
    baseline_catalog_version: str | None
    fail_on: Band
    today: dt.date
    failing: tuple[CheckItem, ...]
    accepted: tuple[CheckItem, ...]
    stale: tuple[Acceptance, ...]
    catalog_changed: bool
    notes: tuple[str, ...] = field(default=())
    stale_patterns: tuple[PatternAcceptance, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when no chain at or above ``fail_on`` fails."""
        return not self.failing

    @property
    def new(self) -> tuple[CheckItem, ...]:
        """Failing chains that are not in the baseline."""
        return tuple(item for item in self.failing if item.status == "new")

    @property
    def expired(self) -> tuple[CheckItem, ...]:
        """Failing chains whose acceptance expired."""
        return tuple(item for item in self.failing if item.status == "expired")

    @property
    def escalated(self) -> tuple[CheckItem, ...]:
        """Failing chains whose band rose above the band they were accepted at."""
        return tuple(item for item in self.failing if item.status == "escalated")

    def verdict(self) -> str:
        """One line: PASS or FAIL and the counts."""
        band = self.fail_on.value
        if self.passed:
            return (
                f"PASS: all {len(self.accepted)} chains at or above {band} are accepted in the "
                "baseline"
                if self.accepted
                else f"PASS: no chain at or above {band}"
            )
        parts = [
            f"{len(items)} {label}"
            for items, label in (
                (self.new, "new"),
                (self.expired, "expired"),
                (self.escalated, "escalated"),
            )
            if items
        ]
        return (
            f"FAIL: {', '.join(parts)} chain{'s' if len(self.failing) != 1 else ''} at or above "
            f"{band} not accepted ({len(self.accepted)} accepted)"
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "catalog_version": self.catalog_version,
            "baseline": self.baseline_source,
            "baseline_catalog_version": self.baseline_catalog_version,
            "catalog_changed": self.catalog_changed,
            "fail_on": self.fail_on.value,
            "date": self.today.isoformat(),
            "passed": self.passed,
            "verdict": self.verdict(),
            "summary": {
                "new": len(self.new),
                "expired": len(self.expired),
                "escalated": len(self.escalated),
                "accepted": len(self.accepted),
                "accepted_by_pattern": sum(
                    isinstance(item.acceptance, PatternAcceptance) for item in self.accepted
                ),
                "stale": len(self.stale),
                "stale_patterns": len(self.stale_patterns),
            },
            "failing": [item.to_record() for item in self.failing],
            "accepted": [item.to_record() for item in self.accepted],
            "stale": [_acceptance_record(entry) for entry in self.stale],
            "stale_patterns": [_acceptance_record(entry) for entry in self.stale_patterns],
            "notes": list(self.notes),
        }


def check(
    analysis: Analysis,
    baseline: Baseline,
    fail_on: Band | str = Band.HIGH,
    *,
    today: dt.date | None = None,
    max_hops: int = 6,
    evidence: Maturity | str | None = None,
    evidence_on: str = "entry",
) -> CheckResult:
    """The CI gate: judge every chain at or above ``fail_on`` against a baseline.

    A chain fails when neither its fingerprint nor a pattern accepts it, when its acceptance
    expired (the day after ``expires``), or when its band rose above the band recorded with its
    acceptance. The fingerprint entry judges a chain when there is one; otherwise the first
    pattern it matches (:mod:`maestro_graph.patterns`). Entries and patterns matching no current
    chain are stale (reported, not an error): the chain is gone, or fell below the lowest band
    the baseline covers.

    Parameters
    ----------
    analysis : Analysis
    baseline : Baseline
    fail_on : Band or str, default "high"
    today : date, optional
        Default: the current date (injectable for tests).
    max_hops : int, default 6
    evidence : "realized", "demonstrated" or "feasible", optional
        Judge only the chains backed by ATLAS techniques of at least this maturity, on the
        entry step, some step or every step (``evidence_on``; see :meth:`Chain.backed_by`).
        Acceptances are still matched against every chain, so none turns stale by the filter.

    Returns
    -------
    CheckResult

    Raises
    ------
    MaestroInputError
        For an unknown band.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("netmon"))
    >>> empty = Baseline(maestro_baseline=1)
    >>> result = check(analysis, empty, "high", today=dt.date(2026, 1, 1))
    >>> result.passed, len(result.new) == len(analysis.gate_chains("high"))
    (False, True)
    """
    band = _parse_band(fail_on, "--fail-on")
    maturity, scope = parse_evidence(evidence, evidence_on)
    today = today or dt.date.today()
    covered = min(
        [band, *(entry.band or Band.LOW for entry in baseline.entries)], key=lambda b: b.rank
    )
    chains = analysis.gate_chains(covered, max_hops=max_hops)
    current_ids = {chain.id for chain in chains}
    accepted_by_id = {entry.id: entry for entry in baseline.accepted}
    patterns = baseline.accepted_patterns
    matched: set[int] = set()
    failing: list[CheckItem] = []
    accepted: list[CheckItem] = []
    for chain in chains:
        entry: Acceptance | PatternAcceptance | None = accepted_by_id.get(chain.id)
        if entry is None and patterns:
            entry = first_match(patterns, chain)
            if entry is not None:
                matched.add(id(entry))
        if chain.band.rank < band.rank:
            continue
        if maturity is not None and not chain.backed_by(maturity, scope):
            continue
        failing_or_accepted = _judge(chain, entry, today)
        (accepted if failing_or_accepted.status == "accepted" else failing).append(
            failing_or_accepted
        )
    stale = tuple(entry for entry in baseline.accepted if entry.id not in current_ids)
    stale_patterns = tuple(pattern for pattern in patterns if id(pattern) not in matched)
    catalog_changed = (
        baseline.catalog_version is not None
        and baseline.catalog_version != analysis.catalog.version
    )
    return CheckResult(
        model=analysis.model.name,
        catalog_version=analysis.catalog.version,
        baseline_source=baseline.source,
        baseline_catalog_version=baseline.catalog_version,
        fail_on=band,
        today=today,
        failing=tuple(failing),
        accepted=tuple(accepted),
        stale=stale,
        catalog_changed=catalog_changed,
        notes=tuple(
            _check_notes(analysis, baseline, today, catalog_changed, covered, accepted, stale)
        ),
        stale_patterns=stale_patterns,
    )


def _judge(chain: Chain, entry: Acceptance | PatternAcceptance | None, today: dt.date) -> CheckItem:
    """One chain against the acceptance that applies to it (None: not in the baseline)."""
    if entry is None:
        return CheckItem(chain, "new", "not in the baseline")
    by = f" by {entry.label}" if isinstance(entry, PatternAcceptance) else ""
    if entry.expired(today):
        days = (today - entry.expires).days
        return CheckItem(
            chain,
            "expired",
            f"acceptance{by} expired on {entry.expires.isoformat()} ({days} day"
            f"{'s' if days != 1 else ''} ago; owner {entry.owner})",
            entry,
        )
    if entry.band is not None and chain.band.rank > entry.band.rank:
        return CheckItem(
            chain,
            "escalated",
            f"accepted{by} at band {entry.band.value}, now {chain.band.value}",
            entry,
        )
    return CheckItem(chain, "accepted", f"accepted{by} until {entry.expires.isoformat()}", entry)


def _check_notes(
    analysis: Analysis,
    baseline: Baseline,
    today: dt.date,
    catalog_changed: bool,
    covered: Band,
    accepted: Sequence[CheckItem],
    stale: Sequence[Acceptance],
) -> list[str]:
    notes = []
    if catalog_changed:
        notes.append(
            f"the catalog changed since the baseline was written ({baseline.catalog_version} -> "
            f"{analysis.catalog.version}): chain fingerprints may have moved because rules "
            "changed, so a 'new' chain may be a 'stale' entry under a new id; review them "
            "together and refresh the baseline (maestro-graph baseline MODEL -o FILE --update)"
        )
    model = analysis.model
    if baseline.model is not None and baseline.model != model.name:
        notes.append(f"the baseline was written for model {baseline.model!r}, not {model.name!r}")
    if model.attacker is not None and model.attacker.entry is not None:
        listed = set(model.attacker.entry)
        unlisted = [c.id for c in model.components if c.is_default_entry and c.id not in listed]
        if unlisted:
            notes.append(
                "public or untrusted components not in attacker.entry (no chain starts there): "
                + ", ".join(unlisted)
            )
    soon = [
        item.acceptance
        for item in accepted
        if item.acceptance and (item.acceptance.expires - today).days <= EXPIRY_WARNING_DAYS
    ]
    if soon:
        notes.append(
            f"{len(soon)} acceptance{'s' if len(soon) != 1 else ''} expire within "
            f"{EXPIRY_WARNING_DAYS} days: "
            + ", ".join(f"{a.label} ({a.expires})" for a in dict.fromkeys(soon))
        )
    placeholders = sum(entry.placeholder for entry in baseline.entries)
    if placeholders:
        notes.append(
            f"{placeholders} baseline entr{'ies' if placeholders != 1 else 'y'} still have a TODO "
            "justification or owner"
        )
    if stale and covered.rank > Band.LOW.rank:
        notes.append(
            f"stale means: no current chain at or above {covered.value} has the entry's id"
        )
    return notes
