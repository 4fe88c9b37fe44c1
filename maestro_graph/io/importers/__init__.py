"""Importers: models derived from the files teams already have.

``maestro-graph import SOURCE`` reads a file another tool wrote and writes a maestro-graph model.
Each format lives in its own module and is described by one :class:`ImportFormat`; the
registry :data:`FORMATS` is a tuple, so there is no global state to change.

========================  =========================================================
``mcp``                   MCP client configuration (Claude Desktop, Cursor, Windsurf,
                          VS Code, Claude Code)
``otm``                   Open Threat Model 0.1.0 / 0.2.0 (JSON or YAML)
``threat-dragon``         OWASP Threat Dragon v2 JSON
``threagile``             Threagile YAML
``cyclonedx``             CycloneDX 1.5-1.7 JSON bill of materials (ML-BOM)
========================  =========================================================

Examples
--------
>>> [f.name for f in FORMATS]
['cyclonedx', 'otm', 'threat-dragon', 'threagile', 'mcp']
>>> detect_format({"otmVersion": "0.2.0", "project": {}}, "x.json").name
'otm'
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from maestro_graph.catalog import Catalog
from maestro_graph.io.importers.base import ImportFormat, ImportResult, ModelBuilder, TypeMapping
from maestro_graph.model.loading import (
    DEFAULT_LIMITS,
    Document,
    Limits,
    decode_text,
    parse_document,
    read_document,
)
from maestro_graph.support.errors import MaestroInputError

__all__ = [
    "FORMATS",
    "ImportFormat",
    "ImportResult",
    "ModelBuilder",
    "TypeMapping",
    "detect_format",
    "import_file",
    "read_source",
]


def _formats() -> tuple[ImportFormat, ...]:
    from maestro_graph.io.importers import cyclonedx, mcp, otm, threagile, threat_dragon

    # Most specific markers first: an MCP configuration is recognised by keys other
    # formats could also hold.
    return (cyclonedx.FORMAT, otm.FORMAT, threat_dragon.FORMAT, threagile.FORMAT, mcp.FORMAT)


FORMATS: tuple[ImportFormat, ...] = _formats()


def format_named(name: str) -> ImportFormat:
    """The format called ``name`` (``--from``).

    Raises
    ------
    MaestroInputError
        For an unknown name, listing the known ones.
    """
    for candidate in FORMATS:
        if candidate.name == name.lower():
            return candidate
    known = ", ".join(f.name for f in FORMATS)
    raise MaestroInputError.single("--from", None, f"unknown format {name!r} (known: {known})")


def detect_format(data: Any, file_name: str) -> ImportFormat | None:
    """The format whose markers ``data`` carries, or None."""
    for candidate in FORMATS:
        if candidate.detect(data, file_name):
            return candidate
    return None


_JSONC_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_JSONC_TRAILING_COMMA = re.compile(r'"(?:\\.|[^"\\])*"|,(?=\s*[}\]])')


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (VS Code's settings) as strict JSON.

    Examples
    --------
    >>> strip_jsonc('{"a": "http://x", // note\\n "b": [1, 2,], /* c */}')
    '{"a": "http://x", \\n "b": [1, 2] }'
    """

    def keep_strings(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token.startswith('"') else ""

    return _JSONC_TRAILING_COMMA.sub(keep_strings, _JSONC_COMMENT.sub(keep_strings, text))


def read_source(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read a file to import: JSON (comments and trailing commas allowed) or YAML.

    Raises
    ------
    MaestroInputError
        When the file is missing, unreadable or malformed (exit code 2 at the command line).
    """
    path = Path(path)
    if path.suffix.lower() == ".toml":
        return _read_toml(path, limits)
    if path.suffix.lower() == ".xml":
        raise MaestroInputError.single(
            str(path), None, "XML is not read: export the file as JSON (CycloneDX JSON, OTM JSON)"
        )
    try:
        return read_document(path, limits=limits)
    except MaestroInputError as strict_error:
        if path.suffix.lower() not in {".json", ".jsonc", ".code-workspace"}:
            raise
        text = path.read_text(encoding="utf-8-sig", errors="strict")
        try:
            return parse_document(strip_jsonc(text), str(path), is_json=True, limits=limits)
        except MaestroInputError:
            raise strict_error from None


def _read_toml(path: Path, limits: Limits) -> Document:
    """A TOML file (Codex CLI's ``config.toml``); TOML errors carry their line."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = "file not found" if isinstance(error, FileNotFoundError) else error.strerror
        raise MaestroInputError.single(source, None, f"cannot read file: {reason}") from None
    if len(raw) > limits.max_file_bytes:
        raise MaestroInputError.single(source, None, f"file is {len(raw):,} bytes, over the limit")
    try:
        data = tomllib.loads(decode_text(raw, source))
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise MaestroInputError.single(
            source, int(line.group(1)) if line else None, f"invalid TOML: {error}"
        ) from None
    return Document(data, source)


def import_file(
    path: str | Path,
    *,
    format_name: str | None = None,
    mapping: TypeMapping | None = None,
    catalog: Catalog | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportResult:
    """Import a file another tool wrote as a checked maestro-graph model.

    Parameters
    ----------
    path : str or Path
        The file to import.
    format_name : str, optional
        One of :data:`FORMATS`' names; default: detected from the file's content.
    mapping : TypeMapping, optional
        Layer and kind overrides (``--mapping``).
    catalog : Catalog, optional
        The vocabulary to check the result against; default: the built-in catalog.

    Returns
    -------
    ImportResult
        The model, the format and every warning (what could not be carried over).

    Raises
    ------
    MaestroInputError
        For an unreadable or malformed file, an undetectable format, or a file with nothing
        to import.
    """
    document = read_source(path, limits=limits)
    chosen = format_named(format_name) if format_name else None
    if chosen is None:
        chosen = detect_format(document.data, Path(path).name)
        if chosen is None:
            known = ", ".join(f.name for f in FORMATS)
            raise MaestroInputError.single(
                document.source,
                None,
                f"cannot tell the format of this file; name it with --from ({known})",
            )
    builder = ModelBuilder(document, chosen.name, mapping, catalog)
    try:
        return chosen.convert(document, builder)
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as error:
        if isinstance(error, MaestroInputError):
            raise
        # A file of the wrong shape for its format (a list where an object belongs, a missing
        # section): a clear refusal, not a traceback.
        raise MaestroInputError.single(
            document.source, None, f"not a readable {chosen.title} file ({type(error).__name__}: "
            f"{str(error)[:200]})"
        ) from None
