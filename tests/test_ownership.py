"""Ownership: the optional ``owner`` of components, and where it shows (issue 11, item 4).

The model file carries it; ``validate`` lists the components without one; chains, ``components``
and the report name owners; ``baseline`` pre-fills each acceptance's owner from its chain.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

import maestro_graph as mg
from maestro_graph.regression import DEFAULT_OWNER, load_baseline, make_baseline
from maestro_graph.render.report import Paragraph, Table, build_report, to_markdown
from maestro_graph.render.summary import NO_OWNER_HINT
from maestro_graph.support.errors import MaestroInputError

#: A small model whose one chain crosses web (no owner), kb and agent (data-eng), llm
#: (ml-platform) and mail (no owner).
OWNED = """\
maestro: 1
system: {name: Owned RAG}
components:
  - {id: web, layer: L2, kind: document_source, trust: untrusted}
  - {id: kb, layer: L2, kind: vector_store, owner: data-eng}
  - {id: llm, layer: L1, kind: foundation_model, owner: ml-platform}
  - {id: agent, layer: L3, kind: agent, owner: data-eng}
  - {id: mail, layer: L3, kind: tool, criticality: 5}
flows:
  - {from: web, to: kb, kind: data}
  - {from: kb, to: llm, kind: data}
  - {from: agent, to: llm, kind: invokes}
  - {from: agent, to: mail, kind: invokes}
"""

#: The same model with no owner anywhere.
UNOWNED = re.sub(r", owner: [a-z-]+", "", OWNED)


def bad_owner_model(owner: str) -> str:
    return (
        "maestro: 1\n"
        "system: {name: x}\n"
        "components:\n"
        "  - id: kb\n"
        "    layer: L2\n"
        "    kind: vector_store\n"
        f"    owner: {owner}\n"
    )


# -- the model file -------------------------------------------------------------------------------


def test_owner_round_trips_through_yaml(write_model):
    model = mg.load_model(write_model(OWNED))
    assert model.component("kb").owner == "data-eng"
    assert model.component("web").owner is None
    data = model.to_data()
    assert data["components"][1]["owner"] == "data-eng"
    assert "owner" not in data["components"][0], "no owner is left out, not written as null"
    again = mg.model_from_text(model.to_yaml())
    assert again == model
    assert [c.owner for c in again.components] == [
        None,
        "data-eng",
        "ml-platform",
        "data-eng",
        None,
    ]


def test_owner_round_trips_through_json(write_model):
    model = mg.load_model(write_model(OWNED))
    path = write_model(json.dumps(model.to_data(), indent=2), "model.json")
    from_json = mg.load_model(path)
    assert from_json == model
    assert from_json.component("llm").owner == "ml-platform"


def test_owner_surrounding_blanks_are_dropped(write_model):
    model = mg.load_model(write_model(bad_owner_model('"  netops "')))
    assert model.component("kb").owner == "netops"


@pytest.mark.parametrize(
    ("value", "shown"),
    [('""', "''"), ('"   "', "'   '"), ("3", "3"), ("[netops, secops]", "['netops', 'secops']")],
)
def test_a_bad_owner_is_refused_with_its_line(write_model, value, shown):
    with pytest.raises(MaestroInputError) as caught:
        mg.load_model(write_model(bad_owner_model(value)))
    (problem,) = caught.value.problems
    assert problem.line == 7
    assert problem.message == (
        f"components[0].owner: an owner is one line naming a team, a person or a role, got {shown}"
    )


def test_a_multi_line_owner_is_refused(write_model):
    with pytest.raises(MaestroInputError) as caught:
        mg.load_model(write_model(bad_owner_model('"netops\\nsecops"')))
    assert caught.value.problems[0].line == 7
    assert "an owner is one line" in caught.value.problems[0].message


def test_a_bad_owner_in_a_json_model_names_its_line(write_model):
    text = (
        '{"maestro": 1,\n "system": {"name": "x"},\n "components": [\n'
        '  {"id": "kb", "layer": "L2", "kind": "vector_store",\n'
        '   "owner": 42}\n ]\n}\n'
    )
    with pytest.raises(MaestroInputError) as caught:
        mg.load_model(write_model(text, "model.json"))
    (problem,) = caught.value.problems
    assert problem.line == 5
    assert problem.message.startswith("components[0].owner: an owner is one line")


def test_a_bad_owner_at_the_command_line_exits_2(run_cli, write_model):
    result = run_cli("validate", write_model(bad_owner_model('""')))
    assert result.exit_code == 2
    assert "model.yaml:7: components[0].owner: an owner is one line" in result.output


def test_schema_describes_the_owner(run_cli):
    schema = json.loads(run_cli("schema").stdout)
    owner = schema["$defs"]["Component"]["properties"]["owner"]
    assert {"type": "string", "minLength": 1} in owner["anyOf"]
    assert "owner" not in schema["$defs"]["Component"].get("required", [])
    assert owner["description"]


def test_bundled_examples_name_owners():
    for name in mg.example_names():
        owners = {c.owner for c in mg.example(name).components}
        assert len(owners - {None}) >= 3, name
    netmon = mg.example("netmon")
    assert [c.id for c in netmon.components if c.owner is None] == ["history", "upstream"]
    assert netmon.component("capture").owner == "netops"
    assert netmon.component("planner").owner == "ml-platform"
    assert netmon.component("audit").owner == "secops"


# -- validate -------------------------------------------------------------------------------------


def test_validate_lists_the_components_without_an_owner(run_cli, write_model):
    result = run_cli("validate", write_model(OWNED), "--strict")
    assert result.exit_code == 0, result.output
    assert "Components with no owner (2 of 5): web, mail" in result.stdout.splitlines()
    assert "Warnings" not in result.stdout, "an unowned component is information, not a warning"
    data = json.loads(run_cli("validate", write_model(OWNED), "--format", "json").stdout)
    assert data["owners"] == ["data-eng", "ml-platform"]
    assert data["unowned_components"] == ["web", "mail"]
    assert data["warnings"] == []


def test_validate_gives_one_hint_when_no_component_has_an_owner(run_cli, write_model):
    result = run_cli("validate", write_model(UNOWNED))
    assert result.exit_code == 0, result.output
    about_owners = [line for line in result.stdout.splitlines() if "owner" in line]
    assert about_owners == [NO_OWNER_HINT]
    assert "add `owner:` to components" in NO_OWNER_HINT


def test_validate_caps_a_long_list_of_unowned_components(run_cli, write_model):
    components = "".join(f"  - {{id: store{n:02}, layer: L2, kind: database}}\n" for n in range(25))
    text = (
        "maestro: 1\nsystem: {name: many}\ncomponents:\n"
        "  - {id: agent, layer: L3, kind: agent, owner: ml-platform}\n" + components
    )
    result = run_cli("validate", write_model(text))
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.stdout.splitlines() if "no owner" in line]
    shown = ", ".join(f"store{n:02}" for n in range(10))
    assert line == f"Components with no owner (25 of 26): {shown} and 15 more"


def test_validate_says_when_every_component_has_an_owner(run_cli):
    result = run_cli("validate", "--example", "rag-agent")
    (line,) = [line for line in result.stdout.splitlines() if "owner" in line]
    assert line.startswith("Every component has an owner: support, web, platform, ml-platform")


# -- chains ---------------------------------------------------------------------------------------


def test_chain_owners_follow_the_route_once_each_without_the_unowned(write_model):
    model = mg.load_model(write_model(OWNED))
    (chain,) = mg.analyze(model).paths(top=5)
    assert chain.route == ("web", "kb", "llm", "agent", "mail")
    assert chain.owners == ("data-eng", "ml-platform")


def test_chain_owners_match_the_components_they_cross():
    model = mg.example("multi-agent")
    for chain in mg.analyze(model).paths(top=10):
        expected = dict.fromkeys(
            model.component(c).owner for c in chain.route if model.component(c).owner
        )
        assert chain.owners == tuple(expected)


def test_chain_record_lists_owners_after_the_target(run_cli, write_model):
    data = json.loads(run_cli("paths", write_model(OWNED), "--format", "json").stdout)
    (record,) = data["chains"]
    keys = list(record)
    assert keys[keys.index("target") + 1] == "owners"
    assert record["owners"] == ["data-eng", "ml-platform"]
    unowned = json.loads(run_cli("paths", write_model(UNOWNED), "--format", "json").stdout)
    assert unowned["chains"][0]["owners"] == []


def test_explain_names_the_owners_under_the_header_only_when_there_are_some(write_model):
    (chain,) = mg.analyze(mg.load_model(write_model(OWNED))).paths(top=5)
    lines = chain.explain().splitlines()
    assert lines[1] == "   owners: data-eng, ml-platform"
    assert sum("owners:" in line for line in lines) == 1
    (bare,) = mg.analyze(mg.load_model(write_model(UNOWNED, "bare.yaml"))).paths(top=5)
    assert "owners:" not in bare.explain()
    assert bare.explain().splitlines()[1:] == lines[2:], "the rest of the story is unchanged"


# -- components -----------------------------------------------------------------------------------


def test_components_frame_has_an_owner_column(write_model):
    frame = mg.analyze(mg.load_model(write_model(OWNED))).components()
    owners = dict(zip(frame["component"], frame["owner"], strict=True))
    assert owners == {
        "web": "",
        "kb": "data-eng",
        "llm": "ml-platform",
        "agent": "data-eng",
        "mail": "",
    }


def test_components_command_shows_owners_in_every_format(run_cli, write_model):
    path = write_model(OWNED.replace("owner: ml-platform", 'owner: "ml, platform"'))
    table = run_cli("components", path)
    assert table.exit_code == 0, table.output
    header = table.stdout.splitlines()[2]
    assert header.split()[-1] == "owner"
    kb = next(line for line in table.stdout.splitlines() if line.startswith("kb "))
    assert kb.rstrip().endswith("data-eng")

    rows = list(csv.DictReader(io.StringIO(run_cli("components", path, "--format", "csv").stdout)))
    by_id = {row["component"]: row for row in rows}
    assert by_id["llm"]["owner"] == "ml, platform", "an owner with a comma stays one CSV cell"
    assert by_id["web"]["owner"] == ""

    data = json.loads(run_cli("components", path, "--format", "json").stdout)
    by_id = {row["component"]: row for row in data["components"]}
    assert by_id["agent"]["owner"] == "data-eng" and by_id["mail"]["owner"] is None


# -- report ---------------------------------------------------------------------------------------


def test_report_has_an_owners_table_and_chain_owners():
    blocks = build_report(mg.analyze(mg.example("netmon")), top=5, figures=False)
    owner_tables = [
        b for b in blocks if isinstance(b, Table) and b.headers == ("owner", "components")
    ]
    (table,) = owner_tables
    rows = dict(table.rows)
    assert rows["ml-platform"] == "`llm`, `tuner`, `planner`"
    assert rows["no owner"] == "`history`, `upstream`"
    (chains,) = [b for b in blocks if isinstance(b, Table) and "chain" in b.headers]
    assert chains.headers[-1] == "owners"
    top = mg.analyze(mg.example("netmon")).paths(top=5)
    assert [row[-1] for row in chains.rows] == [", ".join(c.owners) or "-" for c in top]
    text = to_markdown(blocks)
    assert f"   owners: {', '.join(top[0].owners)}" in text


def test_report_gives_one_hint_when_no_component_has_an_owner(write_model):
    model = mg.load_model(write_model(UNOWNED))
    blocks = build_report(mg.analyze(model), top=3, figures=False)
    hints = [b for b in blocks if isinstance(b, Paragraph) and "owner" in b.text]
    assert len(hints) == 1 and hints[0].text.startswith("No component names an owner")
    assert not [b for b in blocks if isinstance(b, Table) and b.headers[0] == "owner"]


def test_html_report_carries_owners(run_cli, tmp_path):
    target = tmp_path / "report.html"
    result = run_cli("report", "--example", "netmon", "--no-figures", "-o", target)
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "<th>owner</th><th>components</th>" in text
    assert "<td>no owner</td>" in text
    assert "owners: " in text


# -- baseline -------------------------------------------------------------------------------------


def test_baseline_names_the_owners_of_each_chain(run_cli, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    result = run_cli("baseline", "--example", "netmon", "--min-band", "medium", "-o", path)
    assert result.exit_code == 0, result.output
    chains = {c.id: c for c in mg.analyze(mg.example("netmon")).gate_chains("medium")}
    accepted = load_baseline(path).accepted
    assert accepted
    for entry in accepted:
        assert entry.owner == (", ".join(chains[entry.id].owners) or DEFAULT_OWNER)
    assert any(", " in entry.owner for entry in accepted), "a chain crossing teams names each"
    assert "fill in each justification" in result.stderr


def test_baseline_falls_back_to_todo_when_no_component_has_an_owner(run_cli, write_model):
    result = run_cli("baseline", write_model(UNOWNED), "--min-band", "low")
    assert result.exit_code == 0, result.output
    owners = re.findall(r"^  owner: (.*)$", result.stdout, flags=re.MULTILINE)
    assert owners and set(owners) == {DEFAULT_OWNER}
    assert f"the {len(owners)} owner" in result.stderr


def test_an_explicit_owner_wins_over_the_chain_owners(run_cli, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    result = run_cli("baseline", "--example", "netmon", "--owner", "secteam", "-o", path)
    assert result.exit_code == 0, result.output
    assert {entry.owner for entry in load_baseline(path).accepted} == {"secteam"}
    todo = run_cli("baseline", "--example", "netmon", "--owner", "TODO")
    assert set(re.findall(r"^  owner: (.*)$", todo.stdout, flags=re.MULTILINE)) == {"TODO"}
    blank = run_cli("baseline", "--example", "netmon", "--owner", " ")
    assert blank.exit_code == 2
    assert "--owner: must name a team, a person or a role" in blank.output


def test_make_baseline_prefills_owners_unless_given():
    analysis = mg.analyze(mg.example("rag-agent"))
    prefilled = make_baseline(analysis, "high")
    chains = {c.id: c for c in analysis.gate_chains("high")}
    assert [e.owner for e in prefilled.accepted] == [
        ", ".join(chains[e.id].owners) for e in prefilled.accepted
    ]
    given = make_baseline(analysis, "high", owner="appsec")
    assert {e.owner for e in given.accepted} == {"appsec"}
    with pytest.raises(MaestroInputError, match="--owner"):
        make_baseline(analysis, "high", owner="")


def test_update_keeps_reviewed_owners_and_prefills_new_ones(run_cli, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    run_cli("baseline", "--example", "netmon", "--min-band", "high", "-o", path)
    first = load_baseline(path).accepted[0]
    text = re.sub(r"owner: .*", "owner: alice (reviewed)", path.read_text(), count=1)
    path.write_text(text)
    result = run_cli(
        "baseline", "--example", "netmon", "--min-band", "medium", "-o", path, "--update"
    )
    assert result.exit_code == 0, result.output
    updated = load_baseline(path)
    assert updated.entry(first.id).owner == "alice (reviewed)"
    chains = {c.id: c for c in mg.analyze(mg.example("netmon")).gate_chains("medium")}
    for entry in updated.accepted:
        if entry.id != first.id:
            assert entry.owner == (", ".join(chains[entry.id].owners) or DEFAULT_OWNER)
    # --owner on --update applies to the new entries only.
    path.write_text(text)
    run_cli(
        "baseline", "--example", "netmon", "--min-band", "medium", "-o", path, "--update",
        "--owner", "appsec",
    )  # fmt: skip
    again = load_baseline(path)
    kept = {e.id: e.owner for e in load_baseline_text(text, tmp_path).accepted}
    assert again.entry(first.id).owner == "alice (reviewed)"
    for entry in again.accepted:
        assert entry.owner == kept.get(entry.id, "appsec")
    assert len(again.accepted) > len(kept)


def load_baseline_text(text: str, folder) -> mg.regression.Baseline:
    path = folder / "previous.yaml"
    path.write_text(text)
    return load_baseline(path)


def test_components_in_markdown_and_the_reach_under_its_own_name(run_cli):
    markdown = run_cli("components", "--example", "netmon", "--format", "md")
    assert markdown.exit_code == 0
    assert "| component | layer | entry | reached from | blast radius | owner |" in markdown.output
    data = json.loads(run_cli("components", "--example", "netmon", "--format", "json").output)
    first = data["components"][0]
    assert first["reached_from"] == first["exposure"]
