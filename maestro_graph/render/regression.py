"""Output of ``maestro-graph diff`` and ``maestro-graph check``: table, json, md.

(``maestro-graph baseline`` writes the baseline YAML itself, :meth:`Baseline.to_yaml`.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from maestro_graph.engine.patterns import PatternAcceptance
from maestro_graph.regression import (
    Acceptance,
    ChainChange,
    ChainDiff,
    CheckItem,
    CheckResult,
    DiffSide,
)
from maestro_graph.render.text import markdown_table, text_table

_SIGNS = {"added": "+", "removed": "-", "changed": "~"}


def _span(before: object, after: object) -> str:
    """``"high"`` when equal, ``"medium -> high"`` when not, ``"- -> high"`` when one is missing."""
    if before == after:
        return str(after)
    return f"{'-' if before is None else before} -> {'-' if after is None else after}"


def _risk(value: float | None) -> str | None:
    return None if value is None else f"{value:.3f}"


def _known_span(before: str | None, after: str | None) -> str:
    """Both sides when both are known, else the known one."""
    if before is None or after is None:
        return str(after if before is None else before)
    return _span(before, after)


def _band(change: ChainChange) -> str:
    return _known_span(
        change.band_before.value if change.band_before else None,
        change.band_after.value if change.band_after else None,
    )


def _risks(change: ChainChange) -> str:
    return _known_span(_risk(change.risk_before), _risk(change.risk_after))


def _side(side: DiffSide | None) -> str:
    if side is None:
        return "-"
    catalog = f", catalog {side.catalog_version}" if side.catalog_version else ""
    what = "saved paths report" if side.kind == "report" else "model"
    return f"{side.label} ({what} {side.model!r}{catalog})"


def _summary(diff: ChainDiff) -> str:
    return (
        f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed, "
        f"{diff.unchanged} unchanged"
    )


def render_diff_table(diff: ChainDiff) -> str:
    """The diff as text: a section per kind of change, each chain with its path and causes."""
    lines = [
        "Chain diff",
        f"  old: {_side(diff.old)}",
        f"  new: {_side(diff.new)}",
        diff.scope,
        _summary(diff),
    ]
    if diff.empty:
        lines += ["", "No chain added, removed or changed."]
    for title, changes in (
        ("Added", diff.added),
        ("Removed", diff.removed),
        ("Changed", diff.changed),
    ):
        if not changes:
            continue
        table = text_table(
            ["", "id", "band", "risk", "layers"],
            [
                [
                    _SIGNS[c.status],
                    c.id,
                    _band(c),
                    _risks(c),
                    c.signature,
                ]
                for c in changes
            ],
        ).splitlines()
        lines += ["", f"{title} ({len(changes)})", "  " + table[0]]
        for change, row in zip(changes, table[1:], strict=True):
            lines.append("  " + row)
            lines.append(f"      {change.path}")
            lines += [f"      cause: {cause}" for cause in change.causes]
    if diff.notes:
        lines.append("")
        lines += [f"note: {note}" for note in diff.notes]
    return "\n".join(lines)


def render_diff_json(diff: ChainDiff) -> str:
    """The diff as JSON: sides, scope, summary counts, added/removed/changed with causes."""
    return json.dumps(diff.to_record(), indent=2)


def render_diff_markdown(diff: ChainDiff) -> str:
    """The diff as a Markdown section (for a pull-request comment)."""
    parts = [
        "## Chain diff",
        "",
        f"- old: {_side(diff.old)}",
        f"- new: {_side(diff.new)}",
        f"- {diff.scope}",
        f"- **{_summary(diff)}**",
    ]
    for title, changes in (
        ("Added", diff.added),
        ("Removed", diff.removed),
        ("Changed", diff.changed),
    ):
        if not changes:
            continue
        rows = [
            [
                f"`{c.id}`",
                _band(c),
                _risks(c),
                c.signature,
                " → ".join(f"`{step}`" for step in c.path.split(" > ")),
                "<br>".join(str(cause) for cause in c.causes),
            ]
            for c in changes
        ]
        parts += [
            "",
            f"### {title} ({len(changes)})",
            "",
            markdown_table(["id", "band", "risk", "layers", "chain", "cause"], rows),
        ]
    if diff.notes:
        parts += ["", *(f"> {note}" for note in diff.notes)]
    return "\n".join(parts) + "\n"


# -- check -----------------------------------------------------------------------------------


def _count(number: int, singular: str, plural: str | None = None) -> str:
    """``"1 chain"``, ``"3 chains"``."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _chain_rows(items: Sequence[CheckItem], *, reason: bool) -> list[str]:
    table = text_table(
        ["#", "risk", "band", "layers", "id"],
        [
            [
                number,
                f"{item.chain.risk:.3f}",
                item.chain.band.value,
                item.chain.signature,
                item.chain.id,
            ]
            for number, item in enumerate(items, start=1)
        ],
        right=[0, 1],
    ).splitlines()
    lines = ["  " + table[0]]
    for item, row in zip(items, table[1:], strict=True):
        lines.append("  " + row)
        lines.append(f"       {item.chain.path_text}")
        if reason:
            lines.append(f"       {item.reason}")
    return lines


def _stale_rows(entries: Sequence[Acceptance]) -> list[str]:
    lines = []
    for entry in entries:
        band = entry.band.value if entry.band else "-"
        lines.append(f"  {entry.id}  {band:<8}  {entry.layers or '-'}  (owner {entry.owner})")
        if entry.path:
            lines.append(f"       {entry.path}")
    return lines


def _stale_pattern_rows(patterns: Sequence[PatternAcceptance]) -> list[str]:
    return [
        f"  {p.describe()}  {p.band.value if p.band else '-':<8}  (owner {p.owner})"
        for p in patterns
    ]


def _accepted_line(result: CheckResult) -> str:
    by_pattern = sum(isinstance(i.acceptance, PatternAcceptance) for i in result.accepted)
    return f"{_count(len(result.accepted), 'chain')} at or above {result.fail_on.value} " + (
        f"accepted ({by_pattern} by pattern)." if by_pattern else "accepted."
    )


def _check_head(result: CheckResult) -> str:
    against = result.baseline_source or "the baseline"
    return (
        f"Check of {result.model} against {against}: chains at or above "
        f"{result.fail_on.value} on {result.today.isoformat()}"
    )


def render_check_table(result: CheckResult) -> str:
    """New chains first (path, band, risk, layers), then expired, escalated and stale entries,
    the accepted count, notes, and a one-line verdict last."""
    band = result.fail_on.value
    lines = [_check_head(result)]
    if result.new:
        count = len(result.new)
        lines += [
            "",
            f"{_count(count, 'new chain')} at or above {band}, not in the baseline:",
            *_chain_rows(result.new, reason=False),
        ]
    if result.expired:
        lines += [
            "",
            f"{_count(len(result.expired), 'chain')} whose acceptance expired:",
            *_chain_rows(result.expired, reason=True),
        ]
    if result.escalated:
        lines += [
            "",
            f"{_count(len(result.escalated), 'chain')} whose band rose above the accepted one:",
            *_chain_rows(result.escalated, reason=True),
        ]
    if result.stale:
        lines += [
            "",
            f"{_count(len(result.stale), 'stale baseline entry', 'stale baseline entries')} "
            "(no current chain has the id; remove them, or refresh with baseline --update):",
            *_stale_rows(result.stale),
        ]
    if result.stale_patterns:
        lines += [
            "",
            f"{_count(len(result.stale_patterns), 'stale pattern')} (no current chain matches; "
            "remove or narrow them):",
            *_stale_pattern_rows(result.stale_patterns),
        ]
    lines += ["", _accepted_line(result)]
    lines += [f"note: {note}" for note in result.notes]
    lines.append(result.verdict())
    return "\n".join(lines)


def render_check_json(result: CheckResult) -> str:
    """The check as JSON: verdict, counts, failing chains with reasons, accepted, stale, notes."""
    return json.dumps(result.to_record(), indent=2)


def render_check_markdown(result: CheckResult) -> str:
    """The check as a Markdown section (for a pull-request comment or a job summary)."""
    parts = [f"## {_check_head(result)}", "", f"**{result.verdict()}**"]

    def chain_table(items: Sequence[CheckItem]) -> str:
        return markdown_table(
            ["id", "risk", "band", "layers", "chain", "status"],
            [
                [
                    f"`{item.chain.id}`",
                    f"{item.chain.risk:.3f}",
                    item.chain.band.value,
                    item.chain.signature,
                    " → ".join(f"`{s.component}[{s.threat}]`" for s in item.chain.steps),
                    item.reason,
                ]
                for item in items
            ],
        )

    if result.failing:
        parts += ["", f"### Failing ({len(result.failing)})", "", chain_table(result.failing)]
    if result.stale:
        parts += [
            "",
            f"### Stale baseline entries ({len(result.stale)})",
            "",
            markdown_table(
                ["id", "band", "layers", "path", "owner"],
                [
                    [
                        f"`{e.id}`",
                        e.band.value if e.band else "-",
                        e.layers or "-",
                        e.path or "-",
                        e.owner,
                    ]
                    for e in result.stale
                ],
            ),
        ]
    if result.stale_patterns:
        parts += [
            "",
            f"### Stale patterns ({len(result.stale_patterns)})",
            "",
            markdown_table(
                ["pattern", "band", "owner"],
                [
                    [f"`{p.describe()}`", p.band.value if p.band else "-", p.owner]
                    for p in result.stale_patterns
                ],
            ),
        ]
    if result.accepted:
        parts += ["", f"### Accepted ({len(result.accepted)})", "", chain_table(result.accepted)]
    if result.notes:
        parts += ["", *(f"> {note}" for note in result.notes)]
    return "\n".join(parts) + "\n"
