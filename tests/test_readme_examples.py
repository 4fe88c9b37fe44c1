"""Every console example of the README runs, and prints what the README shows.

The README shows commands two ways:

- a ```console block: ``$ command`` lines, each followed by the output it prints (none for a
  block that only lists commands). Each block runs top to bottom in one fresh folder, so a
  command may read what an earlier one of its block wrote.
- a ```text block right after ``<!-- output: COMMAND -->``: the output of COMMAND.

Output is compared line by line (trailing spaces and trailing blank lines aside); a line holding
only ``...`` stands for any number of lines, and the legend ``paths`` prints under its table is
left out unless the block shows it. A block may show stdout alone: the README leaves out the
lint warnings some commands print on stderr, and says so where it does. A command shown without output must still succeed
(exit 0, or 1 for a gate that fails or a strict validation): exit 2 means the README uses an
option or value the CLI no longer takes.

The README names its inputs as a user would (``bom.json``, ``architecture.yaml``); FILES says
which fixture each name is. ``architecture.yaml``, ``arch.yaml`` and ``main/architecture.yaml``
are the README's own model snippet, ``maestro-baseline.yaml`` its baseline, and ``my-rules/`` a
folder holding the README's rule snippet under a new id. Synopsis lines (``MODEL``, ``[-o FILE]``), commands of other programs (``make``,
``docker``) and pipelines through a program this machine lacks are not run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from maestro_graph.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DATA = ROOT / "tests" / "data" / "import"
FILES = {
    "claude_desktop_config.json": DATA / "mcp" / "written" / "claude_desktop_config.json",
    "mtmt.otm.yaml": DATA / "otm" / "startleft-mtmt-example.otm.yaml",
    "v2-threat-model.json": DATA / "threat-dragon" / "v2-threat-model.json",
    "demo/example/threagile.yaml": DATA / "threagile" / "example.threagile.yaml",
    "bom.json": DATA / "cyclonedx" / "py-pipenv-private-packages-1.6.json",
    "ml-bom.json": DATA / "cyclonedx" / "mlbom-support-agent-1.6.json",
}
SNIPPET_NAMES = ("architecture.yaml", "arch.yaml")
OTHER_PROGRAMS = {"make", "docker", "cd"}
SHELL_SYNTAX = re.compile(r"[|<>;&]|^echo ")
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b|\[-")
OUTPUT_MARKER = re.compile(r"^<!-- output: (.+?) -->$")
# The legend `paths` prints under its table; README blocks leave it out unless they show it.
LEGEND = "risk = likelihood x impact of the final step"


@dataclass
class Command:
    line: int
    text: str
    expected: list[str] = field(default_factory=list)
    shows_output: bool = False


@dataclass
class Example:
    line: int
    commands: list[Command]


def _strip_comment(command: str) -> str:
    """The command without a trailing ``# comment`` (a ``#`` inside quotes stays)."""
    quote = ""
    for index, char in enumerate(command):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or command[index - 1].isspace()):
            return command[:index].rstrip()
    return command.strip()


def _console_example(start: int, body: list[str]) -> Example:
    commands: list[Command] = []
    for offset, line in enumerate(body):
        if line.startswith("$ "):
            commands.append(Command(start + offset + 1, _strip_comment(line[2:])))
        elif commands:
            commands[-1].expected.append(line)
    for command in commands:
        while command.expected and not command.expected[-1].strip():
            command.expected.pop()
        command.shows_output = bool(command.expected)
    return Example(start, commands)


def readme_examples(text: str) -> list[Example]:
    """The README's console blocks and marked output blocks, in order."""
    lines = text.split("\n")
    examples: list[Example] = []
    index = 0
    while index < len(lines):
        fence = lines[index]
        if fence in ("```console", "```text"):
            end = lines.index("```", index + 1)
            body = lines[index + 1 : end]
            marker = OUTPUT_MARKER.match(lines[index - 1]) if index else None
            if fence == "```console":
                examples.append(_console_example(index + 1, body))
            elif marker:
                command = Command(index, marker.group(1), list(body), True)
                while command.expected and not command.expected[-1].strip():
                    command.expected.pop()
                examples.append(Example(index, [command]))
            index = end
        index += 1
    return examples


def _runnable(command: str) -> bool:
    words = command.split()
    if not words or words[0] in OTHER_PROGRAMS or PLACEHOLDER.search(command):
        return False
    programs = [part.split()[0] for part in re.split(r"\|", command) if part.split()]
    return all(p == "maestro-graph" or shutil.which(p) for p in programs)


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` fits ``expected``, where a ``...`` line stands for any lines."""
    expected = [line.rstrip() for line in expected]
    actual = [line.rstrip() for line in actual]

    def fits(e: int, a: int) -> bool:
        if e == len(expected):
            return a == len(actual)
        if expected[e] == "...":
            return any(fits(e + 1, k) for k in range(a, len(actual) + 1))
        return a < len(actual) and actual[a] == expected[e] and fits(e + 1, a + 1)

    return fits(0, 0)


def _run(command: str, folder: Path) -> tuple[int, str, str]:
    """Exit code, output on both streams (as a terminal shows it) and stdout of one command."""
    if SHELL_SYNTAX.search(command) or not command.startswith("maestro-graph "):
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=folder,
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
        )
        return done.returncode, done.stdout + done.stderr, done.stdout
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output, result.stdout


def _without_legend(output: str, expected: list[str]) -> str:
    if any(line.startswith(LEGEND) for line in expected) or LEGEND not in output:
        return output
    head, _, tail = output.partition(LEGEND)
    rest = tail.split("\n\n", 1)
    return head.rstrip("\n") + ("\n\n" + rest[1] if len(rest) > 1 else "")


def _model_snippet(text: str) -> str:
    return next(
        block
        for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
        if re.search(r"^maestro: 1", block, re.MULTILINE)
    )


README_TEXT = README.read_text(encoding="utf-8")
EXAMPLES = [e for e in readme_examples(README_TEXT) if any(_runnable(c.text) for c in e.commands)]


def _rule_snippet(text: str) -> str:
    """The README's propagation rule, renamed so that a folder may add it to the catalog."""
    block = next(
        b
        for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
        if b.startswith("id: memory-poisoning")
    )
    return re.sub(r"^id: .*$", "id: my-memory-rule", block, count=1, flags=re.MULTILINE)


def _stage(folder: Path) -> None:
    """The files the README's commands name, as a user would have them."""
    for name, source in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / name)
    for name in (*SNIPPET_NAMES, "main/architecture.yaml"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(_model_snippet(README_TEXT), encoding="utf-8")
    rules = folder / "my-rules" / "propagation"
    rules.mkdir(parents=True)
    (rules / "my-memory-rule.yaml").write_text(_rule_snippet(README_TEXT), encoding="utf-8")
    with _in_folder(folder):
        code, output, _ = _run(
            "maestro-graph baseline architecture.yaml -o maestro-baseline.yaml", folder
        )
    assert code == 0, output


def test_the_readme_examples_are_found():
    commands = [c for e in EXAMPLES for c in e.commands if _runnable(c.text)]
    assert len(commands) >= 60
    assert sum(c.shows_output for c in commands) >= 20


@contextlib.contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"README.md:{e.line}" for e in EXAMPLES])
def test_readme_example(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _stage(tmp_path)
    monkeypatch.chdir(tmp_path)
    for command in example.commands:
        if not _runnable(command.text):
            continue
        code, output, stdout = _run(command.text, tmp_path)
        where = f"README.md:{command.line}: $ {command.text}"
        assert code in (0, 1), f"{where}\nexit {code}\n{output}"
        if command.shows_output:
            assert _shows(command.expected, output) or _shows(command.expected, stdout), (
                f"{where}\nthe README shows:\n"
                + "\n".join(command.expected)
                + "\n\nthe command prints:\n"
                + output
            )


def _shows(expected: list[str], output: str) -> bool:
    return lines_match(expected, _without_legend(output, expected).rstrip("\n").split("\n"))


@pytest.mark.parametrize(
    ("expected", "actual", "fits"),
    [
        (["a", "...", "d"], ["a", "b", "c", "d"], True),
        (["a", "...", "d"], ["a", "d"], True),
        (["a", "..."], ["a"], True),
        (["a", "b"], ["a", "b  "], True),
        (["a", "b"], ["a", "c"], False),
        (["a"], ["a", "b"], False),
        (["...", "c"], ["a", "b"], False),
    ],
)
def test_lines_match(expected, actual, fits):
    assert lines_match(expected, actual) is fits


def test_comments_are_stripped_but_not_quoted_hashes():
    assert _strip_comment("maestro-graph rules list   # threats") == "maestro-graph rules list"
    assert _strip_comment("echo '#1' | grep 1") == "echo '#1' | grep 1"
