"""The model stage: what a user writes, read safely and validated.

- ``layers``: the seven MAESTRO layers (L6 vertical);
- ``flows``: the flow kinds and what each means;
- ``loading``: safe YAML and JSON reading, with the line of every value and size limits;
- ``system``: the model file's pydantic types and their reference checks.

The catalog's words (kinds, controls) are checked later, by
:mod:`maestro_graph.catalog.conformance`.
"""

from __future__ import annotations

from maestro_graph.model.flows import FlowKind
from maestro_graph.model.system import (
    DEFER_REFERENCE_CHECKS,
    ID_PATTERN,
    Attacker,
    Component,
    Exposure,
    Flow,
    SystemInfo,
    SystemModel,
    Trust,
    json_schema,
    layer_spelling_schema,
    parse_model,
    reference_issues,
)

__all__ = [
    "DEFER_REFERENCE_CHECKS",
    "ID_PATTERN",
    "Attacker",
    "Component",
    "Exposure",
    "Flow",
    "FlowKind",
    "SystemInfo",
    "SystemModel",
    "Trust",
    "json_schema",
    "layer_spelling_schema",
    "parse_model",
    "reference_issues",
]
