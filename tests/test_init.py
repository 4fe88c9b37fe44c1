"""`maestro-graph init`: a starter model a new user can run at once."""

from __future__ import annotations

import json

import maestro_graph as mg


def test_init_writes_a_model_that_validates_and_yields_chains(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("init")
    assert result.exit_code == 0, result.output
    assert "next: maestro-graph validate model.yaml" in result.output
    model = mg.load_model(tmp_path / "model.yaml")
    assert {c.layer.value for c in model.components} == {f"L{n}" for n in range(1, 8)}
    chains = run_cli("paths", "model.yaml", "--format", "json")
    assert chains.exit_code == 0 and len(json.loads(chains.output)["chains"]) >= 3


def test_init_keeps_comments_that_explain_the_fields(run_cli, tmp_path):
    target = tmp_path / "agent.yaml"
    assert run_cli("init", "-o", target).exit_code == 0
    text = target.read_text()
    assert text.startswith("# A starter maestro-graph model")
    assert "exposure: public" in text and "# Optional: where the attacker starts" in text


def test_init_refuses_to_replace_a_file_unless_forced(run_cli, tmp_path):
    target = tmp_path / "model.yaml"
    target.write_text("mine\n")
    refused = run_cli("init", "-o", target)
    assert refused.exit_code == 2 and "already exists" in refused.output
    assert target.read_text() == "mine\n"
    assert run_cli("init", "-o", target, "--force").exit_code == 0
    assert target.read_text().startswith("# A starter")


def test_init_prints_with_dash(run_cli):
    result = run_cli("init", "-o", "-")
    assert result.exit_code == 0 and "maestro: 1" in result.output
