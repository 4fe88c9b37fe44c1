"""The CycloneDX importer: real BOMs from CycloneDX's repositories, the mapping, malformed files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

import maestro_graph as mg
from maestro_graph.io.importers import detect_format, import_file
from maestro_graph.io.importers.base import ImportResult, TypeMapping
from maestro_graph.io.importers.cyclonedx import FORMAT, _Element, relation
from maestro_graph.model import SystemModel
from maestro_graph.support.errors import MaestroInputError

DATA = Path(__file__).parent / "data" / "import" / "cyclonedx"
ML_16 = DATA / "spec-valid-machine-learning-1.6.json"
ML_HF_17 = DATA / "spec-valid-machine-learning-considerations-env-1.7.json"
SAASBOM_16 = DATA / "spec-valid-saasbom-1.6.json"
CRYPTO_16 = DATA / "spec-valid-cryptography-full-1.6.json"
DATA_16 = DATA / "spec-valid-component-data-1.6.json"
PIPENV = DATA / "py-pipenv-private-packages-1.6.json"
EXTRAS = DATA / "py-environment-with-extras-1.6.json"
GATEWAY_14 = DATA / "examples-saasbom-apigateway-1.4.json"
AGENT = DATA / "mlbom-support-agent-1.6.json"
RunCli = Callable[..., Result]

#: Real files with an outside entry (a package index, an outside dataset, a public service).
WITH_ENTRY = [ML_16, ML_HF_17, SAASBOM_16, PIPENV, EXTRAS, GATEWAY_14, AGENT]
REAL = [*WITH_ENTRY, CRYPTO_16, DATA_16]


def kinds(model: SystemModel) -> dict[str, tuple[str, str]]:
    return {c.id: (c.layer.value, c.kind) for c in model.components}


def flows(model: SystemModel) -> set[tuple[str, str, str]]:
    return {(f.source, f.target, f.kind.value) for f in model.flows}


def write_bom(tmp_path: Path, bom: dict[str, Any], name: str = "bom.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", **bom}, indent=2))
    return path


@pytest.fixture(scope="module")
def agent() -> ImportResult:
    return import_file(AGENT)


# -- real files ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_boms_import_validate_and_analyse(path, run_cli, tmp_path):
    out = tmp_path / "model.yaml"
    result = run_cli("import", path, "-o", out)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert run_cli("validate", out).exit_code == 0
    paths = run_cli("paths", out, "--format", "json")
    assert paths.exit_code == 0, paths.output
    model = mg.load_model(out)
    if path in WITH_ENTRY:
        assert model.entry_components()
        assert len(mg.analyze(model).paths(top=3)) >= 1


def test_real_boms_are_detected_as_cyclonedx():
    for path in REAL:
        assert detect_format(json.loads(path.read_text()), path.name) is FORMAT
    assert not FORMAT.detect({"otmVersion": "0.2.0"}, "x.json")
    assert not FORMAT.detect(["bomFormat"], "x.json")


def test_huggingface_model_chain_runs_from_the_hub_into_the_model(tmp_path):
    model = import_file(ML_HF_17).model
    assert kinds(model)["llama-2-7b"] == ("L1", "foundation_model")
    hub = model.component("hugging-face-hub")
    assert (hub.layer.value, hub.kind, hub.exposure.value, hub.trust.value) == (
        "L7",
        "package_index",
        "public",
        "untrusted",
    )
    assert ("hugging-face-hub", "llama-2-7b", "supplies") in flows(model)
    routes = [chain.route for chain in mg.analyze(model).paths(top=5)]
    assert ("hugging-face-hub", "llama-2-7b") in routes
    links = model.component("llama-2-7b").properties["links"]
    assert links == {"distribution": "https://huggingface.co/meta-llama/Llama-2-7b"}


def test_hub_addresses_count_for_models_and_datasets_only(tmp_path):
    hub_link = [{"type": "website", "url": "https://huggingface.co/docs/transformers"}]
    bom = {
        "components": [
            {"type": "library", "name": "transformers", "externalReferences": hub_link},
            {
                "type": "data",
                "name": "squad",
                "data": [
                    {
                        "type": "dataset",
                        "contents": {"url": "https://huggingface.co/datasets/squad"},
                    }
                ],
            },
        ]
    }
    result = import_file(write_bom(tmp_path, bom))
    assert flows(result.model) == {("hugging-face-hub", "squad", "supplies")}
    # the hub is the untrusted entry, so the dataset it supplies stays trusted
    assert result.model.component("squad").trust.value == "trusted"
    assert any("components[].externalReferences" in w.message for w in result.warnings)


def test_odd_field_shapes_are_tolerated(tmp_path):
    bom = {
        "components": [
            {"type": 5, "name": {"x": 1}, "tags": "abc", "hashes": "sha", "licenses": "MIT"},
        ],
        "services": [{"name": "api", "endpoints": "https://api.example.com", "tags": 3}],
    }
    result = import_file(write_bom(tmp_path, bom))
    assert [c.tags for c in result.model.components] == [(), ()]
    assert any("unknown component type '5'" in w.message for w in result.warnings)


def test_ml_bom_chain_goes_from_the_hub_through_the_model_onward(agent):
    model = agent.model
    chains = mg.analyze(model).paths(top=20, entry=["hugging-face-hub"])
    onward = [c.route for c in chains if c.route[:2] == ("hugging-face-hub", "acme-support-llama")]
    assert onward, [c.route for c in chains]
    assert any("support-agent" in route[2:] for route in onward)


def test_model_card_dataset_supplies_the_model_and_an_outside_url_is_untrusted():
    model = import_file(ML_16).model
    assert kinds(model) == {
        "stable-diffusion": ("L1", "foundation_model"),
        "training-data": ("L2", "dataset"),
    }
    assert flows(model) == {("training-data", "stable-diffusion", "supplies")}
    dataset = model.component("training-data")
    assert dataset.trust.value == "untrusted"
    assert dataset.properties["contents_url"] == ["https://example.com/path/to/dataset"]
    assert model.component("stable-diffusion").properties["approach"] == "supervised"
    assert mg.analyze(model).paths(top=1)[0].route == ("training-data", "stable-diffusion")


def test_saasbom_services_trust_zones_and_data_flows():
    model = import_file(SAASBOM_16).model
    placed = {
        c.name: (c.layer.value, c.kind, c.exposure.value, c.trust.value) for c in model.components
    }
    assert placed["Acme SaaSBOM Example"] == ("L7", "application", "internal", "trusted")
    assert placed["Stock Ticker Service"] == ("L7", "external_api", "public", "untrusted")
    assert placed["Microservice 1"] == ("L4", "web_service", "internal", "trusted")
    assert placed["Postgres"] == ("L2", "database", "internal", "trusted")
    assert placed["S3"] == ("L2", "database", "public", "trusted")
    found = flows(model)
    # dependencies: the application calls the service, which calls its microservices
    assert ("acme-saasbom-example", "stock-ticker-service", "invokes") in found
    assert ("microservice-1", "postgres", "invokes") in found
    # bi-directional data both ways, BOM-Links to this BOM resolved; outbound one way only
    assert {("microservice-1", "postgres", "data"), ("postgres", "microservice-1", "data")} <= found
    assert ("microservice-3", "s3", "data") in found
    assert ("s3", "microservice-3", "data") not in found
    assert model.component("microservice-1").properties["classifications"] == ["PII"]


def test_older_saasbom_is_read_with_a_warning_and_trust_boundary_flags():
    result = import_file(GATEWAY_14)
    placed = {c.name: (c.layer.value, c.kind, c.exposure.value) for c in result.model.components}
    assert placed["API Gateway"] == ("L4", "api_gateway", "public")
    assert placed["Microservice 1"] == ("L4", "web_service", "internal")
    assert any("specVersion 1.4" in w.message for w in result.warnings)


def test_ordinary_sbom_has_one_index_per_registry_and_reaches_the_subject():
    result = import_file(PIPENV)
    model = result.model
    indexes = {c.id: c for c in model.components if c.kind == "package_index"}
    assert set(indexes) == {"pypi", "pysrc1.acme.org-pypi-index"}
    assert all(
        i.exposure.value == "public" and i.trust.value == "untrusted" for i in indexes.values()
    )
    found = flows(model)
    assert {
        ("pypi", "numpy", "supplies"),
        ("pypi", "six", "supplies"),
        ("pysrc1.acme.org-pypi-index", "toml", "supplies"),
    } <= found
    # the subject lists no dependency: its top-level roots are taken as its dependencies
    assert {
        ("numpy", "private-packges", "supplies"),
        ("toml", "private-packges", "supplies"),
    } <= found
    warning = next(w for w in result.warnings if "records no dependency" in w.message)
    assert warning.message.endswith("(at /metadata/component)")


def test_dependency_graph_becomes_supply_flows_in_the_right_direction():
    model = import_file(EXTRAS).model
    found = flows(model)
    assert ("cyclonedx-python-lib", "with-extras", "supplies") in found
    assert ("jsonschema", "cyclonedx-python-lib", "supplies") in found
    assert ("cyclonedx-python-lib", "jsonschema", "supplies") not in found
    libraries = [c for c in model.components if c.properties.get("cyclonedx_type") == "library"]
    assert {c.kind for c in libraries} == {"plugin"}
    assert all(("pypi", c.id, "supplies") in found for c in libraries)
    jsonschema = model.component("jsonschema")
    assert jsonschema.properties["purl"] == "pkg:pypi/jsonschema@4.25.1"
    assert jsonschema.properties["version"] == "4.25.1"


# -- mapping units -------------------------------------------------------------------------
def test_ml_bom_components_are_placed_by_type_name_and_model_card(agent):
    assert {
        key: kinds(agent.model)[key]
        for key in (
            "support-agent",
            "langchain",
            "requests",
            "acme-support-llama",
            "meta-llama-llama-3.1-8b-instruct",
            "sentence-transformers-all-minilm-l6-v2",
            "support-tickets",
            "faq.md",
            "ticket-api-key",
            "support-agent-image",
            "evaluation-notebook",
            "openai-api",
            "ticketing-mcp-server",
            "qdrant",
        )
    } == {
        "support-agent": ("L3", "agent"),
        "langchain": ("L3", "framework"),
        "requests": ("L3", "plugin"),
        "acme-support-llama": ("L1", "fine_tuned_model"),
        "meta-llama-llama-3.1-8b-instruct": ("L1", "foundation_model"),
        "sentence-transformers-all-minilm-l6-v2": ("L1", "embedding_model"),
        "support-tickets": ("L2", "dataset"),
        "faq.md": ("L2", "document_source"),
        "ticket-api-key": ("L4", "secret_store"),
        "support-agent-image": ("L4", "container"),
        "evaluation-notebook": ("L3", "plugin"),
        "openai-api": ("L7", "ai_service_api"),
        "ticketing-mcp-server": ("L7", "mcp_server"),
        "qdrant": ("L2", "vector_store"),
    }


def test_ml_bom_flows_follow_the_flow_kind_conventions(agent):
    found = flows(agent.model)
    assert {
        ("langchain", "support-agent", "supplies"),
        ("requests", "langchain", "supplies"),
        ("support-agent", "acme-support-llama", "invokes"),
        ("acme-support-llama", "support-agent", "data"),
        ("meta-llama-llama-3.1-8b-instruct", "acme-support-llama", "supplies"),
        ("support-tickets", "acme-support-llama", "supplies"),
        ("support-agent-image", "support-agent", "hosts"),
        ("ticket-api-key", "support-agent", "authorizes"),
        ("faq.md", "support-agent", "data"),
        ("support-agent", "openai-api", "invokes"),
        ("openai-api", "support-agent", "data"),
        ("modelcontextprotocol-server-tickets", "ticketing-mcp-server", "supplies"),
        ("npm-registry", "modelcontextprotocol-server-tickets", "supplies"),
        ("docker-hub", "support-agent-image", "supplies"),
        ("hugging-face-hub", "meta-llama-llama-3.1-8b-instruct", "supplies"),
    } <= found
    # the application subject itself is not taken from an index
    assert not any(
        target == "support-agent" and source in {"pypi", "npm-registry"}
        for source, target, _ in found
    )


def test_services_exposure_and_trust(agent):
    model = agent.model
    openai = model.component("openai-api")
    assert (openai.exposure.value, openai.trust.value) == ("public", "untrusted")
    assert openai.properties["authenticated"] is True
    assert openai.controls == ()  # authenticated is a flag, not a control claim
    mcp = model.component("ticketing-mcp-server")
    assert (mcp.exposure.value, mcp.trust.value) == ("partner", "untrusted")
    qdrant = model.component("qdrant")
    assert (qdrant.exposure.value, qdrant.trust.value) == ("internal", "trusted")


@pytest.mark.parametrize(
    ("dependency", "dependent", "expected"),
    [
        ("plugin", "agent", [("d", "r", "supplies")]),
        ("foundation_model", "agent", [("r", "d", "invokes"), ("d", "r", "data")]),
        ("foundation_model", "fine_tuned_model", [("d", "r", "supplies")]),
        ("ai_service_api", "application", [("r", "d", "invokes"), ("d", "r", "data")]),
        ("mcp_server", "agent", [("r", "d", "invokes")]),
        ("dataset", "fine_tuned_model", [("d", "r", "supplies")]),
        ("dataset", "agent", [("d", "r", "data")]),
        ("container", "agent", [("d", "r", "hosts")]),
        ("host", "container", [("d", "r", "supplies")]),
        ("secret_store", "agent", [("d", "r", "authorizes")]),
    ],
)
def test_relation_by_what_the_dependency_is(dependency, dependent, expected):
    assert relation(_Element("r", dependent, ()), _Element("d", dependency, ())) == expected


def test_library_names_of_agent_frameworks_become_frameworks(tmp_path):
    names = ["langchain-core", "llama-index", "pyautogen", "crewai", "semantic-kernel", "lodash"]
    bom = {
        "components": [{"type": "library", "name": n} for n in names]
        + [
            {"type": "library", "group": "@langchain", "name": "core"},
            {"type": "framework", "name": "spring-boot"},
        ]
    }
    placed = {c.name: c.kind for c in import_file(write_bom(tmp_path, bom)).model.components}
    assert placed == {
        "langchain-core": "framework",
        "llama-index": "framework",
        "pyautogen": "framework",
        "crewai": "framework",
        "semantic-kernel": "framework",
        "lodash": "plugin",
        "@langchain/core": "framework",
        "spring-boot": "framework",
    }


def test_other_component_types(tmp_path):
    bom = {
        "components": [
            {"type": "operating-system", "name": "debian"},
            {"type": "firmware", "name": "bios"},
            {"type": "file", "name": "tokenization_qwen.py"},
            {
                "type": "data",
                "name": "settings",
                "data": [{"type": "configuration", "name": "a.ini"}],
            },
            {"type": "data", "name": "patch", "data": [{"type": "source-code", "name": "p.diff"}]},
            {"type": "machine-learning-model", "name": "bert-base-lora-adapter"},
            {"type": "application", "name": "Claims Agent"},
        ]
    }
    assert kinds(import_file(write_bom(tmp_path, bom)).model) == {
        "debian": ("L4", "host"),
        "bios": ("L4", "host"),
        "tokenization_qwen.py": ("L3", "plugin"),
        "settings": ("L4", "iac"),
        "patch": ("L3", "plugin"),
        "bert-base-lora-adapter": ("L1", "fine_tuned_model"),
        "claims-agent": ("L3", "agent"),
    }


def test_model_subject_is_taken_from_its_hub_and_nested_files_supply_it(tmp_path):
    bom = {
        "metadata": {
            "component": {
                "type": "machine-learning-model",
                "bom-ref": "qwen",
                "name": "Qwen/Qwen-7B",
                "purl": "pkg:huggingface/Qwen/Qwen-7B@ef3c5c9",
                "components": [
                    {
                        "type": "file",
                        "bom-ref": "cfg",
                        "name": "config.json",
                        "purl": "pkg:huggingface/Qwen/Qwen-7B@e7a368b#config.json",
                    },
                    {
                        "type": "data",
                        "bom-ref": "w",
                        "name": "model-00001-of-00008.safetensors",
                        "data": [{"type": "dataset"}],
                    },
                ],
            }
        }
    }
    result = import_file(write_bom(tmp_path, bom))
    model = result.model
    assert model.system.name == "Qwen/Qwen-7B"
    assert kinds(model)["qwen-qwen-7b"] == ("L1", "foundation_model")
    assert {
        ("hugging-face-hub", "qwen-qwen-7b", "supplies"),
        ("config.json", "qwen-qwen-7b", "supplies"),
        ("model-00001-of-00008.safetensors", "qwen-qwen-7b", "supplies"),
    } <= flows(model)
    assert "bom-subject" in model.component("qwen-qwen-7b").tags


def test_private_repository_url_gives_an_internal_trusted_index(tmp_path):
    bom = {
        "components": [
            {
                "type": "library",
                "name": "internal-lib",
                "purl": "pkg:pypi/internal-lib@1.0?repository_url=https://pypi.corp.internal/simple",
            },
            {
                "type": "library",
                "name": "gin",
                "purl": "pkg:golang/github.com/gin-gonic/gin@v1.9.1",
            },
            {"type": "library", "name": "libc6", "purl": "pkg:deb/debian/libc6@2.36"},
            {"type": "library", "name": "local", "purl": "pkg:generic/local@1"},
        ]
    }
    model = import_file(write_bom(tmp_path, bom)).model
    indexes = {
        c.name: (c.exposure.value, c.trust.value)
        for c in model.components
        if c.kind == "package_index"
    }
    assert indexes == {
        "pypi.corp.internal (pypi index)": ("internal", "trusted"),
        "Go module proxy": ("public", "untrusted"),
        "debian package repository": ("public", "untrusted"),
    }


def test_vulnerabilities_are_ids_on_the_affected_components(agent):
    langchain = agent.model.component("langchain")
    assert langchain.properties["vulnerabilities"] == ["CVE-0000-00001"]
    assert langchain.properties["vulnerability_severity"] == "high"
    assert "known-vulnerable" in langchain.tags
    requests = agent.model.component("requests")
    assert requests.properties["vulnerabilities_not_affecting"] == ["CVE-0000-00002"]
    assert "known-vulnerable" not in requests.tags
    assert any(w.message.startswith("2 vulnerabilities") for w in agent.warnings)


def test_catalog_controls_from_properties_and_unknown_ones_kept(agent):
    subject = agent.model.component("support-agent")
    assert subject.controls == ("human-approval",)
    assert subject.properties["unknown_controls"] == ["Quantum shield"]


def test_short_properties_are_kept(agent):
    langchain = agent.model.component("langchain")
    assert langchain.properties["licenses"] == ["MIT"]
    assert langchain.properties["hash_algorithms"] == ["SHA-256"]
    assert langchain.properties["source"].endswith("#/components/0")
    model = agent.model.component("acme-support-llama")
    assert model.properties["task"] == "text-generation"
    assert model.properties["pedigree_notes"].startswith("LoRA fine-tune")


# -- secrets, warnings, overrides ------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "secret"),
    [(AGENT, "sk-live-EXAMPLEKEYMATERIAL0123456789abcdef"), (CRYPTO_16, "Value here")],
)
def test_key_material_is_never_copied(path, secret, run_cli, tmp_path):
    assert secret in path.read_text()
    out = tmp_path / "model.yaml"
    assert run_cli("import", path, "-o", out).exit_code == 0
    assert secret not in out.read_text()
    result = import_file(path)
    assert any("key material is never copied" in w.message for w in result.warnings)


def test_warnings_carry_the_line_and_json_pointer(agent):
    lines = AGENT.read_text().splitlines()
    by_message = {w.message: w for w in agent.warnings}
    excluded = next(m for m in by_message if "scope 'excluded'" in m)
    assert excluded == "component 'pytest' has scope 'excluded': skipped (at /components/10)"
    assert "pytest" in " ".join(
        lines[by_message[excluded].line - 1 : by_message[excluded].line + 4]
    )
    assert "pytest" not in {c.name for c in agent.model.components}
    twice = next(w for w in agent.warnings if "is used twice" in w.message)
    assert twice.message.endswith("(at /components/2/bom-ref)")
    assert '"bom-ref": "pkg:pypi/requests@2.32.3"' in lines[twice.line - 1]
    unknown = next(w for w in agent.warnings if "unknown component type" in w.message)
    assert '"notebook"' in lines[unknown.line - 1]
    assert any(
        w.message.startswith("section 'compositions' is not imported") for w in agent.warnings
    )
    assert any("modelCard.considerations: not imported" in w.message for w in agent.warnings)
    assert any(
        "1 dependency link(s) name no imported component" in w.message for w in agent.warnings
    )


def test_unmapped_fields_are_one_warning_per_field_with_a_count():
    result = import_file(EXTRAS)
    refs = [w for w in result.warnings if "externalReferences" in w.message]
    assert len(refs) == 1
    assert refs[0].message == (
        "components[].externalReferences: not imported (31 elements) "
        "(at /components/0/externalReferences)"
    )


def test_strict_import_fails_on_warnings(run_cli, tmp_path):
    result = run_cli("import", AGENT, "--strict", "-o", tmp_path / "m.yaml")
    assert result.exit_code == 1


def test_mapping_overrides_by_type_and_by_name(run_cli, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "library: {layer: L3, kind: tool}\n"
        "Qdrant: {layer: L2, kind: knowledge_base}\n"
        "acme/support-llama: {kind: foundation_model}\n"
    )
    out = tmp_path / "m.yaml"
    result = run_cli("import", AGENT, "--mapping", mapping, "-o", out)
    assert result.exit_code == 0, result.output
    model = mg.load_model(out)
    placed = kinds(model)
    assert placed["langchain"] == ("L3", "tool")
    assert placed["requests"] == ("L3", "tool")
    assert placed["qdrant"] == ("L2", "knowledge_base")
    assert placed["acme-support-llama"] == ("L1", "foundation_model")
    # a knowledge base is data, so the agent reads it rather than calls it
    assert ("qdrant", "support-agent", "data") in flows(model)


def test_mapping_through_the_python_api(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("machine-learning-model: {layer: L1, kind: embedding_model}\n")
    model = import_file(ML_HF_17, mapping=TypeMapping.read(mapping)).model
    assert kinds(model)["llama-2-7b"] == ("L1", "embedding_model")


def test_import_is_deterministic():
    first, second = import_file(AGENT), import_file(AGENT)
    assert first.model.to_yaml() == second.model.to_yaml()
    assert first.warnings == second.warnings


# -- malformed files -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("broken.json", '{"bomFormat": "CycloneDX", "components": [', "invalid JSON"),
        (
            "list.json",
            '{"bomFormat": "CycloneDX", "components": {"a": 1}}',
            "'components' must be a list, got dict",
        ),
        (
            "entry.json",
            '{"bomFormat": "CycloneDX", "components": ["lodash"]}',
            "a component must be an object, got str",
        ),
        (
            "meta.json",
            '{"bomFormat": "CycloneDX", "metadata": [1]}',
            "'metadata' must be an object, got list",
        ),
        (
            "deps.json",
            '{"bomFormat": "CycloneDX", "components": [{"name": "a"}], '
            '"dependencies": {"ref": "a"}}',
            "'dependencies' must be a list, got dict",
        ),
        (
            "services.json",
            '{"bomFormat": "CycloneDX", "services": [{"name": "x", "data": "all"}]}',
            "'data' must be a list, got str",
        ),
        (
            "empty.json",
            '{"bomFormat": "CycloneDX", "specVersion": "1.6"}',
            "no component found to import as cyclonedx",
        ),
        ("bom.xml", '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>', "XML is not read"),
    ],
)
def test_malformed_boms_exit_2_with_a_clear_message(name, text, message, run_cli, tmp_path):
    path = tmp_path / name
    path.write_text(text)
    result = run_cli("import", path, "--from", "cyclonedx")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in result.output
    with pytest.raises(MaestroInputError):
        import_file(path, format_name="cyclonedx")


def test_malformed_entry_message_names_its_line(tmp_path):
    path = tmp_path / "bom.json"
    path.write_text(
        '{\n  "bomFormat": "CycloneDX",\n  "components": [\n    {"name": "a"},\n'
        '    "lodash"\n  ]\n}\n'
    )
    with pytest.raises(MaestroInputError) as error:
        import_file(path)
    assert error.value.problems[0].line == 5


# -- size ----------------------------------------------------------------------------------
def test_a_large_sbom_imports_in_linear_time(tmp_path):
    count = 3000
    refs = [f"pkg:npm/lib{i}@1.0.{i % 5}" for i in range(count)]
    bom = {
        "metadata": {"component": {"bom-ref": "app", "type": "application", "name": "big"}},
        "components": [
            {
                "bom-ref": ref,
                "type": "library",
                "name": f"lib{i % 500}",
                "version": f"1.0.{i}",
                "purl": ref,
                "licenses": [{"license": {"id": "MIT"}}],
            }
            for i, ref in enumerate(refs)
        ],
        "dependencies": [{"ref": "app", "dependsOn": refs[::100]}]
        + [{"ref": refs[i], "dependsOn": refs[i + 1 : i + 4]} for i in range(count)],
    }
    path = write_bom(tmp_path, bom)
    start = time.perf_counter()
    model = import_file(path).model
    elapsed = time.perf_counter() - start
    assert len(model.components) == count + 2  # the subject and the npm registry
    assert len(model.flows) == 30 + 3 * count - 6 + count
    assert elapsed < 30, f"{elapsed:.1f}s"
