"""Importing MCP client configurations: real files from public repositories and each client's
layout (tests/data/import/mcp/README.md says where each file comes from)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import maestro_graph as mg
from maestro_graph.io.importers import TypeMapping, import_file
from maestro_graph.support.errors import MaestroInputError

DATA = Path(__file__).parent / "data" / "import" / "mcp"
WRITTEN = DATA / "written"
REAL_FILES = [
    DATA / "inspector-sample-config.json",
    DATA / "inspector-configs-mcp.json",
    DATA / "vscode" / ".vscode" / "mcp.json",
]
SECRETS = ("sk-live-0123456789abcdef", "hunter2", "xoxb-1111111111", "BSA0123456789abcdef")


def _kinds(result) -> dict[str, tuple[str, str]]:
    return {c.id: (c.layer.value, c.kind) for c in result.model.components}


def _flows(result) -> set[tuple[str, str, str]]:
    return {(f.source, f.target, f.kind.value) for f in result.model.flows}


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.parent.name + "/" + p.name)
def test_real_configurations_import_validate_and_analyse(path, run_cli, tmp_path):
    out = tmp_path / "model.yaml"
    imported = run_cli("import", path, "-o", out)
    assert imported.exit_code == 0, imported.output
    assert "imported" in imported.output
    assert run_cli("validate", out).exit_code == 0
    chains = run_cli("paths", out, "--format", "json")
    assert chains.exit_code == 0, chains.output
    assert json.loads(chains.output)["chains"], "a configuration with servers yields chains"


def test_inspector_sample_maps_each_server():
    result = import_file(DATA / "inspector-sample-config.json")
    kinds = _kinds(result)
    model = result.model
    assert kinds["hosted-everything"] == ("L7", "mcp_server")
    remote = model.component("hosted-everything")
    assert (remote.exposure.value, remote.trust.value) == ("public", "untrusted")
    local = model.component("everything")
    assert (local.exposure.value, local.trust.value) == ("internal", "trusted")
    flows = _flows(result)
    assert ("npm", "everything", "supplies") in flows  # npx fetches it from npm
    assert ("workstation", "everything", "hosts") in flows
    assert ("mcp-client", "hosted-everything", "invokes") in flows
    assert not any(f[1] == "hosted-everything" and f[2] == "hosts" for f in flows)
    # "KEY" names a credential; "HELLO" does not.
    assert ("myserver-credentials", "myserver", "authorizes") in flows
    assert "everything-credentials" not in kinds
    assert model.component("myserver-credentials").properties["holds"] == ["env.KEY"]


def test_a_remote_third_party_server_and_a_filesystem_server_yield_chains_onward():
    """The issue's done-when: chains from the third-party server into the agent and onward."""
    result = import_file(WRITTEN / "claude_desktop_config.json")
    analysis = mg.analyze(result.model)
    chains = analysis.paths(top=50)
    from_remote = [c for c in chains if c.route[0] == "remote-notes"]
    assert from_remote, "the remote server is an attacker entry"
    onward = {c.route[-1] for c in from_remote}
    assert any(c.route[1] == "claude-desktop" and len(c.route) >= 3 for c in from_remote)
    # Through the agent to what the filesystem server reaches: the documents or the keys.
    assert onward & {"files-users-ana-documents", "secrets-in-users-ana-.ssh", "remote-notes"}
    assert any("secrets-in-users-ana-.ssh" in c.route for c in from_remote)


def test_filesystem_folders_become_stores_and_key_folders_secret_stores():
    result = import_file(WRITTEN / "claude_desktop_config.json")
    kinds = _kinds(result)
    assert kinds["files-users-ana-documents"] == ("L2", "document_source")
    assert kinds["secrets-in-users-ana-.ssh"] == ("L4", "secret_store")
    flows = _flows(result)
    assert ("secrets-in-users-ana-.ssh", "filesystem", "data") in flows
    assert ("filesystem", "files-users-ana-documents", "data") in flows


@pytest.mark.parametrize(
    ("name", "client"),
    [
        ("claude_desktop_config.json", "Claude Desktop"),
        ("settings.json", "VS Code agent mode"),
        (".claude.json", "Claude Code"),
        ("mcp_config.json", "Windsurf"),
        ("cline_mcp_settings.json", "Cline"),
    ],
)
def test_each_client_layout_is_recognised(name, client):
    result = import_file(WRITTEN / name)
    assert result.format == "mcp"
    assert result.model.name == f"{client} with its MCP servers"
    agents = result.model.components_on("L3")
    assert agents[0].properties["client"] == client


def test_coding_clients_have_a_terminal_tool_and_desktop_clients_none():
    coding = _kinds(import_file(WRITTEN / "mcp_config.json"))
    desktop = _kinds(import_file(WRITTEN / "claude_desktop_config.json"))
    assert ("L3", "code_interpreter") in coding.values()
    assert ("L3", "code_interpreter") not in desktop.values()


def test_no_secret_value_reaches_the_model_or_its_yaml(run_cli, tmp_path):
    for path in sorted({*WRITTEN.glob("*.json"), WRITTEN / ".claude.json"}):
        if path.name in {"truncated.json", "servers-list.json"}:
            continue
        text = import_file(path).model.to_yaml()
        for secret in SECRETS:
            assert secret not in text, (path.name, secret)
    out = tmp_path / "m.yaml"
    run_cli("import", WRITTEN / "claude_desktop_config.json", "-o", out)
    remote = mg.load_model(out).component("remote-notes")
    assert remote.properties["url"] == "https://notes-mcp.example.net/sse?api_key=<redacted>"


def test_vscode_settings_with_comments_inputs_and_headers():
    result = import_file(WRITTEN / "settings.json")
    flows = _flows(result)
    assert ("github-credentials", "github", "authorizes") in flows
    holds = result.model.component("github-credentials").properties["holds"]
    assert "headers.Authorization" in holds and "input github-pat" in holds
    # A pinned PyPI package is marked pinned; the web reaches the fetch server.
    assert "dependency-pinning" in result.model.component("fetch").controls
    assert ("web-pages", "fetch", "data") in flows
    assert ("github", "github-api", "invokes") in flows


def test_claude_code_projects_keep_each_project_apart():
    result = import_file(WRITTEN / ".claude.json")
    servers = {c.name: c for c in result.model.components if c.kind == "mcp_server"}
    assert {"sentry", "postgres (shop)", "postgres (blog)"} <= set(servers)
    assert servers["postgres (shop)"].properties["project"] == "/home/dev/shop"
    flows = _flows(result)
    assert ("container-registry", servers["postgres (blog)"].id, "supplies") in flows
    assert "dependency-pinning" in servers["postgres (blog)"].controls  # image tag 1.2.0
    assert "dependency-pinning" not in servers["postgres (shop)"].controls  # npx -y, unpinned


def test_windsurf_local_url_is_internal_and_hosted():
    result = import_file(WRITTEN / "mcp_config.json")
    docs = result.model.component("docs")
    assert (docs.exposure.value, docs.trust.value) == ("internal", "trusted")
    assert ("workstation", "docs", "hosts") in _flows(result)
    assert ("slack", "slack-api", "invokes") in _flows(result)
    assert "dependency-pinning" in result.model.component("slack").controls


def test_disabled_and_unusable_servers_are_warnings_with_line_and_pointer():
    result = import_file(WRITTEN / "cline_mcp_settings.json")
    assert "old-server" not in _kinds(result)
    (warning,) = result.warnings
    assert warning.line == 10
    assert "disabled" in warning.message and "/mcpServers/old-server" in warning.message
    broken = import_file(WRITTEN / ".cursor" / "mcp.json")
    messages = [w.message for w in broken.warnings]
    assert any("'broken' is not an object" in m for m in messages)
    assert any("'empty' has neither a command nor a url" in m for m in messages)


def test_strict_import_fails_on_warnings(run_cli, tmp_path):
    result = run_cli("import", WRITTEN / "cline_mcp_settings.json", "--strict", "-o", tmp_path / "m")
    assert result.exit_code == 1
    assert "warning:" in result.output


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("truncated.json", "invalid JSON"),
        ("servers-list.json", "mcpServers must map server names to settings (or list server objects), not be a list"),
    ],
)
def test_malformed_configurations_exit_2_with_a_clear_message(name, message, run_cli, tmp_path):
    out = tmp_path / "model.yaml"
    result = run_cli("import", WRITTEN / name, "-o", out)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_unknown_format_and_undetectable_file_exit_2(run_cli, tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}')
    undetected = run_cli("import", other)
    assert undetected.exit_code == 2 and "cannot tell the format" in undetected.output
    unknown = run_cli("import", other, "--from", "visio")
    assert unknown.exit_code == 2 and "unknown format 'visio'" in unknown.output


def test_mapping_overrides_by_name(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("remote-notes: {layer: L7, kind: external_agent}\n")
    result = import_file(
        WRITTEN / "claude_desktop_config.json", mapping=TypeMapping.read(mapping)
    )
    assert _kinds(result)["remote-notes"] == ("L7", "external_agent")


def test_a_mapping_file_with_a_wrong_kind_is_refused_with_its_line(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("a: {layer: L3, kind: agent}\nb: {layer: L3, kind: database}\n")
    with pytest.raises(MaestroInputError) as error:
        TypeMapping.read(mapping)
    (problem,) = error.value.problems
    assert problem.line == 2 and "not a kind of L3" in problem.message


def test_import_is_deterministic():
    first = import_file(DATA / "inspector-configs-mcp.json").model.to_yaml()
    assert first == import_file(DATA / "inspector-configs-mcp.json").model.to_yaml()


def test_every_component_records_where_it_came_from():
    result = import_file(DATA / "inspector-configs-mcp.json")
    for component in result.model.components:
        assert component.properties["source"].startswith("mcp:inspector-configs-mcp.json#")
    assert (
        result.model.component("github").properties["source"]
        == "mcp:inspector-configs-mcp.json#/mcpServers/github"
    )


@pytest.mark.parametrize(
    ("name", "client"),
    [
        (".codex/config.toml", "Codex CLI"),
        (".gemini/settings.json", "Gemini CLI"),
        ("zed/settings.json", "Zed agent"),
        (".continue/config.json", "Continue"),
    ],
)
def test_other_clients_spellings_are_read(name, client):
    result = import_file(WRITTEN / name)
    assert result.model.name == f"{client} with its MCP servers"
    assert not result.warnings
    text = result.model.to_yaml()
    for secret in ("github_pat_11AAAAAAA", "s3cr3tpass", "k-123"):
        assert secret not in text


def test_codex_toml_tables_and_remote_url():
    result = import_file(WRITTEN / ".codex" / "config.toml")
    flows = _flows(result)
    assert ("github-credentials", "github", "authorizes") in flows
    assert ("npm", "github", "supplies") in flows
    docs = result.model.component("docs")
    assert (docs.exposure.value, docs.trust.value) == ("public", "untrusted")
    # "docs.example.org" names no web-reading capability: no web pages are invented.
    assert "web-pages" not in _kinds(result)


def test_zed_nested_command_gemini_http_url_and_windows_cmd_wrapper():
    zed = import_file(WRITTEN / "zed" / "settings.json")
    assert ("pypi", "postgres", "supplies") in _flows(zed)
    assert "dependency-pinning" in zed.model.component("postgres").controls
    assert zed.model.component("postgres-credentials").properties["holds"] == ["env.DATABASE_URI"]
    gemini = import_file(WRITTEN / ".gemini" / "settings.json")
    search = gemini.model.component("search")
    assert search.exposure.value == "public" and "httpUrl" not in search.properties
    assert ("npm", "win-fs", "supplies") in _flows(gemini)  # cmd /c npx ... unwrapped
    assert "files-c-users-me-work" in _kinds(gemini)


def test_continue_server_list_and_memory_server():
    result = import_file(WRITTEN / ".continue" / "config.json")
    kinds = _kinds(result)
    assert kinds["browser"] == ("L7", "mcp_server") and kinds["memory"] == ("L7", "mcp_server")
    assert kinds["memory-of-memory"] == ("L2", "memory_store")
    assert ("web-pages", "browser", "data") in _flows(result)
    assert result.model.component("browser").properties["source"].endswith("#/mcpServers/0")


def test_invalid_toml_exits_2_with_its_line(run_cli, tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text('[mcp_servers.a]\ncommand = "npx\n')
    result = run_cli("import", bad)
    assert result.exit_code == 2 and "invalid TOML" in result.output and ":2:" in result.output
