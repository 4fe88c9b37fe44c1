"""The report (six MAESTRO steps) and the Jupyter representations."""

from __future__ import annotations

import maestro_graph as mg
from maestro_graph.render.report import Figure, Heading, build_report, to_markdown

STEPS = [
    "1. System decomposition",
    "2. Layer-specific threats",
    "3. Cross-layer attack chains",
    "4. Risk assessment",
    "5. Mitigation planning",
    "6. Implementation and monitoring",
]


def test_markdown_report_has_the_six_steps_in_order(run_cli, tmp_path):
    target = tmp_path / "report.md"
    result = run_cli("report", "--example", "netmon", "-o", target)
    assert result.exit_code == 0, result.output
    text = target.read_text()
    positions = [text.index(f"## {step}") for step in STEPS]
    assert positions == sorted(positions)
    for section in (
        "### Layer matrix",
        "## ATLAS evidence",
        "```mermaid",
        "memory-isolation",
        "maestro-graph check --example netmon",
    ):
        assert section in text
    assert mg.load_catalog().version in text


def test_report_explains_the_top_chains():
    analysis = mg.analyze(mg.example("rag-agent"))
    blocks = build_report(analysis, top=5, figures=False)
    chain_headings = [
        b.text for b in blocks if isinstance(b, Heading) and b.text.startswith("Chain #")
    ]
    assert len(chain_headings) == 5
    assert not any(isinstance(b, Figure) for b in blocks)
    assert analysis.paths(top=1)[0].id in to_markdown(blocks)


def test_report_rejects_other_suffixes(run_cli, tmp_path):
    result = run_cli("report", "--example", "netmon", "-o", tmp_path / "report.pdf")
    assert result.exit_code == 2 and "the report is written as .md or .html" in result.output


def test_jupyter_representations():
    analysis = mg.analyze(mg.example("netmon"))
    chains = analysis.paths(top=3)
    for shown, expected in (
        (analysis.model, "Network-monitoring agent: 16 components"),
        (analysis, "Top threats"),
        (chains, "3 chains"),
        (chains[0], f"#1 {chains[0].id}"),
    ):
        html = shown._repr_html_()
        assert html.startswith("<table") and expected in html
        assert "<script" not in html
    assert "background:#e4f3e8" in analysis.model._repr_html_()  # the L2 badge, as in the figures


def test_html_report_has_the_sections_and_embeds_the_figures(run_cli, tmp_path):
    target = tmp_path / "report.html"
    assert run_cli("report", "--example", "netmon", "-o", target, "--top", "3").exit_code == 0
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    positions = [page.index(f">{step}</h2>") for step in STEPS]
    assert positions == sorted(positions)
    for figure in ("architecture", "heatmap", "risk-matrix"):
        assert f'<figure id="figure-{figure}"><img' in page
    assert page.count('src="data:image/png;base64,') == 3
    assert (
        "http://" not in page.replace("http://www.w3.org", "") and "<script" not in page
    )  # self-contained


def test_progress_is_shown_only_for_long_work(capsys):
    from benchmarks.generate import generate

    small = mg.analyze(mg.example("netmon"))
    small.paths(top=1)
    assert capsys.readouterr().err == ""
    forced = mg.analyze(mg.example("netmon"), progress=True)
    forced.paths(top=1)
    err = capsys.readouterr().err
    assert (
        "building the attack graph (16 components) ... done in" in err and "ranking chains" in err
    )
    large = mg.analyze(mg.SystemModel.model_validate(generate(2_000)))
    large.paths(top=1)
    assert "building the attack graph (2,000 components)" in capsys.readouterr().err


def _section(text: str, number: int) -> str:
    start = text.index(f"## {number}.")
    return text[start : text.index(f"## {number + 1}.", start)]


def test_sections_4_and_5_say_what_they_count():
    analysis = mg.analyze(mg.example("netmon"))
    text = to_markdown(build_report(analysis, top=5, figures=False))
    risk, plan = _section(text, 4), _section(text, 5)
    assert "best chain of each entry/target pair within 6 hops" in risk
    high_pairs = len(analysis.gate_chains("high"))
    assert f"high {high_pairs}," in risk
    # Section 5 counts routes: say so, and show the routes at or above the plan's band only.
    assert "This counts routes, not entry/target pairs as section 4 does" in plan
    assert "| band | routes before | routes after |" in plan
    assert "| medium |" not in plan and "| high |" in plan
    # Section 3 describes the search it shows, not a fixed text.
    assert "(any layer mix; best chain per route; at most 14 hops)" in _section(text, 3)


def test_html_explanations_wrap_and_print():
    from maestro_graph.render.report import to_html

    analysis = mg.analyze(mg.example("netmon"))
    page = to_html(build_report(analysis, top=3, figures=False))
    assert "white-space:pre-wrap" in page and "@media print" in page
    assert "overflow-x:auto" not in page  # nothing scrolls sideways
    explanation = analysis.paths(top=1)[0].explain()
    atlas = next(line for line in explanation.splitlines() if "ATLAS:" in line)
    indent = len(atlas) - len(atlas.lstrip())
    # Each line is kept whole, with its indentation as a hanging indent.
    assert f'<span class="l" style="--i:{indent}">{atlas.strip()}</span>' in page
