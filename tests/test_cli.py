"""The command line through click's runner, and once as a real installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import maestro_graph as mg

from .conftest import VALID_MODEL


def test_validate_prints_a_summary(run_cli, write_model):
    result = run_cli("validate", write_model(VALID_MODEL))
    assert result.exit_code == 0, result.output
    assert "valid: Tiny RAG" in result.output
    assert "3 components, 2 flows" in result.output
    assert "L2 Data Operations" in result.output and "web, kb" in result.output
    assert "web (L2 document_source; exposure internal, trust untrusted)" in result.output
    assert "Layers with no component: L3 Agent Frameworks" in result.output


def test_validate_json(run_cli, write_model):
    result = run_cli("validate", write_model(VALID_MODEL), "--format", "json")
    data = json.loads(result.output)
    assert data["components_per_layer"]["L2"] == ["web", "kb"]
    assert data["flows_per_kind"]["data"] == 2
    assert data["entry_components"] == ["web"]


@pytest.mark.parametrize("name", ["netmon", "rag-agent", "multi-agent"])
def test_validate_each_example(run_cli, name):
    result = run_cli("validate", "--example", name)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid: ")


def test_bad_model_exits_2_with_file_and_line(run_cli, write_model):
    path = write_model(VALID_MODEL.replace("to: llm", "to: lm"))
    result = run_cli("validate", path)
    assert result.exit_code == 2
    assert (
        f"error: {path}:20: flows[1].to: flow goes to unknown component 'lm'; did you mean 'llm'?"
        in result.output
    )
    assert "Traceback" not in result.output


def test_several_problems_are_counted(run_cli, write_model):
    path = write_model(VALID_MODEL.replace("to: llm", "to: lm").replace("layer: L1", "layer: L9"))
    result = run_cli("validate", path)
    assert result.exit_code == 2
    assert "error:" in result.output and "unknown layer 'L9'" in result.output


def test_unknown_example_lists_the_bundled_ones(run_cli):
    result = run_cli("validate", "--example", "netmn")
    assert result.exit_code == 2
    assert "no bundled example 'netmn'; did you mean 'netmon'?" in result.output


def test_model_and_example_are_exclusive(run_cli, write_model):
    assert run_cli("validate").exit_code == 2
    assert run_cli("validate", write_model(VALID_MODEL), "--example", "netmon").exit_code == 2


def test_limit_options(run_cli, write_model):
    result = run_cli("validate", write_model(VALID_MODEL), "--max-components", "2")
    assert result.exit_code == 2
    assert "more than the limit of 2" in result.output


def test_missing_file_is_bad_input(run_cli, tmp_path):
    result = run_cli("validate", tmp_path / "absent.yaml")
    assert result.exit_code == 2
    assert "absent.yaml: file not found" in result.output


def test_schema_prints_json_schema(run_cli, tmp_path):
    result = run_cli("schema")
    schema = json.loads(result.output)
    assert schema["title"] == "maestro-graph model file"
    target = tmp_path / "schema.json"
    run_cli("schema", "-o", target)
    assert json.loads(target.read_text()) == schema


def test_examples_lists_each_with_a_description(run_cli):
    result = run_cli("examples")
    for name in ("netmon", "rag-agent", "multi-agent"):
        line = next(line for line in result.output.splitlines() if line.startswith(name + " "))
        assert len(line.split(None, 1)[1]) > 20
    assert json.loads(run_cli("examples", "--format", "json").output) == mg.examples()


def test_help_has_examples(run_cli):
    result = run_cli("--help")
    assert "maestro-graph validate --example netmon" in result.output
    assert "Exit codes" in result.output
    assert "Examples:" in run_cli("validate", "--help").output


def test_installed_console_script_runs_as_a_subprocess(tmp_path):
    script = shutil.which("maestro-graph", path=str(Path(sys.executable).parent))
    assert script, "the console script is installed next to the interpreter"
    ok = subprocess.run(
        [script, "validate", "--example", "netmon"], capture_output=True, text=True, cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("valid: ")
    bad = tmp_path / "bad.yaml"
    bad.write_text("maestro: 1\nsystem: {name: x}\ncomponents: []\n")
    failed = subprocess.run(
        [script, "validate", str(bad)], capture_output=True, text=True, cwd=tmp_path
    )
    assert failed.returncode == 2
    assert (
        failed.stderr.strip()
        == f"error: {bad}:3: components: the model has no components; add at least one"
    )
    assert "Traceback" not in failed.stderr


def test_python_dash_m_runs_the_cli(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "maestro_graph", "examples"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0 and "netmon" in result.stdout


def test_dash_as_output_means_standard_output(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("baseline", "--example", "netmon", "--min-band", "high", "-o", "-")
    assert result.exit_code == 0 and "maestro_baseline: 1" in result.stdout
    assert not (tmp_path / "-").exists()
