"""Every malformed model ends in one clear FILE:LINE message (DESIGN section 12).

One test per bad-input case; each asserts the message and the line number.
"""

from __future__ import annotations

import pytest

import maestro_graph as mg
from maestro_graph.model.loading import Limits
from maestro_graph.support.errors import MaestroInputError, Problem

from .conftest import VALID_MODEL


def problems_of(path, **kwargs) -> tuple[Problem, ...]:
    with pytest.raises(MaestroInputError) as caught:
        mg.load_model(path, **kwargs)
    return caught.value.problems


def only_problem(path, **kwargs) -> Problem:
    problems = problems_of(path, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


def test_invalid_yaml_syntax(write_model):
    problem = only_problem(write_model("maestro: 1\nsystem:\n  name: [unclosed\ncomponents: []\n"))
    assert problem.line == 4
    assert problem.message.startswith("invalid YAML:")


def test_invalid_json_syntax(write_model):
    problem = only_problem(
        write_model('{"maestro": 1,\n "system": {"name": "x"},,\n}', "model.json")
    )
    assert problem.line == 2
    assert problem.message.startswith("invalid JSON:")


def test_json_model_is_read_with_lines(write_model):
    text = (
        '{"maestro": 1,\n "system": {"name": "x"},\n "components": [\n'
        '  {"id": "a", "layer": "L3", "kind": "agnt"}\n ]\n}\n'
    )
    problem = only_problem(write_model(text, "model.json"))
    assert problem.line == 4
    assert "unknown kind 'agnt'; did you mean 'agent'?" in problem.message


def test_top_level_not_a_mapping(write_model):
    problem = only_problem(write_model("- just\n- a list\n"))
    assert problem.line == 1
    assert "must be a mapping" in problem.message


def test_empty_file(write_model):
    problem = only_problem(write_model(""))
    assert "found an empty file" in problem.message


def test_missing_required_field(write_model):
    problem = only_problem(write_model(VALID_MODEL.replace("    kind: vector_store\n", "")))
    assert problem.line == 9
    assert problem.message == "components[1]: missing required field 'kind'"


def test_wrong_type(write_model):
    text = VALID_MODEL.replace(
        "    kind: vector_store\n", "    kind: vector_store\n    criticality: high\n"
    )
    problem = only_problem(write_model(text))
    assert problem.line == 12
    assert problem.message.startswith("components[1].criticality: Input should be a valid integer")


def test_out_of_range_value(write_model):
    text = VALID_MODEL.replace(
        "    kind: vector_store\n", "    kind: vector_store\n    criticality: 9\n"
    )
    problem = only_problem(write_model(text))
    assert problem.line == 12
    assert "less than or equal to 5" in problem.message


def test_components_not_a_list(write_model):
    problem = only_problem(write_model("maestro: 1\nsystem: {name: x}\ncomponents: web\n"))
    assert problem.line == 3
    assert problem.message.startswith("components:")


def test_unknown_field_suggests_the_right_one(write_model):
    problem = only_problem(
        write_model(VALID_MODEL.replace("    trust: untrusted", "    trst: untrusted"))
    )
    assert problem.line == 8
    assert problem.message == "components[0].trst: unknown field 'trst'; did you mean 'trust'?"


def test_bad_enum_value(write_model):
    problem = only_problem(write_model(VALID_MODEL.replace("trust: untrusted", "trust: maybe")))
    assert problem.line == 8
    assert (
        problem.message
        == "components[0].trust: Input should be 'trusted' or 'untrusted', got 'maybe'"
    )


def test_unknown_layer(write_model):
    problem = only_problem(write_model(VALID_MODEL.replace("layer: L1", "layer: L8")))
    assert problem.line == 13
    assert problem.message.startswith(
        "components[2].layer: unknown layer 'L8'; valid layers: L1 (Foundation Models)"
    )


def test_kind_of_another_layer_lists_valid_kinds(write_model):
    problem = only_problem(
        write_model(VALID_MODEL.replace("kind: foundation_model", "kind: agent"))
    )
    assert problem.line == 14
    assert (
        "kind 'agent' belongs to L3 Agent Frameworks, not L1 Foundation Models" in problem.message
    )
    assert "foundation_model, fine_tuned_model, embedding_model" in problem.message


def test_unknown_kind_lists_valid_kinds_and_suggests(write_model):
    problem = only_problem(
        write_model(VALID_MODEL.replace("kind: vector_store", "kind: vectorstore"))
    )
    assert problem.line == 11
    assert "unknown kind 'vectorstore'; did you mean 'vector_store'?" in problem.message
    assert "valid kinds on L2 Data Operations: vector_store, memory_store" in problem.message


def test_flow_to_unknown_component_suggests_a_close_id(write_model):
    problem = only_problem(write_model(VALID_MODEL.replace("    to: llm", "    to: lm")))
    assert problem.line == 20
    assert (
        problem.message == "flows[1].to: flow goes to unknown component 'lm'; did you mean 'llm'?"
    )


def test_flow_from_unknown_component(write_model):
    problem = only_problem(write_model(VALID_MODEL.replace("  - from: web", "  - from: website")))
    assert problem.line == 16
    assert "flow comes from unknown component 'website'; did you mean 'web'?" in problem.message


def test_duplicate_component_ids(write_model):
    duplicate, orphan = problems_of(write_model(VALID_MODEL.replace("  - id: llm", "  - id: kb")))
    assert duplicate.line == 12
    assert "duplicate component id 'kb' (first defined as component #2)" in duplicate.message
    assert (orphan.line, orphan.message) == (
        20,
        "flows[1].to: flow goes to unknown component 'llm'",
    )


def test_flow_to_itself(write_model):
    problem = only_problem(write_model(VALID_MODEL.replace("    to: llm", "    to: kb")))
    assert problem.line == 19
    assert problem.message == "flows[1]: flow from 'kb' to itself; a flow joins two components"


def test_duplicate_flow(write_model):
    text = VALID_MODEL + "  - from: web\n    to: kb\n    kind: data\n"
    problem = only_problem(write_model(text))
    assert problem.line == 22
    assert "duplicate flow web -> kb (data)" in problem.message


def test_model_with_no_components(write_model):
    problem = only_problem(write_model("maestro: 1\nsystem: {name: x}\ncomponents: []\n"))
    assert problem.line == 3
    assert problem.message == "components: the model has no components; add at least one"


def test_unsupported_format_version(write_model):
    problem = only_problem(write_model(VALID_MODEL.replace("maestro: 1", "maestro: 2")))
    assert problem.line == 1
    assert problem.message == "maestro: unsupported format version 2; this version reads format 1"


def test_invalid_component_id(write_model):
    path = write_model(
        VALID_MODEL.replace("  - id: llm", "  - id: My LLM").replace("to: llm", "to: kb2")
    )
    with pytest.raises(mg.MaestroInputError) as error:
        mg.load_model(path)
    first, second = error.value.problems
    assert first.line == 12
    assert "'My LLM' is not a valid id" in first.message
    # The flow to a component that is not there is reported in the same run.
    assert second.line == 20 and "flow goes to unknown component 'kb2'" in second.message


def test_unknown_attacker_entry(write_model):
    problem = only_problem(write_model(VALID_MODEL + "attacker:\n  entry: [wbe]\n"))
    assert problem.line == 23
    assert "attacker entry names unknown component 'wbe'; did you mean 'web'?" in problem.message


def test_duplicate_yaml_key(write_model):
    problem = only_problem(
        write_model(
            VALID_MODEL.replace(
                "    kind: vector_store\n", "    kind: vector_store\n    layer: L3\n"
            )
        )
    )
    assert problem.line == 12
    assert problem.message == "duplicate key 'layer' in the same mapping"


def test_yaml_alias_bomb_is_refused(write_model):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    problem = only_problem(write_model("\n".join(lines) + "\n"))
    assert "alias bomb" in problem.message
    assert problem.line is not None


def test_recursive_alias_is_refused(write_model):
    problem = only_problem(write_model("maestro: 1\nsystem: &s {name: x, self: *s}\n"))
    assert problem.line == 2


def test_non_standard_tag_is_refused(write_model):
    text = VALID_MODEL.replace(
        "  name: Tiny RAG", "  name: !!python/object/apply:os.system ['echo pwned']"
    )
    problem = only_problem(write_model(text))
    assert problem.line == 3
    assert (
        "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"
        in problem.message
    )


def test_local_tag_is_refused(write_model):
    problem = only_problem(
        write_model(VALID_MODEL.replace("  name: Tiny RAG", "  name: !secret x"))
    )
    assert problem.line == 3 and "YAML tag '!secret' is not allowed" in problem.message


def test_too_many_components(write_model):
    problem = only_problem(write_model(VALID_MODEL), limits=Limits(max_components=2))
    assert problem.line == 4
    assert (
        "3 components, more than the limit of 2 (raise it with --max-components" in problem.message
    )


def test_too_many_flows(write_model):
    problem = only_problem(write_model(VALID_MODEL), limits=Limits(max_flows=1))
    assert problem.line == 15
    assert "2 flows, more than the limit of 1" in problem.message


def test_file_too_large(write_model):
    problem = only_problem(write_model(VALID_MODEL), limits=Limits(max_file_bytes=100))
    assert problem.line is None
    assert "more than the limit of 100 (raise it with --max-file-bytes" in problem.message


def test_missing_file(tmp_path):
    problem = only_problem(tmp_path / "nope.yaml")
    assert problem.message == "file not found"


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("system: {name: caf\xe9}\n".encode("latin-1"))
    assert "not UTF-8 text" in only_problem(path).message


def test_all_problems_of_a_file_are_reported_at_once(write_model):
    text = (
        VALID_MODEL.replace("to: llm", "to: lm")
        .replace("  - id: llm", "  - id: kb")
        .replace("to: kb", "to: web")
    )
    problems = problems_of(write_model(text))
    assert len(problems) >= 3
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_every_message_names_the_file(write_model):
    path = write_model(VALID_MODEL.replace("layer: L1", "layer: L8"))
    with pytest.raises(MaestroInputError) as caught:
        mg.load_model(path)
    assert str(caught.value).startswith(f"{path}:13: ")


def test_every_problem_of_a_model_comes_in_one_run(run_cli, tmp_path):
    """Types, references and the catalog's words are reported together, not in rounds."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "maestro: 1\n"
        "system: {name: broken}\n"
        "components:\n"
        "  - {id: web, layer: L2, kind: document_source, criticality: 9}\n"
        "  - {id: kb, layer: L2, kind: vectorstore, controls: [provenance-trackin]}\n"
        "  - {id: agent, layer: L3, kind: agent, exposure: wide}\n"
        "flows:\n"
        "  - {from: web, to: kbb, kind: data}\n"
        "  - {from: kb, to: agent, kind: reads}\n",
        encoding="utf-8",
    )
    result = run_cli("validate", broken)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error: ")]
    expected = [
        (":4:", "criticality"),
        (":5:", "unknown control 'provenance-trackin'"),
        (":5:", "unknown kind 'vectorstore'"),
        (":6:", "exposure"),
        (":8:", "unknown component 'kbb'"),
        (":9:", "flows[1].kind"),
    ]
    assert len(lines) == len(expected), result.output
    for line, (where, what) in zip(lines, expected, strict=True):
        assert where in line and what in line, line
    assert "6 problems found" in result.output


def test_an_unreadable_component_adds_no_false_reference_problem(run_cli, tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(
        "maestro: 1\nsystem: {name: m}\ncomponents:\n"
        "  - {id: a, layer: L9, kind: agent}\n"
        "  - {id: b, layer: L2, kind: database}\n"
        "flows:\n  - {from: b, to: a, kind: data}\n",
        encoding="utf-8",
    )
    result = run_cli("validate", model)
    assert result.exit_code == 2
    assert "layer" in result.output and "unknown component" not in result.output
