"""Golden-file comparison: run with MAESTRO_UPDATE_GOLDEN=1 to rewrite the files after a change
whose output difference you have read and accept."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN_DIR / name
    if os.environ.get("MAESTRO_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; create it with MAESTRO_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"output differs from {path} (MAESTRO_UPDATE_GOLDEN=1 rewrites it)"
