"""The shared reference material, read from ../shared/reference when present (as in CI), else
from the copy in tests/data (names and identifiers only)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parent.parent / "shared" / "reference"


def reference_file(name: str) -> Path:
    shared = SHARED / name
    return shared if shared.is_file() else TESTS / "data" / name


SEED_L7_ITEMS = (
    "tool squatting",
    "rug-pull attacks against MCP integrations",
    "compromised discovery registries",
    "legitimate AI service APIs used as covert command-and-control",
)


def canonical_threat_names() -> dict[str, list[str]]:
    """Layer -> canonical threat names, parsed from the "Canonical per-layer threats" section."""
    text = reference_file("maestro-layers-and-threats.md").read_text(encoding="utf-8")
    section = text.split("## Canonical per-layer threats", 1)[1].split("\n## ", 1)[0]
    names: dict[str, list[str]] = {}
    for item in re.split(r"\n- ", "\n" + section):
        match = re.match(r"(L[1-7]) [^:]+:(.*)", item, re.S)
        if not match:
            continue
        body = match.group(2).split("Also named in the seeds", 1)[0]
        entries = [
            " ".join(e.replace("(+)", "").split()).rstrip(".").strip() for e in body.split(";")
        ]
        names[match.group(1)] = [e for e in entries if e]
    return names
