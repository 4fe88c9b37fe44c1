"""Output of ``maestro-graph threats``: table, json, csv, md."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from maestro_graph.catalog import Catalog
from maestro_graph.engine.threats import AtlasEvidence, LayerCoverage, ThreatFinding
from maestro_graph.model import SystemModel
from maestro_graph.render.text import markdown_table, shorten, text_table

MATURITY_LETTER = {"realized": "R", "demonstrated": "D", "feasible": "F"}
TABLE_HEADERS = [
    "#",
    "risk",
    "band",
    "likelihood",
    "impact",
    "component",
    "threat",
    "entry",
    "ATLAS",
    "missing controls",
]


def _atlas_short(evidence: Sequence[AtlasEvidence]) -> str:
    return shorten([f"{e.id} {MATURITY_LETTER[e.maturity.value]}" for e in evidence], keep=1)


def _rows(findings: Sequence[ThreatFinding]) -> list[list[object]]:
    return [
        [
            rank,
            f"{f.risk:.2f}",
            f.band.value,
            f"{f.likelihood:.3f}",
            f"{f.impact:.2f}",
            f"{f.component.id} ({f.layer.value})",
            f.threat.id,
            "yes" if f.entry else "",
            _atlas_short(f.atlas),
            shorten(list(f.controls_missing)),
        ]
        for rank, f in enumerate(findings, start=1)
    ]


def _coverage_lines(model: SystemModel, coverage: Sequence[LayerCoverage]) -> str:
    table = text_table(
        ["layer", "components", "threats", "findings"],
        [[c.layer.info.label, c.components, c.threats, c.findings] for c in coverage],
        right=[1, 2, 3],
    )
    missing = model.missing_layers()
    note = (
        "Layers with no component: "
        + ", ".join(layer.info.label for layer in missing)
        + ". MAESTRO warns that coverage gaps hide in L1, L2 and L7: model them if they exist."
        if missing
        else "Every layer has at least one component."
    )
    return f"Coverage per layer\n{table}\n{note}"


def render_table(
    model: SystemModel,
    findings: Sequence[ThreatFinding],
    coverage: Sequence[LayerCoverage],
    total: int,
) -> str:
    """The terminal view: ranked rows, a legend, then the per-layer coverage."""
    head = f"Threats in {model.name}: {len(findings)} of {total} (component, threat) findings shown"
    legend = (
        "likelihood = base x ATLAS maturity factor x controls; impact = sqrt(threat impact x "
        "criticality); risk = likelihood x impact.\nATLAS maturity: R realized, D demonstrated, "
        "F feasible. entry: the attacker can start with this threat here."
    )
    body = text_table(TABLE_HEADERS, _rows(findings), right=[0, 1, 3, 4]) if findings else "(none)"
    return f"{head}\n\n{body}\n\n{legend}\n\n{_coverage_lines(model, coverage)}"


def render_json(
    model: SystemModel,
    catalog: Catalog,
    findings: Sequence[ThreatFinding],
    coverage: Sequence[LayerCoverage],
) -> str:
    """``{"model", "catalog_version", "atlas_version", "threats": [...], "coverage": [...]}``."""
    document = {
        "model": model.name,
        "catalog_version": catalog.version,
        "atlas_version": catalog.atlas_version,
        "threats": [f.to_record() for f in findings],
        "coverage": [
            {
                "layer": c.layer.value,
                "components": c.components,
                "threats": c.threats,
                "findings": c.findings,
            }
            for c in coverage
        ],
        "missing_layers": [layer.value for layer in model.missing_layers()],
    }
    return json.dumps(document, indent=2)


CSV_COLUMNS = [
    "component", "layer", "kind", "threat", "threat_name", "likelihood", "impact", "risk", "band",
    "entry", "maturity", "atlas", "controls_present", "controls_missing",
]  # fmt: skip


def render_csv(findings: Sequence[ThreatFinding]) -> str:
    """One row per finding; list columns joined with ``;``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for finding in findings:
        record = finding.to_record()
        record["atlas"] = ";".join(f"{a['id']}:{a['maturity']}" for a in record["atlas"])
        record["controls_present"] = ";".join(record["controls_present"])
        record["controls_missing"] = ";".join(record["controls_missing"])
        writer.writerow([record[column] for column in CSV_COLUMNS])
    return buffer.getvalue().rstrip("\n")


def render_markdown(
    model: SystemModel, findings: Sequence[ThreatFinding], coverage: Sequence[LayerCoverage]
) -> str:
    """A Markdown report section: ranked threats and per-layer coverage."""
    rows = [
        [
            rank,
            f"{f.risk:.2f}",
            f.band.value,
            f"{f.likelihood:.3f}",
            f"{f.impact:.2f}",
            f"`{f.component.id}` ({f.layer.value})",
            f"`{f.threat.id}` {f.threat.name}",
            ", ".join(f"{e.id} ({e.maturity.value})" for e in f.atlas) or "none",
            ", ".join(f.controls_missing) or "-",
        ]
        for rank, f in enumerate(findings, start=1)
    ]
    threats = markdown_table(
        [
            "#",
            "risk",
            "band",
            "likelihood",
            "impact",
            "component",
            "threat",
            "ATLAS",
            "missing controls",
        ],
        rows,
    )
    coverage_table = markdown_table(
        ["layer", "components", "threats", "findings"],
        [[c.layer.info.label, c.components, c.threats, c.findings] for c in coverage],
    )
    return (
        f"## Threats in {model.name}\n\n{threats}\n\n### Coverage per layer\n\n{coverage_table}\n"
    )
