"""Hostile input ends in one message and exit 2: never a hang, a traceback or a wrong answer.

Each case is one of issue 10's findings: a file that is not a regular file (a named pipe would
block the read forever, a device never ends), a rule folder with such a file in it, an example
name that walks out of the bundled examples, and ``maestro: true`` read as version 1.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import maestro_graph as mg
from maestro_graph.cli import main
from maestro_graph.support.errors import MaestroInputError

from .conftest import VALID_MODEL

RULES = Path(mg.__file__).parent.parent / "rules"


def _run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _fails_cleanly(result, *expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_as_the_model_is_refused_without_reading_it(tmp_path):
    pipe = tmp_path / "model.yaml"
    os.mkfifo(pipe)  # nobody writes to it: opening it to read would block forever
    _fails_cleanly(_run("validate", pipe), "is a named pipe", "expected a YAML or JSON file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_as_the_model_is_refused(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    _fails_cleanly(_run("paths", device), f"{device}: is a device")


def test_a_folder_as_the_model_is_refused(tmp_path):
    _fails_cleanly(_run("threats", tmp_path), "is a directory")


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "model.yaml"
    path.write_text(VALID_MODEL, encoding="utf-8")
    real_stat = Path.stat

    def small_stat(self, *args, **kwargs):  # the size it reports when first looked at
        status = real_stat(self, *args, **kwargs)
        if self == path:
            return os.stat_result((status.st_mode, *status[1:6], 10, *status[7:]))
        return status

    monkeypatch.setattr(Path, "stat", small_stat)
    with pytest.raises(MaestroInputError, match="file grew while read, more than the limit"):
        mg.load_model(path, limits=mg.Limits(max_file_bytes=100))


def _rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    return folder


def test_a_folder_named_like_a_rule_file_is_one_problem(tmp_path):
    rules = _rules_copy(tmp_path)
    (rules / "threats" / "x.yaml").mkdir()
    _fails_cleanly(
        _run("validate", "--example", "netmon", "--rules", rules), "x.yaml: is a directory"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_in_the_rules_is_one_problem(tmp_path):
    rules = _rules_copy(tmp_path)
    os.mkfifo(rules / "threats" / "pipe.yaml")
    _fails_cleanly(
        _run("validate", "--example", "netmon", "--rules", rules), "pipe.yaml: is a named pipe"
    )


def test_a_symlink_loop_in_the_rules_is_one_problem(tmp_path):
    rules = _rules_copy(tmp_path)
    loop = rules / "threats" / "loop.yaml"
    loop.symlink_to(loop)
    _fails_cleanly(
        _run("validate", "--example", "netmon", "--rules", rules), "loop.yaml: cannot read file"
    )


@pytest.mark.parametrize("name", ["../examples/netmon", "/etc/hostname", "netmon.yaml"])
def test_an_example_name_never_loads_a_file_outside_the_examples(name):
    _fails_cleanly(_run("paths", "--example", name), "no bundled example", "bundled: ")


@pytest.mark.parametrize("version", ["true", "false", "'1'", "2"])
def test_only_the_number_1_is_format_version_1(write_model, version):
    model = write_model(VALID_MODEL.replace("maestro: 1", f"maestro: {version}"))
    _fails_cleanly(_run("validate", model), "maestro: unsupported format version")


def _written(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_nested_100000_deep_is_one_message(tmp_path):
    path = _written(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    _fails_cleanly(_run("validate", path), "nested too deeply")


def test_yaml_nested_100000_deep_is_one_message(tmp_path):
    path = _written(tmp_path, "deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000)
    _fails_cleanly(_run("validate", path), "deep.yaml:1: invalid YAML")


def test_a_bad_value_for_a_standard_tag_is_located(tmp_path):
    text = VALID_MODEL.replace("kind: vector_store", "kind: vector_store\n    tags: [!!bool maybe]")
    _fails_cleanly(
        _run("validate", _written(tmp_path, "m.yaml", text)), "invalid bool value 'maybe'"
    )


def test_a_control_character_is_reported_on_its_line(tmp_path):
    text = VALID_MODEL.replace("name: Tiny RAG", "name: Tiny\x01RAG")
    _fails_cleanly(
        _run("validate", _written(tmp_path, "m.yaml", text)),
        "m.yaml:3: invalid YAML: character '\\x01' is not allowed",
    )


def test_a_duplicate_json_key_is_reported_on_its_line(tmp_path):
    path = _written(tmp_path, "m.json", '{\n  "maestro": 1,\n  "maestro": 1\n}')
    _fails_cleanly(_run("validate", path), "m.json:3: invalid JSON: duplicate key 'maestro'")


def test_a_5000_digit_integer_is_located_and_not_echoed(tmp_path):
    digits = "9" * 5000
    as_json = _written(tmp_path, "m.json", '{\n  "maestro": 1,\n  "n": ' + digits + "\n}")
    result = _run("validate", as_json)
    _fails_cleanly(result, "m.json:3: invalid JSON: Exceeds the limit")
    text = VALID_MODEL.replace(
        "kind: vector_store", f"kind: vector_store\n    criticality: {digits}"
    )
    result = _run("validate", _written(tmp_path, "m.yaml", text))
    _fails_cleanly(result, "invalid int value")
    assert len(result.output) < 1_000


def test_an_expiry_past_the_calendar_is_a_usage_error():
    result = _run("baseline", "--example", "netmon", "--expires-in", "99999999")
    _fails_cleanly(result, "--expires-in")


def test_a_list_longer_than_every_limit_is_refused_while_it_is_read(tmp_path):
    flows = "".join("  - {from: web, to: kb, kind: data}\n" for _ in range(30))
    text = VALID_MODEL.split("flows:")[0] + "flows:\n" + flows
    path = _written(tmp_path, "m.yaml", text)
    limits = mg.Limits(max_components=5, max_flows=20)
    with pytest.raises(MaestroInputError) as raised:
        mg.load_model(path, limits=limits)
    (problem,) = raised.value.problems
    assert "a list of more than 20 items" in problem.message
    assert problem.line is not None and problem.line > 20  # stopped at the 21st flow's line


def test_a_json_list_longer_than_every_limit_is_refused_before_lines_are_looked_for(tmp_path):
    data = mg.load_model(_written(tmp_path, "m.yaml", VALID_MODEL)).to_data()
    data["flows"] = [dict(data["flows"][0]) for _ in range(30)]  # duplicates: never reached
    path = _written(tmp_path, "m.json", json.dumps(data))
    result = _run("validate", path, "--max-components", "5", "--max-flows", "20")
    _fails_cleanly(result, "m.json: a list of more than 20 items")
