"""The chain explorer page (issue 15): deterministic, self-contained, true to the analysis."""

from __future__ import annotations

import json
import re

import pytest

import maestro_graph as mg
from maestro_graph.engine.ranking import risk_of
from maestro_graph.render.explorer import EXACT_SUBSETS_UP_TO, Explorer, embed_json, render_explorer
from maestro_graph.support.errors import MaestroInputError

EXAMPLES = ("netmon", "rag-agent", "multi-agent")
HOSTILE = "<script>alert(1)</script>"
HOSTILE_MODEL = f"""\
maestro: 1
system: {{name: "</script><script>alert(2)</script>"}}
components:
  - {{id: user, layer: L7, kind: user, exposure: public, name: "{HOSTILE}"}}
  - {{id: bot, layer: L3, kind: agent, owner: "</script><!--", name: "a & b \\"q\\""}}
  - {{id: kb, layer: L2, kind: vector_store}}
flows:
  - {{from: user, to: bot, kind: invokes}}
  - {{from: bot, to: kb, kind: data}}
"""


def embedded_data(page: str) -> dict:
    """The JSON the page's script reads, parsed as the browser parses it."""
    match = re.search(
        r'<script type="application/json" id="explorer-data">(.*?)</script>', page, re.S
    )
    assert match, "no data element"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def analyses() -> dict[str, mg.Analysis]:
    return {name: mg.analyze(mg.example(name)) for name in EXAMPLES}


@pytest.fixture(scope="module")
def pages(analyses) -> dict[str, str]:
    return {name: render_explorer(analysis) for name, analysis in analyses.items()}


def test_the_same_model_gives_the_same_bytes(pages):
    again = render_explorer(mg.analyze(mg.example("netmon")))  # a fresh analysis, no cache
    assert again == pages["netmon"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_page_is_self_contained(pages, name):
    page = pages[name]
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # No URL at all, not even the SVG namespace (inline SVG in HTML5 needs none; the script
    # takes the namespace from the parsed element).
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    for loader in ("<link", "<img", "<iframe", "@import", "@font-face", " src=", " href="):
        assert loader not in page, loader
    assert re.findall(r"url\((?!#m-)", page) == []  # only the arrow-head markers of the SVG
    assert page.count("<script") == 2  # the data element and the inline script, nothing else
    assert "default-src 'none'" in page  # the browser refuses any load the page might attempt


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_embedded_data_is_the_analysis(analyses, pages, name):
    analysis = analyses[name]
    data = embedded_data(pages[name])
    chains = analysis.paths(top=50)
    assert [c["id"] for c in data["chains"]] == [c.id for c in chains]
    assert [c["rank"] for c in data["chains"]] == list(range(1, len(chains) + 1))
    for record, chain in zip(data["chains"], chains, strict=True):
        assert record["hops"] == chain.hops == len(record["hop_paths"]) == len(record["steps"]) - 1
        assert [s["component"] for s in record["steps"]] == [s.component for s in chain.steps]
        assert [h["n"] for h in record["hop_paths"]] == list(range(1, chain.hops + 1))
        assert record["explain"] == chain.explain()
        assert record["detected_by"] == list(chain.detected_by)
    plan = analysis.mitigate()
    assert [p["placement"] for p in data["plan"]["placements"]] == [str(p) for p in plan.placements]
    assert data["plan"]["band"] == plan.band.value
    cells = [c for c in analysis.layer_matrix() if c.chain is not None]
    assert len([c for c in data["matrix"] if c["risk"] is not None]) == len(cells)


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_plan_scenarios_are_re_analysed(analyses, pages, name):
    analysis = analyses[name]
    plan = embedded_data(pages[name])["plan"]
    placements = analysis.mitigate().placements
    count = len(placements)
    assert count <= EXACT_SUBSETS_UP_TO and plan["exact"]
    assert sorted(plan["scenarios"], key=int) == [str(m) for m in range(2**count)]
    everything = analysis.with_controls(placements)
    assert plan["scenarios"][str(2**count - 1)]["top"]["risk"] == round(
        everything.paths(top=1)[0].risk, 4
    )
    first = analysis.with_controls(placements[:1]).attack_graph
    expected = [
        round(risk_of(first, [s.state.key for s in chain.steps]) or 0.0, 4)
        for chain in analysis.paths(top=50)
    ]
    assert plan["scenarios"]["1"]["risks"] == expected
    assert plan["scenarios"]["0"]["risks"] == [round(c.risk, 4) for c in analysis.paths(top=50)]


def test_a_hostile_model_cannot_inject_markup():
    analysis = mg.analyze(mg.model_from_text(HOSTILE_MODEL))
    page = render_explorer(analysis)
    assert "<script>alert" not in page and "</script><!--" not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the name, shown as text in the SVG
    data = embedded_data(page)
    assert data["model"]["name"] == "</script><script>alert(2)</script>"
    names = {s["component"]: s["name"] for c in data["chains"] for s in c["steps"]}
    assert names.get("user") == HOSTILE


def test_embedded_json_cannot_end_its_element():
    text = embed_json({"a": "</script><!-- \u2028"})
    assert "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- \u2028"}


def test_a_larger_model_draws_every_component():
    from benchmarks.generate import generate

    model = mg.SystemModel.model_validate(generate(60))
    page = render_explorer(mg.analyze(model), top=20)
    assert page.count('<g class="node') == 60
    assert len(embedded_data(page)["chains"]) == 20


def test_explore_returns_a_page_for_jupyter_and_files(tmp_path):
    explorer = mg.analyze(mg.example("netmon")).explore(top=5)
    assert isinstance(explorer, Explorer) and "<Explorer:" in repr(explorer)
    frame = explorer._repr_html_()
    assert frame.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts"' in frame
    # The page is escaped into the attribute: no markup of its own reaches the notebook.
    assert "<script" not in frame and "&lt;script" in frame
    written = explorer.write(tmp_path / "explorer.html")
    assert written.read_text(encoding="utf-8") == explorer.html
    assert len(embedded_data(explorer.html)["chains"]) == 5


def test_explore_checks_its_options():
    analysis = mg.analyze(mg.example("netmon"))
    with pytest.raises(MaestroInputError, match="at least 1"):
        analysis.explore(top=0)
    with pytest.raises(MaestroInputError, match="unknown band"):
        analysis.explore(threshold="severe")


def test_a_large_plan_is_re_analysed_per_placement(monkeypatch):
    import maestro_graph.render.explorer as explorer

    monkeypatch.setattr(explorer, "EXACT_SUBSETS_UP_TO", 2)
    analysis = mg.analyze(mg.example("rag-agent"))
    plan = explorer.explorer_data(analysis, top=10)["plan"]
    count = len(plan["placements"])
    assert count > 2 and not plan["exact"]
    expected = {0, 2**count - 1, *(1 << n for n in range(count))}
    assert sorted(plan["scenarios"], key=int) == [str(m) for m in sorted(expected)]


def test_a_model_without_chains_still_gives_a_page():
    quiet = mg.model_from_text(
        """
maestro: 1
system: {name: Quiet}
components:
  - {id: bot, layer: L3, kind: agent}
  - {id: kb, layer: L2, kind: vector_store}
flows:
  - {from: bot, to: kb, kind: data}
"""
    )
    data = embedded_data(render_explorer(mg.analyze(quiet)))
    assert data["chains"] == [] and data["plan"]["placements"] == []
    assert list(data["plan"]["scenarios"]) == ["0"]


def test_the_bytes_do_not_depend_on_hash_seeds(pages):
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, maestro_graph as mg\n"
        "from maestro_graph.render.explorer import render_explorer\n"
        "page = render_explorer(mg.analyze(mg.example('netmon')))\n"
        "print(hashlib.sha256(page.encode()).hexdigest())\n"
    )
    expected = hashlib.sha256(pages["netmon"].encode()).hexdigest()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        assert run.stdout.strip() == expected


def test_the_explore_command_writes_the_page(run_cli, tmp_path):
    target = tmp_path / "explorer.html"
    result = run_cli("explore", "--example", "netmon", "-o", target)
    assert result.exit_code == 0, result.output
    assert "open" in result.output and "in a browser" in result.output
    expected = mg.analyze(mg.example("netmon")).explore().html
    assert target.read_text(encoding="utf-8").rstrip("\n") == expected.rstrip("\n")
    smaller = run_cli("explore", "--example", "netmon", "--top", "5", "--band", "medium", "-o", "-")
    assert smaller.exit_code == 0 and smaller.output != expected
    assert run_cli("explore", "--example", "netmon", "--band", "low").exit_code == 2
    assert run_cli("explore", "--example", "netmon", "--top", "0").exit_code == 2
