"""Cypher export: the script loads into a real embedded graph database (Kùzu, a dev extra)
and holds the model and the attack graph; text cannot leave its string literals."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import kuzu
import pytest

import maestro_graph as mg
from maestro_graph.io.exporters.cypher import cypher_string, render_cypher

from .conftest import VALID_MODEL
from .export_models import EXAMPLES, HOSTILE_TEXTS, hostile_model
from .golden import assert_golden

# A single-quoted literal with backslash escapes: what both dialects write.
LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'", re.DOTALL)
NEO4J_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def neo4j_unquote(literal: str) -> str:
    """What Neo4j reads from a string literal (its documented escapes only)."""
    assert literal[0] == literal[-1] == "'"
    text, position, body = [], 0, literal[1:-1]
    while position < len(body):
        character = body[position]
        assert character != "'", "unescaped quote"
        assert character.isprintable() or character == " ", f"raw {character!r}"
        if character != "\\":
            text.append(character)
            position += 1
            continue
        escape = body[position + 1]
        if escape == "u":
            text.append(chr(int(body[position + 2 : position + 6], 16)))
            position += 6
        else:
            text.append(NEO4J_ESCAPES.get(escape, escape))
            assert escape in NEO4J_ESCAPES or escape in "\\'\"", f"unknown escape {escape}"
            position += 2
    return "".join(text)


def database(path: Path) -> kuzu.Connection:
    """A fresh Kùzu database, its buffer pool kept small (the default takes 80% of the RAM)."""
    return kuzu.Connection(
        kuzu.Database(str(path), buffer_pool_size=128 * 2**20, max_db_size=2**30)
    )


def load(script: str, path: Path) -> kuzu.Connection:
    connection = database(path)
    connection.execute(script)
    return connection


def rows(connection: kuzu.Connection, query: str, **parameters: Any) -> list[list[Any]]:
    return connection.execute(query, parameters).get_all()


def count(connection: kuzu.Connection, pattern: str) -> int:
    return rows(connection, f"MATCH {pattern} RETURN count(*)")[0][0]


def _kuzu(name_or_model: str | mg.SystemModel, path: Path, **options: Any):
    model = mg.example(name_or_model) if isinstance(name_or_model, str) else name_or_model
    analysis = mg.analyze(model)
    return analysis, load(render_cypher(analysis, dialect="kuzu", **options), path / "db")


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_load_with_every_node_and_relationship(name: str, tmp_path: Path) -> None:
    analysis, connection = _kuzu(name, tmp_path)
    model, graph = analysis.model, analysis.attack_graph
    assert count(connection, "(c:Component)") == len(model.components)
    assert count(connection, "()-[f:FLOW]->()") == len(model.flows)
    assert count(connection, "(s:State)") == graph.state_count
    assert count(connection, "()-[r:STEP]->()") == graph.transition_count
    assert count(connection, "(s:State)-[:AT]->(c:Component)") == graph.state_count
    assert count(connection, "(s:State)-[:AT]->(c:Component) WHERE s.component = c.id") == (
        graph.state_count
    )
    found = {
        row[0]: row[1:]
        for row in rows(
            connection,
            "MATCH (c:Component) RETURN c.id, c.name, c.layer, c.kind, c.criticality, c.owner,"
            " c.controls, c.tags, c.properties, c.entry",
        )
    }
    entries = {c.id for c in model.entry_components()}
    for c in model.components:
        assert found[c.id] == [
            c.name,
            c.layer.value,
            c.kind,
            c.criticality,
            c.owner,
            list(c.controls),
            list(c.tags),
            found[c.id][7],
            c.id in entries,
        ]
        assert json.loads(found[c.id][7]) == c.properties
    flows = rows(
        connection,
        "MATCH (a:Component)-[f:FLOW]->(b:Component) RETURN a.id, b.id, f.kind, f.label, f.controls",
    )
    assert sorted(flows, key=str) == sorted(
        ([f.source, f.target, f.kind.value, f.label, list(f.controls)] for f in model.flows),
        key=str,
    )
    entry_states = rows(connection, "MATCH (s:State) WHERE s.entry RETURN count(*)")[0][0]
    assert entry_states == len(graph.entry_states)


@pytest.mark.parametrize("name", EXAMPLES)
def test_top_chain_is_a_path_of_steps(name: str, tmp_path: Path) -> None:
    analysis, connection = _kuzu(name, tmp_path)
    chain = analysis.paths(top=1)[0]
    ids = ["/".join(step.state.key) for step in chain.steps]
    nodes = [f"(s{i}:State {{id: $p{i}}})" for i in range(len(ids))]
    pattern = "-[:STEP]->".join(nodes)
    rules = ", ".join(f"r{i}.rule" for i in range(1, len(ids)))
    named = "".join(
        f"{nodes[i - 1] if i == 1 else ''}-[r{i}:STEP]->{nodes[i]}" for i in range(1, len(ids))
    )
    parameters = {f"p{i}": identifier for i, identifier in enumerate(ids)}
    assert len(ids) >= 2
    assert rows(connection, f"MATCH {pattern} RETURN count(*)", **parameters) == [[1]]
    found = rows(connection, f"MATCH {named} RETURN {rules}", **parameters)
    assert found == [[step.transition.rule.id for step in chain.steps[1:]]]
    first = rows(connection, "MATCH (s:State {id: $p}) RETURN s.entry", p=ids[0])
    assert first == [[not chain.assumed_breach]]


def test_hostile_text_round_trips_and_runs_nothing(tmp_path: Path) -> None:
    analysis, connection = _kuzu(hostile_model(), tmp_path)
    name, quoted, markup, lines, unicode, control = HOSTILE_TEXTS
    names = dict(rows(connection, "MATCH (c:Component) RETURN c.id, c.name"))
    assert names == {"web": name, "kb": lines, "llm": control}
    assert rows(connection, "MATCH (c:Component {id: 'web'}) RETURN c.tags") == [
        [[quoted, unicode]]
    ]
    assert rows(connection, "MATCH (c:Component {id: 'kb'}) RETURN c.owner") == [
        [analysis.model.component("kb").owner]
    ]
    labels = rows(connection, "MATCH (a)-[f:FLOW]->(b) RETURN a.id, f.label ORDER BY a.id")
    assert labels == [["kb", control], ["web", markup]]
    properties = rows(connection, "MATCH (c:Component {id: 'web'}) RETURN c.properties")
    assert json.loads(properties[0][0]) == analysis.model.component("web").properties
    assert count(connection, "(c:Component)") == 3
    assert count(connection, "(s:State)") == analysis.attack_graph.state_count


@pytest.mark.parametrize("dialect", ["neo4j", "kuzu"])
def test_nothing_hostile_outside_string_literals(dialect: str) -> None:
    script = render_cypher(mg.analyze(hostile_model()), dialect=dialect)
    body = "\n".join(line for line in script.splitlines() if not line.startswith("//"))
    outside = LITERAL.sub("''", body)
    for fragment in ("DETACH", "<tag", "lines", "Ünïcödé", "nul", "say"):
        assert fragment not in outside, fragment
    for text in HOSTILE_TEXTS:  # each is a name, a label or a tag
        assert cypher_string(text, dialect) in script
    header = [line for line in script.splitlines() if line.startswith("//")]
    assert len(header) == 3 and all(line.isascii() for line in header)


@pytest.mark.parametrize("text", [*HOSTILE_TEXTS, "", "\\", "'", "\ud800 lone surrogate"])
def test_neo4j_literal_reads_back_as_the_text(text: str) -> None:
    literal = cypher_string(text, "neo4j")
    assert LITERAL.fullmatch(literal)
    assert neo4j_unquote(literal) == text


@pytest.mark.parametrize("text", [*HOSTILE_TEXTS, "", "\\", "'", "\\'"])
def test_kuzu_literal_reads_back_as_the_text(text: str, tmp_path: Path) -> None:
    connection = database(tmp_path / "db")
    assert rows(connection, f"RETURN {cypher_string(text, 'kuzu')}") == [[text]]


@pytest.mark.parametrize("name", EXAMPLES)
def test_dialects_differ_only_in_their_header(name: str) -> None:
    analysis = mg.analyze(mg.example(name))
    neo4j = render_cypher(analysis, dialect="neo4j").splitlines()
    kuzu_script = render_cypher(analysis, dialect="kuzu").splitlines()
    assert neo4j[5:] == kuzu_script[8:]
    assert [line for line in neo4j[:5] if line.startswith("CREATE CONSTRAINT")] == [
        "CREATE CONSTRAINT maestro_component_id IF NOT EXISTS"
        " FOR (c:Component) REQUIRE c.id IS UNIQUE;",
        "CREATE CONSTRAINT maestro_state_id IF NOT EXISTS FOR (s:State) REQUIRE s.id IS UNIQUE;",
    ]
    assert neo4j[5].startswith("UNWIND [")


def test_small_batches_and_a_second_run_change_nothing(tmp_path: Path) -> None:
    analysis = mg.analyze(mg.example("rag-agent"))
    script = render_cypher(analysis, dialect="kuzu", batch_size=7)
    assert script.count("UNWIND [") > analysis.attack_graph.transition_count // 7
    connection = load(script, tmp_path / "db")
    connection.execute(script)  # MERGE: loading twice leaves one copy
    assert count(connection, "(c:Component)") == len(analysis.model.components)
    assert count(connection, "()-[f:FLOW]->()") == len(analysis.model.flows)
    assert count(connection, "(s:State)") == analysis.attack_graph.state_count
    assert count(connection, "()-[r:STEP]->()") == analysis.attack_graph.transition_count
    assert count(connection, "()-[:AT]->()") == analysis.attack_graph.state_count


def test_same_model_same_bytes() -> None:
    first = render_cypher(mg.analyze(mg.example("multi-agent")))
    assert first == render_cypher(mg.analyze(mg.example("multi-agent")))


def test_bad_options_are_refused() -> None:
    analysis = mg.analyze(mg.example("netmon"))
    with pytest.raises(ValueError, match="unknown Cypher dialect 'memgraph'"):
        render_cypher(analysis, dialect="memgraph")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        render_cypher(analysis, batch_size=0)


def test_tiny_model_golden(write_model) -> None:
    text = render_cypher(mg.analyze(mg.load_model(write_model(VALID_MODEL))))
    assert_golden("export-tiny.cypher", text.replace(mg.load_catalog().version, "CATALOG"))


def test_cli_writes_the_neo4j_script(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "netmon.cypher"
    result = run_cli("export", "--example", "netmon", "--to", "cypher", "-o", out)
    assert result.exit_code == 0, result.output
    script = out.read_text(encoding="utf-8")
    assert script == render_cypher(mg.analyze(mg.example("netmon")))
    assert "CREATE CONSTRAINT maestro_state_id" in script


def test_cli_writes_either_dialect(run_cli):
    neo4j = run_cli("export", "--example", "netmon", "--to", "cypher")
    kuzu = run_cli("export", "--example", "netmon", "--to", "cypher", "--dialect", "kuzu")
    assert neo4j.exit_code == 0 and kuzu.exit_code == 0
    assert "CREATE CONSTRAINT" in neo4j.output and "CREATE NODE TABLE" not in neo4j.output
    assert "CREATE NODE TABLE" in kuzu.output
