"""Output of ``maestro-graph mitigate``: table, json, md."""

from __future__ import annotations

import json

from maestro_graph.catalog import Catalog
from maestro_graph.decisions.mitigation import MitigationPlan
from maestro_graph.model import SystemModel
from maestro_graph.render.text import markdown_table, text_table

BANDS = ("critical", "high", "medium", "low")
#: The plan table: pairs cut counts (entry, target) pairs, routes cut the routes themselves.
COLUMNS = (
    "#",
    "control",
    "where",
    "layer",
    "effectiveness",
    "pairs cut",
    "routes cut",
    "risk removed",
)


def _goal(plan: MitigationPlan) -> str:
    if plan.mode == "threshold":
        return f"bring every chain below {plan.band.value}"
    return (
        f"the {plan.budget} placements that remove the most risk from chains that can reach "
        f"{plan.band.value}"
    )


def _rows(plan: MitigationPlan, catalog: Catalog) -> list[list[object]]:
    return [
        [
            number,
            r.placement.control,
            r.placement.target,
            r.layer,
            catalog.controls[r.placement.control].effectiveness,
            r.pairs,
            len(r.chains),
            f"{r.risk_removed:.3f}",
        ]
        for number, r in enumerate(plan.recommendations, start=1)
    ]


def _residual_rows(plan: MitigationPlan) -> list[list[object]]:
    rows: list[list[object]] = [
        [band, plan.before.counts[band], plan.after.counts[band]] for band in BANDS
    ]
    rows.append(["total risk", f"{plan.before.total_risk:.3f}", f"{plan.after.total_risk:.3f}"])
    rows.append(["top chain risk", f"{plan.before.top_risk:.3f}", f"{plan.after.top_risk:.3f}"])
    return rows


def _verdict(plan: MitigationPlan) -> str:
    if plan.mode == "threshold" and not plan.remaining and not plan.uncuttable:
        return (
            f"Verified by re-analysis: no chain is at or above {plan.band.value} "
            "with these placements."
        )
    lines = []
    if plan.uncuttable:
        lines.append(
            f"{len(plan.uncuttable)} chains cannot be brought below {plan.band.value} "
            "by any control the defender can place (their impact alone keeps them there): "
            + ", ".join(plan.uncuttable[:5])
        )
    if plan.remaining:
        lines.append(
            f"{len(plan.remaining)} chains remain at or above {plan.band.value} "
            "after these placements."
        )
    return "\n".join(lines) or "Verified by re-analysis."


def render_table(model: SystemModel, catalog: Catalog, plan: MitigationPlan) -> str:
    """The recommendations (most risk removed first), then residual risk before and after."""
    head = f"Mitigation plan for {model.name}: {_goal(plan)}"
    method = f"Method: {plan.method} ({plan.note})" if plan.note else f"Method: {plan.method}"
    if plan.recommendations:
        table = text_table(
            list(COLUMNS),
            _rows(plan, catalog),
            right=[0, 4, 5, 6, 7],
        )
    else:
        table = "No placement is needed (or possible)."
    residual = text_table(["band", "before", "after"], _residual_rows(plan), right=[1, 2])
    floor_note = (
        "Residual risk counts every chain (all routes, not only the best per entry/target pair) "
        f"whose risk can reach {plan.band.value}."
    )
    apply = " ".join(f"--assume-control {p}" for p in plan.placements)
    lines = [head, method, "", table, "", "Residual risk", residual, floor_note, "", _verdict(plan)]
    if apply:
        lines += ["", f"Try it: maestro-graph paths MODEL {apply}"]
    return "\n".join(lines)


def render_json(model: SystemModel, catalog: Catalog, plan: MitigationPlan) -> str:
    """The plan as JSON."""
    return json.dumps(
        {
            "model": model.name,
            "catalog_version": catalog.version,
            "mode": plan.mode,
            "band": plan.band.value,
            "budget": plan.budget,
            "method": plan.method,
            "note": plan.note,
            "recommendations": [
                {
                    "control": r.placement.control,
                    "component": r.placement.component,
                    "flow": {"from": r.placement.flow[0], "to": r.placement.flow[1]}
                    if r.placement.flow
                    else None,
                    "placement": str(r.placement),
                    "layer": r.layer,
                    "chains": list(r.chains),
                    "pairs": r.pairs,
                    "risk_removed": round(r.risk_removed, 4),
                }
                for r in plan.recommendations
            ],
            "residual": {
                "before": {
                    "bands": plan.before.counts,
                    "total_risk": round(plan.before.total_risk, 4),
                    "top_risk": round(plan.before.top_risk, 4),
                },
                "after": {
                    "bands": plan.after.counts,
                    "total_risk": round(plan.after.total_risk, 4),
                    "top_risk": round(plan.after.top_risk, 4),
                },
            },
            "uncuttable": list(plan.uncuttable),
            "remaining": list(plan.remaining),
        },
        indent=2,
    )


def render_markdown(model: SystemModel, catalog: Catalog, plan: MitigationPlan) -> str:
    """The plan as a Markdown section."""
    table = markdown_table(
        list(COLUMNS),
        _rows(plan, catalog),
    )
    residual = markdown_table(["band", "before", "after"], _residual_rows(plan))
    return (
        f"## Mitigation plan for {model.name}\n\n{_goal(plan).capitalize()}. Method: {plan.method}"
        f" ({plan.note}).\n\n{table}\n\n### Residual risk\n\n{residual}\n\n{_verdict(plan)}\n"
    )
