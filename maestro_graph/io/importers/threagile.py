"""Threagile models (``threagile.yaml``) as maestro-graph models.

`Threagile <https://threagile.io>`_ describes a system as technical assets (each with a
``technology``, a ``type`` and CIA ratings) joined by communication links, grouped by trust
boundaries and shared runtimes, and processing data assets. The importer reads one such file
(YAML or JSON) and turns each technical asset into a component, each link into one or two
flows and each shared runtime into a component that hosts what runs on it.

Technical assets
----------------
The ``technology`` decides the layer and kind (the first known entry of ``technologies`` in
Threagile 2 files). Aliases Threagile accepts (``db``, ``web-app``, ``k8s``-like names such as
``kubernetes``, ``siem``, ...) are read as the technology they stand for.

==========================================================  =====  ====================
Threagile technology                                        Layer  Kind
==========================================================  =====  ====================
``ai``                                                      L1     ``foundation_model``
``database``, ``big-data-platform``, ``data-lake``          L2     ``database``
``search-index``                                            L2     ``vector_store``
``file-server``, ``block-storage``, ``local-file-system``   L2     ``document_source``
``message-queue``, ``stream-processing``,                   L2     ``data_pipeline``
``batch-processing``
``report-engine``                                           L2     ``analytics``
``tool``                                                    L3     ``tool``
``library``                                                 L3     ``framework``
``web-server``, ``web-application``,                        L4     ``web_service``
``application-server``, ``web-service-rest``,
``web-service-soap``, ``cms``, ``erp``, ``ejb``,
``mainframe``, ``mail-server``, ``search-engine``,
``service-registry``, ``event-listener``, ``scheduler``,
``task``
``function``                                                L4     ``serverless``
``load-balancer``, ``reverse-proxy``, ``gateway``, ``waf``  L4     ``api_gateway``
``service-mesh``                                            L4     ``network``
``ids``, ``ips``                                            L4     ``network_sensor``
``vault``, ``hsm``                                          L4     ``secret_store``
``container-platform``                                      L4     ``cluster``
``build-pipeline``, ``sourcecode-repository``,              L4     ``ci_pipeline``
``artifact-registry``, ``code-inspection-platform``
``monitoring``                                              L5     ``monitor``
``identity-provider``, ``identity-store-ldap``,             L6     ``iam``
``identity-store-database``, ``ldap-server``
``browser``, ``desktop``, ``mobile-app``,                   L7     ``application``
``client-system``, ``devops-client``, ``cli``,
``iot-device``
``unknown-technology`` or a name Threagile does not know    by ``type`` (below), with a warning
==========================================================  =====  ====================

By ``type`` when the technology says nothing: ``external-entity`` -> L7 ``external_api``
(L7 ``user`` when ``used_as_client_by_human``), ``datastore`` -> L2 ``database``, ``process``
-> L4 ``web_service``.

An ``external-entity`` is "hosted and managed by a third party": a server-side technology
(L4 ``web_service``) becomes L7 ``external_api`` and ``ai`` becomes L7 ``ai_service_api``;
every external entity is ``trust: untrusted``.

==============================================  ==============================================
Threagile field                                 maestro-graph
==============================================  ==============================================
``internet: true``                              ``exposure: public``
``type: external-entity`` (not on internet)     ``exposure: partner``, ``trust: untrusted``
``confidentiality`` public..strictly-           ``criticality``: the highest of the three
confidential, ``integrity`` / ``availability``  ratings, each on its own scale mapped to 1..5
archive..mission-critical                       (public/archive = 1 ... strictly-confidential/
                                                mission-critical = 5)
``owner``                                       ``owner``
``tags``                                        ``tags``
``encryption`` other than ``none``              control ``encryption-at-rest``
inside a ``network-cloud-security-group`` or    control ``network-segmentation`` (these two
``network-policy-namespace-isolation``          boundary types filter traffic; the other
boundary (directly or through nesting)          network types only say where the asset is)
``trust_boundaries``                            property ``trust_boundary``: ``id``, ``name``,
                                                ``type`` and ``within`` (enclosing boundary ids,
                                                outermost first); boundaries are not components
``data_assets_processed`` / ``_stored``         properties of the same names (data asset titles);
                                                data assets are not components
other fields (``size``, ``machine``, ``usage``,  properties of the same names (``false`` and empty
``multi_tenant``, justifications, ...)          values left out)
==============================================  ==============================================

Communication links
-------------------
A link goes from the asset that opens the connection to its ``target``. Its kind, first rule
that applies:

1. protocol ``container-spawning``: ``hosts`` (the source runs the target);
2. the target is on L5 (``monitoring``): ``telemetry``;
3. the target is a Threagile ``datastore`` or is placed on L2: ``data`` from the source to the
   target when the link writes (``data_assets_sent``, or not ``readonly``), and ``data`` back
   when it reads (``data_assets_received``, or ``readonly``);
4. otherwise ``invokes`` (the source calls the target; responses come back).

Controls on the flow: an encrypted protocol (``https``, ``wss``, ``ssh``, ``ldaps``, the
``*-encrypted`` ones, ...) or ``vpn: true`` gives ``encryption-in-transit``; authentication
``token``, ``client-certificate``, ``two-factor`` or ``externalized`` gives
``channel-authentication`` (``credentials`` and ``session-id`` are recorded but not counted: the
catalog control means a peer proven by a signed token or a certificate, not a password);
``ip_filtered: true`` gives ``network-segmentation``. Authorization and ``readonly`` are not
controls in the catalog and are recorded only. Several links that end in the same flow keep the
controls all of them have (an attacker takes the weakest). Each link is kept in full in the
source component's property ``communication_links`` (authentication as ``identity_check`` and
authorization as ``permission_check``, so that the credential filter leaves them readable).

Shared runtimes
---------------
Each shared runtime becomes an L4 component that ``hosts`` every asset it runs: ``cluster``
when all of them run in containers (``machine: container``), ``serverless`` when all are
serverless, ``host`` otherwise. ``--mapping`` can rename it by its id or title or by the type
``shared-runtime``.

Not carried
-----------
``risk_tracking``, ``individual_risk_categories`` / ``custom_risk_categories``,
``abuse_cases``, ``security_requirements`` and ``questions`` have no place in a component
model: each non-empty section is one warning pointing at it. ``includes`` are not followed (a
warning; import a file that holds the whole model). Title, overview descriptions and business
criticality make the system name and description; author, date, ``tags_available`` and the
``diagram_tweak_*`` layout hints are presentation and are left out without a warning.

``--mapping`` keys: an asset's id or title, then its technology (canonical name, e.g.
``web-server``), then ``external-entity``/``process``/``datastore`` are matched in that order.

Examples
--------
>>> from maestro_graph.model.loading import parse_document
>>> from maestro_graph.io.importers.base import ModelBuilder
>>> text = '''
... title: Shop
... technical_assets:
...   Browser:
...     id: browser
...     type: external-entity
...     technology: browser
...     internet: true
...     communication_links:
...       Shopping: {target: shop, protocol: https, authentication: token}
...   Shop:
...     id: shop
...     type: process
...     technology: web-application
... '''
>>> document = parse_document(text, "shop.yaml")
>>> model = FORMAT.convert(document, ModelBuilder(document, "threagile")).model
>>> [(c.id, c.kind, c.exposure.value, c.trust.value) for c in model.components]
[('browser', 'application', 'public', 'untrusted'), ('shop', 'web_service', 'internal', 'trusted')]
>>> [(str(f), f.controls) for f in model.flows]
[('browser -> shop (invokes)', ('channel-authentication', 'encryption-in-transit'))]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from maestro_graph.io.importers.base import (
    REDACTED,
    ImportFormat,
    ImportResult,
    ModelBuilder,
    looks_like_credential,
)
from maestro_graph.model.loading import Document
from maestro_graph.support.errors import MaestroInputError, Problem

Path = tuple[str | int, ...]

_BY_TECHNOLOGY: dict[str, tuple[str, str]] = {
    "ai": ("L1", "foundation_model"),
    **dict.fromkeys(("database", "big-data-platform", "data-lake"), ("L2", "database")),
    "search-index": ("L2", "vector_store"),
    **dict.fromkeys(
        ("file-server", "block-storage", "local-file-system"), ("L2", "document_source")
    ),
    **dict.fromkeys(
        ("message-queue", "stream-processing", "batch-processing"), ("L2", "data_pipeline")
    ),
    "report-engine": ("L2", "analytics"),
    "tool": ("L3", "tool"),
    "library": ("L3", "framework"),
    **dict.fromkeys(
        (
            "web-server",
            "web-application",
            "application-server",
            "web-service-rest",
            "web-service-soap",
            "cms",
            "erp",
            "ejb",
            "mainframe",
            "mail-server",
            "search-engine",
            "service-registry",
            "event-listener",
            "scheduler",
            "task",
        ),
        ("L4", "web_service"),
    ),
    "function": ("L4", "serverless"),
    **dict.fromkeys(("load-balancer", "reverse-proxy", "gateway", "waf"), ("L4", "api_gateway")),
    "service-mesh": ("L4", "network"),
    **dict.fromkeys(("ids", "ips"), ("L4", "network_sensor")),
    **dict.fromkeys(("vault", "hsm"), ("L4", "secret_store")),
    "container-platform": ("L4", "cluster"),
    **dict.fromkeys(
        (
            "build-pipeline",
            "sourcecode-repository",
            "artifact-registry",
            "code-inspection-platform",
        ),
        ("L4", "ci_pipeline"),
    ),
    "monitoring": ("L5", "monitor"),
    **dict.fromkeys(
        ("identity-provider", "identity-store-ldap", "identity-store-database", "ldap-server"),
        ("L6", "iam"),
    ),
    **dict.fromkeys(
        (
            "browser",
            "desktop",
            "mobile-app",
            "client-system",
            "devops-client",
            "cli",
            "iot-device",
        ),
        ("L7", "application"),
    ),
}

#: Other names Threagile accepts for its technologies.
_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        (
            "artificial-intelligence",
            "machine-learning",
            "deep-learning",
            "neural-network",
            "ml",
            "dl",
        ),
        "ai",
    ),
    "app-server": "application-server",
    "big-data": "big-data-platform",
    "san": "block-storage",
    "web-browser": "browser",
    "ci": "build-pipeline",
    "continuous-integration": "build-pipeline",
    "client": "client-system",
    **dict.fromkeys(("command-line", "command-line-tool", "command-line-interface"), "cli"),
    "content-management-system": "cms",
    "code-inspection": "code-inspection-platform",
    "code-analysis": "code-inspection-platform",
    **dict.fromkeys(("container", "docker", "kubernetes"), "container-platform"),
    "db": "database",
    "desktop-system": "desktop",
    "enterprise-java-beans": "ejb",
    "enterprise-resource-planning": "erp",
    "file-storage": "file-server",
    "hardware-security-module": "hsm",
    "idp": "identity-provider",
    "identity-store": "identity-store-database",
    "intrusion-detection-system": "ids",
    "iot": "iot-device",
    "intrusion-prevention-system": "ips",
    "ldap": "ldap-server",
    "lb": "load-balancer",
    "local-storage": "local-file-system",
    "email-server": "mail-server",
    "mq": "message-queue",
    "siem": "monitoring",
    "reporting": "report-engine",
    "cron": "scheduler",
    "service-discovery": "service-registry",
    "git": "sourcecode-repository",
    "job": "task",
    "utility": "tool",
    "unknown": "unknown-technology",
    "hashicorp-vault": "vault",
    "web-application-firewall": "waf",
    "web-app": "web-application",
    "rest-api": "web-service-rest",
    "soap-api": "web-service-soap",
}

_UNKNOWN_TECHNOLOGY = "unknown-technology"
_ASSET_TYPES = ("external-entity", "process", "datastore")
_BY_TYPE: dict[str, tuple[str, str]] = {
    "external-entity": ("L7", "external_api"),
    "process": ("L4", "web_service"),
    "datastore": ("L2", "database"),
}
_CONFIDENTIALITY = ("public", "internal", "restricted", "confidential", "strictly-confidential")
_CRITICALITY = ("archive", "operational", "important", "critical", "mission-critical")
_ENCRYPTION = (
    "none",
    "transparent",
    "data-with-symmetric-shared-key",
    "data-with-asymmetric-shared-key",
    "data-with-end-user-individual-key",
)
_AUTHENTICATION = (
    "none",
    "credentials",
    "session-id",
    "token",
    "client-certificate",
    "two-factor",
    "externalized",
)
#: Authentication that proves the peer with a signature, a certificate or a second factor.
_STRONG_AUTHENTICATION = frozenset({"token", "client-certificate", "two-factor", "externalized"})
_AUTHORIZATION = ("none", "technical-user", "end-user-identity-propagation")
_ENCRYPTED_PROTOCOLS = frozenset(
    {
        "https",
        "wss",
        "reverse-proxy-web-protocol-encrypted",
        "jdbc-encrypted",
        "odbc-encrypted",
        "sql-access-protocol-encrypted",
        "nosql-access-protocol-encrypted",
        "binary-encrypted",
        "text-encrypted",
        "ssh",
        "ssh-tunnel",
        "smtp-encrypted",
        "pop3-encrypted",
        "imap-encrypted",
        "ftps",
        "sftp",
        "scp",
        "ldaps",
        "smb-encrypted",
        "iiop-encrypted",
        "jrmp-encrypted",
    }
)
_PROTOCOLS = _ENCRYPTED_PROTOCOLS | {
    "unknown-protocol",
    "http",
    "ws",
    "reverse-proxy-web-protocol",
    "mqtt",
    "jdbc",
    "odbc",
    "sql-access-protocol",
    "nosql-access-protocol",
    "binary",
    "text",
    "smtp",
    "pop3",
    "imap",
    "ftp",
    "ldap",
    "jms",
    "nfs",
    "smb",
    "local-file-access",
    "nrpe",
    "xmpp",
    "iiop",
    "jrmp",
    "in-process-library-call",
    "inter-process-communication",
    "container-spawning",
}
_BOUNDARY_TYPES = (
    "network-on-prem",
    "network-dedicated-hoster",
    "network-virtual-lan",
    "network-cloud-provider",
    "network-cloud-security-group",
    "network-policy-namespace-isolation",
    "execution-environment",
)
#: Boundary types that filter traffic between what is inside and what is not.
_SEGMENTING_BOUNDARIES = frozenset(
    {"network-cloud-security-group", "network-policy-namespace-isolation"}
)

#: Asset fields copied to properties as they are (when set).
_ASSET_FIELDS = (
    "type",
    "usage",
    "size",
    "machine",
    "internet",
    "out_of_scope",
    "justification_out_of_scope",
    "used_as_client_by_human",
    "encryption",
    "confidentiality",
    "integrity",
    "availability",
    "justification_cia_rating",
    "multi_tenant",
    "redundant",
    "custom_developed_parts",
    "data_formats_accepted",
)
_ASSET_HANDLED = frozenset(
    {
        "id",
        "description",
        "technology",
        "technologies",
        "tags",
        "owner",
        "data_assets_processed",
        "data_assets_stored",
        "communication_links",
        "diagram_tweak_order",
        *_ASSET_FIELDS,
    }
)
_LINK_FIELDS = frozenset(
    {
        "target",
        "description",
        "protocol",
        "authentication",
        "authorization",
        "tags",
        "vpn",
        "ip_filtered",
        "readonly",
        "usage",
        "data_assets_sent",
        "data_assets_received",
        "diagram_tweak_weight",
        "diagram_tweak_constraint",
    }
)
#: Top-level sections with no place in a component model: one warning each when not empty.
_NOT_CARRIED = {
    "risk_tracking": "risk tracking is not carried: maestro-graph tracks its own findings",
    "individual_risk_categories": "individual risk categories are not carried",
    "custom_risk_categories": "custom risk categories are not carried",
    "abuse_cases": "abuse cases are not carried",
    "security_requirements": "security requirements are not carried",
    "questions": "questions are not carried",
    "includes": (
        "included files are not followed: import a file that holds the whole model "
        "(Threagile writes one with its parsed model)"
    ),
}
#: Top-level keys read or deliberately left out (metadata and layout).
_TOP_LEVEL_QUIET = frozenset(
    {
        "threagile_version",
        "title",
        "date",
        "author",
        "contributors",
        "application_description",
        "business_overview",
        "technical_overview",
        "business_criticality",
        "management_summary_comment",
        "tags_available",
        "data_assets",
        "technical_assets",
        "trust_boundaries",
        "shared_runtimes",
    }
)
_HTML_TAG = re.compile(r"<[^>]+>")


def detect(data: Any, file_name: str) -> bool:
    """True for a mapping with Threagile's markers (``threagile_version`` or
    ``technical_assets``).

    Examples
    --------
    >>> detect({"threagile_version": "1.0.0", "title": "x"}, "threagile.yaml")
    True
    >>> detect({"components": []}, "model.yaml")
    False
    """
    return isinstance(data, Mapping) and ("threagile_version" in data or "technical_assets" in data)


def convert(document: Document, builder: ModelBuilder) -> ImportResult:
    """Convert a Threagile model read as ``document`` (see the module docstring for the mapping).

    Raises
    ------
    MaestroInputError
        For a file of the wrong shape: no technical assets, a section that is not a mapping,
        an asset without an id, a duplicate id, a link without a target.
    """
    _check_shape(document)
    data: Mapping[str, Any] = document.data
    _warn_top_level(data, builder)
    context = _Context.read(data, builder)
    for title, asset in data["technical_assets"].items():
        _place_asset(("technical_assets", title), str(title), asset, context)
    for title, asset in data["technical_assets"].items():
        _add_asset(("technical_assets", title), str(title), asset, context)
    for title, runtime in (data.get("shared_runtimes") or {}).items():
        _add_runtime(("shared_runtimes", title), str(title), runtime, context)
    context.emit_flows()
    context.warn_unused_data_assets()
    return builder.result(_clean(str(data.get("title") or "")), _system_description(data))


FORMAT = ImportFormat("threagile", "Threagile", detect, convert)


# -- shape -----------------------------------------------------------------------------------
def _check_shape(document: Document) -> None:
    """Refuse, with every problem at once, a file Threagile itself could not read."""
    data = document.data
    if not isinstance(data, Mapping):
        raise MaestroInputError.single(
            document.source, document.line_of(()), "a Threagile model is a mapping of sections"
        )
    problems: list[Problem] = []

    def problem(path: Path, message: str) -> None:
        problems.append(document.problem(path, message))

    assets = data.get("technical_assets")
    if not assets:
        hint = " (its 'includes' are not followed)" if data.get("includes") else ""
        problem(("technical_assets",), f"no technical_assets to import{hint}")
    for section in ("technical_assets", "data_assets", "trust_boundaries", "shared_runtimes"):
        _check_section(data, section, problem)
    if isinstance(assets, Mapping):
        _check_assets(assets, problem)
    if problems:
        raise MaestroInputError(problems)


def _check_section(
    data: Mapping[str, Any], section: str, problem: Callable[[Path, str], None]
) -> None:
    value = data.get(section)
    if value is None:
        return
    if not isinstance(value, Mapping):
        problem((section,), f"{section} must map titles to elements, got {_shape(value)}")
        return
    seen: dict[str, str] = {}
    for title, element in value.items():
        path = (section, title)
        if not isinstance(element, Mapping):
            problem(path, f"{section} {title!r} must be a mapping, got {_shape(element)}")
            continue
        element_id = element.get("id")
        if not isinstance(element_id, str) or not element_id.strip():
            problem(path, f"{section} {title!r} has no id")
        elif element_id in seen:
            problem((*path, "id"), f"duplicate id {element_id!r} (also {seen[element_id]!r})")
        else:
            seen[element_id] = str(title)
        for list_field in (
            "technical_assets_inside",
            "trust_boundaries_nested",
            "technical_assets_running",
        ):
            if list_field in element and not isinstance(element[list_field], list | type(None)):
                problem((*path, list_field), f"{list_field} must be a list of ids")


def _check_assets(assets: Mapping[str, Any], problem: Callable[[Path, str], None]) -> None:
    for title, asset in assets.items():
        if not isinstance(asset, Mapping):
            continue  # reported by _check_section
        links = asset.get("communication_links")
        path: Path = ("technical_assets", title, "communication_links")
        if links is None:
            continue
        if not isinstance(links, Mapping):
            problem(path, f"communication_links of {title!r} must map titles to links")
            continue
        for link_title, link in links.items():
            if not isinstance(link, Mapping):
                problem((*path, link_title), f"link {link_title!r} must be a mapping")
            elif not isinstance(link.get("target"), str):
                problem((*path, link_title), f"link {link_title!r} has no target id")


def _shape(value: Any) -> str:
    return "a list" if isinstance(value, list) else f"{type(value).__name__} {value!r}"[:60]


def _warn_top_level(data: Mapping[str, Any], builder: ModelBuilder) -> None:
    for key, value in data.items():
        if key in _NOT_CARRIED:
            if value:
                builder.warn((key,), _NOT_CARRIED[key])
        elif key not in _TOP_LEVEL_QUIET and not str(key).startswith("diagram_tweak_"):
            builder.warn((key,), f"section {key!r} is not a Threagile section this importer reads")


# -- reading context ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Placed:
    """Where an asset lands and what decided it."""

    asset_type: str
    technology: str
    technologies: list[str]
    layer: str
    kind: str


@dataclass
class _PlannedFlow:
    path: Path
    labels: list[str]
    controls: set[str]


@dataclass
class _Context:
    """What the asset and link conversions share: lookups built from the whole file."""

    builder: ModelBuilder
    data_titles: dict[str, str]
    data_paths: dict[str, Path]
    boundaries: dict[str, dict[str, Any]]
    segmented: set[str]
    asset_ids: set[str]
    placements: dict[str, _Placed] = field(default_factory=dict)
    used_data: set[str] = field(default_factory=set)
    planned: dict[tuple[str, str, str], _PlannedFlow] = field(default_factory=dict)

    @classmethod
    def read(cls, data: Mapping[str, Any], builder: ModelBuilder) -> _Context:
        data_titles: dict[str, str] = {}
        data_paths: dict[str, Path] = {}
        for title, asset in (data.get("data_assets") or {}).items():
            data_titles[asset["id"]] = _clean(str(title))
            data_paths[asset["id"]] = ("data_assets", title)
        boundaries, segmented = _read_boundaries(data, builder)
        asset_ids = {asset["id"] for asset in data["technical_assets"].values()}
        return cls(builder, data_titles, data_paths, boundaries, segmented, asset_ids)

    def data_names(self, path: Path, ids: Any) -> list[str]:
        """Titles of the data assets ``ids`` names; an unknown id is kept as is, with a warning."""
        names: list[str] = []
        for index, data_id in enumerate(_as_list(ids)):
            data_id = str(data_id)
            self.used_data.add(data_id)
            if data_id not in self.data_titles:
                self.builder.warn((*path, index), f"unknown data asset {data_id!r}")
            names.append(self.data_titles.get(data_id, data_id))
        return names

    def plan(
        self, path: Path, source: str, target: str, kind: str, label: str, controls: set[str]
    ) -> None:
        """Queue a flow; links that end in the same flow keep only the controls all of them
        have."""
        key = (source, target, kind)
        planned = self.planned.get(key)
        if planned is None:
            self.planned[key] = _PlannedFlow(path, [label], set(controls))
        else:
            planned.labels.append(label)
            planned.controls &= controls

    def emit_flows(self) -> None:
        for (source, target, kind), planned in self.planned.items():
            label = "; ".join(dict.fromkeys(label for label in planned.labels if label))
            self.builder.flow(
                planned.path, source, target, kind, label=label or None, controls=planned.controls
            )

    def warn_unused_data_assets(self) -> None:
        for data_id, path in self.data_paths.items():
            if data_id not in self.used_data:
                self.builder.warn(
                    path, f"data asset {data_id!r} is used by no technical asset: not carried"
                )


def _read_boundaries(
    data: Mapping[str, Any], builder: ModelBuilder
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Each asset's innermost boundary (as a property) and the assets in segmenting ones."""
    section = data.get("trust_boundaries") or {}
    by_id = {boundary["id"]: (title, boundary) for title, boundary in section.items()}
    parent: dict[str, str] = {}
    for title, boundary in section.items():
        for index, nested in enumerate(_as_list(boundary.get("trust_boundaries_nested"))):
            path = ("trust_boundaries", title, "trust_boundaries_nested", index)
            if nested not in by_id:
                builder.warn(path, f"unknown nested trust boundary {nested!r}")
            elif nested in parent or nested == boundary["id"]:
                builder.warn(path, f"trust boundary {nested!r} is already nested elsewhere")
            else:
                parent[nested] = boundary["id"]
    inside: dict[str, dict[str, Any]] = {}
    segmented: set[str] = set()
    asset_ids = {asset["id"] for asset in data["technical_assets"].values()}
    for title, boundary in section.items():
        path = ("trust_boundaries", title)
        boundary_type = _value(boundary.get("type"))
        if boundary_type not in _BOUNDARY_TYPES:
            builder.warn((*path, "type"), f"unknown trust boundary type {boundary_type!r}")
        chain = _enclosing(boundary["id"], parent)
        assets = _as_list(boundary.get("technical_assets_inside"))
        if not assets and not boundary.get("trust_boundaries_nested"):
            builder.warn(path, f"trust boundary {title!r} holds no asset: not carried")
        for index, asset_id in enumerate(assets):
            asset_path = (*path, "technical_assets_inside", index)
            if asset_id not in asset_ids:
                builder.warn(asset_path, f"unknown technical asset {asset_id!r} in the boundary")
                continue
            if asset_id in inside:
                builder.warn(asset_path, f"{asset_id!r} is already inside another trust boundary")
                continue
            inside[asset_id] = _drop_empty(
                {
                    "id": boundary["id"],
                    "name": _clean(str(title)),
                    "type": boundary_type,
                    "within": chain[:-1],
                    "tags": _as_list(boundary.get("tags")),
                }
            )
            types = {_value(by_id[b][1].get("type")) for b in chain}
            if types & _SEGMENTING_BOUNDARIES:
                segmented.add(asset_id)
    return inside, segmented


def _enclosing(boundary_id: str, parent: Mapping[str, str]) -> list[str]:
    """The boundary and those around it, outermost first."""
    chain = [boundary_id]
    while chain[-1] in parent and parent[chain[-1]] not in chain:
        chain.append(parent[chain[-1]])
    return chain[::-1]


# -- technical assets ----------------------------------------------------------------------------
def _place_asset(path: Path, title: str, asset: Mapping[str, Any], context: _Context) -> None:
    """Decide the asset's type, technology, layer and kind (links need every target's)."""
    builder = context.builder
    asset_id = str(asset["id"])
    asset_type = _value(asset.get("type"))
    if asset_type not in _ASSET_TYPES:
        what = f"unknown asset type {asset_type!r}" if asset_type else "no asset type"
        builder.warn((*path, "type"), f"{what}: read as process")
        asset_type = "process"
    technology, technologies = _technology(asset)
    override = builder.mapping.placement(asset_id, title, technology, asset_type)
    if override is not None:
        layer, kind = override.layer.value, override.kind
    else:
        layer, kind = _default_placement(path, asset, asset_type, technology, builder)
    context.placements[asset_id] = _Placed(asset_type, technology, technologies, layer, kind)


def _add_asset(path: Path, title: str, asset: Mapping[str, Any], context: _Context) -> None:
    builder = context.builder
    asset_id = str(asset["id"])
    placed = context.placements[asset_id]
    external = placed.asset_type == "external-entity"
    internet = _flag(path, asset, "internet", builder)
    controls = set()
    if _value(asset.get("encryption")) not in {"", "none"}:
        controls.add("encryption-at-rest")
    if asset_id in context.segmented:
        controls.add("network-segmentation")
    properties = _asset_properties(path, asset, placed, context)
    links: dict[str, Any] = {}
    for link_title, link in (asset.get("communication_links") or {}).items():
        link_path = (*path, "communication_links", link_title)
        links[str(link_title)] = _plan_link(link_path, asset_id, str(link_title), link, context)
    if links:
        properties["communication_links"] = links
    component_id = builder.component(
        path,
        key=asset_id,
        name=_clean(title),
        layer=placed.layer,
        kind=placed.kind,
        source_type=placed.technology,
        exposure="public" if internet else "partner" if external else None,
        trust="untrusted" if external else None,
        criticality=_criticality(path, asset, builder),
        controls=controls,
        tags=[str(tag) for tag in _as_list(asset.get("tags"))],
        properties=properties,
    )
    owner = _owner(path, asset, builder)
    if owner is not None:
        builder.update(component_id, owner=owner)


def _technology(asset: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The canonical technology that places the asset, and every technology it names."""
    named = [_value(asset.get("technology"))] if asset.get("technology") else []
    named += [_value(item) for item in _as_list(asset.get("technologies"))]
    canonical = [_ALIASES.get(name, name) for name in named]
    for name in canonical:
        if name in _BY_TECHNOLOGY:
            return name, named
    return (canonical[0] if canonical else _UNKNOWN_TECHNOLOGY), named


def _default_placement(
    path: Path, asset: Mapping[str, Any], asset_type: str, technology: str, builder: ModelBuilder
) -> tuple[str, str]:
    external = asset_type == "external-entity"
    placement = _BY_TECHNOLOGY.get(technology)
    if placement is None:
        human = external and asset.get("used_as_client_by_human") is True
        placement = ("L7", "user") if human else _BY_TYPE[asset_type]
        where = "technology" if "technology" in asset else "technologies"
        if technology != _UNKNOWN_TECHNOLOGY:
            what = f"technology {technology!r} is not one Threagile defines"
        elif where in asset:
            what = f"technology {_UNKNOWN_TECHNOLOGY!r} says nothing of the asset"
        else:
            what = "no technology"
        builder.warn(
            (*path, where),
            f"{what}: placed by its type {asset_type} as {placement[0]} {placement[1]} "
            "(name it in --mapping to place it)",
        )
    if external and placement == ("L4", "web_service"):
        return ("L7", "external_api")
    if external and placement == ("L1", "foundation_model"):
        return ("L7", "ai_service_api")
    return placement


def _criticality(path: Path, asset: Mapping[str, Any], builder: ModelBuilder) -> int | None:
    """The highest of the three CIA ratings on 1..5, or None when none is given."""
    ratings: list[int] = []
    for name, scale in (
        ("confidentiality", _CONFIDENTIALITY),
        ("integrity", _CRITICALITY),
        ("availability", _CRITICALITY),
    ):
        if asset.get(name) is None:
            continue
        rating = _value(asset[name])
        if rating in scale:
            ratings.append(scale.index(rating) + 1)
        else:
            builder.warn((*path, name), f"unknown {name} rating {rating!r}: not counted")
    return max(ratings) if ratings else None


def _owner(path: Path, asset: Mapping[str, Any], builder: ModelBuilder) -> str | None:
    owner = asset.get("owner")
    if owner is None or (isinstance(owner, str) and not owner.strip()):
        return None
    if isinstance(owner, str) and len(owner.strip().splitlines()) == 1:
        return _clean(owner)
    builder.warn((*path, "owner"), "owner is not one line naming a team or person: not carried")
    return None


def _asset_properties(
    path: Path, asset: Mapping[str, Any], placed: _Placed, context: _Context
) -> dict[str, Any]:
    builder = context.builder
    asset_id = str(asset["id"])
    properties: dict[str, Any] = {"threagile_id": asset_id, "technology": placed.technology}
    if len(placed.technologies) > 1:
        properties["technologies"] = placed.technologies
    if asset.get("description"):
        properties["description"] = _clean(str(asset["description"]))
    for name in _ASSET_FIELDS:
        value = asset.get(name)
        properties[name] = _clean(value) if isinstance(value, str) else value
    for name in ("data_assets_processed", "data_assets_stored"):
        properties[name] = context.data_names((*path, name), asset.get(name))
    if asset_id in context.boundaries:
        properties["trust_boundary"] = context.boundaries[asset_id]
    for key, value in asset.items():
        if key not in _ASSET_HANDLED:
            builder.warn((*path, key), f"unknown technical asset field {key!r}: kept in properties")
            properties[str(key)] = value
    return _drop_empty(properties)


# -- shared runtimes ------------------------------------------------------------------------------
def _add_runtime(path: Path, title: str, runtime: Mapping[str, Any], context: _Context) -> None:
    builder = context.builder
    runtime_id = str(runtime["id"])
    key = runtime_id if runtime_id not in context.asset_ids else f"shared-runtime:{runtime_id}"
    running = [str(item) for item in _as_list(runtime.get("technical_assets_running"))]
    machines = {
        _value(context_asset.get("machine"))
        for context_asset in _assets_by_id(builder.document.data, running)
    }
    kind = {"container": "cluster", "serverless": "serverless"}.get(
        machines.pop() if len(machines) == 1 else "", "host"
    )
    properties = {
        "threagile_id": runtime_id,
        "description": _clean(str(runtime.get("description") or "")),
    }
    builder.component(
        path,
        key=key,
        name=_clean(title),
        layer="L4",
        kind=kind,
        source_type="shared-runtime",
        tags=[str(tag) for tag in _as_list(runtime.get("tags"))],
        properties=_drop_empty(properties),
    )
    for index, asset_id in enumerate(running):
        item_path = (*path, "technical_assets_running", index)
        builder.flow(item_path, key, asset_id, "hosts", label="runs")


def _assets_by_id(data: Mapping[str, Any], ids: Iterable[str]) -> list[Mapping[str, Any]]:
    wanted = set(ids)
    return [asset for asset in data["technical_assets"].values() if asset["id"] in wanted]


# -- communication links --------------------------------------------------------------------------
def _plan_link(
    path: Path, source: str, title: str, link: Mapping[str, Any], context: _Context
) -> dict[str, Any]:
    """Queue the flows of one link and return the link as recorded in properties."""
    builder = context.builder
    target = str(link["target"])
    protocol = _checked(path, link, "protocol", _PROTOCOLS, builder)
    authentication = _checked(path, link, "authentication", _AUTHENTICATION, builder)
    authorization = _checked(path, link, "authorization", _AUTHORIZATION, builder)
    vpn = _flag(path, link, "vpn", builder)
    ip_filtered = _flag(path, link, "ip_filtered", builder)
    readonly = _flag(path, link, "readonly", builder)
    sent = context.data_names((*path, "data_assets_sent"), link.get("data_assets_sent"))
    received = context.data_names((*path, "data_assets_received"), link.get("data_assets_received"))
    controls: set[str] = set()
    if protocol in _ENCRYPTED_PROTOCOLS or vpn:
        controls.add("encryption-in-transit")
    if authentication in _STRONG_AUTHENTICATION:
        controls.add("channel-authentication")
    if ip_filtered:
        controls.add("network-segmentation")
    label = _clean(title)
    placed = context.placements.get(target)
    layer = placed.layer if placed else ""
    if protocol == "container-spawning":
        context.plan(path, source, target, "hosts", label, set())
    elif layer == "L5":
        context.plan(path, source, target, "telemetry", label, controls)
    elif (placed and placed.asset_type == "datastore") or layer == "L2":
        if sent or not readonly:
            context.plan(path, source, target, "data", label, controls)
        if received or readonly:
            context.plan(path, target, source, "data", label, controls)
    else:
        context.plan(path, source, target, "invokes", label, controls)
    for key in link:
        if key not in _LINK_FIELDS:
            builder.warn((*path, key), f"unknown link field {key!r}: kept in properties")
    record = {
        "target": target,
        "description": _clean(str(link.get("description") or "")),
        "protocol": protocol,
        "identity_check": authentication,
        "permission_check": authorization,
        "vpn": vpn,
        "ip_filtered": ip_filtered,
        "readonly": readonly,
        "usage": _value(link.get("usage")),
        "data_sent": sent,
        "data_received": received,
        "tags": _as_list(link.get("tags")),
        **{str(key): value for key, value in link.items() if key not in _LINK_FIELDS},
    }
    return _drop_empty(record)


# -- small helpers ---------------------------------------------------------------------------------
def _value(value: Any) -> str:
    """An enumeration value as Threagile compares it: trimmed, case-insensitive."""
    return "" if value is None else str(value).strip().lower()


def _checked(
    path: Path, element: Mapping[str, Any], name: str, allowed: Iterable[str], builder: ModelBuilder
) -> str:
    value = _value(element.get(name))
    if value and value not in allowed:
        builder.warn((*path, name), f"unknown {name} {value!r}: recorded, not counted")
    return value


def _flag(path: Path, element: Mapping[str, Any], name: str, builder: ModelBuilder) -> bool:
    value = element.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    builder.warn((*path, name), f"{name} must be true or false, got {value!r}: read as false")
    return False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]


def _drop_empty(values: Mapping[str, Any]) -> dict[str, Any]:
    """Leave out unset, false and empty values so properties say only what the file says."""
    return {k: v for k, v in values.items() if v not in (None, False, "", [], {})}


def _clean(text: str) -> str:
    """Text for names and descriptions: HTML tags dropped, blanks folded, and every word that
    looks like a credential (a token pasted into a description) hidden.

    Examples
    --------
    >>> _clean("Some <b>demo</b>   text, key ghp_" + "a" * 36)
    'Some demo text, key <redacted>'
    """
    words = _HTML_TAG.sub("", text).split()
    return " ".join(
        REDACTED if looks_like_credential("", word.strip("()[]{}<>,;:'\"")) else word
        for word in words
    )


def _system_description(data: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for section in ("application_description", "technical_overview", "business_overview"):
        overview = data.get(section)
        if isinstance(overview, Mapping) and overview.get("description"):
            parts.append(_clean(str(overview["description"])))
            break
    if data.get("business_criticality"):
        parts.append(f"Business criticality: {_value(data['business_criticality'])}.")
    parts.append("Imported from Threagile.")
    return " ".join(parts)


def _placement_for(technology: str) -> tuple[str, str] | None:
    """The layer and kind of a Threagile technology (or alias), or None when unknown.

    Examples
    --------
    >>> _placement_for("web-app")
    ('L4', 'web_service')
    >>> _placement_for("ml")
    ('L1', 'foundation_model')
    """
    name = _value(technology)
    return _BY_TECHNOLOGY.get(_ALIASES.get(name, name))


def known_technologies() -> Sequence[str]:
    """Every technology name the importer places (canonical names, sorted)."""
    return sorted(_BY_TECHNOLOGY)


__all__ = ["FORMAT", "convert", "detect", "known_technologies"]
