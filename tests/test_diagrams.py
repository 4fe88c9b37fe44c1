"""DOT and Mermaid exports of the architecture with chains highlighted."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess

import pydot
import pytest

import maestro_graph as mg
from maestro_graph.render.diagram import LAYER_ORDER, chain_hops, render_dot, render_mermaid

EXAMPLES = ("netmon", "rag-agent", "multi-agent")


@pytest.mark.parametrize("name", EXAMPLES)
def test_dot_parses_and_holds_every_component_and_flow(run_cli, name):
    model = mg.example(name)
    text = run_cli("paths", "--example", name, "--top", "3", "--format", "dot").output
    (graph,) = pydot.graph_from_dot_data(text)
    nodes = {n.get_name().strip('"') for sub in graph.get_subgraphs() for n in sub.get_nodes()}
    assert nodes == {c.id for c in model.components}
    assert len(_flow_edges(graph)) == len(model.flows)
    highlighted = [e for e in graph.get_edges() if e.get("penwidth") == "3"]
    assert highlighted, "the chains' flows are drawn thick"
    if shutil.which("dot"):  # Graphviz itself, when installed, must accept it too
        subprocess.run(["dot", "-Tsvg"], input=text, text=True, capture_output=True, check=True)


def test_dot_highlights_exactly_the_flows_the_chains_use():
    analysis = mg.analyze(mg.example("netmon"))
    chains = analysis.paths(top=2)
    (graph,) = pydot.graph_from_dot_data(render_dot(analysis.model, chains))
    thick = {
        (e.get_source().strip('"'), e.get_destination().strip('"'))
        for e in graph.get_edges()
        if e.get("penwidth") == "3"
    }
    assert thick == {(key[0], key[1]) for key in chain_hops(chains)}
    labels = " ".join(e.get("xlabel") or "" for e in graph.get_edges())
    assert "#1.1" in labels and "#2.1" in labels
    # Only the flows on a chain carry a label; a flow's kind is its colour, in the legend.
    assert all(e.get("label") is None for e in graph.get_edges())
    assert all((e.get("xlabel") is None) == (e.get("penwidth") != "3") for e in _flow_edges(graph))


def _flow_edges(graph: pydot.Dot) -> list[pydot.Edge]:
    return [e for e in graph.get_edges() if e.get("style") != "invis"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_dot_rows_follow_the_layers(name):
    analysis = mg.analyze(mg.example(name))
    (graph,) = pydot.graph_from_dot_data(render_dot(analysis.model, analysis.paths(top=3)))
    clusters = [s for s in graph.get_subgraphs() if s.get_name().startswith("cluster_")]
    present = [layer for layer in LAYER_ORDER if analysis.model.components_by_layer()[layer]]
    assert [s.get_name() for s in clusters] == [f"cluster_{layer.value}" for layer in present]
    assert all(s.get("rank") == "same" for s in clusters)
    # Invisible edges stack the rows in layer order; flows never move a row.
    first = {s.get_nodes()[0].get_name(): i for i, s in enumerate(clusters)}
    order = [e for e in graph.get_edges() if e.get("style") == "invis"]
    assert [(first[e.get_source()], first[e.get_destination()]) for e in order] == [
        (i, i + 1) for i in range(len(clusters) - 1)
    ]
    assert all(e.get("constraint") == "false" for e in _flow_edges(graph))
    used = {f.kind.value for f in analysis.model.flows}
    assert all(
        f"&#160;{kind}" in graph.get("label") or f" {kind}<" in graph.get("label") for kind in used
    )


def _layout(text: str) -> dict:
    done = subprocess.run(["dot", "-Tjson"], input=text, text=True, capture_output=True, check=True)
    return json.loads(done.stdout)


def _label_box(edge: dict) -> tuple[float, float, float, float] | None:
    """The box an edge's label covers, from the text Graphviz drew (all its lines)."""
    size, boxes = 8.0, []
    for op in edge.get("_ldraw_", []):
        if op["op"] == "F":
            size = op["size"]
        elif op["op"] == "T":
            (x, y), half = op["pt"], op["width"] / 2
            boxes.append((x - half, y - 0.25 * size, x + half, y + 0.8 * size))
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz (dot) is not installed")
@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("top", [3, 10])
def test_dot_layout_has_ordered_disjoint_clusters_and_clear_labels(name, top):
    analysis = mg.analyze(mg.example(name))
    layout = _layout(render_dot(analysis.model, analysis.paths(top=top)))
    clusters = {
        o["name"]: tuple(map(float, o["bb"].split(",")))
        for o in layout["objects"]
        if o.get("name", "").startswith("cluster_")
    }
    names = [
        f"cluster_{layer.value}" for layer in LAYER_ORDER if f"cluster_{layer.value}" in clusters
    ]
    tops = [clusters[n][3] for n in names]
    assert tops == sorted(tops, reverse=True), "L7 at the top, down to L1"
    assert not [
        (a, b) for a, b in itertools.combinations(names, 2) if _overlap(clusters[a], clusters[b])
    ]
    labels = [box for e in layout.get("edges", []) if (box := _label_box(e))]
    assert len(labels) == len(chain_hops(analysis.paths(top=top)))
    assert not [(a, b) for a, b in itertools.combinations(labels, 2) if _overlap(a, b)]


@pytest.mark.parametrize("name", EXAMPLES)
def test_mermaid_structure(run_cli, name):
    model = mg.example(name)
    text = run_cli("paths", "--example", name, "--top", "3", "--format", "mermaid").output
    lines = text.splitlines()
    assert lines[0] == "flowchart TB"
    assert sum(1 for line in lines if line.strip().startswith("subgraph ")) == sum(
        1 for line in lines if line.strip() == "end"
    )
    declared = set(re.findall(r"^\s+(n_\w+)\[", text, re.M))
    assert len(declared) == len(model.components)
    edges = re.findall(r"^\s+(n_\w+) (?:-->|-\.->|==>)\|\"[^\"]*\"\| (n_\w+)$", text, re.M)
    assert len(edges) == len(model.flows)
    assert all(a in declared and b in declared for a, b in edges)
    styles = re.findall(r"^\s+linkStyle (\d+) ", text, re.M)
    assert sorted(map(int, styles)) == list(range(len(model.flows)))
    assert "==>" in text and "classDef entry" in text


def test_mermaid_ids_are_safe_for_any_component_id():
    model = mg.model_from_text(
        "maestro: 1\nsystem: {name: odd ids}\ncomponents:\n"
        "  - {id: a.b-c, layer: L3, kind: agent, exposure: public}\n"
        "  - {id: 9x, name: 'Quote \"me\"', layer: L1, kind: foundation_model}\n"
        "flows:\n  - {from: a.b-c, to: 9x, kind: invokes}\n"
    )
    text = render_mermaid(model, mg.analyze(model).paths(top=2))
    assert "n_a_b_c" in text and "n_9x" in text and '"me"' not in text
