"""The chain explorer: one self-contained, interactive HTML page for an analysis.

The page shows the layered architecture (L1 at the bottom to L7 at the top, L6 as a vertical
band beside them) as inline SVG, the ranked chains beside it, the layer matrix and the
mitigation plan. Selecting a chain highlights its hops in order on the drawing and lists each
hop with its explanation. Filters, the matrix cells and the plan's placements narrow or change
what the list shows.

Everything is computed here, by the engine, when the page is written: the browser only reads a
JSON blob embedded in the page and runs a small vanilla script (no library, no request to any
host, no web font). The same analysis always gives the same bytes: keys are sorted, numbers
rounded, and nothing depends on the clock or on chance.

The mitigation toggles are exact when the plan has at most :data:`EXACT_SUBSETS_UP_TO`
placements: every subset of them is re-analysed here (the listed chains' risks and the best
chain left). With more placements, only the empty set, each placement alone and the whole plan
are re-analysed; for other subsets the browser multiplies each chain's per-placement factors
(what the planner assumes: placements act on distinct steps) and shows the best listed chain as
the residual risk, marked approximate.

Examples
--------
>>> import maestro_graph as mg
>>> page = render_explorer(mg.analyze(mg.example("netmon")), top=5)
>>> page.startswith("<!DOCTYPE html>") and "http://" not in page and "https://" not in page
True
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
import textwrap
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maestro_graph.analysis import DEFAULT_MAX_HOPS
from maestro_graph.decisions.mitigation import MitigationPlan, Placement, defender_options
from maestro_graph.engine.detection import telemetry_watchers
from maestro_graph.engine.ranking import Chain, ChainStep, risk_of
from maestro_graph.engine.risk import RISK_BOUNDS, Band, band_of_risk
from maestro_graph.model.flows import FlowKind
from maestro_graph.model.layers import LAYER_FILL, LAYER_INK, Layer
from maestro_graph.render.chains import describe_variants
from maestro_graph.render.figures.architecture import FlowRouter, signed_bend
from maestro_graph.render.figures.layout import (
    STACK,
    ArchitectureLayout,
    Rect,
    architecture_layout,
)
from maestro_graph.render.figures.style import (
    BAND_COLOUR,
    CHAIN_COLOURS,
    ENTRY_COLOUR,
    FLOW_STYLE,
)

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis
    from maestro_graph.engine.matrix import MatrixCell
    from maestro_graph.engine.propagation import AttackGraph
    from maestro_graph.model import Component, SystemModel

#: How many chains the explorer lists unless told otherwise.
DEFAULT_TOP = 50
#: Plans with at most this many placements have every subset re-analysed (2**6 = 64 analyses).
EXACT_SUBSETS_UP_TO = 6
#: Pixels per inch of the architecture layout (the figures' geometry is in inches).
SCALE = 64.0
#: Spread between parallel flows joining the same two components (as in the figure).
_PARALLEL_SPREAD = 0.13
_ID_CHARS = 20
_KIND_CHARS = 26
_CURVE_SAMPLES = 48


# -- geometry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Canvas:
    """Turns the layout's inches (origin bottom left) into SVG pixels (origin top left)."""

    layout: ArchitectureLayout

    @property
    def size(self) -> tuple[float, float]:
        return (self.layout.width * SCALE, self.layout.height * SCALE)

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (round(x * SCALE, 1), round((self.layout.height - y) * SCALE, 1))

    def rect(self, rect: Rect) -> tuple[float, float, float, float]:
        x, y = self.point(rect.x, rect.top)
        return (x, y, round(rect.width * SCALE, 1), round(rect.height * SCALE, 1))


Point = tuple[float, float]


def _control_point(a: Point, b: Point, rad: float) -> Point:
    """The control point of matplotlib's ``arc3`` curve from ``a`` to ``b`` (as the figure)."""
    (x1, y1), (x2, y2) = a, b
    return ((x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1))


def _blossom(p0: Point, p1: Point, p2: Point, u: float, v: float) -> Point:
    """The quadratic Bezier's blossom: ``(t, t)`` is a point, ``(t0, t1)`` a sub-curve's control."""
    w0, w1, w2 = (1 - u) * (1 - v), (1 - u) * v + u * (1 - v), u * v
    return (w0 * p0[0] + w1 * p1[0] + w2 * p2[0], w0 * p0[1] + w1 * p1[1] + w2 * p2[1])


def _inside(rect: Rect, point: Point) -> bool:
    return rect.x <= point[0] <= rect.right and rect.y <= point[1] <= rect.top


def _clip(curve: tuple[Point, Point, Point], start: Rect, end: Rect) -> tuple[float, float]:
    """The part of the curve outside both end boxes, as ``(t0, t1)``, so arrows meet the edges."""
    steps = [n / _CURVE_SAMPLES for n in range(_CURVE_SAMPLES + 1)]
    points = [_blossom(*curve, t, t) for t in steps]
    t0 = next((t for t, p in zip(steps, points, strict=True) if not _inside(start, p)), 0.0)
    t1 = next(
        (t for t, p in zip(reversed(steps), reversed(points), strict=True) if not _inside(end, p)),
        1.0,
    )
    return (t0, t1) if t0 < t1 else (0.0, 1.0)


def _curve(layout: ArchitectureLayout, source: str, target: str, rad: float) -> dict[str, Any]:
    """An SVG path ``d`` from box to box and the point half-way along it (for a hop number)."""
    canvas = _Canvas(layout)
    start, end = layout.boxes[source], layout.boxes[target]
    p0, p2 = start.center, end.center
    p1 = _control_point(p0, p2, rad)
    t0, t1 = _clip((p0, p1, p2), start, end)
    a, c, b = (_blossom(p0, p1, p2, u, v) for u, v in ((t0, t0), (t0, t1), (t1, t1)))
    middle = canvas.point(*_blossom(p0, p1, p2, 0.5, 0.5))
    (ax, ay), (cx, cy), (bx, by) = canvas.point(*a), canvas.point(*c), canvas.point(*b)
    return {"d": f"M{ax} {ay}Q{cx} {cy} {bx} {by}", "x": middle[0], "y": middle[1]}


# -- the drawing --------------------------------------------------------------------------------


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dashes(style: object) -> str:
    """A matplotlib line style as an SVG ``stroke-dasharray`` (empty for a solid line)."""
    if isinstance(style, tuple):
        return " ".join(f"{value:g}" for value in style[1])
    return ""


def _markers() -> str:
    """One arrow head per flow kind, and one for highlighted hops."""
    heads = [(f"m-{kind.value}", FLOW_STYLE[kind][0]) for kind in FlowKind] + [
        ("m-hop", CHAIN_COLOURS[0])
    ]
    return "".join(
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" '
        f'fill="{colour}"/></marker>'
        for name, colour in heads
    )


def _wrapped(lines: Sequence[str], x: float, y: float, ink: str, anchor: str = "") -> str:
    """Lines of a layer's name under its code, one ``tspan`` each."""
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if n == 0 else 11}">{html.escape(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return f'<text x="{x:g}" y="{y:g}" {anchor}class="band-name" fill="{ink}">{spans}</text>'


def _name_lines(layer: Layer) -> list[str]:
    """The layer's name wrapped at 16 characters, as the figure wraps it; L6 says it is
    vertical on its last line."""
    lines = textwrap.wrap(layer.info.name, 16)
    if layer is Layer.L6:
        lines[-1] += " (vertical)"
    return lines


def _band_svg(layer: Layer, layout: ArchitectureLayout, empty: bool) -> str:
    canvas = _Canvas(layout)
    x, y, width, height = canvas.rect(layout.bands[layer])
    parts = [
        f'<g class="layer-band" data-layer="{layer.value}"><rect x="{x}" y="{y}" width="{width}" '
        f'height="{height}" fill="{LAYER_FILL[layer]}" stroke="#fff" stroke-width="3"/>'
    ]
    ink = LAYER_INK[layer]
    if layer is Layer.L6:
        middle = round(x + width / 2, 1)
        parts.append(
            f'<text x="{middle}" y="{y + 16}" text-anchor="middle" class="band-code" '
            f'fill="{ink}">L6</text>'
            + _wrapped(_name_lines(layer), middle, y + 29, ink, 'text-anchor="middle" ')
        )
        empty_at = (middle, round(y + height / 2, 1))
    else:
        label = round(layout.label_width * SCALE, 1)
        parts.append(
            f'<rect x="{x}" y="{y}" width="{label}" height="{height}" fill="{ink}" '
            f'fill-opacity="0.09"/><text x="{x + 8}" y="{y + 18}" class="band-code" '
            f'fill="{ink}">{layer.value}</text>' + _wrapped(_name_lines(layer), x + 8, y + 32, ink)
        )
        empty_at = (round(x + label + (width - label) / 2, 1), round(y + height / 2, 1))
    if empty:
        parts.append(
            f'<text x="{empty_at[0]}" y="{empty_at[1]}" text-anchor="middle" '
            'class="band-empty">no component on this layer</text>'
        )
    return "".join(parts) + "</g>"


def _flows_svg(model: SystemModel, layout: ArchitectureLayout, router: FlowRouter) -> str:
    """Every flow as an arrow, parallel flows fanned out the way the figure routes them."""
    pairs: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    kinds = list(FlowKind)
    for flow in model.flows:
        key = (min(flow.source, flow.target), max(flow.source, flow.target))
        pairs[key].append((flow.source, flow.target, kinds.index(flow.kind)))
    parts = []
    for key in sorted(pairs):
        members = sorted(pairs[key])
        if key[0] == key[1]:
            continue  # a flow from a component to itself has no arrow to draw
        rads = router.group(key[0], key[1], len(members), _PARALLEL_SPREAD)
        for rad, (source, target, kind_index) in zip(rads, members, strict=True):
            kind = kinds[kind_index]
            colour, style = FLOW_STYLE[kind]
            curve = _curve(layout, source, target, signed_bend(source, target, rad))
            dashes = _dashes(style)
            dash = f' stroke-dasharray="{dashes}"' if dashes else ""
            label = html.escape(f"{source} → {target} ({kind.value})")
            parts.append(
                f'<path class="flow" d="{curve["d"]}" stroke="{colour}"{dash} '
                f'marker-end="url(#m-{kind.value})" data-from="{source}" data-to="{target}">'
                f"<title>{label}</title></path>"
            )
    return "".join(parts)


def _node_svg(component: Component, rect: Rect, canvas: _Canvas, entry: bool) -> str:
    x, y, width, height = canvas.rect(rect)
    cx = round(x + width / 2 + (5 if entry else 0), 1)
    edge = ENTRY_COLOUR if entry else LAYER_INK[component.layer]
    name = f" ({component.name})" if component.name and component.name != component.id else ""
    tip = html.escape(
        f"{component.id}{name}: {component.layer.info.label}, {component.kind}"
        + (", attacker entry" if entry else "")
    )
    marker = (
        f'<path class="entry-mark" d="M{x + 4} {y + height / 2 - 5:.1f}l8 5l-8 5z" '
        f'fill="{ENTRY_COLOUR}"/>'
        if entry
        else ""
    )
    return (
        f'<g class="node{" entry" if entry else ""}" data-id="{component.id}" '
        f'data-layer="{component.layer.value}"><title>{tip}</title>'
        f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="4.5" fill="#fff" '
        f'stroke="{edge}" stroke-width="{1.8 if entry else 1}"/>{marker}'
        f'<text x="{cx}" y="{round(y + height / 2 - 2, 1)}" text-anchor="middle" '
        f'class="node-id">{html.escape(_short(component.id, _ID_CHARS - (2 if entry else 0)))}'
        f'</text><text x="{cx}" y="{round(y + height / 2 + 10, 1)}" text-anchor="middle" '
        f'class="node-kind">{html.escape(_short(component.kind, _KIND_CHARS))}</text></g>'
    )


def architecture_svg(model: SystemModel, layout: ArchitectureLayout | None = None) -> str:
    """The layered architecture as inline SVG (HTML5 needs no namespace for it), laid out and
    with flows routed as in the matplotlib figure.

    Parameters
    ----------
    model : SystemModel
    layout : ArchitectureLayout, optional
        From :func:`~maestro_graph.render.figures.layout.architecture_layout` (computed when
        not given).

    Returns
    -------
    str
        An ``<svg>`` element with a ``<g id="hops">`` the page's script draws chains into.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> model = mg.example("netmon")
    >>> svg = architecture_svg(model)
    >>> svg.count('<g class="node'), svg.count('class="flow"') <= len(model.flows)
    (16, True)
    """
    layout = layout or architecture_layout(model)
    router = FlowRouter(layout)  # the figure's router: flows avoid the boxes they would cross
    canvas = _Canvas(layout)
    width, height = canvas.size
    by_layer = model.components_by_layer()
    entries = {c.id for c in model.entry_components()}
    bands = "".join(_band_svg(layer, layout, not by_layer[layer]) for layer in (*STACK, Layer.L6))
    nodes = "".join(
        _node_svg(c, layout.boxes[c.id], canvas, c.id in entries)
        for c in sorted(model.components, key=lambda c: c.id)
    )
    title = html.escape(f"{model.name}: layered architecture")
    return (
        f'<svg id="arch" viewBox="0 0 {width:.1f} {height:.1f}" role="img" '
        f'aria-labelledby="arch-title"><title id="arch-title">{title}</title>'
        f'<defs>{_markers()}</defs><g id="bands">{bands}</g>'
        f'<g id="flows">{_flows_svg(model, layout, router)}</g><g id="nodes">{nodes}</g>'
        '<g id="hops"></g></svg>'
    )


# -- the data the page reads --------------------------------------------------------------------


def _acts_on_step(placement: Placement, step: ChainStep, first: bool) -> bool:
    """Whether a placement the engine found for the chain sits on this step: the entry's
    component for the entry threat, the step's component or flow for a blocking control."""
    state = step.state
    if first:
        return placement.component == state.component.id and (
            placement.control in state.threat.mitigated_by
        )
    transition = step.transition
    assert transition is not None
    flow = transition.flow
    on_step = placement.component == state.component.id or (
        flow is not None and placement.flow == (flow.source, flow.target)
    )
    return on_step and placement.control in transition.rule.blocked_by


def _step_record(
    step: ChainStep,
    number: int,
    options: dict[Placement, float],
    graph: AttackGraph,
    telemetry: dict[str, tuple[str, ...]],
) -> dict[str, Any]:
    """One hop: the chain's own record of it plus names, how it starts, and what cuts it."""
    record = step.to_record()
    state = step.state
    catalog = graph.catalog
    record["kind"] = state.component.kind
    record["name"] = state.component.name or ""
    record["start"] = (
        None if step.transition else ("entry" if state.entry_likelihood is not None else "assumed")
    )
    record["cut_by"] = [
        {"placement": str(p), "factor": round(1 - catalog.controls[p.control].effectiveness, 4)}
        for p in sorted(options)
        if _acts_on_step(p, step, number == 0)
    ]
    record["telemetry"] = list(telemetry.get(state.component.id, ()))
    return record


def _hop_geometry(
    chain: Chain, layout: ArchitectureLayout, router: FlowRouter
) -> list[dict[str, Any]]:
    """Each hop's highlight arrow (or corner badge for a step inside one component)."""
    canvas = _Canvas(layout)
    used: dict[tuple[str, str], list[float]] = defaultdict(list)
    hops = []
    for number, (before, after) in enumerate(itertools.pairwise(chain.steps), start=1):
        a, b = before.component, after.component
        if a == b:
            box = layout.boxes[a]
            x, y = canvas.point(box.right - 0.1, box.top)
            hops.append({"n": number, "from": a, "to": b, "loop": True, "x": x, "y": y})
            continue
        key = (min(a, b), max(a, b))
        rad = router.single(a, b, used[key])
        used[key].append(rad)
        hops.append(
            {"n": number, "from": a, "to": b, "loop": False}
            | _curve(layout, a, b, signed_bend(a, b, rad))
        )
    return hops


def _search_text(chain: Chain) -> str:
    words = []
    for step in chain.steps:
        component, threat = step.state.component, step.state.threat
        words += [component.id, component.name or "", component.kind, threat.id, threat.name]
    return " ".join(dict.fromkeys(w.lower() for w in words if w))


def _chain_record(
    chain: Chain,
    graph: AttackGraph,
    layout: ArchitectureLayout,
    router: FlowRouter,
    telemetry: dict[str, tuple[str, ...]],
) -> dict[str, Any]:
    """A listed chain: its JSON record (DESIGN section 8) and what the page shows with it."""
    record = chain.to_record()
    options = defender_options(chain, graph)
    record["steps"] = [
        _step_record(step, n, options, graph, telemetry) for n, step in enumerate(chain.steps)
    ]
    record["entry_layer"] = chain.steps[0].layer.value
    record["target_layer"] = chain.steps[-1].layer.value
    record["route"] = list(chain.route)
    record["path_text"] = chain.path_text
    record["evidence_summary"] = chain.evidence_summary()
    record["variants_text"] = describe_variants(chain) if chain.variants else ""
    record["explain"] = chain.explain()
    record["search"] = _search_text(chain)
    record["hop_paths"] = _hop_geometry(chain, layout, router)
    record["options"] = sorted(
        (
            {"placement": str(p), "risk_after": round(chain.risk * math.exp(-w), 4)}
            for p, w in options.items()
        ),
        key=lambda o: (o["risk_after"], o["placement"]),
    )
    return record


def _matrix_record(cells: Sequence[MatrixCell]) -> list[dict[str, Any]]:
    """The layer matrix's cells that hold a chain or a pair (assume breach, as in MAESTRO)."""
    return [
        {
            "source": cell.source.value,
            "target": cell.target.value,
            "pairs": cell.pairs,
            "risk": round(cell.chain.risk, 4) if cell.chain else None,
            "band": cell.chain.band.value if cell.chain else None,
            "path_text": cell.chain.path_text if cell.chain else "",
        }
        for cell in cells
        if cell.chain is not None or cell.pairs
    ]


def _scenario(
    analysis: Analysis, placements: Sequence[Placement], chains: Sequence[Chain], max_hops: int
) -> dict[str, Any]:
    """The listed chains' risks and the best chain left, with these placements in place."""
    changed = analysis.with_controls(placements) if placements else analysis
    graph = changed.attack_graph
    risks = []
    for chain in chains:
        risk = risk_of(graph, [step.state.key for step in chain.steps])
        risks.append(round(risk if risk is not None else 0.0, 4))  # None: the chain is gone
    bands = [band_of_risk(risk).value for risk in risks]
    best = changed.paths(top=1, max_hops=max_hops)
    top = (
        {"risk": round(best[0].risk, 4), "band": best[0].band.value, "path_text": best[0].path_text}
        if len(best)
        else {"risk": 0.0, "band": "low", "path_text": ""}
    )
    return {"risks": risks, "bands": bands, "top": top}


def _plan_record(
    analysis: Analysis, plan: MitigationPlan, chains: Sequence[Chain], max_hops: int
) -> dict[str, Any]:
    """The plan's placements and, per subset of them (or per placement), what is left."""
    placements = list(plan.placements)
    count = len(placements)
    exact = count <= EXACT_SUBSETS_UP_TO
    if exact:
        masks = range(2**count)
    else:  # nothing, each placement alone, and the whole plan
        masks = sorted({0, 2**count - 1, *(1 << n for n in range(count))})
    scenarios = {
        str(mask): _scenario(
            analysis,
            [p for n, p in enumerate(placements) if mask >> n & 1],
            chains,
            max_hops,
        )
        for mask in masks
    }
    return {
        "band": plan.band.value,
        "method": plan.method,
        "note": plan.note,
        "exact": exact,
        "placements": [
            {
                "placement": str(r.placement),
                "control": r.placement.control,
                "target": r.placement.target,
                "layer": r.layer,
                "routes": len(r.chains),
                "pairs": r.pairs,
                "risk_removed": round(r.risk_removed, 4),
            }
            for r in plan.recommendations
        ],
        "scenarios": scenarios,
        "before": plan.before.counts,
        "after": plan.after.counts,
        "uncuttable": list(plan.uncuttable),
    }


def _model_record(model: SystemModel, analysis: Analysis, top: int) -> dict[str, Any]:
    catalog = analysis.catalog
    return {
        "name": model.name,
        "components": len(model.components),
        "flows": len(model.flows),
        "catalog": catalog.version,
        "atlas": catalog.atlas_version,
        "top": top,
        "layers": [{"code": layer.value, "name": layer.info.name} for layer in Layer],
        "risk_bounds": list(RISK_BOUNDS),
    }


def explorer_data(
    analysis: Analysis,
    *,
    top: int = DEFAULT_TOP,
    threshold: Band | str | None = None,
    max_hops: int | None = None,
) -> dict[str, Any]:
    """Everything the explorer page shows, as plain JSON-ready data.

    Parameters
    ----------
    analysis : Analysis
    top : int, default 50
        How many chains to list (the ranking of :meth:`Analysis.paths`).
    threshold : Band or str, optional
        The mitigation plan's band (default ``high``, as :meth:`Analysis.mitigate`).
    max_hops : int, optional
        The hop bound of the chains, the matrix and the plan (default: the analysis's).

    Returns
    -------
    dict
        ``model``, ``chains`` (rank order, each its :meth:`Chain.to_record` with what the page
        shows besides), ``atlas`` (technique names by id), ``matrix`` and ``plan``.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> data = explorer_data(mg.analyze(mg.example("netmon")), top=3)
    >>> [c["rank"] for c in data["chains"]], data["plan"]["placements"][0]["placement"]
    ([1, 2, 3], 'tuner:memory-isolation')
    """
    hops = max_hops or DEFAULT_MAX_HOPS
    model, graph = analysis.model, analysis.attack_graph
    chains = list(analysis.paths(top=top, max_hops=hops))
    layout = architecture_layout(model)
    router = FlowRouter(layout)
    telemetry = telemetry_watchers(model, analysis.catalog)
    plan = analysis.mitigate(threshold=threshold, max_hops=hops)
    return {
        "model": _model_record(model, analysis, top),
        "chains": [_chain_record(c, graph, layout, router, telemetry) for c in chains],
        # Technique names once, not on every step that cites them.
        "atlas": {a.id: a.name for c in chains for step in c.steps for a in step.atlas},
        "matrix": _matrix_record(analysis.layer_matrix(max_hops=hops)),
        "plan": _plan_record(analysis, plan, chains, hops),
    }


# -- the page -------------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return (files("maestro_graph") / "templates" / name).read_text(encoding="utf-8")


def embed_json(data: object) -> str:
    """JSON for a ``<script type="application/json">``: sorted, compact, and unable to end the
    element or start a comment (``<`` is written ``\\u003c``, which JSON reads back as ``<``).

    Parameters
    ----------
    data : object
        Plain JSON data (dicts, lists, strings, numbers, booleans, None).

    Returns
    -------
    str
        The same keys and values every time for the same data.

    Examples
    --------
    >>> embed_json({"b": "</script>", "a": 1})
    '{"a":1,"b":"\\\\u003c/script>"}'
    """
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # Also the two line separators JavaScript once did not allow in strings.
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _legend(model: SystemModel) -> str:
    """The flow kinds present and the entry marker, as small inline samples."""
    present = {flow.kind for flow in model.flows}
    items = []
    for kind in FlowKind:
        if kind in present:
            colour, style = FLOW_STYLE[kind]
            dashes = _dashes(style)
            dash = f' stroke-dasharray="{dashes}"' if dashes else ""
            items.append(
                f'<span><svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" '
                f'x2="33" y2="5" stroke="{colour}" stroke-width="1.6"{dash}/></svg> '
                f"{kind.value}</span>"
            )
    if model.entry_components():
        items.append(
            f'<span><svg width="14" height="12" aria-hidden="true"><path d="M2 1l9 5l-9 5z" '
            f'fill="{ENTRY_COLOUR}"/></svg> attacker entry</span>'
        )
    return "".join(items)


def _palette_css() -> str:
    """The figures' band and chain colours, so the page and the PNG figures agree."""
    bands = "".join(
        f".band-{band.value}{{background:{colour}}}" for band, colour in BAND_COLOUR.items()
    )
    return f":root{{--hop:{CHAIN_COLOURS[0]}}}{bands}"


def _subtitle(model: SystemModel, analysis: Analysis, count: int) -> str:
    catalog = analysis.catalog
    return (
        f"{len(model.components)} components, {len(model.flows)} flows; the {count} "
        f"highest-risk chains; catalog {catalog.version}, MITRE ATLAS {catalog.atlas_version}. "
        "L1 at the bottom to L7 at the top; L6 Security and Compliance spans all layers (right)."
    )


def _page(analysis: Analysis, svg: str, data: dict[str, Any]) -> str:
    model = analysis.model
    slots = {
        "title": html.escape(f"{model.name}: attack chain explorer"),
        "subtitle": html.escape(_subtitle(model, analysis, len(data["chains"]))),
        "svg": svg,
        "legend": _legend(model),
    }
    # One pass, so that text put into one slot is never read as another slot.
    body = re.sub(r"\{\{(\w+)\}\}", lambda m: slots[m.group(1)], _asset("explorer.html"))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # The page loads nothing: this policy makes the browser refuse any attempt to.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{slots['title']}</title>"
        f"<style>{_asset('explorer.css')}{_palette_css()}</style></head>\n<body>\n"
        f"{body}"
        f'<script type="application/json" id="explorer-data">{embed_json(data)}</script>\n'
        f"<script>{_asset('explorer.js')}</script>\n</body></html>\n"
    )


def render_explorer(
    analysis: Analysis,
    *,
    top: int = DEFAULT_TOP,
    threshold: Band | str | None = None,
    max_hops: int | None = None,
) -> str:
    """The interactive chain explorer as one self-contained HTML document.

    Parameters
    ----------
    analysis : Analysis
    top : int, default 50
        How many ranked chains the page lists.
    threshold : Band or str, optional
        The band the mitigation plan brings every chain below (default ``high``).
    max_hops : int, optional
        The hop bound (default: :data:`~maestro_graph.analysis.DEFAULT_MAX_HOPS`).

    Returns
    -------
    str
        The page: inline CSS, SVG, data and script; no request to any host. The same analysis
        gives the same bytes.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("rag-agent"))
    >>> render_explorer(analysis, top=3) == render_explorer(analysis, top=3)
    True
    """
    model = analysis.model
    svg = architecture_svg(model)
    data = explorer_data(analysis, top=top, threshold=threshold, max_hops=max_hops)
    return _page(analysis, svg, data)


class Explorer:
    """The explorer page of an analysis: ``.html``, ``.write(path)``, and inline in Jupyter.

    Parameters
    ----------
    html : str
        The page, from :func:`render_explorer`.
    height : int, default 900
        Height of the frame Jupyter shows it in, in pixels.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> explorer = mg.analyze(mg.example("netmon")).explore(top=3)
    >>> explorer._repr_html_().startswith("<iframe")
    True
    """

    def __init__(self, html: str, *, height: int = 900) -> None:
        self.html = html
        self.height = height

    def __repr__(self) -> str:
        return f"<Explorer: {len(self.html):,} characters of HTML>"

    def write(self, path: str | Path) -> Path:
        """Write the page to a file.

        Parameters
        ----------
        path : str or Path
            The file to write (UTF-8), usually ending in ``.html``.

        Returns
        -------
        Path
            The file written.
        """
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        # JupyterLab does not run scripts in HTML output, but it does in a frame's own
        # document; the sandbox lets the script run without reaching the notebook.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            f'style="width:100%;height:{self.height}px;border:1px solid #ddd" '
            'title="attack chain explorer"></iframe>'
        )
