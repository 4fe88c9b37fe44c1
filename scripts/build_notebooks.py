"""Write the notebooks in notebooks/ (stored without outputs; the test suite executes them).

    python scripts/build_notebooks.py

Edit the cells here, not in the .ipynb files, so the notebooks stay reviewable and output-free.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parent.parent / "notebooks"


def md(text: str) -> tuple[str, str]:
    return ("md", text.strip())


def code(text: str) -> tuple[str, str]:
    return ("code", text.strip())


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    book = new_notebook()
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    book.cells = []
    for number, (kind, text) in enumerate(cells):
        cell = new_markdown_cell(text) if kind == "md" else new_code_cell(text)
        cell["id"] = f"cell-{number:02d}"  # stable ids keep the files identical across rebuilds
        book.cells.append(cell)
    return book


QUICKSTART = [
    md("""
# maestro-graph quickstart

A LangChain-style support assistant (the bundled `rag-agent` example) analysed with the MAESTRO
method: components on layers, threats per component, cross-layer attack chains, and the controls
that cut them. Run all cells.
"""),
    code("""
%matplotlib inline
import maestro_graph as mg

model = mg.example("rag-agent")  # or mg.load_model("architecture.yaml")
model
"""),
    md("""
## Step 2: threats per component

Each row is a threat that applies to a component's kind, scored after the component's controls
and the maturity of its MITRE ATLAS evidence.
"""),
    code("""
analysis = mg.analyze(model)
columns = ["component", "layer", "threat", "likelihood", "impact", "risk", "band"]
analysis.threats(min_band="high")[columns].head(10)
"""),
    md("## Steps 3-4: ranked cross-layer chains"),
    code("""
chains = analysis.paths(top=5)
chains
"""),
    code("print(chains[0].explain())"),
    code("analysis.plot(chain=chains[0])"),
    md("The layer matrix: the best chain from each layer (assumed compromised) to each layer."),
    code("analysis.matrix().round(2)"),
    code("analysis.plot_heatmap()"),
    md("## Step 5: controls that cut the chains"),
    code("""
plan = analysis.mitigate(threshold="high")
print(plan.method, "-", plan.note)
[str(placement) for placement in plan.placements]
"""),
    code("""
safer = analysis.with_controls(plan.placements)
safer.paths(top=5)
"""),
    md("""
## The network-monitoring cascade

The published case (arXiv 2508.10043): a poisoned alert history (L2) steers the tuning module
(L3), which starts an oversized packet capture (L4) that delays the dashboard (L5).
"""),
    code("""
netmon = mg.analyze(mg.example("netmon"))
cascade = netmon.paths(top=1, source_layers=["L2"], target_layers=["L5"])[0]
print(cascade.path_text)
netmon.plot(chain=cascade)
"""),
]

CASCADE = [
    md("""
# The network-monitoring cascade, step by step

Zambare, Thanikella and Liu (arXiv 2508.10043, 2025) validated a memory-poisoning attack on an
LLM network-monitoring agent: twenty forged high-severity alerts in its history file made the
tuning logic choose a far longer packet capture, exhausting resources and delaying detection,
with no code change. This notebook finds that chain in the model and walks it hop by hop.
"""),
    code("""
%matplotlib inline
import maestro_graph as mg

model = mg.example("netmon")
analysis = mg.analyze(model)
model
"""),
    code("analysis.plot_architecture()"),
    md("""
## Where the attacker starts

The history file is an entry: the paper's attacker wrote into it.
"""),
    code("""
frame = analysis.threats(components=["history"])
frame[["threat", "likelihood", "impact", "risk", "band", "controls_missing"]]
"""),
    md("## The chain from L2 to L5"),
    code("""
chains = analysis.paths(top=3, source_layers=["L2"], target_layers=["L5"])
chains
"""),
    code("""
cascade = chains[0]
print(cascade.explain())
"""),
    code("cascade"),
    code("analysis.plot(chain=cascade)"),
    md("## Every layer pair"),
    code("analysis.plot_heatmap()"),
    code("analysis.plot_risk_matrix()"),
    md("""
## The paper's defences

The authors recommend memory isolation and planner validation. What do they do to the cascade?
"""),
    code("""
defended = analysis.with_controls(["tuner:memory-isolation", "tuner:planner-validation"])
after = defended.paths(top=3, source_layers=["L2"], target_layers=["L5"])
print(f"before: {cascade.risk:.3f} ({cascade.band.value})")
for chain in after:
    print(f"after:  {chain.risk:.3f} ({chain.band.value})  {chain.path_text}")
"""),
    code("""
plan = analysis.mitigate(budget=5)
[(str(r.placement), round(r.risk_removed, 2)) for r in plan.recommendations]
"""),
]

REGRESSION = [
    md("""
# Regression: an architecture change opens new chains

The `multi-agent` procurement system gains a third-party MCP file server, called by the finance
agent, without authentication. We accept today's chains in a baseline, make the change, see what
it opens, plan the fix and check again, as a CI pipeline would.
"""),
    code("""
%matplotlib inline
import maestro_graph as mg
from maestro_graph.regression import check, diff_analyses, make_baseline
from maestro_graph.render.regression import render_check_table, render_diff_table

before = mg.analyze(mg.example("multi-agent"))
baseline = make_baseline(before, "medium")
len(baseline.accepted)
"""),
    md("## The change"),
    code("""
data = before.model.to_data()
server = {"id": "mcp_files", "name": "Third-party file MCP server", "layer": "L7",
          "kind": "mcp_server", "exposure": "public", "trust": "untrusted"}
data["components"].append(server)
data["flows"].append({"from": "finance_agent", "to": "mcp_files", "kind": "invokes"})
data["attacker"]["entry"].append("mcp_files")
after = mg.analyze(mg.SystemModel.model_validate(data))
after.plot(chain=after.paths(top=1, entry=["mcp_files"])[0])
"""),
    code('print(render_diff_table(diff_analyses(before, after, min_band="high")))'),
    code("""
result = check(after, baseline, "high")
print(render_check_table(result))
assert not result.passed
"""),
    md("## Plan the fix"),
    code("""
plan = after.mitigate(threshold="high")
[str(r.placement) for r in plan.recommendations]
"""),
    code("""
# Guard the flow both ways: what comes back from the server and what the agent sends it
# (an untrusted server is also a sink a hijacked agent can leak to, so a person approves
# what goes out).
fixed = after.with_controls([
    f"finance_agent->mcp_files:{control}"
    for control in ("signed-agent-cards", "framework-input-validation", "input-guardrails",
                    "tool-use-scoping", "output-filtering", "human-approval")
])
result = check(fixed, baseline, "high")
print(result.verdict())
assert result.passed
"""),
    code('fixed.paths(top=5, entry=["mcp_files"])'),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    books = (
        ("01-quickstart", QUICKSTART),
        ("02-network-monitoring-cascade", CASCADE),
        ("03-regression", REGRESSION),
    )
    for name, cells in books:
        nbformat.write(notebook(cells), OUT / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb")


if __name__ == "__main__":
    main()
