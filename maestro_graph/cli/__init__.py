"""The ``maestro-graph`` command line: parse options, call the API, render. Nothing else.

Heavy libraries (pandas, matplotlib) are imported only inside the commands that need them, so the
CLI starts fast.
"""

from __future__ import annotations

# Each module below adds its commands to ``main`` as it is imported.
from maestro_graph.cli import chains, decisions, models, outputs, regression, rules  # noqa: F401
from maestro_graph.cli.app import main, run

__all__ = ["main", "run"]
