r"""Cypher export (``--to cypher``): a script that loads the model and its attack graph into a
Neo4j-compatible graph database.

The script is a sequence of statements, each ending with ``;``, that a shell runs one by one
(``cypher-shell -f maestro.cypher``). Rows go in as literal lists, ``UNWIND [{...}, ...] AS
row``, at most :data:`BATCH_SIZE` rows a statement, and every node and relationship is written
with ``MERGE`` on its key, so running the script twice leaves one copy. It does not delete what
an earlier export of a changed model left behind: start from an empty database (or
``MATCH (n) WHERE n:Component OR n:State DETACH DELETE n``) to replace a model.

=======================================  =========================================================
``(:Component)``                         key ``id``; ``name``, ``layer``, ``layer_name``, ``kind``,
                                         ``exposure``, ``trust``, ``criticality`` (integer),
                                         ``owner`` (absent when unset), ``controls`` and ``tags``
                                         (lists of text), ``properties`` (the free key/values as
                                         JSON text), ``entry`` (the attacker starts here)
``(:Component)-[:FLOW]->(:Component)``   one per flow, key ``kind``; ``label`` (absent when
                                         unset), ``controls``
``(:State)``                             one per attack state, key ``id`` =
                                         ``"<component>/<threat>"``; ``component``, ``threat``,
                                         ``threat_name``, ``layer`` and ``kind`` (the
                                         component's), ``impact``, ``likelihood``, ``entry`` and,
                                         at entries, ``entry_likelihood``
``(:State)-[:AT]->(:Component)``         the component the state is at
``(:State)-[:STEP]->(:State)``           one per transition: ``rule``, ``direction``
                                         (``forward``, ``reverse``, ``self``), ``flow_kind``
                                         (absent for a step within one component),
                                         ``likelihood``, ``cost`` (``-ln likelihood``),
                                         ``controls`` (those lowering the step)
=======================================  =========================================================

Dialects. ``neo4j`` (what ``--to cypher`` writes) opens with uniqueness constraints on
``Component.id`` and ``State.id`` (Neo4j 5 syntax; they also give ``MERGE`` its index).
``kuzu`` (:func:`render_cypher` with ``dialect="kuzu"``) opens with the ``CREATE NODE TABLE`` /
``CREATE REL TABLE`` statements the embedded database Kùzu needs instead. The statements after
that header are the same in both, but for how text holds control characters: Neo4j reads
``\n``, ``\t`` and ``\uXXXX`` escapes, Kùzu only ``\\`` and ``\'``, so the ``kuzu``
dialect writes those characters as they are.

Text is always quoted with ``'`` and escaped, so no name, label or property can end its literal
early: a component named ``x'}) DETACH DELETE (n) //`` stays a name.

Examples
--------
>>> import maestro_graph as mg
>>> script = render_cypher(mg.analyze(mg.example("netmon")))
>>> script.count("MERGE (c:Component {id: row.id})") >= 1
True
>>> print(cypher_string("it's a \\ path"))
'it\'s a \\ path'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from maestro_graph.io.exporters import ExportFormat
from maestro_graph.io.exporters._attack import state_ids, step_table

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis

Dialect = Literal["neo4j", "kuzu"]
DIALECTS: tuple[Dialect, ...] = ("neo4j", "kuzu")
#: Most rows one ``UNWIND`` statement carries: large enough that a 250,000-step graph takes a
#: few hundred statements, small enough that each parses quickly.
BATCH_SIZE = 500

Value = str | int | float | bool | None | tuple[str, ...]

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
# Control characters, the line and paragraph separators, and lone surrogates (which a Python
# string may hold but UTF-8 cannot).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    character = match.group()
    return _NAMED_ESCAPES.get(character) or f"\\u{ord(character):04x}"


def cypher_string(text: str, dialect: Dialect = "neo4j") -> str:
    r"""``text`` as a single-quoted Cypher string literal.

    Backslashes and quotes are escaped in both dialects. For ``neo4j``, control characters
    are escaped too (``\n``, ``\uXXXX``); ``kuzu`` reads no such escapes and gets them as
    they are. A lone surrogate (not text UTF-8 can hold) becomes U+FFFD for ``kuzu``.

    Examples
    --------
    >>> print(cypher_string("O'Brien"))
    'O\'Brien'
    >>> print(cypher_string("two\nlines"))
    'two\nlines'
    >>> print(cypher_string("two\nlines", "kuzu"))
    'two
    lines'
    """
    quoted = text.replace("\\", "\\\\").replace("'", "\\'")
    if dialect == "neo4j":
        quoted = _UNPRINTABLE.sub(_escaped, quoted)
    else:
        quoted = _LONE_SURROGATE.sub("\ufffd", quoted)
    return f"'{quoted}'"


def cypher_value(value: Value, dialect: Dialect = "neo4j") -> str:
    """A Cypher literal: ``NULL``, ``true``/``false``, a number (floats exactly, by ``repr``),
    a quoted string, or a list of strings.

    Examples
    --------
    >>> cypher_value(("a", "b"))
    "['a', 'b']"
    >>> cypher_value(1e-05), cypher_value(True), cypher_value(None)
    ('1e-05', 'true', 'NULL')
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return cypher_string(value, dialect)
    return "[" + ", ".join(cypher_string(item, dialect) for item in value) + "]"


@dataclass(frozen=True)
class _Table:
    """A node or relationship table: its key fields (what MERGE matches) and the others, with
    their Kùzu column types."""

    name: str
    keys: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, str], ...]

    def columns(self) -> str:
        return ", ".join(f"{name} {kind}" for name, kind in self.keys + self.fields)


_COMPONENT = _Table(
    "Component",
    (("id", "STRING"),),
    (
        ("name", "STRING"), ("layer", "STRING"), ("layer_name", "STRING"), ("kind", "STRING"),
        ("exposure", "STRING"), ("trust", "STRING"), ("criticality", "INT64"),
        ("owner", "STRING"), ("controls", "STRING[]"), ("tags", "STRING[]"),
        ("properties", "STRING"), ("entry", "BOOLEAN"),
    ),
)  # fmt: skip
_STATE = _Table(
    "State",
    (("id", "STRING"),),
    (
        ("component", "STRING"), ("threat", "STRING"), ("threat_name", "STRING"),
        ("layer", "STRING"), ("kind", "STRING"), ("impact", "DOUBLE"), ("likelihood", "DOUBLE"),
        ("entry", "BOOLEAN"), ("entry_likelihood", "DOUBLE"),
    ),
)  # fmt: skip
_FLOW = _Table(
    "FLOW",
    (("kind", "STRING"),),
    (("label", "STRING"), ("controls", "STRING[]")),
)
_STEP = _Table(
    "STEP",
    (),
    (
        ("rule", "STRING"), ("direction", "STRING"), ("flow_kind", "STRING"),
        ("likelihood", "DOUBLE"), ("cost", "DOUBLE"), ("controls", "STRING[]"),
    ),
)  # fmt: skip


def _header(analysis: Analysis, dialect: Dialect) -> list[str]:
    graph = analysis.attack_graph
    model = analysis.model
    lines = [
        # ASCII-only JSON: no line break of any kind can end the comment early.
        f"// maestro-graph export of {json.dumps(model.name)}"
        f" (catalog {analysis.catalog.version}), Cypher dialect {dialect}",
        f"// {len(model.components)} components, {len(model.flows)} flows,"
        f" {graph.state_count} attack states, {graph.transition_count} steps",
    ]
    if dialect == "neo4j":
        lines += [
            "// Load with: cypher-shell -f FILE (statements end with ';').",
            "CREATE CONSTRAINT maestro_component_id IF NOT EXISTS"
            " FOR (c:Component) REQUIRE c.id IS UNIQUE;",
            "CREATE CONSTRAINT maestro_state_id IF NOT EXISTS"
            " FOR (s:State) REQUIRE s.id IS UNIQUE;",
        ]
    else:
        lines += [
            "// Load with Kuzu's Python API: connection.execute(script_text).",
            f"CREATE NODE TABLE IF NOT EXISTS Component({_COMPONENT.columns()}, PRIMARY KEY (id));",
            f"CREATE NODE TABLE IF NOT EXISTS State({_STATE.columns()}, PRIMARY KEY (id));",
            f"CREATE REL TABLE IF NOT EXISTS FLOW(FROM Component TO Component, {_FLOW.columns()});",
            "CREATE REL TABLE IF NOT EXISTS AT(FROM State TO Component);",
            f"CREATE REL TABLE IF NOT EXISTS STEP(FROM State TO State, {_STEP.columns()});",
        ]
    return lines


class _Literals:
    """The Cypher literals of one script: each distinct text or list of texts is escaped once
    (a large graph repeats the same state ids, rule ids and control lists many times)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._made: dict[str | tuple[str, ...], str] = {}

    def text(self, value: str | None) -> str | None:
        if value is None:
            return None
        found = self._made.get(value)
        if found is None:
            found = self._made[value] = cypher_string(value, self.dialect)
        return found

    def texts(self, values: tuple[str, ...]) -> str:
        found = self._made.get(values)
        if found is None:
            found = self._made[values] = cypher_value(values, self.dialect)
        return found

    @staticmethod
    def number(value: float | int | None) -> str | None:
        return None if value is None else repr(value)

    @staticmethod
    def flag(value: bool) -> str:
        return "true" if value else "false"


#: A row: one Cypher literal per field of its family, None where the value is unset.
Row = tuple[str | None, ...]


@dataclass(frozen=True)
class _Family:
    """The statements that load one kind of node or relationship."""

    fields: tuple[str, ...]  # the rows' fields, in order
    head: str  # the clauses between UNWIND and SET
    variable: str  # what SET assigns to
    matched: tuple[str, ...]  # the fields ``head`` uses; SET assigns the others


_COMPONENTS = _Family(
    tuple(name for name, _ in _COMPONENT.keys + _COMPONENT.fields),
    "MERGE (c:Component {id: row.id})",
    "c",
    ("id",),
)
_FLOWS = _Family(
    ("source", "target", "kind", "label", "controls"),
    "MATCH (a:Component {id: row.source})\nMATCH (b:Component {id: row.target})\n"
    "MERGE (a)-[f:FLOW {kind: row.kind}]->(b)",
    "f",
    ("source", "target", "kind"),
)
_STATES = _Family(
    tuple(name for name, _ in _STATE.keys + _STATE.fields),
    "MERGE (s:State {id: row.id})",
    "s",
    ("id",),
)
_STEPS = _Family(
    ("source", "target", *(name for name, _ in _STEP.fields)),
    "MATCH (s:State {id: row.source})\nMATCH (t:State {id: row.target})\nMERGE (s)-[r:STEP]->(t)",
    "r",
    ("source", "target"),
)
# Joined on the state's component id, so it needs no rows.
_AT = "MATCH (s:State)\nMATCH (c:Component {id: s.component})\nMERGE (s)-[:AT]->(c);"


def _shape(row: Row) -> tuple[int, ...]:
    """Per field: 0 unset, 1 an empty list, 2 any other value.

    Kùzu types a literal list of maps from its first entry: a NULL there, or an empty list,
    has no type the later entries can share. Rows are therefore batched by shape, and an unset
    field is left out of its row (and of the SET) rather than written as NULL.
    """
    return tuple(0 if value is None else 1 if value == "[]" else 2 for value in row)


def _statements(family: _Family, rows: Sequence[Row], size: int) -> Iterator[str]:
    """``UNWIND [rows] AS row`` + the family's head + ``SET`` of the other fields, one
    statement per batch of at most ``size`` rows of one shape (shapes in order of first
    appearance)."""
    groups: dict[tuple[int, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(_shape(row), []).append(row)
    for shape, group in groups.items():
        present = [i for i, kind in enumerate(shape) if kind]
        names = [family.fields[i] for i in present]
        assigned = [name for name in names if name not in family.matched]
        setting = ", ".join(f"{family.variable}.{name} = row.{name}" for name in assigned)
        tail = f"\n{family.head}" + (f"\nSET {setting};" if setting else ";")
        for start in range(0, len(group), size):
            entries = ",\n".join(
                "  {" + ", ".join(f"{names[k]}: {row[i]}" for k, i in enumerate(present)) + "}"
                for row in group[start : start + size]
            )
            yield f"UNWIND [\n{entries}\n] AS row{tail}"


def render_cypher(
    analysis: Analysis, *, dialect: Dialect = "neo4j", batch_size: int = BATCH_SIZE
) -> str:
    """The model and its attack graph as a Cypher script (see the module's table).

    Parameters
    ----------
    analysis : Analysis
        The analysed model; its attack graph is built if it was not yet.
    dialect : {"neo4j", "kuzu"}
        Which database's header (constraints or table definitions) and text escapes to write.
    batch_size : int
        Most rows per ``UNWIND`` statement.

    Returns
    -------
    str
        The script, statements separated by ``;`` and a line break.

    Raises
    ------
    ValueError
        For an unknown dialect or a batch size below 1.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> script = render_cypher(mg.analyze(mg.example("netmon")), dialect="kuzu")
    >>> script.splitlines()[3].startswith("CREATE NODE TABLE IF NOT EXISTS Component(")
    True
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown Cypher dialect {dialect!r} (known: {', '.join(DIALECTS)})")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    literals = _Literals(dialect)
    statements = _header(analysis, dialect)
    statements.extend(_statements(_COMPONENTS, _component_rows(analysis, literals), batch_size))
    statements.extend(_statements(_FLOWS, _flow_rows(analysis, literals), batch_size))
    statements.extend(_statements(_STATES, _state_rows(analysis, literals), batch_size))
    statements.append(_AT)
    statements.extend(_statements(_STEPS, _step_rows(analysis, literals), batch_size))
    return "\n".join(statements) + "\n"


def _component_rows(analysis: Analysis, literal: _Literals) -> list[Row]:
    entries = {c.id for c in analysis.model.entry_components()}
    return [
        (
            literal.text(c.id),
            literal.text(c.name),
            literal.text(c.layer.value),
            literal.text(c.layer.info.name),
            literal.text(c.kind),
            literal.text(c.exposure.value),
            literal.text(c.trust.value),
            literal.number(c.criticality),
            literal.text(c.owner),
            literal.texts(tuple(c.controls)),
            literal.texts(tuple(c.tags)),
            literal.text(json.dumps(c.properties, sort_keys=True, ensure_ascii=False, default=str)),
            literal.flag(c.id in entries),
        )
        for c in analysis.model.components
    ]


def _flow_rows(analysis: Analysis, literal: _Literals) -> list[Row]:
    return [
        (
            literal.text(flow.source),
            literal.text(flow.target),
            literal.text(flow.kind.value),
            literal.text(flow.label),
            literal.texts(tuple(flow.controls)),
        )
        for flow in analysis.model.flows
    ]


def _state_rows(analysis: Analysis, literal: _Literals) -> list[Row]:
    graph = analysis.attack_graph
    entries = set(graph.entry_states)
    return [
        (
            literal.text(identifier),
            literal.text(state.component.id),
            literal.text(state.threat.id),
            literal.text(state.threat.name),
            literal.text(state.component.layer.value),
            literal.text(state.component.kind),
            literal.number(float(state.impact)),
            literal.number(float(state.likelihood)),
            literal.flag(state.index in entries),
            literal.number(_optional_float(state.entry_likelihood)),
        )
        for state, identifier in zip(graph.states, state_ids(graph), strict=True)
    ]


def _step_rows(analysis: Analysis, literal: _Literals) -> list[Row]:
    graph = analysis.attack_graph
    ids = [literal.text(identifier) for identifier in state_ids(graph)]
    table = step_table(graph)
    return [
        (
            ids[source],
            ids[target],
            literal.text(rule),
            literal.text(direction),
            literal.text(flow_kind),
            repr(likelihood),
            repr(cost),
            literal.texts(controls),
        )
        for source, target, rule, direction, flow_kind, likelihood, cost, controls in zip(
            table.source,
            table.target,
            table.rule,
            table.direction,
            table.flow_kind,
            table.likelihood,
            table.cost,
            table.controls,
            strict=True,
        )
    ]


def _optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


FORMAT = ExportFormat("cypher", "Cypher script (Neo4j)", ".cypher", render_cypher)
