"""The layered architecture view, optionally with attack chains highlighted.

L1 at the bottom to L7 at the top as horizontal bands, L6 as a vertical column on the right,
components as boxes in their band (attacker entries outlined in red with a marker), flows as
arrows coloured and dashed by kind. With chains, each chain's hops are drawn thick in a strong
colour and numbered, and everything else is faded.

Examples
--------
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("netmon"))
>>> fig = plot_architecture(analysis.model, analysis.paths(top=1))
>>> fig.get_axes()[0].get_title() == "" and fig.texts[0].get_text().startswith("Chain #1")
True
"""

from __future__ import annotations

import itertools
import textwrap
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Polygon, Rectangle

from maestro_graph.engine.ranking import Chain
from maestro_graph.model import Component, SystemModel
from maestro_graph.model.flows import FlowKind
from maestro_graph.model.layers import Layer
from maestro_graph.render.figures.layout import (
    STACK,
    ArchitectureLayout,
    Rect,
    architecture_layout,
)
from maestro_graph.render.figures.style import (
    CHAIN_COLOURS,
    ENTRY_COLOUR,
    FADED,
    FLOW_STYLE,
    INK,
    LAYER_FILL,
    LAYER_INK,
    MUTED,
    draw_titles,
    figure_style,
    new_figure,
)

_MARGIN = 0.2
_TITLE_HEIGHT = 0.62
_LINE = 0.175  # height of one line of 7.5 pt notes, inches
_LEGEND_ROW = 0.21
_ID_CHARS = 20
_KIND_CHARS = 26


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chars_per_line(width: float, size: float = 7.5) -> int:
    """How many characters of DejaVu Sans Mono at ``size`` points fit in ``width`` inches."""
    return max(20, int(width * 72 / (size * 0.602)))


def _chain_colour(index: int) -> str:
    return CHAIN_COLOURS[index % len(CHAIN_COLOURS)]


def _titles(model: SystemModel, chains: Sequence[Chain]) -> tuple[str, str]:
    counts = f"{len(model.components)} components, {len(model.flows)} flows"
    if not chains:
        return (
            f"{model.name}: layered architecture",
            f"{counts}. L1 at the bottom to L7 at the top; L6 Security and Compliance spans "
            "all layers (right).",
        )
    if len(chains) == 1:
        chain = chains[0]
        return (
            f"Chain #{chain.rank} {chain.id}: risk {chain.risk:.2f} ({chain.band.value}), "
            f"{chain.signature}",
            f"{model.name} ({counts}). Hops numbered in attack order; everything else faded.",
        )
    ranks = ", ".join(f"#{c.rank}" for c in chains)
    return (
        f"Chains {ranks} in {model.name}",
        f"{counts}. Hops numbered rank.hop in attack order; everything else faded.",
    )


def _notes(chains: Sequence[Chain], width: float) -> list[tuple[str, str]]:
    """The text under the legend, as (line, colour): the chain's steps, or one line per chain
    in the chain's colour."""
    chars = _chars_per_line(width)
    lines: list[tuple[str, str]] = []
    if len(chains) == 1:
        chain = chains[0]
        for number, step in enumerate(chain.steps):
            component = step.state.component
            if step.transition is None:
                how = "attacker entry" if step.state.entry_likelihood is not None else "assumed"
                text = (
                    f"start  {component.id} ({component.layer.value}): {step.threat}  "
                    f"[{how}, likelihood {step.likelihood:.3f}]"
                )
            else:
                previous = chain.steps[number - 1].component
                flow = step.transition.flow
                via = f"{flow.kind.value} flow" if flow else "within the component"
                text = (
                    f"hop {number}  {previous} -> {component.id} ({via}): {step.threat}  "
                    f"[rule {step.transition.rule.id}, x{step.likelihood:.2f}]"
                )
            lines += [(t, INK) for t in textwrap.wrap(text, chars, subsequent_indent="        ")]
    else:
        for index, chain in enumerate(chains):
            text = (
                f"#{chain.rank}  risk {chain.risk:.2f} {chain.band.value}  {chain.id}:  "
                f"{chain.path_text}"
            )
            wrapped = textwrap.wrap(text, chars, subsequent_indent="      ")
            lines += [(t, _chain_colour(index)) for t in wrapped]
    return lines


def _legend_handles(
    model: SystemModel, chains: Sequence[Chain], *, with_chains: bool
) -> list[tuple[Line2D | Patch, str]]:
    present = {flow.kind for flow in model.flows}
    handles: list[tuple[Line2D | Patch, str]] = []
    for kind in FlowKind:
        if kind in present:
            colour, style = FLOW_STYLE[kind]
            if chains:
                colour = FADED
            handles.append(
                (Line2D([], [], color=colour, linestyle=style, linewidth=1.4), f"{kind.value}")
            )
    if model.entry_components():
        handles.append(
            (
                Patch(facecolor="white", edgecolor=ENTRY_COLOUR, linewidth=1.8),
                "attacker entry",
            )
        )
    for index, chain in enumerate(chains if with_chains else ()):
        handles.append(
            (
                Line2D([], [], color=_chain_colour(index), linewidth=3),
                f"chain #{chain.rank} (risk {chain.risk:.2f}, {chain.band.value})",
            )
        )
    return handles


def _draw_bands(ax: Axes, layout: ArchitectureLayout, model: SystemModel) -> None:
    by_layer = model.components_by_layer()
    for layer in (*STACK, Layer.L6):
        band = layout.bands[layer]
        ax.add_patch(
            Rectangle(
                (band.x, band.y),
                band.width,
                band.height,
                facecolor=LAYER_FILL[layer],
                edgecolor="white",
                linewidth=2.5,
                zorder=0,
            )
        )
        name = "\n".join(textwrap.wrap(layer.info.name, 16))
        if layer is Layer.L6:
            empty_at = _label_vertical_band(ax, band, name)
        else:
            empty_at = _label_stacked_band(ax, band, name, layer, layout.label_width)
        if not by_layer[layer]:
            ax.text(
                *empty_at,
                "no component on this layer",
                ha="center",
                va="center",
                fontsize=7,
                fontstyle="italic",
                color=MUTED,
                zorder=1,
            )


def _label_vertical_band(ax: Axes, band: Rect, name: str) -> tuple[float, float]:
    """L6's label at the top of its column; returns where an empty band says so."""
    layer = Layer.L6
    x, top = band.center[0], band.top - 0.1
    ax.text(
        x,
        top,
        "L6",
        ha="center",
        va="top",
        fontsize=11,
        fontweight="bold",
        color=LAYER_INK[layer],
        zorder=1,
    )
    ax.text(
        x,
        top - 0.22,
        name + " (vertical)",
        ha="center",
        va="top",
        fontsize=7,
        color=LAYER_INK[layer],
        zorder=1,
        linespacing=1.1,
    )
    return band.center


def _label_stacked_band(
    ax: Axes, band: Rect, name: str, layer: Layer, label_width: float
) -> tuple[float, float]:
    """A stacked layer's label at the left of its band; returns where an empty band says so."""
    x = 0.12
    ax.add_patch(
        Rectangle(
            (band.x, band.y),
            label_width,
            band.height,
            facecolor=LAYER_INK[layer],
            alpha=0.09,
            edgecolor="none",
            zorder=0.5,
        )
    )
    ax.text(
        x,
        band.top - 0.14,
        layer.value,
        ha="left",
        va="top",
        fontsize=11,
        fontweight="bold",
        color=LAYER_INK[layer],
        zorder=1,
    )
    ax.text(
        x,
        band.top - 0.38,
        name,
        ha="left",
        va="top",
        fontsize=7,
        color=LAYER_INK[layer],
        zorder=1,
        linespacing=1.1,
    )
    return (label_width + (band.width - label_width) / 2, band.center[1])


def _draw_box(
    ax: Axes,
    rect: Rect,
    component: Component,
    *,
    entry: bool,
    faded: bool,
    highlight: str | None,
) -> FancyBboxPatch:
    if highlight:
        edge, width = highlight, 2.0
    elif faded:
        edge, width = (ENTRY_COLOUR if entry else FADED), 0.9
    elif entry:
        edge, width = ENTRY_COLOUR, 1.8
    else:
        edge, width = LAYER_INK[component.layer], 0.9
    patch = FancyBboxPatch(
        (rect.x, rect.y),
        rect.width,
        rect.height,
        boxstyle="round,pad=0,rounding_size=0.07",
        facecolor="white",
        edgecolor=edge,
        linewidth=width,
        alpha=0.55 if faded else 1.0,
        zorder=3,
    )
    ax.add_patch(patch)
    ink, muted = (FADED, FADED) if faded else (INK, MUTED)
    cx, cy = rect.center
    if entry:  # leave room for the entry marker at the left inside the box
        cx += 0.07
    ax.text(
        cx,
        cy + 0.075,
        _short(component.id, _ID_CHARS - 2 if entry else _ID_CHARS),
        ha="center",
        va="center",
        fontsize=7.5,
        fontweight="bold",
        color=ink,
        zorder=3.5,
    )
    ax.text(
        cx,
        cy - 0.115,
        _short(component.kind, _KIND_CHARS - 3 if entry else _KIND_CHARS),
        ha="center",
        va="center",
        fontsize=6.2,
        color=muted,
        zorder=3.5,
    )
    if entry:  # a marker inside the box's left edge, pointing in: the attacker comes in here
        base, size, cy = rect.x + 0.06, 0.075, rect.center[1]
        ax.add_patch(
            Polygon(
                [(base + 1.6 * size, cy), (base, cy + size), (base, cy - size)],
                closed=True,
                facecolor=ENTRY_COLOUR,
                edgecolor="none",
                alpha=0.3 if faded else 1.0,
                zorder=3.2,
            )
        )
    return patch


_CANDIDATE_RADS = (0.07, -0.07, 0.2, -0.2, 0.34, -0.34, 0.5, -0.5)
_SAMPLES = np.linspace(0.05, 0.95, 31)


class FlowRouter:
    """Chooses each arrow's curvature so that it crosses as few other boxes as it can.

    Every candidate curvature (in a fixed order) is sampled along its curve; the first one with
    the fewest boxes crossed and points outside the drawing wins. Deterministic.
    """

    def __init__(self, layout: ArchitectureLayout) -> None:
        self.layout = layout
        self.ids = sorted(layout.boxes)
        self.index = {cid: i for i, cid in enumerate(self.ids)}
        margin = 0.05
        rects = [layout.boxes[cid] for cid in self.ids]
        self.x0 = np.array([r.x - margin for r in rects])
        self.x1 = np.array([r.right + margin for r in rects])
        self.y0 = np.array([r.y - margin for r in rects])
        self.y1 = np.array([r.top + margin for r in rects])

    def cost(self, a: str, b: str, rad: float) -> int:
        """Boxes (other than the two ends) the curve from ``a`` to ``b`` crosses, plus the
        samples that leave the drawing."""
        (x1, y1), (x2, y2) = self.layout.boxes[a].center, self.layout.boxes[b].center
        cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
        t = _SAMPLES
        px = (1 - t) ** 2 * x1 + 2 * t * (1 - t) * cx + t**2 * x2
        py = (1 - t) ** 2 * y1 + 2 * t * (1 - t) * cy + t**2 * y2
        inside = (
            (px[:, None] > self.x0)
            & (px[:, None] < self.x1)
            & (py[:, None] > self.y0)
            & (py[:, None] < self.y1)
        )
        crossed = inside.any(axis=0)
        crossed[self.index[a]] = crossed[self.index[b]] = False
        outside = (
            (px < self.layout.label_width)  # the layer labels stay readable
            | (px > self.layout.width)
            | (py < 0)
            | (py > self.layout.height)
        )
        return int(crossed.sum()) + int(outside.sum())

    def group(self, a: str, b: str, count: int, spread: float) -> list[float]:
        """Curvatures (for the direction ``a`` to ``b``, ``a < b``) of ``count`` parallel arrows."""
        best: tuple[int, list[float]] | None = None
        for base in _CANDIDATE_RADS:
            step = spread if base > 0 else -spread
            rads = [base + k * step for k in range(count)]
            total = sum(self.cost(a, b, rad) for rad in rads)
            if best is None or total < best[0]:
                best = (total, rads)
        assert best is not None
        return best[1]

    def single(self, a: str, b: str, avoid: Sequence[float]) -> float:
        """The best curvature from ``a`` to ``b`` at least 0.2 away from those in ``avoid``."""
        key = (min(a, b), max(a, b))
        candidates = [
            r for r in (*_CANDIDATE_RADS, 0.66, -0.66) if all(abs(r - u) >= 0.2 for u in avoid)
        ]
        rad = min(candidates, key=lambda r: self.cost(key[0], key[1], r)) if candidates else 0.8
        return rad


def _arrow(
    ax: Axes,
    patches: dict[str, FancyBboxPatch],
    layout: ArchitectureLayout,
    source: str,
    target: str,
    rad: float,
    **style: object,
) -> FancyArrowPatch:
    arrow = FancyArrowPatch(
        layout.boxes[source].center,
        layout.boxes[target].center,
        patchA=patches[source],
        patchB=patches[target],
        connectionstyle=f"arc3,rad={rad:.4f}",
        shrinkA=1.0,
        shrinkB=1.5,
        **style,  # type: ignore[arg-type]
    )
    ax.add_patch(arrow)
    return arrow


def _curve_point(
    a: tuple[float, float], b: tuple[float, float], rad: float, t: float
) -> tuple[float, float]:
    """The point at ``t`` (0 to 1) of matplotlib's arc3 quadratic curve from ``a`` to ``b``."""
    (x1, y1), (x2, y2) = a, b
    cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
    u = 1 - t
    return (u * u * x1 + 2 * t * u * cx + t * t * x2, u * u * y1 + 2 * t * u * cy + t * t * y2)


def signed_bend(source: str, target: str, rad: float) -> float:
    """arc3 curvature flips with direction: ``rad`` is given for the pair in id order."""
    return rad if source < target else -rad


def _draw_flows(
    ax: Axes,
    model: SystemModel,
    layout: ArchitectureLayout,
    patches: dict[str, FancyBboxPatch],
    router: FlowRouter,
    faded: bool,
) -> None:
    pairs: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    kind_order = {kind: i for i, kind in enumerate(FlowKind)}
    for flow in model.flows:
        key = (min(flow.source, flow.target), max(flow.source, flow.target))
        pairs[key].append((flow.source, flow.target, kind_order[flow.kind]))
    kinds = list(FlowKind)
    busy = len(model.flows) > 80
    for key in sorted(pairs):
        members = sorted(pairs[key])
        rads = router.group(key[0], key[1], len(members), 0.13)
        for rad, (source, target, kind_index) in zip(rads, members, strict=True):
            colour, style = FLOW_STYLE[kinds[kind_index]]
            _arrow(
                ax,
                patches,
                layout,
                source,
                target,
                signed_bend(source, target, rad),
                arrowstyle="-|>,head_length=0.55,head_width=0.28",
                mutation_scale=9,
                color=FADED if faded else colour,
                linestyle=style,
                linewidth=0.7 if faded or busy else 1.0,
                alpha=0.7 if faded else (0.7 if busy else 0.85),
                zorder=1.5,
            )


def _badge(ax: Axes, xy: tuple[float, float], text: str, colour: str) -> None:
    ax.text(
        *xy,
        text,
        ha="center",
        va="center",
        fontsize=7.5,
        fontweight="bold",
        color="white",
        zorder=5,
        bbox={
            "boxstyle": "round,pad=0.25,rounding_size=0.6",
            "facecolor": colour,
            "edgecolor": "white",
            "linewidth": 0.8,
        },
    )


class _Labels:
    """Places badges along their curves where they hit neither another label nor a box."""

    def __init__(self, layout: ArchitectureLayout) -> None:
        self.layout = layout
        self.taken: list[tuple[float, float, float, float]] = []  # centre x, y, half w, half h

    def add(self, x: float, y: float, half_width: float, half_height: float) -> None:
        self.taken.append((x, y, half_width, half_height))

    def _clash(self, x: float, y: float, half_width: float, half_height: float) -> int:
        clashes = sum(
            abs(x - ox) < half_width + ow and abs(y - oy) < half_height + oh
            for ox, oy, ow, oh in self.taken
        )
        boxes = sum(
            r.x - half_width < x < r.right + half_width
            and r.y - half_height < y < r.top + half_height
            for r in self.layout.boxes.values()
        )
        return 2 * clashes + boxes

    def place(self, a: str, b: str, rad: float, half_width: float) -> tuple[float, float]:
        start, end = self.layout.boxes[a].center, self.layout.boxes[b].center
        spots = [_curve_point(start, end, rad, t) for t in (0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75)]
        x, y = min(spots, key=lambda p: self._clash(p[0], p[1], half_width, 0.09))
        self.add(x, y, half_width, 0.09)
        return x, y


def _draw_chains(
    ax: Axes,
    layout: ArchitectureLayout,
    patches: dict[str, FancyBboxPatch],
    router: FlowRouter,
    chains: Sequence[Chain],
) -> None:
    """Hops as thick arrows, then the start labels where no hop arrives, then the numbers
    along the arrows where they hit no box and no other label."""
    hops, loops = _draw_hops(ax, layout, patches, router, chains)
    curve = [
        _curve_point(layout.boxes[a].center, layout.boxes[b].center, rad, t)
        for a, b, rad, _, _ in hops
        for t in np.linspace(0.0, 1.0, 41)
    ]
    labels = _Labels(layout)
    _label_starts(ax, layout, chains, curve, labels)
    corner: dict[str, int] = defaultdict(int)
    for component, label, colour in loops:
        rect = layout.boxes[component]
        xy = (rect.right - 0.1 - 0.3 * corner[component], rect.top)
        corner[component] += 1
        _badge(ax, xy, label, colour)
        labels.add(*xy, 0.12, 0.09)
    for a, b, rad, label, colour in hops:
        _badge(ax, labels.place(a, b, rad, 0.05 + 0.035 * len(label)), label, colour)


_Hop = tuple[str, str, float, str, str]  # source, target, signed bend, label, colour


def _draw_hops(
    ax: Axes,
    layout: ArchitectureLayout,
    patches: dict[str, FancyBboxPatch],
    router: FlowRouter,
    chains: Sequence[Chain],
) -> tuple[list[_Hop], list[tuple[str, str, str]]]:
    """Each hop between components as a thick arrow; returns those hops and the escalations
    inside one component (component, label, colour), which get a badge instead."""
    hops: list[_Hop] = []
    loops: list[tuple[str, str, str]] = []  # component, label, colour
    used: dict[tuple[str, str], list[float]] = defaultdict(list)
    for index, chain in enumerate(chains):
        colour = _chain_colour(index)
        for number, (before, after) in enumerate(itertools.pairwise(chain.steps), start=1):
            label = str(number) if len(chains) == 1 else f"{chain.rank}.{number}"
            a, b = before.component, after.component
            if a == b:  # an escalation inside one component: a badge on its corner
                loops.append((a, label, colour))
                continue
            key = (min(a, b), max(a, b))
            rad = router.single(a, b, used[key])
            used[key].append(rad)
            signed = signed_bend(a, b, rad)
            _arrow(
                ax,
                patches,
                layout,
                a,
                b,
                signed,
                arrowstyle="-|>,head_length=0.6,head_width=0.32",
                mutation_scale=14,
                color=colour,
                linewidth=2.6,
                zorder=2.5,
            )
            hops.append((a, b, signed, label, colour))
    return hops, loops


def _label_starts(
    ax: Axes,
    layout: ArchitectureLayout,
    chains: Sequence[Chain],
    curve: list[tuple[float, float]],
    labels: _Labels,
) -> None:
    """ "start" beside each chain's first component, on the side its arrows cross least."""
    starts: dict[str, list[int]] = defaultdict(list)
    for index, chain in enumerate(chains):
        starts[chain.entry].append(index)
    for component, indexes in sorted(starts.items()):
        rect = layout.boxes[component]
        text = (
            "start"
            if len(chains) == 1
            else "start " + " ".join(f"#{chains[i].rank}" for i in indexes)
        )
        half_width, half_height = 0.04 + 0.029 * len(text), 0.075
        spots = [
            (rect.x + 0.04 + half_width, rect.top + 0.09),
            (rect.right - 0.04 - half_width, rect.top + 0.09),
            (rect.x + 0.04 + half_width, rect.y - 0.09),
            (rect.right - 0.04 - half_width, rect.y - 0.09),
        ]
        x, y = min(
            spots,
            key=lambda p: sum(
                abs(p[0] - cx) < half_width and abs(p[1] - cy) < half_height for cx, cy in curve
            ),
        )
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=6.5,
            fontweight="bold",
            color=_chain_colour(indexes[0]),
            zorder=4,
            bbox={
                "boxstyle": "square,pad=0.1",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
        )
        labels.add(x, y, half_width, half_height)


def _draw_boxes(
    ax: Axes, layout: ArchitectureLayout, model: SystemModel, chains: Sequence[Chain]
) -> dict[str, FancyBboxPatch]:
    """Every component's box: entries marked, chain components in their chain's colour and,
    when chains are shown, the others faded."""
    entries = {c.id for c in model.entry_components()}
    on_chain: dict[str, str] = {}
    for index, chain in enumerate(chains):
        for step in chain.steps:
            on_chain.setdefault(step.component, _chain_colour(index))
    return {
        c.id: _draw_box(
            ax,
            layout.boxes[c.id],
            c,
            entry=c.id in entries,
            faded=bool(chains) and c.id not in on_chain,
            highlight=on_chain.get(c.id),
        )
        for c in sorted(model.components, key=lambda c: c.id)
    }


def plot_architecture(
    model: SystemModel,
    chains: Sequence[Chain] | Chain | None = None,
    *,
    ax: Axes | None = None,
) -> Figure:
    """Draw the layered architecture, with chains highlighted when given.

    Parameters
    ----------
    model : SystemModel
    chains : Chain or sequence of Chain, optional
        Chains to highlight: their hops thick and numbered (``hop`` alone for one chain,
        ``rank.hop`` for several), everything else faded.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (the legend goes below them). By default a new figure is sized
        to the model so that text keeps one size, however many components there are.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import maestro_graph as mg
    >>> fig = plot_architecture(mg.example("rag-agent"))
    >>> width, height = fig.get_size_inches()
    >>> bool(width > height > 4)
    True
    """
    if isinstance(chains, Chain):
        chains = [chains]
    chains = list(chains or ())
    layout = architecture_layout(model)
    with figure_style():
        owned = ax is None
        handles = _legend_handles(model, chains, with_chains=not owned)
        if ax is None:
            width = layout.width + 2 * _MARGIN
            rows = -(-len(handles) // max(1, int(width // 1.45)))
            columns = max(1, -(-len(handles) // rows))
            legend_height = _LEGEND_ROW * rows + 0.12
            notes = _notes(chains, width - 2 * _MARGIN) if chains else []
            notes_height = _LINE * len(notes) + (0.12 if notes else 0.0)
            bottom = _MARGIN + legend_height + notes_height
            height = _TITLE_HEIGHT + layout.height + bottom + 0.08
            fig = new_figure(width, height)
            ax = fig.add_axes(
                (_MARGIN / width, bottom / height, layout.width / width, layout.height / height)
            )
        else:
            fig = ax.get_figure()  # type: ignore[assignment]
            ax.set_aspect("equal")
        ax.set_xlim(0, layout.width)
        ax.set_ylim(0, layout.height)
        ax.set_axis_off()

        _draw_bands(ax, layout, model)
        patches = _draw_boxes(ax, layout, model, chains)
        router = FlowRouter(layout)
        _draw_flows(ax, model, layout, patches, router, faded=bool(chains))
        if chains:
            _draw_chains(ax, layout, patches, router, chains)

        title, subtitle = _titles(model, chains)
        legend_options = {
            "handles": [h for h, _ in handles],
            "labels": [label for _, label in handles],
            "frameon": False,
            "fontsize": 7.5,
            "handlelength": 3.2,
            "columnspacing": 1.6,
        }
        if owned:
            draw_titles(fig, title, subtitle, left=_MARGIN, subtitle_top=0.36)
            fig.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, (bottom - 0.06) / height),
                ncol=columns,
                **legend_options,
            )
            for line, (text, colour) in enumerate(notes):
                fig.text(
                    _MARGIN / width,
                    (_MARGIN + notes_height - 0.06 - line * _LINE) / height,
                    text,
                    ha="left",
                    va="top",
                    fontsize=7.5,
                    color=colour,
                    family="DejaVu Sans Mono",
                )
        else:
            ax.set_title(f"{title}\n{subtitle}", fontsize=9, loc="left")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, **legend_options)
    return fig
