"""What-if deltas: the same view before and after assumed controls (``--assume-control``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from maestro_graph.decisions.mitigation import Placement
from maestro_graph.engine.matrix import MatrixCell
from maestro_graph.engine.propagation import AttackGraph
from maestro_graph.engine.ranking import Chain, risk_of
from maestro_graph.engine.threats import ThreatFinding
from maestro_graph.render.text import text_table


def chains_delta(
    before: AttackGraph,
    before_top: Sequence[Chain],
    after: Sequence[Chain],
    after_graph: AttackGraph | None = None,
) -> dict[str, Any]:
    """Each shown chain's risk before -> after, and the chains that left the shown ranking.

    A chain leaves the shown ranking either because the controls cut it (``risk_after`` is None:
    some step no longer exists) or because its risk fell below the last chain shown; with
    ``after_graph`` each one says which, so a chain still present further down is not reported
    as gone.
    """
    shown = {c.id for c in after}
    removed = []
    for chain in before_top:
        if chain.id in shown:
            continue
        entry: dict[str, Any] = {"id": chain.id, "risk_before": round(chain.risk, 4)}
        if after_graph is not None:
            value = risk_of(after_graph, [s.state.key for s in chain.steps])
            entry["risk_after"] = None if value is None else round(value, 4)
        entry["path"] = chain.path_text
        removed.append(entry)
    return {
        "chains": [
            {
                "id": c.id,
                "risk_before": round(value, 4)
                if (value := risk_of(before, [s.state.key for s in c.steps])) is not None
                else None,
                "risk_after": round(c.risk, 4),
            }
            for c in after
        ],
        "removed": removed,
    }


def _removed_line(entry: dict[str, Any]) -> str:
    if "risk_after" not in entry:
        fate = ""
    elif entry["risk_after"] is None:
        fate = "  cut"
    else:
        fate = f"  now {entry['risk_after']:.3f}, below the chains shown"
    return f"  {entry['id']}  {entry['risk_before']:.3f}{fate}  {entry['path']}"


def render_chains_delta(placements: Sequence[Placement], delta: dict[str, Any]) -> str:
    rows = [
        [
            d["id"],
            "-" if d["risk_before"] is None else f"{d['risk_before']:.3f}",
            f"{d['risk_after']:.3f}",
        ]
        for d in delta["chains"]
    ]
    lines = [
        "What-if: " + ", ".join(str(p) for p in placements),
        text_table(["chain", "risk before", "risk after"], rows, right=[1, 2]),
    ]
    if delta["removed"]:
        lines.append("No longer among the chains shown (cut, or now ranked lower):")
        lines += [_removed_line(d) for d in delta["removed"]]
    return "\n".join(lines)


def findings_delta(
    before: Sequence[ThreatFinding], after: Sequence[ThreatFinding]
) -> list[dict[str, Any]]:
    """Findings whose risk changed: component, threat, risk before -> after."""
    old = {(f.component.id, f.threat.id): f for f in before}
    changed = []
    for finding in after:
        previous = old[(finding.component.id, finding.threat.id)]
        if abs(previous.risk - finding.risk) > 1e-12:
            changed.append(
                {
                    "component": finding.component.id,
                    "threat": finding.threat.id,
                    "risk_before": round(previous.risk, 4),
                    "risk_after": round(finding.risk, 4),
                    "band_before": previous.band.value,
                    "band_after": finding.band.value,
                }
            )
    return changed


def render_findings_delta(placements: Sequence[Placement], changed: list[dict[str, Any]]) -> str:
    head = "What-if: " + ", ".join(str(p) for p in placements)
    if not changed:
        return (
            head + "\nNo finding changed (these controls mitigate none of the threats "
            "where they are placed)."
        )
    rows = [
        [
            d["component"],
            d["threat"],
            f"{d['risk_before']:.3f}",
            f"{d['risk_after']:.3f}",
            f"{d['band_before']} -> {d['band_after']}",
        ]
        for d in changed
    ]
    return (
        head
        + "\n"
        + text_table(
            ["component", "threat", "risk before", "risk after", "band"], rows, right=[2, 3]
        )
    )


def cells_delta(before: Sequence[MatrixCell], after: Sequence[MatrixCell]) -> list[dict[str, Any]]:
    """Matrix cells whose best risk changed."""
    changed = []
    for old, new in zip(before, after, strict=True):
        old_risk = old.chain.risk if old.chain else None
        new_risk = new.chain.risk if new.chain else None
        if old_risk != new_risk:
            changed.append(
                {
                    "from": new.source.value,
                    "to": new.target.value,
                    "risk_before": None if old_risk is None else round(old_risk, 4),
                    "risk_after": None if new_risk is None else round(new_risk, 4),
                }
            )
    return changed


def render_cells_delta(placements: Sequence[Placement], changed: list[dict[str, Any]]) -> str:
    head = "What-if: " + ", ".join(str(p) for p in placements)

    def text(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    rows = [
        [f"{d['from']} -> {d['to']}", text(d["risk_before"]), text(d["risk_after"])]
        for d in changed
    ]
    return (
        head
        + "\n"
        + (
            text_table(["cell", "risk before", "risk after"], rows, right=[1, 2])
            if rows
            else "No cell changed."
        )
    )
