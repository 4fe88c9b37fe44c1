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

from maestro_graph.flows import FlowKind
from maestro_graph.layers import Layer
from maestro_graph.risk import Band

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

#: Pale band colours per layer (background) and a stronger one for labels and edges.
LAYER_FILL = MappingProxyType(
    {
        Layer.L1: "#e7eefa",
        Layer.L2: "#e4f3e8",
        Layer.L3: "#fdf1dc",
        Layer.L4: "#ede7f6",
        Layer.L5: "#e0f2f4",
        Layer.L6: "#fbe6ea",
        Layer.L7: "#efefe2",
    }
)
LAYER_INK = MappingProxyType(
    {
        Layer.L1: "#2f5da8",
        Layer.L2: "#2e7d46",
        Layer.L3: "#b26a00",
        Layer.L4: "#5e3c99",
        Layer.L5: "#00838f",
        Layer.L6: "#b0283f",
        Layer.L7: "#6b6b2a",
    }
)

#: (colour, line style) per flow kind: hue says what moves, dashes tell kinds apart in grey.
FLOW_STYLE: MappingProxyType[FlowKind, tuple[str, Any]] = MappingProxyType(
    {
        FlowKind.DATA: ("#1f77b4", "solid"),
        FlowKind.INVOKES: ("#2ca02c", "solid"),
        FlowKind.DELEGATES: ("#9467bd", (0, (6, 2, 1.5, 2))),
        FlowKind.HOSTS: ("#7f7f7f", (0, (1, 1.6))),
        FlowKind.SUPPLIES: ("#8c564b", (0, (5, 2))),
        FlowKind.TELEMETRY: ("#17a2b8", (0, (3, 1.6))),
        FlowKind.AUTHORIZES: ("#9a9a12", (0, (6, 2, 1.5, 2, 1.5, 2))),
        FlowKind.GOVERNS: ("#d45fae", (0, (1.5, 1.5))),
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
