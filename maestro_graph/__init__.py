"""maestro-graph: deterministic, graph-based MAESTRO threat modelling for agentic AI.

Examples
--------
>>> import maestro_graph as mg
>>> model = mg.example("rag-agent")
>>> len(model.components) >= 20
True
"""

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
from maestro_graph.errors import MaestroInputError, Problem
from maestro_graph.layers import Layer
from maestro_graph.lint import ModelWarning
from maestro_graph.loading import Limits
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
from maestro_graph.risk import Band, RiskSettings


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


__version__ = "0.1.0"

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
    "lint",
    "load_catalog",
    "load_model",
    "model_from_text",
]
