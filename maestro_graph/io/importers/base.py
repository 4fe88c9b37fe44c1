"""What every importer shares: a builder that turns foreign elements into a checked model.

An importer reads a file another tool wrote (a :class:`~maestro_graph.model.loading.Document`),
walks
its elements and hands each to a :class:`ModelBuilder`, which

- gives it a stable, valid component id (derived from the element's own id or name, made unique),
- applies the user's ``--mapping`` overrides (an element's name or id, then its type, chooses the
  layer and kind),
- records where it came from (``properties.source``: format, file and JSON pointer),
- keeps anything it could not place as a warning naming the file, the line and the JSON pointer,
  and never copies a value that looks like a credential,
- and finally validates the result against the model format and the catalog.

Examples
--------
>>> from maestro_graph.model.loading import parse_document
>>> document = parse_document('{"nodes": [{"id": "A1", "name": "Chat bot"}]}', "x.json",
...                           is_json=True)
>>> builder = ModelBuilder(document, "example")
>>> builder.component(("nodes", 0), key="A1", name="Chat bot", layer="L3", kind="agent",
...                   source_type="bot")
'chat-bot'
>>> builder.component(("nodes", 1), key="A2", name="Chat bot", layer="L7", kind="user",
...                   source_type="person")
'chat-bot-2'
>>> builder.flow(("links", 0), "A2", "A1", "invokes")
>>> result = builder.result("Imported")
>>> [c.id for c in result.model.components], len(result.model.flows)
(['chat-bot', 'chat-bot-2'], 1)
>>> result.model.component("chat-bot").properties["source"]
'example:x.json#/nodes/0'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.catalog.conformance import check_model
from maestro_graph.model import ID_PATTERN, SystemModel
from maestro_graph.model.layers import Layer
from maestro_graph.model.loading import Document, read_document
from maestro_graph.support.errors import MaestroInputError, Problem

#: Names of settings that hold credentials: their values never reach an imported model.
_CREDENTIAL_NAME = re.compile(
    r"(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|API[_-]?KEY|ACCESS[_-]?KEY|PRIVATE[_-]?KEY|"
    r"CREDENTIAL|(^|[_-])AUTH(ORIZATION)?($|[_-])|BEARER|COOKIE|"
    r"(^|[_-])PAT($|[_-])|(^|[_-])KEY($|[_-]))",
    re.IGNORECASE,
)
#: Values that are credentials whatever they are called (common token prefixes).
_CREDENTIAL_VALUE = re.compile(
    r"^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|sk-[A-Za-z0-9_-]{16,}|xox[abprs]-[\w-]{10,}|"
    r"AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|glpat-[\w-]{16,}|eyJ[\w-]{10,}\.[\w-]+\.[\w-]+)"
)
REDACTED = "<redacted>"
#: ``scheme://user:password@host``: the password part of a connection string.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)(?P<password>[^/\s@]+)@")


def looks_like_credential(name: str, value: Any = None) -> bool:
    """True when a setting's name or value suggests it holds a secret.

    Examples
    --------
    >>> looks_like_credential("GITHUB_PERSONAL_ACCESS_TOKEN")
    True
    >>> looks_like_credential("LOG_LEVEL", "debug")
    False
    >>> looks_like_credential("X", "ghp_" + "a" * 36)
    True
    """
    if _CREDENTIAL_NAME.search(name):
        return True
    if not isinstance(value, str):
        return False
    return bool(_CREDENTIAL_VALUE.match(value.strip()) or _URL_PASSWORD.search(value))


def redacted(data: Any) -> Any:
    """A copy of plain data with every credential-looking value replaced by ``<redacted>``.

    Examples
    --------
    >>> redacted({"env": {"API_KEY": "s3cret", "MODE": "fast"}, "args": ["ghp_" + "x" * 30]})
    {'env': {'API_KEY': '<redacted>', 'MODE': 'fast'}, 'args': ['<redacted>']}
    >>> redacted("postgresql://shop:hunter2@db.internal/shop")
    'postgresql://shop:<redacted>@db.internal/shop'

    A sentence under a credential-sounding name describes the credential; it is not one:

    >>> redacted({"auth": "one static API key", "token": "Bearer abc123"})
    {'auth': 'one static API key', 'token': '<redacted>'}
    """
    if isinstance(data, Mapping):
        return {
            str(key): REDACTED if _secret_setting(str(key), value) else redacted(value)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [redacted(item) for item in data]
    if isinstance(data, str):
        if _CREDENTIAL_VALUE.match(data.strip()):
            return REDACTED
        return _URL_PASSWORD.sub(lambda m: f"{m['head']}{REDACTED}@", data)
    return data


def _secret_setting(name: str, value: Any) -> bool:
    if isinstance(value, Mapping | list | tuple):
        return False
    is_prose = isinstance(value, str) and len(value.split()) >= 3
    return looks_like_credential(name, value) and not (
        is_prose and not _CREDENTIAL_VALUE.match(value.strip())
    )


def json_pointer(path: Sequence[str | int]) -> str:
    """The RFC 6901 pointer of a path into a document.

    Examples
    --------
    >>> json_pointer(("mcpServers", "a/b", "env", "X~1"))
    '/mcpServers/a~1b/env/X~01'
    >>> json_pointer(())
    ''
    """
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def slug(text: str, fallback: str = "component") -> str:
    """A component id made from any text: lower case, ``[a-z0-9_.-]``, starting with a letter or
    digit.

    Examples
    --------
    >>> slug("Web Server (prod)")
    'web-server-prod'
    >>> slug("Ünïcode/Path")
    'unicode-path'
    >>> slug("***")
    'component'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9_.]+", "-", ascii_text.lower()).strip("-_.")
    cleaned = re.sub(r"-{2,}", "-", cleaned)[:64].strip("-_.")
    return cleaned or fallback


@dataclass(frozen=True)
class Placement:
    """The layer and kind a mapping gives to a source type or element."""

    layer: Layer
    kind: str


@dataclass(frozen=True)
class TypeMapping:
    """The user's overrides: source type, element id or element name -> layer and kind.

    Read from ``--mapping map.yaml``::

        # source type, element id or element name: layer and kind
        tm.Process: {layer: L3, kind: agent}
        "Vector DB": {layer: L2, kind: vector_store}

    Keys are matched case-insensitively, an element's id or name before its type.
    """

    entries: Mapping[str, Placement] = field(default_factory=dict)

    def placement(self, *candidates: str | None) -> Placement | None:
        """The placement of the first candidate the mapping names, if any."""
        for candidate in candidates:
            if candidate:
                found = self.entries.get(candidate.casefold())
                if found is not None:
                    return found
        return None

    @classmethod
    def read(cls, path: str | Path, catalog: Catalog | None = None) -> TypeMapping:
        """Read and check a mapping file.

        Raises
        ------
        MaestroInputError
            For a file that is not a mapping of names to ``{layer, kind}`` or names a layer or
            kind the catalog does not have, with every problem at once.
        """
        document = read_document(path)
        catalog = catalog or load_catalog()
        if not isinstance(document.data, Mapping):
            raise MaestroInputError.single(
                document.source, 1, "a mapping file maps source types to {layer: L3, kind: agent}"
            )
        entries: dict[str, Placement] = {}
        problems: list[Problem] = []
        for key, value in document.data.items():
            try:
                entries[str(key).casefold()] = _placement(value, catalog)
            except ValueError as error:
                problems.append(document.problem((key,), f"{key}: {error}"))
        if problems:
            raise MaestroInputError(problems)
        return cls(entries)


def _placement(value: Any, catalog: Catalog) -> Placement:
    if not isinstance(value, Mapping) or set(value) - {"layer", "kind"} or "kind" not in value:
        raise ValueError("expected {layer: L1..L7, kind: KIND} (layer optional)")
    kind = str(value["kind"])
    known_layer = catalog.layer_of_kind(kind)
    layer_text = value.get("layer", known_layer)
    if layer_text is None:
        raise ValueError(f"unknown kind {kind!r}")
    layer = Layer.parse(layer_text)
    if kind not in catalog.kinds_of(layer):
        allowed = ", ".join(sorted(catalog.kinds_of(layer)))
        raise ValueError(f"kind {kind!r} is not a kind of {layer.value} ({allowed})")
    return Placement(layer, kind)


@dataclass(frozen=True)
class ImportResult:
    """An imported model and what the import could not carry over."""

    model: SystemModel
    format: str
    warnings: tuple[Problem, ...] = ()

    def summary(self) -> str:
        """One line: what was imported, from which format, with how many warnings."""
        model = self.model
        noun = "warning" if len(self.warnings) == 1 else "warnings"
        return (
            f"imported {len(model.components)} components and {len(model.flows)} flows "
            f"from {self.format} ({len(self.warnings)} {noun})"
        )


@dataclass(frozen=True)
class ImportFormat:
    """One foreign format: how to recognise its files and how to convert them.

    Attributes
    ----------
    name : str
        What ``--from`` accepts.
    title : str
        The format as its users know it.
    detect : callable
        ``detect(data, file_name) -> bool``: True when parsed data is of this format.
    convert : callable
        ``convert(document, builder) -> ImportResult``.
    """

    name: str
    title: str
    detect: Callable[[Any, str], bool]
    convert: Callable[[Document, ModelBuilder], ImportResult]


class ModelBuilder:
    """Collects components and flows from a foreign document into a valid model.

    Parameters
    ----------
    document : Document
        The source file as read; its lines locate the warnings.
    format_name : str
        Short name of the format (``otm``, ``threat-dragon``, ...), recorded in every
        component's ``properties.source``.
    mapping : TypeMapping, optional
        The user's layer and kind overrides.
    catalog : Catalog, optional
        The vocabulary the result is checked against; default: the built-in catalog.
    """

    def __init__(
        self,
        document: Document,
        format_name: str,
        mapping: TypeMapping | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.document = document
        self.format_name = format_name
        self.mapping = mapping or TypeMapping()
        self.catalog = catalog or load_catalog()
        self._components: list[dict[str, Any]] = []
        self._ids: dict[str, str] = {}
        self._taken: set[str] = set()
        self._flows: list[dict[str, Any]] = []
        self._flow_keys: set[tuple[str, str, str]] = set()
        self._warnings: list[Problem] = []
        self.entry: list[str] = []

    # -- ids and warnings ------------------------------------------------------------------
    @property
    def file_name(self) -> str:
        return Path(self.document.source).name

    def source_of(self, path: Sequence[str | int]) -> str:
        """``format:file#pointer`` for an element of the document."""
        return f"{self.format_name}:{self.file_name}#{json_pointer(path)}"

    def warn(self, path: Sequence[str | int], message: str) -> None:
        """Record something the import could not carry over, located at ``path``."""
        pointer = json_pointer(path) or "/"
        self._warnings.append(self.document.problem(path, f"{message} (at {pointer})"))

    def new_id(self, text: str) -> str:
        """A fresh component id derived from ``text``."""
        base = slug(text)
        candidate, number = base, 2
        while candidate in self._taken:
            candidate, number = f"{base}-{number}", number + 1
        self._taken.add(candidate)
        return candidate

    def id_for(self, key: str | None) -> str | None:
        """The component id given to the source element ``key``, if it was imported."""
        return self._ids.get(key) if key is not None else None

    # -- elements --------------------------------------------------------------------------
    def component(
        self,
        path: Sequence[str | int],
        *,
        key: str,
        name: str,
        layer: Layer | str,
        kind: str,
        source_type: str | None = None,
        exposure: str | None = None,
        trust: str | None = None,
        criticality: int | None = None,
        controls: Iterable[str] = (),
        tags: Iterable[str] = (),
        properties: Mapping[str, Any] | None = None,
        description: str | None = None,
        component_id: str | None = None,
    ) -> str:
        """Add one element as a component and return its id.

        ``layer`` and ``kind`` are the importer's default placement; the mapping overrides them
        by the element's key or name first, then by ``source_type``. ``component_id`` asks for
        an exact id (a file this tool wrote keeps its ids); it is used when it is a valid id
        not yet taken, else the id is derived from the name as usual.
        """
        placement = self.mapping.placement(key, name, source_type)
        if placement is not None:
            layer, kind = placement.layer, placement.kind
        if component_id and re.fullmatch(ID_PATTERN, component_id) and (
            component_id not in self._taken
        ):
            self._taken.add(component_id)
        else:
            component_id = self.new_id(name or key)
        self._ids[key] = component_id
        extra = dict(redacted(dict(properties or {})))
        extra["source"] = self.source_of(path)
        if source_type:
            extra.setdefault("source_type", source_type)
        if description:
            extra.setdefault("description", description)
        data: dict[str, Any] = {
            "id": component_id,
            "name": (name or key).strip() or component_id,
            "layer": Layer.parse(layer).value,
            "kind": kind,
            "properties": extra,
        }
        for field_name, value in (
            ("exposure", exposure),
            ("trust", trust),
            ("criticality", criticality),
        ):
            if value is not None:
                data[field_name] = value
        data["controls"] = sorted(set(controls))
        if tags:
            data["tags"] = sorted({str(tag) for tag in tags})
        self._components.append(data)
        return component_id

    def update(self, component_id: str, **fields: Any) -> None:
        """Change fields of a component already added (exposure, trust, controls, ...)."""
        for data in self._components:
            if data["id"] == component_id:
                if "controls" in fields:
                    fields["controls"] = sorted(set(data["controls"]) | set(fields["controls"]))
                data.update(fields)
                return
        raise KeyError(component_id)

    def flow(
        self,
        path: Sequence[str | int],
        source_key: str | None,
        target_key: str | None,
        kind: str,
        *,
        label: str | None = None,
        controls: Iterable[str] = (),
        by_id: bool = False,
    ) -> None:
        """Add a flow between two imported elements (by their source keys, or by component id
        with ``by_id``); a flow whose ends were not imported, or from an element to itself, is
        a warning instead."""
        source = source_key if by_id else self.id_for(source_key)
        target = target_key if by_id else self.id_for(target_key)
        if source is None or target is None:
            missing = source_key if source is None else target_key
            self.warn(path, f"flow skipped: its end {missing!r} is not an imported element")
            return
        if source == target:
            self.warn(path, f"flow skipped: it goes from {source!r} to itself")
            return
        key = (source, target, kind)
        if key in self._flow_keys:
            return
        self._flow_keys.add(key)
        data: dict[str, Any] = {"from": source, "to": target, "kind": kind}
        if label:
            data["label"] = label.strip()[:200]
        found = sorted(set(controls))
        if found:
            data["controls"] = found
        self._flows.append(data)

    def control_ids(
        self, path: Sequence[str | int], names: Iterable[str]
    ) -> tuple[list[str], list[str]]:
        """Split mitigation names into catalog control ids and the names the catalog lacks."""
        known, unknown = [], []
        for name in names:
            control = slug(str(name))
            (known if control in self.catalog.controls else unknown).append(
                control if control in self.catalog.controls else str(name)
            )
        return known, unknown

    # -- result ----------------------------------------------------------------------------
    def result(self, system_name: str, description: str | None = None) -> ImportResult:
        """The checked model and the warnings.

        Raises
        ------
        MaestroInputError
            When the document held no element that could be imported.
        """
        if not self._components:
            raise MaestroInputError.single(
                self.document.source, None, f"no component found to import as {self.format_name}"
            )
        system: dict[str, Any] = {"name": system_name.strip() or self.file_name}
        system["description"] = (description or f"Imported from {self.file_name}").strip()[:500]
        data: dict[str, Any] = {
            "maestro": 1,
            "system": system,
            "components": self._components,
            "flows": self._flows,
        }
        if self.entry:
            data["attacker"] = {"entry": sorted(set(self.entry))}
        model = check_model(SystemModel.model_validate(data), self.catalog)
        return ImportResult(model, self.format_name, tuple(self._warnings))
