"""Shared fixtures: writing model files and running the CLI."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from maestro_graph.cli import main

VALID_MODEL = """\
maestro: 1
system:
  name: Tiny RAG
components:
  - id: web
    layer: L2
    kind: document_source
    trust: untrusted
  - id: kb
    layer: L2
    kind: vector_store
  - id: llm
    layer: L1
    kind: foundation_model
flows:
  - from: web
    to: kb
    kind: data
  - from: kb
    to: llm
    kind: data
"""


@pytest.fixture
def write_model(tmp_path: Path) -> Callable[..., Path]:
    """Write model text (dedented) to a file and return its path."""

    def write(text: str, name: str = "model.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """Run the CLI in-process through click's runner."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run
