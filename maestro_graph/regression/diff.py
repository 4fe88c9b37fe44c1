"""The chains added, removed and changed between two versions of a model, each with the
components and flows whose change explains it."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

from maestro_graph.engine.propagation import AttackGraph, chain_impact
from maestro_graph.engine.ranking import (
    Chain,
    path_risk,
)
from maestro_graph.engine.risk import Band, band_for
from maestro_graph.model import Component, Flow, SystemModel
from maestro_graph.regression.snapshot import (
    RISK_TOLERANCE,
    ChainSnapshot,
    FlowKey,
    flow_text,
    parse_band,
)

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis


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


def flows_by_key(model: SystemModel) -> dict[FlowKey, Flow]:
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
        old_flows, new_flows = flows_by_key(old), flows_by_key(new)
        for key, flow in new_flows.items():
            before_flow = old_flows.get(key)
            if before_flow is None:
                flows[key] = Cause(
                    "flow",
                    flow_text(key),
                    "added",
                    ("controls " + (", ".join(flow.controls) or "none"),),
                )
            else:
                delta = _control_delta(before_flow.controls, flow.controls)
                if delta:
                    flows[key] = Cause("flow", flow_text(key), "changed", (delta,))
        for key in old_flows:
            if key not in new_flows:
                flows[key] = Cause("flow", flow_text(key), "removed")
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
                    found.setdefault(("flow", flow_text(flow)), self.flows[flow])
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
    old = {c.id: c for c in map(ChainSnapshot.of, old_chains)}
    new = {c.id: c for c in map(ChainSnapshot.of, new_chains)}
    differ = _Differ(
        band=parse_band(min_band, "--min-band"),
        delta=ModelDelta.between(old_model, new_model) if old_model and new_model else None,
        catalog_versions=catalog_versions,
        old_pairs={(c.entry, c.target): c for c in old.values()},
        new_pairs={(c.entry, c.target): c for c in new.values()},
        old_graph=old_graph,
        new_graph=new_graph,
        any_start=any_start,
    )
    changes: list[ChainChange] = []
    unchanged = 0
    for chain_id, chain in new.items():
        before = old.get(chain_id)
        if before is None:
            found = differ.arrived(chain)
        elif differ.reportable(before.band, chain.band) and not _significant(
            before.risk, chain.risk, before.band, chain.band, tolerance
        ):
            unchanged += 1
            continue
        else:
            found = differ.kept(before, chain)
        changes += [found] if found else []
    changes += filter(None, (differ.left(c) for i, c in old.items() if i not in new))
    changed = [c for c in changes if c.status == "changed"]
    return ChainDiff(
        added=_order((c for c in changes if c.status == "added"), "after"),
        removed=_order((c for c in changes if c.status == "removed"), "before"),
        changed=tuple(
            sorted(
                changed,
                key=lambda c: (-abs((c.risk_after or 0) - (c.risk_before or 0)), c.id),
            )
        ),
        unchanged=unchanged,
        min_band=differ.band,
    )


@dataclass(frozen=True)
class _Differ:
    """What :func:`diff_chains` knows while it judges one chain at a time."""

    band: Band
    delta: ModelDelta | None
    catalog_versions: tuple[str | None, str | None]
    old_pairs: Mapping[tuple[str, str], ChainSnapshot]
    new_pairs: Mapping[tuple[str, str], ChainSnapshot]
    old_graph: AttackGraph | None
    new_graph: AttackGraph | None
    any_start: bool

    def reportable(self, *bands: Band | None) -> bool:
        """Whether either side is at or above the compared band."""
        return any(b is not None and b.rank >= self.band.rank for b in bands)

    def causes(self, *chains: ChainSnapshot) -> list[Cause]:
        return self.delta.causes_for(chains) if self.delta else []

    def finish(self, causes: list[Cause]) -> tuple[Cause, ...]:
        """The causes, with the catalog's change or an unknown cause where no model change
        explains the difference."""
        old_version, new_version = self.catalog_versions
        catalog_changed = None not in self.catalog_versions and old_version != new_version
        if catalog_changed and not any(c.kind in {"component", "flow"} for c in causes):
            causes.append(
                Cause(
                    "catalog",
                    f"{old_version} -> {new_version}",
                    "changed",
                    ("the rules changed; their likelihoods or propagation may explain this",),
                )
            )
        if not causes:
            causes.append(
                Cause("unknown", "", "no component or flow on this chain changed", ())
                if self.delta is not None
                else Cause("unknown", "", "no old model to compare with", ())
            )
        return tuple(causes)

    def kept(self, before: ChainSnapshot, chain: ChainSnapshot) -> ChainChange | None:
        """A chain on both sides whose risk or band changed (None: below the compared band)."""
        if not self.reportable(before.band, chain.band):
            return None
        causes = self.finish(self.causes(before, chain))
        return ChainChange(
            "changed", chain, before.risk, chain.risk, before.band, chain.band, causes
        )

    def arrived(self, chain: ChainSnapshot) -> ChainChange | None:
        """A chain of the new side only: added, or changed when it existed below the band."""
        return self._one_side(chain, self.old_graph, self.old_pairs, arrived=True)

    def left(self, chain: ChainSnapshot) -> ChainChange | None:
        """A chain of the old side only: removed, or changed when it is now below the band."""
        return self._one_side(chain, self.new_graph, self.new_pairs, arrived=False)

    def _one_side(
        self,
        chain: ChainSnapshot,
        other_graph: AttackGraph | None,
        other_pairs: Mapping[tuple[str, str], ChainSnapshot],
        *,
        arrived: bool,
    ) -> ChainChange | None:
        """A chain found on one side only, looked up exactly on the other side's graph."""
        exact = _exact_risk(other_graph, chain, any_start=self.any_start) if other_graph else None
        other = other_pairs.get((chain.entry, chain.target))
        # Risks and bands as (before, after): the chain's own are on its side.
        there = (exact.risk, exact.band) if exact else (None, None)
        (risk_before, band_before), (risk_after, band_after) = (
            (there, (chain.risk, chain.band)) if arrived else ((chain.risk, chain.band), there)
        )
        if exact is not None and other is None:
            # It exists on the other side too, below the compared band: its risk changed.
            if not self.reportable(band_before, band_after):
                return None
            causes = self.finish(self.causes(chain))
            return ChainChange(
                "changed", chain, risk_before, risk_after, band_before, band_after, causes
            )
        if not self.reportable(chain.band):
            return None
        causes = self.causes(chain)
        if other is not None:
            causes.append(self._pair_cause(chain, other, exact, arrived=arrived))
        status: ChangeStatus = "added" if arrived else "removed"
        return ChainChange(
            status, chain, risk_before, risk_after, band_before, band_after, self.finish(causes)
        )

    @staticmethod
    def _pair_cause(
        chain: ChainSnapshot, other: ChainSnapshot, exact: _Exact | None, *, arrived: bool
    ) -> Cause:
        """The pair's best chain changed: ``other`` is the one it replaced, or that replaced it."""
        if arrived:
            change = f"now has this chain as its best, replacing {other.id}"
            details = (f"{other.id} had risk {other.risk:.3f}",) + (
                (f"this chain had risk {exact.risk:.3f} before",) if exact else ()
            )
        else:
            change = f"now has {other.id} as its best chain"
            details = (f"{other.id} has risk {other.risk:.3f}",) + (
                (f"this chain still has risk {exact.risk:.3f}",) if exact else ()
            )
        return Cause("pair", f"{chain.entry} -> {chain.target}", change, details)


def scope_text(band: Band, max_hops: int) -> str:
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
    band = parse_band(min_band, "--min-band")
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
        scope=scope_text(band, max_hops),
        notes=tuple(notes),
    )
