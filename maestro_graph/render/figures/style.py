"""Colours, line styles and the deterministic save shared by every figure.

Figures are :class:`matplotlib.figure.Figure` objects built without pyplot, so nothing touches
matplotlib's global figure manager, and they render with the non-interactive Agg (PNG) and SVG
canvases. :func:`save_figure` writes them byte for byte reproducibly: no dates or software
versions in the metadata, a fixed SVG hash salt, and text drawn as paths.

Examples
--------
>>> from matplotlib.figure import Figure
>>> import io
>>> fig = Figure(figsize=(1, 1))
>>> a, b = io.BytesIO(), io.BytesIO()
>>> save_figure(fig, a, format="svg"); save_figure(fig, b, format="svg")
>>> a.getvalue() == b.getvalue()
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import matplotlib
from matplotlib.figure import Figure

from maestro_graph.engine.risk import Band
from maestro_graph.model.flows import FLOW_COLORS, FlowKind
from maestro_graph.model.layers import LAYER_FILL, LAYER_INK

#: The file types figures can be written as.
FORMATS = ("png", "svg")
#: Resolution of PNG output unless the caller says otherwise.
DEFAULT_DPI = 150

#: rcParams applied while a figure is built and saved: fixed fonts, no random ids in SVG.
RC = MappingProxyType(
    {
        "svg.hashsalt": "maestro-graph",
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "font.size": 8.0,
        "axes.unicode_minus": False,
        "hatch.linewidth": 0.6,
        "path.simplify": True,
    }
)


#: The shared layer palette (maestro_graph.model.layers), re-exported for the figure modules.
__all__ = [
    "BAND_COLOUR",
    "CHAIN_COLOURS",
    "DEFAULT_DPI",
    "ENTRY_COLOUR",
    "FADED",
    "FLOW_STYLE",
    "FORMATS",
    "INK",
    "LAYER_FILL",
    "LAYER_INK",
    "MUTED",
    "RC",
    "check_format",
    "draw_titles",
    "figure_style",
    "new_figure",
    "save_figure",
]

#: (colour, line style) per flow kind: hue says what moves, dashes tell kinds apart in grey.
FLOW_STYLE: MappingProxyType[FlowKind, tuple[str, Any]] = MappingProxyType(
    {
        FlowKind.DATA: (FLOW_COLORS[FlowKind.DATA], "solid"),
        FlowKind.INVOKES: (FLOW_COLORS[FlowKind.INVOKES], "solid"),
        FlowKind.DELEGATES: (FLOW_COLORS[FlowKind.DELEGATES], (0, (6, 2, 1.5, 2))),
        FlowKind.HOSTS: (FLOW_COLORS[FlowKind.HOSTS], (0, (1, 1.6))),
        FlowKind.SUPPLIES: (FLOW_COLORS[FlowKind.SUPPLIES], (0, (5, 2))),
        FlowKind.TELEMETRY: (FLOW_COLORS[FlowKind.TELEMETRY], (0, (3, 1.6))),
        FlowKind.AUTHORIZES: (FLOW_COLORS[FlowKind.AUTHORIZES], (0, (6, 2, 1.5, 2, 1.5, 2))),
        FlowKind.GOVERNS: (FLOW_COLORS[FlowKind.GOVERNS], (0, (1.5, 1.5))),
    }
)

#: The 5x5 matrix band colours, low to critical.
BAND_COLOUR = MappingProxyType(
    {
        Band.LOW: "#b9e0a5",
        Band.MEDIUM: "#ffe08a",
        Band.HIGH: "#fdae61",
        Band.CRITICAL: "#e8534a",
    }
)

#: Colours of highlighted chains, in the order the chains are given.
CHAIN_COLOURS = ("#d81b60", "#1e63c7", "#e67e00", "#00897b", "#6a3d9a", "#8d6e00")
ENTRY_COLOUR = "#b71c1c"
FADED = "#c4c4c4"
INK = "#222222"
MUTED = "#6f6f6f"


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Apply :data:`RC` for the duration of a build or a save, then restore the caller's."""
    with matplotlib.rc_context(dict(RC)):
        yield


def draw_titles(
    fig: Figure, title: str, subtitle: str, *, left: float = 0.15, subtitle_top: float = 0.38
) -> None:
    """The bold title and the muted subtitle at the top left of a figure (offsets in inches)."""
    width, height = fig.get_size_inches()
    fig.text(left / width, 1 - 0.12 / height, title, ha="left", va="top", fontsize=11.5,
             fontweight="bold", color=INK)  # fmt: skip
    fig.text(left / width, 1 - subtitle_top / height, subtitle, ha="left", va="top", fontsize=8,
             color=MUTED)  # fmt: skip


def new_figure(width: float, height: float) -> Figure:
    """A white figure of the given size (inches), not registered with pyplot."""
    return Figure(figsize=(width, height), facecolor="white")


def check_format(path: str | Path) -> str:
    """The figure format a file name asks for, from its suffix.

    Raises
    ------
    ValueError
        When the suffix is not ``.png`` or ``.svg``.

    Examples
    --------
    >>> check_format("out/netmon.SVG")
    'svg'
    >>> check_format("chart.pdf")
    Traceback (most recent call last):
    ...
    ValueError: unsupported figure file 'chart.pdf': the name must end in .png or .svg
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(
            f"unsupported figure file {str(path)!r}: the name must end in .png or .svg"
        )
    return suffix


def save_figure(
    fig: Figure,
    path: str | Path | IO[bytes],
    *,
    format: str | None = None,
    dpi: float = DEFAULT_DPI,
) -> None:
    """Write a figure as PNG or SVG, reproducibly (same figure, same bytes).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str, Path or binary file object
        The format comes from the suffix (``.png`` or ``.svg``) unless ``format`` is given.
    format : {"png", "svg"}, optional
        Required when ``path`` is a file object.
    dpi : float, default 150
        Resolution of PNG output (SVG is vector).

    Raises
    ------
    ValueError
        For a suffix or format other than png and svg.

    Examples
    --------
    >>> import io
    >>> from matplotlib.figure import Figure
    >>> buffer = io.BytesIO()
    >>> save_figure(Figure(figsize=(1, 1)), buffer, format="png", dpi=20)
    >>> buffer.getvalue()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    if format is None:
        if not isinstance(path, str | Path):
            raise ValueError("give format='png' or 'svg' when writing to a file object")
        format = check_format(path)
    format = format.lower()
    if format not in FORMATS:
        raise ValueError(f"unsupported figure format {format!r}; use png or svg")
    metadata: dict[str, str | None] = (
        {"Date": None, "Creator": "maestro-graph"} if format == "svg" else {"Software": None}
    )
    with figure_style():
        fig.savefig(path, format=format, dpi=dpi, metadata=metadata, facecolor=fig.get_facecolor())
