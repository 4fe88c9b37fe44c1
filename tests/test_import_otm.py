"""The OTM importer: real OTM files from the format's own repositories, the mapping rules,
the variants in circulation and malformed files."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

import maestro_graph as mg
from maestro_graph.io.importers import detect_format, import_file, otm
from maestro_graph.io.importers.base import ImportResult, TypeMapping
from maestro_graph.model.layers import Layer
from maestro_graph.support.errors import MaestroInputError

DATA = Path(__file__).parent / "data" / "import" / "otm"
VARIANTS = DATA / "variants.otm.yaml"
RunCli = Callable[..., Result]

#: Third-party files (tests/data/import/otm/README.md says where each comes from).
REAL_FILES = [
    "otm-spec-example.otm.json",
    "otm-spec-example.otm.yaml",
    "startleft-mtmt-example.otm.yaml",
    "startleft-mtmt-mvp.otm",
    "startleft-otm-file-example.otm",
    "startleft-cft-expected.otm",
    "startleft-tf-aws-dataflows.otm",
    "startleft-visio-bidirectional.otm",
]
#: Real files whose Internet zone holds a client that reaches an AI-relevant store.
FILES_WITH_CHAINS = ["startleft-mtmt-example.otm.yaml", "startleft-mtmt-mvp.otm"]


@pytest.fixture(scope="module")
def variants() -> ImportResult:
    return import_file(VARIANTS)


def by_otm_id(result: ImportResult, otm_id: str) -> mg.Component:
    return next(c for c in result.model.components if c.properties.get("otm_id") == otm_id)


def messages(result: ImportResult) -> list[str]:
    return [problem.message for problem in result.warnings]


# -- real files ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file_imports_validates_and_has_paths(
    name: str, run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "model.yaml"
    imported = run_cli("import", DATA / name, "-o", out)
    assert imported.exit_code == 0, imported.output
    assert "Traceback" not in imported.output
    model = mg.load_model(out)
    assert model.components
    assert all(
        c.properties["source"].startswith(f"otm:{name}#/components/") for c in model.components
    )
    paths = run_cli("paths", out)
    assert paths.exit_code == 0, paths.output


@pytest.mark.parametrize("name", FILES_WITH_CHAINS)
def test_internet_zone_yields_a_chain(name: str) -> None:
    model = import_file(DATA / name).model
    entries = {c.id for c in model.entry_components()}
    assert "mobile-client" in entries
    chains = mg.analyze(model).paths(top=5)
    assert len(chains) >= 1
    assert chains[0].steps[0].component in entries


def test_spec_example_mapping() -> None:
    result = import_file(DATA / "otm-spec-example.otm.json")
    model = result.model
    assert model.name == "Test project"
    assert model.system.description == "This is a test project for the OTM development"
    client = model.component("web-client")
    assert (client.layer, client.kind, client.exposure.value, client.trust.value) == (
        Layer.L7,
        "user",
        "public",
        "untrusted",
    )
    service = model.component("web-service")
    assert (service.layer, service.kind, service.exposure.value) == (
        Layer.L4,
        "web_service",
        "internal",
    )
    # It processes credit card data (confidentiality 100): the highest criticality.
    assert service.criticality == 5
    assert service.properties["otm_assets"] == {
        "processed": ["Credit Card Data", "Public Info"],
        "stored": ["Public Info"],
    }
    assert model.component("customer-database").kind == "database"
    # Both dataflows are bidirectional: one flow each way; the client's request is a call.
    assert {str(flow) for flow in model.flows} == {
        "web-client -> web-service (invokes)",
        "web-service -> web-client (data)",
        "web-service -> customer-database (data)",
        "customer-database -> web-service (data)",
    }
    # The implemented mitigation has no catalog control: kept, and one warning says so.
    assert service.properties["otm_implemented_mitigations"] == ["This is the name of mitigation 1"]
    threat = service.properties["otm_threats"][0]
    assert threat["name"] == "Threat 1" and threat["state"] == "exposed"
    assert any("implemented mitigations" in m for m in messages(result))


def test_json_and_yaml_spellings_of_the_spec_example_agree() -> None:
    from_json = import_file(DATA / "otm-spec-example.otm.json").model
    from_yaml = import_file(DATA / "otm-spec-example.otm.yaml").model
    assert [(c.id, c.layer, c.kind, c.exposure) for c in from_json.components] == [
        (c.id, c.layer, c.kind, c.exposure) for c in from_yaml.components
    ]
    assert [f.key for f in from_json.flows] == [f.key for f in from_yaml.flows]


def test_startleft_types_and_placeholder_ratings() -> None:
    result = import_file(DATA / "startleft-mtmt-example.otm.yaml")
    model = result.model
    kinds = {c.name: (c.layer.value, c.kind, c.exposure.value) for c in model.components}
    assert kinds["Accounting PostgreSQL"] == ("L2", "database", "internal")
    assert kinds["Mobile Client"] == ("L7", "user", "public")
    assert kinds["Public API v2"] == ("L4", "web_service", "internal")
    # StartLeft rates every zone 10; the name "Private Secured Cloud" decides, with a warning.
    assert any("Private Secured Cloud" in m and "the name decides" in m for m in messages(result))


def test_nested_startleft_components_keep_their_parent() -> None:
    model = import_file(DATA / "startleft-cft-expected.otm").model
    subnet = next(c for c in model.components if c.name == "PrivateSubnet1")
    assert subnet.kind == "network"
    assert subnet.properties["otm_parent_component"].endswith(".customvpc")
    # The VPC and its subnets are networks, not hosts: only the ECS service (a container)
    # hosts what it contains, its task definitions.
    hosts = sorted((f.source, f.target) for f in model.flows if f.kind.value == "hosts")
    assert hosts == [
        ("service", "servicetaskdefinition"),
        ("service-2", "servicetaskdefinition-2"),
    ]
    assert model.component("service").kind == "container"


def test_aws_types() -> None:
    model = import_file(DATA / "startleft-tf-aws-dataflows.otm").model
    kinds = {c.properties["source_type"]: c.kind for c in model.components}
    assert kinds == {
        "dynamodb": "database",
        "aws-lambda-function": "serverless",
        "s3": "document_source",
        "sqs-simple-queue-service": "data_pipeline",
        "cognito": "iam",
        "api-gateway": "api_gateway",
    }


# -- the mapping rules --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("otm_type", "layer", "kind"),
    [
        ("web-service", "L4", "web_service"),
        ("CD-MESSAGE-BROKER", "L2", "data_pipeline"),
        ("aws-lambda-function", "L4", "serverless"),
        ("generic-client", "L7", "user"),
        ("android-device-client", "L7", "user"),
        ("database", "L2", "database"),
        ("CD-MICROSOFT-AZURE-DB-POSTGRESQL", "L2", "database"),
        ("kubernetes", "L4", "cluster"),
        ("docker-container", "L4", "container"),
        ("ec2", "L4", "host"),
        ("vpc", "L4", "network"),
        ("api-gateway", "L4", "api_gateway"),
        ("azure-key-vault", "L4", "secret_store"),
        ("mongodb", "L2", "database"),
        ("s3", "L2", "document_source"),
        ("data-lake", "L2", "dataset"),
        ("llm", "L1", "foundation_model"),
        ("openai-gpt", "L1", "foundation_model"),
        ("vector-database", "L2", "vector_store"),
        ("ai-agent", "L3", "agent"),
        ("agent-tool", "L3", "agent"),
        ("tool", "L3", "tool"),
        ("mcp-server", "L7", "mcp_server"),
        ("third-party-service", "L7", "external_api"),
        ("cloudwatch", "L5", "logger"),
        ("okta", "L6", "iam"),
        ("WebService", "L4", "web_service"),
    ],
)
def test_type_table(otm_type: str, layer: str, kind: str) -> None:
    assert otm.classify_type(otm_type) == (Layer(layer), kind)


def test_unknown_type_is_none() -> None:
    assert otm.classify_type("empty-component") is None
    assert otm.classify_type(None) is None


def test_name_decides_by_its_last_matching_word() -> None:
    assert otm.classify_name("Class CustomerDatabase") == (Layer.L2, "database")
    assert otm.classify_name("log_bucket") == (Layer.L2, "document_source")
    assert otm.place_component("web-service", "Hosted LLM") == (Layer.L1, "foundation_model")
    # A specific type is not overridden by the name.
    assert otm.place_component("database", "Memory of the agent") == (Layer.L2, "database")


def test_module_docstring_table_lists_every_rule_in_order() -> None:
    """The docstring's table (copied to the README) is the code's table."""
    doc = otm.__doc__ or ""
    table = doc[doc.index("layer  kind                  keywords") :]
    rows: list[tuple[str, str, list[str]]] = []
    for line in table.splitlines()[2:]:
        if line.startswith("====="):
            break
        if line[:5].strip():
            rows.append((line[:5].strip(), line[7:27].strip(), []))
        rows[-1][2].extend(w.strip("`") for w in re.split(r",\s*", line[29:].strip()) if w)
    expected = [(layer.value, kind, list(words)) for layer, kind, words in otm._TYPE_RULES]
    assert rows == expected


@pytest.mark.parametrize(
    ("name", "zone_type", "rating", "expected"),
    [
        ("Internet", None, None, ("public", "untrusted")),
        ("Public", None, 90, ("public", "untrusted")),
        ("Public Cloud", None, 10, ("internal", "trusted")),
        ("Private Secured Cloud", None, 10, ("internal", "trusted")),
        ("DMZ", None, None, ("partner", "trusted")),
        ("Air-gapped lab", None, None, ("isolated", "trusted")),
        ("Zone A", "internet", 90, ("public", "untrusted")),
        ("Zone A", None, 30, ("public", "untrusted")),
        ("Zone A", None, 31, ("partner", "trusted")),
        ("Zone A", None, 70, ("internal", "trusted")),
        ("Zone A", None, None, ("internal", "trusted")),
    ],
)
def test_zone_table(
    name: str, zone_type: str | None, rating: float | None, expected: tuple[str, str]
) -> None:
    exposure, trust, _ = otm.classify_zone(name, zone_type, rating)
    assert (exposure.value, trust.value) == expected


# -- the variants file --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("otm_id", "layer", "kind", "exposure", "trust"),
    [
        ("customer", "L7", "user", "public", "untrusted"),  # lower-case trustzones, rating 10
        ("gateway", "L4", "api_gateway", "partner", "trusted"),  # rating 50
        ("k8s", "L4", "cluster", "internal", "trusted"),
        ("bot", "L3", "agent", "internal", "trusted"),  # generic type, the name says agent
        ("llm", "L1", "foundation_model", "internal", "trusted"),
        ("tickets", "L2", "database", "internal", "trusted"),  # zone of its parent component
        ("mystery", "L4", "web_service", "internal", "trusted"),  # unknown type: the default
        ("payments", "L7", "external_api", "partner", "untrusted"),  # a third party
    ],
)
def test_variant_components(
    variants: ImportResult, otm_id: str, layer: str, kind: str, exposure: str, trust: str
) -> None:
    component = by_otm_id(variants, otm_id)
    assert (component.layer.value, component.kind) == (layer, kind)
    assert (component.exposure.value, component.trust.value) == (exposure, trust)


def test_variant_flows(variants: ImportResult) -> None:
    flows = {str(flow) for flow in variants.model.flows}
    assert flows == {
        "production-cluster -> support-agent (hosts)",  # parent {component: k8s}
        "customer-browser -> edge-gateway (invokes)",  # from/to, bidirectional
        "edge-gateway -> customer-browser (data)",
        "edge-gateway -> support-agent (data)",
        "support-agent -> hosted-llm (invokes)",  # a call to a model
        "support-agent -> tickets-db (data)",
        "support-agent -> card-processor (invokes)",  # a call to a third-party API
    }
    routed = next(f for f in variants.model.flows if f.label == "routed chat")
    assert routed.controls == ("encryption-in-transit",)


def test_variant_nested_non_hosting_parent_is_a_property(variants: ImportResult) -> None:
    tickets = by_otm_id(variants, "tickets")
    assert tickets.properties["otm_parent_component"] == "vpc"
    assert not [f for f in variants.model.flows if f.target == tickets.id and f.kind == "hosts"]


def test_variant_mitigations_and_assets(variants: ImportResult) -> None:
    tickets = by_otm_id(variants, "tickets")
    # "Encryption at rest" is a catalog control's title; implemented: true is read too.
    assert tickets.controls == ("encryption-at-rest",)
    assert tickets.properties["otm_implemented_mitigations"] == ["Web application firewall"]
    assert tickets.criticality == 5  # stores PII of confidentiality 100
    states = {m["name"]: m["state"] for m in tickets.properties["otm_threats"][0]["mitigations"]}
    assert states == {
        "Encryption at rest": "implemented",
        "Web application firewall": "implemented",
        "Code review": "required",
    }
    gateway = by_otm_id(variants, "gateway")
    assert gateway.properties["otm_dataflows"]["f-route"]["threats"][0]["name"] == "SQL injection"


def test_variant_warnings_have_lines_and_pointers(variants: ImportResult) -> None:
    found = {problem.message: problem.line for problem in variants.warnings}
    text = VARIANTS.read_text().splitlines()

    def line_of(fragment: str) -> int | None:
        return next(line for message, line in found.items() if fragment in message)

    unknown = line_of("type 'empty-component' has no mapping")
    assert "(at /components/7)" in next(m for m in found if "empty-component" in m)
    assert "id: mystery" in text[unknown - 1]
    zone_end = next(m for m in found if "is a trust zone, not a component" in m)
    assert zone_end.endswith("(at /dataflows/5/destination)")
    assert "destination: internet" in text[found[zone_end] - 1]
    assert any("threats: 1 defined but referred to by no component" in m for m in found)
    assert any("project fields not carried" in m and "owner" in m for m in found)
    assert any("Web application firewall" in m for m in found)


def test_variant_secrets_are_not_copied(variants: ImportResult) -> None:
    text = variants.model.to_yaml()
    assert "sk-abcdefghijklmnopqrstuvwx" not in text
    bot = by_otm_id(variants, "bot")
    assert bot.properties["otm_attributes"] == {"apiKey": "<redacted>", "runtime": "python"}


def test_mapping_overrides_type_and_name(tmp_path: Path, run_cli: RunCli) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "empty-component: {layer: L4, kind: container}\n"
        '"Hosted LLM": {layer: L7, kind: ai_service_api}\n',
        encoding="utf-8",
    )
    result = import_file(VARIANTS, mapping=TypeMapping.read(mapping))
    assert by_otm_id(result, "mystery").kind == "container"
    assert by_otm_id(result, "llm").kind == "ai_service_api"
    assert not any("empty-component" in m for m in messages(result))
    out = tmp_path / "model.yaml"
    cli = run_cli("import", VARIANTS, "--mapping", mapping, "-o", out)
    assert cli.exit_code == 0, cli.output
    assert mg.load_model(out).component("thing").kind == "container"


def test_strict_fails_on_warnings(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("import", VARIANTS, "--strict", "-o", tmp_path / "m.yaml")
    assert result.exit_code == 1


def test_detected_without_from() -> None:
    assert detect_format({"otmVersion": "0.1.0", "project": {}}, "x.yaml") is otm.FORMAT
    assert import_file(VARIANTS).format == "otm"


# -- malformed files ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed-not-json.otm.json", "invalid JSON"),
        ("malformed-no-components.otm.json", "no 'components': nothing to import"),
        ("malformed-components-not-list.otm.json", "'components' must be a list, got dict"),
    ],
)
def test_malformed_file_exits_2(name: str, expected: str, run_cli: RunCli) -> None:
    result = run_cli("import", DATA / name)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_dataflow_to_a_missing_component_is_a_warning(run_cli: RunCli, tmp_path: Path) -> None:
    result = import_file(DATA / "missing-component-dataflow.otm.json")
    assert [str(f) for f in result.model.flows] == ["browser -> orders-api (invokes)"]
    assert any("'ghost-db' is not an imported element" in m for m in messages(result))
    cli = run_cli("import", DATA / "missing-component-dataflow.otm.json", "-o", tmp_path / "m.yaml")
    assert cli.exit_code == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('["otmVersion"]', "an OTM file is an object"),
        ('{"otmVersion": "0.2.0", "components": [], "dataflows": {"a": 1}}', "'dataflows' must"),
        ('{"otmVersion": "0.2.0", "components": [], "trustZones": "x"}', "'trustZones' must"),
        ('{"otmVersion": "0.2.0", "components": [1, "x"]}', "no component found to import"),
    ],
)
def test_wrong_shapes_are_input_errors(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.otm.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MaestroInputError, match=re.escape(expected)):
        import_file(path, format_name="otm")


def test_odd_but_readable_files(tmp_path: Path) -> None:
    path = tmp_path / "odd.otm.json"
    path.write_text(
        '{"components": [{"id": "a", "name": "A", "type": "web-service",'
        ' "parent": {"trustZone": "nowhere"}, "attributes": [{"x": 1}, {"y": 2}]},'
        ' {"id": "a", "name": "Again"}], "otmVersion": "9.9", "extra": 1}',
        encoding="utf-8",
    )
    result = import_file(path, format_name="otm")
    assert [c.id for c in result.model.components] == ["a"]
    assert result.model.components[0].properties["otm_attributes"] == {"x": 1, "y": 2}
    found = " | ".join(messages(result))
    for fragment in (
        "otmVersion '9.9' is not",
        "no 'project' object",
        "'nowhere' is neither a trust zone nor a component",
        "is in no defined trust zone",
        "component id 'a' is used twice",
        "top-level key 'extra' is not part of OTM",
    ):
        assert fragment in found


def test_odd_shapes_warn_rather_than_fail(run_cli: RunCli, tmp_path: Path) -> None:
    """Wrong types everywhere an element may have them: a string of tags, a number as a type,
    threats as a map, a parent cycle, a NaN rating, invalid maestro.* attributes."""
    result = import_file(DATA / "odd-shapes.otm.json")
    model = result.model
    assert [c.id for c in model.components] == ["a", "b", "c"]
    assert model.component("a").tags == ()  # "abc" is not three tags
    assert "otm_assets" not in model.component("a").properties
    assert [str(f) for f in model.flows] == ["a -> c (data)"]
    found = " | ".join(messages(result))
    for fragment in (
        "an entry of 'threats' without an id is ignored",
        "trust zone 'Zone' has no trustRating",
        "otmVersion 0.2 is not",
        "are no layer and kind of the catalog",
        "attribute maestro.kind 'weird' is not a flow kind",
        "it goes from 'a' to itself",
    ):
        assert fragment in found
    assert run_cli("import", DATA / "odd-shapes.otm.json", "-o", tmp_path / "m.yaml").exit_code == 0
