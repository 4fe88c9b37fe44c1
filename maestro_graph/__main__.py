"""``python -m maestro_graph`` runs the command line."""

from maestro_graph.cli import run

run()
