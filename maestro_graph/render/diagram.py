"""Architecture diagrams with attack chains highlighted: Graphviz DOT and Mermaid.

Components are grouped by layer (L7 at the top down to L1, with L6 drawn as its own group since
it is vertical), flows are edges styled by kind, entry components are marked, and the flows the
chains travel are drawn thick and red with their hop numbers (``#rank.hop``). Mermaid renders in
GitHub Markdown; DOT renders with Graphviz (``dot -Tsvg``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from itertools import pairwise

from maestro_graph.engine.ranking import Chain
from maestro_graph.model import Flow, FlowKind, SystemModel
from maestro_graph.model.flows import FLOW_COLORS
from maestro_graph.model.layers import Layer

# Colours are the figures' too (maestro_graph.model.flows); line styles say what a flow carries.
_LINE = {
    FlowKind.DATA: "solid",
    FlowKind.INVOKES: "solid",
    FlowKind.DELEGATES: "solid",
    FlowKind.HOSTS: "dotted",
    FlowKind.SUPPLIES: "dashed",
    FlowKind.TELEMETRY: "dashed",
    FlowKind.AUTHORIZES: "dotted",
    FlowKind.GOVERNS: "dotted",
}
FLOW_STYLES: dict[FlowKind, tuple[str, str]] = {
    kind: (FLOW_COLORS[kind], _LINE[kind]) for kind in FlowKind
}
HIGHLIGHT = "#d62728"
LAYER_ORDER = (Layer.L7, Layer.L6, Layer.L5, Layer.L4, Layer.L3, Layer.L2, Layer.L1)


def chain_hops(chains: Sequence[Chain]) -> dict[tuple[str, str, FlowKind], list[str]]:
    """For each flow a chain travels, the hop labels (``"#1.2"``: chain rank 1, hop 2)."""
    hops: dict[tuple[str, str, FlowKind], list[str]] = {}
    for chain in chains:
        for number, step in enumerate(chain.steps[1:], start=1):
            flow = step.transition.flow if step.transition else None
            if flow is not None:
                hops.setdefault(flow.key, []).append(f"#{chain.rank}.{number}")
    return hops


def compact_hops(labels: Sequence[str], per_line: int = 3) -> str:
    """Hop labels grouped by chain, a few chains per line: a label stays small enough for
    Graphviz to place it clear of the others.

    Examples
    --------
    >>> compact_hops(["#3.4", "#3.5", "#4.4", "#10.2", "#10.3", "#12.1"])
    '#3.4-5 #4.4 #10.2-3\\n#12.1'
    """
    by_chain: dict[str, list[int]] = {}
    for label in labels:
        rank, hop = label.lstrip("#").split(".")
        by_chain.setdefault(rank, []).append(int(hop))
    parts = []
    for rank, hops in by_chain.items():
        runs: list[list[int]] = []
        for hop in sorted(hops):
            if runs and hop == runs[-1][-1] + 1:
                runs[-1].append(hop)
            else:
                runs.append([hop])
        spans = ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)
        parts.append(f"#{rank}.{spans}")
    return "\n".join(" ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line))


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(model: SystemModel, chains: Sequence[Chain] = ()) -> str:
    """The architecture as a Graphviz digraph, chains highlighted.

    Each layer is one row, L7 at the top down to L1 (L6, vertical in MAESTRO, in its own row
    between L7 and L5): a row's components share a rank inside the layer's cluster, and
    invisible edges stack the rows in layer order, so clusters come in order and never
    overlap. Flows do not move the rows (``constraint=false``). Only the flows the chains travel
    carry a label, their hop numbers as an external label that Graphviz places clear of the
    others; every flow's kind is its colour and line, given once in the legend.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> text = render_dot(mg.example("netmon"))
    >>> text.splitlines()[0]
    'digraph maestro {'
    """
    hops = chain_hops(chains)
    title = model.name + (" - highlighted: " + ", ".join(c.id for c in chains) if chains else "")
    lines = [
        "digraph maestro {",
        f"  label={_dot_legend(title, model)};",
        '  labelloc="t"; rankdir="TB"; newrank=true; forcelabels=true;',
        "  nodesep=0.35; ranksep=0.7;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff",',
        '        fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]
    rows = [
        (layer, members) for layer in LAYER_ORDER if (members := model.components_by_layer()[layer])
    ]
    lines += _dot_rows(model, chains, rows)
    for upper, lower in pairwise(rows):
        # Orders the rows: one invisible edge from a row to the next below it.
        source, target = _dot_quote(upper[1][0].id), _dot_quote(lower[1][0].id)
        lines.append(f"  {source} -> {target} [style=invis, weight=100];")
    lines += [_dot_flow(flow, hops.get(flow.key)) for flow in model.flows]
    lines.append("}")
    return "\n".join(lines)


def _dot_rows(
    model: SystemModel, chains: Sequence[Chain], rows: Sequence[tuple[Layer, Sequence]]
) -> list[str]:
    """One cluster per layer, its components on one rank."""
    on_chain = {c for chain in chains for c in (s.component for s in chain.steps)}
    entries = {c.id for c in model.entry_components()}
    lines: list[str] = []
    for layer, members in rows:
        lines.append(f"  subgraph cluster_{layer.value} {{")
        lines.append(f"    label={_dot_quote(layer.info.label)}; labeljust=l;")
        lines.append('    style=filled; fillcolor="#f4f4f4"; color="#bbbbbb";')
        lines.append("    rank=same;")
        for component in members:
            attributes = [
                f"label={_dot_quote(component.name + chr(10) + '(' + component.kind + ')')}"
            ]
            if component.id in entries:
                attributes += ['color="#d62728"', "penwidth=2", 'xlabel="entry"']
            if component.id in on_chain:
                attributes.append('fillcolor="#fde0dd"')
            lines.append(f"    {_dot_quote(component.id)} [{', '.join(attributes)}];")
        lines.append("  }")
    return lines


def _dot_flow(flow: Flow, labels: list[str] | None) -> str:
    colour, style = FLOW_STYLES[flow.kind]
    attributes = ["constraint=false"]
    if labels:
        attributes += [
            f"xlabel={_dot_quote(compact_hops(labels))}",
            f'color="{HIGHLIGHT}"',
            f'fontcolor="{HIGHLIGHT}"',
            "penwidth=3",
            "style=solid",
        ]
    else:
        attributes += [f'color="{colour}"', f"style={style}"]
    return f"  {_dot_quote(flow.source)} -> {_dot_quote(flow.target)} [{', '.join(attributes)}];"


def _dot_legend(title: str, model: SystemModel) -> str:
    """The graph label: the title, then each flow kind the model uses in its colour and line."""
    used = [kind for kind in FlowKind if any(f.kind is kind for f in model.flows)]
    marks = {"solid": "&#9472;&#9472;", "dashed": "- -", "dotted": "&#183; &#183;"}
    legend = " &#160; ".join(
        f'<font color="{FLOW_STYLES[k][0]}">{marks[FLOW_STYLES[k][1]]} {k.value}</font>'
        for k in used
    )
    return (
        f'<{html.escape(title)}<br/><font point-size="9">flows: {legend} &#160; '
        f'<font color="{HIGHLIGHT}">&#9473;&#9473; on a chain (#rank.hop)</font></font>>'
    )


def _mermaid_id(component_id: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", component_id)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def render_mermaid(model: SystemModel, chains: Sequence[Chain] = ()) -> str:
    """The architecture as a Mermaid flowchart (renders in GitHub Markdown), chains highlighted.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> render_mermaid(mg.example("netmon")).splitlines()[0]
    'flowchart TB'
    """
    hops = chain_hops(chains)
    on_chain = {c for chain in chains for c in (s.component for s in chain.steps)}
    entries = {c.id for c in model.entry_components()}
    lines = ["flowchart TB"]
    by_layer = model.components_by_layer()
    for layer in LAYER_ORDER:
        members = by_layer[layer]
        if not members:
            continue
        lines.append(f'  subgraph {layer.value}["{_mermaid_text(layer.info.label)}"]')
        for component in members:
            label = _mermaid_text(f"{component.name}<br/><small>{component.kind}</small>")
            lines.append(f'    {_mermaid_id(component.id)}["{label}"]')
        lines.append("  end")
    link_styles = []
    for index, flow in enumerate(model.flows):
        labels = hops.get(flow.key)
        text = _mermaid_text(flow.kind.value + (" " + " ".join(labels) if labels else ""))
        arrow = "==>" if labels else ("-.->" if FLOW_STYLES[flow.kind][1] != "solid" else "-->")
        lines.append(f'  {_mermaid_id(flow.source)} {arrow}|"{text}"| {_mermaid_id(flow.target)}')
        colour = HIGHLIGHT if labels else FLOW_STYLES[flow.kind][0]
        width = "3px" if labels else "1px"
        link_styles.append(f"  linkStyle {index} stroke:{colour},stroke-width:{width}")
    lines += link_styles
    lines.append("  classDef entry stroke:#d62728,stroke-width:3px")
    lines.append("  classDef onchain fill:#fde0dd")
    if entries:
        lines.append("  class " + ",".join(_mermaid_id(c) for c in sorted(entries)) + " entry")
    if on_chain:
        lines.append("  class " + ",".join(_mermaid_id(c) for c in sorted(on_chain)) + " onchain")
    return "\n".join(lines)


def flows_travelled(chains: Sequence[Chain]) -> list[Flow]:
    """The distinct flows the chains use, in order of first use."""
    seen: dict[tuple[str, str, FlowKind], Flow] = {}
    for chain in chains:
        for step in chain.steps[1:]:
            if step.transition and step.transition.flow is not None:
                seen.setdefault(step.transition.flow.key, step.transition.flow)
    return list(seen.values())
