"""The wheel ships rules/ and works outside the repository, in a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repository(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(REPO)],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("maestro_graph-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "maestro_graph/rules/kinds.yaml" in names
    assert "maestro_graph/rules/owasp.yaml" in names
    assert "maestro_graph/rules/watchers.yaml" in names
    assert "maestro_graph/examples/netmon.yaml" in names
    assert "maestro_graph/templates/starter.yaml" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        cwd=tmp_path,
    )
    result = subprocess.run(
        [venv / "bin" / "maestro-graph", "validate", "--example", "netmon"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid: ")
    where = subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            "import maestro_graph.catalog as c; print(c.builtin_rules_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), "rules come from the installed package"
    started = subprocess.run(
        [venv / "bin" / "maestro-graph", "init", "-o", "starter.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert started.returncode == 0, started.stderr
    assert (tmp_path / "starter.yaml").read_text().startswith("# A starter maestro-graph model")
