"""OWASP Threat Dragon v2 JSON: the data-flow diagrams of a threat model as a maestro-graph model.

Threat Dragon saves a threat model as one JSON file: a ``summary`` (title, owner, description)
and ``detail.diagrams``, each diagram holding the drawn shapes as ``cells``. A cell names its
element type in ``data.type`` (and ``shape``) and keeps the element's Threat Dragon properties
(name, description, out-of-scope, threats, tick boxes) under ``data``. Files saved by Threat
Dragon 1.x (cells under ``diagrams[].diagramJson.cells``, properties on the cell itself, names in
``attrs.text.text``) are read the same way.

Mapping
-------
Elements (actors, processes, stores) become components; the first row of a type whose words
appear in the element's name (or, when the name has none, in the first six words of its
description, where a description says what the element is; later words name its neighbours as
often) decides its layer and kind. ``--mapping`` overrides this by cell id, element name
(blanks and line breaks count as one space) or type (``tm.Process``).

================  ==============================================  ========================
Element type      Words in the name, or tick box                  Layer, kind
================  ==============================================  ========================
``tm.Actor``      *Provides authentication* ticked                L6 ``iam``
``tm.Actor``      agent, assistant, bot, copilot (not "user       L7 ``external_agent``
                  agent")
``tm.Actor``      LLM, GPT, language model, AI service/API,       L7 ``ai_service_api``
                  OpenAI, Anthropic
``tm.Actor``      API, service, server, system, SaaS, third       L7 ``external_api``
                  party, webhook, backend
``tm.Actor``      admin, administrator, operator, sysadmin,       L7 ``operator``
                  devops
``tm.Actor``      anything else                                   L7 ``user``
``tm.Process``    gateway, proxy, load balancer, WAF, CDN,        L4 ``api_gateway``
                  ingress
``tm.Process``    MCP, MCP server                                 L7 ``mcp_server``
``tm.Process``    agent, assistant, bot, copilot (not "user       L3 ``agent``
                  agent")
``tm.Process``    orchestrator, orchestration                     L3 ``orchestrator``
``tm.Process``    tool, plugin, extension                         L3 ``tool``
``tm.Process``    embedding, embedder                             L1 ``embedding_model``
``tm.Process``    LLM, GPT, model, language model, inference,     L1 ``foundation_model``
                  Claude, Gemini, Llama
``tm.Process``    RAG, retrieval, retriever                       L2 ``rag_pipeline``
``tm.Process``    auth, identity, SSO, OAuth, IdP, IAM, login     L6 ``iam``
``tm.Process``    guardrail                                       L6 ``guardrail``
``tm.Process``    anything else                                   L4 ``web_service``
``tm.Store``      *Stores credentials* ticked                     L4 ``secret_store``
``tm.Store``      audit                                           L6 ``audit_log``
``tm.Store``      log, logging, journal                           L5 ``logger``
``tm.Store``      secret, vault, credential, password, token,     L4 ``secret_store``
                  KMS, key store, key (not "key-value")
``tm.Store``      vector, embedding                               L2 ``vector_store``
``tm.Store``      memory                                          L2 ``memory_store``
``tm.Store``      knowledge, KB, wiki                             L2 ``knowledge_base``
``tm.Store``      dataset, training data                          L2 ``dataset``
``tm.Store``      queue, topic, stream, Kafka, bus                L2 ``data_pipeline``
``tm.Store``      document, docs, file, bucket, blob, S3, share   L2 ``document_source``
``tm.Store``      database, DB, SQL, table, cache                 L2 ``database``
``tm.Store``      *Is a log* ticked (and no word above)           L5 ``logger``
``tm.Store``      anything else                                   L2 ``database``
``tm.Flow``       every flow (the arrow is the data's direction)  a ``data`` flow
================  ==============================================  ========================

A store's name beats its *Is a log* tick box because Threat Dragon's own demo ticks it on its
"Database"; *Stores credentials* beats the name because a credential store is what an attacker
wants, whatever it is called.

Exposure and trust
------------------
- An in-scope actor is an external entity: exposure ``public``, trust ``untrusted`` (an identity
  provider actor: ``partner``, ``untrusted``). Processes and stores start ``internal``,
  ``trusted``.
- A flow with *Public network* ticked makes its **target** ``public`` (both ends when
  bidirectional): whoever is on that network can send the target data or tamper with it on
  the way. The sender is not made public: sending over the internet does not make a component
  reachable from it.
- Trust boundary boxes: an element whose centre lies inside a box is inside that boundary;
  ``properties.trust_boundary`` names the innermost box and ``enclosing_boundaries`` the outer
  ones, and an element of a diagram with boxes that lies in none has
  ``outside_trust_boundaries: true``. The innermost box's name decides two cases for the
  processes and stores in it:

  - a zone the owner does not run -- internet, external, untrusted, third party, client(s),
    customer, user, player, local machine -- makes them ``public`` and ``untrusted`` (a
    customer's browser code or a player's game client is the attacker's to change);
  - an internet-facing zone the owner runs -- public (but not "public cloud"), DMZ, perimeter,
    edge, WAN -- makes them ``public``.

  Lying outside every box changes nothing by itself: actors are already entry points, and a
  process drawn outside a box is as often the system itself as a third party.
- Trust boundary curves are lines, not areas: they cannot tell which side an element is on, so
  each is a warning.
- ``outOfScope: true``: the element is kept with the tag ``out-of-scope`` (and
  ``properties.out_of_scope_reason``) and takes part in chains like any other component, since
  an attacker ignores the modeller's scope; an out-of-scope actor is not an entry point
  (``internal``, ``trusted``) unless a public-network flow reaches it. Out-of-scope flows are
  kept too, and marked in the target's ``properties.inbound_flows``.

Controls and properties
-----------------------
- Flow *Encrypted* -> ``encryption-in-transit`` on the flow; store *Encrypted* ->
  ``encryption-at-rest``; store *Signed* -> ``integrity-checks``.
- A threat with status ``Mitigated`` whose title or mitigation text names a catalog control (its
  id or its name, e.g. "network segmentation") puts that control on the element (or the flow).
  Every threat is kept in ``properties.threats`` (a flow's in its target's
  ``properties.inbound_flows``); open threats and mitigated ones that name no catalog control
  are one warning per element.
- *Stores credentials* or *Handles card payment* -> criticality 5. Open threats -> the tag
  ``open-threats``. The protocol goes into the flow's label (``Web Request (HTTP/S)``).
- Every other ticked box is listed in ``properties.flags`` (e.g. ``isWebApplication``) and every
  other non-empty field is kept under its snake-case name (``privilege_level``); boxes left
  unticked and empty fields are Threat Dragon's defaults and are not repeated.
- Flows carry only a kind, a label and controls: a flow's other fields (description,
  out-of-scope, public network, threats) are kept on its target component in
  ``properties.inbound_flows``. Several flows between the same two elements become one flow
  whose label joins theirs; its controls are those all of them have.
- A flow end left loose (a point, not attached to a cell) is attached, with a warning, to the
  element whose shape it lies on or within 20 diagram units of, when one element is nearest:
  Threat Dragon's own demo draws its "Web Request" from a point 10 units beside the Browser.
  Other loose ends, and ends naming unknown cells, boundaries or text, skip the flow with a
  warning. Text blocks are warnings.
- Every diagram is imported; an element drawn in two diagrams is two components (the diagram
  title is in ``properties.diagram``). Ids come from the names and are unique.
- ``summary.title`` and ``summary.description`` name and describe the system; the summary's
  owner and the reviewer and contributors are one warning (a model has no place for them).

Examples
--------
>>> default_placement("tm.Process", "Customer support agent")
('L3', 'agent')
>>> default_placement("tm.Store", "Worker Config", flags=("storesCredentials",))
('L4', 'secret_store')
>>> default_placement("tm.Actor", "Anonymous WWW user-agent")
('L7', 'user')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from maestro_graph.catalog import Catalog
from maestro_graph.io.importers.base import (
    ImportFormat,
    ImportResult,
    ModelBuilder,
    json_pointer,
    redacted,
)
from maestro_graph.model.loading import Document
from maestro_graph.support.errors import MaestroInputError

NAME = "threat-dragon"
TITLE = "OWASP Threat Dragon v2"

Path_ = tuple[str | int, ...]
#: A shape's rectangle: left, top, width, height.
Rect = tuple[float, float, float, float]

ACTOR, PROCESS, STORE, FLOW = "tm.Actor", "tm.Process", "tm.Store", "tm.Flow"
BOX, CURVE, TEXT = "tm.BoundaryBox", "tm.Boundary", "tm.Text"
ELEMENT_TYPES = (ACTOR, PROCESS, STORE)

#: Element types by shape name, for cells without ``data.type`` (the misspelt curve is real:
#: Threat Dragon's own test model has it).
_TYPE_OF_SHAPE: Mapping[str, str] = MappingProxyType(
    {
        "actor": ACTOR,
        "process": PROCESS,
        "store": STORE,
        "flow": FLOW,
        "trust-boundary-box": BOX,
        "trust-boundary-curve": CURVE,
        "trust-broundary-curve": CURVE,
        "td-text-block": TEXT,
    }
)

#: Fields read into the model itself rather than kept as properties.
_CONSUMED = frozenset(
    {"type", "name", "description", "threats", "outOfScope", "reasonOutOfScope", "isTrustBoundary"}
)
#: Drawing fields of a cell (Threat Dragon 1.x keeps them beside the element's properties).
_GEOMETRY = frozenset(
    {
        "id",
        "shape",
        "size",
        "position",
        "angle",
        "z",
        "zIndex",
        "attrs",
        "ports",
        "smooth",
        "source",
        "target",
        "vertices",
        "labels",
        "markup",
        "visible",
        "connector",
        "router",
        "width",
        "height",
        "data",
        "tools",
    }
)
#: How far (in diagram units) a loose flow end may lie from a shape and still be drawn on it.
_TOUCH_MARGIN = 20.0
_MAX_TEXT = 500
#: How many opening words of a description the placement rules read.
_DESCRIPTION_WORDS = 6


@dataclass(frozen=True)
class _Rule:
    """Words in an element's name that place it on a layer and kind."""

    words: re.Pattern[str]
    layer: str
    kind: str


def _rule(words: str, layer: str, kind: str) -> _Rule:
    return _Rule(re.compile(rf"\b(?:{words})\b", re.IGNORECASE), layer, kind)


_AGENT_WORDS = r"agents?|assistants?|chat ?bots?|bots?|copilots?"
_ACTOR_RULES = (
    _rule(_AGENT_WORDS, "L7", "external_agent"),
    _rule(
        r"llms?|gpt[\w.-]*|language models?|ai (?:services?|apis?)|openai|anthropic",
        "L7",
        "ai_service_api",
    ),
    _rule(
        r"apis?|services?|servers?|systems?|saas|third[- ]party|webhooks?|backends?",
        "L7",
        "external_api",
    ),
    _rule(r"admins?|administrators?|operators?|sysadmins?|devops", "L7", "operator"),
)
_PROCESS_RULES = (
    _rule(r"gateways?|prox(?:y|ies)|load[- ]?balancers?|waf|cdn|ingress", "L4", "api_gateway"),
    _rule(r"mcp(?:[- ]servers?)?", "L7", "mcp_server"),
    _rule(_AGENT_WORDS, "L3", "agent"),
    _rule(r"orchestrat\w*", "L3", "orchestrator"),
    _rule(r"tools?|plugins?|extensions?", "L3", "tool"),
    _rule(r"embeddings?|embedders?", "L1", "embedding_model"),
    _rule(
        r"llms?|gpt[\w.-]*|language models?|models?|inference|claude|gemini|llama[\w.-]*",
        "L1",
        "foundation_model",
    ),
    _rule(r"rag|retrieval|retrievers?", "L2", "rag_pipeline"),
    _rule(r"auth\w*|identity|sso|oauth\w*|idp|iam|login", "L6", "iam"),
    _rule(r"guardrails?", "L6", "guardrail"),
)
_STORE_RULES = (
    _rule(r"audit\w*", "L6", "audit_log"),
    _rule(r"logs?|logging|journals?", "L5", "logger"),
    _rule(
        r"secrets?|vaults?|credentials?|passwords?|tokens?|kms|key ?stores?|keychains?|"
        r"keys?(?![- ]?values?)",
        "L4",
        "secret_store",
    ),
    _rule(r"vectors?|embeddings?", "L2", "vector_store"),
    _rule(r"memory|memories", "L2", "memory_store"),
    _rule(r"knowledge|kb|wiki", "L2", "knowledge_base"),
    _rule(r"datasets?|training data", "L2", "dataset"),
    _rule(r"queues?|topics?|streams?|kafka|bus", "L2", "data_pipeline"),
    _rule(r"documents?|docs|files?|buckets?|blobs?|s3|shares?", "L2", "document_source"),
    _rule(r"databases?|dbs?|sql\w*|tables?|cache", "L2", "database"),
)
_DEFAULT_PLACEMENT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {ACTOR: ("L7", "user"), PROCESS: ("L4", "web_service"), STORE: ("L2", "database")}
)
_NOT_AN_AGENT = re.compile(r"\buser[- ]?agents?\b", re.IGNORECASE)
#: Boundary names for zones the system's owner does not run (the internet, a customer's or
#: player's machine, a third party): what is drawn there is public and attacker-controlled.
_UNTRUSTED_ZONE = re.compile(
    r"\b(?:internet|external|untrusted|third[- ]party|3rd[- ]party|clients?|client[- ]side|"
    r"customers?|users?|players?|local machines?)\b",
    re.IGNORECASE,
)
#: Boundary names for zones the owner runs but faces the internet: what is drawn there is public.
_PUBLIC_ZONE = re.compile(r"\b(?:public|dmz|perimeter|edge|wan)\b", re.IGNORECASE)
_NOT_A_PUBLIC_ZONE = re.compile(r"\bpublic[- ]cloud\b", re.IGNORECASE)


def default_placement(
    element_type: str, name: str, description: str = "", flags: Iterable[str] = ()
) -> tuple[str, str]:
    """The layer and kind this importer gives an element before any ``--mapping``.

    Parameters
    ----------
    element_type : str
        ``tm.Actor``, ``tm.Process`` or ``tm.Store``.
    name, description : str
        The element's name and description; the first six words of the description count only
        when the name matches no rule.
    flags : iterable of str
        The element's ticked boxes (``storesCredentials``, ``isALog``,
        ``providesAuthentication``).

    Examples
    --------
    >>> default_placement("tm.Process", "LLM gateway")
    ('L4', 'api_gateway')
    >>> default_placement("tm.Store", "Database", flags=("isALog",))
    ('L2', 'database')
    >>> default_placement("tm.Actor", "Okta", flags=("providesAuthentication",))
    ('L6', 'iam')
    """
    ticked = set(flags)
    if element_type == ACTOR and "providesAuthentication" in ticked:
        return "L6", "iam"
    if element_type == STORE and "storesCredentials" in ticked:
        return "L4", "secret_store"
    rules = {ACTOR: _ACTOR_RULES, PROCESS: _PROCESS_RULES, STORE: _STORE_RULES}[element_type]
    # A description says what the element is in its first words ("Vector database of
    # manuals"); later words name its neighbours as often ("... sends prompts to the LLM").
    opening = " ".join(description.split()[:_DESCRIPTION_WORDS])
    for text in (name, opening):
        words = _NOT_AN_AGENT.sub(" ", " ".join(text.split()))
        for rule in rules:
            if rule.words.search(words):
                return rule.layer, rule.kind
    if element_type == STORE and "isALog" in ticked:
        return "L5", "logger"
    return _DEFAULT_PLACEMENT[element_type]


# -- reading cells -------------------------------------------------------------------------


@dataclass(frozen=True)
class _End:
    """One end of a flow or curve: an attached cell or a loose point."""

    cell: str | None = None
    point: tuple[float, float] | None = None


@dataclass(frozen=True)
class _Cell:
    """One drawn shape, read the same way from 1.x and 2.x files."""

    path: Path_
    props_path: Path_
    key: str
    cell_id: str
    type: str
    name: str
    diagram: str
    properties: Mapping[str, Any]
    rect: Rect | None
    ends: tuple[_End, _End] = (_End(), _End())

    @property
    def description(self) -> str:
        return _text(self.properties.get("description"))

    @property
    def flags(self) -> tuple[str, ...]:
        """The ticked boxes: the Threat Dragon fields that are ``true``."""
        return tuple(
            key for key, value in self.properties.items() if value is True and key not in _CONSUMED
        )

    @property
    def out_of_scope(self) -> bool:
        return self.properties.get("outOfScope") is True

    def label(self) -> str:
        """How a warning names the cell."""
        return repr(self.name) if self.name else f"cell {self.cell_id!r}"


@dataclass
class _Diagram:
    index: int
    title: str
    cells: list[_Cell]

    def by_id(self) -> dict[str, _Cell]:
        """The diagram's cells by their Threat Dragon id."""
        return {cell.cell_id: cell for cell in self.cells}


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _dig(data: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(data, Mapping):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and len(data) > key:
            data = data[key]
        else:
            return None
    return data


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _rect(raw: Mapping[str, Any]) -> Rect | None:
    x, y = _number(_dig(raw, "position", "x")), _number(_dig(raw, "position", "y"))
    width, height = _number(_dig(raw, "size", "width")), _number(_dig(raw, "size", "height"))
    if x is None or y is None or width is None or height is None:
        return None
    return x, y, width, height


def _end(raw: Any) -> _End:
    if not isinstance(raw, Mapping):
        return _End()
    cell = raw.get("cell", raw.get("id"))
    if isinstance(cell, str) and cell:
        return _End(cell=cell)
    x, y = _number(raw.get("x")), _number(raw.get("y"))
    return _End(point=(x, y)) if x is not None and y is not None else _End()


def _cell_name(raw: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    candidates = [
        properties.get("name"),
        _dig(raw, "attrs", "text", "text"),
        _dig(raw, "attrs", "label", "text"),
        _dig(raw, "labels", 0, "attrs", "labelText", "text"),
        _dig(raw, "labels", 0, "attrs", "text", "text"),
    ]
    return next((_text(c) for c in candidates if _text(c)), "")


def _read_cell(
    raw: Mapping[str, Any], path: Path_, legacy: bool, ids: tuple[str, str], diagram: str
) -> _Cell:
    """One cell; ``ids`` are its Threat Dragon id and its key for this import."""
    if legacy:
        properties: Mapping[str, Any] = {k: v for k, v in raw.items() if k not in _GEOMETRY}
        props_path, cell_type = path, _text(raw.get("type"))
    else:
        data = raw.get("data")
        properties = data if isinstance(data, Mapping) else {}
        props_path = (*path, "data")
        cell_type = _text(properties.get("type")) or _TYPE_OF_SHAPE.get(_text(raw.get("shape")), "")
    return _Cell(
        path=path,
        props_path=props_path,
        key=ids[1],
        cell_id=ids[0],
        type=cell_type or _text(raw.get("shape")) or "(no type)",
        name=_cell_name(raw, properties),
        diagram=diagram,
        properties=properties,
        rect=_rect(raw),
        ends=(_end(raw.get("source")), _end(raw.get("target"))),
    )


def _json_type(value: Any) -> str:
    """What JSON calls a parsed value's type (an object, not a dict)."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "null" if value is None else "a number"


def _refuse(document: Document, path: Path_, message: str) -> MaestroInputError:
    pointer = json_pointer(path) or "/"
    return MaestroInputError([document.problem(path, f"{message} (at {pointer})")])


def _diagrams(document: Document, builder: ModelBuilder) -> list[_Diagram]:
    """Every diagram's cells; a file of the wrong shape is refused with the place it breaks."""
    if not isinstance(document.data, Mapping):
        raise _refuse(
            document, (), "a Threat Dragon model is a JSON object with 'summary' and 'detail'"
        )
    detail = document.data.get("detail")
    if not isinstance(detail, Mapping):
        raise _refuse(document, ("detail",), "'detail' must be an object holding 'diagrams'")
    diagrams = detail.get("diagrams")
    if diagrams is None:
        raise _refuse(
            document,
            ("detail",),
            "detail.diagrams is missing: a Threat Dragon v2 model lists its diagrams there",
        )
    if not isinstance(diagrams, list):
        raise _refuse(
            document,
            ("detail", "diagrams"),
            f"detail.diagrams must be a list of diagrams, not {_json_type(diagrams)}",
        )
    read: list[_Diagram] = []
    seen_ids: set[str] = set()
    for index, diagram in enumerate(diagrams):
        found = _raw_cells(document, builder, diagram, index)
        if found is None:
            continue
        title, cells, cells_path, legacy = found
        read.append(_Diagram(index, title, []))
        for position, raw in enumerate(cells):
            cell_path = (*cells_path, position)
            if not isinstance(raw, Mapping):
                builder.warn(cell_path, f"cell is {_json_type(raw)}, not an object; skipped")
                continue
            cell_id = str(raw.get("id", f"cell-{index}-{position}"))
            # A cell id is the element's key for --mapping; ids repeat only across copied
            # diagrams, where the diagram's index and the cell's position keep the keys apart.
            key = cell_id if cell_id not in seen_ids else f"{index}:{position}:{cell_id}"
            seen_ids.add(key)
            read[-1].cells.append(_read_cell(raw, cell_path, legacy, (cell_id, key), title))
    return read


def _raw_cells(
    document: Document, builder: ModelBuilder, diagram: Any, index: int
) -> tuple[str, list[Any], Path_, bool] | None:
    """A diagram's title, its cells as saved, where they are and whether the file is 1.x."""
    path: Path_ = ("detail", "diagrams", index)
    if not isinstance(diagram, Mapping):
        raise _refuse(document, path, "a diagram must be an object with 'cells'")
    title = _text(diagram.get("title")) or f"diagram {index + 1}"
    if "cells" in diagram:
        cells, cells_path, legacy = diagram["cells"], (*path, "cells"), False
    elif "diagramJson" in diagram:
        drawing = diagram["diagramJson"]
        if not isinstance(drawing, Mapping):
            raise _refuse(document, (*path, "diagramJson"), "diagramJson must be an object")
        cells, cells_path, legacy = drawing.get("cells", []), (*path, "diagramJson", "cells"), True
    else:
        builder.warn(path, f"diagram {title!r} has no cells (nothing is drawn in it)")
        return None
    if not isinstance(cells, list):
        raise _refuse(
            document,
            cells_path,
            f"the cells of diagram {title!r} must be a list, not {_json_type(cells)}",
        )
    return title, cells, cells_path, legacy


# -- geometry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Zone:
    name: str
    rect: Rect

    @property
    def area(self) -> float:
        return self.rect[2] * self.rect[3]

    def holds(self, x: float, y: float) -> bool:
        left, top, width, height = self.rect
        return left <= x <= left + width and top <= y <= top + height

    @property
    def is_untrusted(self) -> bool:
        return bool(_UNTRUSTED_ZONE.search(self.name))

    @property
    def is_public(self) -> bool:
        return self.is_untrusted or bool(
            _PUBLIC_ZONE.search(_NOT_A_PUBLIC_ZONE.sub(" ", self.name))
        )


def _centre(rect: Rect) -> tuple[float, float]:
    return rect[0] + rect[2] / 2, rect[1] + rect[3] / 2


def _zones(builder: ModelBuilder, diagram: _Diagram) -> list[_Zone]:
    zones: list[_Zone] = []
    boxes = [cell for cell in diagram.cells if cell.type == BOX]
    for number, box in enumerate(boxes, start=1):
        name = box.name or f"trust boundary {number}"
        if box.rect is None:
            builder.warn(
                box.path,
                f"trust boundary box {name!r} has no position and size: "
                "what it contains is unknown",
            )
            continue
        zones.append(_Zone(name, box.rect))
    return zones


def _containing(cell: _Cell, zones: Sequence[_Zone]) -> list[_Zone]:
    """The boxes around the element's centre, innermost (smallest) first."""
    if cell.rect is None:
        return []
    x, y = _centre(cell.rect)
    return sorted((zone for zone in zones if zone.holds(x, y)), key=lambda zone: zone.area)


def _boundary_properties(inside: Sequence[_Zone], diagram_has_boxes: bool) -> dict[str, Any]:
    if not inside:
        return {"outside_trust_boundaries": True} if diagram_has_boxes else {}
    found: dict[str, Any] = {"trust_boundary": inside[0].name}
    if len(inside) > 1:
        found["enclosing_boundaries"] = [zone.name for zone in inside[1:]]
    return found


# -- threats and controls ------------------------------------------------------------------


def _token_text(text: str) -> str:
    return "-" + re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") + "-"


def named_controls(text: str, catalog: Catalog, placement: str = "component") -> list[str]:
    """Ids of the catalog controls that ``text`` names by id or by name, placeable there.

    Examples
    --------
    >>> from maestro_graph.catalog import load_catalog
    >>> named_controls("Added network segmentation and TLS (encryption-in-transit).",
    ...                load_catalog(), "flow")
    ['encryption-in-transit', 'network-segmentation']
    """
    tokens = _token_text(text)
    found = []
    for control_id, control in catalog.controls.items():
        if placement not in control.placement:
            continue
        if _token_text(control_id) in tokens or _token_text(control.name) in tokens:
            found.append(control_id)
    return sorted(found)


def _short(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()[:_MAX_TEXT]
    if isinstance(value, Mapping):
        return {str(k): _short(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(item) for item in value]
    return value


@dataclass
class _Threats:
    """An element's threats as kept, and the controls its mitigated ones name."""

    kept: list[Any] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    open: int = 0
    unmatched: int = 0


def _read_threats(builder: ModelBuilder, cell: _Cell, placement: str) -> tuple[_Threats, Path_]:
    threats, path = _Threats(), (*cell.props_path, "threats")
    raw = cell.properties.get("threats")
    if raw is None:
        return threats, path
    if not isinstance(raw, list):
        builder.warn(path, f"threats of {cell.label()} are not a list; kept as text")
        threats.kept.append(_short(str(raw)))
        return threats, path
    for threat in raw:
        if not isinstance(threat, Mapping):
            threats.kept.append(_short(threat))
            threats.unmatched += 1
            continue
        entry = {_snake(str(key)): _short(value) for key, value in threat.items()}
        status = _text(threat.get("status")).casefold()
        if status == "mitigated":
            text = f"{_text(threat.get('title'))} {_text(threat.get('mitigation'))}"
            controls = named_controls(text, builder.catalog, placement)
            if controls:
                entry["controls"] = controls
                threats.controls.extend(controls)
            else:
                threats.unmatched += 1
        elif status in {"open", ""}:
            threats.open += 1
        threats.kept.append(entry)
    return threats, path


def _warn_threats(builder: ModelBuilder, path: Path_, threats: _Threats, where: str) -> None:
    if threats.open or threats.unmatched:
        builder.warn(
            path,
            f"{len(threats.kept)} threat(s) kept in {where}: {threats.open} open, "
            f"{threats.unmatched} mitigated by text that names no catalog control",
        )


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace("-", "_").lower()


def _extra_properties(cell: _Cell) -> dict[str, Any]:
    """The element's other Threat Dragon fields: ticked boxes as flags, the rest by name."""
    extra: dict[str, Any] = {}
    flags = list(cell.flags)
    if flags:
        extra["flags"] = flags
    for key, value in cell.properties.items():
        if key in _CONSUMED or isinstance(value, bool) or value in (None, "", [], {}):
            continue
        extra[_snake(key)] = _short(value)
    return extra


def _control_if_known(builder: ModelBuilder, control_id: str, placement: str) -> list[str]:
    control = builder.catalog.controls.get(control_id)
    return [control_id] if control is not None and placement in control.placement else []


# -- flows ---------------------------------------------------------------------------------


@dataclass
class _Pending:
    """Flows between the same two elements, merged into one."""

    path: Path_
    labels: list[str] = field(default_factory=list)
    controls: list[set[str]] = field(default_factory=list)


@dataclass
class _Plan:
    """What the flows say about the elements, gathered before the components are made."""

    public: set[str] = field(default_factory=set)
    inbound: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    flows: dict[tuple[str, str], _Pending] = field(default_factory=dict)


def _attach(
    builder: ModelBuilder, flow: _Cell, end: _End, role: str, cells: Mapping[str, _Cell]
) -> _Cell | None:
    """The element a flow end belongs to, or None with a warning saying why."""
    where = (*flow.path, role)
    if end.cell is not None:
        target = cells.get(end.cell)
        if target is None:
            builder.warn(
                where,
                f"flow {flow.label()}: its {role} refers to unknown cell "
                f"{end.cell!r}; flow skipped",
            )
        elif target.type not in ELEMENT_TYPES:
            builder.warn(
                where,
                f"flow {flow.label()}: its {role} is a {target.type} cell, not an "
                "actor, process or store; flow skipped",
            )
            target = None
        return target
    if end.point is None:
        builder.warn(where, f"flow {flow.label()} has no {role}; flow skipped")
        return None
    x, y = end.point
    nearest = _nearest_element(cells.values(), x, y)
    if nearest is not None:
        builder.warn(
            where,
            f"flow {flow.label()}: its loose {role} end at ({x:g}, {y:g}) lies on "
            f"{nearest.label()}; attached to it",
        )
        return nearest
    builder.warn(
        where,
        f"flow {flow.label()}: its {role} end at ({x:g}, {y:g}) is not attached "
        "to an element; flow skipped",
    )
    return None


def _distance(rect: Rect, x: float, y: float) -> float:
    left, top, width, height = rect
    dx = max(left - x, 0.0, x - (left + width))
    dy = max(top - y, 0.0, y - (top + height))
    return (dx * dx + dy * dy) ** 0.5


def _nearest_element(cells: Iterable[_Cell], x: float, y: float) -> _Cell | None:
    """The one element whose shape the point lies on or next to, if exactly one is nearest."""
    near = sorted(
        (_distance(cell.rect, x, y), index, cell)
        for index, cell in enumerate(cells)
        if cell.type in ELEMENT_TYPES
        and cell.rect is not None
        and _distance(cell.rect, x, y) <= _TOUCH_MARGIN
    )
    if not near or (len(near) > 1 and near[1][0] == near[0][0]):
        return None
    return near[0][2]


def _flow_label(flow: _Cell) -> str:
    protocol = _text(flow.properties.get("protocol"))
    if flow.name and protocol and protocol.casefold() not in flow.name.casefold():
        return f"{flow.name} ({protocol})"
    return flow.name or protocol


def _plan_flow(builder: ModelBuilder, flow: _Cell, cells: Mapping[str, _Cell], plan: _Plan) -> None:
    source = _attach(builder, flow, flow.ends[0], "source", cells)
    target = _attach(builder, flow, flow.ends[1], "target", cells)
    if source is None or target is None:
        return
    properties = flow.properties
    threats, threats_path = _read_threats(builder, flow, "flow")
    _warn_threats(
        builder, threats_path, threats, f"the target's properties.inbound_flows ({target.label()})"
    )
    controls = set(threats.controls)
    if properties.get("isEncrypted") is True:
        controls.update(_control_if_known(builder, "encryption-in-transit", "flow"))
    label = str(redacted(_flow_label(flow)))
    pairs = [(source, target)]
    if properties.get("isBidirectional") is True:
        pairs.append((target, source))
    for start, end in pairs:
        if properties.get("isPublicNetwork") is True:
            plan.public.add(end.key)
        pending = plan.flows.setdefault((start.key, end.key), _Pending(flow.path))
        if label and label not in pending.labels:
            pending.labels.append(label)
        pending.controls.append(controls)
        record = _inbound_record(flow, start, threats)
        if record:
            plan.inbound.setdefault(end.key, []).append(record)


def _inbound_record(flow: _Cell, source: _Cell, threats: _Threats) -> dict[str, Any]:
    """A flow's fields a model flow cannot hold, for its target's properties."""
    details = _extra_properties(flow)
    details.pop("protocol", None)
    flags = [f for f in details.pop("flags", []) if f not in {"isEncrypted", "isBidirectional"}]
    if flags:
        details["flags"] = flags
    if flow.description:
        details["description"] = _short(flow.description)
    if flow.out_of_scope:
        details["out_of_scope"] = True
        reason = _text(flow.properties.get("reasonOutOfScope"))
        if reason:
            details["out_of_scope_reason"] = _short(reason)
    if threats.kept:
        details["threats"] = threats.kept
    if not details:
        return {}
    return {"flow": flow.name or "(unnamed)", "from": source.name or source.cell_id, **details}


def _emit_flows(builder: ModelBuilder, plan: _Plan) -> None:
    for (source, target), pending in plan.flows.items():
        common = set.intersection(*pending.controls) if pending.controls else set()
        builder.flow(
            pending.path,
            source,
            target,
            "data",
            label="; ".join(pending.labels) or None,
            controls=common,
        )


# -- elements ------------------------------------------------------------------------------


def _exposure_and_trust(
    cell: _Cell, kind: str, inside: Sequence[_Zone], plan: _Plan
) -> tuple[str, str]:
    """Who can reach the element, by its type, scope, boundary box and public-network flows."""
    exposure, trust = "internal", "trusted"
    if cell.type == ACTOR:
        if not cell.out_of_scope:
            exposure, trust = ("partner" if kind == "iam" else "public"), "untrusted"
    elif inside and inside[0].is_public:
        exposure = "public"
        trust = "untrusted" if inside[0].is_untrusted else trust
    if cell.key in plan.public:
        exposure = "public"
    return exposure, trust


def _element_controls(builder: ModelBuilder, cell: _Cell, threats: _Threats) -> list[str]:
    controls = list(threats.controls)
    if cell.type == STORE and cell.properties.get("isEncrypted") is True:
        controls += _control_if_known(builder, "encryption-at-rest", "component")
    if cell.type == STORE and cell.properties.get("isSigned") is True:
        controls += _control_if_known(builder, "integrity-checks", "component")
    return controls


def _element_properties(
    cell: _Cell, inside: Sequence[_Zone], has_zones: bool, threats: _Threats, plan: _Plan
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "diagram": cell.diagram,
        **_boundary_properties(inside, has_zones and cell.rect is not None),
    }
    if cell.key in plan.public:
        properties["receives_from_public_network"] = True
    reason = _text(cell.properties.get("reasonOutOfScope"))
    if cell.out_of_scope and reason:
        properties["out_of_scope_reason"] = _short(reason)
    if threats.kept:
        properties["threats"] = threats.kept
    if cell.description:
        properties["description"] = _short(cell.description)
    if cell.key in plan.inbound:
        properties["inbound_flows"] = plan.inbound[cell.key]
    return {**properties, **_extra_properties(cell)}


def _add_element(builder: ModelBuilder, cell: _Cell, zones: Sequence[_Zone], plan: _Plan) -> None:
    layer, kind = default_placement(cell.type, cell.name, cell.description, cell.flags)
    inside = _containing(cell, zones)
    exposure, trust = _exposure_and_trust(cell, kind, inside, plan)
    threats, threats_path = _read_threats(builder, cell, "component")
    _warn_threats(builder, threats_path, threats, "properties.threats")
    tags = ["out-of-scope"] if cell.out_of_scope else []
    if threats.open or cell.properties.get("hasOpenThreats") is True:
        tags.append("open-threats")
    critical = {"storesCredentials", "handlesCardPayment"} & set(cell.flags)
    fallback_name = f"{cell.type.removeprefix('tm.').lower()} {cell.cell_id[:8]}"
    builder.component(
        cell.path,
        key=cell.key,
        name=str(redacted(cell.name)) or fallback_name,
        layer=layer,
        kind=kind,
        source_type=cell.type,
        exposure=exposure,
        trust=trust,
        criticality=5 if critical else None,
        controls=_element_controls(builder, cell, threats),
        tags=tags,
        properties=_element_properties(cell, inside, bool(zones), threats, plan),
    )


def _warn_other(builder: ModelBuilder, cell: _Cell) -> None:
    if cell.type == CURVE:
        name = f" {cell.name!r}" if cell.name else ""
        builder.warn(
            cell.path,
            f"trust boundary curve{name} is a line, not an area: which side "
            "an element is on cannot be told, so it changes no exposure",
        )
    elif cell.type == TEXT:
        builder.warn(cell.path, "text annotation not imported (it is not an element)")
    elif cell.type not in (BOX, FLOW, *ELEMENT_TYPES):
        builder.warn(
            cell.path, f"cell of type {cell.type!r} is not a Threat Dragon element; skipped"
        )


def _warn_summary(builder: ModelBuilder, data: Mapping[str, Any]) -> None:
    summary, detail = data.get("summary"), data.get("detail")
    dropped = [f"summary.{key}" for key in ("owner",) if _dig(summary, key)]
    dropped += [f"detail.{key}" for key in ("reviewer", "contributors") if _dig(detail, key)]
    if dropped:
        builder.warn(
            ("summary",),
            f"{', '.join(dropped)} not carried over (a model records "
            "only the system's name and description)",
        )


def _convert(document: Document, builder: ModelBuilder) -> ImportResult:
    data = document.data
    diagrams = _diagrams(document, builder)
    _warn_summary(builder, data)
    plan = _Plan()
    for diagram in diagrams:
        cells = diagram.by_id()
        for cell in diagram.cells:
            if cell.type == FLOW:
                _plan_flow(builder, cell, cells, plan)
    for diagram in diagrams:
        zones = _zones(builder, diagram)
        for cell in diagram.cells:
            if cell.type in ELEMENT_TYPES:
                _add_element(builder, cell, zones, plan)
            else:
                _warn_other(builder, cell)
    _emit_flows(builder, plan)
    return builder.result(
        _text(_dig(data, "summary", "title")) or builder.file_name,
        _text(_dig(data, "summary", "description")) or None,
    )


def detect(data: Any, file_name: str) -> bool:
    """True for a Threat Dragon model: a ``summary`` object beside a ``detail`` section.

    Examples
    --------
    >>> detect({"summary": {"title": "x"}, "detail": {"diagrams": []}}, "m.json")
    True
    >>> detect({"otmVersion": "0.2.0"}, "m.json")
    False
    """
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("summary"), Mapping)
        and ("detail" in data)
    )


FORMAT = ImportFormat(NAME, TITLE, detect, _convert)
