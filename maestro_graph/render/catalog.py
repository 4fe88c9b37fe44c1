"""Views of the catalog: ``rules list``, ``rules show ID`` and the generated Markdown docs."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

from maestro_graph.catalog import Catalog
from maestro_graph.catalog.types import (
    AtlasTechnique,
    Control,
    KindInfo,
    OwaspId,
    PropagationRule,
    Threat,
)
from maestro_graph.model.layers import Layer
from maestro_graph.render.text import markdown_table, text_table
from maestro_graph.support.errors import MaestroInputError, did_you_mean

ENTRY_TYPES = ("threats", "controls", "rules", "kinds", "atlas")


def _atlas_summary(catalog: Catalog, ids: Iterable[str]) -> str:
    return ", ".join(f"{i} ({catalog.atlas[i].maturity.value})" for i in ids) or "none"


def _owasp_lines(catalog: Catalog, threat: Threat) -> list[str]:
    """One line per OWASP list: the ids the threat carries on it, with their names."""
    return [
        f"  {owasp_list.label}: " + ("; ".join(f"{i.id} {i.name}" for i in ids) if ids else "-")
        for owasp_list, ids in catalog.owasp_by_list(threat.owasp)
    ]


def _sorted_owasp(catalog: Catalog, ids: Iterable[str]) -> list[str]:
    """``ids`` in catalog order: the agentic top 10, the LLM top 10, then T1-T15."""
    wanted = set(ids)
    return [i for i in catalog.owasp if i in wanted]


def list_rows(
    catalog: Catalog, entry_type: str, layers: Iterable[Layer] | None = None
) -> tuple[list[str], list[list[object]]]:
    """Headers and rows of ``rules list`` for one entry type."""
    wanted = set(layers) if layers else set(Layer)
    if entry_type == "threats":
        return ["id", "name", "entry", "likelihood", "impact", "ATLAS (strongest)", "controls"], [
            [
                t.id,
                t.name,
                "yes" if t.entry else "",
                t.likelihood,
                t.impact,
                f"{len(t.atlas)} ({m.value})" if (m := catalog.maturity_of(t.atlas)) else "0",
                len(t.mitigated_by),
            ]
            for t in catalog.threats.values()
            if t.layer in wanted
        ]
    if entry_type == "controls":
        return ["id", "layer", "name", "effectiveness", "placement", "mitigates"], [
            [
                c.id,
                c.layer.value,
                c.name,
                c.effectiveness,
                "/".join(c.placement),
                len(catalog.mitigates(c.id)),
            ]
            for c in catalog.controls.values()
            if c.layer in wanted
        ]
    if entry_type == "rules":
        return ["id", "from", "via", "to", "likelihood", "title"], [
            [
                r.id,
                r.source_text(),
                _via_text(r),
                r.target_text(),
                r.likelihood,
                r.title,
            ]
            for r in catalog.rules.values()
            if wanted & _rule_layers(catalog, r)
        ]
    if entry_type == "kinds":
        return ["kind", "layer", "threats", "description"], [
            [k.id, k.layer.value, len(catalog.threats_for_kind(k.id)), k.description]
            for k in catalog.kinds.values()
            if k.layer in wanted
        ]
    used = {technique for threat in catalog.threats.values() for technique in threat.atlas}
    return ["id", "maturity", "used", "name"], [
        [a.id, a.maturity.value, "yes" if a.id in used else "", a.name]
        for a in catalog.atlas.values()
    ]


def _via_text(rule: PropagationRule) -> str:
    if rule.via.direction == "self":
        return "self"
    return f"{'/'.join(k.value for k in rule.via.flows)} {rule.via.direction}"


def _target_kinds(catalog: Catalog, rule: PropagationRule) -> tuple[str, ...]:
    if rule.target.kinds:
        return rule.target.kinds
    return tuple(
        dict.fromkeys(k for t in rule.target.threats for k in catalog.threats[t].applies_to)
    )


def _rule_layers(catalog: Catalog, rule: PropagationRule) -> set[Layer]:
    sources = {catalog.threats[t].layer for t in rule.source.threats}
    sources |= {catalog.kinds[k].layer for k in rule.source.kinds or ()}
    if rule.source.capabilities and not rule.source.kinds:
        sources |= set(Layer)
    return sources | {catalog.kinds[k].layer for k in _target_kinds(catalog, rule)}


def render_rule(catalog: Catalog, rule: PropagationRule) -> str:
    """Everything about one propagation rule: mechanism, evidence, controls, fixtures."""
    kinds = _target_kinds(catalog, rule)
    lines = [
        f"{rule.id}  {rule.title}",
        f"  from: {rule.source_text()}",
        f"  via: {_via_text(rule)}",
        f"  to: {rule.target_text()} at {', '.join(kinds)}",
        f"  likelihood: {rule.likelihood}",
        f"  blocked by: {', '.join(rule.blocked_by) or '-'}",
        f"  ATLAS: {_atlas_summary(catalog, rule.atlas)}",
        "",
        _wrap(rule.rationale),
        "",
        "References",
        *[f"  - {reference}" for reference in rule.references],
        "",
        "Fixtures: fires on "
        + ", ".join(f"{c['id']} ({c['kind']})" for c in rule.examples.fires.get("components", []))
        + "; quiet on "
        + ", ".join(f"{c['id']} ({c['kind']})" for c in rule.examples.quiet.get("components", [])),
        "",
        f"defined at {catalog.origins.get(rule.id, '?')}",
    ]
    return "\n".join(lines)


def render_list(
    catalog: Catalog, entry_type: str, layers: Iterable[Layer] | None, output_format: str
) -> str:
    """``rules list`` in table, json or md."""
    headers, rows = list_rows(catalog, entry_type, layers)
    if output_format == "json":
        return json.dumps([dict(zip(headers, row, strict=True)) for row in rows], indent=2)
    if output_format == "md":
        return markdown_table(headers, rows)
    right = [
        i
        for i, h in enumerate(headers)
        if h in {"likelihood", "impact", "effectiveness", "mitigates", "threats", "controls"}
    ]
    return text_table(headers, rows, right=right) + f"\n\n{len(rows)} {entry_type}"


def find_entry(
    catalog: Catalog, entry_id: str
) -> Threat | Control | PropagationRule | KindInfo | AtlasTechnique | OwaspId:
    """Look an id up among threats, controls, kinds, ATLAS techniques and OWASP ids."""
    for table in (
        catalog.threats,
        catalog.controls,
        catalog.rules,
        catalog.kinds,
        catalog.atlas,
        catalog.owasp,
    ):
        if entry_id in table:
            return table[entry_id]
    if entry_id.upper() in catalog.owasp:
        return catalog.owasp[entry_id.upper()]
    every = [
        *catalog.threats,
        *catalog.controls,
        *catalog.rules,
        *catalog.kinds,
        *catalog.atlas,
        *catalog.owasp,
    ]
    raise MaestroInputError.single(
        "rules show",
        None,
        f"no threat, control, rule, kind, ATLAS technique or OWASP id {entry_id!r}"
        + did_you_mean(entry_id, every),
    )


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(
        " ".join(text.split()), width=96, initial_indent=indent, subsequent_indent=indent
    )


def render_threat(catalog: Catalog, threat: Threat) -> str:
    """Everything about one threat, with its ATLAS evidence and controls."""
    maturity = catalog.maturity_of(threat.atlas)
    lines = [
        f"{threat.id}  {threat.name}",
        f"  layer: {threat.layer.info.label}",
        f"  MAESTRO threat: {threat.maestro_name or '(extension of the canonical list)'}",
        *_owasp_lines(catalog, threat),
        f"  STRIDE: {', '.join(s.value for s in threat.stride) or '-'}",
        f"  entry threat: {'yes' if threat.entry else 'no'}",
        f"  base likelihood: {threat.likelihood}    impact: {threat.impact}",
        f"  strongest ATLAS maturity: {maturity.value if maturity else 'none (no technique fits)'}",
        f"  applies to: {', '.join(threat.applies_to)}",
        "",
        _wrap(threat.description),
        "",
        "ATLAS evidence",
    ]
    rows = [
        [a.id, a.maturity.value, a.name]
        for a in sorted(
            (catalog.atlas[i] for i in threat.atlas), key=lambda a: (-a.maturity.strength, a.id)
        )
    ]
    lines.append(
        textwrap.indent(text_table(["technique", "maturity", "name"], rows), "  ")
        if rows
        else "  none"
    )
    lines += ["", "Mitigated by"]
    controls = [
        [
            c,
            catalog.controls[c].layer.value,
            catalog.controls[c].effectiveness,
            catalog.controls[c].name,
        ]
        for c in threat.mitigated_by
    ]
    lines.append(
        textwrap.indent(
            text_table(["control", "layer", "effectiveness", "name"], controls, right=[2]), "  "
        )
        if controls
        else "  none"
    )
    lines += ["", f"defined at {catalog.origins.get(threat.id, '?')}"]
    return "\n".join(lines)


def render_control(catalog: Catalog, control: Control) -> str:
    """Everything about one control, with the threats it mitigates."""
    mitigated = [catalog.threats[t] for t in catalog.mitigates(control.id)]
    lines = [
        f"{control.id}  {control.name}",
        f"  layer: {control.layer.info.label}",
        f"  effectiveness: {control.effectiveness} "
        f"(a likelihood it cuts is multiplied by {1 - control.effectiveness:.2f})",
        f"  placement: {', '.join(control.placement)}",
        f"  can be placed on: {', '.join(control.applies_to) or 'any kind'}",
        "",
        _wrap(control.description),
        "",
        f"Mitigates ({len(mitigated)})",
    ]
    rows = [[t.id, t.name] for t in mitigated]
    lines.append(
        textwrap.indent(text_table(["threat", "name"], rows), "  ") if rows else "  nothing yet"
    )
    lines += ["", f"defined at {catalog.origins.get(control.id, '?')}"]
    return "\n".join(lines)


def render_owasp(catalog: Catalog, owasp_id: OwaspId) -> str:
    """One OWASP id: its name, its list and the threats that carry it."""
    owasp_list = catalog.owasp_lists[owasp_id.family]
    carriers = [t for t in catalog.threats.values() if owasp_id.id in t.owasp]
    lines = [
        f"{owasp_id.id}  {owasp_id.name}",
        f"  list: {owasp_list.title}",
        "",
        f"Threats carrying it ({len(carriers)})",
        textwrap.indent(text_table(["threat", "name"], [[t.id, t.name] for t in carriers]), "  ")
        if carriers
        else "  none",
    ]
    return "\n".join(lines)


def render_entry(catalog: Catalog, entry_id: str) -> str:
    """``rules show ID`` for a threat, control, kind or ATLAS technique."""
    entry = find_entry(catalog, entry_id)
    if isinstance(entry, Threat):
        return render_threat(catalog, entry)
    if isinstance(entry, Control):
        return render_control(catalog, entry)
    if isinstance(entry, PropagationRule):
        return render_rule(catalog, entry)
    if isinstance(entry, OwaspId):
        return render_owasp(catalog, entry)
    if isinstance(entry, KindInfo):
        threats = catalog.threats_for_kind(entry.id)
        rows = [[t.id, t.name] for t in threats]
        return "\n".join(
            [
                f"{entry.id}  (kind on {entry.layer.info.label})",
                _wrap(entry.description),
                "",
                f"Threats that apply ({len(rows)})",
                textwrap.indent(text_table(["threat", "name"], rows), "  "),
            ]
        )
    users = [t for t in catalog.threats.values() if entry.id in t.atlas]
    lines = [
        f"{entry.id}  {entry.name}",
        f"  maturity: {entry.maturity.value}    tactics: {', '.join(entry.tactics)}",
        f"  parent: {entry.parent or '-'}    ATLAS version: {catalog.atlas_version}",
        "",
        f"Threats citing it ({len(users)})",
    ]
    lines.append(
        textwrap.indent(text_table(["threat", "name"], [[t.id, t.name] for t in users]), "  ")
        if users
        else "  none"
    )
    return "\n".join(lines)


def _owasp_docs(catalog: Catalog) -> list[str]:
    """The OWASP mapping: per list, each id with its name and the threats that carry it."""
    threats = list(catalog.threats.values())
    parts = [
        "## OWASP mapping",
        "",
        "Each threat's `owasp:` field names the entries of three OWASP lists it corresponds to",
        "(`rules/owasp.yaml` holds the ids and their published names; the loader refuses any other",
        "id). `maestro-graph threats --owasp ID` keeps the findings of the threats carrying an id.",
        "",
    ]
    for owasp_list, ids in catalog.owasp_by_list(catalog.owasp):
        parts += [f"### {owasp_list.title}", ""]
        parts.append(
            markdown_table(
                ["id", "name", "threats"],
                [
                    [
                        f"`{i.id}`",
                        i.name,
                        ", ".join(f"`{t.id}`" for t in threats if i.id in t.owasp) or "-",
                    ]
                    for i in ids
                ],
            )
        )
        parts.append("")
    top10 = {i.id for i in catalog.owasp.values() if i.family in {"asi", "llm"}}
    unmapped = [t for t in threats if not top10 & set(t.owasp)]
    if unmapped:
        parts += [
            "Threats with no id from either top 10 (infrastructure, record-keeping and "
            "governance concerns neither list covers): "
            + ", ".join(f"`{t.id}`" for t in unmapped)
            + ".",
            "",
        ]
    return parts


def _watcher_docs(catalog: Catalog) -> list[str]:
    """The watcher kinds (``watchers.yaml``): who would see a chain, and how."""
    return [
        "## Watchers",
        "",
        "A component of these kinds sees a chain that sends it telemetry (`paths --undetected`",
        "lists the chains none sees). *alerts*: what it saw before the chain blinds it stays",
        "seen; *records*: a chain that later tampers with it erases what it held.",
        "",
        markdown_table(
            ["kind", "layer", "watches"],
            [
                [f"`{kind}`", catalog.kinds[kind].layer.value, mode.value]
                for kind, mode in catalog.watchers.items()
                if kind in catalog.kinds
            ],
        ),
        "",
    ]


def render_docs(catalog: Catalog) -> str:
    """The catalog reference in Markdown, generated from ``rules/`` (``docs/catalog.md``)."""
    threats = list(catalog.threats.values())
    parts = [
        "# maestro-graph catalog reference",
        "",
        "Generated from `rules/` by `maestro-graph rules docs -o docs/catalog.md`;",
        "do not edit by hand.",
        "",
        f"{len(threats)} threats, {len(catalog.controls)} controls, "
        f"{len(catalog.kinds)} component kinds; MITRE ATLAS {catalog.atlas_version} "
        f"({len(catalog.atlas)} techniques, Apache-2.0, see `rules/atlas/NOTICE`).",
        "",
        "Maturity of ATLAS evidence: *realized* (used in a real incident), *demonstrated*",
        "(shown in a red-team exercise or demonstration on a realistic AI system),",
        "*feasible* (shown in research).",
        "",
    ]
    for layer in Layer:
        parts += _layer_docs(catalog, layer)
    parts += _owasp_docs(catalog)
    parts += _watcher_docs(catalog)
    parts += _rule_docs(catalog)
    return "\n".join(parts)


def _layer_docs(catalog: Catalog, layer: Layer) -> list[str]:
    """One layer's section: its threats (table, then each described) and its controls."""
    threats = list(catalog.threats.values())
    parts: list[str] = []
    on_layer = [t for t in threats if t.layer is layer]
    parts += [
        f"## {layer.info.label}",
        "",
        f"{layer.info.role.capitalize()}.",
        "",
        "### Threats",
        "",
    ]
    parts.append(
        markdown_table(
            ["id", "name", "MAESTRO", "entry", "likelihood", "impact", "ATLAS", "mitigated by"],
            [
                [
                    f"`{t.id}`",
                    t.name,
                    t.maestro_name or "-",
                    "yes" if t.entry else "",
                    t.likelihood,
                    t.impact,
                    _atlas_summary(catalog, t.atlas),
                    ", ".join(f"`{c}`" for c in t.mitigated_by),
                ]
                for t in on_layer
            ],
        )
    )
    parts.append("")
    for t in on_layer:
        owasp = ", ".join(f"`{i}`" for i in _sorted_owasp(catalog, t.owasp)) or "none"
        parts += [
            f"- **`{t.id}`** ({', '.join(t.applies_to)}): {' '.join(t.description.split())}"
            f" OWASP: {owasp}."
        ]
    controls = [c for c in catalog.controls.values() if c.layer is layer]
    parts += ["", "### Controls", ""]
    parts.append(
        markdown_table(
            ["id", "name", "effectiveness", "placement", "mitigates", "description"],
            [
                [
                    f"`{c.id}`",
                    c.name,
                    c.effectiveness,
                    "/".join(c.placement),
                    len(catalog.mitigates(c.id)),
                    " ".join(c.description.split()),
                ]
                for c in controls
            ],
        )
    )
    parts.append("")
    return parts


def _rule_docs(catalog: Catalog) -> list[str]:
    """The propagation rules: a table, then each rule's rationale and references."""
    parts: list[str] = []
    rules = sorted(catalog.rules.values(), key=lambda r: r.id)
    parts += [
        "## Propagation rules",
        "",
        f"{len(rules)} rules. A rule turns a state (component, threat) into another along a flow",
        "(`forward`: with the flow; `reverse`: against it, as a response travels back) or within",
        "one component (`self`). Each carries its own fixtures, run by `maestro-graph rules test`.",
        f"{sum(r.generic for r in rules)} of them are generic movement rules: they start from "
        "any threat that grants a",
        "capability (influence, control, execute, read, tamper, identity, disrupt) and name the "
        "hop with the first of",
        "their labels that applies to the target's kind, so they reach kinds and combinations "
        "no pairwise rule lists.",
        "",
        markdown_table(
            ["id", "from", "via", "to", "likelihood", "blocked by"],
            [
                [
                    f"`{r.id}`",
                    r.source_text(),
                    _via_text(r),
                    r.target_text(),
                    r.likelihood,
                    ", ".join(f"`{c}`" for c in r.blocked_by),
                ]
                for r in rules
            ],
        ),
        "",
    ]
    for r in rules:
        parts += [
            f"### `{r.id}`: {r.title}",
            "",
            " ".join(r.rationale.split()),
            "",
            f"ATLAS: {_atlas_summary(catalog, r.atlas)}. "
            f"References: {'; '.join(r.references) or '-'}.",
            "",
        ]
    return parts
