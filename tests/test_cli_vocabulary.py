"""One vocabulary across commands: ``--band`` everywhere (older spellings kept), comma lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import maestro_graph as mg


def _json(run_cli, *args: str, exit_code: int = 0) -> dict:
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == exit_code, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(
    ("command", "older", "band"),
    [
        (("threats", "--example", "netmon"), "--min-band", "high"),
        (("mitigate", "--example", "netmon"), "--threshold", "medium"),
    ],
)
def test_band_and_its_older_spelling_agree(run_cli, command, older, band):
    new = _json(run_cli, *command, "--band", band)
    old = _json(run_cli, *command, older, band)
    default = _json(run_cli, *command)
    assert new == old
    assert new != default  # the option did something: the band is not the default


def test_baseline_check_and_diff_take_band(run_cli, tmp_path):
    new, old = tmp_path / "new.yaml", tmp_path / "old.yaml"
    assert run_cli("baseline", "--example", "netmon", "--band", "high", "-o", new).exit_code == 0
    assert (
        run_cli("baseline", "--example", "netmon", "--min-band", "high", "-o", old).exit_code == 0
    )
    assert new.read_text() == old.read_text()
    check = ("check", "--example", "netmon", "--baseline", new)
    # The baseline accepts only high chains, so at medium the gate fails (exit 1), either way.
    by_band = _json(run_cli, *check, "--band", "medium", exit_code=1)
    assert by_band == _json(run_cli, *check, "--fail-on", "medium", exit_code=1)
    assert by_band["fail_on"] == "medium"
    example = Path(mg.__file__).parent / "examples" / "netmon.yaml"
    diff = ("diff", example, example)
    assert _json(run_cli, *diff, "--band", "high") == _json(run_cli, *diff, "--min-band", "high")


@pytest.mark.parametrize(
    ("option", "values"),
    [("--entry", ["history", "operator"]), ("--target", ["dashboard", "upstream"])],
)
def test_chain_filters_take_comma_lists(run_cli, option, values):
    repeated = _json(run_cli, "paths", "--example", "netmon", option, values[0], option, values[1])
    commas = _json(run_cli, "paths", "--example", "netmon", option, ",".join(values))
    assert repeated["chains"] == commas["chains"]
    end = "entry" if option == "--entry" else "target"
    assert {c[end] for c in commas["chains"]} == set(values)


def test_component_filter_takes_a_comma_list(run_cli):
    repeated = _json(
        run_cli, "threats", "--example", "netmon", "--component", "llm", "--component", "tuner"
    )
    commas = _json(run_cli, "threats", "--example", "netmon", "--component", "llm, tuner")
    assert repeated == commas
    assert {f["component"] for f in commas["threats"]} == {"llm", "tuner"}
