"""The Threagile importer: real Threagile example models, the mapping rules, malformed files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

import maestro_graph as mg
from maestro_graph.io.importers import detect_format, import_file
from maestro_graph.io.importers.base import ImportResult, TypeMapping
from maestro_graph.io.importers.threagile import FORMAT, _placement_for, known_technologies
from maestro_graph.model import SystemModel
from maestro_graph.support.errors import MaestroInputError

DATA = Path(__file__).parent / "data" / "import" / "threagile"
EXAMPLE = DATA / "example.threagile.yaml"
STUB = DATA / "stub.threagile.yaml"
AGENT = DATA / "agent-platform.threagile.yaml"
RunCli = Callable[..., Result]

#: Every technology Threagile defines (pkg/types/technologies.yaml at the recorded commit).
THREAGILE_TECHNOLOGIES = [
    "ai",
    "application-server",
    "artifact-registry",
    "batch-processing",
    "big-data-platform",
    "block-storage",
    "browser",
    "build-pipeline",
    "client-system",
    "cli",
    "cms",
    "code-inspection-platform",
    "container-platform",
    "data-lake",
    "database",
    "desktop",
    "devops-client",
    "ejb",
    "erp",
    "event-listener",
    "file-server",
    "function",
    "gateway",
    "hsm",
    "identity-provider",
    "identity-store-database",
    "identity-store-ldap",
    "ids",
    "iot-device",
    "ips",
    "ldap-server",
    "library",
    "load-balancer",
    "local-file-system",
    "mail-server",
    "mainframe",
    "message-queue",
    "mobile-app",
    "monitoring",
    "report-engine",
    "reverse-proxy",
    "scheduler",
    "search-engine",
    "search-index",
    "service-mesh",
    "service-registry",
    "sourcecode-repository",
    "stream-processing",
    "task",
    "tool",
    "vault",
    "waf",
    "web-application",
    "web-server",
    "web-service-rest",
    "web-service-soap",
]


def _import(path: Path, mapping: TypeMapping | None = None) -> ImportResult:
    return import_file(path, format_name="threagile", mapping=mapping)


@pytest.fixture(scope="module")
def example() -> ImportResult:
    return _import(EXAMPLE)


@pytest.fixture(scope="module")
def agent() -> ImportResult:
    return _import(AGENT)


def _by_source_id(model: SystemModel) -> dict[str, Any]:
    """Components by their Threagile id (shared runtimes included)."""
    return {c.properties["threagile_id"]: c for c in model.components}


def _flows(model: SystemModel) -> dict[tuple[str, str, str], Any]:
    ids = {c.id: c.properties["threagile_id"] for c in model.components}
    return {(ids[f.source], ids[f.target], f.kind.value): f for f in model.flows}


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- real files ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [EXAMPLE, STUB], ids=["example", "stub"])
def test_real_threagile_files_import_validate_and_analyse(
    path: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "model.yaml"
    imported = run_cli("import", path, "-o", out)
    assert imported.exit_code == 0, imported.output
    assert "Traceback" not in imported.output
    assert "imported" in imported.stderr and "from threagile" in imported.stderr
    validated = run_cli("validate", out)
    assert validated.exit_code == 0, validated.output
    paths = run_cli("paths", out)
    assert paths.exit_code == 0, paths.output


def test_detected_without_from(run_cli: RunCli, tmp_path: Path) -> None:
    assert detect_format(yaml.safe_load(EXAMPLE.read_text()), EXAMPLE.name) is FORMAT
    result = run_cli("import", STUB, "-o", tmp_path / "m.yaml")
    assert result.exit_code == 0, result.output


def test_example_chains_start_at_an_internet_facing_asset(example: ImportResult) -> None:
    chains = mg.analyze(example.model).paths(top=10)
    assert chains
    starts = [example.model.component(chain.steps[0].component) for chain in chains]
    assert any(c.exposure.value == "public" for c in starts)
    assert "customer-web-client" in {c.id for c in starts}


def test_example_counts_and_untouched_sections(example: ImportResult) -> None:
    # 14 technical assets and one shared runtime.
    assert len(example.model.components) == 15
    messages = [p.message for p in example.warnings]
    for section in ("questions", "abuse_cases", "security_requirements", "risk_tracking"):
        assert sum(f"(at /{section})" in m for m in messages) == 1, section
    assert any("(at /individual_risk_categories)" in m for m in messages)
    assert len(messages) == 5  # nothing else in the official example is left out


def test_stub_has_no_entry_and_no_chain(run_cli: RunCli, tmp_path: Path) -> None:
    # The stub has no external entity and nothing on the internet: no chain, still exit 0.
    model = _import(STUB).model
    assert not any(c.is_default_entry for c in model.components)
    out = tmp_path / "stub.yaml"
    run_cli("import", STUB, "-o", out)
    result = run_cli("paths", out)
    assert result.exit_code == 0
    assert "No chain matches" in result.output


def test_includes_are_refused_with_a_clear_message(run_cli: RunCli) -> None:
    # test/main.yaml of the Threagile repository only lists included files.
    result = run_cli("import", DATA / "includes-only.threagile.yaml")
    assert result.exit_code == 2
    assert "no technical_assets to import (its 'includes' are not followed)" in result.stderr
    assert "Traceback" not in result.output


def test_json_form_imports_the_same(tmp_path: Path, example: ImportResult) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    path = tmp_path / "threagile.json"
    path.write_text(json.dumps(data, default=str), encoding="utf-8")  # dates as text
    result = import_file(path)
    assert result.format == "threagile"
    assert [c.id for c in result.model.components] == [c.id for c in example.model.components]


# -- mapping of the official example ------------------------------------------------------------
@pytest.mark.parametrize(
    ("threagile_id", "layer", "kind"),
    [
        ("customer-client", "L7", "application"),
        ("load-balancer", "L4", "api_gateway"),
        ("apache-webserver", "L4", "web_service"),
        ("identity-provider", "L6", "iam"),
        ("ldap-auth-server", "L6", "iam"),
        ("marketing-cms", "L4", "web_service"),
        ("erp-system", "L4", "web_service"),
        ("contract-file-server", "L2", "document_source"),
        ("sql-database", "L2", "database"),
        ("git-repo", "L4", "ci_pipeline"),
        ("jenkins-build-server", "L4", "ci_pipeline"),
        ("webapp-virtualization", "L4", "host"),
    ],
)
def test_layer_and_kind_from_technology(
    example: ImportResult, threagile_id: str, layer: str, kind: str
) -> None:
    component = _by_source_id(example.model)[threagile_id]
    assert (component.layer.value, component.kind) == (layer, kind)


def test_exposure_trust_and_criticality(example: ImportResult) -> None:
    components = _by_source_id(example.model)
    customer = components["customer-client"]  # external entity on the internet
    assert (customer.exposure.value, customer.trust.value) == ("public", "untrusted")
    backoffice = components["backoffice-client"]  # external entity, not on the internet
    assert (backoffice.exposure.value, backoffice.trust.value) == ("partner", "untrusted")
    database = components["sql-database"]
    assert (database.exposure.value, database.trust.value) == ("internal", "trusted")
    # strictly-confidential -> 5; internal / operational / operational -> 2
    assert database.criticality == 5
    assert customer.criticality == 2
    assert components["marketing-cms"].criticality == 3  # internal / important / important
    assert database.owner == "Company ABC"


def test_trust_boundaries_become_properties_and_segmentation(example: ImportResult) -> None:
    components = _by_source_id(example.model)
    apache = components["apache-webserver"]
    assert apache.properties["trust_boundary"] == {
        "id": "web-dmz",
        "name": "Web DMZ",
        "type": "network-cloud-security-group",
        "within": ["application-network"],
    }
    # A cloud security group filters traffic; a cloud provider network or an execution
    # environment only says where the asset is.
    assert "network-segmentation" in apache.controls
    assert "network-segmentation" not in components["load-balancer"].controls
    assert "network-segmentation" not in components["identity-provider"].controls
    assert components["identity-provider"].properties["trust_boundary"]["within"] == [
        "application-network"
    ]
    assert "trust_boundary" not in components["customer-client"].properties
    assert not any(c.kind == "network" for c in example.model.components)


def test_links_become_flows_with_controls(example: ImportResult) -> None:
    flows = _flows(example.model)
    customer = flows[("customer-client", "load-balancer", "invokes")]
    # https: encrypted; a session id is recorded, not counted as an authenticated channel.
    assert customer.controls == ("encryption-in-transit",)
    assert customer.label == "Customer Traffic"
    assert set(flows[("backoffice-client", "erp-system", "invokes")].controls) == {
        "channel-authentication",
        "encryption-in-transit",
    }
    # A process writing to and reading from a datastore: data both ways, plain jdbc.
    assert flows[("erp-system", "sql-database", "data")].controls == ()
    assert ("sql-database", "erp-system", "data") in flows
    # http to a web server: nothing.
    assert flows[("load-balancer", "apache-webserver", "invokes")].controls == ()


def test_links_merged_into_one_flow_keep_every_name(example: ImportResult) -> None:
    flow = _flows(example.model)[("external-dev-client", "git-repo", "invokes")]
    assert flow.label == "Git-Repo Code Write Access; Git-Repo Web-UI Access"


def test_link_details_are_kept_readable_in_properties(example: ImportResult) -> None:
    customer = _by_source_id(example.model)["customer-client"]
    link = customer.properties["communication_links"]["Customer Traffic"]
    assert link["protocol"] == "https"
    assert link["identity_check"] == "session-id"  # not redacted: it is no credential
    assert link["permission_check"] == "end-user-identity-propagation"
    assert link["data_sent"] == ["Customer Accounts", "Customer Operational Data"]
    assert customer.properties["data_assets_processed"][0] == "Customer Accounts"
    assert customer.properties["source"].endswith("#/technical_assets/Customer Web Client")


def test_shared_runtime_hosts_what_runs_on_it(example: ImportResult) -> None:
    flows = _flows(example.model)
    hosted = {t for (s, t, k) in flows if s == "webapp-virtualization" and k == "hosts"}
    assert hosted == {
        "apache-webserver",
        "marketing-cms",
        "erp-system",
        "contract-file-server",
        "sql-database",
    }


# -- mapping rules on a written fixture -----------------------------------------------------------
def test_ai_assets_and_external_ai_service(agent: ImportResult) -> None:
    components = _by_source_id(agent.model)
    support = components["agent"]  # technologies: [quantum-orchestrator, ai]
    assert (support.layer.value, support.kind) == ("L1", "foundation_model")
    assert support.properties["technologies"] == ["quantum-orchestrator", "ai"]
    hosted = components["hosted-llm"]  # an external entity running ai: a hosted AI service
    assert (hosted.layer.value, hosted.kind) == ("L7", "ai_service_api")
    assert (hosted.exposure.value, hosted.trust.value) == ("public", "untrusted")
    assert components["ticket-index"].kind == "vector_store"
    assert components["siem"].kind == "monitor"  # alias of monitoring
    assert components["k8s"].kind == "cluster"  # alias of container-platform


def test_container_spawning_is_hosts(agent: ImportResult) -> None:
    flows = _flows(agent.model)
    assert ("k8s", "agent", "hosts") in flows
    assert ("k8s", "agent", "invokes") not in flows


def test_shared_runtime_kind_follows_the_machines(agent: ImportResult) -> None:
    components = _by_source_id(agent.model)
    assert components["pod-runtime"].kind == "cluster"  # every asset runs in a container
    assert components["monitoring-vm"].kind == "host"
    flows = _flows(agent.model)
    assert {t for (s, t, k) in flows if s == "pod-runtime" and k == "hosts"} == {
        "chat-api",
        "agent",
        "ticket-index",
    }


def test_flow_kind_rules(agent: ImportResult) -> None:
    flows = _flows(agent.model)
    assert ("agent", "siem", "telemetry") in flows  # the target is on L5
    # A read-only link to a datastore: data comes back only.
    assert ("ticket-index", "agent", "data") in flows
    assert ("agent", "ticket-index", "data") not in flows
    assert ("agent", "hosted-llm", "invokes") in flows
    ask = flows[("chat-api", "agent", "invokes")]  # http, token, ip filtered
    assert set(ask.controls) == {"channel-authentication", "network-segmentation"}


def test_component_controls(agent: ImportResult) -> None:
    components = _by_source_id(agent.model)
    assert "encryption-at-rest" in components["ticket-index"].controls
    # Inside a namespace-isolation boundary, directly or through a nested boundary.
    for threagile_id in ("agent", "ticket-index", "chat-api"):
        assert "network-segmentation" in components[threagile_id].controls
    assert components["chat-api"].properties["trust_boundary"]["within"] == ["cluster-network"]
    assert components["chat-api"].owner == "Support Platform Team"


def test_human_client_without_technology_is_a_user(agent: ImportResult) -> None:
    customer = _by_source_id(agent.model)["customer"]
    assert (customer.layer.value, customer.kind) == ("L7", "user")
    assert customer.trust.value == "untrusted"


def test_warnings_name_line_and_pointer(agent: ImportResult) -> None:
    by_pointer = {p.message.rsplit("(at ", 1)[1].rstrip(")"): p for p in agent.warnings}
    unknown = by_pointer["/technical_assets/Calendar Tool/technology"]
    assert unknown.line == _line_of(AGENT, "technology: quantum-widget")
    assert "'quantum-widget'" in unknown.message and "L4 web_service" in unknown.message
    assert unknown.source.endswith("agent-platform.threagile.yaml")
    assert by_pointer["/abuse_cases"].line == _line_of(AGENT, "abuse_cases:")
    field = by_pointer["/technical_assets/Support Agent/communication_links/Calendar/frobnicate"]
    assert field.line == _line_of(AGENT, "frobnicate: yes")
    assert "/data_assets/Orphan Data" in by_pointer
    assert "/technical_assets/Support Agent/data_assets_processed/2" in by_pointer
    assert "/trust_boundaries/Edge/technical_assets_inside/1" in by_pointer
    assert len(agent.warnings) == 7
    calendar = _by_source_id(agent.model)["calendar-tool"]
    link = _by_source_id(agent.model)["agent"].properties["communication_links"]["Calendar"]
    assert calendar.kind == "web_service" and link["frobnicate"] is True


def test_credentials_are_not_copied(agent: ImportResult) -> None:
    text = agent.model.to_yaml()
    assert "ghp_" not in text
    assert "<redacted>" in text


def test_strict_fails_on_warnings(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("import", AGENT, "--strict", "-o", tmp_path / "m.yaml")
    assert result.exit_code == 1
    assert "warning:" in result.stderr and "agent-platform.threagile.yaml:" in result.stderr


# -- --mapping ------------------------------------------------------------------------------------
def test_mapping_overrides_by_technology_id_and_title(
    run_cli: RunCli, tmp_path: Path, write_model: Callable[..., Path]
) -> None:
    mapping = write_model(
        """\
        search-index: {layer: L2, kind: database}
        agent: {layer: L3, kind: agent}
        Pod Runtime: {layer: L4, kind: host}
        quantum-widget: {layer: L3, kind: tool}
        """,
        "map.yaml",
    )
    out = tmp_path / "m.yaml"
    result = run_cli("import", AGENT, "--mapping", mapping, "-o", out)
    assert result.exit_code == 0, result.output
    components = {
        c["properties"]["threagile_id"]: c for c in yaml.safe_load(out.read_text())["components"]
    }
    assert (components["ticket-index"]["layer"], components["ticket-index"]["kind"]) == (
        "L2",
        "database",
    )
    assert components["agent"]["kind"] == "agent"
    assert components["pod-runtime"]["kind"] == "host"
    assert components["calendar-tool"]["kind"] == "tool"
    assert "quantum-widget" not in result.stderr  # placed by the mapping: nothing to warn
    assert run_cli("paths", out).exit_code == 0


def test_mapping_to_l2_turns_links_into_data(tmp_path: Path) -> None:
    mapping_file = tmp_path / "map.yaml"
    mapping_file.write_text("web-server: {layer: L2, kind: knowledge_base}\n")
    result = _import(EXAMPLE, TypeMapping.read(mapping_file))
    flows = _flows(result.model)
    assert ("load-balancer", "apache-webserver", "data") in flows
    assert ("load-balancer", "apache-webserver", "invokes") not in flows


# -- malformed files ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed-assets-list", ":4: technical_assets must map titles to elements, got a list"),
        ("malformed-no-id", ":5: technical_assets 'Web Server' has no id"),
        ("malformed-no-id", ":13: link 'Reply' has no target id"),
        ("malformed-duplicate-id", ":10: duplicate id 'web' (also 'Web Server')"),
        ("malformed-duplicate-id", ":13: trust_boundaries must map titles to elements"),
        ("malformed-not-a-mapping", "a Threagile model is a mapping of sections"),
    ],
)
def test_malformed_files_exit_2(run_cli: RunCli, name: str, expected: str) -> None:
    result = run_cli("import", "--from", "threagile", DATA / f"{name}.threagile.yaml")
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_malformed_link_shape_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "threagile_version: 1.0.0\ntechnical_assets:\n  A:\n    id: a\n"
        "    communication_links: [x]\n"
    )
    with pytest.raises(MaestroInputError, match="communication_links of 'A' must map"):
        _import(path)


# -- detection and the technology table -------------------------------------------------------------
def test_detect() -> None:
    assert FORMAT.detect({"threagile_version": "1.0.0"}, "x.yaml")
    assert FORMAT.detect({"technical_assets": {}}, "x.yaml")
    assert not FORMAT.detect({"otmVersion": "0.2.0"}, "x.json")
    assert not FORMAT.detect(["technical_assets"], "x.yaml")


def test_every_threagile_technology_is_placed() -> None:
    assert sorted(THREAGILE_TECHNOLOGIES) == list(known_technologies())
    for technology in THREAGILE_TECHNOLOGIES:
        assert _placement_for(technology) is not None, technology
    assert _placement_for("unknown-technology") is None
    assert _placement_for("Kubernetes") == ("L4", "cluster")
    assert _placement_for("rest-api") == _placement_for("web-service-rest")
    assert _placement_for("git") == ("L4", "ci_pipeline")
