"""The package's version, where every stage can read it (the same as ``pyproject.toml``'s)."""

VERSION = "0.1.0"
