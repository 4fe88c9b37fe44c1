"""CycloneDX 1.5-1.7 JSON bills of materials (SBOM, ML-BOM, SaaSBOM) as a maestro-graph model.

A CycloneDX file lists what a system is made of: the subject (``metadata.component``), the
components it is built from (libraries, models, datasets, containers, ...), the services it calls
and a dependency graph. The importer turns each of them into one component and reads the
supply chain out of it: every package comes from a public index (PyPI, npm, the Hugging Face Hub,
...), and each index becomes an L7 ``package_index`` component, public and untrusted, that
``supplies`` the components taken from it. Chains therefore start where a poisoned package or
model would enter.

Mapping
-------
========================================  ==================================  ==================
CycloneDX                                 maestro-graph                       exposure / trust
========================================  ==================================  ==================
``metadata.component`` (the subject)      names the system; placed like any   internal / trusted
                                          component of its ``type``; nested
                                          ``components`` are flattened
``application``                           L7 ``application``; L3 ``agent``    internal / trusted
                                          when its name says agent
``framework``                             L3 ``framework``                    internal / trusted
``library``                               L3 ``framework`` for agent          internal / trusted
                                          frameworks (LangChain, LlamaIndex,
                                          AutoGen, CrewAI, Semantic Kernel,
                                          ...), else L3 ``plugin``
``machine-learning-model``                L1 ``embedding_model`` (name or     internal / trusted
                                          task says embedding, feature
                                          extraction, sentence similarity),
                                          L1 ``fine_tuned_model`` (pedigree
                                          ancestors, or fine-tune/LoRA/adapter
                                          in name, task, description or
                                          pedigree notes),
                                          else L1 ``foundation_model``
``data``                                  L2 ``dataset``; L3 ``plugin`` when  untrusted when its
                                          all its data is ``source-code``,    contents URL is an
                                          L4 ``iac`` when ``configuration``   outside address no
                                                                              hub supplies
``modelCard...datasets[]`` (inline)       L2 ``dataset``                      as ``data``
``file``                                  L2 ``document_source``; L3          internal / trusted
                                          ``plugin`` for code files (.py, .js,
                                          .sh, .jar, .so, ...)
``container``                             L4 ``container``                    internal / trusted
``platform``, ``operating-system``,       L4 ``host``                         internal / trusted
``device``, ``device-driver``,
``firmware``
``cryptographic-asset``                   L4 ``secret_store`` (key material   internal / trusted
                                          is never copied)
other ``type``                            L3 ``plugin`` and a warning         internal / trusted
``services[]`` (nested ones flattened)    L7 ``mcp_server`` (MCP), L7         see below
                                          ``ai_service_api`` (OpenAI,
                                          Anthropic, Bedrock, Vertex AI,
                                          ``/v1/chat``, ...), L2
                                          ``vector_store`` / ``database``
                                          (Qdrant, Postgres, S3, ...), L4
                                          ``api_gateway`` (gateway, proxy),
                                          L4 ``web_service`` in an internal
                                          trust zone (or, without a zone, with
                                          ``x-trust-boundary: false``), else
                                          L7 ``external_api``
package URL type (``pkg:pypi``,           L7 ``package_index``, one per       public / untrusted
``pkg:npm``, ``pkg:huggingface``, ...);   registry (``repository_url``        (internal / trusted
for models and datasets also a hub        qualifier: one per host; ``deb``,   for a private host)
address (huggingface.co, kaggle.com)      ``rpm``, ``apk``: one per distro)
========================================  ==================================  ==================

Service exposure: a ``trustZone`` naming public, internet, external or DMZ gives ``public``;
private, internal or corporate gives ``internal``; partner, vendor or third party gives
``partner``. Without a zone, ``x-trust-boundary: true`` gives ``partner`` (``public`` for a
gateway), ``false`` gives ``internal``; endpoints that are all private hosts give ``internal``;
otherwise L7 services are ``partner``. L7 services that are not internal are ``untrusted``: what
a third-party API, model API or MCP server answers is not under the system owner's control.

Flows
-----
========================================  ==========================================================
CycloneDX                                 flows (``from -> to``)
========================================  ==========================================================
``dependencies``: R ``dependsOn`` D       by what D is: code (library, framework, application,
(also: nested ``components``, read as     file, ...) ``supplies`` D -> R; a model (or AI service
the parent depending on the child)        API) used by a non-model: ``invokes`` R -> D and ``data``
                                          D -> R (the answers reach the caller); a model used by a
                                          model: ``supplies`` D -> R; a service: ``invokes`` R -> D;
                                          data: ``supplies`` D -> R into a model (training), else
                                          ``data`` D -> R; a container or host: ``hosts`` D -> R
                                          (``supplies`` between two of them: a base image); a
                                          cryptographic asset: ``authorizes`` D -> R
``modelCard.modelParameters.datasets``    ``supplies`` dataset -> model (training or evaluation
                                          data; the catalog reads ``supplies`` into a model as
                                          training, a plain ``data`` flow as inference input)
``pedigree.ancestors``                    ``supplies`` ancestor -> component (the base model of a
                                          fine-tune)
package index of a component              ``supplies`` index -> component (not for an
                                          application subject: the BOM describes what its author
                                          builds; a model subject is taken from its hub)
service ``data[]``: ``inbound``,          ``data`` source -> service, service -> destination
``outbound``, ``bi-directional``          (both ways for bi-directional)
========================================  ==========================================================

When the subject records no dependency of its own, every top-level component that nothing else
depends on is taken as a direct dependency of the subject (one warning says so), so that the
supply chain reaches the system.

Properties and controls
-----------------------
Each component keeps short properties: ``cyclonedx_type``, ``bom_ref``, ``version``, ``group``,
``purl``, ``licenses`` (ids, expressions or names), ``hash_algorithms``, ``supplier``,
``publisher``, the model card's ``task``, ``architecture_family``, ``model_architecture``,
``approach``, ``inputs``, ``outputs`` and ``pedigree_notes``; ``links`` (external references
of models and datasets, one per type); a dataset's ``classification`` and ``contents_url``; a
service's ``endpoints``, ``trust_zone``, ``crosses_trust_boundary``, ``authenticated`` and data
``classifications``; CycloneDX ``properties`` as ``cdx_properties`` (at most 20). Known
vulnerabilities become ``vulnerabilities`` (ids) and ``vulnerability_severity`` on the affected
components, tagged ``known-vulnerable`` (VEX states ``not_affected``, ``false_positive`` and
``resolved`` go to ``vulnerabilities_not_affecting``); one warning counts them, as the model does
not score CVEs.

CycloneDX has no field for mitigations. A property named ``maestro:control`` whose value names a
catalog control (``dependency-pinning``, ``model-signing``, ...) puts that control on the
component; other values are kept in ``unknown_controls`` with a warning. ``authenticated: true``
on a service is kept as a property and adds no control: it says that the service asks for
credentials, not that they are strong, and claiming ``agent-authentication`` on that word alone
would hide chains.

Not imported, with one warning per field (counting the elements, pointing at the first): fields
with no place in a threat model (``metadata`` other than its component, ``evidence``,
``externalReferences`` of libraries and services, ``copyright``, ``author``, the model card's
``quantitativeAnalysis`` and ``considerations``, ...), ``scope: excluded`` components (one
warning each), a second component with a ``bom-ref`` already used (imported on its own;
references go to the first), dependency references to nothing imported (one warning), and the
top-level sections ``compositions``, ``formulation``, ``annotations``, ``declarations``,
``definitions`` (one warning each). Cryptographic ``value`` fields and inline
``contents.attachment`` data are never copied.

``--mapping`` keys: a ``bom-ref``, a component or service name, or a type (the CycloneDX
``type`` values, ``service``, ``data`` for model-card datasets, ``package-index``). The flows
follow the new kind: a service mapped to ``knowledge_base`` is read (``data``), not called.

Examples
--------
>>> from maestro_graph.model.loading import parse_document
>>> from maestro_graph.io.importers.base import ModelBuilder
>>> text = '''{"bomFormat": "CycloneDX", "specVersion": "1.6",
...   "metadata": {"component": {"bom-ref": "app", "type": "application", "name": "Bot"}},
...   "components": [{"bom-ref": "lc", "type": "library", "name": "langchain",
...                   "purl": "pkg:pypi/langchain@0.2.5"}],
...   "dependencies": [{"ref": "app", "dependsOn": ["lc"]}]}'''
>>> document = parse_document(text, "bom.json", is_json=True)
>>> model = convert(document, ModelBuilder(document, "cyclonedx")).model
>>> [(c.id, c.layer.value, c.kind) for c in model.components]
[('bot', 'L7', 'application'), ('langchain', 'L3', 'framework'), ('pypi', 'L7', 'package_index')]
>>> [str(flow) for flow in model.flows]
['langchain -> bot (supplies)', 'pypi -> langchain (supplies)']
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from maestro_graph.io.importers.base import ImportFormat, ImportResult, ModelBuilder
from maestro_graph.model.loading import Document
from maestro_graph.support.errors import MaestroInputError

Path = tuple[str | int, ...]

SUPPORTED_VERSIONS = ("1.5", "1.6", "1.7")

#: What the importer reads of each kind of element; everything else is reported once per field.
_COMPONENT_FIELDS = frozenset(
    {
        "type",
        "bom-ref",
        "name",
        "group",
        "version",
        "purl",
        "description",
        "scope",
        "licenses",
        "hashes",
        "components",
        "modelCard",
        "pedigree",
        "data",
        "cryptoProperties",
        "supplier",
        "publisher",
        "properties",
        "tags",
    }
)
_SERVICE_FIELDS = frozenset(
    {
        "bom-ref",
        "name",
        "group",
        "version",
        "provider",
        "description",
        "endpoints",
        "authenticated",
        "x-trust-boundary",
        "trustZone",
        "data",
        "services",
        "properties",
        "tags",
        "licenses",
    }
)
_TOP_FIELDS = frozenset(
    {
        "$schema",
        "bomFormat",
        "specVersion",
        "serialNumber",
        "version",
        "metadata",
        "components",
        "services",
        "dependencies",
        "vulnerabilities",
    }
)
_MODEL_CARD_FIELDS = frozenset({"bom-ref", "modelParameters", "properties"})
_MODEL_PARAMETER_FIELDS = frozenset(
    {"approach", "task", "architectureFamily", "modelArchitecture", "datasets", "inputs", "outputs"}
)
_NOT_AFFECTING = frozenset({"not_affected", "false_positive", "resolved", "resolved_with_pedigree"})
_SEVERITY_ORDER = ("none", "info", "low", "medium", "high", "critical")
_MAX_LISTED = 20
_DIRECTIONS = frozenset({"inbound", "outbound", "bi-directional"})
_SERVICE_DATA_FIELDS = frozenset(
    {"flow", "classification", "name", "description", "source", "destination"}
)
_DATA_ENTRY_FIELDS = frozenset(
    {"type", "name", "contents", "classification", "description", "bom-ref"}
)

_AGENT_FRAMEWORK = re.compile(
    r"^(@langchain/|@modelcontextprotocol/sdk|@mastra/|langchain|langgraph|llama[-_.]?index|"
    r"autogen|pyautogen|ag2$|crewai|semantic[-_.]kernel|haystack|farm-haystack|dspy|smolagents|"
    r"pydantic[-_]ai|openai[-_]agents|agno$|phidata|letta$|memgpt|camel[-_]ai|google[-_]adk|"
    r"langchain4j|spring[-_]ai|mcp$|mcp[-_]|fastmcp|mastra)",
    re.IGNORECASE,
)
_AGENT_NAME = re.compile(r"(?<![a-z])agents?(?![a-z])", re.IGNORECASE)
_EMBEDDING = re.compile(
    r"embed|feature[-_ ]extraction|sentence[-_ ]similarity|sentence[-_ ]transformers",
    re.IGNORECASE,
)
_FINE_TUNED = re.compile(
    r"fine[-_ ]?tun|finetun|(?<![a-z])(q?lora|peft|adapter)(?![a-z])", re.IGNORECASE
)
_CODE_FILE = re.compile(
    r"\.(py|pyc|js|mjs|cjs|ts|sh|bash|ps1|bat|rb|pl|php|jar|war|whl|so|dll|dylib|exe|wasm)$",
    re.IGNORECASE,
)
_MCP = re.compile(r"(?<![a-z])mcp(?![a-z])|model context protocol", re.IGNORECASE)
_LLM_API = re.compile(
    r"openai|anthropic|claude|(?<![a-z])bedrock|vertex[-_ ]?ai|aiplatform\.googleapis|"
    r"generativelanguage|gemini|mistral\.ai|api\.mistral|cohere|groq|together\.ai|"
    r"api-inference\.huggingface|inference|(?<![a-z])llm(?![a-z])|/v1/(chat|completions|messages|"
    r"embeddings|responses)|chat/completions|ollama",
    re.IGNORECASE,
)
_VECTOR_STORE = re.compile(
    r"pinecone|weaviate|qdrant|milvus|chroma|pgvector|vector[-_ ]?(db|store|database)|"
    r"lancedb|vespa",
    re.IGNORECASE,
)
_DATABASE = re.compile(
    r"postgres|mysql|mariadb|mongo|redis|sql ?server|mssql|oracle|dynamodb|cassandra|"
    r"elasticsearch|opensearch|sqlite|(?<![a-z])s3(?![a-z])|bucket|blob storage|database",
    re.IGNORECASE,
)
_GATEWAY = re.compile(r"gateway|reverse proxy|load balancer|ingress", re.IGNORECASE)
_ZONE_PUBLIC = re.compile(r"public|internet|external|dmz|untrusted", re.IGNORECASE)
_ZONE_PARTNER = re.compile(r"partner|vendor|third", re.IGNORECASE)
_ZONE_INTERNAL = re.compile(r"private|internal|intranet|corporate|trusted|backend", re.IGNORECASE)

#: Package URL types and the public registry their packages are taken from by default.
_REGISTRIES: Mapping[str, str] = {
    "pypi": "PyPI",
    "npm": "npm registry",
    "maven": "Maven Central",
    "huggingface": "Hugging Face Hub",
    "golang": "Go module proxy",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet Gallery",
    "composer": "Packagist",
    "docker": "Docker Hub",
    "oci": "OCI registry",
    "github": "GitHub",
    "bitbucket": "Bitbucket",
    "gitlab": "GitLab",
    "conda": "Anaconda",
    "cocoapods": "CocoaPods",
    "hex": "Hex",
    "pub": "pub.dev",
    "swift": "Swift package sources",
    "hackage": "Hackage",
    "cran": "CRAN",
    "cpan": "CPAN",
    "mlflow": "MLflow model registry",
}
#: Model and dataset hubs recognised by the address a component links to.
_HUB_HOSTS: Mapping[str, tuple[str, str]] = {
    "huggingface.co": ("huggingface", "Hugging Face Hub"),
    "hf.co": ("huggingface", "Hugging Face Hub"),
    "kaggle.com": ("kaggle", "Kaggle"),
    "modelscope.cn": ("modelscope", "ModelScope"),
    "ollama.com": ("ollama", "Ollama library"),
    "civitai.com": ("civitai", "Civitai"),
}
_HUB_REFERENCE_TYPES = frozenset({"distribution", "vcs", "model-card", "website"})

#: Component types whose external references are kept (``links``) and searched for a hub.
_LINKED_TYPES = frozenset({"machine-learning-model", "data"})
_MODEL_KINDS = frozenset({"foundation_model", "fine_tuned_model", "embedding_model"})
_SERVICE_KINDS = frozenset(
    {
        "external_api",
        "mcp_server",
        "external_agent",
        "web_service",
        "api_gateway",
        "database",
        "vector_store",
        "serverless",
        "marketplace",
        "agent_registry",
    }
)
_DATA_KINDS = frozenset({"dataset", "document_source", "knowledge_base", "memory_store"})
_RUNTIME_KINDS = frozenset({"host", "container", "cluster"})


def detect(data: Any, file_name: str) -> bool:
    """True for a CycloneDX BOM (``bomFormat: CycloneDX``).

    Examples
    --------
    >>> detect({"bomFormat": "CycloneDX", "specVersion": "1.6"}, "bom.json")
    True
    >>> detect({"spdxVersion": "SPDX-2.3"}, "bom.json")
    False
    """
    return isinstance(data, Mapping) and data.get("bomFormat") == "CycloneDX"


def convert(document: Document, builder: ModelBuilder) -> ImportResult:
    """Convert a parsed CycloneDX document (see the module docstring for the mapping).

    Raises
    ------
    MaestroInputError
        When a section has the wrong shape (``components`` not a list, a component not an
        object, ...) or the BOM holds nothing to import.
    """
    return _Converter(document, builder).run()


@dataclass
class _Element:
    """One imported component, as the flow rules need it."""

    component_id: str
    kind: str
    path: Path

    @property
    def role(self) -> str:
        if self.kind in _MODEL_KINDS:
            return "model"
        if self.kind == "ai_service_api":
            return "model-api"
        if self.kind in _SERVICE_KINDS:
            return "service"
        if self.kind in _DATA_KINDS:
            return "data"
        if self.kind in _RUNTIME_KINDS:
            return "runtime"
        if self.kind == "secret_store":
            return "secret"
        return "code"


@dataclass
class _Registry:
    """A package index found from package URLs or hub addresses."""

    name: str
    path: Path
    exposure: str = "public"
    trust: str = "untrusted"
    url: str | None = None
    supplied: list[str] = field(default_factory=list)


@dataclass
class _Unmapped:
    """A field the importer does not carry over, counted over the whole BOM."""

    path: Path
    count: int = 0


def relation(dependent: _Element, dependency: _Element) -> list[tuple[str, str, str]]:
    """The flows ``(from, to, kind)`` meaning "``dependent`` depends on ``dependency``".

    Examples
    --------
    >>> app, lib = _Element("app", "application", ()), _Element("lib", "plugin", ())
    >>> relation(app, lib)
    [('lib', 'app', 'supplies')]
    >>> relation(app, _Element("llm", "foundation_model", ()))
    [('app', 'llm', 'invokes'), ('llm', 'app', 'data')]
    >>> relation(app, _Element("pod", "container", ()))
    [('pod', 'app', 'hosts')]
    """
    source, target = dependency.component_id, dependent.component_id
    role, user_role = dependency.role, dependent.role
    if role == "model-api" or (role == "model" and user_role != "model"):
        return [(target, source, "invokes"), (source, target, "data")]
    if role == "service":
        return [(target, source, "invokes")]
    if role == "data":
        return [(source, target, "supplies" if user_role == "model" else "data")]
    if role == "runtime":
        return [(source, target, "supplies" if user_role == "runtime" else "hosts")]
    if role == "secret":
        return [(source, target, "authorizes")]
    return [(source, target, "supplies")]


def parse_purl(purl: str) -> tuple[str, str, dict[str, str]] | None:
    """``(type, namespace, qualifiers)`` of a package URL, or None when it is not one.

    Examples
    --------
    >>> parse_purl("pkg:pypi/toml@0.10.2?repository_url=http://pysrc1.acme.org:8080/simple")
    ('pypi', '', {'repository_url': 'http://pysrc1.acme.org:8080/simple'})
    >>> parse_purl("pkg:huggingface/Qwen/Qwen-7B@ef3c5c9#config.json")[:2]
    ('huggingface', 'Qwen')
    >>> parse_purl("cpe:2.3:a:x") is None
    True
    """
    if not purl.lower().startswith("pkg:"):
        return None
    rest = purl[4:].lstrip("/").split("#", 1)[0]
    rest, _, query = rest.partition("?")
    purl_type, _, path = rest.partition("/")
    if not purl_type or not path:
        return None
    parts = path.split("@", 1)[0].split("/")
    namespace = unquote("/".join(parts[:-1]))
    return purl_type.lower(), namespace, dict(parse_qsl(query))


def host_of(url: str) -> str | None:
    """The host name of a URL (a missing scheme is allowed), lower case.

    Examples
    --------
    >>> host_of("docker.io/library/debian")
    'docker.io'
    >>> host_of("https://HuggingFace.co/meta-llama/Llama-2-7b")
    'huggingface.co'
    """
    text = url.strip()
    if "://" not in text:
        text = "//" + text
    try:
        return urlsplit(text).hostname
    except ValueError:
        return None


def is_private_host(host: str | None) -> bool:
    """True for loopback, private-network and internal-only host names.

    Examples
    --------
    >>> is_private_host("10.0.0.7"), is_private_host("pypi.internal"), is_private_host("pypi.org")
    (True, True, False)
    """
    if not host:
        return False
    if host == "localhost" or host.endswith((".local", ".internal", ".corp", ".lan", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback


def _text(value: Any, limit: int = 300) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        return text[:limit] if text else None
    return None


def _items(value: Any) -> list[Any]:
    """A list field as a list; anything else (a string, an object, null) as empty."""
    return value if isinstance(value, list) else []


def _name_of(value: Any) -> str | None:
    """The name of an organisation or person entry (``{"name": ...}``) or a plain string."""
    if isinstance(value, Mapping):
        return _text(value.get("name"), 120)
    return _text(value, 120)


class _Converter:
    """One conversion: the document, the builder and what has been read so far."""

    def __init__(self, document: Document, builder: ModelBuilder) -> None:
        self.document = document
        self.builder = builder
        self.data: Mapping[str, Any] = document.data
        self.serial = self._serial()
        self.refs: dict[str, _Element] = {}
        self.registries: dict[str, _Registry] = {}
        self.unmapped: dict[str, _Unmapped] = {}
        self.names_used: set[str] = set()
        self.vulnerable: dict[str, dict[str, list[str]]] = {}
        self.top_level: list[tuple[str | None, _Element]] = []
        self.dataset_refs: list[tuple[Path, _Element, Any]] = []
        self.subject: _Element | None = None
        self.subject_ref: str | None = None
        self.subject_has_dependencies = False

    # -- shape -----------------------------------------------------------------------------
    def _fail(self, path: Path, message: str) -> MaestroInputError:
        return MaestroInputError([self.document.problem(path, message)])

    def _list(self, container: Mapping[str, Any], key: str, path: Path) -> list[Any]:
        value = container.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail((*path, key), f"{key!r} must be a list, got {type(value).__name__}")
        return value

    def _object(self, value: Any, path: Path, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self._fail(path, f"{what} must be an object, got {type(value).__name__}")
        return value

    def _serial(self) -> str | None:
        serial = self.data.get("serialNumber")
        if isinstance(serial, str) and serial.startswith("urn:uuid:"):
            return serial[len("urn:uuid:") :]
        return None

    def local_ref(self, ref: Any) -> str | None:
        """A reference as a bom-ref of this BOM (BOM-Links to this BOM resolved), or None."""
        if not isinstance(ref, str) or not ref:
            return None
        if ref.startswith("urn:cdx:"):
            head, found, fragment = ref.partition("#")
            same_bom = self.serial is not None and head[8:].split("/")[0] == self.serial
            return unquote(fragment) if found and same_bom else None
        return ref

    def note_unmapped(self, label: str, path: Path) -> None:
        entry = self.unmapped.setdefault(label, _Unmapped(path))
        entry.count += 1

    def _note_extra_fields(
        self, element: Mapping[str, Any], known: frozenset[str], label: str, path: Path
    ) -> None:
        for key in element:
            if key not in known:
                self.note_unmapped(f"{label}.{key}", (*path, key))

    # -- run -------------------------------------------------------------------------------
    def run(self) -> ImportResult:
        if not isinstance(self.data, Mapping):
            raise self._fail((), "a CycloneDX BOM is a JSON object")
        self._check_version()
        for key in self.data:
            if key not in _TOP_FIELDS:
                self.builder.warn((key,), f"section {key!r} is not imported")
        metadata = self._object(self.data.get("metadata") or {}, ("metadata",), "'metadata'")
        components = self._list(self.data, "components", ())
        services = self._list(self.data, "services", ())
        dependencies = self._list(self.data, "dependencies", ())
        self._read_vulnerabilities(self._list(self.data, "vulnerabilities", ()))
        self._read_subject(metadata)
        for index, component in enumerate(components):
            self._component_tree(component, ("components", index), top_level=True)
        self._read_services(services)
        targets = self._read_dependencies(dependencies)
        self._link_roots(targets)
        self._read_dataset_refs()
        self._add_registries()
        self._report_unmapped()
        return self.builder.result(self._system_name(metadata), self._description(metadata))

    def _check_version(self) -> None:
        version = self.data.get("specVersion")
        if version is None:
            self.builder.warn((), "no specVersion: read as CycloneDX 1.6")
        elif str(version) not in SUPPORTED_VERSIONS:
            self.builder.warn(
                ("specVersion",),
                f"specVersion {version}: this importer follows CycloneDX "
                f"{', '.join(SUPPORTED_VERSIONS)}; fields of other versions are read where "
                "they match",
            )

    def _system_name(self, metadata: Mapping[str, Any]) -> str:
        subject = metadata.get("component")
        if isinstance(subject, Mapping):
            name = _text(subject.get("name"), 120)
            if name:
                return name
        return self.builder.file_name

    def _description(self, metadata: Mapping[str, Any]) -> str:
        version = self.data.get("specVersion", "?")
        text = f"Imported from CycloneDX {version} BOM {self.builder.file_name}"
        subject = metadata.get("component")
        extra = _text(subject.get("description"), 300) if isinstance(subject, Mapping) else None
        return f"{text}: {extra}" if extra else text

    # -- components ------------------------------------------------------------------------
    def _read_subject(self, metadata: Mapping[str, Any]) -> None:
        for key in metadata:
            if key != "component":
                self.note_unmapped(f"metadata.{key}", ("metadata", key))
        subject = metadata.get("component")
        if subject is None:
            return
        path: Path = ("metadata", "component")
        element = self._component_tree(subject, path, top_level=False, subject=True)
        self.subject = element
        self.subject_ref = _text(self._object(subject, path, "metadata.component").get("bom-ref"))

    def _component_tree(
        self, raw: Any, path: Path, *, top_level: bool, subject: bool = False
    ) -> _Element | None:
        """Import a component and, depth first, its nested components (each supplies its
        parent); returns the component's element (None when skipped)."""
        root = self._component(raw, path, subject=subject)
        if root is None:
            return None
        if top_level:
            self.top_level.append((_text(raw.get("bom-ref")), root))
        stack = [(raw, path, root)]
        while stack:
            parent_raw, parent_path, parent = stack.pop()
            for index, child_raw in enumerate(self._list(parent_raw, "components", parent_path)):
                child_path = (*parent_path, "components", index)
                child = self._component(child_raw, child_path)
                if child is not None:
                    self._flows(child_path, relation(parent, child))
                    stack.append((child_raw, child_path, child))
        return root

    def _register_ref(self, ref: str | None, element: _Element) -> None:
        """Remember which element a ``bom-ref`` names; a repeated one is a warning."""
        if ref is None:
            return
        if ref in self.refs:
            self.builder.warn(
                (*element.path, "bom-ref"),
                f"bom-ref {ref!r} is used twice: imported as {element.component_id!r}, but "
                f"references go to {self.refs[ref].component_id!r}",
            )
        else:
            self.refs[ref] = element

    def _component(self, raw: Any, path: Path, *, subject: bool = False) -> _Element | None:
        component = self._object(raw, path, "a component")
        ref = _text(component.get("bom-ref"), 1000)
        name = self._display_name(component, ref)
        if component.get("scope") == "excluded":
            self.builder.warn(path, f"component {name!r} has scope 'excluded': skipped")
            return None
        if ref is not None and ref == self.subject_ref and not subject:
            self.builder.warn(
                path, f"component {name!r} repeats the BOM subject's bom-ref: imported once"
            )
            return self.subject
        cdx_type = _text(component.get("type")) or "library"
        by_address = cdx_type in _LINKED_TYPES
        known = _COMPONENT_FIELDS | {"externalReferences"} if by_address else _COMPONENT_FIELDS
        self._note_extra_fields(component, known, "components[]", path)
        layer, kind, exposure, trust = self._placement(component, cdx_type, name, path)
        placed = self.builder.mapping.placement(ref, name, cdx_type)
        if placed is not None:
            layer, kind = placed.layer.value, placed.kind
        properties, controls, tags = self._component_properties(component, cdx_type, ref, path)
        if subject:
            tags.append("bom-subject")
        key = ref if ref is not None and ref not in self.refs else f"#{path}"
        component_id = self.builder.component(
            path,
            key=key,
            name=name,
            layer=layer,
            kind=kind,
            source_type=cdx_type,
            exposure=exposure,
            trust=trust,
            controls=controls,
            tags=tags,
            properties=properties,
            description=_text(component.get("description")),
        )
        element = _Element(component_id, kind, path)
        self._register_ref(ref, element)
        if not subject or kind in _MODEL_KINDS:
            self._supply_from_registry(component, element, path, by_address=by_address)
        if kind in _MODEL_KINDS or cdx_type == "machine-learning-model":
            self._model_card(component, element, path)
        self._pedigree(component, element, path)
        return element

    def _display_name(self, component: Mapping[str, Any], ref: str | None) -> str:
        name = _text(component.get("name"), 120) or ref or "unnamed component"
        group = _text(component.get("group"), 80)
        if group and group.startswith("@"):
            name = f"{group}/{name}"
        if name in self.names_used:
            version = _text(component.get("version"), 60)
            if version:
                name = f"{name} {version}"
        self.names_used.add(name)
        return name

    def _placement(
        self, component: Mapping[str, Any], cdx_type: str, name: str, path: Path
    ) -> tuple[str, str, str | None, str | None]:
        """Default ``(layer, kind, exposure, trust)`` of a component by its type."""
        if cdx_type == "application":
            return (
                ("L3", "agent", None, None)
                if _AGENT_NAME.search(name)
                else ("L7", "application", None, None)
            )
        if cdx_type == "framework":
            return "L3", "framework", None, None
        if cdx_type == "library":
            group = _text(component.get("group")) or ""
            bare = _text(component.get("name")) or ""
            is_agent = _AGENT_FRAMEWORK.match(bare) or _AGENT_FRAMEWORK.match(f"{group}/{bare}")
            return ("L3", "framework" if is_agent else "plugin", None, None)
        if cdx_type == "machine-learning-model":
            return "L1", _model_kind(component, name), None, None
        if cdx_type == "data":
            kind, layer = _data_kind(component.get("data"))
            outside = any(
                _outside_url(url) for url in _contents_urls(component.get("data"))
            ) and not self._registry_key(component, by_address=True)
            return layer, kind, None, "untrusted" if outside else None
        if cdx_type == "file":
            return (
                ("L3", "plugin", None, None)
                if _CODE_FILE.search(name)
                else ("L2", "document_source", None, None)
            )
        if cdx_type == "container":
            return "L4", "container", None, None
        if cdx_type in {"platform", "operating-system", "device", "device-driver", "firmware"}:
            return "L4", "host", None, None
        if cdx_type == "cryptographic-asset":
            return "L4", "secret_store", None, None
        self.builder.warn(
            (*path, "type"), f"unknown component type {cdx_type!r}: imported as an L3 plugin"
        )
        return "L3", "plugin", None, None

    def _component_properties(
        self, component: Mapping[str, Any], cdx_type: str, ref: str | None, path: Path
    ) -> tuple[dict[str, Any], list[str], list[str]]:
        properties: dict[str, Any] = {"cyclonedx_type": cdx_type}
        for key, name in (
            ("bom-ref", "bom_ref"),
            ("version", "version"),
            ("group", "group"),
            ("purl", "purl"),
        ):
            value = _text(component.get(key), 300)
            if value:
                properties[name] = value
        for key in ("supplier", "publisher"):
            value = _name_of(component.get(key))
            if value:
                properties[key] = value
        if component.get("scope") == "optional":
            properties["scope"] = "optional"
        licenses = _licenses(component.get("licenses"))
        if licenses:
            properties["licenses"] = licenses
        algorithms = sorted(
            {str(h.get("alg")) for h in _items(component.get("hashes")) if isinstance(h, Mapping)}
        )
        if algorithms:
            properties["hash_algorithms"] = algorithms
        if cdx_type == "data":
            items = component.get("data")
            properties.update(
                self._data_properties(
                    [(item, (*path, "data", index)) for index, item in enumerate(items)]
                    if isinstance(items, list)
                    else []
                )
            )
        if cdx_type == "cryptographic-asset":
            properties.update(self._crypto_properties(component.get("cryptoProperties"), path))
        if cdx_type == "machine-learning-model":
            properties.update(_model_card_properties(component.get("modelCard")))
        links = _links(component.get("externalReferences")) if cdx_type in _LINKED_TYPES else {}
        if links:
            properties["links"] = links
        pedigree = component.get("pedigree")
        notes = _text(pedigree.get("notes"), 200) if isinstance(pedigree, Mapping) else None
        if notes:
            properties["pedigree_notes"] = notes
        extra, controls = self._cdx_properties(component.get("properties"), path)
        properties.update(extra)
        tags = [str(tag)[:60] for tag in _items(component.get("tags")) if _text(tag)]
        if ref is not None and ref in self.vulnerable:
            properties.update(self.vulnerable[ref])
            if self.vulnerable[ref].get("vulnerabilities"):
                tags.append("known-vulnerable")
        return properties, controls, tags

    def _cdx_properties(self, raw: Any, path: Path) -> tuple[dict[str, Any], list[str]]:
        """CycloneDX ``properties`` as a short dict, and the ``maestro:control`` controls."""
        if not isinstance(raw, list):
            return {}, []
        kept: dict[str, str] = {}
        wanted: list[str] = []
        omitted = 0
        for entry in raw:
            if not isinstance(entry, Mapping):
                continue
            name, value = _text(entry.get("name"), 120), _text(entry.get("value"), 200)
            if name is None:
                continue
            if name.lower() == "maestro:control" and value:
                wanted.append(value)
            elif len(kept) < _MAX_LISTED:
                kept[name] = value or ""
            else:
                omitted += 1
        extra: dict[str, Any] = {"cdx_properties": kept} if kept else {}
        if omitted:
            extra["cdx_properties_omitted"] = omitted
        known, unknown = self.builder.control_ids((*path, "properties"), wanted)
        if unknown:
            extra["unknown_controls"] = unknown
            self.builder.warn(
                (*path, "properties"),
                f"maestro:control names no catalog control: {', '.join(unknown)} "
                "(kept in unknown_controls)",
            )
        return extra, known

    def _data_properties(self, items: Sequence[tuple[Any, Path]]) -> dict[str, Any]:
        """Classification, contents URLs and data types of data entries ``(entry, path)``."""
        entries = [(item, path) for item, path in items if isinstance(item, Mapping)]
        properties: dict[str, Any] = {}
        classifications = sorted(
            {text for item, _ in entries if (text := _text(item.get("classification"), 80))}
        )
        if classifications:
            properties["classification"] = ", ".join(classifications)
        urls = list(_contents_urls([item for item, _ in entries]))[:5]
        if urls:
            properties["contents_url"] = urls
        types = sorted({str(item.get("type")) for item, _ in entries if item.get("type")})
        if types:
            properties["data_types"] = types
        for item, path in entries:
            contents = item.get("contents")
            if isinstance(contents, Mapping) and "attachment" in contents:
                self.note_unmapped(
                    "data[].contents.attachment (inline data, never copied)",
                    (*path, "contents", "attachment"),
                )
            for key in item:
                if key not in _DATA_ENTRY_FIELDS:
                    self.note_unmapped(f"data[].{key}", (*path, key))
        return properties

    def _crypto_properties(self, raw: Any, path: Path) -> dict[str, Any]:
        """Scalar descriptions of a cryptographic asset; the key material itself never."""
        if not isinstance(raw, Mapping):
            return {}
        properties: dict[str, Any] = {}
        asset_type = _text(raw.get("assetType"), 60)
        if asset_type:
            properties["crypto_asset_type"] = asset_type
        for key, details in raw.items():
            if not key.endswith("Properties") or not isinstance(details, Mapping):
                continue
            for name, value in details.items():
                if name == "value":
                    self.builder.warn(
                        (*path, "cryptoProperties", key, name),
                        "cryptographic key material is never copied",
                    )
                elif (text := _text(value, 120)) and not name.endswith("Ref"):
                    properties[f"crypto_{name}"] = text
        return properties

    def _model_card(self, component: Mapping[str, Any], model: _Element, path: Path) -> None:
        """Dataset flows of a model card; what it says of the task goes to properties."""
        card = component.get("modelCard")
        if not isinstance(card, Mapping):
            return
        card_path = (*path, "modelCard")
        self._note_extra_fields(card, _MODEL_CARD_FIELDS, "modelCard", card_path)
        parameters = card.get("modelParameters")
        if not isinstance(parameters, Mapping):
            return
        parameters_path = (*card_path, "modelParameters")
        self._note_extra_fields(
            parameters, _MODEL_PARAMETER_FIELDS, "modelCard.modelParameters", parameters_path
        )
        for index, dataset in enumerate(self._list(parameters, "datasets", parameters_path)):
            dataset_path = (*parameters_path, "datasets", index)
            if isinstance(dataset, Mapping) and "ref" in dataset and len(dataset) == 1:
                self.dataset_refs.append((dataset_path, model, dataset["ref"]))
            elif isinstance(dataset, Mapping):
                element = self._inline_dataset(dataset, dataset_path, model)
                self._flows(
                    dataset_path,
                    [(element.component_id, model.component_id, "supplies")],
                    label="training or evaluation data",
                )
            else:
                self.builder.warn(dataset_path, "dataset entry is neither an object nor a ref")

    def _inline_dataset(self, dataset: Mapping[str, Any], path: Path, model: _Element) -> _Element:
        name = _text(dataset.get("name"), 120) or f"Dataset of {model.component_id}"
        kind, layer = _data_kind([dataset])
        placed = self.builder.mapping.placement(_text(dataset.get("bom-ref")), name, "data")
        if placed is not None:
            layer, kind = placed.layer.value, placed.kind
        properties = self._data_properties([(dataset, path)])
        outside = any(_outside_url(url) for url in _contents_urls([dataset]))
        registry = self._registry_key(dataset, by_address=True)
        component_id = self.builder.component(
            path,
            key=_text(dataset.get("bom-ref")) or f"#{path}",
            name=name,
            layer=layer,
            kind=kind,
            source_type="data",
            trust="untrusted" if outside and not registry else None,
            properties=properties,
            description=_text(dataset.get("description")),
        )
        element = _Element(component_id, kind, path)
        self._supply_from_registry(dataset, element, path, by_address=True)
        return element

    def _pedigree(self, component: Mapping[str, Any], element: _Element, path: Path) -> None:
        pedigree = component.get("pedigree")
        if not isinstance(pedigree, Mapping):
            return
        pedigree_path = (*path, "pedigree")
        for key in pedigree:
            if key not in {"ancestors", "notes"}:
                self.note_unmapped(f"pedigree.{key}", (*pedigree_path, key))
        for index, raw in enumerate(self._list(pedigree, "ancestors", pedigree_path)):
            ancestor_path = (*pedigree_path, "ancestors", index)
            ref = _text(raw.get("bom-ref"), 1000) if isinstance(raw, Mapping) else None
            ancestor = self.refs.get(ref) if ref else None
            if ancestor is None:
                ancestor = self._component_tree(raw, ancestor_path, top_level=False)
            if ancestor is not None:
                self._flows(
                    ancestor_path,
                    [(ancestor.component_id, element.component_id, "supplies")],
                    label="derived from",
                )

    def _read_dataset_refs(self) -> None:
        for path, model, ref in self.dataset_refs:
            dataset = self.refs.get(self.local_ref(ref) or "")
            if dataset is None:
                self.builder.warn(path, f"dataset ref {ref!r} names no imported component")
                continue
            self._flows(
                path,
                [(dataset.component_id, model.component_id, "supplies")],
                label="training or evaluation data",
            )

    # -- package indexes -------------------------------------------------------------------
    def _registry_key(
        self, element: Mapping[str, Any], *, by_address: bool
    ) -> tuple[str, str, str | None] | None:
        """``(key, name, host)`` of the index or hub an element is taken from, if known: by its
        package URL, and for models and datasets (``by_address``) by a hub address."""
        purl = element.get("purl")
        parsed = parse_purl(purl) if isinstance(purl, str) else None
        if parsed is not None:
            purl_type, namespace, qualifiers = parsed
            repository = qualifiers.get("repository_url")
            if repository:
                host = host_of(repository)
                if host:
                    return f"index:{purl_type}:{host}", f"{host} ({purl_type} index)", host
            if purl_type == "generic":
                return None
            if purl_type in {"deb", "rpm", "apk", "alpm"}:
                distro = namespace or purl_type
                return f"index:{purl_type}:{distro}", f"{distro} package repository", None
            name = _REGISTRIES.get(purl_type, f"{purl_type} registry")
            return f"index:{purl_type}", name, None
        for url in _hub_urls(element) if by_address else ():
            host = host_of(url) or ""
            hub = _HUB_HOSTS.get(host.removeprefix("www."))
            if hub is not None:
                return f"index:{hub[0]}", hub[1], None
        return None

    def _supply_from_registry(
        self, raw: Mapping[str, Any], element: _Element, path: Path, *, by_address: bool
    ) -> None:
        found = self._registry_key(raw, by_address=by_address)
        if found is None:
            return
        key, name, host = found
        registry = self.registries.get(key)
        if registry is None:
            registry = _Registry(name, (*path, "purl") if raw.get("purl") else path)
            if is_private_host(host):
                registry.exposure, registry.trust = "internal", "trusted"
            self.registries[key] = registry
        registry.supplied.append(element.component_id)

    def _add_registries(self) -> None:
        for key, registry in self.registries.items():
            component_id = self.builder.component(
                registry.path,
                key=key,
                name=registry.name,
                layer="L7",
                kind="package_index",
                source_type="package-index",
                exposure=registry.exposure,
                trust=registry.trust,
                properties={"supplies_components": len(registry.supplied)},
            )
            for supplied in registry.supplied:
                self.builder.flow(registry.path, component_id, supplied, "supplies", by_id=True)

    # -- services --------------------------------------------------------------------------
    def _read_services(self, services: list[Any]) -> None:
        stack: list[tuple[Any, Path]] = [
            (raw, ("services", index)) for index, raw in reversed(list(enumerate(services)))
        ]
        pending: list[tuple[Mapping[str, Any], Path, _Element]] = []
        while stack:
            raw, path = stack.pop()
            service = self._object(raw, path, "a service")
            element = self._service(service, path)
            pending.append((service, path, element))
            nested = self._list(service, "services", path)
            stack.extend(
                (child, (*path, "services", index))
                for index, child in reversed(list(enumerate(nested)))
            )
        for service, path, element in pending:
            self._service_data(service, path, element)

    def _service(self, service: Mapping[str, Any], path: Path) -> _Element:
        self._note_extra_fields(service, _SERVICE_FIELDS, "services[]", path)
        ref = _text(service.get("bom-ref"), 1000)
        name = self._display_name(service, ref)
        endpoints = [e for e in (_text(x, 300) for x in _items(service.get("endpoints"))) if e]
        layer, kind = _service_kind(service, name, endpoints)
        placed = self.builder.mapping.placement(ref, name, "service")
        if placed is not None:
            layer, kind = placed.layer.value, placed.kind
        exposure = _service_exposure(service, kind, endpoints)
        trust = "untrusted" if layer == "L7" and exposure != "internal" else None
        properties: dict[str, Any] = {"cyclonedx_type": "service"}
        for key, label in (
            ("bom-ref", "bom_ref"),
            ("version", "version"),
            ("group", "group"),
            ("trustZone", "trust_zone"),
        ):
            value = _text(service.get(key), 300)
            if value:
                properties[label] = value
        provider = _name_of(service.get("provider"))
        if provider:
            properties["provider"] = provider
        if endpoints:
            properties["endpoints"] = endpoints[:5]
        for key, label in (
            ("authenticated", "authenticated"),
            ("x-trust-boundary", "crosses_trust_boundary"),
        ):
            if isinstance(service.get(key), bool):
                properties[label] = service[key]
        licenses = _licenses(service.get("licenses"))
        if licenses:
            properties["licenses"] = licenses
        data = service.get("data")
        classifications = sorted(
            {
                text
                for entry in (data if isinstance(data, list) else [])
                if isinstance(entry, Mapping) and (text := _text(entry.get("classification"), 80))
            }
        )
        if classifications:
            properties["classifications"] = classifications
        extra, controls = self._cdx_properties(service.get("properties"), path)
        properties.update(extra)
        tags = [str(tag)[:60] for tag in _items(service.get("tags")) if _text(tag)]
        if ref is not None and ref in self.vulnerable:
            properties.update(self.vulnerable[ref])
            if self.vulnerable[ref].get("vulnerabilities"):
                tags.append("known-vulnerable")
        key = ref if ref is not None and ref not in self.refs else f"#{path}"
        component_id = self.builder.component(
            path,
            key=key,
            name=name,
            layer=layer,
            kind=kind,
            source_type="service",
            exposure=exposure,
            trust=trust,
            controls=controls,
            tags=tags,
            properties=properties,
            description=_text(service.get("description")),
        )
        element = _Element(component_id, kind, path)
        self._register_ref(ref, element)
        return element

    def _service_data(self, service: Mapping[str, Any], path: Path, element: _Element) -> None:
        """Flows of a service's ``data[]`` entries (direction relative to the service)."""
        for index, raw in enumerate(self._list(service, "data", path)):
            data_path = (*path, "data", index)
            if not isinstance(raw, Mapping):
                self.builder.warn(data_path, "service data entry is not an object")
                continue
            for key in raw:
                if key not in _SERVICE_DATA_FIELDS:
                    self.note_unmapped(f"services[].data[].{key}", (*data_path, key))
            self._data_entry_flows(raw, data_path, element)

    def _data_entry_flows(self, raw: Mapping[str, Any], path: Path, element: _Element) -> None:
        direction = raw.get("flow")
        if not isinstance(direction, str) or direction not in _DIRECTIONS:
            if direction is not None:
                self.builder.warn((*path, "flow"), f"unknown data flow direction {direction!r}")
            return
        label = _text(raw.get("name"), 200)
        outside: list[str] = []
        sources = self._endpoints(raw.get("source"), outside)
        destinations = self._endpoints(raw.get("destination"), outside)
        me = element.component_id
        flows: list[tuple[str, str, str]] = []
        if direction in {"inbound", "bi-directional"}:
            flows += [(other, me, "data") for other in sources]
        if direction in {"outbound", "bi-directional"}:
            flows += [(me, other, "data") for other in destinations]
        if direction == "bi-directional":
            flows += [(me, other, "data") for other in sources]
            flows += [(other, me, "data") for other in destinations]
        self._flows(path, [flow for flow in flows if flow[0] != flow[1]], label=label)
        if outside:
            shown = ", ".join(sorted(set(outside))[:3])
            self.builder.warn(
                path, f"data flow {label or direction!r}: {shown} is not an element of this BOM"
            )

    def _endpoints(self, raw: Any, outside: list[str]) -> list[str]:
        found: list[str] = []
        for ref in raw if isinstance(raw, list) else []:
            element = self.refs.get(self.local_ref(ref) or "")
            if element is not None:
                found.append(element.component_id)
            elif isinstance(ref, str):
                outside.append(ref[:120])
        return found

    # -- dependencies and vulnerabilities --------------------------------------------------
    def _read_dependencies(self, dependencies: list[Any]) -> set[str]:
        """Flows of the dependency graph; returns the bom-refs something depends on."""
        targets: set[str] = set()
        missing: list[tuple[Path, str]] = []
        for index, raw in enumerate(dependencies):
            path: Path = ("dependencies", index)
            entry = self._object(raw, path, "a dependency")
            for key in entry:
                if key not in {"ref", "dependsOn"}:
                    self.note_unmapped(f"dependencies[].{key}", (*path, key))
            ref = self.local_ref(entry.get("ref"))
            dependent = self.refs.get(ref or "")
            depends_on = self._list(entry, "dependsOn", path)
            if ref and depends_on and ref == self.subject_ref:
                self.subject_has_dependencies = True
            for position, target_raw in enumerate(depends_on):
                target_ref = self.local_ref(target_raw)
                if target_ref:
                    targets.add(target_ref)
                dependency = self.refs.get(target_ref or "")
                if dependent is None or dependency is None:
                    missing.append(
                        (
                            (*path, "dependsOn", position),
                            str(entry.get("ref") if dependent is None else target_raw)[:120],
                        )
                    )
                    continue
                self._flows((*path, "dependsOn", position), relation(dependent, dependency))
        if missing:
            first_path, first_ref = missing[0]
            self.builder.warn(
                first_path,
                f"{len(missing)} dependency link(s) name no imported component (first: "
                f"{first_ref!r}); skipped",
            )
        return targets

    def _link_roots(self, targets: set[str]) -> None:
        """Without dependencies of the subject, its top-level roots become its dependencies."""
        if self.subject is None or self.subject_has_dependencies:
            return
        roots = [
            element
            for ref, element in self.top_level
            if (ref is None or ref not in targets) and element is not self.subject
        ]
        if not roots:
            return
        for element in roots:
            self._flows(element.path, relation(self.subject, element))
        self.builder.warn(
            ("metadata", "component"),
            f"the BOM records no dependency of its subject: its {len(roots)} top-level "
            "component(s) that nothing depends on are taken as its direct dependencies",
        )

    def _read_vulnerabilities(self, vulnerabilities: list[Any]) -> None:
        """Index vulnerability ids by the bom-ref they affect (read before the components)."""
        for index, raw in enumerate(vulnerabilities):
            path: Path = ("vulnerabilities", index)
            vulnerability = self._object(raw, path, "a vulnerability")
            identifier = _text(vulnerability.get("id"), 80) or f"vulnerability #{index}"
            analysis = vulnerability.get("analysis")
            state = analysis.get("state") if isinstance(analysis, Mapping) else None
            not_affecting = isinstance(state, str) and state in _NOT_AFFECTING
            bucket = "vulnerabilities_not_affecting" if not_affecting else "vulnerabilities"
            severity = _highest_severity(vulnerability.get("ratings"))
            for target in self._list(vulnerability, "affects", path):
                ref = self.local_ref(target.get("ref")) if isinstance(target, Mapping) else None
                if ref is None:
                    continue
                entry = self.vulnerable.setdefault(ref, {})
                ids = entry.setdefault(bucket, [])
                if identifier not in ids and len(ids) < _MAX_LISTED:
                    ids.append(identifier)
                if bucket == "vulnerabilities" and severity:
                    entry["vulnerability_severity"] = _worse(
                        entry.get("vulnerability_severity"), severity
                    )
        if vulnerabilities:
            affected = sum(1 for entry in self.vulnerable.values() if "vulnerabilities" in entry)
            self.builder.warn(
                ("vulnerabilities",),
                f"{len(vulnerabilities)} vulnerabilities: their ids are kept on the components "
                f"they name ({affected} affected, {len(self.vulnerable) - affected} marked not "
                "affected); ratings, advisories and analyses are not imported and do not change "
                "the risk scores",
            )

    # -- helpers ---------------------------------------------------------------------------
    def _flows(
        self, path: Path, flows: Iterable[tuple[str, str, str]], *, label: str | None = None
    ) -> None:
        for source, target, kind in flows:
            self.builder.flow(path, source, target, kind, label=label, by_id=True)

    def _report_unmapped(self) -> None:
        for label, entry in sorted(self.unmapped.items()):
            noun = "element" if entry.count == 1 else "elements"
            self.builder.warn(entry.path, f"{label}: not imported ({entry.count} {noun})")


def _model_kind(component: Mapping[str, Any], name: str) -> str:
    """L1 kind of a machine-learning model: embedding, fine-tuned or foundation."""
    card = component.get("modelCard")
    parameters = card.get("modelParameters") if isinstance(card, Mapping) else None
    task = _text(parameters.get("task")) if isinstance(parameters, Mapping) else None
    if _EMBEDDING.search(name) or (task and _EMBEDDING.search(task)):
        return "embedding_model"
    pedigree = component.get("pedigree")
    ancestors = pedigree.get("ancestors") if isinstance(pedigree, Mapping) else None
    notes = _text(pedigree.get("notes")) if isinstance(pedigree, Mapping) else None
    said = " ".join(t for t in (name, task, _text(component.get("description")), notes) if t)
    if ancestors or _FINE_TUNED.search(said):
        return "fine_tuned_model"
    return "foundation_model"


def _model_card_properties(card: Any) -> dict[str, Any]:
    """What a model card says of the model's task and shape, as short properties."""
    parameters = card.get("modelParameters") if isinstance(card, Mapping) else None
    if not isinstance(parameters, Mapping):
        return {}
    properties: dict[str, Any] = {}
    approach = parameters.get("approach")
    if isinstance(approach, Mapping) and _text(approach.get("type"), 60):
        properties["approach"] = _text(approach.get("type"), 60)
    for key, name in (
        ("task", "task"),
        ("architectureFamily", "architecture_family"),
        ("modelArchitecture", "model_architecture"),
    ):
        value = _text(parameters.get(key), 200)
        if value:
            properties[name] = value
    for key in ("inputs", "outputs"):
        formats = [
            text
            for entry in _items(parameters.get(key))
            if isinstance(entry, Mapping) and (text := _text(entry.get("format"), 60))
        ]
        if formats:
            properties[key] = formats[:5]
    extra = card.get("properties")
    if isinstance(extra, list):
        kept = {
            name: _text(entry.get("value"), 200) or ""
            for entry in extra[:_MAX_LISTED]
            if isinstance(entry, Mapping) and (name := _text(entry.get("name"), 120))
        }
        if kept:
            properties["model_card_properties"] = kept
    return properties


def _data_kind(raw: Any) -> tuple[str, str]:
    """``(kind, layer)`` of a ``data`` component from the types of its data entries."""
    types = (
        {str(item.get("type")) for item in raw if isinstance(item, Mapping)}
        if isinstance(raw, list)
        else set()
    )
    if not types or types - {"source-code", "configuration"}:
        return "dataset", "L2"
    if types == {"source-code"}:
        return "plugin", "L3"
    if types == {"configuration"}:
        return "iac", "L4"
    return "dataset", "L2"


def _contents_urls(raw: Any) -> Iterable[str]:
    for item in raw if isinstance(raw, list) else []:
        contents = item.get("contents") if isinstance(item, Mapping) else None
        url = contents.get("url") if isinstance(contents, Mapping) else None
        if isinstance(url, str) and url.strip():
            yield url.strip()[:300]


def _outside_url(url: str) -> bool:
    """True for an http(s) or other network address that is not a private host."""
    if "://" not in url or url.lower().startswith("file:"):
        return False
    return not is_private_host(host_of(url))


def _hub_urls(element: Mapping[str, Any]) -> Iterable[str]:
    for reference in _items(element.get("externalReferences")):
        if isinstance(reference, Mapping) and reference.get("type") in _HUB_REFERENCE_TYPES:
            url = reference.get("url")
            if isinstance(url, str):
                yield url
    yield from _contents_urls(element.get("data"))
    yield from _contents_urls([element])


def _links(raw: Any) -> dict[str, str]:
    """External references as ``{type: url}`` (the first of each type, at most five)."""
    links: dict[str, str] = {}
    for reference in raw if isinstance(raw, list) else []:
        if not isinstance(reference, Mapping) or len(links) >= 5:
            continue
        kind, url = _text(reference.get("type"), 40), _text(reference.get("url"), 300)
        if kind and url:
            links.setdefault(kind, url)
    return links


def _licenses(raw: Any) -> list[str]:
    """License ids, expressions or names (at most five)."""
    found: list[str] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, Mapping):
            continue
        license_ = entry.get("license")
        if isinstance(license_, Mapping):
            text = _text(license_.get("id"), 80) or _text(license_.get("name"), 80)
        else:
            text = _text(entry.get("expression"), 120)
        if text and text not in found:
            found.append(text)
    return found[:5]


def _highest_severity(ratings: Any) -> str | None:
    worst: str | None = None
    for rating in ratings if isinstance(ratings, list) else []:
        if isinstance(rating, Mapping) and isinstance(rating.get("severity"), str):
            worst = _worse(worst, rating["severity"].lower())
    return worst


def _worse(first: str | None, second: str) -> str:
    rank = {name: index for index, name in enumerate(_SEVERITY_ORDER)}
    if first is None:
        return second
    return second if rank.get(second, -1) > rank.get(first, -1) else first


def _service_text(service: Mapping[str, Any], name: str, endpoints: Sequence[str]) -> str:
    provider = _name_of(service.get("provider")) or ""
    parts = [
        name,
        _text(service.get("group")) or "",
        provider,
        _text(service.get("description")) or "",
        *endpoints,
    ]
    return " ".join(parts)


def _service_kind(
    service: Mapping[str, Any], name: str, endpoints: Sequence[str]
) -> tuple[str, str]:
    """Default ``(layer, kind)`` of a service from what its name and endpoints say."""
    said = _service_text(service, name, endpoints)
    if _MCP.search(said):
        return "L7", "mcp_server"
    if _LLM_API.search(said):
        return "L7", "ai_service_api"
    if _VECTOR_STORE.search(said):
        return "L2", "vector_store"
    if _DATABASE.search(said):
        return "L2", "database"
    if _GATEWAY.search(said):
        return "L4", "api_gateway"
    zone = _text(service.get("trustZone")) or ""
    if zone and _ZONE_INTERNAL.search(zone) and not _ZONE_PUBLIC.search(zone):
        return "L4", "web_service"
    if not zone and service.get("x-trust-boundary") is False:
        return "L4", "web_service"
    return "L7", "external_api"


def _service_exposure(service: Mapping[str, Any], kind: str, endpoints: Sequence[str]) -> str:
    """Exposure of a service from its trust zone, trust boundary flag and endpoints."""
    zone = _text(service.get("trustZone")) or ""
    if zone:
        if _ZONE_PUBLIC.search(zone):
            return "public"
        if _ZONE_PARTNER.search(zone):
            return "partner"
        if _ZONE_INTERNAL.search(zone):
            return "internal"
    boundary = service.get("x-trust-boundary")
    if boundary is True:
        return "public" if kind == "api_gateway" else "partner"
    if boundary is False:
        return "internal"
    if endpoints and all(is_private_host(host_of(e)) for e in endpoints):
        return "internal"
    return "partner" if kind in {"external_api", "ai_service_api", "mcp_server"} else "internal"


FORMAT = ImportFormat("cyclonedx", "CycloneDX BOM (JSON)", detect, convert)
