"""The CI gate: every chain at or above a band must be accepted by the baseline, unexpired, at
its band; entries that match no chain are reported as stale."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from maestro_graph.catalog.types import Maturity
from maestro_graph.engine.patterns import (
    PatternAcceptance,
    first_match,
)
from maestro_graph.engine.ranking import (
    Chain,
    parse_evidence,
)
from maestro_graph.engine.risk import Band
from maestro_graph.regression.baseline import Acceptance, Baseline
from maestro_graph.regression.snapshot import parse_band

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis


#: Acceptances expiring within this many days are mentioned by ``check``.
EXPIRY_WARNING_DAYS = 14


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
    pattern it matches (:mod:`maestro_graph.engine.patterns`). Entries and patterns matching no
    current
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
    band = parse_band(fail_on, "--fail-on")
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
