"""Loading ``rules/`` (and users' rule folders) into a checked :class:`Catalog`.

A rule folder may hold any of:

- ``kinds.yaml``: layer -> {kind: description};
- ``threats/*.yaml``: ``layer:`` (default for the file) and ``threats:`` (a list of entries);
- ``controls/*.yaml``: ``layer:`` and ``controls:``;
- ``atlas/*.yaml``: ``atlas_version:`` and ``techniques:``;
- ``watchers.yaml``: kind -> ``alerts`` or ``records``, the kinds that see an attack in the
  telemetry they receive;
- ``owasp.yaml``: ``lists:``, the OWASP lists (key, title, label, ``ids:`` id -> name) whose ids
  threats cite in ``owasp:``.

Every problem is reported as ``FILE:LINE: message``: malformed entries, duplicate ids within a
folder, and cross-references that do not resolve (unknown kind, control, ATLAS or OWASP id). A user
folder's
entry with the id of a built-in one replaces it, with a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from maestro_graph.catalog.types import (
    OWASP_ID_PATTERN,
    OWASP_ID_SHAPES,
    AtlasTechnique,
    Catalog,
    Control,
    KindInfo,
    Origin,
    OwaspId,
    OwaspList,
    PropagationRule,
    Threat,
    WatchMode,
    owasp_suggestion,
)
from maestro_graph.model.layers import Layer
from maestro_graph.model.loading import Document, read_document
from maestro_graph.support.errors import MaestroInputError, Problem, did_you_mean


def builtin_rules_dir() -> Path:
    """The catalog shipped with the package.

    In an installed wheel ``rules/`` sits inside the package; in a source checkout (an editable
    install) it is the repository's top-level ``rules/``.
    """
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "rules", package_dir.parent / "rules"):
        if (candidate / "kinds.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"maestro-graph's rules/ folder was not found near {package_dir}")


@dataclass
class _Located:
    """An entry with the document and path it was read from, for precise error lines."""

    entry: Any
    document: Document
    path: tuple[str | int, ...]
    folder: int

    def problem(self, suffix: tuple[str | int, ...], message: str) -> Problem:
        return self.document.problem((*self.path, *suffix), message)

    @property
    def origin(self) -> Origin:
        return Origin(self.document.source, self.document.line_of(self.path))


@dataclass
class _Collector:
    kinds: dict[str, KindInfo] = field(default_factory=dict)
    kind_origins: dict[str, _Located] = field(default_factory=dict)
    threats: dict[str, _Located] = field(default_factory=dict)
    controls: dict[str, _Located] = field(default_factory=dict)
    atlas: dict[str, _Located] = field(default_factory=dict)
    rules: dict[str, _Located] = field(default_factory=dict)
    guards: dict[str, tuple[str, ...]] = field(default_factory=dict)
    guard_origins: dict[str, _Located] = field(default_factory=dict)
    watchers: dict[str, _Located] = field(default_factory=dict)
    owasp: dict[str, _Located] = field(default_factory=dict)
    owasp_lists: dict[str, _Located] = field(default_factory=dict)
    atlas_version: str = "unknown"
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, table: dict[str, _Located], what: str, located: _Located) -> None:
        entry_id = located.entry.id
        previous = table.get(entry_id)
        if previous is not None and previous.folder == located.folder:
            self.problems.append(
                located.problem(
                    ("id",),
                    f"duplicate {what} id {entry_id!r} (first defined at {previous.origin})",
                )
            )
            return
        if previous is not None:
            self.warnings.append(
                f"{located.origin}: {what} {entry_id!r} overrides the one at {previous.origin}"
            )
        table[entry_id] = located


def _pydantic_problems(
    error: ValidationError, document: Document, base: tuple[str | int, ...]
) -> Iterator[Problem]:
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        where = ".".join(str(part) for part in loc) or "entry"
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        elif item["type"] == "string_pattern_mismatch" and loc[:1] == ("owasp",):
            cited = str(item["input"])
            message = f"unknown OWASP id {cited!r} (known: {OWASP_ID_SHAPES})" + owasp_suggestion(
                cited, ALL_OWASP_IDS
            )
        elif item["type"] not in {"missing"}:
            message += f", got {item['input']!r}"
        yield document.problem((*base, *loc), f"{where}: {message}")


def _read_entries(
    document: Document,
    list_key: str,
    entry_type: type[BaseModel],
    folder: int,
    collector: _Collector,
) -> Iterator[_Located]:
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get(list_key), list):
        collector.problems.append(
            document.problem((), f"expected a mapping with a '{list_key}:' list")
        )
        return
    default_layer = data.get("layer")
    for index, raw in enumerate(data[list_key]):
        path = (list_key, index)
        if not isinstance(raw, dict):
            collector.problems.append(
                document.problem(path, f"{list_key}[{index}]: expected a mapping")
            )
            continue
        if default_layer is not None and "layer" not in raw and "layer" in entry_type.model_fields:
            raw = {**raw, "layer": default_layer}
        try:
            entry = entry_type.model_validate(raw)
        except ValidationError as error:
            collector.problems.extend(_pydantic_problems(error, document, path))
            continue
        yield _Located(entry, document, path, folder)


def _read_kinds(document: Document, folder: int, collector: _Collector) -> None:
    data = document.data
    if not isinstance(data, dict):
        collector.problems.append(
            document.problem((), "kinds.yaml must map each layer (L1..L7) to its kinds")
        )
        return
    for layer_key, entries in data.items():
        try:
            layer = Layer.parse(layer_key)
        except ValueError as error:
            collector.problems.append(document.problem((layer_key,), str(error)))
            continue
        if not isinstance(entries, dict):
            collector.problems.append(
                document.problem((layer_key,), f"{layer_key} must map kind ids to descriptions")
            )
            continue
        for kind, description in entries.items():
            located = _Located(
                KindInfo(str(kind), layer, str(description or "").strip()),
                document,
                (layer_key, kind),
                folder,
            )
            if (
                not isinstance(kind, str)
                or not kind.replace("_", "").isalnum()
                or not kind.islower()
            ):
                collector.problems.append(
                    located.problem((), f"invalid kind id {kind!r}; use snake_case")
                )
                continue
            previous = collector.kinds.get(kind)
            if previous is not None and previous.layer is not layer:
                collector.problems.append(
                    located.problem(
                        (), f"kind {kind!r} is already defined on {previous.layer.value}"
                    )
                )
                continue
            if previous is not None:
                collector.warnings.append(
                    f"{located.origin}: kind {kind!r} overrides the built-in definition"
                )
            collector.kinds[kind] = located.entry
            collector.kind_origins[kind] = located


#: Every id the ``owasp`` pattern admits, for suggestions on a malformed one.
ALL_OWASP_IDS = (
    *(f"T{n}" for n in range(1, 16)),
    *(f"ASI{n:02d}" for n in range(1, 11)),
    *(f"LLM{n:02d}" for n in range(1, 11)),
)


def _read_owasp(document: Document, folder: int, collector: _Collector) -> None:
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get("lists"), list):
        collector.problems.append(document.problem((), "owasp.yaml must hold a 'lists:' list"))
        return
    for index, raw in enumerate(data["lists"]):
        path: tuple[str | int, ...] = ("lists", index)
        if not isinstance(raw, dict):
            collector.problems.append(document.problem(path, f"lists[{index}]: expected a mapping"))
            continue
        ids = raw.get("ids")
        try:
            owasp_list = OwaspList.model_validate({k: v for k, v in raw.items() if k != "ids"})
        except ValidationError as error:
            collector.problems.extend(_pydantic_problems(error, document, path))
            continue
        if not isinstance(ids, dict) or not ids:
            collector.problems.append(
                document.problem(
                    (*path, "ids"), f"OWASP list {owasp_list.id}: 'ids:' must map ids to names"
                )
            )
            continue
        collector.add(
            collector.owasp_lists, "OWASP list", _Located(owasp_list, document, path, folder)
        )
        for owasp_id, name in ids.items():
            where = (*path, "ids", owasp_id)
            if not isinstance(owasp_id, str) or not re.match(OWASP_ID_PATTERN, owasp_id):
                collector.problems.append(
                    document.problem(
                        where,
                        f"OWASP list {owasp_list.id}: invalid id {owasp_id!r} "
                        f"(ids are {OWASP_ID_SHAPES})",
                    )
                )
                continue
            if not isinstance(name, str) or not name.strip():
                collector.problems.append(
                    document.problem(where, f"OWASP list {owasp_list.id}: {owasp_id} needs a name")
                )
                continue
            previous = collector.owasp.get(owasp_id)
            if previous is not None and previous.entry.family != owasp_list.id:
                collector.problems.append(
                    document.problem(
                        where,
                        f"OWASP list {owasp_list.id}: {owasp_id} is already on list "
                        f"{previous.entry.family!r} ({previous.origin})",
                    )
                )
                continue
            entry = OwaspId(id=owasp_id, family=owasp_list.id, name=name.strip())
            collector.add(collector.owasp, "OWASP id", _Located(entry, document, where, folder))


def _read_guards(document: Document, folder: int, collector: _Collector) -> None:
    data = document.data
    if not isinstance(data, dict):
        collector.problems.append(
            document.problem((), "guards.yaml must map guard kinds to the controls they provide")
        )
        return
    for kind, controls in data.items():
        located = _Located(KindInfo(str(kind), Layer.L6, ""), document, (kind,), folder)
        if not isinstance(controls, list) or not all(isinstance(c, str) for c in controls):
            collector.problems.append(
                located.problem((), f"guard kind {kind!r} must map to a list of control ids")
            )
            continue
        collector.guards[str(kind)] = tuple(controls)
        collector.guard_origins[str(kind)] = located


def _read_watchers(document: Document, folder: int, collector: _Collector) -> None:
    data = document.data
    modes = ", ".join(mode.value for mode in WatchMode)
    if not isinstance(data, dict):
        collector.problems.append(
            document.problem(
                (), f"watchers.yaml must map watcher kinds to how they watch ({modes})"
            )
        )
        return
    for kind, mode in data.items():
        if not isinstance(mode, str) or mode not in {m.value for m in WatchMode}:
            collector.problems.append(
                document.problem((kind,), f"watcher kind {kind!r}: expected {modes}, got {mode!r}")
            )
            continue
        collector.watchers[str(kind)] = _Located(WatchMode(mode), document, (kind,), folder)


def _check_watchers(collector: _Collector) -> None:
    for kind, located in collector.watchers.items():
        if kind not in collector.kinds:
            collector.problems.append(
                located.problem(
                    (), f"watchers: unknown kind {kind!r}{did_you_mean(kind, collector.kinds)}"
                )
            )


def _check_guards(collector: _Collector) -> None:
    for kind, controls in collector.guards.items():
        located = collector.guard_origins[kind]
        if kind not in collector.kinds:
            collector.problems.append(
                located.problem(
                    (), f"guards: unknown kind {kind!r}{did_you_mean(kind, collector.kinds)}"
                )
            )
        for index, control in enumerate(controls):
            if control not in collector.controls:
                collector.problems.append(
                    located.problem(
                        (index,),
                        f"guards: unknown control {control!r}"
                        + did_you_mean(control, collector.controls),
                    )
                )


def _folder_files(directory: Path) -> Iterator[tuple[str, Path]]:
    if (directory / "kinds.yaml").is_file():
        yield "kinds", directory / "kinds.yaml"
    if (directory / "guards.yaml").is_file():
        yield "guards", directory / "guards.yaml"
    if (directory / "watchers.yaml").is_file():
        yield "watchers", directory / "watchers.yaml"
    if (directory / "owasp.yaml").is_file():
        yield "owasp", directory / "owasp.yaml"
    for section in ("atlas", "controls", "threats", "propagation"):
        folder = directory / section
        if folder.is_dir():
            for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
                yield section, path


def _read_rule(
    document: Document, path: Path, folder: int, collector: _Collector
) -> _Located | None:
    if not isinstance(document.data, dict):
        collector.problems.append(
            document.problem((), "a propagation rule file holds one rule (a mapping)")
        )
        return None
    try:
        rule = PropagationRule.model_validate(document.data)
    except ValidationError as error:
        collector.problems.extend(_pydantic_problems(error, document, ()))
        return None
    if rule.id != path.stem:
        collector.problems.append(
            document.problem(("id",), f"rule id {rule.id!r} must match its file name {path.stem!r}")
        )
    return _Located(rule, document, (), folder)


def _check_rule(located: _Located, collector: _Collector) -> None:
    rule: PropagationRule = located.entry
    threats, controls, kinds = collector.threats, collector.controls, collector.kinds
    report = collector.problems.append
    for index, threat_id in enumerate(rule.source.threats):
        if threat_id not in threats:
            report(
                located.problem(
                    ("from", "threats", index),
                    f"rule {rule.id}: unknown threat {threat_id!r}"
                    + did_you_mean(threat_id, threats),
                )
            )
    for index, kind in enumerate(rule.source.kinds or ()):
        if kind not in kinds:
            report(
                located.problem(
                    ("from", "kinds", index),
                    f"rule {rule.id}: unknown kind {kind!r}{did_you_mean(kind, kinds)}",
                )
            )
    field_name = "threat" if rule.target.threat is not None else "labels"
    targets = []
    for index, threat_id in enumerate(rule.target.threats):
        where = ("to", "threat") if field_name == "threat" else ("to", "labels", index)
        found = threats.get(threat_id)
        if found is None:
            report(
                located.problem(
                    where,
                    f"rule {rule.id}: unknown threat {threat_id!r}"
                    + did_you_mean(threat_id, threats),
                )
            )
        else:
            targets.append(found)
    for index, kind in enumerate(rule.target.kinds or ()):
        if kind not in kinds:
            report(
                located.problem(
                    ("to", "kinds", index),
                    f"rule {rule.id}: unknown kind {kind!r}{did_you_mean(kind, kinds)}",
                )
            )
        elif targets and not any(kind in t.entry.applies_to for t in targets):
            named = " or ".join(t.entry.id for t in targets)
            message = (
                f"rule {rule.id}: threat {named} does not apply to kind "
                f"{kind!r}, so the rule could never reach it"
            )
            if max(t.folder for t in targets) <= located.folder:
                report(located.problem(("to", "kinds", index), message))
            else:  # a user folder redefined the threat: the built-in rule just reaches less
                origin = targets[-1].origin
                collector.warnings.append(f"{located.origin}: {message} (after {origin})")
    for index, control in enumerate(rule.blocked_by):
        if control not in controls:
            report(
                located.problem(
                    ("blocked_by", index),
                    f"rule {rule.id}: unknown control {control!r}{did_you_mean(control, controls)}",
                )
            )
    for index, technique in enumerate(rule.atlas):
        if technique not in collector.atlas:
            report(
                located.problem(
                    ("atlas", index), f"rule {rule.id}: unknown ATLAS technique {technique!r}"
                )
            )
    if (rule.via.direction == "self") != (not rule.via.flows):
        report(
            located.problem(
                ("via",),
                f"rule {rule.id}: direction 'self' takes no flows, and 'forward'/'reverse' "
                "need at least one flow kind",
            )
        )


def _check_references(collector: _Collector) -> None:
    for located in collector.rules.values():
        _check_rule(located, collector)
    kinds = collector.kinds
    controls = collector.controls
    atlas = collector.atlas
    for located in collector.threats.values():
        threat: Threat = located.entry
        if not threat.id.startswith(f"{threat.layer.value}."):
            collector.problems.append(
                located.problem(
                    ("id",),
                    f"threat id {threat.id!r} must start with its layer, '{threat.layer.value}.'",
                )
            )
        for index, kind in enumerate(threat.applies_to):
            if kind not in kinds:
                collector.problems.append(
                    located.problem(
                        ("applies_to", index),
                        f"threat {threat.id}: unknown kind {kind!r}{did_you_mean(kind, kinds)}",
                    )
                )
        for index, control in enumerate(threat.mitigated_by):
            if control not in controls:
                collector.problems.append(
                    located.problem(
                        ("mitigated_by", index),
                        f"threat {threat.id}: unknown control {control!r}"
                        + did_you_mean(control, controls),
                    )
                )
        for index, technique in enumerate(threat.atlas):
            if technique not in atlas:
                collector.problems.append(
                    located.problem(
                        ("atlas", index),
                        f"threat {threat.id}: unknown ATLAS technique {technique!r}",
                    )
                )
        for index, owasp_id in enumerate(threat.owasp):
            if owasp_id not in collector.owasp:
                collector.problems.append(
                    located.problem(
                        ("owasp", index),
                        f"threat {threat.id}: unknown OWASP id {owasp_id!r} (not in any "
                        "owasp.yaml list)",
                    )
                )
            elif threat.owasp.index(owasp_id) != index:
                collector.problems.append(
                    located.problem(
                        ("owasp", index), f"threat {threat.id}: OWASP id {owasp_id!r} is repeated"
                    )
                )
    for located in controls.values():
        control: Control = located.entry
        for index, kind in enumerate(control.applies_to):
            if kind not in kinds:
                collector.problems.append(
                    located.problem(
                        ("applies_to", index),
                        f"control {control.id}: unknown kind {kind!r}{did_you_mean(kind, kinds)}",
                    )
                )


def _load(directories: tuple[Path, ...]) -> Catalog:
    collector = _Collector()
    digest = hashlib.sha256()
    for folder, directory in enumerate(directories):
        if not directory.is_dir():
            collector.problems.append(Problem(str(directory), None, "rules folder not found"))
            continue
        files = list(_folder_files(directory))
        if not files:
            collector.problems.append(
                Problem(
                    str(directory),
                    None,
                    "no catalog files (kinds.yaml, threats/, controls/, atlas/) in this folder",
                )
            )
        for section, path in files:
            try:
                document = read_document(path)
            except MaestroInputError as error:
                collector.problems.extend(error.problems)
                continue
            digest.update(f"{folder}/{path.relative_to(directory)}\n".encode())
            # A regular file of bounded size: read_document checked both.
            digest.update(path.read_bytes())
            _read_section(section, document, path, folder, collector)
    _check_references(collector)
    _check_guards(collector)
    _check_watchers(collector)
    if collector.problems:
        raise MaestroInputError(collector.problems)
    return _catalog(collector, directories, digest.hexdigest()[:12])


def _read_section(
    section: str, document: Document, path: Path, folder: int, collector: _Collector
) -> None:
    """Add what one catalog file defines, by the section its place in the folder names."""
    if section == "kinds":
        _read_kinds(document, folder, collector)
    elif section == "guards":
        _read_guards(document, folder, collector)
    elif section == "watchers":
        _read_watchers(document, folder, collector)
    elif section == "owasp":
        _read_owasp(document, folder, collector)
    elif section == "threats":
        for located in _read_entries(document, "threats", Threat, folder, collector):
            collector.add(collector.threats, "threat", located)
    elif section == "propagation":
        located = _read_rule(document, path, folder, collector)
        if located is not None:
            collector.add(collector.rules, "propagation rule", located)
    elif section == "controls":
        for located in _read_entries(document, "controls", Control, folder, collector):
            collector.add(collector.controls, "control", located)
    else:
        if isinstance(document.data, dict) and document.data.get("atlas_version"):
            collector.atlas_version = str(document.data["atlas_version"])
        for located in _read_entries(document, "techniques", AtlasTechnique, folder, collector):
            collector.add(collector.atlas, "ATLAS technique", located)


def _catalog(collector: _Collector, directories: tuple[Path, ...], version: str) -> Catalog:
    """The catalog from what the files defined (checked), each entry with the file it came from."""
    origins = {
        key: located.origin
        for table in (
            collector.kind_origins,
            collector.threats,
            collector.controls,
            collector.rules,
        )
        for key, located in table.items()
    }
    return Catalog(
        kinds=collector.kinds,
        threats={k: v.entry for k, v in collector.threats.items()},
        controls={k: v.entry for k, v in collector.controls.items()},
        atlas={k: v.entry for k, v in collector.atlas.items()},
        rules={k: v.entry for k, v in collector.rules.items()},
        guards=collector.guards,
        owasp={k: v.entry for k, v in collector.owasp.items()},
        owasp_lists={k: v.entry for k, v in collector.owasp_lists.items()},
        watchers={k: v.entry for k, v in collector.watchers.items()},
        atlas_version=collector.atlas_version,
        sources=tuple(str(d) for d in directories),
        warnings=tuple(collector.warnings),
        version=version,
        origins=origins,
    )


def load_rule_ids(directory: str | Path) -> list[str]:
    """Ids of the propagation rules defined in one rule folder (its ``propagation/*.yaml``)."""
    folder = Path(directory) / "propagation"
    return (
        sorted(path.stem for path in [*folder.glob("*.yaml"), *folder.glob("*.yml")])
        if folder.is_dir()
        else []
    )


@lru_cache(maxsize=8)
def _load_cached(directories: tuple[Path, ...]) -> Catalog:
    # Catalogs are immutable, so sharing one between analyses is safe.
    return _load(directories)


def load_catalog(*extra_dirs: str | Path) -> Catalog:
    """Load the built-in catalog plus any user rule folders.

    Parameters
    ----------
    *extra_dirs : str or Path
        User rule folders; their entries add to (or, with the same id, replace) built-in ones.

    Returns
    -------
    Catalog

    Raises
    ------
    MaestroInputError
        When a rule file is malformed or a cross-reference does not resolve.

    Examples
    --------
    >>> catalog = load_catalog()
    >>> catalog.layer_of_kind("vector_store")
    <Layer.L2: 'L2'>
    >>> catalog.threats["L2.data-poisoning"].layer
    <Layer.L2: 'L2'>
    >>> "memory-isolation" in catalog.threats["L2.data-poisoning"].mitigated_by
    True
    """
    directories = (builtin_rules_dir(), *(Path(d).resolve() for d in extra_dirs))
    return _load_cached(directories)
