"""DOT and Mermaid exports of the architecture with chains highlighted."""

from __future__ import annotations

import re
import shutil
import subprocess

import pydot
import pytest

import maestro_graph as mg
from maestro_graph.render.diagram import chain_hops, render_dot, render_mermaid

EXAMPLES = ("netmon", "rag-agent", "multi-agent")


@pytest.mark.parametrize("name", EXAMPLES)
def test_dot_parses_and_holds_every_component_and_flow(run_cli, name):
    model = mg.example(name)
    text = run_cli("paths", "--example", name, "--top", "3", "--format", "dot").output
    (graph,) = pydot.graph_from_dot_data(text)
    nodes = {n.get_name().strip('"') for sub in graph.get_subgraphs() for n in sub.get_nodes()}
    assert nodes == {c.id for c in model.components}
    assert len(graph.get_edges()) == len(model.flows)
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
    labels = " ".join(e.get("label") or "" for e in graph.get_edges())
    assert "#1.1" in labels and "#2.1" in labels


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
