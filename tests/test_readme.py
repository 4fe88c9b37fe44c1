"""The README's model snippets are models: each YAML block that declares `maestro: 1` loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import maestro_graph as mg

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [
    block
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    if re.search(r"^maestro: 1", block, re.MULTILINE)
]


def test_the_readme_has_model_snippets():
    assert BLOCKS


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_each_model_snippet_validates(block):
    model = mg.model_from_text(block, "README.md")
    assert model.components
