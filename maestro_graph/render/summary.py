"""The one-screen summary ``maestro-graph validate`` prints for a valid model."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Sequence
from typing import Any

from maestro_graph.engine.lint import ModelWarning
from maestro_graph.model import FlowKind, SystemModel
from maestro_graph.model.layers import Layer


def summary_data(model: SystemModel, warnings: Sequence[ModelWarning] = ()) -> dict[str, Any]:
    """The validation summary as plain data (for ``--format json``), with the model's warnings."""
    by_layer = model.components_by_layer()
    flow_counts = Counter(flow.kind for flow in model.flows)
    explicit_entry = model.attacker is not None and model.attacker.entry is not None
    return {
        "model": model.name,
        "source": model.source,
        "valid": True,
        "components": len(model.components),
        "flows": len(model.flows),
        "components_per_layer": {layer.value: [c.id for c in by_layer[layer]] for layer in Layer},
        "flows_per_kind": {kind.value: flow_counts.get(kind, 0) for kind in FlowKind},
        "entry_components": [c.id for c in model.entry_components()],
        "entry_source": "attacker.entry" if explicit_entry else "default (public or untrusted)",
        "missing_layers": [layer.value for layer in model.missing_layers()],
        "owners": list(dict.fromkeys(c.owner for c in model.components if c.owner)),
        "unowned_components": [c.id for c in model.components if not c.owner],
        "warnings": [warning.to_record() for warning in warnings],
    }


#: How many ids an information line names before it says "and N more".
SHOWN_IDS = 10

#: What ``validate`` says when no component names an owner: one hint, not a list of every id.
NO_OWNER_HINT = (
    "No component names an owner: add `owner:` to components so chains and acceptances name "
    "who answers for them."
)


def _some(ids: Sequence[str], shown: int = SHOWN_IDS) -> str:
    """``"a, b, c"``, or the first ``shown`` ids and ``"and N more"``.

    Examples
    --------
    >>> _some(["a", "b", "c"], shown=2)
    'a, b and 1 more'
    """
    if len(ids) <= shown:
        return ", ".join(ids)
    return ", ".join(ids[:shown]) + f" and {len(ids) - shown} more"


def ownership_line(model: SystemModel) -> str:
    """One information line on who answers for the components (never a warning).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> ownership_line(mg.example("netmon"))
    'Components with no owner (2 of 16): history, upstream'
    """
    unowned = [c.id for c in model.components if not c.owner]
    if len(unowned) == len(model.components):
        return NO_OWNER_HINT
    if unowned:
        return f"Components with no owner ({len(unowned)} of {len(model.components)}): " + _some(
            unowned
        )
    owners = list(dict.fromkeys(c.owner for c in model.components if c.owner))
    return f"Every component has an owner: {_some(owners)}."


def _wrap_ids(ids: list[str], width: int, indent: int) -> str:
    lines: list[str] = []
    current = ""
    for item in ids:
        candidate = f"{current}, {item}" if current else item
        if len(candidate) > width and current:
            lines.append(current + ",")
            current = item
        else:
            current = candidate
    lines.append(current)
    return ("\n" + " " * indent).join(lines)


def render_summary_text(model: SystemModel, warnings: Sequence[ModelWarning] = ()) -> str:
    """The validation summary as terminal text, ending with a Warnings section when any.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> print(render_summary_text(mg.example("netmon")).splitlines()[0][:40])
    valid: Network-monitoring agent (netmon)
    """
    data = summary_data(model, warnings)
    label = model.name + (f" ({_example_or_file(model)})" if model.source else "")
    lines = [
        f"valid: {label}",
        f"{data['components']} components, {data['flows']} flows",
        "",
        "Components per layer",
    ]
    width = max(len(layer.info.label) for layer in Layer)
    for layer in reversed(Layer):  # L7 at the top, as the stack is drawn
        ids = data["components_per_layer"][layer.value]
        names = _wrap_ids(ids, 100 - width - 8, width + 8) if ids else "-"
        lines.append(f"  {layer.info.label:<{width}} {len(ids):>3}  {names}")
    lines += ["", "Flows per kind"]
    lines.append(
        "  "
        + "  ".join(f"{kind} {count}" for kind, count in data["flows_per_kind"].items() if count)
    )
    lines += ["", f"Entry components ({data['entry_source']})"]
    for component in model.entry_components():
        why = f"exposure {component.exposure.value}, trust {component.trust.value}"
        lines.append(f"  {component.id} ({component.layer.value} {component.kind}; {why})")
    if not data["entry_components"]:
        lines.append("  none: no component is public or untrusted and attacker.entry is not set")
    missing = data["missing_layers"]
    lines += [""]
    if missing:
        lines.append(
            "Layers with no component: "
            + ", ".join(Layer(m).info.label for m in missing)
            + " (MAESTRO warns that coverage gaps hide here; model them if they exist)"
        )
    else:
        lines.append("Every layer has at least one component.")
    lines.append(ownership_line(model))
    if warnings:
        lines += ["", f"Warnings ({len(warnings)})"]
        for warning in warnings:
            where = f"line {warning.line}: " if warning.line is not None else ""
            lines += textwrap.wrap(
                f"{where}{warning.message} [{warning.code}]",
                width=100,
                initial_indent="  ",
                subsequent_indent="    ",
                break_on_hyphens=False,
            )
    return "\n".join(lines)


def _example_or_file(model: SystemModel) -> str:
    source = model.source or ""
    if "/examples/" in source.replace("\\", "/"):
        return source.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".yaml")
    return source


def render_summary_json(model: SystemModel, warnings: Sequence[ModelWarning] = ()) -> str:
    """The validation summary as JSON text."""
    return json.dumps(summary_data(model, warnings), indent=2)
