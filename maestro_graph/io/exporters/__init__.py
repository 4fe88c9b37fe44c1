"""Exporters: the model and its attack graph in the formats other tools read.

``maestro-graph export MODEL --to FORMAT`` writes one of :data:`EXPORT_FORMATS`. Each format
lives in its own module and is described by one :class:`ExportFormat`.

=================  ==============================================================
``otm``            Open Threat Model 0.2.0 JSON (``maestro-graph import`` reads it back)
``graphml``        the architecture (components and flows) as GraphML
``graphml-attack`` the attack graph (component/threat states and their transitions)
``bloodhound``     BloodHound OpenGraph JSON (nodes and edges with kinds)
``cypher``         a Cypher script for Neo4j-compatible graph databases
=================  ==============================================================

Examples
--------
>>> [f.name for f in EXPORT_FORMATS]
['otm', 'graphml', 'graphml-attack', 'bloodhound', 'cypher']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from maestro_graph.support.errors import MaestroInputError

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis


@dataclass(frozen=True)
class ExportFormat:
    """One output format: its name for ``--to``, its usual file suffix, and its renderer.

    ``render(analysis) -> str`` sees the model (``analysis.model``), the catalog and, when the
    format needs it, the attack graph (``analysis.attack_graph``).
    """

    name: str
    title: str
    suffix: str
    render: Callable[[Analysis], str]


def _formats() -> tuple[ExportFormat, ...]:
    from maestro_graph.io.exporters import bloodhound, cypher, graphml, otm

    return (otm.FORMAT, graphml.FORMAT, graphml.ATTACK_FORMAT, bloodhound.FORMAT, cypher.FORMAT)


EXPORT_FORMATS: tuple[ExportFormat, ...] = _formats()


def export_format(name: str) -> ExportFormat:
    """The format called ``name``.

    Raises
    ------
    MaestroInputError
        For an unknown name, listing the known ones.
    """
    for candidate in EXPORT_FORMATS:
        if candidate.name == name.lower():
            return candidate
    known = ", ".join(f.name for f in EXPORT_FORMATS)
    raise MaestroInputError.single("--to", None, f"unknown export format {name!r} ({known})")
