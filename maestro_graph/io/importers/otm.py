"""Open Threat Model (OTM) files as models: ``maestro-graph import arch.otm.json``.

OTM (IriusRisk's open format, versions 0.1.0 and 0.2.0, JSON or YAML) describes a system as
trust zones, components placed in them and dataflows between components, plus the threats and
mitigations found on them. A file is recognised by its ``otmVersion`` key. Files that
``maestro-graph export --to otm`` wrote carry ``maestro.*`` attributes and are restored exactly
(ids, layers, kinds, exposure, trust, criticality, controls, owners, tags, properties, flow
kinds, labels and controls, the attacker section); everything else is mapped as below.

Notes
-----
**Trust zones** decide a component's exposure and trust. The zone's name and ``type`` are read
first, because tools often write a placeholder rating (StartLeft gives every zone 10); the
rating decides only when they say nothing. When both speak and disagree, the name wins and a
warning says so. A component inside another component takes the zone of its nearest ancestor.

=======================================================  ============  ===========
Trust zone                                               exposure      trust
=======================================================  ============  ===========
name/type says internet, public (not "public cloud"),    public        untrusted
external, untrusted, anonymous, WAN
name/type says DMZ, partner, third party, extranet,      partner       trusted
vendor
name/type says isolated, air-gapped, offline             isolated      trusted
name/type says private, internal, intranet, corporate,   internal      trusted
trusted, secure(d), on-premise, protected, public cloud
otherwise ``risk.trustRating`` <= 30                     public        untrusted
otherwise ``risk.trustRating`` 31..69                    partner       trusted
otherwise ``risk.trustRating`` >= 70                     internal      trusted
no zone, or a zone with neither (warning)                internal      trusted
=======================================================  ============  ===========

A component whose kind is ``external_api`` or ``external_agent`` (a third party's service)
is ``untrusted`` whatever its zone, and at least ``partner``.

**Component types** are free strings in OTM (``web-service``, ``CD-MESSAGE-BROKER``,
``aws-lambda-function``, ...). A type that is a kind of the catalog (``vector_store``,
``ai-service-api``: what ``export --to otm`` writes) is that kind. Any other type is split
into words (at ``-``, ``_``, spaces and lower-to-upper case changes) and the first row below
any of its words matches decides. When the type matches nothing, the component's name
decides: its last word that matches a row (in "Customer Database" the database is the thing,
the customer qualifies it). A name that says the component is an AI element (an L1 model, an
L2 vector, RAG, memory or knowledge store, an L3 kind, an MCP server or external agent) also
wins over a type that only says L4 ``web_service``: AI systems are often drawn with generic
types. When neither matches, the component is an L4 ``web_service`` and a warning names the
type, to be placed with ``--mapping``. A word matches a keyword of four letters or more when
it starts with it (``postgresql`` matches ``postgres``), a shorter keyword only exactly;
``a-b`` keywords match consecutive words and ``*db`` matches words ending in ``db``.

=====  ====================  ==============================================================
layer  kind                  keywords
=====  ====================  ==============================================================
L7     external_agent        external-agent, partner-agent, a2a
L7     mcp_server            mcp
L1     embedding_model       embedding
L1     fine_tuned_model      fine-tuned, finetuned, fine-tune
L1     foundation_model      llm, model, foundation, language-model, gpt, openai,
                             anthropic, claude, gemini, bedrock, mistral, llama
L2     vector_store          vector, pinecone, weaviate, qdrant, chroma, faiss, milvus
L2     rag_pipeline          rag, retrieval, retriever
L2     memory_store          memory
L2     knowledge_base        knowledge, wiki
L3     orchestrator          orchestrator, orchestration
L3     code_interpreter      code-interpreter, sandbox-exec
L3     plugin                plugin, extension
L3     agent                 agent, assistant, chatbot, copilot, bot
L3     tool                  tool
L7     user                  client, browser, mobile, android, ios, iphone, desktop, user,
                             actor, human, person, customer, employee, visitor
L7     operator              operator, admin, analyst
L7     external_api          third-party, 3rd-party, external, saas, partner, vendor,
                             stripe, paypal, twilio
L6     audit_log             audit, cloudtrail
L6     iam                   iam, identity, cognito, idp, oauth, okta, keycloak,
                             active-directory, ldap, sso, auth, entra
L6     policy_engine         policy, policies, opa
L6     guardrail             guardrail, moderation, content-filter
L5     logger                log, logs, logging, logger, cloudwatch, splunk
L5     tracer                trace, tracing, xray, jaeger
L5     dashboard             dashboard, grafana, kibana
L5     alerting              alert, pagerduty
L5     monitor               monitor, siem, prometheus, datadog, telemetry
L4     secret_store          secret, vault, kms, key-vault, hsm, certificate, keystore
L4     api_gateway           gateway, apigateway, load-balancer, loadbalancer, elb, alb,
                             nlb, cdn, cloudfront, front-door, proxy, nginx, haproxy,
                             ingress, waf, apim, api-management, traefik, envoy
L4     serverless            lambda, function, serverless, faas
L4     cluster               kubernetes, k8s, eks, aks, gke, openshift, cluster, swarm
L4     container             container, docker, pod, fargate, ecs
L2     data_pipeline         etl, data-pipeline, queue, sqs, sns, kafka, broker, message,
                             messaging, rabbitmq, kinesis, eventbridge, event-hub,
                             eventhub, pubsub, stream, topic, mq, service-bus, servicebus
L4     ci_pipeline           ci, cicd, ci-cd, jenkins, github-actions, gitlab, pipeline
L4     iac                   iac, terraform, cloudformation, bicep, pulumi
L2     database              database, db, ``*db``, sql, ``*sql``, postgres, mysql,
                             mariadb, oracle, mongo, dynamo, rds, aurora, cosmos, redis,
                             cassandra, elasticsearch, opensearch, cache, memcache, neo4j,
                             firestore, bigtable, spanner, warehouse, redshift, snowflake,
                             bigquery
L2     dataset               dataset, data-lake, datalake, lake, training-data
L2     document_source       s3, bucket, blob, storage, file, files, filesystem,
                             file-share, fileshare, document, sharepoint, onedrive, gdrive,
                             google-drive, email, mail, smtp, nas, efs, ftp, sftp
L4     web_service           web-service, webservice, web-server, web-application, web-app,
                             webapp, app-server, application-server, microservice
L4     network               vpc, vnet, subnet, network, firewall, security-group, nacl,
                             nat, vpn, dns, route, transit, peering
L4     host                  ec2, vm, virtual-machine, server, host, instance, compute,
                             machine, on-premise, mainframe
L4     web_service           service, web, api, apis, backend, rest, graphql, grpc, app,
                             application
=====  ====================  ==============================================================

**Nested components** (``parent: {component: id}``): when the parent is infrastructure (an
L4 ``host``, ``container``, ``cluster`` or ``serverless`` component) the parent ``hosts`` the
child (a ``hosts`` flow); otherwise the parent's OTM id is kept in the child's
``properties.otm_parent_component``.

**Dataflows** become flows (``source``/``destination``, or ``from``/``to``); a
``bidirectional`` dataflow becomes one flow each way. A flow is ``invokes`` when its source is
a client (L7 ``user``, ``operator`` or ``application``) and its destination is not, or when
its destination is something one calls (an L1 model, an L3 ``tool``, an L7 ``mcp_server``,
``external_api`` or ``ai_service_api``) and its source is not an L2 data element; else it is
``data``. A dataflow end that is a trust zone, or no component of the file, is a warning.
What a flow cannot hold (description, tags, assets, attributes, threats) is kept in the
source component's ``properties.otm_dataflows``.

**Threats and mitigations**: every threat on a component is kept in
``properties.otm_threats`` (threat name, state, mitigations and their states). A mitigation
whose state is ``implemented`` (or with ``implemented: true``) becomes a catalog control
when its name, its id or the catalog control's title slugs to the same id; others are kept
in ``properties.otm_implemented_mitigations`` with one warning per element. Asset risk
(``confidentiality``/``integrity``/``availability`` 0..100) of the assets a component
processes or stores sets its criticality: 1 + the highest value / 25, rounded.

**Kept in properties**: ``otm_id``, ``otm_trust_zone`` (id, name, rating), ``description``,
``otm_attributes``, ``otm_representations``, ``otm_assets``, ``otm_threats``. The project's
name and description become the system's; its other fields, the top-level representations
and definitions no element refers to are warnings.

Examples
--------
>>> from maestro_graph.io.importers.base import ModelBuilder
>>> from maestro_graph.model.loading import parse_document
>>> text = '''{"otmVersion": "0.2.0", "project": {"name": "Shop", "id": "shop"},
...   "trustZones": [{"id": "net", "name": "Internet", "risk": {"trustRating": 10}}],
...   "components": [
...     {"id": "c", "name": "Browser", "type": "web-client", "parent": {"trustZone": "net"}},
...     {"id": "s", "name": "Shop API", "type": "web-service", "parent": {"trustZone": "net"}}],
...   "dataflows": [{"id": "f", "name": "orders", "source": "c", "destination": "s"}]}'''
>>> document = parse_document(text, "shop.otm.json", is_json=True)
>>> model = FORMAT.convert(document, ModelBuilder(document, "otm")).model
>>> [(c.id, c.layer.value, c.kind, c.exposure.value) for c in model.components]
[('browser', 'L7', 'user', 'public'), ('shop-api', 'L4', 'web_service', 'public')]
>>> [str(flow) for flow in model.flows]
['browser -> shop-api (invokes)']
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from maestro_graph.catalog import Catalog
from maestro_graph.catalog.conformance import check_model
from maestro_graph.io.importers.base import (
    ImportFormat,
    ImportResult,
    ModelBuilder,
    json_pointer,
    slug,
)
from maestro_graph.model import Exposure, SystemModel, Trust
from maestro_graph.model.flows import FlowKind
from maestro_graph.model.layers import Layer
from maestro_graph.model.loading import Document
from maestro_graph.support.errors import MaestroInputError

__all__ = [
    "ATTRIBUTE_PREFIX",
    "FORMAT",
    "classify_name",
    "classify_type",
    "classify_zone",
    "place_component",
]

KNOWN_VERSIONS = ("0.1.0", "0.2.0")
#: Attributes the exporter writes (``maestro.layer``, ...): a file with them is restored exactly.
ATTRIBUTE_PREFIX = "maestro."
DEFAULT_PLACEMENT = (Layer.L4, "web_service")

_Path = tuple[str | int, ...]

# -- component types --------------------------------------------------------------------------
# (layer, kind, keywords): the module docstring's table, first row first.
_TYPE_RULES: tuple[tuple[Layer, str, tuple[str, ...]], ...] = tuple(
    (Layer(layer), kind, tuple(keywords.split()))
    for layer, kind, keywords in (
        ("L7", "external_agent", "external-agent partner-agent a2a"),
        ("L7", "mcp_server", "mcp"),
        ("L1", "embedding_model", "embedding"),
        ("L1", "fine_tuned_model", "fine-tuned finetuned fine-tune"),
        (
            "L1",
            "foundation_model",
            "llm model foundation language-model gpt openai anthropic "
            "claude gemini bedrock mistral llama",
        ),
        ("L2", "vector_store", "vector pinecone weaviate qdrant chroma faiss milvus"),
        ("L2", "rag_pipeline", "rag retrieval retriever"),
        ("L2", "memory_store", "memory"),
        ("L2", "knowledge_base", "knowledge wiki"),
        ("L3", "orchestrator", "orchestrator orchestration"),
        ("L3", "code_interpreter", "code-interpreter sandbox-exec"),
        ("L3", "plugin", "plugin extension"),
        ("L3", "agent", "agent assistant chatbot copilot bot"),
        ("L3", "tool", "tool"),
        (
            "L7",
            "user",
            "client browser mobile android ios iphone desktop user actor human "
            "person customer employee visitor",
        ),
        ("L7", "operator", "operator admin analyst"),
        (
            "L7",
            "external_api",
            "third-party 3rd-party external saas partner vendor stripe paypal twilio",
        ),
        ("L6", "audit_log", "audit cloudtrail"),
        (
            "L6",
            "iam",
            "iam identity cognito idp oauth okta keycloak active-directory ldap sso auth entra",
        ),
        ("L6", "policy_engine", "policy policies opa"),
        ("L6", "guardrail", "guardrail moderation content-filter"),
        ("L5", "logger", "log logs logging logger cloudwatch splunk"),
        ("L5", "tracer", "trace tracing xray jaeger"),
        ("L5", "dashboard", "dashboard grafana kibana"),
        ("L5", "alerting", "alert pagerduty"),
        ("L5", "monitor", "monitor siem prometheus datadog telemetry"),
        ("L4", "secret_store", "secret vault kms key-vault hsm certificate keystore"),
        (
            "L4",
            "api_gateway",
            "gateway apigateway load-balancer loadbalancer elb alb nlb cdn "
            "cloudfront front-door proxy nginx haproxy ingress waf apim "
            "api-management traefik envoy",
        ),
        ("L4", "serverless", "lambda function serverless faas"),
        ("L4", "cluster", "kubernetes k8s eks aks gke openshift cluster swarm"),
        ("L4", "container", "container docker pod fargate ecs"),
        (
            "L2",
            "data_pipeline",
            "etl data-pipeline queue sqs sns kafka broker message messaging "
            "rabbitmq kinesis eventbridge event-hub eventhub pubsub stream "
            "topic mq service-bus servicebus",
        ),
        ("L4", "ci_pipeline", "ci cicd ci-cd jenkins github-actions gitlab pipeline"),
        ("L4", "iac", "iac terraform cloudformation bicep pulumi"),
        (
            "L2",
            "database",
            "database db *db sql *sql postgres mysql mariadb oracle mongo dynamo "
            "rds aurora cosmos redis cassandra elasticsearch opensearch cache "
            "memcache neo4j firestore bigtable spanner warehouse redshift "
            "snowflake bigquery",
        ),
        ("L2", "dataset", "dataset data-lake datalake lake training-data"),
        (
            "L2",
            "document_source",
            "s3 bucket blob storage file files filesystem file-share "
            "fileshare document sharepoint onedrive gdrive google-drive "
            "email mail smtp nas efs ftp sftp",
        ),
        (
            "L4",
            "web_service",
            "web-service webservice web-server web-application web-app webapp "
            "app-server application-server microservice",
        ),
        (
            "L4",
            "network",
            "vpc vnet subnet network firewall security-group nacl nat vpn dns "
            "route transit peering",
        ),
        (
            "L4",
            "host",
            "ec2 vm virtual-machine server host instance compute machine on-premise mainframe",
        ),
        ("L4", "web_service", "service web api apis backend rest graphql grpc app application"),
    )
)

#: Parents that run their children: a ``hosts`` flow goes from them to what they contain.
HOSTING_KINDS = frozenset({"host", "container", "cluster", "serverless"})
#: Clients: what they send to a service is a call.
CLIENT_KINDS = frozenset({"user", "operator", "application"})
#: What one calls rather than feeds.
CALLED_KINDS = frozenset(
    {
        "foundation_model",
        "fine_tuned_model",
        "embedding_model",
        "tool",
        "mcp_server",
        "external_api",
        "ai_service_api",
    }
)
#: Third parties: their content is untrusted wherever the diagram puts them.
THIRD_PARTY_KINDS = frozenset({"external_api", "external_agent"})


def _words(text: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return re.findall(r"[a-z0-9]+", spaced.lower())


def _keyword_matches(keyword: str, words: Sequence[str], end: int) -> bool:
    """True when ``keyword`` matches the words ending at position ``end``."""
    word = words[end]
    if keyword.startswith("*"):
        return len(word) > len(keyword) - 1 and word.endswith(keyword[1:])
    if "-" in keyword:
        phrase = keyword.split("-")
        start = end - len(phrase) + 1
        return start >= 0 and list(words[start : end + 1]) == phrase
    return word.startswith(keyword) if len(keyword) >= 4 else word == keyword


def _rule_at(words: Sequence[str], end: int) -> tuple[Layer, str] | None:
    for layer, kind, keywords in _TYPE_RULES:
        if any(_keyword_matches(keyword, words, end) for keyword in keywords):
            return layer, kind
    return None


def classify_type(text: str | None) -> tuple[Layer, str] | None:
    """The layer and kind the keyword table gives an OTM component type, or None: the first
    row any word of the type matches.

    Examples
    --------
    >>> classify_type("CD-MESSAGE-BROKER")
    (<Layer.L2: 'L2'>, 'data_pipeline')
    >>> classify_type("aws-lambda-function")
    (<Layer.L4: 'L4'>, 'serverless')
    >>> classify_type("generic-client")
    (<Layer.L7: 'L7'>, 'user')
    >>> classify_type("empty-component") is None
    True
    """
    words = _words(text or "")
    for layer, kind, keywords in _TYPE_RULES:
        if any(
            _keyword_matches(keyword, words, end)
            for keyword in keywords
            for end in range(len(words))
        ):
            return layer, kind
    return None


def classify_name(text: str | None) -> tuple[Layer, str] | None:
    """The layer and kind a component's name suggests, or None: the last word of the name that
    matches a row decides (in "Customer Database" the database is the thing, the customer
    qualifies it).

    Examples
    --------
    >>> classify_name("Customer Database")
    (<Layer.L2: 'L2'>, 'database')
    >>> classify_name("Support agent")
    (<Layer.L3: 'L3'>, 'agent')
    """
    words = _words(text or "")
    for end in reversed(range(len(words))):
        found = _rule_at(words, end)
        if found is not None:
            return found
    return None


#: Kinds a name may impose over a generic type: AI systems drawn with generic OTM types
#: ("web-service" for the LLM, "generic-service" for the agent) say what they are by name.
_AI_KINDS = frozenset(
    {
        "foundation_model",
        "fine_tuned_model",
        "embedding_model",
        "vector_store",
        "rag_pipeline",
        "memory_store",
        "knowledge_base",
        "agent",
        "orchestrator",
        "tool",
        "plugin",
        "code_interpreter",
        "mcp_server",
        "external_agent",
    }
)


def place_component(
    otm_type: str | None, name: str | None, catalog: Catalog | None = None
) -> tuple[Layer, str] | None:
    """The layer and kind of an OTM component from its type, else its name.

    A type that is a kind of ``catalog`` is that kind; a name that says it is an AI element
    (model, agent, tool, vector store, ...) wins over a generic type (one that gives L4
    ``web_service``).

    Examples
    --------
    >>> place_component("web-service", "Orders API")
    (<Layer.L4: 'L4'>, 'web_service')
    >>> place_component("web-service", "GPT-4 model")
    (<Layer.L1: 'L1'>, 'foundation_model')
    >>> place_component("database", "Support agent")
    (<Layer.L2: 'L2'>, 'database')
    """
    as_kind = re.sub(r"[^a-z0-9]+", "_", (otm_type or "").casefold()).strip("_")
    home = catalog.layer_of_kind(as_kind) if catalog is not None and as_kind else None
    by_type = (home, as_kind) if home is not None else classify_type(otm_type)
    by_name = classify_name(name)
    if by_type is None or (
        by_type[1] == "web_service" and by_name is not None and by_name[1] in _AI_KINDS
    ):
        return by_name or by_type
    return by_type


# -- trust zones ------------------------------------------------------------------------------
_ZONE_WORDS: tuple[tuple[re.Pattern[str], Exposure, Trust], ...] = (
    (
        re.compile(r"\b(internet|public(?! cloud)|external|untrusted|anonymous|wan)\b"),
        Exposure.PUBLIC,
        Trust.UNTRUSTED,
    ),
    (
        re.compile(r"\b(dmz|partners?|third party|3rd party|extranet|vendors?)\b"),
        Exposure.PARTNER,
        Trust.TRUSTED,
    ),
    (re.compile(r"\b(isolated|air gapped|airgapped|offline)\b"), Exposure.ISOLATED, Trust.TRUSTED),
    (
        re.compile(
            r"\b(private|internal|intranet|corporate|trusted|secure|secured|on prem|on premises?"
            r"|protected|public cloud)\b"
        ),
        Exposure.INTERNAL,
        Trust.TRUSTED,
    ),
)


def _rating_placement(rating: float) -> tuple[Exposure, Trust]:
    if rating <= 30:
        return Exposure.PUBLIC, Trust.UNTRUSTED
    if rating < 70:
        return Exposure.PARTNER, Trust.TRUSTED
    return Exposure.INTERNAL, Trust.TRUSTED


def classify_zone(
    name: str | None, zone_type: str | None, rating: float | None
) -> tuple[Exposure, Trust, str]:
    """Exposure and trust of a trust zone, and what decided them (``name``, ``rating`` or
    ``default``).

    Examples
    --------
    >>> classify_zone("Internet", None, 80)[:2]
    (<Exposure.PUBLIC: 'public'>, <Trust.UNTRUSTED: 'untrusted'>)
    >>> classify_zone("Private Secured Cloud", None, 10)[2]
    'name'
    >>> classify_zone("Zone B", None, 50)[:2]
    (<Exposure.PARTNER: 'partner'>, <Trust.TRUSTED: 'trusted'>)
    """
    for text in (name, zone_type):
        spaced = " ".join(_words(text or ""))
        for pattern, exposure, trust in _ZONE_WORDS:
            if pattern.search(spaced):
                return exposure, trust, "name"
    if rating is not None:
        return (*_rating_placement(rating), "rating")
    return Exposure.INTERNAL, Trust.TRUSTED, "default"


@dataclass(frozen=True)
class _Zone:
    key: str
    name: str
    exposure: Exposure
    trust: Trust
    rating: float | int | None

    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.key, "name": self.name}
        if self.rating is not None:
            data["trustRating"] = self.rating
        return data


@dataclass
class _Element:
    """One OTM component as read, before it is added to the builder."""

    index: int
    key: str
    raw: Mapping[str, Any]
    name: str
    otm_type: str | None
    layer: Layer
    kind: str
    parent_zone: str | None
    parent_component: str | None
    #: The ``maestro.*`` attributes of a file this tool wrote; ``exact`` when they place it.
    restored: dict[str, Any] = field(default_factory=dict)
    exact: bool = False

    @property
    def path(self) -> _Path:
        return ("components", self.index)


@dataclass(frozen=True)
class _Dataflow:
    """One OTM dataflow as read: the flows it gives (one, or one each way)."""

    path: _Path
    source: str
    target: str
    kinds: tuple[str, ...]
    label: str | None
    controls: tuple[str, ...]


# -- small readers ----------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _number(value: Any) -> float | None:
    """A finite number written as a number or as text, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _strings(value: Any) -> list[str]:
    """The non-empty texts of a list (a lone string is not a list of its letters)."""
    if not isinstance(value, list):
        return []
    return [text for item in value if (text := _text(item)) is not None]


def _attributes(value: Any) -> dict[str, Any]:
    """OTM attributes as one mapping (the spec's README also shows a list of one-key maps)."""
    if isinstance(value, Mapping):
        return {str(key): item for key, item in value.items()}
    if isinstance(value, list):
        merged: dict[str, Any] = {}
        for item in value:
            if isinstance(item, Mapping):
                merged.update({str(key): entry for key, entry in item.items()})
        return merged
    return {}


def _maestro_attributes(value: Any) -> dict[str, Any]:
    """The ``maestro.*`` attributes of an element, without the prefix."""
    return {
        key[len(ATTRIBUTE_PREFIX) :]: item
        for key, item in _attributes(value).items()
        if key.startswith(ATTRIBUTE_PREFIX)
    }


def _parent(raw: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(trust zone id, component id) named by an element's ``parent`` (a bare string may be
    either)."""
    parent = raw.get("parent")
    if isinstance(parent, str):
        return parent, parent
    if not isinstance(parent, Mapping):
        return None, None
    zone = next(
        (_text(parent[k]) for k in ("trustZone", "trustzone", "trust_zone") if k in parent), None
    )
    return zone, _text(parent.get("component"))


def _list_section(document: Document, key: str) -> list[Any]:
    value = document.data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MaestroInputError(
            [document.problem((key,), f"'{key}' must be a list, got {type(value).__name__}")]
        )
    return value


def _zone_key(document: Document) -> str:
    """The key the file spells its trust zones with (``trustZones`` in the spec)."""
    for key in ("trustZones", "trustzones", "trust_zones", "TrustZones"):
        if key in document.data:
            return key
    return "trustZones"


def _check_shape(document: Document) -> None:
    if not isinstance(document.data, Mapping):
        raise MaestroInputError.single(
            document.source,
            document.line_of(()),
            "an OTM file is an object with otmVersion, project, trustZones, components and "
            "dataflows",
        )
    if document.data.get("components") is None:
        raise MaestroInputError(
            [document.problem((), "this OTM file has no 'components': nothing to import")]
        )
    for key in (
        "components",
        "dataflows",
        _zone_key(document),
        "threats",
        "mitigations",
        "assets",
        "representations",
    ):
        _list_section(document, key)


_COMPONENT_FIELDS = frozenset(
    {
        "id",
        "name",
        "type",
        "description",
        "parent",
        "representations",
        "assets",
        "threats",
        "tags",
        "attributes",
    }
)
_TOP_LEVEL_FIELDS = frozenset(
    {
        "otmVersion",
        "project",
        "representations",
        "assets",
        "components",
        "dataflows",
        "threats",
        "mitigations",
    }
)
_PROJECT_CARRIED = frozenset({"name", "id", "description", "attributes"})


# -- the conversion ---------------------------------------------------------------------------
class _Conversion:
    """One file's conversion: its definitions, trust zones, components and dataflows."""

    def __init__(self, document: Document, builder: ModelBuilder) -> None:
        self.document = document
        self.builder = builder
        self.data: Mapping[str, Any] = document.data
        self.definitions = {
            key: self._definitions(key) for key in ("threats", "mitigations", "assets")
        }
        self.used: dict[str, set[str]] = {key: set() for key in self.definitions}
        self.zone_key = _zone_key(document)
        self.zones = self._read_zones()
        self.elements: dict[str, _Element] = {}
        self.dataflows: list[_Dataflow] = []
        #: Dataflow fields a flow cannot hold, by the OTM id of the dataflow's source.
        self.kept_dataflows: dict[str, dict[str, Any]] = {}
        #: (path, dataflow id, fields) of each dataflow whose fields were set aside.
        self.kept_fields: list[tuple[_Path, str, tuple[str, ...]]] = []
        self.control_titles = {
            slug(control.name): control_id
            for control_id, control in builder.catalog.controls.items()
        }

    # definitions -----------------------------------------------------------------------------
    def _definitions(self, key: str) -> dict[str, Mapping[str, Any]]:
        found: dict[str, Mapping[str, Any]] = {}
        for index, item in enumerate(_list_section(self.document, key)):
            identifier = _text(item.get("id")) if isinstance(item, Mapping) else None
            if identifier is None:
                self.builder.warn((key, index), f"an entry of '{key}' without an id is ignored")
                continue
            found[identifier] = item
        return found

    def _name_of(self, key: str, identifier: str) -> str:
        """The name of a threat, mitigation or asset an element refers to (its id if the file
        does not define it)."""
        self.used[key].add(identifier)
        definition = self.definitions[key].get(identifier) or {}
        return _text(definition.get("name")) or identifier

    # trust zones -----------------------------------------------------------------------------
    def _read_zones(self) -> dict[str, _Zone]:
        zones: dict[str, _Zone] = {}
        for index, raw in enumerate(_list_section(self.document, self.zone_key)):
            path = (self.zone_key, index)
            if not isinstance(raw, Mapping) or _text(raw.get("id")) is None:
                self.builder.warn(path, "a trust zone that is not an object with an id is ignored")
                continue
            zone = self._zone(path, raw)
            zones[zone.key] = zone
        return zones

    def _zone(self, path: _Path, raw: Mapping[str, Any]) -> _Zone:
        key = _text(raw["id"]) or ""
        name = _text(raw.get("name")) or key
        risk = raw.get("risk")
        rating = _number(risk.get("trustRating")) if isinstance(risk, Mapping) else None
        if rating is not None and not 0 <= rating <= 100:
            self.builder.warn(path, f"trust zone {name!r}: trustRating {rating:g} is not 0..100")
            rating = min(max(rating, 0.0), 100.0)
        if rating is not None and rating.is_integer():
            rating = int(rating)
        restored = _maestro_attributes(raw.get("attributes"))
        if restored.get("exposure") in set(Exposure) and restored.get("trust") in set(Trust):
            return _Zone(
                key, name, Exposure(restored["exposure"]), Trust(restored["trust"]), rating
            )
        exposure, trust, decided_by = classify_zone(name, _text(raw.get("type")), rating)
        if decided_by == "default":
            self.builder.warn(
                path,
                f"trust zone {name!r} has no trustRating and its name says nothing: its "
                "components are taken as internal and trusted",
            )
        elif decided_by == "name" and rating is not None:
            by_rating = _rating_placement(rating)[0]
            if by_rating is not exposure:
                self.builder.warn(
                    path,
                    f"trust zone {name!r}: the name says {exposure.value} but trustRating "
                    f"{rating:g} says {by_rating.value}; the name decides",
                )
        return _Zone(key, name, exposure, trust, rating)

    def zone_of(self, element: _Element) -> _Zone | None:
        """An element's trust zone: its own, else its nearest ancestor component's."""
        seen: set[str] = set()
        current: _Element | None = element
        while current is not None and current.key not in seen:
            seen.add(current.key)
            if current.parent_zone is not None:
                return self.zones[current.parent_zone]
            current = self.elements.get(current.parent_component or "")
        return None

    # reading components ----------------------------------------------------------------------
    def read_components(self) -> None:
        raws = list(enumerate(self.data["components"]))
        keys = {
            key
            for _, raw in raws
            if isinstance(raw, Mapping)
            for key in [_text(raw.get("id")) or _text(raw.get("name"))]
            if key
        }
        for index, raw in raws:
            path: _Path = ("components", index)
            if not isinstance(raw, Mapping):
                self.builder.warn(path, "a component that is not an object is ignored")
                continue
            key = _text(raw.get("id")) or _text(raw.get("name"))
            if key is None:
                self.builder.warn(path, "a component with neither id nor name is ignored")
            elif key in self.elements:
                self.builder.warn(path, f"component id {key!r} is used twice: this one is ignored")
            else:
                self.elements[key] = self._element(index, key, raw, keys)

    def _element(self, index: int, key: str, raw: Mapping[str, Any], keys: set[str]) -> _Element:
        path: _Path = ("components", index)
        name = _text(raw.get("name")) or key
        otm_type = _text(raw.get("type"))
        zone_ref, component_ref = _parent(raw)
        parent_zone = zone_ref if zone_ref in self.zones else None
        parent_component = component_ref if component_ref in keys and component_ref != key else None
        if parent_zone is None and parent_component is None and (zone_ref or component_ref):
            self.builder.warn(
                (*path, "parent"),
                f"component {name!r}: its parent {zone_ref or component_ref!r} is neither a "
                "trust zone nor a component of the file",
            )
        restored = _maestro_attributes(raw.get("attributes"))
        exact = self._restored_placement(path, restored)
        layer, kind = exact or self._placement(path, key, name, otm_type)
        override = self.builder.mapping.placement(key, name, otm_type)
        if override is not None:
            layer, kind = override.layer, override.kind
        return _Element(
            index,
            key,
            raw,
            name,
            otm_type,
            layer,
            kind,
            parent_zone,
            parent_component,
            restored,
            exact is not None,
        )

    def _restored_placement(
        self, path: _Path, restored: Mapping[str, Any]
    ) -> tuple[Layer, str] | None:
        if "layer" not in restored and "kind" not in restored:
            return None
        kind = restored.get("kind")
        try:
            layer = Layer.parse(restored.get("layer"))
        except (ValueError, TypeError):
            layer = None
        if layer is None or kind not in self.builder.catalog.kinds_of(layer):
            self.builder.warn(
                path,
                f"attributes maestro.layer {restored.get('layer')!r} and maestro.kind {kind!r} "
                "are no layer and kind of the catalog: the OTM type decides instead",
            )
            return None
        return layer, str(kind)

    def _placement(
        self, path: _Path, key: str, name: str, otm_type: str | None
    ) -> tuple[Layer, str]:
        if self.builder.mapping.placement(key, name, otm_type) is not None:
            return DEFAULT_PLACEMENT  # replaced by the mapping's placement
        found = place_component(otm_type, name, self.builder.catalog)
        if found is not None:
            return found
        self.builder.warn(
            path,
            f"component {name!r}: type {otm_type!r} has no mapping, imported as "
            f"{DEFAULT_PLACEMENT[0].value} {DEFAULT_PLACEMENT[1]} (place it with --mapping)",
        )
        return DEFAULT_PLACEMENT

    # adding components -----------------------------------------------------------------------
    def add_components(self) -> None:
        for element in self.elements.values():
            if element.exact:
                self._add_restored(element)
            else:
                self._add_mapped(element)

    def _add_restored(self, element: _Element) -> None:
        """A component this tool exported: every field comes back from its attributes."""
        restored, builder, zone = element.restored, self.builder, self.zone_of(element)
        exposure = restored.get("exposure")
        if exposure not in set(Exposure):
            exposure = zone.exposure.value if zone else None
        trust = restored.get("trust")
        if trust not in set(Trust):
            trust = zone.trust.value if zone else None
        criticality = restored.get("criticality")
        if not (isinstance(criticality, int) and 1 <= criticality <= 5):
            criticality = None
        properties = restored.get("properties")
        tags = restored.get("tags", element.raw.get("tags"))
        component_id = builder.component(
            element.path,
            key=element.key,
            name=element.name,
            layer=element.layer,
            kind=element.kind,
            exposure=exposure,
            trust=trust,
            criticality=criticality,
            controls=self._restored_controls(element.path, restored.get("controls"), "component"),
            tags=_strings(tags),
            properties=properties if isinstance(properties, Mapping) else None,
            component_id=_text(restored.get("id")) or element.key,
        )
        owner = _text(restored.get("owner"))
        if owner and len(owner.splitlines()) == 1:
            builder.update(component_id, owner=owner)

    def _restored_controls(self, path: _Path, value: Any, place: str) -> list[str]:
        controls = [str(item) for item in value] if isinstance(value, list) else []
        catalog = self.builder.catalog.controls
        kept = [c for c in controls if c in catalog and place in catalog[c].placement]
        if len(kept) != len(controls):
            dropped = ", ".join(sorted(set(controls) - set(kept)))
            self.builder.warn(path, f"controls the catalog has not for a {place}: {dropped}")
        return kept

    def _add_mapped(self, element: _Element) -> None:
        """A component of any other OTM file: placed by the tables of the module docstring."""
        raw, zone = element.raw, self.zone_of(element)
        if zone is None:
            self.builder.warn(
                element.path,
                f"component {element.name!r} is in no defined trust zone: taken as internal "
                "and trusted",
            )
        exposure = zone.exposure if zone else Exposure.INTERNAL
        trust = zone.trust if zone else Trust.TRUSTED
        if element.kind in THIRD_PARTY_KINDS:
            trust = Trust.UNTRUSTED
            if exposure in (Exposure.INTERNAL, Exposure.ISOLATED):
                exposure = Exposure.PARTNER
        properties = self._properties(element, zone)
        threats, implemented = self._threats(raw.get("threats"))
        if threats:
            properties["otm_threats"] = threats
        controls = self._controls(element.path, implemented, "component", properties)
        assets, criticality = self._assets(raw.get("assets"))
        if assets:
            properties["otm_assets"] = assets
        self.builder.component(
            element.path,
            key=element.key,
            name=element.name,
            layer=element.layer,
            kind=element.kind,
            source_type=element.otm_type,
            exposure=exposure.value,
            trust=trust.value,
            criticality=criticality,
            controls=controls,
            tags=_strings(raw.get("tags")),
            properties=properties,
            description=_text(raw.get("description")),
        )

    def _properties(self, element: _Element, zone: _Zone | None) -> dict[str, Any]:
        raw = element.raw
        properties: dict[str, Any] = {"otm_id": element.key}
        if zone is not None:
            properties["otm_trust_zone"] = zone.summary()
        if element.parent_component:
            properties["otm_parent_component"] = element.parent_component
        attributes = _attributes(raw.get("attributes"))
        if attributes:
            properties["otm_attributes"] = attributes
        if raw.get("representations"):
            properties["otm_representations"] = raw["representations"]
        extra = sorted(set(raw) - _COMPONENT_FIELDS)
        if extra:
            properties["otm_extra"] = {key: raw[key] for key in extra}
            self.builder.warn(
                element.path,
                f"component {element.name!r}: fields OTM does not define, kept in "
                f"properties.otm_extra: {', '.join(extra)}",
            )
        if element.key in self.kept_dataflows:
            properties["otm_dataflows"] = self.kept_dataflows[element.key]
        return properties

    def _assets(self, value: Any) -> tuple[dict[str, list[str]], int | None]:
        """The names of the assets a component processes and stores, and the criticality their
        highest risk gives."""
        if not isinstance(value, Mapping):
            return {}, None
        named: dict[str, list[str]] = {}
        highest: float | None = None
        for use in ("processed", "stored"):
            identifiers = _strings(value.get(use))
            if identifiers:
                named[use] = [self._name_of("assets", identifier) for identifier in identifiers]
            for identifier in identifiers:
                risk = (self.definitions["assets"].get(identifier) or {}).get("risk")
                if isinstance(risk, Mapping):
                    for aspect in ("confidentiality", "integrity", "availability"):
                        number = _number(risk.get(aspect))
                        if number is not None:
                            highest = max(highest or 0.0, min(number, 100.0))
        criticality = None if highest is None else max(1, min(5, 1 + round(highest / 25)))
        return named, criticality

    def _threats(self, value: Any) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """Threat instances as plain records, and the (id, name) of implemented mitigations."""
        records: list[dict[str, Any]] = []
        implemented: list[tuple[str, str]] = []
        for item in value if isinstance(value, list) else ():
            if not isinstance(item, Mapping):
                continue
            record: dict[str, Any] = {}
            threat_id = _text(item.get("threat")) or _text(item.get("id"))
            if threat_id:
                record["threat"] = threat_id
                record["name"] = self._name_of("threats", threat_id)
            if _text(item.get("state")):
                record["state"] = _text(item.get("state"))
            mitigations = []
            entries = item.get("mitigations")
            for entry in entries if isinstance(entries, list) else ():
                mitigation_id = (
                    _text(entry.get("mitigation")) or _text(entry.get("id"))
                    if (isinstance(entry, Mapping))
                    else None
                )
                if mitigation_id is None:
                    continue
                name = self._name_of("mitigations", mitigation_id)
                state = _text(entry.get("state")) or (
                    "implemented" if entry.get("implemented") is True else None
                )
                mitigations.append({"mitigation": mitigation_id, "name": name, "state": state})
                if (state or "").casefold() == "implemented":
                    implemented.append((mitigation_id, name))
            if mitigations:
                record["mitigations"] = mitigations
            if record:
                records.append(record)
        return records, implemented

    def _controls(
        self,
        path: _Path,
        implemented: Iterable[tuple[str, str]],
        place: str,
        properties: dict[str, Any],
    ) -> list[str]:
        """Catalog controls for implemented mitigations (by name, id or control title); the
        others go to properties with one warning for the element."""
        controls: list[str] = []
        unplaced: list[str] = []
        catalog = self.builder.catalog.controls
        for mitigation_id, name in implemented:
            known, _ = self.builder.control_ids(path, [name, mitigation_id])
            control = known[0] if known else self.control_titles.get(slug(name))
            if control is not None and place in catalog[control].placement:
                controls.append(control)
            else:
                unplaced.append(name)
        if unplaced:
            kept = sorted(set(unplaced))
            properties["otm_implemented_mitigations"] = kept
            self.builder.warn(
                path,
                f"implemented mitigations that are no catalog control for a {place} (kept in "
                f"properties.otm_implemented_mitigations): {', '.join(kept)}",
            )
        return sorted(set(controls))

    # nested components -----------------------------------------------------------------------
    def add_hosting(self) -> None:
        for element in self.elements.values():
            parent = self.elements.get(element.parent_component or "")
            if parent is not None and parent.kind in HOSTING_KINDS and not element.exact:
                self.builder.flow((*element.path, "parent"), parent.key, element.key, "hosts")

    # dataflows -------------------------------------------------------------------------------
    def read_dataflows(self) -> None:
        """Read every dataflow; what a flow cannot hold is set aside for its source component,
        so read them before the components are added."""
        for index, raw in enumerate(_list_section(self.document, "dataflows")):
            path: _Path = ("dataflows", index)
            if not isinstance(raw, Mapping):
                self.builder.warn(path, "a dataflow that is not an object is ignored")
                continue
            source = self._end(path, raw, ("source", "from"))
            target = self._end(path, raw, ("destination", "to"))
            if source is not None and target is not None:
                self.dataflows.append(self._dataflow(path, raw, source, target))

    def _end(self, path: _Path, raw: Mapping[str, Any], names: tuple[str, str]) -> str | None:
        spelled = next((name for name in names if name in raw), names[0])
        value = _text(raw.get(spelled))
        if value is None:
            self.builder.warn(path, f"a dataflow without '{names[0]}' is skipped")
        elif value not in self.elements and value in self.zones:
            self.builder.warn(
                (*path, spelled),
                f"dataflow end {value!r} is a trust zone, not a component: the dataflow is skipped",
            )
            return None
        return value

    def _dataflow(self, path: _Path, raw: Mapping[str, Any], source: str, target: str) -> _Dataflow:
        restored = _maestro_attributes(raw.get("attributes"))
        if "kind" in restored:
            kind = restored["kind"]
            if kind not in set(FlowKind):
                self.builder.warn(path, f"attribute maestro.kind {kind!r} is not a flow kind")
                kind = self.flow_kind(source, target)
            controls = self._restored_controls(path, restored.get("controls"), "flow")
            label = _text(restored.get("label"))
            return _Dataflow(path, source, target, (kind,), label, tuple(controls))
        threats, implemented = self._threats(raw.get("threats"))
        extra: dict[str, Any] = {}
        controls = self._controls(path, implemented, "flow", extra)
        kinds = [self.flow_kind(source, target)]
        if raw.get("bidirectional") is True:
            kinds.append(self.flow_kind(target, source))
        for key in ("description", "tags", "assets", "attributes"):
            if raw.get(key):
                extra[key] = _attributes(raw[key]) if key == "attributes" else raw[key]
        if threats:
            extra["threats"] = threats
        if extra and source in self.elements:
            dataflow_id = _text(raw.get("id")) or json_pointer(path)
            self.kept_dataflows.setdefault(source, {})[dataflow_id] = extra
            self.kept_fields.append((path, dataflow_id, tuple(sorted(extra))))
        return _Dataflow(
            path, source, target, tuple(kinds), _text(raw.get("name")), tuple(controls)
        )

    def flow_kind(self, source: str, target: str) -> str:
        """The module docstring's rule: ``invokes`` for calls, else ``data``."""
        start, end = self.elements.get(source), self.elements.get(target)
        if start is None or end is None:
            return FlowKind.DATA.value
        if start.kind in CLIENT_KINDS and end.kind not in CLIENT_KINDS:
            return FlowKind.INVOKES.value
        if end.kind in CALLED_KINDS and start.layer is not Layer.L2:
            return FlowKind.INVOKES.value
        return FlowKind.DATA.value

    def add_flows(self) -> None:
        for dataflow in self.dataflows:
            ends = [(dataflow.source, dataflow.target), (dataflow.target, dataflow.source)]
            for (source, target), kind in zip(ends, dataflow.kinds, strict=False):
                self.builder.flow(
                    dataflow.path,
                    source,
                    target,
                    kind,
                    label=dataflow.label,
                    controls=dataflow.controls,
                )

    # the rest of the file --------------------------------------------------------------------
    def warn_not_carried(self) -> None:
        """One warning per kind of thing the model has no place for."""
        if self.kept_fields:
            # One warning for all: StartLeft writes tags on most dataflows, and a warning each
            # would bury the ones that need the user (unmapped types).
            path, first, _ = self.kept_fields[0]
            fields = sorted({name for *_, names in self.kept_fields for name in names})
            count = len(self.kept_fields)
            self.builder.warn(
                path,
                f"{count} dataflow{'s' if count > 1 else ''} ({first!r} first) carry "
                f"{', '.join(fields)}, which flows cannot hold: kept in properties.otm_dataflows "
                "of their source components",
            )
        exported = any(element.exact for element in self.elements.values())
        for key, definitions in self.definitions.items():
            unused = set(definitions) - self.used[key]
            # An exported file's threats are derived by the analysis: not read back on purpose.
            if unused and not exported:
                self.builder.warn(
                    (key,),
                    f"{key}: {len(unused)} defined but referred to by no component or dataflow, "
                    "not imported",
                )
        representations = self.data.get("representations") or []
        if representations:
            self.builder.warn(
                ("representations",),
                f"{len(representations)} top-level representations (diagrams, code) are not "
                "carried; components keep theirs in properties.otm_representations",
            )
        for key in sorted(set(self.data) - _TOP_LEVEL_FIELDS - {self.zone_key}):
            self.builder.warn((key,), f"top-level key {key!r} is not part of OTM: ignored")

    def project(self) -> tuple[str, str | None, Mapping[str, Any]]:
        """The system's name and description, and the project's ``maestro.*`` attributes."""
        project = self.data.get("project")
        if not isinstance(project, Mapping):
            self.builder.warn((), "no 'project' object: the system is named after the file")
            return self.builder.file_name, None, {}
        attributes = _attributes(project.get("attributes"))
        not_carried = sorted(
            key for key in project if key not in _PROJECT_CARRIED and project[key] not in (None, [])
        )
        foreign = sorted(key for key in attributes if not key.startswith(ATTRIBUTE_PREFIX))
        if foreign:
            not_carried.append(f"attributes ({', '.join(foreign)})")
        if not_carried:
            self.builder.warn(
                ("project",),
                "project fields not carried (a model's system has a name and a description "
                f"only): {', '.join(not_carried)}",
            )
        name = _text(project.get("name")) or _text(project.get("id")) or self.builder.file_name
        return name, _text(project.get("description")), _maestro_attributes(attributes)

    def check_version(self) -> None:
        version = self.data.get("otmVersion")
        if version is None:
            self.builder.warn((), "no otmVersion: read as OTM 0.2.0")
        elif str(version) not in KNOWN_VERSIONS:
            self.builder.warn(
                ("otmVersion",),
                f"otmVersion {version!r} is not {' or '.join(KNOWN_VERSIONS)}: read as 0.2.0",
            )

    def attacker(self, value: Any) -> dict[str, list[str]]:
        """The attacker section an exported file carries, limited to imported components."""
        if not isinstance(value, Mapping):
            return {}
        known = {self.builder.id_for(key) for key in self.elements} - {None}
        section: dict[str, list[str]] = {}
        for key in ("entry", "targets"):
            listed = value.get(key)
            if isinstance(listed, list):
                section[key] = [str(item) for item in listed if str(item) in known]
                if len(section[key]) != len(listed):
                    self.builder.warn(
                        ("project", "attributes"),
                        f"attacker {key} that are no imported component are dropped",
                    )
        return section


def _with_attacker(
    result: ImportResult, attacker: Mapping[str, list[str]], builder: ModelBuilder
) -> ImportResult:
    if not attacker:
        return result
    data = result.model.to_data()
    data["attacker"] = dict(attacker)
    model = check_model(SystemModel.model_validate(data), builder.catalog)
    return ImportResult(model, result.format, result.warnings)


def convert(document: Document, builder: ModelBuilder) -> ImportResult:
    """Convert an OTM document into a checked model (the rules are the module docstring's).

    Raises
    ------
    MaestroInputError
        For a file that is not an OTM object or has no components, or whose components,
        dataflows, trust zones, threats, mitigations, assets or representations are not
        lists.
    """
    _check_shape(document)
    conversion = _Conversion(document, builder)
    conversion.check_version()
    system_name, description, project_attributes = conversion.project()
    conversion.read_components()
    conversion.read_dataflows()
    conversion.add_components()
    conversion.add_hosting()
    conversion.add_flows()
    conversion.warn_not_carried()
    attacker = conversion.attacker(project_attributes.get("attacker"))
    return _with_attacker(builder.result(system_name, description), attacker, builder)


def detect(data: Any, file_name: str) -> bool:
    """True for an object with an ``otmVersion`` key.

    Examples
    --------
    >>> detect({"otmVersion": "0.1.0", "project": {}}, "a.otm")
    True
    >>> detect({"components": []}, "a.json")
    False
    """
    return isinstance(data, Mapping) and "otmVersion" in data


FORMAT = ImportFormat("otm", "Open Threat Model 0.1.0 / 0.2.0", detect, convert)
