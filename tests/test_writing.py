"""A failed command changes no file: atomic outputs, refused inputs, exit 2 on write errors.

Fault injection makes the write fail part-way (a full disk at fsync, a rename that cannot
happen) and checks that the previous file is intact byte for byte, that no temporary file is
left, and that the command says so in one line with exit code 2.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from maestro_graph.cli import main
from maestro_graph.support.errors import MaestroInputError
from maestro_graph.support.writing import write_output

from .conftest import VALID_MODEL

PREVIOUS = b"the reviewed file: 32 entries, owners, justifications\n"

#: Every command that writes an output file, with the options it needs (MODEL and -o appended).
WRITERS = {
    "paths": ["paths", "{model}"],
    "threats": ["threats", "{model}"],
    "report": ["report", "{model}", "--no-figures"],
    "plot": ["plot", "{model}"],
    "baseline": ["baseline", "{model}"],
    "check": ["check", "{model}", "--baseline", "{baseline}", "--format", "md"],
    "rules docs": ["rules", "docs"],
    "schema": ["schema"],
    "export": ["export", "{model}", "--to", "otm"],
    "import": ["import", str(Path(__file__).parent / "data/import/mcp/inspector-sample-config.json")],
}
SUFFIX = {"plot": ".png", "report": ".md"}


def _run(*args: object):
    # catch_exceptions=False: a traceback fails the test instead of hiding in the result.
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _args(name: str, tmp_path: Path, output: Path) -> list[str]:
    model = tmp_path / "model.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    baseline = tmp_path / "maestro-baseline.yaml"
    if name == "check" and not baseline.exists():
        assert _run("baseline", model, "-o", baseline).exit_code == 0
    filled = [a.format(model=model, baseline=baseline) for a in WRITERS[name]]
    return [*filled, "-o", str(output)]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _fail_at(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(f"maestro_graph.support.writing.os.{where}", fail)


# -- the writer -------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["fsync", "replace", "chmod"])
def test_a_failed_write_leaves_the_previous_file_intact(tmp_path, monkeypatch, where):
    target = tmp_path / "chains.json"
    target.write_bytes(PREVIOUS)
    _fail_at(monkeypatch, where)
    with pytest.raises(MaestroInputError, match="cannot write: No space left on device"):
        write_output(target, "x" * 100_000)
    assert target.read_bytes() == PREVIOUS
    assert _leftovers(tmp_path) == []


def test_a_write_replaces_the_whole_file_and_keeps_its_mode(tmp_path):
    target = tmp_path / "report.md"
    target.write_bytes(PREVIOUS * 1000)
    target.chmod(0o640)
    write_output(target, "short\n")
    assert target.read_bytes() == b"short\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


def test_a_new_file_gets_the_usual_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        write_output(tmp_path / "new.txt", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_an_output_that_is_an_input_is_refused(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_bytes(PREVIOUS)
    with pytest.raises(MaestroInputError, match="it is an input of this command"):
        write_output(model, "chains", inputs=[model])
    link = tmp_path / "link.yaml"
    link.symlink_to(model)
    with pytest.raises(MaestroInputError, match="it is an input"):
        write_output(link, "chains", inputs=[model])
    rules = tmp_path / "rules"
    rules.mkdir()
    with pytest.raises(MaestroInputError, match="it is an input"):
        write_output(rules / "threats.yaml", "x", inputs=[rules])
    assert model.read_bytes() == PREVIOUS


def test_a_folder_as_output_is_refused(tmp_path):
    with pytest.raises(MaestroInputError, match="it is a folder"):
        write_output(tmp_path, "x")


def test_a_device_is_written_in_place(tmp_path):
    write_output("/dev/null", "discarded")  # a rename would replace the device itself
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# -- every command that writes ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_writer_reports_a_missing_folder_with_exit_2(name, tmp_path):
    output = tmp_path / "no-such-folder" / f"out{SUFFIX.get(name, '.txt')}"
    result = _run(*_args(name, tmp_path, output))
    assert result.exit_code == 2, result.output
    assert "cannot write: the folder" in result.output and "Traceback" not in result.output
    assert not output.parent.exists()


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_writer_keeps_the_previous_file_when_the_disk_is_full(name, tmp_path, monkeypatch):
    output = tmp_path / f"out{SUFFIX.get(name, '.txt')}"
    args = _args(name, tmp_path, output)  # the check's baseline is written before the fault
    output.write_bytes(PREVIOUS)
    _fail_at(monkeypatch, "fsync")
    result = _run(*args)
    assert result.exit_code == 2, result.output
    assert result.output.count("error: ") == 1 and "No space left on device" in result.output
    assert output.read_bytes() == PREVIOUS
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_writing_onto_a_full_device_is_exit_2(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    result = _run("paths", model, "-o", "/dev/full")
    assert result.exit_code == 2
    assert "error: /dev/full: cannot write: No space left on device" in result.output


def test_the_model_is_never_overwritten_by_its_own_output(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    for command in ("paths", "threats", "baseline"):
        result = _run(command, model, "-o", model)
        assert result.exit_code == 2, (command, result.output)
        assert "it is an input of this command" in result.output
    assert model.read_text(encoding="utf-8") == VALID_MODEL


def test_the_check_never_overwrites_the_baseline_it_reads(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    baseline = tmp_path / "maestro-baseline.yaml"
    assert _run("baseline", model, "-o", baseline).exit_code == 0
    reviewed = baseline.read_bytes()
    result = _run("check", model, "--baseline", baseline, "--format", "md", "-o", baseline)
    assert result.exit_code == 2 and "it is an input of this command" in result.output
    assert baseline.read_bytes() == reviewed


def test_a_failed_baseline_update_keeps_every_reviewed_entry(tmp_path, monkeypatch):
    model = tmp_path / "model.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    baseline = tmp_path / "maestro-baseline.yaml"
    assert _run("baseline", model, "-o", baseline, "--owner", "secteam").exit_code == 0
    reviewed = baseline.read_bytes()
    _fail_at(monkeypatch, "fsync")
    result = _run("baseline", model, "-o", baseline, "--update")
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert baseline.read_bytes() == reviewed
