"""The risk matrix: likelihood against impact, coloured by band, with chains or threat
findings placed where they fall.

A band is a range of risk = likelihood x impact (:data:`maestro_graph.engine.risk.RISK_BOUNDS`), so
its edges are the curves likelihood = bound / impact, and everything in one colour has the
band the tables print. Likelihood is drawn on a log scale: chains multiply likelihoods, so
theirs spread over orders of magnitude.

Examples
--------
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("netmon"))
>>> fig = plot_risk_matrix(analysis.model, analysis.paths(top=None))
>>> fig.texts[0].get_text()
'Risk matrix: Network-monitoring agent'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from maestro_graph.engine.ranking import Chain
from maestro_graph.engine.risk import RISK_BOUNDS, Band
from maestro_graph.engine.threats import ThreatFinding
from maestro_graph.model import SystemModel
from maestro_graph.render.figures.style import (
    BAND_COLOUR,
    INK,
    draw_titles,
    figure_style,
    new_figure,
)

_WIDTH, _HEIGHT = 6.2, 5.2  # the plot area, inches
_LEFT, _RIGHT, _TOP, _BOTTOM = 1.0, 2.7, 0.85, 0.75
#: The lowest likelihood the axis shows, whatever the items: below it, they sit on the edge.
_FLOOR = 1e-4
_LISTED = 8  # chains labelled with their rank
_LISTED_THREATS = 5
_EDGES = (0.0, *RISK_BOUNDS, 5.0)


def _band_range(band: Band) -> str:
    low, high = _EDGES[band.rank], _EDGES[band.rank + 1]
    if band is Band.LOW:
        return f"risk < {high:g}"
    if band is Band.CRITICAL:
        return f"risk >= {low:g}"
    return f"{low:g} <= risk < {high:g}"


def _short_threat(finding: ThreatFinding) -> str:
    threat = finding.threat.id.split(".", 1)[-1]
    text = f"{finding.component.id}: {threat}"
    return text if len(text) <= 30 else text[:29] + "…"


def _axis_floor(items: Sequence[Chain] | Sequence[ThreatFinding]) -> float:
    """The bottom of the likelihood axis: a power of ten below the least likely item."""
    least = min((item.likelihood for item in items if item.likelihood > 0), default=0.05)
    return max(_FLOOR, min(0.01, 10 ** np.floor(np.log10(least))))


def _draw_bands(ax: Axes, floor: float) -> None:
    impact = np.linspace(1.0, 5.0, 241)
    for band in Band:
        low, high = _EDGES[band.rank], _EDGES[band.rank + 1]
        bottom = np.clip(low / impact, floor, 1.0) if low > 0 else np.full_like(impact, floor)
        top = np.clip(high / impact, floor, 1.0)
        ax.fill_between(impact, bottom, top, color=BAND_COLOUR[band], linewidth=0, zorder=0)
    for bound in RISK_BOUNDS:
        ax.plot(impact, np.clip(bound / impact, floor, 1.0), color="white", lw=1.2, zorder=1)


def _labels(items: Sequence[Chain] | Sequence[ThreatFinding], kind: str) -> list[tuple]:
    """(impact, likelihood, text) of the items named on the figure, the best ones; items that
    fall on one spot share a label."""
    if kind == "chains":
        best = sorted(items, key=lambda c: c.rank)[:_LISTED]  # type: ignore[union-attr]
        named = [(c.impact, c.likelihood, f"#{c.rank}") for c in best]  # type: ignore[union-attr]
    else:  # numbered on the plot, named beside it (_named_threats)
        named = [(f.impact, f.likelihood, str(n)) for n, f in _best_threats(items)]
    spots: dict[tuple[float, float], list[str]] = {}
    for impact, likelihood, text in named:
        spots.setdefault((round(impact, 2), round(likelihood, 3)), []).append(text)
    return [(i, lk, " ".join(texts)) for (i, lk), texts in spots.items()]


def _best_threats(items: Sequence[ThreatFinding]) -> list[tuple[int, ThreatFinding]]:
    ranked = sorted(items, key=lambda f: (-f.risk, f.component.id, f.threat.id))
    return list(enumerate(ranked[:_LISTED_THREATS], start=1))


def _named_threats(items: Sequence[ThreatFinding]) -> str:
    return "\n".join(f"{n}  {_short_threat(f)}" for n, f in _best_threats(items))


def _draw_points(
    ax: Axes, items: Sequence[Chain] | Sequence[ThreatFinding], kind: str, floor: float
) -> None:
    """Each item as a point (likelihoods below the axis floor on it), the best ones labelled,
    and the axes: impact 1-5, likelihood on a log scale."""
    ax.scatter(
        [item.impact for item in items],
        [max(item.likelihood, floor) for item in items],
        s=14,
        color=INK,
        alpha=0.55,
        linewidths=0,
        zorder=2,
    )
    for n, (impact, likelihood, text) in enumerate(_labels(items, kind)):
        right = impact > 4.4  # near the right edge the label goes to the left
        ax.annotate(
            text,
            (impact, max(likelihood, floor)),
            xytext=(-5 if right else 5, 3 - 9 * (n % 2)),
            textcoords="offset points",
            ha="right" if right else "left",
            fontsize=7,
            color=INK,
            zorder=3,
        )
    ax.set_xlim(1.0, 5.0)
    ax.set_yscale("log")
    ax.set_ylim(floor, 1.0)
    ax.set_xlabel("impact (1-5)", fontsize=8.5, color=INK)
    ax.set_ylabel("likelihood (log scale)", fontsize=8.5, color=INK)
    ax.tick_params(labelsize=7.5)


def plot_risk_matrix(
    model: SystemModel,
    items: Sequence[Chain] | Sequence[ThreatFinding],
    *,
    kind: Literal["chains", "threats"] = "chains",
    ax: Axes | None = None,
) -> Figure:
    """Draw likelihood against impact, coloured by band, with chains (or threat findings)
    placed where they fall.

    Parameters
    ----------
    model : SystemModel
        Names the figure.
    items : sequence of Chain or of ThreatFinding
        Ranked chains (the best ranks are labelled) or threat findings (the highest-risk ones
        are named).
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
    counts = {band: sum(1 for item in items if item.band is band) for band in Band}
    with figure_style():
        owned = ax is None
        if ax is None:
            width, height = _LEFT + _WIDTH + _RIGHT, _TOP + _HEIGHT + _BOTTOM
            fig = new_figure(width, height)
            ax = fig.add_axes((_LEFT / width, _BOTTOM / height, _WIDTH / width, _HEIGHT / height))
        else:
            fig = ax.get_figure()  # type: ignore[assignment]
        floor = _axis_floor(items)
        _draw_bands(ax, floor)
        _draw_points(ax, items, kind, floor)

        noun = "chains" if kind == "chains" else "threat findings"
        what = (
            f"{len(items)} chains (best ranks labelled)"
            if kind == "chains"
            else f"{len(items)} threat findings (highest risk named)"
        )
        handles = [
            Patch(
                facecolor=BAND_COLOUR[band],
                edgecolor="none",
                label=f"{band.value}: {counts[band]} ({_band_range(band)})",
            )
            for band in reversed(Band)
        ]
        if kind == "threats" and items:
            ax.text(
                1.03,
                0.62,
                "highest risk\n" + _named_threats(items),  # type: ignore[arg-type]
                transform=ax.transAxes,
                fontsize=7.5,
                color=INK,
                va="top",
                linespacing=1.35,
            )
        if owned:
            draw_titles(
                fig,
                f"Risk matrix: {model.name}",
                f"{what}; a band is a range of risk = likelihood x impact.",
            )
            fig.legend(
                handles=handles,
                title=f"band: {noun}",
                loc="upper left",
                bbox_to_anchor=((_LEFT + _WIDTH + 0.15) / width, 1 - _TOP / height),
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
