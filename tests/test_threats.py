"""MAESTRO step 2: threat enumeration, scoring, the `threats` command and its outputs."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.catalog.types import Maturity
from maestro_graph.engine.risk import Band, RiskSettings, band_for, combined_impact
from maestro_graph.engine.threats import enumerate_threats

from .golden import assert_golden

CATALOG = mg.load_catalog()
EXAMPLES = ("netmon", "rag-agent", "multi-agent")


def finding(model, component_id, threat_id, risk_settings=None):
    analysis = mg.analyze(model, settings=risk_settings)
    return next(
        f for f in analysis.findings if f.component.id == component_id and f.threat.id == threat_id
    )


def threat_with_maturity(maturity):
    return next(t for t in CATALOG.threats.values() if CATALOG.maturity_of(t.atlas) == maturity)


def model_with(kind, layer, controls=(), criticality=3):
    return mg.SystemModel.model_validate(
        {
            "maestro": 1,
            "system": {"name": "one"},
            "components": [
                {
                    "id": "c",
                    "layer": layer,
                    "kind": kind,
                    "controls": list(controls),
                    "criticality": criticality,
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("maturity", "factor"),
    [(Maturity.REALIZED, 1.0), (Maturity.DEMONSTRATED, 0.8), (Maturity.FEASIBLE, 0.5), (None, 0.6)],
)
def test_maturity_factor_applied_as_documented(maturity, factor):
    threat = threat_with_maturity(maturity)
    kind = threat.applies_to[0]
    model = model_with(kind, CATALOG.kinds[kind].layer.value)
    found = finding(model, "c", threat.id)
    assert found.maturity == maturity and found.maturity_factor == factor
    assert found.likelihood == pytest.approx(threat.likelihood * factor)


def test_maturity_factors_are_configurable():
    threat = threat_with_maturity(Maturity.DEMONSTRATED)
    kind = threat.applies_to[0]
    model = model_with(kind, CATALOG.kinds[kind].layer.value)
    custom = RiskSettings(
        maturity_factors={
            Maturity.REALIZED: 1.0,
            Maturity.DEMONSTRATED: 0.5,
            Maturity.FEASIBLE: 0.1,
        }
    )
    assert finding(model, "c", threat.id, custom).likelihood == pytest.approx(
        threat.likelihood * 0.5
    )


def test_controls_multiply_likelihood_by_one_minus_effectiveness():
    threat = CATALOG.threats["L2.data-poisoning"]
    plain = finding(model_with("vector_store", "L2"), "c", threat.id)
    guarded = finding(
        model_with("vector_store", "L2", ["provenance-tracking", "memory-isolation"]),
        "c",
        threat.id,
    )
    expected = (1 - CATALOG.controls["provenance-tracking"].effectiveness) * (
        1 - CATALOG.controls["memory-isolation"].effectiveness
    )
    assert guarded.likelihood == pytest.approx(plain.likelihood * expected)
    assert guarded.controls_present == ("provenance-tracking", "memory-isolation")
    assert "provenance-tracking" not in guarded.controls_missing


def test_impact_and_risk_and_band():
    threat = CATALOG.threats["L2.data-poisoning"]
    found = finding(model_with("vector_store", "L2", criticality=5), "c", threat.id)
    assert found.impact == pytest.approx(math.sqrt(threat.impact * 5))
    assert found.risk == pytest.approx(found.likelihood * found.impact)
    assert found.band is band_for(found.likelihood, found.impact)


@pytest.mark.parametrize(
    ("likelihood", "impact", "band"),
    [
        (0.01, 5, Band.LOW),
        (0.06, 4, Band.LOW),
        (0.05, 5, Band.MEDIUM),
        (0.3, 4, Band.MEDIUM),
        (0.25, 5, Band.HIGH),
        (0.5, 2.5, Band.HIGH),
        (0.6, 4, Band.HIGH),
        (0.5, 5, Band.CRITICAL),
        (0.9, 4.6, Band.CRITICAL),
    ],
)
def test_bands_are_ranges_of_risk(likelihood, impact, band):
    assert band_for(likelihood, impact) is band


def test_combined_impact_stays_on_the_one_to_five_scale():
    assert combined_impact(1, 1) == 1 and combined_impact(5, 5) == 5


CONTROL_IDS = sorted(CATALOG.controls)


@settings(max_examples=80, deadline=None)
@given(
    example=st.sampled_from(EXAMPLES),
    extra=st.lists(st.sampled_from(CONTROL_IDS), max_size=6, unique=True),
    data=st.data(),
)
def test_adding_controls_never_raises_a_likelihood(example, extra, data):
    model = mg.example(example)
    target = data.draw(st.sampled_from([c.id for c in model.components]))
    components = [
        c.model_copy(update={"controls": tuple(dict.fromkeys((*c.controls, *extra)))})
        if c.id == target
        else c
        for c in model.components
    ]
    guarded = model.model_copy(update={"components": tuple(components)})
    before = {(f.component.id, f.threat.id): f for f in enumerate_threats(model, CATALOG)}
    after = {(f.component.id, f.threat.id): f for f in enumerate_threats(guarded, CATALOG)}
    assert before.keys() == after.keys()
    for key, found in after.items():
        assert found.likelihood <= before[key].likelihood + 1e-12
        assert found.risk <= before[key].risk + 1e-12
        assert found.band.rank <= before[key].band.rank


def test_output_is_sorted_and_deterministic():
    first = [f.to_record() for f in mg.analyze(mg.example("multi-agent")).findings]
    second = [f.to_record() for f in mg.analyze(mg.example("multi-agent")).findings]
    assert first == second
    assert [r["risk"] for r in first] == sorted((r["risk"] for r in first), reverse=True)


def test_rag_agent_top_rows_hold_the_key_threats():
    top = mg.analyze(mg.example("rag-agent")).findings[:12]
    found = {(f.threat.id, f.layer.value) for f in top}
    assert ("L2.data-poisoning", "L2") in found  # vector-store poisoning
    assert any(t == "L3.framework-supply-chain" for t, _ in found)
    assert any(t == "L7.agent-tool-misuse" for t, _ in found)
    assert any(t == "L7.agent-identity-attacks" for t, _ in found)
    assert any(f.component.id == "vector_store" and f.threat.id == "L2.data-poisoning" for f in top)
    for f in top:
        assert f.atlas, f"{f.threat.id} shows ATLAS evidence"


def test_threats_dataframe():
    frame = mg.analyze(mg.example("rag-agent")).threats(layers=["L2"], min_band="high")
    assert list(frame.columns[:6]) == [
        "component",
        "component_name",
        "layer",
        "kind",
        "threat",
        "threat_name",
    ]
    assert set(frame["layer"]) == {"L2"} and set(frame["band"]) <= {"high", "critical"}
    assert isinstance(frame.loc[0, "atlas"], list)


def test_coverage_reports_missing_layers():
    model = mg.model_from_text(
        "maestro: 1\nsystem: {name: x}\ncomponents:\n  - {id: kb, layer: L2, kind: vector_store}\n"
    )
    coverage = {c.layer.value: c for c in mg.analyze(model).coverage()}
    assert coverage["L2"].components == 1 and coverage["L2"].findings > 0
    assert coverage["L7"].components == 0 and coverage["L7"].findings == 0


# -- the command ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_threats_golden_table(run_cli, name):
    result = run_cli("threats", "--example", name)
    assert result.exit_code == 0
    assert_golden(f"threats-{name}.txt", result.output)


@pytest.mark.parametrize("name", EXAMPLES)
def test_threats_golden_json(run_cli, name):
    result = run_cli("threats", "--example", name, "--format", "json")
    data = json.loads(result.output)
    assert data["catalog_version"] == CATALOG.version and data["atlas_version"] == "5.6.0"
    assert_golden(f"threats-{name}.json", result.output)


def test_threats_filters(run_cli):
    result = run_cli(
        "threats",
        "--example",
        "rag-agent",
        "--layer",
        "L7",
        "--min-band",
        "high",
        "--format",
        "json",
    )
    rows = json.loads(result.output)["threats"]
    assert rows and all(r["layer"] == "L7" and r["band"] in {"high", "critical"} for r in rows)
    one = json.loads(
        run_cli(
            "threats", "--example", "netmon", "--component", "history", "--format", "json"
        ).output
    )
    assert {r["component"] for r in one["threats"]} == {"history"}
    top = run_cli("threats", "--example", "netmon", "--top", "3")
    assert "3 of" in top.output


def test_threats_csv_and_markdown(run_cli):
    rows = list(
        csv.DictReader(
            io.StringIO(run_cli("threats", "--example", "netmon", "--format", "csv").output)
        )
    )
    assert rows[0]["atlas"].count(":") >= 1 and float(rows[0]["risk"]) >= float(rows[-1]["risk"])
    markdown = run_cli("threats", "--example", "netmon", "--format", "md").output
    assert (
        markdown.startswith("## Threats in Network-monitoring agent")
        and "### Coverage per layer" in markdown
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--component", "histroy"],
            "no component 'histroy' in the model; did you mean 'history'?",
        ),
        (["--layer", "L9"], "unknown layer 'L9'"),
        (["--min-band", "severe"], "'severe' is not one of"),
        (["--top", "0"], "0 is not in the range x>=1"),
    ],
)
def test_threats_bad_options_exit_2(run_cli, args, message):
    result = run_cli("threats", "--example", "netmon", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_rules_list_and_show(run_cli):
    listing = run_cli("rules", "list")
    assert f"{len(CATALOG.threats)} threats" in listing.output
    controls = run_cli("rules", "list", "--type", "controls", "--layer", "L2", "--format", "json")
    assert {c["layer"] for c in json.loads(controls.output)} == {"L2"}
    shown = run_cli("rules", "show", "L2.data-poisoning").output
    assert "AML.T0070" in shown and "demonstrated" in shown and "memory-isolation" in shown
    assert "Mitigates" in run_cli("rules", "show", "memory-isolation").output
    assert "Threats citing it" in run_cli("rules", "show", "AML.T0070").output
    assert "Threats that apply" in run_cli("rules", "show", "vector_store").output
    unknown = run_cli("rules", "show", "L2.data-poisonin")
    assert unknown.exit_code == 2 and "did you mean 'L2.data-poisoning'?" in unknown.output


def test_rules_option_adds_a_user_folder(run_cli, tmp_path):
    from .test_catalog import GOOD_THREAT, write_rules

    folder = write_rules(tmp_path, {"threats/extra.yaml": GOOD_THREAT})
    assert "L2.shadow-index" in run_cli("rules", "list", "--rules", folder).output
    result = run_cli("threats", "--example", "rag-agent", "--rules", folder, "--format", "json")
    assert any(r["threat"] == "L2.shadow-index" for r in json.loads(result.output)["threats"])
