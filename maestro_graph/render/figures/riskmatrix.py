"""The 5x5 risk matrix: likelihood level x impact level, coloured by band, with chains or
threat findings counted in their cells.

The levels are those of :func:`maestro_graph.risk.likelihood_level` (bounds 0.05, 0.2, 0.5, 0.8)
and :func:`maestro_graph.risk.impact_level` (impact rounded to 1-5); their product gives the band
(low 1-4, medium 5-9, high 10-16, critical 20-25).

Examples
--------
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("netmon"))
>>> fig = plot_risk_matrix(analysis.model, analysis.paths(top=None))
>>> fig.texts[0].get_text()
'Risk matrix: Network-monitoring agent'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from maestro_graph.model import SystemModel
from maestro_graph.ranking import Chain
from maestro_graph.render.figures.style import (
    BAND_COLOUR,
    INK,
    draw_titles,
    figure_style,
    new_figure,
)
from maestro_graph.risk import LIKELIHOOD_BOUNDS, Band, band_for, impact_level, likelihood_level
from maestro_graph.threats import ThreatFinding

_CELL = 1.6
_LEFT, _RIGHT, _TOP, _BOTTOM = 1.3, 1.75, 0.85, 0.85
_LEVEL_FLOORS = (0.0, *LIKELIHOOD_BOUNDS)
_SCORES = {Band.LOW: "1-4", Band.MEDIUM: "5-9", Band.HIGH: "10-16", Band.CRITICAL: "20-25"}
_LISTED = 6  # chain ranks listed in a cell
_LISTED_THREATS = 3


def _likelihood_label(level: int) -> str:
    bounds = (*_LEVEL_FLOORS, None)
    low, high = bounds[level - 1], bounds[level]
    if level == 1:
        return f"1\n< {high:.2f}"
    if high is None:
        return f"5\n>= {low:.2f}"
    return f"{level}\n{low:.2f}-{high:.2f}"


def _impact_label(level: int) -> str:
    if level == 1:
        return "1\n< 1.5"
    if level == 5:
        return "5\n>= 4.5"
    return f"{level}\n{level - 0.5:.1f}-{level + 0.5:.1f}"


def _cell_band(likelihood: int, impact: int) -> Band:
    return band_for(_LEVEL_FLOORS[likelihood - 1], float(impact))


def _short_threat(finding: ThreatFinding) -> str:
    threat = finding.threat.id.split(".", 1)[-1]
    text = f"{finding.component.id}: {threat}"
    return text if len(text) <= 30 else text[:29] + "…"


def plot_risk_matrix(
    model: SystemModel,
    items: Sequence[Chain] | Sequence[ThreatFinding],
    *,
    kind: Literal["chains", "threats"] = "chains",
    ax: Axes | None = None,
) -> Figure:
    """Draw the 5x5 risk matrix with chains (or threat findings) counted in their cells.

    Parameters
    ----------
    model : SystemModel
        Names the figure.
    items : sequence of Chain or of ThreatFinding
        Ranked chains (their ranks are listed in the cells, best first) or threat findings
        (the highest-risk ones are named in the cells).
    kind : {"chains", "threats"}
        What ``items`` holds.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("rag-agent"))
    >>> fig = plot_risk_matrix(analysis.model, analysis.findings, kind="threats")
    >>> "threat findings" in fig.texts[1].get_text()
    True
    """
    if kind not in ("chains", "threats"):
        raise ValueError(f"kind must be 'chains' or 'threats', got {kind!r}")
    placed: dict[tuple[int, int], list[Chain | ThreatFinding]] = defaultdict(list)
    for item in items:
        placed[(likelihood_level(item.likelihood), impact_level(item.impact))].append(item)

    with figure_style():
        owned = ax is None
        if ax is None:
            width = _LEFT + 5 * _CELL + _RIGHT
            height = _TOP + 5 * _CELL + _BOTTOM
            fig = new_figure(width, height)
            ax = fig.add_axes(
                (_LEFT / width, _BOTTOM / height, 5 * _CELL / width, 5 * _CELL / height)
            )
        else:
            fig = ax.get_figure()  # type: ignore[assignment]
        for likelihood in range(1, 6):
            for impact in range(1, 6):
                band = _cell_band(likelihood, impact)
                x, y = impact - 0.5, likelihood - 0.5
                ax.add_patch(
                    Rectangle(
                        (x, y), 1, 1, facecolor=BAND_COLOUR[band], edgecolor="white", linewidth=2.5
                    )
                )
                ax.text(
                    x + 0.06,
                    y + 0.94,
                    str(likelihood * impact),
                    ha="left",
                    va="top",
                    fontsize=6.5,
                    color=INK,
                    alpha=0.6,
                )
                members = placed.get((likelihood, impact), [])
                if not members:
                    continue
                ax.text(
                    impact,
                    likelihood + 0.16,
                    str(len(members)),
                    ha="center",
                    va="center",
                    fontsize=15,
                    fontweight="bold",
                    color=INK,
                )
                if kind == "chains":
                    ranks = sorted(item.rank for item in members)  # type: ignore[union-attr]
                    shown = [f"#{r}" for r in ranks[:_LISTED]]
                    lines = [" ".join(shown[:3]), " ".join(shown[3:])]
                    more = len(ranks) - _LISTED
                else:
                    best = sorted(members, key=lambda f: (-f.risk, f.component.id, f.threat.id))
                    lines = [_short_threat(f) for f in best[:_LISTED_THREATS]]  # type: ignore[arg-type]
                    more = len(best) - _LISTED_THREATS
                if more > 0:
                    lines.append(f"+{more} more")
                text = "\n".join(line for line in lines if line)
                ax.text(
                    impact,
                    likelihood - 0.2,
                    text,
                    ha="center",
                    va="center",
                    fontsize=6.3 if kind == "threats" else 7,
                    color=INK,
                    linespacing=1.15,
                )
        ax.set_xlim(0.5, 5.5)
        ax.set_ylim(0.5, 5.5)
        ax.set_aspect("equal")
        ax.set_xticks(range(1, 6))
        ax.set_xticklabels([_impact_label(level) for level in range(1, 6)], fontsize=7.5)
        ax.set_yticks(range(1, 6))
        ax.set_yticklabels([_likelihood_label(level) for level in range(1, 6)], fontsize=7.5)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel("impact level (impact on 1-5, rounded)", fontsize=8.5, color=INK)
        ax.set_ylabel("likelihood level (likelihood bounds)", fontsize=8.5, color=INK)

        noun = "chains" if kind == "chains" else "threat findings"
        what = (
            f"{len(items)} chains (ranks listed, best first)"
            if kind == "chains"
            else f"{len(items)} threat findings (highest risk named)"
        )
        handles = [
            Patch(
                facecolor=BAND_COLOUR[band],
                edgecolor="none",
                label=f"{band.value} ({_SCORES[band]})",
            )
            for band in reversed(Band)
        ]
        if owned:
            draw_titles(
                fig,
                f"Risk matrix: {model.name}",
                f"{what}; the corner number is likelihood level x impact level.",
            )
            fig.legend(
                handles=handles,
                title="band (score)",
                loc="upper left",
                bbox_to_anchor=((_LEFT + 5 * _CELL + 0.2) / width, 1 - _TOP / height),
                frameon=False,
                fontsize=7.5,
                title_fontsize=8,
                alignment="left",
            )
        else:
            ax.set_title(f"Risk matrix: {model.name} ({noun})", fontsize=9)
            ax.legend(
                handles=handles,
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                frameon=False,
                fontsize=7.5,
            )
    return fig
