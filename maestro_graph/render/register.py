"""Output of ``maestro-graph threats --register``: table, json, csv, md."""

from __future__ import annotations

import csv
import io
import json

from maestro_graph.catalog import Catalog
from maestro_graph.engine.register import PREDICTED_LABEL, RegisterEntry, RiskRegister
from maestro_graph.model import SystemModel
from maestro_graph.render.text import markdown_table, shorten, text_table

GROUP_TITLES = {
    "realized": "realized: ATLAS techniques attackers have used in real incidents",
    "demonstrated": "demonstrated: shown to work on realistic systems",
    "feasible": "feasible: shown in research",
    "none": "no ATLAS technique: predicted by MAESTRO only",
}
HEADERS = ["#", "risk", "band", "component", "threat", "owner", "watched by", "missing controls"]


def _row(entry: RegisterEntry) -> list[object]:
    finding = entry.finding
    return [
        entry.rank,
        f"{finding.risk:.2f}",
        finding.band.value,
        f"{finding.component.id} ({finding.layer.value})",
        finding.threat.id,
        finding.component.owner or "-",
        shorten(list(entry.watched_by)) if entry.watched_by else "nobody",
        shorten(list(finding.controls_missing)),
    ]


def _predicted_lines(register: RiskRegister) -> list[str]:
    title = f"Chains {PREDICTED_LABEL} ({len(register.predicted)})"
    if not register.predicted:
        return [
            title,
            "  none: every chain found has a realized or demonstrated technique on some step",
        ]
    lines = [title]
    for chain in register.predicted:
        lines.append(f"  {chain.id}  risk {chain.risk:.3f} ({chain.band.value})  {chain.signature}")
        lines.append(f"      {chain.path_text}")
    return lines


def render_table(model: SystemModel, register: RiskRegister, total: int) -> str:
    """The register by evidence group, then the predicted chains."""
    head = (
        f"Risk register for {model.name}: {len(register.entries)} of {total} findings, "
        "realized evidence first"
    )
    parts = [head]
    for group, entries in register.groups().items():
        table = text_table(HEADERS, [_row(e) for e in entries], right=[0, 1])
        parts.append(f"{GROUP_TITLES[group]} ({len(entries)})\n{table}")
    if not register.entries:
        parts.append("(no finding matches)")
    parts.append("\n".join(_predicted_lines(register)))
    parts.append(
        "owner: the component's owner (- when the model names none). watched by: the "
        "watchers the component sends telemetry to (nobody: an attack there goes unseen)."
    )
    return "\n\n".join(parts)


def render_json(model: SystemModel, catalog: Catalog, register: RiskRegister) -> str:
    """``{"model", "catalog_version", "atlas_version", "register": [...], "predicted_chains"}``."""
    document = {
        "model": model.name,
        "catalog_version": catalog.version,
        "atlas_version": catalog.atlas_version,
        **register.to_record(),
    }
    return json.dumps(document, indent=2)


CSV_COLUMNS = [
    "rank", "evidence", "component", "layer", "threat", "threat_name", "risk", "band", "owner",
    "watched_by", "atlas", "controls_missing",
]  # fmt: skip


def render_csv(register: RiskRegister) -> str:
    """One row per finding in register order; list columns joined with ``;``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in register.entries:
        record = entry.to_record()
        record["owner"] = record["owner"] or ""
        record["watched_by"] = ";".join(record["watched_by"])
        record["atlas"] = ";".join(f"{a['id']}:{a['maturity']}" for a in record["atlas"])
        record["controls_missing"] = ";".join(record["controls_missing"])
        writer.writerow([record[column] for column in CSV_COLUMNS])
    return buffer.getvalue().rstrip("\n")


def render_markdown(model: SystemModel, register: RiskRegister) -> str:
    """A Markdown section: one table per evidence group, then the predicted chains."""
    parts = [f"## Risk register for {model.name}"]
    for group, entries in register.groups().items():
        rows = [[str(cell) for cell in _row(entry)] for entry in entries]
        parts.append(f"### {GROUP_TITLES[group]}\n\n{markdown_table(HEADERS, rows)}")
    predicted = _predicted_lines(register)
    parts.append(f"### {predicted[0]}\n\n" + "\n".join(line.strip() for line in predicted[1:]))
    return "\n\n".join(parts) + "\n"
