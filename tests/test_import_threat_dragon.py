"""The OWASP Threat Dragon importer: real model files, the mapping rules, and refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

import maestro_graph as mg
from maestro_graph.io.importers import TypeMapping, import_file
from maestro_graph.io.importers.threat_dragon import default_placement, named_controls
from maestro_graph.model import SystemModel
from maestro_graph.support.errors import MaestroInputError

DATA = Path(__file__).parent / "data" / "import" / "threat-dragon"
REAL_FILES = [
    "v2-threat-model.json",
    "v1-demo-threat-model.json",
    "test-reports.json",
    "online-game.json",
    "payment-online.json",
]
#: Every real file has an actor, and each yields chains in the default attacker model, the
#: classic web demos (online game, payment) included: requests an actor writes, or a client the
#: attacker runs, exploit the web services they reach.
CHAINS_FROM_ACTORS = REAL_FILES

Run = Callable[..., Result]


def _import(name: str) -> mg.SystemModel:
    return import_file(DATA / name).model


def _component(model: SystemModel, component_id: str) -> mg.Component:
    return model.component(component_id)


def _flow_keys(model: SystemModel) -> set[tuple[str, str]]:
    return {(flow.source, flow.target) for flow in model.flows}


def _cell(cell_id: str, cell_type: str, name: str, x: float = 0, y: float = 0, **data: Any):
    shape = {"tm.Actor": "actor", "tm.Process": "process", "tm.Store": "store"}[cell_type]
    return {
        "id": cell_id,
        "shape": shape,
        "position": {"x": x, "y": y},
        "size": {"width": 100, "height": 60},
        "data": {"type": cell_type, "name": name, **data},
    }


def _flow(cell_id: str, source: Any, target: Any, name: str = "", **data: Any) -> dict[str, Any]:
    def end(value: Any) -> dict[str, Any]:
        return {"cell": value} if isinstance(value, str) else {"x": value[0], "y": value[1]}

    return {
        "id": cell_id,
        "shape": "flow",
        "source": end(source),
        "target": end(target),
        "data": {"type": "tm.Flow", "name": name, **data},
    }


def _box(cell_id: str, name: str, x: float, y: float, width: float, height: float):
    return {
        "id": cell_id,
        "shape": "trust-boundary-box",
        "position": {"x": x, "y": y},
        "size": {"width": width, "height": height},
        "data": {"type": "tm.BoundaryBox", "name": name},
    }


@pytest.fixture
def write_dragon(tmp_path: Path) -> Callable[..., Path]:
    """Write a Threat Dragon v2 file whose diagrams hold the given cells."""

    def write(*diagrams: list[dict[str, Any]], name: str = "model.json") -> Path:
        document = {
            "version": "2.3.0",
            "summary": {"title": "Synthetic", "description": "Written by the tests"},
            "detail": {
                "diagrams": [
                    {"id": index, "title": f"D{index}", "cells": cells}
                    for index, cells in enumerate(diagrams)
                ]
            },
        }
        path = tmp_path / name
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        return path

    return write


# -- real files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file_imports_validates_and_paths_runs(name: str, run_cli: Run, tmp_path: Path):
    out = tmp_path / "model.yaml"
    imported = run_cli("import", DATA / name, "-o", out)
    assert imported.exit_code == 0, imported.output
    assert "from threat-dragon" in imported.output
    model = mg.load_model(out)
    assert model.components
    assert any(c.kind == "user" for c in model.components)
    paths = run_cli("paths", out)
    assert paths.exit_code == 0, paths.output


@pytest.mark.parametrize("name", CHAINS_FROM_ACTORS)
def test_real_file_with_an_actor_yields_a_chain(name: str):
    chains = mg.analyze(_import(name)).paths(top=5)
    assert len(chains) >= 1


@pytest.mark.parametrize("name", ["online-game.json", "payment-online.json"])
def test_web_only_demos_chain_through_exploited_services(name: str):
    chains = mg.analyze(_import(name)).paths(top=5)
    assert any(
        step.state.threat.id == "L4.exposed-service-exploitation"
        for chain in chains
        for step in chain.steps
    )


def test_format_is_detected_from_the_content():
    assert import_file(DATA / "v2-threat-model.json").format == "threat-dragon"
    assert import_file(DATA / "v1-demo-threat-model.json").format == "threat-dragon"


def test_version_1_file_imports_like_its_version_2_copy():
    def shape(model: SystemModel) -> tuple[set[tuple[str, ...]], set[str]]:
        components = {
            (c.id, c.layer.value, c.kind, c.exposure.value, c.trust.value, *c.controls)
            for c in model.components
        }
        return components, {f"{flow} {flow.controls}" for flow in model.flows}

    assert shape(_import("v1-demo-threat-model.json")) == shape(_import("v2-threat-model.json"))


# -- mapping of the demo model -------------------------------------------------------------


def test_demo_elements_are_placed_by_type_name_and_tick_boxes():
    model = _import("v2-threat-model.json")
    placed = {c.id: (c.layer.value, c.kind) for c in model.components}
    assert placed == {
        "worker-config": ("L4", "secret_store"),  # Stores credentials ticked
        "database": ("L2", "database"),  # its name beats its Is-a-log tick box
        "web-application-config": ("L4", "secret_store"),
        "message-queue": ("L2", "data_pipeline"),
        "background-worker-process": ("L4", "web_service"),
        "web-application": ("L4", "web_service"),
        "browser": ("L7", "user"),
    }
    assert _component(model, "worker-config").criticality == 5
    assert "isALog" in _component(model, "database").properties["flags"]


def test_demo_exposure_trust_and_public_network():
    model = _import("v2-threat-model.json")
    browser = _component(model, "browser")
    assert (browser.exposure.value, browser.trust.value) == ("public", "untrusted")
    web = _component(model, "web-application")
    # The Web Request flow crosses the public network into the web application.
    assert (web.exposure.value, web.trust.value) == ("public", "trusted")
    assert web.properties["receives_from_public_network"] is True
    assert _component(model, "database").exposure.value == "internal"


def test_demo_flows_labels_and_encryption():
    model = _import("v2-threat-model.json")
    flows = {(f.source, f.target): f for f in model.flows}
    assert all(f.kind.value == "data" for f in model.flows)
    request = flows[("browser", "web-application")]  # its source end was a loose point
    assert request.label == "Web Request (HTTP/S)"
    assert request.controls == ("encryption-in-transit",)
    assert flows[("web-application", "message-queue")].controls == ()


def test_out_of_scope_elements_are_tagged_and_kept_in_flows():
    model = _import("v2-threat-model.json")
    config = _component(model, "web-application-config")
    assert "out-of-scope" in config.tags
    assert ("web-application-config", "web-application") in _flow_keys(model)
    records = _component(model, "web-application").properties["inbound_flows"]
    read = next(r for r in records if r["flow"] == "Read web app config")
    assert read["out_of_scope"] is True and "file system" in read["out_of_scope_reason"]


def test_out_of_scope_actor_is_not_an_entry():
    model = _import("test-reports.json")
    outside = _component(model, "out-of-scope")
    inside = _component(model, "in-scope")
    assert "out-of-scope" in outside.tags and not outside.is_default_entry
    assert inside.is_default_entry
    assert "out-of-scope" not in [c.id for c in model.entry_components()]


def test_threats_are_kept_and_open_ones_warned_once_per_element():
    result = import_file(DATA / "v2-threat-model.json")
    queue = _component(result.model, "message-queue")
    assert [t["status"] for t in queue.properties["threats"]] == ["Open", "Open", "Mitigated"]
    assert "open-threats" in queue.tags
    pointer = "/detail/diagrams/0/cells/3/data/threats"
    about_queue = [w for w in result.warnings if pointer + ")" in w.message]
    assert len(about_queue) == 1
    assert "3 threat(s) kept in properties.threats: 2 open, 1 mitigated" in about_queue[0].message
    assert about_queue[0].line is not None


def test_every_diagram_is_imported_with_unique_ids():
    model = _import("test-reports.json")
    ids = [c.id for c in model.components]
    assert len(ids) == len(set(ids)) == 24
    assert {c.properties["diagram"] for c in model.components} >= {
        "03 - test STRIDE diagram",
        "diagram #7",
        "New PLOT4ai diagram",
    }


def test_loose_ends_and_curves_are_warnings_with_line_and_pointer():
    result = import_file(DATA / "test-reports.json")
    messages = [str(w) for w in result.warnings]
    loose = [m for m in messages if "/detail/diagrams/1/cells/4/source)" in m]
    assert len(loose) == 1
    assert "test-reports.json:" in loose[0] and "is not attached to an element" in loose[0]
    warning = next(w for w in result.warnings if "/detail/diagrams/1/cells/4/source)" in w.message)
    assert warning.line == 600
    # The misspelt curve shape is still known as a boundary curve.
    assert any("/detail/diagrams/1/cells/5)" in m and "boundary curve" in m for m in messages)


# -- trust boundary boxes ------------------------------------------------------------------


def test_boxes_record_containment_and_untrusted_zones():
    model = _import("online-game.json")
    boundary = {c.id: c.properties.get("trust_boundary") for c in model.components}
    assert boundary["browser"] == boundary["game-client"] == "Player's local machine"
    assert boundary["game-servers"] == boundary["player-database"] == "Production network"
    assert boundary["customer-support"] == "Corp network"
    client = _component(model, "game-client")
    # A player's machine is not the operator's: what runs there is the attacker's to change.
    assert (client.exposure.value, client.trust.value) == ("public", "untrusted")
    servers = _component(model, "game-servers")
    assert (servers.exposure.value, servers.trust.value) == ("internal", "trusted")


def test_internet_zone_bidirectional_and_merged_flows():
    model = _import("payment-online.json")
    client = _component(model, "customer-client")
    assert client.properties["trust_boundary"] == "Customer / Internet"
    assert (client.exposure.value, client.trust.value) == ("public", "untrusted")
    assert _component(model, "customer").properties["outside_trust_boundaries"] is True
    keys = _flow_keys(model)
    assert ("customer-client", "merchant-web-server") in keys
    assert ("merchant-web-server", "customer-client") in keys
    merged = next(f for f in model.flows if (f.source, f.target) == ("customer", "customer-client"))
    assert merged.label is not None and merged.label.count(";") == 2  # three flows, one label


def test_nested_and_public_boxes(write_dragon: Callable[..., Path]):
    path = write_dragon(
        [
            _box("b1", "Company", 0, 0, 1000, 1000),
            _box("b2", "DMZ", 10, 10, 300, 300),
            _box("b3", "Vendor (third party)", 500, 500, 300, 300),
            _cell("p1", "tm.Process", "Reverse proxy", 50, 50),
            _cell("p2", "tm.Process", "Core service", 400, 50),
            _cell("p3", "tm.Process", "Vendor service", 550, 550),
            _cell("p4", "tm.Process", "Outside", 2000, 2000),
        ]
    )
    model = import_file(path).model
    proxy, core = _component(model, "reverse-proxy"), _component(model, "core-service")
    assert proxy.properties["trust_boundary"] == "DMZ"
    assert proxy.properties["enclosing_boundaries"] == ["Company"]
    assert (proxy.exposure.value, proxy.trust.value, proxy.kind) == (
        "public",
        "trusted",
        "api_gateway",
    )
    assert (core.exposure.value, core.properties["trust_boundary"]) == ("internal", "Company")
    vendor = _component(model, "vendor-service")
    assert (vendor.exposure.value, vendor.trust.value) == ("public", "untrusted")
    outside = _component(model, "outside")
    assert outside.properties["outside_trust_boundaries"] is True
    assert (outside.exposure.value, outside.trust.value) == ("internal", "trusted")


# -- mapping rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("element_type", "name", "flags", "placed"),
    [
        ("tm.Actor", "Customer", (), ("L7", "user")),
        ("tm.Actor", "Payment API", (), ("L7", "external_api")),
        ("tm.Actor", "Partner agent", (), ("L7", "external_agent")),
        ("tm.Actor", "Anonymous WWW user-agent", (), ("L7", "user")),
        ("tm.Actor", "OpenAI GPT-4o", (), ("L7", "ai_service_api")),
        ("tm.Actor", "Admin", (), ("L7", "operator")),
        ("tm.Actor", "Google", ("providesAuthentication",), ("L6", "iam")),
        ("tm.Process", "LLM", (), ("L1", "foundation_model")),
        ("tm.Process", "Support assistant", (), ("L3", "agent")),
        ("tm.Process", "Search tool", (), ("L3", "tool")),
        ("tm.Process", "Browser plugin", (), ("L3", "tool")),
        ("tm.Process", "API gateway", (), ("L4", "api_gateway")),
        ("tm.Process", "Model proxy", (), ("L4", "api_gateway")),
        ("tm.Process", "GitHub MCP server", (), ("L7", "mcp_server")),
        ("tm.Process", "Web Application", (), ("L4", "web_service")),
        ("tm.Store", "Embeddings", (), ("L2", "vector_store")),
        ("tm.Store", "Audit log", (), ("L6", "audit_log")),
        ("tm.Store", "Access logs", (), ("L5", "logger")),
        ("tm.Store", "Events", ("isALog",), ("L5", "logger")),
        ("tm.Store", "Key Vault", (), ("L4", "secret_store")),
        ("tm.Store", "Key-value cache", (), ("L2", "database")),
        ("tm.Store", "Config", ("storesCredentials",), ("L4", "secret_store")),
        ("tm.Store", "Agent memory", (), ("L2", "memory_store")),
        ("tm.Store", "S3 bucket", (), ("L2", "document_source")),
        ("tm.Store", "Orders", (), ("L2", "database")),
    ],
)
def test_default_placement(element_type: str, name: str, flags: tuple[str, ...], placed):
    assert default_placement(element_type, name, flags=flags) == placed


def test_description_counts_only_by_its_opening_words():
    assert default_placement("tm.Process", "Copilot X") == ("L3", "agent")
    opening = "Language model serving the chat front end"
    assert default_placement("tm.Process", "Backend", opening) == ("L1", "foundation_model")
    later = "Receives the user's question and later forwards a prompt to the LLM"
    assert default_placement("tm.Process", "Backend", later) == ("L4", "web_service")


def test_named_controls_by_id_or_name_and_placement():
    catalog = mg.load_catalog()
    text = "Applied least-privilege RBAC and Encryption at rest"
    assert named_controls(text, catalog) == ["encryption-at-rest", "least-privilege-rbac"]
    # Encryption at rest goes on components only.
    assert named_controls(text, catalog, "flow") == []


def test_mitigated_threats_name_controls_and_tick_boxes_add_them(write_dragon):
    threats = [
        {"title": "Poisoning", "status": "Mitigated", "mitigation": "data-validation on ingest"},
        {"title": "Leak", "status": "Mitigated", "mitigation": "Staff were told to be careful"},
        {"title": "Tampering", "status": "Open", "mitigation": ""},
        {"title": "Noise", "status": "NotApplicable", "mitigation": "n/a"},
    ]
    path = write_dragon(
        [
            _cell("u", "tm.Actor", "User"),
            _cell("s", "tm.Store", "Docs", isEncrypted=True, isSigned=True, threats=threats),
            _flow("f", "u", "s", "Upload", isEncrypted=True, protocol="HTTPS"),
        ]
    )
    result = import_file(path)
    docs = _component(result.model, "docs")
    assert set(docs.controls) == {"data-validation", "encryption-at-rest", "integrity-checks"}
    assert docs.properties["threats"][0]["controls"] == ["data-validation"]
    warned = [w for w in result.warnings if "/diagrams/0/cells/1/data/threats" in w.message]
    assert len(warned) == 1
    assert "4 threat(s) kept in properties.threats: 1 open, 1 mitigated" in warned[0].message
    (upload,) = result.model.flows
    assert (upload.label, upload.controls) == ("Upload (HTTPS)", ("encryption-in-transit",))


def test_unknown_and_non_element_ends_are_warnings_with_pointers(write_dragon):
    path = write_dragon(
        [
            _cell("a", "tm.Actor", "User", 0, 0),
            _cell("p", "tm.Process", "App", 300, 0),
            _box("b", "Zone", 250, -50, 300, 300),
            _flow("f1", "a", "missing-cell", "Ghost"),
            _flow("f2", "a", "b", "Into a box"),
            _flow("f3", (105, 30), "p", "Drawn beside the user"),
            _flow("f4", (1000, 1000), "p", "Far away"),
            "not a cell",
        ]
    )
    result = import_file(path)
    messages = [str(w) for w in result.warnings]

    def one(fragment: str) -> str:
        found = [m for m in messages if fragment in m]
        assert len(found) == 1, messages
        return found[0]

    ghost = one("unknown cell 'missing-cell'")
    assert "(at /detail/diagrams/0/cells/3/target)" in ghost and "model.json:" in ghost
    assert "(at /detail/diagrams/0/cells/4/target)" in one("is a tm.BoundaryBox cell")
    assert "attached to it" in one("/detail/diagrams/0/cells/5/source)")
    assert "not attached" in one("/detail/diagrams/0/cells/6/source)")
    assert "not an object" in one("/detail/diagrams/0/cells/7)")
    assert _flow_keys(result.model) == {("user", "app")}
    assert all(w.line is not None for w in result.warnings)


def test_repeated_cell_ids_across_diagrams_stay_apart(write_dragon):
    first = [_cell("x", "tm.Actor", "User"), _cell("y", "tm.Process", "App", 300)]
    second = [_cell("x", "tm.Actor", "User"), _cell("y", "tm.Process", "App", 300)]
    first.append(_flow("f", "x", "y"))
    second.append(_flow("f", "x", "y"))
    model = import_file(write_dragon(first, second)).model
    assert sorted(c.id for c in model.components) == ["app", "app-2", "user", "user-2"]
    assert _flow_keys(model) == {("user", "app"), ("user-2", "app-2")}


def test_secrets_are_not_copied(write_dragon, run_cli: Run, tmp_path: Path):
    token = "ghp_" + "A1b2C3d4" * 5
    path = write_dragon(
        [
            _cell("u", "tm.Actor", "User"),
            _cell("p", "tm.Process", "App", 300, description=token, apiKey="hunter2-value"),
            _flow("f", "u", "p", token),
        ]
    )
    out = tmp_path / "out.yaml"
    assert run_cli("import", path, "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert token not in text and "hunter2-value" not in text
    assert "<redacted>" in text


# -- --mapping -----------------------------------------------------------------------------


def test_mapping_overrides_by_element_name(run_cli: Run, tmp_path: Path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text('"Web Application": {layer: L3, kind: agent}\n', encoding="utf-8")
    out = tmp_path / "model.yaml"
    result = run_cli("import", DATA / "v2-threat-model.json", "--mapping", mapping, "-o", out)
    assert result.exit_code == 0, result.output
    model = mg.load_model(out)
    web = _component(model, "web-application")  # saved as "Web\nApplication"
    assert (web.layer.value, web.kind) == ("L3", "agent")
    assert _component(model, "background-worker-process").kind == "web_service"
    assert run_cli("paths", out).exit_code == 0


def test_mapping_overrides_by_type(tmp_path: Path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("tm.Store: {kind: vector_store}\n", encoding="utf-8")
    model = import_file(DATA / "v2-threat-model.json", mapping=TypeMapping.read(mapping)).model
    assert {c.kind for c in model.components if c.properties["source_type"] == "tm.Store"} == {
        "vector_store"
    }


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed-not-json.json", "invalid JSON"),
        ("malformed-no-diagrams.json", "detail.diagrams is missing"),
        ("malformed-cells-not-list.json", "must be a list, not an object (at /detail/diagrams/0"),
    ],
)
def test_malformed_files_exit_2_with_a_clear_message(name: str, message: str, run_cli: Run):
    result = run_cli("import", DATA / name)
    assert result.exit_code == 2
    assert "error:" in result.output and message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"summary": {}, "detail": []}, "'detail' must be an object"),
        ({"summary": {}, "detail": {"diagrams": {}}}, "must be a list of diagrams, not an object"),
        ({"summary": {}, "detail": {"diagrams": ["x"]}}, "a diagram must be an object"),
        ({"summary": {}, "detail": {"diagrams": [{"diagramJson": []}]}}, "diagramJson must be"),
        ({"summary": {}, "detail": {"diagrams": [{"cells": []}]}}, "no component found"),
        ([{"summary": {}}], "a Threat Dragon model is a JSON object"),
    ],
)
def test_wrong_shapes_are_refused(document: Any, message: str, tmp_path: Path, run_cli: Run):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(MaestroInputError, match=message.replace("(", r"\(")):
        import_file(path, format_name="threat-dragon")
    result = run_cli("import", path, "--from", "threat-dragon")
    assert result.exit_code == 2 and message in result.output


def test_diagram_without_cells_is_a_warning(write_dragon):
    path = write_dragon([_cell("u", "tm.Actor", "User")])
    document = json.loads(path.read_text(encoding="utf-8"))
    document["detail"]["diagrams"].append({"title": "Empty"})
    path.write_text(json.dumps(document), encoding="utf-8")
    result = import_file(path)
    assert any("diagram 'Empty' has no cells" in w.message for w in result.warnings)
