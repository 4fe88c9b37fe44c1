"""maestro-graph: deterministic, graph-based MAESTRO threat modelling for agentic AI.

Examples
--------
>>> import maestro_graph as mg
>>> model = mg.example("rag-agent")
>>> len(model.components) >= 20
True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from maestro_graph.analysis import Analysis, analyze
from maestro_graph.api import (
    example,
    example_names,
    example_path,
    examples,
    load_model,
    model_from_text,
)
from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.engine.lint import ModelWarning
from maestro_graph.engine.risk import Band, RiskSettings
from maestro_graph.model import (
    Attacker,
    Component,
    Exposure,
    Flow,
    FlowKind,
    SystemInfo,
    SystemModel,
    Trust,
)
from maestro_graph.model.layers import Layer
from maestro_graph.model.loading import Limits
from maestro_graph.support.errors import MaestroInputError, Problem
from maestro_graph.support.version import VERSION

if TYPE_CHECKING:
    from maestro_graph.io.importers import ImportResult


def lint(model: SystemModel, *, catalog: Catalog | None = None) -> list[ModelWarning]:
    """The warnings of a model: entries that start no chain, controls that cannot act.

    Shorthand for ``mg.analyze(model, catalog=catalog).warnings()``; see
    :meth:`Analysis.warnings`.

    Parameters
    ----------
    model : SystemModel
    catalog : Catalog, optional
        Default: the built-in catalog.

    Returns
    -------
    list of ModelWarning

    Examples
    --------
    >>> import maestro_graph as mg
    >>> [w.code for w in mg.lint(mg.example("netmon"))]
    []
    """
    return analyze(model, catalog=catalog).warnings()


def import_model(
    path: str | Path,
    *,
    format_name: str | None = None,
    mapping: str | Path | None = None,
    catalog: Catalog | None = None,
) -> ImportResult:
    """Derive a model from a file another tool wrote (``maestro-graph import``).

    Parameters
    ----------
    path : str or Path
        An MCP client configuration, an OTM file, a Threat Dragon v2 model, a Threagile model or a
        CycloneDX BOM (JSON).
    format_name : str, optional
        ``mcp``, ``otm``, ``threat-dragon``, ``threagile`` or ``cyclonedx``; default: detected.
    mapping : str or Path, optional
        A mapping file: source type, element id or name -> ``{layer, kind}``.
    catalog : Catalog, optional
        Default: the built-in catalog.

    Returns
    -------
    ImportResult
        ``.model`` (a checked SystemModel), ``.warnings`` (what was not carried over), ``.format``.

    Raises
    ------
    MaestroInputError
        For an unreadable, malformed or undetectable file.
    """
    from maestro_graph.io.importers import TypeMapping, import_file

    overrides = TypeMapping.read(mapping, catalog) if mapping is not None else None
    return import_file(path, format_name=format_name, mapping=overrides, catalog=catalog)


def export(model: SystemModel | Analysis, to: str) -> str:
    """The model (or its attack graph) as ``otm``, ``graphml``, ``graphml-attack``,
    ``bloodhound`` or ``cypher`` text (``maestro-graph export``).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> mg.export(mg.example("netmon"), "graphml").startswith("<?xml")
    True
    """
    from maestro_graph.io.exporters import export_format

    analysis = model if isinstance(model, Analysis) else analyze(model)
    return export_format(to).render(analysis)


__version__ = VERSION

__all__ = [
    "Analysis",
    "Attacker",
    "Band",
    "Catalog",
    "Component",
    "Exposure",
    "Flow",
    "FlowKind",
    "Layer",
    "Limits",
    "MaestroInputError",
    "ModelWarning",
    "Problem",
    "RiskSettings",
    "SystemInfo",
    "SystemModel",
    "Trust",
    "__version__",
    "analyze",
    "example",
    "example_names",
    "example_path",
    "examples",
    "export",
    "import_model",
    "lint",
    "load_catalog",
    "load_model",
    "model_from_text",
]
