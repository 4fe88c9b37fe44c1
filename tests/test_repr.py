"""What a notebook shows for the objects users hold: short reprs, frames and HTML tables."""

from __future__ import annotations

import maestro_graph as mg


def test_chain_state_and_plan_reprs_are_one_line():
    analysis = mg.analyze(mg.example("netmon"))
    chain = analysis.paths(top=1)[0]
    plan = analysis.mitigate(threshold="high")
    for shown in (repr(chain), repr(chain.steps[0].state), repr(plan)):
        assert "\n" not in shown and len(shown) < 400, shown
    assert repr(chain).startswith(f"<Chain #1 {chain.id} risk ")
    assert chain.steps[0].component in repr(chain)
    assert repr(plan).startswith("<MitigationPlan (threshold, high, ")


def test_a_plan_is_a_frame_and_an_html_table():
    plan = mg.analyze(mg.example("netmon")).mitigate(threshold="high")
    frame = plan.to_frame()
    assert list(frame["control"]) == [p.control for p in plan.placements]
    assert list(frame["target"]) == [p.target for p in plan.placements]
    html = plan._repr_html_()
    assert html.count("<tr>") == len(plan.placements) + 1 and "Mitigation plan" in html


def test_model_repr_is_short_and_coverage_is_a_frame_too():
    model = mg.example("multi-agent")
    assert repr(model) == (
        f"<SystemModel {model.name!r}: {len(model.components)} components, "
        f"{len(model.flows)} flows>"
    )
    coverage = mg.analyze(mg.example("netmon")).coverage()
    assert [row.layer.value for row in coverage] == [f"L{n}" for n in range(1, 8)]
    frame = coverage.to_frame()
    assert list(frame["components"]) == [row.components for row in coverage]
    assert "<table" in coverage._repr_html_()
