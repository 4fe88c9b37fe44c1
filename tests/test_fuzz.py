"""Fuzzing: malformed and hostile inputs through every command that reads them.

The promise (README, "Bad input"): a command ends with exit 0 or 2, never a traceback, and a
command that fails leaves its output file as it was. Three sources of inputs:

- the hostile corpus in ``tests/data/hostile/`` (see its README), through every reading command;
- hypothesis mutations of valid models: values of other types, keys removed or renamed, YAML
  features (anchors, tags, flow style), characters inserted, lines duplicated, text cut short;
- mutations of baselines read by ``check``;
- mutations of one rule file of each type, in a rule folder of its own (``--rules``);
- a model saved in other encodings (UTF-16 and UTF-32 with a byte-order mark are read).

``make test`` runs a modest number of examples; ``make fuzz`` (``MAESTRO_FUZZ_EXAMPLES``) a long run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.cli import main

from .conftest import VALID_MODEL

HOSTILE = Path(__file__).parent / "data" / "hostile"
EXAMPLES = int(os.environ.get("MAESTRO_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("MAESTRO_FUZZ_EXAMPLES") is None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
PREVIOUS = b"previous output, kept byte for byte when a command fails\n"

#: Every command that reads a model, with the options it needs besides MODEL and -o.
READERS = {
    "validate": [],
    "threats": [],
    "paths": ["--max-hops", "4"],
    "components": [],
    "matrix": ["--max-hops", "3"],
    "report": ["--no-figures"],
    "baseline": ["--max-hops", "3"],
    "export": ["--to", "graphml"],
}
SUFFIX = {"report": ".md"}


def _invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def _keeps_the_promise(result, label: str) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{label}: {type(result.exception).__name__}: {result.exception}")
    assert result.exit_code in (0, 2), (label, result.exit_code, result.output[-500:])
    assert "Traceback" not in result.output, label
    if result.exit_code == 2:
        assert "error" in result.output.lower() or "usage" in result.output.lower(), label


def _through_every_reader(model: Path, folder: Path, label: str) -> None:
    for command, options in READERS.items():
        output = folder / f"out-{command}{SUFFIX.get(command, '.txt')}"
        output.write_bytes(PREVIOUS)
        result = _invoke(command, model, *options, "-o", output)
        _keeps_the_promise(result, f"{label} | {command}")
        if result.exit_code != 0:
            assert output.read_bytes() == PREVIOUS, f"{label} | {command} changed its output"


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.iterdir() if p.name != "README.md"))
def test_every_hostile_file_through_every_reader(name, tmp_path):
    _through_every_reader(HOSTILE / name, tmp_path, name)


IMPORT_FORMATS = ("mcp", "otm", "threat-dragon", "threagile", "cyclonedx")


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.iterdir() if p.name != "README.md"))
def test_every_hostile_file_through_every_importer(name, tmp_path):
    """A hostile file named as any format, or detected, is imported or refused: never a
    traceback, and a refused import writes nothing."""
    for format_name in (None, *IMPORT_FORMATS):
        output = tmp_path / f"out-{format_name}.yaml"
        output.write_bytes(PREVIOUS)
        chosen = ["--from", format_name] if format_name else []
        result = _invoke("import", HOSTILE / name, *chosen, "-o", output)
        _keeps_the_promise(result, f"{name} | import {format_name}")
        if result.exit_code != 0:
            assert output.read_bytes() == PREVIOUS, f"{name} | import {format_name}"


def test_the_hostile_corpus_is_refused_where_it_is_invalid(tmp_path):
    accepted = {"bom-and-crlf.yaml"}  # a BOM and CRLF line ends are valid YAML
    for path in sorted(HOSTILE.iterdir()):
        if path.name == "README.md":
            continue
        result = _invoke("validate", path)
        expected = 0 if path.name in accepted else 2
        assert result.exit_code == expected, (path.name, result.output[-300:])


# -- mutations of valid models -----------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["L9", "", "agent", "L1", "-1", "0x10", "~", "null", "&a", "*a", "!!str"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(data: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _set(data: object, path: tuple, value: object) -> object:
    if not path:
        return value
    head, *rest = path
    copy = dict(data) if isinstance(data, dict) else list(data)  # type: ignore[arg-type]
    copy[head] = _set(copy[head], tuple(rest), value)  # type: ignore[index]
    return copy


def _remove(data: object, path: tuple) -> object:
    head, *rest = path
    copy = dict(data) if isinstance(data, dict) else list(data)  # type: ignore[arg-type]
    if rest:
        copy[head] = _remove(copy[head], tuple(rest))  # type: ignore[index]
    else:
        del copy[head]  # type: ignore[arg-type]
    return copy


BASE = yaml.safe_load(VALID_MODEL)
BASE_TEXTS = [VALID_MODEL, mg.example_path("netmon").read_text(encoding="utf-8")]


@st.composite
def mutated_models(draw: st.DrawFn) -> str:
    """Model text with one or more structural or textual mutations."""
    how = draw(st.sampled_from(["value", "remove", "text", "lines", "cut", "yaml"]))
    if how in ("value", "remove"):
        data: object = BASE
        for _ in range(draw(st.integers(1, 3))):
            path = draw(st.sampled_from(_paths(data)[1:]))
            data = _set(data, path, draw(VALUES)) if how == "value" else _remove(data, path)
        return yaml.safe_dump(data, allow_unicode=True)
    text = draw(st.sampled_from(BASE_TEXTS))
    if how == "text":
        position = draw(st.integers(0, len(text)))
        return text[:position] + draw(st.text(min_size=1, max_size=12)) + text[position:]
    if how == "lines":
        lines = text.splitlines(keepends=True)
        index = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[: index + 1] + lines[index:])
    if how == "cut":
        return text[: draw(st.integers(0, len(text)))]
    feature = draw(
        st.sampled_from(
            ["kind: &k data", "name: !!binary aGk=", "layer: !custom L2", "<<: *missing",
             "? [a, b]\n  : c", "name: 2001-01-01", "id: .inf"]
        )
    )  # fmt: skip
    return text.replace("kind: data", feature, 1) if "kind: data" in text else text + feature


@FUZZ
@given(text=mutated_models())
def test_mutated_models_keep_the_promise(text, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    model = folder / "model.yaml"
    model.write_text(text, encoding="utf-8", errors="surrogatepass")
    for command in ("validate", "paths", "threats"):
        output = folder / "out.txt"
        output.write_bytes(PREVIOUS)
        result = _invoke(command, model, "-o", output)
        _keeps_the_promise(result, f"{command}\n{text[:400]}")
        if result.exit_code != 0:
            assert output.read_bytes() == PREVIOUS


@FUZZ
@given(data=st.data())
def test_mutated_baselines_keep_the_promise(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    model = folder / "model.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    baseline = folder / "maestro-baseline.yaml"
    assert _invoke("baseline", model, "-o", baseline, "--min-band", "low").exit_code == 0
    saved = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    path = data.draw(st.sampled_from(_paths(saved)[1:]))
    mutated = _set(saved, path, data.draw(VALUES))
    baseline.write_text(yaml.safe_dump(mutated, allow_unicode=True), encoding="utf-8")
    result = _invoke("check", model, "--baseline", baseline)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}")
    assert result.exit_code in (0, 1, 2), result.output[-300:]  # 1: the gate itself failed
    assert "Traceback" not in result.output


# -- mutations of rule folders -----------------------------------------------------------------

RULES = Path(mg.__file__).parent.parent / "rules"
#: One file of each type a rule folder holds, mutated alone in a folder of its own.
RULE_FILES = [
    "propagation/tool-result-injects-caller.yaml",
    "propagation/secrets-leave-their-store.yaml",
    "threats/L3.yaml",
    "controls/L6.yaml",
    "guards.yaml",
    "kinds.yaml",
    "owasp.yaml",
    "watchers.yaml",
]


def _mutated_text(draw: st.DrawFn, text: str) -> str:
    """``text`` with characters inserted, a line duplicated, or cut short."""
    how = draw(st.sampled_from(["text", "lines", "cut"]))
    if how == "text":
        position = draw(st.integers(0, len(text)))
        return text[:position] + draw(st.text(min_size=1, max_size=12)) + text[position:]
    if how == "lines":
        lines = text.splitlines(keepends=True)
        index = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[: index + 1] + lines[index:])
    return text[: draw(st.integers(0, len(text)))]


@st.composite
def mutated_rule_files(draw: st.DrawFn) -> tuple[str, str]:
    """(path inside a rule folder, mutated text) of one built-in rule file."""
    name = draw(st.sampled_from(RULE_FILES))
    text = (RULES / name).read_text(encoding="utf-8")
    if draw(st.booleans()):
        return name, _mutated_text(draw, text)
    data: object = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        data = _set(data, path, draw(VALUES)) if draw(st.booleans()) else _remove(data, path)
    return name, yaml.safe_dump(data, allow_unicode=True)


@FUZZ
@given(mutation=mutated_rule_files())
def test_mutated_rule_folders_keep_the_promise(mutation, tmp_path_factory):
    name, text = mutation
    folder = tmp_path_factory.mktemp("rules")
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    output = folder.parent / f"{folder.name}-out.txt"
    output.write_bytes(PREVIOUS)
    for args in (
        ["validate", "--example", "netmon", "--rules", folder],
        ["paths", "--example", "rag-agent", "--max-hops", "4", "--rules", folder, "-o", output],
        ["rules", "test", folder],
    ):
        result = _invoke(*args)
        label = f"{' '.join(map(str, args[:2]))} {name}\n{text[:400]}"
        if args[0] == "rules":  # exit 1: a rule's own example failed, which is its report
            assert result.exit_code in (0, 1, 2), (label, result.output[-500:])
            assert result.exception is None or isinstance(result.exception, SystemExit), label
            assert "Traceback" not in result.output, label
        else:
            _keeps_the_promise(result, label)
        if args[0] == "paths" and result.exit_code != 0:
            assert output.read_bytes() == PREVIOUS


# -- encodings ---------------------------------------------------------------------------------

ENCODINGS = ["utf-8-sig", "utf-16", "utf-32", "utf-16-le", "latin-1", "cp1252", "shift_jis"]
#: What YAML allows: UTF-8, with or without a byte-order mark, and UTF-16 or UTF-32 with one.
READ_ENCODINGS = {"utf-8-sig", "utf-16", "utf-32"}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_model_in_another_encoding_is_read_or_refused_with_one_message(encoding, tmp_path):
    text = VALID_MODEL.replace("name: ", "name: Café ñandú 日本 ", 1)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
    model = tmp_path / "model.yaml"
    model.write_bytes(data)
    for command, options in READERS.items():
        output = tmp_path / f"out-{command}{SUFFIX.get(command, '.txt')}"
        output.write_bytes(PREVIOUS)
        result = _invoke(command, model, *options, "-o", output)
        _keeps_the_promise(result, f"{encoding} | {command}")
        if encoding in READ_ENCODINGS:
            assert result.exit_code == 0, (command, result.output[-300:])
        else:
            assert result.exit_code == 2 and output.read_bytes() == PREVIOUS, command
            assert result.output.count("error:") == 1, result.output
            assert "model.yaml:3: not UTF-8 text" in result.output, result.output


#: One real file per import format (tests/data/import/*/README.md says where each comes from).
IMPORT_SAMPLES = {
    "mcp": "mcp/inspector-configs-mcp.json",
    "otm": "otm/startleft-mtmt-example.otm.yaml",
    "threat-dragon": "threat-dragon/v2-threat-model.json",
    "threagile": "threagile/example.threagile.yaml",
    "cyclonedx": "cyclonedx/spec-valid-machine-learning-1.6.json",
}


@st.composite
def mutated_imports(draw: st.DrawFn) -> tuple[str, str]:
    """A real file of some format with one to three of its values replaced or removed."""
    import json

    format_name = draw(st.sampled_from(sorted(IMPORT_SAMPLES)))
    path = Path(__file__).parent / "data" / "import" / IMPORT_SAMPLES[format_name]
    text = path.read_text(encoding="utf-8")
    data: object = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)[1:]
        if not paths:
            break
        where = draw(st.sampled_from(paths))
        replace = draw(st.booleans())
        data = _set(data, where, draw(VALUES)) if replace else _remove(data, where)
    return format_name, json.dumps(data, default=str)


@FUZZ
@given(sample=mutated_imports())
def test_mutated_foreign_files_keep_the_promise(sample, tmp_path_factory):
    format_name, text = sample
    folder = tmp_path_factory.mktemp("import-fuzz")
    source = folder / "source.json"
    source.write_text(text, encoding="utf-8", errors="surrogatepass")
    for chosen in ([], ["--from", format_name]):
        result = _invoke("import", source, *chosen, "-o", folder / "out.yaml")
        _keeps_the_promise(result, f"{format_name} {chosen}")
