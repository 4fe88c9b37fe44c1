"""Architecture diagrams with attack chains highlighted: Graphviz DOT and Mermaid.

Components are grouped by layer (L7 at the top down to L1, with L6 drawn as its own group since
it is vertical), flows are edges styled by kind, entry components are marked, and the flows the
chains travel are drawn thick and red with their hop numbers (``#rank.hop``). Mermaid renders in
GitHub Markdown; DOT renders with Graphviz (``dot -Tsvg``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from maestro_graph.flows import FLOW_COLORS
from maestro_graph.layers import Layer
from maestro_graph.model import Flow, FlowKind, SystemModel
from maestro_graph.ranking import Chain

# Colours are the figures' too (maestro_graph.flows); line styles say what a flow carries.
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


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(model: SystemModel, chains: Sequence[Chain] = ()) -> str:
    """The architecture as a Graphviz digraph, chains highlighted.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> text = render_dot(mg.example("netmon"))
    >>> text.splitlines()[0]
    'digraph maestro {'
    """
    hops = chain_hops(chains)
    on_chain = {c for chain in chains for c in (s.component for s in chain.steps)}
    entries = {c.id for c in model.entry_components()}
    title = model.name + (" - highlighted: " + ", ".join(c.id for c in chains) if chains else "")
    lines = [
        "digraph maestro {",
        f"  label={_dot_quote(title)};",
        '  labelloc="t"; rankdir="TB"; compound=true; newrank=true;',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff",',
        '        fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]
    by_layer = model.components_by_layer()
    for layer in LAYER_ORDER:
        members = by_layer[layer]
        if not members:
            continue
        lines.append(f"  subgraph cluster_{layer.value} {{")
        lines.append(f"    label={_dot_quote(layer.info.label)};")
        lines.append('    style=filled; fillcolor="#f4f4f4"; color="#bbbbbb";')
        for component in members:
            label = component.name + "\n(" + component.kind + ")"
            attributes = [f"label={_dot_quote(label)}"]
            if component.id in entries:
                attributes += ['color="#d62728"', "penwidth=2", 'xlabel="entry"']
            if component.id in on_chain:
                attributes.append('fillcolor="#fde0dd"')
            lines.append(f"    {_dot_quote(component.id)} [{', '.join(attributes)}];")
        lines.append("  }")
    for flow in model.flows:
        colour, style = FLOW_STYLES[flow.kind]
        labels = hops.get(flow.key)
        attributes = [
            f"label={_dot_quote(flow.kind.value + (' ' + ' '.join(labels) if labels else ''))}"
        ]
        if labels:
            attributes += [
                f'color="{HIGHLIGHT}"',
                f'fontcolor="{HIGHLIGHT}"',
                "penwidth=3",
                "style=solid",
            ]
        else:
            attributes += [f'color="{colour}"', f"style={style}"]
        lines.append(
            f"  {_dot_quote(flow.source)} -> {_dot_quote(flow.target)} [{', '.join(attributes)}];"
        )
    lines.append("}")
    return "\n".join(lines)


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
