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

import ast
import codecs
import contextlib
import json
import re
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from maestro_graph.support.errors import MaestroInputError, Problem
from maestro_graph.support.perf import paused_gc

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


class Document:
    """Plain data read from a file, with the line where each node starts.

    Lines are found on first use (an error to report, an output that cites the file), so a
    valid model is read once, quickly.

    Attributes
    ----------
    data : Any
        The document as dicts, lists and scalars.
    source : str
        The file name (or ``"<string>"``) used in error messages.
    lines : dict
        Maps a path such as ``("flows", 3, "to")`` to its 1-based line.
    """

    def __init__(
        self,
        data: Any,
        source: str,
        lines: dict[Path_, int] | None = None,
        *,
        text: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.data = data
        self.source = source
        self._lines = lines
        self._text = text
        self._limits = limits

    @property
    def lines(self) -> dict[Path_, int]:
        if self._lines is None:
            self._lines = {}
            if self._text is not None:
                # JSON the YAML reader cannot follow simply has no lines.
                with contextlib.suppress(MaestroInputError):
                    builder = _EventBuilder(self.source, self._limits, record_lines=True)
                    self._lines = builder.run(self._text)[1]
        return self._lines

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one.

        Examples
        --------
        >>> Document({"a": 1}, "x.yaml", {("a",): 4}).line_of(("a", "b", 0))
        4
        """
        lines = self.lines
        key = tuple(path)
        while key:
            line = lines.get(key)
            if line is not None:
                return line
            key = key[:-1]
        return lines.get(())

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        """A :class:`Problem` located at ``path``."""
        return Problem(self.source, self.line_of(path), message)


class _Frame:
    """An open mapping or sequence while the event stream is read."""

    __slots__ = (
        "anchor",
        "container",
        "expect_key",
        "is_map",
        "key",
        "key_line",
        "merges",
        "path",
        "size",
    )

    def __init__(self, container: Any, is_map: bool, path: Path_, anchor: str | None) -> None:
        self.container = container
        self.is_map = is_map
        self.path = path
        self.anchor = anchor
        self.size = 1
        self.expect_key = True
        self.key: Any = None
        self.key_line = 0
        self.merges: list[dict[Any, Any]] = []


_MERGE = object()
_IN_PROGRESS = object()


class _NotPlain(Exception):
    """A document with anchors, aliases, tags, merge keys or complex keys: read it the
    general way."""


class _EventBuilder:
    """Builds plain data from libyaml's event stream, safely, optionally recording lines.

    Safety: only standard data tags; duplicate keys refused; alias expansion counted against
    ``Limits.max_alias_expansion``; an alias inside its own anchor refused.
    """

    def __init__(self, source: str, limits: Limits, *, record_lines: bool) -> None:
        self.source = source
        self.limits = limits
        self.record = record_lines
        self.lines: dict[Path_, int] = {}
        self.anchors: dict[str, Any] = {}
        self.expanded = 0
        # No list in a model may be longer than the largest count limit: refusing it as it is
        # read spares building a million entries only to refuse them afterwards.
        self.max_items = max(limits.max_components, limits.max_flows)
        self.resolver = yaml.resolver.Resolver()
        self.implicit_starts = frozenset(k for k in self.resolver.yaml_implicit_resolvers if k)

    def fail(self, event: yaml.Event, message: str) -> MaestroInputError:
        return MaestroInputError.single(self.source, event.start_mark.line + 1, message)

    @staticmethod
    def tag_message(tag: str) -> str:
        return (
            f"YAML tag {tag!r} is not allowed; a model holds plain data only "
            "(maps, lists, strings, numbers, booleans, null, dates)"
        )

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return event.value
            value = event.value
            # Only scalars starting with certain characters can be numbers, booleans, null,
            # dates or merge keys; ids and names skip the (slow) regex resolver.
            if value and value[0] not in self.implicit_starts:
                return value
            tag = self.resolver.resolve(yaml.ScalarNode, value, (True, False))
        if tag == "tag:yaml.org,2002:str":
            return event.value
        if tag == _MERGE_TAG:
            return _MERGE
        if tag not in _STANDARD_TAGS or tag in {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}:
            raise self.fail(event, self.tag_message(tag))
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        try:
            return yaml.SafeLoader.yaml_constructors[tag](_SCALAR_CONSTRUCTOR, node)
        except (yaml.YAMLError, ValueError, KeyError, TypeError, OverflowError) as error:
            # PyYAML's constructors fail in their own ways on bad text (`!!bool maybe` is a
            # KeyError): each is a value the tag does not allow.
            kind = tag.rsplit(":", 1)[-1]
            shown = event.value if len(event.value) <= 40 else event.value[:37] + "..."
            raise self.fail(event, f"invalid {kind} value {shown!r}") from error

    def too_many_items(self) -> str:
        return _too_many_items(self.max_items)

    def child_path(self, stack: list[_Frame]) -> Path_:
        if not self.record or not stack:
            return ()
        frame = stack[-1]
        return (*frame.path, frame.key if frame.is_map else len(frame.container))

    def attach(self, stack: list[_Frame], value: Any, size: int, event: yaml.Event) -> Any:
        """Put a finished value into its parent; returns the value when it is the root."""
        if not stack:
            return value
        frame = stack[-1]
        frame.size += size
        if not frame.is_map:
            frame.container.append(value)
            if len(frame.container) > self.max_items:
                raise self.fail(event, self.too_many_items())
            return None
        if frame.expect_key:  # the value is a key
            if value is _MERGE:
                frame.key = _MERGE
            else:
                if isinstance(value, (dict, list)):
                    raise self.fail(event, "mapping keys must be plain scalars")
                if value in frame.container:
                    raise self.fail(event, f"duplicate key {value!r} in the same mapping")
                frame.key = value
            frame.key_line = event.start_mark.line + 1
            frame.expect_key = False
            return None
        if frame.key is _MERGE:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(item, dict) for item in sources):
                raise self.fail(event, "a YAML merge key ('<<') must name a mapping")
            frame.merges.extend(sources)
        else:
            frame.container[frame.key] = value
            if self.record:
                # A block value starts on the line after its key; users look for the key.
                self.lines[(*frame.path, frame.key)] = frame.key_line
        frame.expect_key = True
        return None

    def run(self, text: str) -> tuple[Any, dict[Path_, int]]:
        try:
            if not self.record:
                with contextlib.suppress(_NotPlain):
                    return self._events(text, self._read_plain), self.lines
            return self._events(text, self._read)
        except yaml.YAMLError as error:
            raise MaestroInputError([_yaml_error_problem(error, self.source, text)]) from None

    @staticmethod
    def _events(text: str, read: Any) -> Any:
        loader = _SafeComposer(text)
        try:
            return read(loader.get_event)
        finally:
            loader.dispose()

    def _read_plain(self, get_event: Any) -> Any:
        """Build a plain document (no anchors, aliases, tags, merge keys or complex keys: what
        models are) from the parser's events, keeping the open containers in local variables;
        raises :class:`_NotPlain` at anything else, for :meth:`_read` to read the document
        again. Errors it finds itself are the ones :meth:`_read` finds at the same event.

        It is :meth:`_read` without the bookkeeping that only anchors and lines need: on a
        100,000-component model, a second faster.
        """
        stack: list[tuple[Any, bool, Any]] = []
        container: Any = None  # the open mapping or list, None at the top
        is_map = expect_key = False
        key: Any = None
        root: Any = None
        implicit_starts, resolved, max_items = self.implicit_starts, {}, self.max_items
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor or event.tag is not None:
                    raise _NotPlain
                value = event.value
                if event.implicit[0] and (not value or value[0] in implicit_starts):
                    if value in resolved:
                        value = resolved[value]
                    else:
                        value = resolved[value] = self.scalar(event)
                if container is None:
                    root = value
                elif not is_map:
                    container.append(value)
                    if len(container) > max_items:
                        raise self.fail(event, self.too_many_items())
                elif expect_key:
                    if value is _MERGE:
                        raise _NotPlain
                    if value in container:
                        raise self.fail(event, f"duplicate key {value!r} in the same mapping")
                    key, expect_key = value, False
                else:
                    container[key] = value
                    expect_key = True
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor or event.tag is not None or (is_map and expect_key):
                    raise _NotPlain
                if container is not None:
                    stack.append((container, is_map, key))
                is_map = kind is yaml.MappingStartEvent
                container, expect_key = ({} if is_map else []), True
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = container
                if not stack:
                    root, container, is_map = done, None, False
                    continue
                container, is_map, key = stack.pop()
                if is_map:
                    container[key] = done
                    expect_key = True
                else:
                    container.append(done)
                    if len(container) > max_items:
                        raise self.fail(event, self.too_many_items())
            elif kind is yaml.AliasEvent or (kind is yaml.DocumentStartEvent and root is not None):
                raise _NotPlain
            elif event is None or kind is yaml.StreamEndEvent:
                return root

    def _read(self, get_event: Any) -> tuple[Any, dict[Path_, int]]:
        """Build the document from the parser's events (``get_event`` returns the next one).

        One loop, with the common cases inlined on purpose: it runs once per YAML event (580,000
        for a 10,000-component model), and a method call per event cost a third of the reading
        time. The rarer cases go through :meth:`scalar` and :meth:`attach`.
        """
        stack: list[_Frame] = []
        root: Any = None
        physical = 0
        record = self.record
        implicit_starts = self.implicit_starts
        # Plain scalars that may be numbers, booleans and the like, by text: resolved once each.
        resolved: dict[str, Any] = {}
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                physical += 1
                frame = stack[-1] if stack else None
                at_key = frame is not None and frame.is_map and frame.expect_key
                if event.anchor:
                    if at_key:
                        raise self.fail(event, "anchors on mapping keys are not supported")
                    value = self.scalar(event)
                    self.anchors[event.anchor] = (value, 1)
                elif event.tag is None and event.implicit[0]:
                    value = event.value
                    # Only empty scalars and those starting with certain characters can be
                    # numbers, booleans, null, dates or merge keys; ids and names skip the
                    # (slow) regex resolver.
                    if not value or value[0] in implicit_starts:
                        plain = value
                        if plain in resolved:
                            value = resolved[plain]
                        else:
                            value = self.scalar(event)
                            resolved[plain] = value
                else:
                    value = self.scalar(event)
                if record:
                    path = self.child_path(stack)
                    if not at_key:
                        self.lines[path] = event.start_mark.line + 1
                if frame is None:
                    root = value
                elif not frame.is_map:  # the common cases of attach(), inline
                    frame.size += 1
                    frame.container.append(value)
                    if len(frame.container) > self.max_items:
                        raise self.fail(event, self.too_many_items())
                elif not at_key and frame.key is not _MERGE and not record:
                    frame.size += 1
                    frame.container[frame.key] = value
                    frame.expect_key = True
                else:
                    self.attach(stack, value, 1, event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                physical += 1
                is_map = kind is yaml.MappingStartEvent
                expected = "tag:yaml.org,2002:map" if is_map else "tag:yaml.org,2002:seq"
                if event.tag not in (None, "!", expected):
                    raise self.fail(event, self.tag_message(event.tag))
                if stack and stack[-1].is_map and stack[-1].expect_key:
                    raise self.fail(event, "mapping keys must be plain scalars")
                path = self.child_path(stack)
                if record:
                    self.lines[path] = event.start_mark.line + 1
                if event.anchor:
                    self.anchors[event.anchor] = _IN_PROGRESS
                stack.append(_Frame({} if is_map else [], is_map, path, event.anchor))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = stack.pop()
                if frame.is_map:
                    for merged in frame.merges:
                        for key, item in merged.items():
                            frame.container.setdefault(key, item)
                if frame.anchor:
                    self.anchors[frame.anchor] = (frame.container, frame.size)
                if stack:
                    self.attach(stack, frame.container, frame.size, event)
                else:
                    root = frame.container
            elif kind is yaml.AliasEvent:
                found = self.anchors.get(event.anchor)
                if found is None:
                    raise self.fail(event, f"unknown YAML alias *{event.anchor}")
                if found is _IN_PROGRESS:
                    raise self.fail(event, "a YAML alias refers to itself (recursive structure)")
                value, size = found
                self.expanded += size
                if self.expanded > self.limits.max_alias_expansion + physical:
                    raise self.fail(
                        event,
                        f"YAML aliases expand to more than {self.limits.max_alias_expansion:,} "
                        "extra nodes; this looks like an alias bomb, refusing to expand it",
                    )
                if record and not (stack and stack[-1].is_map and stack[-1].expect_key):
                    self.lines[self.child_path(stack)] = event.start_mark.line + 1
                root = self.attach(stack, value, size, event) if stack else value
            elif kind is yaml.DocumentStartEvent and root is not None:
                raise self.fail(event, "expected a single YAML document, found several")
            elif event is None or kind is yaml.StreamEndEvent:
                break
        return root, self.lines


_SCALAR_CONSTRUCTOR = yaml.SafeLoader("")


def _line_at(text: str, position: int) -> int:
    """The 1-based line of a character offset."""
    return text.count("\n", 0, position) + 1


def _yaml_error_problem(error: yaml.YAMLError, source: str, text: str) -> Problem:
    if isinstance(error, yaml.reader.ReaderError):
        # A character YAML does not allow: PyYAML gives its offset, users want the line.
        character = error.character
        shown = chr(character) if isinstance(character, int) else character
        return Problem(
            source,
            _line_at(text, error.position),
            f"invalid YAML: character {shown!r} is not allowed in a YAML file"
            " (control characters must be written as escapes in a double-quoted string)",
        )
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"invalid YAML: {reason}" + (f" ({context})" if context else "")
    return Problem(source, line, message)


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
        Parse as strict JSON (lines, when needed, come from the YAML reader, which reads JSON).
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
    maestro_graph.support.errors.MaestroInputError: bad.yaml:1: YAML tag ...
    """
    if is_json:
        return _parse_json(text, source, limits)
    with paused_gc():
        data, _ = _EventBuilder(source, limits, record_lines=False).run(text)
    return Document(data, source, text=text, limits=limits)


def _too_many_items(max_items: int) -> str:
    return (
        f"a list of more than {max_items:,} items, longer than any list a model within "
        "the limits has (raise --max-components or --max-flows if the model is really "
        "this large)"
    )


def _longest_list(data: Any) -> int:
    """The length of the longest list anywhere in ``data`` (iterative: depth is no limit)."""
    longest, stack = 0, [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            longest = max(longest, len(value))
            stack.extend(value)
    return longest


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r} in the same object")
        result[key] = value
    return result


def _parse_json(text: str, source: str, limits: Limits) -> Document:
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as error:
        raise MaestroInputError.single(source, error.lineno, f"invalid JSON: {error.msg}") from None
    except RecursionError:
        raise MaestroInputError.single(
            source, None, "invalid JSON: nested too deeply (a model needs a few levels)"
        ) from None
    except ValueError as error:
        # Duplicate keys and over-long integers come without a position: find the text.
        reason = str(error).split("; use sys.set_int_max_str_digits", 1)[0]
        raise MaestroInputError.single(
            source, _json_value_line(text, error), f"invalid JSON: {_shortened(reason)}"
        ) from None
    # The YAML reader refuses such a list while it reads; JSON is parsed whole, so right after,
    # before the (costly) search for line numbers that any later problem would start.
    max_items = max(limits.max_components, limits.max_flows)
    if _longest_list(data) > max_items:
        raise MaestroInputError.single(source, None, _too_many_items(max_items))
    return Document(data, source, text=text, limits=limits)


def _json_value_line(text: str, error: ValueError) -> int | None:
    duplicate = re.match(r"duplicate key (.+) in the same object", str(error))
    if duplicate:
        key = json.dumps(ast.literal_eval(duplicate.group(1)))
        places = [m.start() for m in re.finditer(re.escape(key) + r"\s*:", text)]
        return _line_at(text, places[1]) if len(places) > 1 else None
    digits = sys.get_int_max_str_digits() + 1
    long_number = re.search(rf"\d{{{digits},}}", text)
    return _line_at(text, long_number.start()) if long_number else None


def _shortened(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _file_type(mode: int) -> str:
    """``"a named pipe"``, ``"a device"``, ... for a file that is not a regular one."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (reading it could wait forever)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


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
        status = path.stat()
    except FileNotFoundError:
        raise MaestroInputError.single(source, None, "file not found") from None
    except OSError as error:
        raise MaestroInputError.single(
            source, None, f"cannot read file: {error.strerror}"
        ) from None
    if not stat.S_ISREG(status.st_mode):
        raise MaestroInputError.single(
            source, None, f"is {_file_type(status.st_mode)}, expected a YAML or JSON file"
        )
    too_large = (
        f"more than the limit of {limits.max_file_bytes:,} "
        "(raise it with --max-file-bytes if the model is really this large)"
    )
    if status.st_size > limits.max_file_bytes:
        raise MaestroInputError.single(
            source, None, f"file is {status.st_size:,} bytes, {too_large}"
        )
    try:
        # Read at most one byte past the limit: the size a file reports can change, or lie.
        with path.open("rb") as handle:
            raw = handle.read(limits.max_file_bytes + 1)
    except OSError as error:
        raise MaestroInputError.single(
            source, None, f"cannot read file: {error.strerror}"
        ) from None
    if len(raw) > limits.max_file_bytes:
        raise MaestroInputError.single(source, None, f"file grew while read, {too_large}")
    text = decode_text(raw, source)
    return parse_document(text, source, is_json=path.suffix.lower() == ".json", limits=limits)


#: Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(raw: bytes, source: str = "<bytes>") -> str:
    r"""The text of a file: UTF-8, or UTF-16 or UTF-32 when a byte-order mark says so (what
    YAML allows).

    Raises
    ------
    MaestroInputError
        For bytes that are not such text, with the line of the first bad byte.

    Examples
    --------
    >>> decode_text("name: café".encode("utf-16"))
    'name: café'
    >>> decode_text(b"a: 1\nname: caf\xe9\n", "m.yaml")
    Traceback (most recent call last):
    ...
    maestro_graph.support.errors.MaestroInputError: m.yaml:2: not UTF-8 text (invalid ...
    """
    encoding = next((name for mark, name in _BYTE_ORDER_MARKS if raw.startswith(mark)), "utf-8")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1 if encoding == "utf-8" else None
        raise MaestroInputError.single(
            source,
            line,
            f"not {encoding.upper()} text ({error.reason} at byte {error.start:,}); save the "
            "file as UTF-8 (or UTF-16 or UTF-32 with a byte-order mark)",
        ) from None


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
