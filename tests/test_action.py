"""The GitHub Action (action.yml): its declaration, and its steps run the way the runner runs them.

The runner's own steps (actions/setup-python, the SARIF upload) cannot run here; every ``run:``
step is executed as GitHub does (``bash --noprofile --norc -eo pipefail``), with the step's
``env:`` expressions resolved from the inputs, the installed console script on PATH and
``MAESTRO_ACTION_SKIP_INSTALL=1`` in place of the pip install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import maestro_graph as mg
from maestro_graph.cli import main

from .test_catalog import GOOD_THREAT, write_rules
from .test_regression import MULTI_AGENT, analysis_of_text, with_mcp_server
from .test_sarif import VALIDATOR

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
SCRIPT = REPO / "scripts" / "github-action.sh"
BIN = Path(sys.executable).parent
RAG_AGENT = mg.example_path("rag-agent").read_text(encoding="utf-8")
INPUT = re.compile(r"^\$\{\{ inputs\.([a-z][a-z-]*) \}\}$")
UPLOAD_IF = "always() && inputs.upload-sarif == 'true' && steps.check.outputs.sarif != ''"
RUN_LINE = re.compile(r'^bash "\$GITHUB_ACTION_PATH/scripts/github-action\.sh" (install|check)$')


def load_action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


@dataclass
class ActionRun:
    """What a job would see: the failing step's exit code, the log, the outputs, the summary."""

    code: int
    log: str
    outputs: dict[str, str]
    summary: str
    uploads: bool  # the upload step's condition, as the runner would evaluate it


def run_action(
    workspace: Path, environment: dict[str, str] | None = None, **given: str
) -> ActionRun:
    """Run the action's ``run:`` steps in ``workspace`` with ``given`` inputs (``_`` for ``-``)."""
    action = load_action()
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    for key, value in given.items():
        name = key.replace("_", "-")
        assert name in inputs, f"no input {name!r}"
        inputs[name] = value
    runner = workspace.parent / "runner"
    runner.mkdir(exist_ok=True)
    (runner / "output").write_text("")
    (runner / "summary").write_text("")
    env = {key: value for key, value in os.environ.items() if not key.startswith("INPUT_")}
    env |= {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "MAESTRO_ACTION_SKIP_INSTALL": "1",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(REPO),
        "GITHUB_OUTPUT": str(runner / "output"),
        "GITHUB_STEP_SUMMARY": str(runner / "summary"),
        "GITHUB_PATH": str(runner / "path"),
        "RUNNER_TEMP": str(runner),
        **(environment or {}),
    }
    code, log = 0, ""
    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        step_env = {}
        for key, expression in step.get("env", {}).items():
            match = INPUT.match(expression)
            assert match, f"{key}: {expression!r} is not an input"
            step_env[key] = inputs[match.group(1)]
        (runner / "step.sh").write_text(step["run"])
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(runner / "step.sh")],
            env=env | step_env,
            cwd=workspace,
            capture_output=True,
            text=True,
        )
        log += result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        if result.returncode:
            code = result.returncode
            break  # a composite action stops at its first failing step
    outputs = dict(
        line.split("=", 1) for line in (runner / "output").read_text().splitlines() if line
    )
    uploads = inputs["upload-sarif"] == "true" and outputs.get("sarif", "") != ""
    return ActionRun(code, log, outputs, (runner / "summary").read_text(), uploads)


def console(workspace: Path, *args: str) -> None:
    made = subprocess.run(
        [str(BIN / "maestro-graph"), *args], cwd=workspace, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr


# -- the declaration --------------------------------------------------------------------------------


def test_action_declares_its_inputs_and_outputs():
    action = load_action()
    inputs = action["inputs"]
    assert set(inputs) == {
        "model",
        "baseline",
        "band",
        "rules",
        "args",
        "sarif",
        "upload-sarif",
        "category",
        "summary",
        "python-version",
    }
    assert inputs["model"]["required"] is True and "default" not in inputs["model"]
    defaults = {name: spec.get("default") for name, spec in inputs.items() if name != "model"}
    assert defaults == {
        "baseline": "maestro-baseline.yaml",
        "band": "high",
        "rules": "",
        "args": "",
        "sarif": "maestro-graph.sarif",
        "upload-sarif": "true",
        "category": "",
        "summary": "true",
        "python-version": "3.11",
    }
    fail_on = next(p for p in main.commands["check"].params if p.name == "fail_on")
    assert defaults["band"] in fail_on.type.choices and fail_on.default == defaults["band"]
    assert all(spec.get("description") for spec in inputs.values())
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.check.outputs.{name} }}}}"
    assert set(action["outputs"]) == {"exit-code", "sarif", "verdict"}


def test_action_steps_only_call_the_script():
    action = load_action()
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    runs = [step for step in steps if "run" in step]
    assert [RUN_LINE.match(step["run"]).group(1) for step in runs] == ["install", "check"]
    assert all(step["shell"] == "bash" for step in runs)
    # Inputs reach the script as environment variables, never as text spliced into the shell.
    assert not any("${{" in step["run"] for step in runs)
    (check,) = (step for step in steps if step.get("id") == "check")
    assert {key: INPUT.match(value).group(1) for key, value in check["env"].items()} == {
        f"INPUT_{name.upper()}": name
        for name in ("model", "baseline", "band", "rules", "args", "sarif", "summary")
    }
    setup, upload = steps[0], steps[-1]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["if"] == "inputs.python-version != ''"
    assert setup["with"] == {"python-version": "${{ inputs.python-version }}"}
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"] == UPLOAD_IF  # the condition run_action evaluates
    assert upload["with"] == {
        "sarif_file": "${{ steps.check.outputs.sarif }}",
        "category": "${{ inputs.category }}",
    }
    used = " ".join(json.dumps(step) for step in steps)
    assert all(f"inputs.{name} " in used for name in action["inputs"]), "every input is used"


def test_the_script_is_executable_posix_sh_and_the_hook_is_kept():
    assert SCRIPT.read_text().startswith("#!/bin/sh\n")
    assert os.access(SCRIPT, os.X_OK)
    assert "MAESTRO_ACTION_SKIP_INSTALL" in SCRIPT.read_text()
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["maestro-graph-check"]


# -- the steps, run ---------------------------------------------------------------------------------


def test_action_passes_then_fails_on_a_new_high_chain(tmp_path):
    workspace = tmp_path / "repo"
    workspace.mkdir()
    model = workspace / "architecture.yaml"
    model.write_text(MULTI_AGENT)
    console(workspace, "baseline", "architecture.yaml", "-o", "maestro-baseline.yaml")
    accepted = {c.id for c in analysis_of_text(MULTI_AGENT).gate_chains("high")}

    passed = run_action(workspace, model="architecture.yaml")
    assert passed.code == 0, passed.log
    assert passed.outputs == {
        "exit-code": "0",
        "sarif": "maestro-graph.sarif",
        "verdict": f"PASS: all {len(accepted)} chains at or above high are accepted in the baseline",
    }
    assert passed.uploads and "::error" not in passed.log
    assert f"**{passed.outputs['verdict']}**" in passed.summary
    log = json.loads((workspace / "maestro-graph.sarif").read_text())
    VALIDATOR.validate(log)
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert {r["partialFingerprints"]["maestroChain/v1"] for r in results} == accepted
    assert {r["baselineState"] for r in results} == {"unchanged"}

    model.write_text(with_mcp_server())
    new = {c.id for c in analysis_of_text(with_mcp_server()).gate_chains("high")} - accepted
    failed = run_action(workspace, model="architecture.yaml", sarif="reports/chains.sarif")
    assert failed.code == 1, failed.log
    assert failed.outputs["exit-code"] == "1"
    assert failed.outputs["verdict"].startswith(f"FAIL: {len(new)} new chains at or above high")
    assert f"::error title=maestro-graph check::{failed.outputs['verdict']}" in failed.log
    assert all(chain_id in failed.log for chain_id in new)
    assert "FAIL" in failed.summary
    # The SARIF is written, and uploaded, when the check fails.
    assert failed.outputs["sarif"] == "reports/chains.sarif" and failed.uploads
    log = json.loads((workspace / "reports" / "chains.sarif").read_text())
    VALIDATOR.validate(log)
    states = {
        r["partialFingerprints"]["maestroChain/v1"]: r["baselineState"]
        for r in log["runs"][0]["results"]
    }
    assert {chain_id for chain_id, state in states.items() if state == "new"} == new

    # band is check's --fail-on: every new chain is high, none critical.
    # A report too large for a job summary leaves its heading and verdict there.
    critical = run_action(
        workspace,
        {"MAESTRO_ACTION_SUMMARY_LIMIT": "100"},
        model="architecture.yaml",
        band="critical",
        sarif="",
    )
    assert critical.code == 0, critical.log
    assert critical.outputs["verdict"].startswith("PASS")
    heading, _, verdict, *rest = critical.summary.splitlines()
    assert heading.startswith("## Check of ") and verdict == f"**{critical.outputs['verdict']}**"
    assert rest == ["", "The full report is over 1 MiB: see the job log or the SARIF upload."]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"model": "missing.yaml"}, "error: missing.yaml: file not found"),
        ({"model": ""}, "the model input is required"),
        ({"model": "rag.yaml", "band": "severe"}, "'severe' is not one of"),
        ({"model": "rag.yaml", "baseline": "none.yaml"}, "none.yaml"),
        ({"model": "rag.yaml", "args": "--max-hops 99"}, "99 is not in the range"),
    ],
)
def test_action_exits_2_on_bad_input(tmp_path, inputs, message):
    workspace = tmp_path / "repo"
    workspace.mkdir()
    (workspace / "rag.yaml").write_text(RAG_AGENT)
    failed = run_action(workspace, **inputs)
    assert failed.code == 2, failed.log
    assert message in failed.log
    assert failed.outputs == {"exit-code": "2", "sarif": ""}
    assert not failed.uploads and not (workspace / "maestro-graph.sarif").exists()


def test_action_rule_folders_and_no_sarif(tmp_path):
    workspace = tmp_path / "repo"
    write_rules(workspace / "team-rules", {"threats/extra.yaml": GOOD_THREAT})
    (workspace / "rag.yaml").write_text(RAG_AGENT)
    console(
        workspace, "baseline", "rag.yaml", "--rules", "team-rules", "-o", "maestro-baseline.yaml"
    )

    # Folders are split on spaces and newlines, each one its own --rules.
    both = run_action(workspace, model="rag.yaml", rules="team-rules\n  elsewhere\n")
    assert both.code == 2 and "elsewhere: rules folder not found" in both.log, both.log

    quiet = run_action(workspace, model="rag.yaml", rules=" team-rules ", sarif="", summary="false")
    assert quiet.code == 0, quiet.log
    assert "fingerprints may have moved" not in quiet.log  # the baseline's own catalog
    assert quiet.outputs["sarif"] == "" and not quiet.uploads and quiet.summary == ""
    assert not list(workspace.rglob("*.sarif"))


@pytest.mark.skipif(shutil.which("dash") is None, reason="needs a strict POSIX shell")
def test_the_script_runs_under_a_posix_shell(tmp_path):
    env = os.environ | {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "INPUT_MODEL": "no.yaml"}
    env.pop("GITHUB_OUTPUT", None)
    missing = subprocess.run(
        ["dash", str(SCRIPT), "check"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "no.yaml: file not found" in missing.stderr
    usage = subprocess.run(["dash", str(SCRIPT)], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: github-action.sh install|check" in usage.stderr
    skipped = subprocess.run(
        ["dash", str(SCRIPT), "install"],
        env=env | {"MAESTRO_ACTION_SKIP_INSTALL": "1"},
        capture_output=True,
        text=True,
    )
    assert skipped.returncode == 0 and str(BIN / "maestro-graph") in skipped.stderr


def test_readme_workflow_uses_the_action_with_declared_inputs():
    from .test_regression import readme_block

    workflow = yaml.safe_load(readme_block("# .github/workflows/maestro-graph.yml", "yaml"))
    steps = workflow["jobs"]["maestro"]["steps"]
    (step,) = (s for s in steps if s.get("uses", "").endswith("/maestro-graph@main"))
    assert set(step["with"]) <= set(load_action()["inputs"])
    assert step["with"]["model"] == "architecture.yaml"
    assert workflow["permissions"]["security-events"] == "write"
