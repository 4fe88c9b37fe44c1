"""Regression testing (MAESTRO step 6): diff, baseline, check, the pytest helper, the CI recipe."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.engine.risk import Band
from maestro_graph.model.loading import parse_document, read_document
from maestro_graph.regression import (
    Baseline,
    ModelDelta,
    baseline_from_document,
    check,
    diff_analyses,
    diff_chains,
    load_baseline,
    make_baseline,
)
from maestro_graph.support.errors import MaestroInputError
from maestro_graph.testing import assert_no_chains, find_chains

from .strategies import small_models, sub_models

REPO = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
TODAY = dt.date(2026, 11, 21)
BANDS = list(Band)

# -- the scenario: the multi-agent example plus a new, unauthenticated third-party MCP server ------

MULTI_AGENT = mg.example_path("multi-agent").read_text(encoding="utf-8")
NEW_SERVER = """\
  - id: mcp_files
    name: File conversion MCP server
    layer: L7
    kind: mcp_server
    # A community MCP server the finance agent now calls to convert invoices: third-party
    # content, reachable by anyone who can publish a look-alike or take over the package.
    exposure: public
    trust: untrusted
    criticality: 2

"""


def with_mcp_server(flow_controls: tuple[str, ...] = ()) -> str:
    """The multi-agent example with the finance agent calling a new third-party MCP server."""
    controls = f", controls: [{', '.join(flow_controls)}]" if flow_controls else ""
    flow = f"  - {{from: finance_agent, to: mcp_files, kind: invokes, label: convert invoices{controls}}}\n"
    anchor = "  # ---- External AI service used by the research agent\n"
    text = MULTI_AGENT.replace("  - id: payments_api\n", NEW_SERVER + "  - id: payments_api\n", 1)
    text = text.replace(anchor, flow + anchor, 1)
    # The example lists its attacker entries explicitly: the new server is one.
    text = text.replace("entry: [employees,", "entry: [mcp_files, employees,", 1)
    assert text.count("mcp_files") == 3
    return text


def analysis_of_text(text: str, name: str = "architecture.yaml") -> mg.Analysis:
    return mg.analyze(mg.model_from_text(text, name))


# -- properties ---------------------------------------------------------------------------------


@SETTINGS
@given(model=st.one_of(small_models(), sub_models()))
def test_diff_of_a_model_with_itself_is_empty(model):
    first, second = mg.analyze(model), mg.analyze(model.model_copy(deep=True))
    result = diff_analyses(first, second)
    assert result.empty, result.to_record()
    assert result.unchanged == len(first.gate_chains("low"))
    chains = first.gate_chains("low")
    assert diff_chains(chains, chains, model, model).empty
    assert ModelDelta.between(model, model).empty


@SETTINGS
@given(
    model=st.one_of(small_models(), sub_models()),
    bands=st.tuples(st.sampled_from(BANDS), st.sampled_from(BANDS)).filter(
        lambda pair: pair[0].rank <= pair[1].rank
    ),
)
def test_check_passes_against_a_baseline_of_the_same_model(model, bands):
    min_band, fail_on = bands
    analysis = mg.analyze(model)
    baseline = make_baseline(analysis, min_band, today=TODAY)
    result = check(analysis, baseline, fail_on, today=TODAY)
    assert result.passed, result.to_record()
    assert result.stale == () and not result.catalog_changed
    assert {item.chain.id for item in result.accepted} == {
        c.id for c in analysis.gate_chains(fail_on)
    }
    # The file round-trips: what check reads is what baseline wrote.
    reread = baseline_from_document(parse_document(baseline.to_yaml(), "maestro-baseline.yaml"))
    assert reread.to_data() == baseline.to_data()
    assert check(analysis, reread, fail_on, today=TODAY).passed


@st.composite
def model_pairs(draw):
    """A model and a variant: a flow dropped, or a control added to a component."""
    model = draw(st.one_of(small_models(max_components=6), sub_models()))
    if draw(st.booleans()) and model.flows:
        dropped = draw(st.integers(0, len(model.flows) - 1))
        variant = model.model_copy(
            update={"flows": tuple(f for i, f in enumerate(model.flows) if i != dropped)}
        )
    else:
        component = draw(st.sampled_from(model.components))
        control = draw(st.sampled_from(sorted(mg.load_catalog().controls)))
        variant = model.model_copy(
            update={
                "components": tuple(
                    c.model_copy(update={"controls": (*c.controls, control)})
                    if c.id == component.id and control not in c.controls
                    else c
                    for c in model.components
                )
            }
        )
    return model, mg.SystemModel.model_validate(variant.model_dump(by_alias=True))


@SETTINGS
@given(pair=model_pairs())
def test_diff_is_antisymmetric_and_explains_what_it_reports(pair):
    old, new = (mg.analyze(m) for m in pair)
    forward, backward = diff_analyses(old, new), diff_analyses(new, old)
    assert {c.id for c in forward.added} == {c.id for c in backward.removed}
    assert {c.id for c in forward.removed} == {c.id for c in backward.added}
    assert {(c.id, c.risk_before, c.risk_after) for c in forward.changed} == {
        (c.id, c.risk_after, c.risk_before) for c in backward.changed
    }
    old_ids = {c.id for c in old.gate_chains("low")}
    new_ids = {c.id for c in new.gate_chains("low")}
    assert {c.id for c in forward.added} <= new_ids - old_ids
    assert {c.id for c in forward.removed} <= old_ids - new_ids
    for change in (*forward.added, *forward.removed, *forward.changed):
        assert change.causes, change


# -- the scenario -------------------------------------------------------------------------------


def test_scenario_new_mcp_server_fails_check_until_its_flow_is_guarded(
    run_cli, write_model, tmp_path
):
    baseline = tmp_path / "maestro-baseline.yaml"
    made = run_cli("baseline", "--example", "multi-agent", "-o", baseline)
    assert made.exit_code == 0, made.output
    assert load_baseline(baseline).accepted

    before = mg.analyze(mg.example("multi-agent"))
    after = analysis_of_text(with_mcp_server())
    accepted = {c.id for c in before.gate_chains("medium")}
    expected = [c for c in after.gate_chains("high") if c.id not in accepted]
    # Every new chain is the new server's doing: it starts there (its results inject the agent)
    # or ends there (an untrusted server is a sink a hijacked agent can leak to).
    assert expected and all("mcp_files" in c.route for c in expected)

    failing = run_cli(
        "check",
        write_model(with_mcp_server(), "architecture.yaml"),
        "--baseline",
        baseline,
        "--fail-on",
        "high",
    )
    report = failing.stdout
    shown = f"real output of the failing check:\n{report}"
    assert failing.exit_code == 1, shown
    assert f"{len(expected)} new chains at or above high, not in the baseline:" in report, shown
    for chain in expected:
        assert chain.id in report and chain.path_text in report, shown
    assert report.rstrip().splitlines()[-1].startswith(f"FAIL: {len(expected)} new chains"), shown

    # The catalog's rule for tool responses is blocked by these controls; agent-authentication is
    # not among them (authenticating the server does not stop its author's content), so it alone
    # leaves the chains in place.
    rule = mg.load_catalog().rules["third-party-tool-response-injects-agent"]
    assert "agent-authentication" not in rule.blocked_by
    assert {"signed-agent-cards", "framework-input-validation"} <= set(rule.blocked_by)
    for insufficient in (("agent-authentication",), ("signed-agent-cards",)):
        still = run_cli(
            "check",
            write_model(with_mcp_server(insufficient), "partial.yaml"),
            "--baseline",
            baseline,
        )
        assert still.exit_code == 1, f"{insufficient}:\n{still.stdout}"

    # Guarding the flow both ways: what comes back (signed cards, input validation, input
    # guardrails) and what goes out to the server (tool-use scoping, output filtering, and a
    # person approving what a hijacked agent would send: the server is a sink).
    fixed = (
        "signed-agent-cards",
        "framework-input-validation",
        "input-guardrails",
        "tool-use-scoping",
        "output-filtering",
        "human-approval",
    )
    passing = run_cli(
        "check", write_model(with_mcp_server(fixed), "fixed.yaml"), "--baseline", baseline
    )
    assert passing.exit_code == 0, f"real output of the check after the fix:\n{passing.stdout}"
    assert passing.stdout.rstrip().splitlines()[-1].startswith("PASS: all "), passing.stdout
    assert "new chain" not in passing.stdout


def test_scenario_diff_names_the_new_server_and_flow_as_causes(run_cli, write_model):
    before = write_model(MULTI_AGENT, "before.yaml")
    after = write_model(with_mcp_server(), "after.yaml")
    result = run_cli("diff", before, after, "--min-band", "high", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # The new server opens 10 high chains (it injects the finance agent and is a sink for every
    # agent that can reach the finance agent) and closes none.
    assert data["summary"]["added"] == 10 and data["summary"]["removed"] == 0
    for change in data["added"]:
        causes = {(c["kind"], c["subject"], c["change"]) for c in change["causes"]}
        assert ("component", "mcp_files", "added") in causes
        assert ("flow", "finance_agent -> mcp_files (invokes)", "added") in causes
    table = run_cli("diff", before, after, "--min-band", "high").stdout
    assert "10 added, 0 removed, 0 changed, 24 unchanged" in table
    assert (
        "cause: component mcp_files added: L7 mcp_server; exposure public; trust untrusted" in table
    )
    markdown = run_cli("diff", before, after, "--min-band", "high", "--format", "md").stdout
    assert markdown.startswith("## Chain diff") and "| `c-" in markdown


# -- diff -----------------------------------------------------------------------------------------


def test_diff_of_a_model_against_its_own_saved_paths_json(run_cli, tmp_path):
    saved = tmp_path / "chains.json"
    assert run_cli("paths", "--example", "netmon", "--format", "json", "-o", saved).exit_code == 0
    result = run_cli("diff", saved, mg.example_path("netmon"))
    assert result.exit_code == 0, result.output
    assert "0 added, 0 removed, 0 changed, 10 unchanged" in result.stdout
    assert "No chain added, removed or changed." in result.stdout
    assert "OLD is a saved paths report" in result.stdout


def test_diff_against_a_saved_report_explains_changed_steps(run_cli, write_model, tmp_path):
    saved = tmp_path / "chains.json"
    run_cli("paths", "--example", "netmon", "--top", "3", "--format", "json", "-o", saved)
    guarded = (
        mg.analyze(mg.example("netmon")).with_controls(["tuner:memory-isolation"]).model.to_yaml()
    )
    result = run_cli("diff", saved, write_model(guarded, "netmon.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    moved = data["changed"] + data["removed"]
    assert moved, data
    step_causes = [c for change in data["changed"] for c in change["causes"] if c["kind"] == "step"]
    assert any("memory-isolation" in " ".join(c["details"]) for c in step_causes), data


def test_diff_between_models_explains_removed_flows_and_changed_controls():
    netmon = mg.example("netmon")
    old = mg.analyze(netmon)
    new = old.with_controls(["tuner:memory-isolation"])
    result = diff_analyses(old, new, min_band="high")
    assert not result.added
    assert any(
        "component tuner changed: controls +memory-isolation" in str(cause)
        for change in (*result.changed, *result.removed)
        for cause in change.causes
    )
    dropped = netmon.model_copy(
        update={
            "flows": tuple(f for f in netmon.flows if (f.source, f.target) != ("history", "tuner"))
        }
    )
    result = diff_analyses(old, mg.analyze(dropped))
    removed = [c for c in result.removed if "history[" in c.path and "tuner[" in c.path]
    assert removed
    assert any(
        str(cause).startswith("flow history -> tuner (data) removed") for cause in removed[0].causes
    )


def test_diff_rejects_a_report_as_new_and_a_tampered_report(run_cli, tmp_path):
    saved = tmp_path / "chains.json"
    run_cli("paths", "--example", "netmon", "--top", "2", "--format", "json", "-o", saved)
    result = run_cli("diff", mg.example_path("netmon"), saved)
    assert result.exit_code == 2
    assert "NEW must be a model file" in result.output
    data = json.loads(saved.read_text())
    data["chains"][1]["id"] = "c-000000000000"
    saved.write_text(json.dumps(data, indent=2))
    result = run_cli("diff", saved, mg.example_path("netmon"))
    assert result.exit_code == 2
    assert re.search(
        rf"{re.escape(str(saved))}:\d+: chains\[1\]\.id: c-000000000000 is not the fingerprint",
        result.output,
    )
    data["chains"][1]["id"] = "chain-2"
    saved.write_text(json.dumps(data, indent=2))
    result = run_cli("diff", saved, mg.example_path("netmon"))
    assert result.exit_code == 2 and "'chain-2' is not a chain fingerprint" in result.output


# -- baseline file --------------------------------------------------------------------------------


def test_baseline_file_format(run_cli, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    result = run_cli(
        "baseline",
        "--example",
        "netmon",
        "--min-band",
        "high",
        "--owner",
        "secops",
        "--expires-in",
        "30",
        "-o",
        path,
    )
    assert result.exit_code == 0, result.output
    assert "chains at or above high accepted" in result.output
    text = path.read_text()
    assert text.startswith("# maestro-graph baseline")
    assert "&id" not in text and "*id" not in text, "no YAML aliases in a file people edit"
    data = read_document(path).data
    assert data["maestro_baseline"] == 1 and data["model"] == "Network-monitoring agent"
    assert data["catalog_version"] == mg.load_catalog().version
    first = data["accepted"][0]
    assert list(first) == [
        "id",
        "layers",
        "path",
        "band",
        "risk",
        "justification",
        "owner",
        "expires",
    ]
    assert first["owner"] == "secops" and first["justification"].startswith("TODO")
    assert first["expires"] == data["created"] + dt.timedelta(days=30)
    chains = mg.analyze(mg.example("netmon")).gate_chains("high")
    assert [e["id"] for e in data["accepted"]] == [c.id for c in chains]


def test_baseline_update_keeps_what_people_filled_in(run_cli, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    run_cli("baseline", "--example", "netmon", "--min-band", "high", "-o", path)
    text = path.read_text()
    first_id = load_baseline(path).accepted[0].id
    text = text.replace(
        "justification: 'TODO: why this chain is accepted'", "justification: reviewed in TM-12", 1
    )
    text = re.sub(r"owner: .*", "owner: alice", text, count=1)
    path.write_text(text)
    result = run_cli(
        "baseline", "--example", "netmon", "--min-band", "medium", "-o", path, "--update"
    )
    assert result.exit_code == 0, result.output
    assert "kept from the previous baseline" in result.output
    updated = load_baseline(path)
    kept = updated.entry(first_id)
    assert kept.justification == "reviewed in TM-12" and kept.owner == "alice"
    assert len(updated.accepted) > len(load_baseline_text(text).accepted)
    assert run_cli("baseline", "--example", "netmon", "--update").exit_code == 2


def load_baseline_text(text: str) -> Baseline:
    return baseline_from_document(parse_document(text, "b.yaml"))


# -- bad input ------------------------------------------------------------------------------------

GOOD_ENTRY = """\
  - id: c-3882389f37a5
    layers: L2 > L3
    band: high
    risk: 1.82
    justification: reviewed in TM-12
    owner: alice
    expires: 2099-01-01
"""


def baseline_text(entries: str = GOOD_ENTRY, head: str = "maestro_baseline: 1\n") -> str:
    return f"{head}model: Network-monitoring agent\naccepted:\n{entries}"


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "maestro-baseline.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(MaestroInputError) as caught:
        load_baseline(path)
    return [str(p).replace(str(path), "B") for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maestro_baseline: 1\naccepted: [unclosed\n", ["B:3: invalid YAML: "]),
        ("", ["B: a baseline file must be a mapping", "found an empty file"]),
        (
            "maestro: 1\nsystem: {name: x}\ncomponents: []\n",
            ["B:1: this is a model file, not a baseline"],
        ),
        (baseline_text(head=""), ["B:1: baseline: missing required field 'maestro_baseline'"]),
        (
            baseline_text(head="maestro_baseline: 2\n"),
            ["B:1: maestro_baseline: unsupported baseline format 2"],
        ),
        (
            "maestro_baseline: 1\naccepted: 5\n",
            ["B:2: accepted: Input should be a valid list, got 5"],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("  - id: c-3882389f37a5\n    layers", "  - layers")),
            ["B:4: accepted[0]: missing required field 'id'"],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("risk: 1.82", "risk: high")),
            ["B:7: accepted[0].risk: Input should be a valid number", "got 'high'"],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("owner: alice", "owner: [alice, bob]")),
            ["B:9: accepted[0].owner: Input should be a valid string"],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("band: high", "band: severe")),
            [
                "B:6: accepted[0].band: unknown band 'severe'; valid bands: low, medium, high, critical"
            ],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("expires: 2099-01-01", "expires: 2099-02-30")),
            ["B:10: invalid timestamp value '2099-02-30'"],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("expires: 2099-01-01", "expires: next year")),
            ["B:10: accepted[0].expires: Input should be a valid date"],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("    expires: 2099-01-01\n", "")),
            ["B:4: accepted[0]: missing required field 'expires'"],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("owner:", "owners:")),
            [
                "B:9: accepted[0].owners: unknown field 'owners'; did you mean 'owner'?",
                "B:4: accepted[0]: missing required field 'owner'",
            ],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("c-3882389f37a5", "c-3882389F37A5")),
            [
                "B:4: accepted[0].id: 'c-3882389F37A5' is not a chain fingerprint; expected 'c-' and 12 lower-case hex digits"
            ],
        ),
        (
            baseline_text(GOOD_ENTRY.replace("c-3882389f37a5", "3882389f37a5")),
            ["B:4: accepted[0].id: '3882389f37a5' is not a chain fingerprint"],
        ),
        (
            baseline_text(GOOD_ENTRY + GOOD_ENTRY),
            ["B:11: accepted[1].id: duplicate id c-3882389f37a5 (first listed as accepted[0])"],
        ),
    ],
    ids=[
        "invalid-yaml",
        "empty",
        "a-model-file",
        "no-format",
        "format-2",
        "accepted-not-a-list",
        "missing-id",
        "risk-wrong-type",
        "owner-wrong-type",
        "unknown-band",
        "impossible-date",
        "not-a-date",
        "missing-expiry",
        "unknown-field",
        "upper-case-fingerprint",
        "fingerprint-without-prefix",
        "duplicate-id",
    ],
)
def test_malformed_baseline_is_reported_with_its_line(tmp_path, text, expected):
    found = problems(tmp_path, text)
    assert len(found) == (2 if "owners" in text else 1), found
    for part in expected:
        assert any(part in problem for problem in found), found


def test_malformed_baseline_exits_2_through_the_cli(run_cli, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    path.write_text(baseline_text(GOOD_ENTRY.replace("c-3882389f37a5", "c-xyz")))
    result = run_cli("check", "--example", "netmon", "--baseline", path)
    assert result.exit_code == 2
    assert f"error: {path}:4: accepted[0].id: 'c-xyz' is not a chain fingerprint" in result.output
    assert "Traceback" not in result.output
    missing = run_cli("check", "--example", "netmon", "--baseline", tmp_path / "absent.yaml")
    assert missing.exit_code == 2 and "absent.yaml: file not found" in missing.output


def test_unknown_fail_on_band_exits_2(run_cli, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    run_cli("baseline", "--example", "netmon", "-o", path)
    result = run_cli("check", "--example", "netmon", "--baseline", path, "--fail-on", "severe")
    assert result.exit_code == 2
    assert "Invalid value for '--band' / '--fail-on'" in result.output
    assert (
        run_cli("check", "--example", "netmon", "--baseline", path, "--fail-on", "HIGH").exit_code
        == 0
    )
    with pytest.raises(MaestroInputError, match="unknown band 'severe'"):
        check(mg.analyze(mg.example("netmon")), load_baseline(path), "severe")


def test_expired_acceptance_fails_and_is_reported_as_expired(run_cli, tmp_path):
    analysis = mg.analyze(mg.example("netmon"))
    baseline = make_baseline(analysis, "high", today=dt.date(2026, 1, 1), expires_in=30)
    last_day = dt.date(2026, 1, 31)
    assert check(analysis, baseline, "high", today=last_day).passed
    result = check(analysis, baseline, "high", today=last_day + dt.timedelta(days=1))
    assert not result.passed
    assert {item.chain.id for item in result.expired} == {e.id for e in baseline.accepted}
    assert result.new == () and result.accepted == ()
    # The first chain crosses the unowned alert history and the tuner of ml-platform.
    reason = result.expired[0].reason
    assert "acceptance expired on 2026-01-31 (1 day ago; owner ml-platform)" in reason

    path = tmp_path / "maestro-baseline.yaml"
    path.write_text(baseline.to_yaml())
    cli = run_cli("check", "--example", "netmon", "--baseline", path)
    assert cli.exit_code == 1
    assert f"{len(baseline.accepted)} chains whose acceptance expired:" in cli.stdout
    assert "acceptance expired on 2026-01-31" in cli.stdout
    assert (
        cli.stdout.rstrip().splitlines()[-1].startswith(f"FAIL: {len(baseline.accepted)} expired")
    )


def test_unknown_fingerprints_are_stale_not_errors(run_cli, tmp_path):
    analysis = mg.analyze(mg.example("netmon"))
    baseline = make_baseline(analysis, "high", today=TODAY)
    path = tmp_path / "maestro-baseline.yaml"
    ghost = (
        textwrap.dedent(GOOD_ENTRY)
        .replace("c-3882389f37a5", "c-0123456789ab")
        .replace("L2 > L3", "L7 > L1")
    )
    path.write_text(baseline.to_yaml() + ghost)
    result = run_cli("check", "--example", "netmon", "--baseline", path)
    assert result.exit_code == 0, result.output
    assert "1 stale baseline entry (no current chain has the id" in result.stdout
    assert "c-0123456789ab  high      L7 > L1  (owner alice)" in result.stdout
    data = json.loads(
        run_cli("check", "--example", "netmon", "--baseline", path, "--format", "json").stdout
    )
    assert data["passed"] is True and [e["id"] for e in data["stale"]] == ["c-0123456789ab"]
    assert data["summary"] == {
        "new": 0,
        "expired": 0,
        "escalated": 0,
        "accepted": len(baseline.accepted),
        "accepted_by_pattern": 0,
        "stale": 1,
        "stale_patterns": 0,
    }


def test_a_chain_whose_band_rose_above_its_acceptance_fails():
    analysis = mg.analyze(mg.example("netmon"))
    baseline = make_baseline(analysis, "high", today=TODAY)
    first = baseline.accepted[0]
    lowered = baseline.model_copy(
        update={
            "accepted": [first.model_copy(update={"band": Band.MEDIUM}), *baseline.accepted[1:]]
        }
    )
    result = check(analysis, lowered, "high", today=TODAY)
    assert [item.chain.id for item in result.escalated] == [first.id]
    assert result.escalated[0].reason == "accepted at band medium, now high"
    assert not result.passed


def test_catalog_change_is_noted(tmp_path):
    analysis = mg.analyze(mg.example("netmon"))
    baseline = make_baseline(analysis, "high", today=TODAY)
    moved = baseline.model_copy(update={"catalog_version": "000000000000"})
    result = check(analysis, moved, "high", today=TODAY)
    assert result.passed and result.catalog_changed
    assert any("fingerprints may have moved because rules changed" in note for note in result.notes)


def test_check_markdown_and_json(run_cli, write_model, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    run_cli("baseline", "--example", "multi-agent", "-o", path)
    model = write_model(with_mcp_server(), "architecture.yaml")
    markdown = run_cli(
        "check", model, "--baseline", path, "--format", "md", "-o", tmp_path / "check.md"
    )
    assert markdown.exit_code == 1
    assert "FAIL: 10 new chains" in markdown.output  # the verdict still reaches the job log
    text = (tmp_path / "check.md").read_text()
    assert (
        text.startswith("## Check of Procurement multi-agent system") and "### Failing (10)" in text
    )
    data = json.loads(run_cli("check", model, "--baseline", path, "--format", "json").stdout)
    assert data["passed"] is False and data["summary"]["new"] == 10
    assert all(item["status"] == "new" and "mcp_files[" in item["path"] for item in data["failing"])


# -- the pytest helper -----------------------------------------------------------------------------


def test_assert_no_chains_passes_and_fails_readably():
    rag = mg.analyze(mg.example("rag-agent"))
    assert_no_chains(rag, from_layers="L7", to_layers="L4", at_least="high")
    with pytest.raises(AssertionError) as caught:
        assert_no_chains(rag, from_layers="L7", to_layers="L1", at_least="high")
    message = str(caught.value)
    assert (
        message.splitlines()[0]
        == "2 chains from L7 to L1 at or above high in Support assistant (RAG agent):"
    )
    assert "model_hub[L7.malicious-package] > llm[L1.backdoor-attacks]" in message
    assert find_chains(rag, target="llm", at_least="high")
    with pytest.raises(MaestroInputError):
        find_chains(rag, from_layers="L9")


def test_the_fixture_factory(maestro_analysis):
    analysis = maestro_analysis("example:netmon")
    assert isinstance(analysis, mg.Analysis) and analysis.model.name == "Network-monitoring agent"
    assert maestro_analysis(mg.example("netmon")).model == analysis.model


def readme_block(start: str, language: str) -> str:
    """The README code block of ``language`` whose first line is ``start``."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for block in re.findall(rf"```{language}\n(.*?)```", readme, re.S):
        if block.startswith(start):
            return block
    raise AssertionError(f"no ```{language} block starting with {start!r} in the README")


def test_readme_pytest_example_runs_under_pytest(tmp_path):
    """The README's example test file, run by pytest with the plugin found by its entry point."""
    (tmp_path / "architecture.yaml").write_text(mg.example_path("rag-agent").read_text())
    (tmp_path / "test_architecture.py").write_text(readme_block("# test_architecture.py", "python"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_architecture.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


# -- the CI recipe ---------------------------------------------------------------------------------


def test_ci_recipe_commands_gate_a_before_after_pair(tmp_path):
    """Run exactly the README workflow's and the pre-commit hook's commands (minus the install
    step, which the test environment has done) through the installed console script."""
    script = shutil.which("maestro-graph", path=str(Path(sys.executable).parent))
    assert script, "the console script is installed next to the interpreter"
    workflow = read_document_text(readme_block("# .github/workflows/maestro.yml", "yaml"))
    steps = workflow["jobs"]["maestro"]["steps"]
    gate = [s["run"] for s in steps if s.get("run", "").startswith("maestro-graph ")]
    assert len(gate) == 1 and " check " in gate[0], gate
    setup = [
        line.removeprefix("$ ").split("  #")[0]
        for line in readme_block(
            "$ maestro-graph baseline architecture.yaml", "console"
        ).splitlines()
        if line.startswith("$ maestro-graph baseline")
    ]
    hook = read_document(REPO / ".pre-commit-hooks.yaml").data[0]
    assert hook["id"] == "maestro-graph-check" and hook["pass_filenames"] is False
    pre_commit = [*shlex.split(hook["entry"]), *hook["args"]]

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        assert argv[0] == "maestro-graph"
        return subprocess.run([script, *argv[1:]], capture_output=True, text=True, cwd=tmp_path)

    architecture = tmp_path / "architecture.yaml"
    architecture.write_text(MULTI_AGENT)
    made = run(shlex.split(setup[0]))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "maestro-baseline.yaml").is_file()
    for argv in (shlex.split(gate[0]), pre_commit):
        passed = run(argv)
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert passed.stdout.rstrip().splitlines()[-1].startswith("PASS")

    architecture.write_text(with_mcp_server())
    expected = [
        c.id
        for c in analysis_of_text(with_mcp_server()).gate_chains("high")
        if c.entry == "mcp_files"
    ]
    for argv in (shlex.split(gate[0]), pre_commit):
        failed = run(argv)
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "new chains at or above high, not in the baseline" in failed.stdout
        assert all(chain_id in failed.stdout for chain_id in expected), failed.stdout
        assert "Traceback" not in failed.stderr


def read_document_text(text: str) -> dict:
    return parse_document(text, "maestro.yml").data
