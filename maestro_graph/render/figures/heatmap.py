"""The layer propagation heatmap: the 7x7 layer matrix coloured by the best chain's risk.

Rows are the layer assumed compromised, columns the layer where the chain ends (as in
``maestro-graph matrix``). Each cell shows the best chain's risk and band and how many start/final
component pairs are joined; cells no chain joins are grey and hatched.

Examples
--------
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("netmon"))
>>> fig = plot_heatmap(analysis.model, analysis.layer_matrix())
>>> fig.texts[0].get_text()
'Layer propagation matrix: Network-monitoring agent'
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from maestro_graph.engine.matrix import MatrixCell
from maestro_graph.model import SystemModel
from maestro_graph.model.layers import Layer
from maestro_graph.render.figures.style import (
    INK,
    LAYER_INK,
    MUTED,
    draw_titles,
    figure_style,
    new_figure,
)

_CELL = 0.98  # inches
_LEFT, _RIGHT, _TOP, _BOTTOM = 2.55, 1.25, 1.35, 0.7
_BAND_LETTER = {"low": "L", "medium": "M", "high": "H", "critical": "C"}


def _luminance(rgba: tuple[float, float, float, float]) -> float:
    red, green, blue, _ = rgba
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def plot_heatmap(
    model: SystemModel, cells: Sequence[MatrixCell], *, ax: Axes | None = None
) -> Figure:
    """Draw the 7x7 layer matrix as a heatmap of best-chain risk.

    Parameters
    ----------
    model : SystemModel
        Names the figure.
    cells : sequence of MatrixCell
        The 49 cells of :meth:`maestro_graph.Analysis.layer_matrix`.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("rag-agent"))
    >>> fig = plot_heatmap(analysis.model, analysis.layer_matrix())
    >>> [label.get_text() for label in fig.get_axes()[0].get_yticklabels()][:2]
    ['L1 Foundation Models', 'L2 Data Operations']
    """
    layers = list(Layer)
    by_pair = {(c.source, c.target): c for c in cells}
    risks = np.full((7, 7), np.nan)
    for i, source in enumerate(layers):
        for j, target in enumerate(layers):
            cell = by_pair.get((source, target))
            if cell is not None and cell.chain is not None:
                risks[i, j] = cell.chain.risk
    finite = risks[np.isfinite(risks)]
    top = float(finite.max()) if finite.size else 1.0
    norm = Normalize(vmin=0.0, vmax=max(top, 0.1))
    cmap = colormaps["YlOrRd"]

    with figure_style():
        owned = ax is None
        width = _LEFT + 7 * _CELL + _RIGHT
        height = _TOP + 7 * _CELL + _BOTTOM
        if ax is None:
            fig = new_figure(width, height)
            ax = fig.add_axes(
                (_LEFT / width, _BOTTOM / height, 7 * _CELL / width, 7 * _CELL / height)
            )
        else:
            fig = ax.get_figure()  # type: ignore[assignment]
        shown = np.ma.masked_invalid(risks)
        image = ax.imshow(shown, cmap=cmap, norm=norm, aspect="equal", interpolation="nearest")
        _draw_cells(ax, by_pair, cmap, norm)
        _label_layers(ax)
        filled = int(np.isfinite(risks).sum())
        colorbar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.03, shrink=0.8)
        colorbar.set_label("risk of the best chain (likelihood x impact)", fontsize=8)
        colorbar.ax.tick_params(labelsize=7)
        if owned:
            _draw_frame(fig, model, filled, width, height)
        else:
            ax.set_title(f"Layer propagation matrix: {model.name}", fontsize=9, pad=40)
    return fig


def _draw_cells(
    ax: Axes, by_pair: dict[tuple[Layer, Layer], MatrixCell], cmap: Colormap, norm: Normalize
) -> None:
    """Each cell's risk, band and pairs, or a hatched "no chain"."""
    layers = list(Layer)
    for i, source in enumerate(layers):
        for j, target in enumerate(layers):
            cell = by_pair.get((source, target))
            if cell is None or cell.chain is None:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5),
                        1,
                        1,
                        facecolor="#eeeeee",
                        edgecolor="#bdbdbd",
                        hatch="////",
                        linewidth=0,
                    )
                )
                ax.text(j, i, "no chain", ha="center", va="center", fontsize=7, color=MUTED)
                continue
            chain = cell.chain
            dark = _luminance(cmap(norm(chain.risk))) < 0.5
            ink = "white" if dark else INK
            ax.text(
                j,
                i - 0.12,
                f"{chain.risk:.2f} {_BAND_LETTER[chain.band.value]}",
                ha="center",
                va="center",
                fontsize=9.5,
                fontweight="bold",
                color=ink,
            )
            pairs = "pair" if cell.pairs == 1 else "pairs"
            ax.text(
                j,
                i + 0.2,
                f"{cell.pairs} {pairs}",
                ha="center",
                va="center",
                fontsize=7,
                color=ink,
            )


def _label_layers(ax: Axes) -> None:
    """The white grid between cells and the layers along both axes, in their colours."""
    layers = list(Layer)
    for k in range(8):  # white grid between cells
        ax.axhline(k - 0.5, color="white", linewidth=2)
        ax.axvline(k - 0.5, color="white", linewidth=2)
    ax.set_xlim(-0.5, 6.5)
    ax.set_ylim(6.5, -0.5)
    ax.set_xticks(range(7))
    ax.set_xticklabels(
        [
            f"{layer.value}\n"
            + "\n".join(textwrap.wrap(layer.info.name, 14, break_long_words=False))
            for layer in layers
        ],
        fontsize=7.5,
    )
    ax.set_yticks(range(7))
    ax.set_yticklabels([layer.info.label for layer in layers], fontsize=8)
    for label, layer in zip(ax.get_xticklabels(), layers, strict=True):
        label.set_color(LAYER_INK[layer])
    for label, layer in zip(ax.get_yticklabels(), layers, strict=True):
        label.set_color(LAYER_INK[layer])
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("to: the layer where the chain ends", fontsize=8.5, color=INK, labelpad=8)
    ax.set_ylabel("from: the layer assumed compromised", fontsize=8.5, color=INK)


def _draw_frame(fig: Figure, model: SystemModel, filled: int, width: float, height: float) -> None:
    """The titles, the note under the grid and, when a cell is empty, the legend for it."""
    note = (
        f"Cell: best chain's risk and band (L/M/H/C) and the start/final component pairs "
        f"joined; {filled} of 49 cells have a chain."
    )
    draw_titles(
        fig,
        f"Layer propagation matrix: {model.name}",
        "The best chain from each layer (row, assumed compromised) to each layer (column).",
    )
    fig.text(0.15 / width, 0.2 / height, note, ha="left", va="bottom", fontsize=7.5, color=MUTED)
    if filled < 49:
        fig.legend(
            handles=[Patch(facecolor="#eeeeee", edgecolor="#bdbdbd", hatch="////")],
            labels=["no chain joins the layers"],
            loc="lower right",
            bbox_to_anchor=(1 - 0.15 / width, 0.12 / height),
            frameon=False,
            fontsize=7.5,
        )
