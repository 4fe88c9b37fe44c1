"""The risk register: findings in the order the MAESTRO + ATLAS method prioritises them.

MAESTRO lists the threats; ATLAS maturity says which of them attackers are known to use. The
register puts a threat whose techniques are *realized* (used in real incidents) first, then
*demonstrated*, then *feasible*, then the threats no technique backs, each group by risk.
Beside it, the chains that MAESTRO predicts but that no realized or demonstrated technique
backs on any step: no incident confirms them yet, which is where the combined method tells an
analyst something a list of known techniques cannot.

Each finding also says who watches its component (the watchers it sends telemetry to) and who
owns it: the method's last question is whether anyone can detect and respond.

Examples
--------
>>> import maestro_graph as mg
>>> register = mg.analyze(mg.example("rag-agent")).register()
>>> [entry.evidence for entry in register.entries[:1]]
['realized']
>>> ranks = [EVIDENCE_ORDER.index(entry.evidence) for entry in register.entries]
>>> ranks == sorted(ranks)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from maestro_graph.engine.ranking import Chain
from maestro_graph.engine.threats import ThreatFinding

#: Register groups, strongest evidence first; "none" is a threat no ATLAS technique backs.
EVIDENCE_ORDER = ("realized", "demonstrated", "feasible", "none")
#: What the register says of a chain no realized or demonstrated technique backs.
PREDICTED_LABEL = "predicted, not yet seen in ATLAS"


@dataclass(frozen=True)
class RegisterEntry:
    """One finding in the register, with who watches and who owns its component."""

    rank: int
    finding: ThreatFinding
    watched_by: tuple[str, ...]

    @property
    def evidence(self) -> str:
        """The strongest ATLAS maturity of the threat, or ``"none"``."""
        maturity = self.finding.maturity
        return maturity.value if maturity else "none"

    def to_record(self) -> dict[str, Any]:
        """The finding's record with its register rank, evidence group, watchers and owner."""
        return {
            "rank": self.rank,
            "evidence": self.evidence,
            **self.finding.to_record(),
            "owner": self.finding.component.owner,
            "watched_by": list(self.watched_by),
        }


@dataclass(frozen=True)
class RiskRegister:
    """The findings in register order and the predicted chains.

    Attributes
    ----------
    entries : tuple of RegisterEntry
        Realized first, then demonstrated, feasible and unbacked; by risk within each group.
    predicted : tuple of Chain
        The highest-risk chains with no realized or demonstrated technique on any step.
    """

    entries: tuple[RegisterEntry, ...]
    predicted: tuple[Chain, ...]

    def groups(self) -> dict[str, tuple[RegisterEntry, ...]]:
        """The entries by evidence group, in register order (empty groups left out)."""
        found: dict[str, list[RegisterEntry]] = {}
        for entry in self.entries:
            found.setdefault(entry.evidence, []).append(entry)
        return {group: tuple(found[group]) for group in EVIDENCE_ORDER if group in found}

    def to_record(self) -> dict[str, Any]:
        """``{"register": [...], "predicted_chains": [...]}`` (chains in the fixed chain shape)."""
        return {
            "register": [entry.to_record() for entry in self.entries],
            "predicted_chains": [chain.to_record() for chain in self.predicted],
        }


def register_order(findings: Sequence[ThreatFinding]) -> list[ThreatFinding]:
    """``findings`` by evidence group (realized first), then by their given order (risk).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> findings = mg.analyze(mg.example("netmon")).findings
    >>> ordered = register_order(findings)
    >>> sorted(map(id, ordered)) == sorted(map(id, findings))
    True
    """
    return sorted(
        findings,
        key=lambda f: EVIDENCE_ORDER.index(f.maturity.value if f.maturity else "none"),
    )


def build_register(
    findings: Sequence[ThreatFinding],
    predicted: Sequence[Chain],
    telemetry: Mapping[str, tuple[str, ...]],
) -> RiskRegister:
    """The register of ``findings`` (ranked anew) beside the ``predicted`` chains.

    Parameters
    ----------
    findings : sequence of ThreatFinding
        Highest risk first, as :meth:`Analysis.threat_findings` returns them.
    predicted : sequence of Chain
        Chains found with ``predicted_only``.
    telemetry : mapping
        Component id -> the watchers it sends telemetry to (:func:`telemetry_watchers`).
    """
    entries = tuple(
        RegisterEntry(rank, finding, telemetry.get(finding.component.id, ()))
        for rank, finding in enumerate(register_order(findings), start=1)
    )
    return RiskRegister(entries, tuple(predicted))
