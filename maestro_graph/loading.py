"""Reading YAML and JSON documents safely, keeping the line of every node.

The YAML is composed into nodes by PyYAML's safe composer and turned into plain Python data by
this module, which is what lets every later error name the line of the offending value. Only
the standard YAML data tags are accepted (maps, lists, strings, numbers, booleans, null,
timestamps): anything else, such as ``!!python/object``, is refused with a message. Aliases are
allowed but their expansion is counted, so an alias bomb ("billion laughs") is refused long before
it can exhaust memory.

Examples
--------
>>> document = parse_document("components:\\n  - id: kb\\n    layer: L2\\n", "arch.yaml")
>>> document.data
{'components': [{'id': 'kb', 'layer': 'L2'}]}
>>> document.line_of(("components", 0, "layer"))
3
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from maestro_graph.errors import MaestroInputError, Problem

try:  # libyaml's composer is several times faster on large models; the pure one is equivalent
    _SafeComposer: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML wheels ship libyaml
    _SafeComposer = yaml.SafeLoader

Path_ = tuple[str | int, ...]

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Limits:
    """Size limits that protect the analysis from inputs too large to be meant.

    Every limit can be raised by a caller who really has a model that large
    (``maestro-graph ... --max-components N``, or ``Limits(max_components=N)`` in Python).
    """

    max_file_bytes: int = 64 * 1024 * 1024
    max_components: int = 200_000
    max_flows: int = 1_000_000
    #: How many nodes alias expansion may add beyond the document's own nodes.
    max_alias_expansion: int = 100_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Document:
    """Plain data read from a file, with the line where each node starts.

    Attributes
    ----------
    data : Any
        The document as dicts, lists and scalars.
    source : str
        The file name (or ``"<string>"``) used in error messages.
    lines : dict
        Maps a path such as ``("flows", 3, "to")`` to its 1-based line.
    """

    data: Any
    source: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one.

        Examples
        --------
        >>> Document({"a": 1}, "x.yaml", {("a",): 4}).line_of(("a", "b", 0))
        4
        """
        key = tuple(path)
        while key:
            line = self.lines.get(key)
            if line is not None:
                return line
            key = key[:-1]
        return self.lines.get(())

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        """A :class:`Problem` located at ``path``."""
        return Problem(self.source, self.line_of(path), message)


class _Builder:
    """Turns a composed YAML node tree into data, recording lines and counting expansion."""

    def __init__(self, source: str, node_count: int, limits: Limits) -> None:
        self.source = source
        self.lines: dict[Path_, int] = {}
        self.built = 0
        self.budget = node_count + limits.max_alias_expansion
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> MaestroInputError:
        return MaestroInputError.single(self.source, node.start_mark.line + 1, message)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.built += 1
        if self.built > self.budget:
            raise self.fail(
                node,
                "YAML aliases expand to more than "
                f"{self.budget:,} nodes; this looks like an alias bomb, refusing to expand it",
            )
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            raise self.fail(node, "a YAML alias refers to itself (recursive structure)")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                self.check_tag(node, "tag:yaml.org,2002:seq")
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            self.check_tag(node, "tag:yaml.org,2002:map")
            return self.mapping(node, path)
        finally:
            self.active.discard(id(node))

    def check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != expected:
            raise self.fail(node, self.tag_message(node.tag))

    @staticmethod
    def tag_message(tag: str) -> str:
        return (
            f"YAML tag {tag!r} is not allowed; a model holds plain data only "
            "(maps, lists, strings, numbers, booleans, null, dates)"
        )

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _STANDARD_TAGS:
            raise self.fail(node, self.tag_message(node.tag))
        constructor = yaml.SafeLoader.yaml_constructors[node.tag]
        try:
            return constructor(_SCALAR_CONSTRUCTOR, node)
        except (yaml.YAMLError, ValueError) as error:
            raise self.fail(
                node, f"invalid {node.tag.rsplit(':', 1)[-1]} value {node.value!r}"
            ) from error

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise self.fail(source, "a YAML merge key ('<<') must name a mapping")
                    for key, value in self.mapping(source, path).items():
                        merged.setdefault(key, value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "mapping keys must be plain scalars")
            key = self.scalar(key_node)
            if key in result:
                raise self.fail(key_node, f"duplicate key {key!r} in the same mapping")
            result[key] = self.build(value_node, (*path, key))
            # A block value starts on the line after its key; users look for the key.
            self.lines[(*path, key)] = key_node.start_mark.line + 1
        for key, value in merged.items():
            result.setdefault(key, value)
        return result


_SCALAR_CONSTRUCTOR = yaml.SafeLoader("")


def _count_nodes(root: yaml.Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return len(seen)


def _yaml_error_problem(error: yaml.YAMLError, source: str) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"invalid YAML: {reason}" + (f" ({context})" if context else "")
    return Problem(source, line, message)


def _compose(text: str, source: str) -> yaml.Node | None:
    loader = _SafeComposer(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as error:
        raise MaestroInputError([_yaml_error_problem(error, source)]) from None
    finally:
        loader.dispose()


def parse_document(
    text: str, source: str = "<string>", *, is_json: bool = False, limits: Limits = DEFAULT_LIMITS
) -> Document:
    """Parse YAML (or JSON) text into a :class:`Document`.

    Parameters
    ----------
    text : str
        The document.
    source : str
        Name used in error messages.
    is_json : bool
        Parse as strict JSON (lines still come from the YAML composer, which reads JSON too).
    limits : Limits
        Size limits; only ``max_alias_expansion`` applies here.

    Returns
    -------
    Document

    Raises
    ------
    MaestroInputError
        For syntax errors, non-standard tags, duplicate keys and alias bombs.

    Examples
    --------
    >>> parse_document("a: !!python/object:os.system x", "bad.yaml")
    Traceback (most recent call last):
    ...
    maestro_graph.errors.MaestroInputError: bad.yaml:1: YAML tag '...python/object...' is not ...
    """
    if is_json:
        return _parse_json(text, source)
    root = _compose(text, source)
    if root is None:
        return Document(None, source, {})
    builder = _Builder(source, _count_nodes(root), limits)
    data = builder.build(root, ())
    return Document(data, source, builder.lines)


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r} in the same object")
        result[key] = value
    return result


def _parse_json(text: str, source: str) -> Document:
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as error:
        raise MaestroInputError.single(source, error.lineno, f"invalid JSON: {error.msg}") from None
    except ValueError as error:
        raise MaestroInputError.single(source, None, f"invalid JSON: {error}") from None
    try:  # JSON is (nearly) YAML: the composer gives the lines; without it, no lines
        root = _compose(text, source)
        builder = _Builder(source, _count_nodes(root), DEFAULT_LIMITS) if root is not None else None
        if builder is not None and root is not None:
            builder.build(root, ())
            return Document(data, source, builder.lines)
    except MaestroInputError:
        pass
    return Document(data, source, {})


def read_document(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read a YAML or JSON file (by suffix: ``.json`` is JSON, anything else YAML).

    Raises
    ------
    MaestroInputError
        When the file is missing, unreadable, too large, not UTF-8 or malformed.
    """
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise MaestroInputError.single(source, None, "file not found") from None
    except OSError as error:
        raise MaestroInputError.single(
            source, None, f"cannot read file: {error.strerror}"
        ) from None
    if path.is_dir():
        raise MaestroInputError.single(source, None, "is a directory, expected a YAML or JSON file")
    if size > limits.max_file_bytes:
        raise MaestroInputError.single(
            source,
            None,
            f"file is {size:,} bytes, more than the limit of {limits.max_file_bytes:,} "
            "(raise it with --max-file-bytes if the model is really this large)",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise MaestroInputError.single(source, None, f"not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise MaestroInputError.single(
            source, None, f"cannot read file: {error.strerror}"
        ) from None
    return parse_document(text, source, is_json=path.suffix.lower() == ".json", limits=limits)


_YAML_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


class _SafeDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, with strings that YAML readers would alter written double-quoted."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML may emit NEL and Unicode line separators inside single-quoted or plain scalars,
    # where a reader folds them into spaces; double quotes escape them and keep them intact.
    if any(mark in value for mark in _YAML_LINE_BREAKS) or not value.isprintable():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_SafeDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Write plain data as YAML that :func:`parse_document` reads back identically.

    Examples
    --------
    >>> text = dump_yaml({"name": "odd\\x85name", "n": 1})
    >>> parse_document(text).data == {"name": "odd\\x85name", "n": 1}
    True
    """
    return yaml.dump(data, Dumper=_SafeDumper, allow_unicode=True, sort_keys=False, width=100)
