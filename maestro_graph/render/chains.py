"""Output of ``maestro-graph paths``: table (optionally explained), json, csv, md."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from maestro_graph.analysis import MAX_HOPS_LIMIT
from maestro_graph.catalog import Catalog
from maestro_graph.engine.ranking import Chain, ChainQuery
from maestro_graph.model import SystemModel
from maestro_graph.render.text import markdown_table, shorten, text_table

MATURITY_LETTER = {"realized": "R", "demonstrated": "D", "feasible": "F"}
EVIDENCE_LEGEND = (
    "evidence: strongest ATLAS maturity on the chain (R realized, D demonstrated, F feasible, "
    "- none; * a step has no technique; P predicted: no realized or demonstrated technique on "
    "any step). seen by: watchers that receive telemetry from the chain before it blinds them."
)


def describe_query(query: ChainQuery) -> str:
    """One line saying what was searched."""
    parts = [
        "cross-layer only" if query.cross_layer_only else "any layer mix",
        {
            "route": "best chain per route",
            "pair": "best chain per entry/target pair",
            "none": "all chains",
        }[query.distinct],
        f"at most {query.max_hops} hops",
    ]
    if query.assume_breach:
        parts.append("assume breach (any component can be a start)")
    for label, layers in (
        ("from", query.source_layers),
        ("to", query.target_layers),
        ("through", query.through_layers),
    ):
        if layers:
            parts.append(f"{label} {','.join(sorted(layer.value for layer in layers))}")
    for label, ids in (("entry", query.entry_ids), ("target", query.target_ids)):
        if ids:
            parts.append(f"{label} {','.join(sorted(ids))}")
    if query.evidence is not None:
        where = {"entry": "on the entry step", "any": "on some step", "every": "on every step"}
        parts.append(f"ATLAS {query.evidence.value} or stronger {where[query.evidence_on]}")
    if query.predicted_only:
        parts.append("predicted only (no realized or demonstrated technique)")
    if query.undetected:
        parts.append("undetected only")
    return "; ".join(parts)


def evidence_mark(chain: Chain) -> str:
    """``"R"``, ``"D*"`` (a step has no technique), ``"F P"`` (predicted) or ``"-"``.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> evidence_mark(mg.analyze(mg.example("netmon")).paths(top=1)[0])
    'R'
    """
    strongest = chain.evidence
    mark = MATURITY_LETTER[strongest.value] if strongest else "-"
    if chain.unbacked_steps and strongest:
        mark += "*"
    return f"{mark} P" if chain.predicted else mark


def seen_by(chain: Chain) -> str:
    """The watchers that see the chain, shortened (``"nobody"`` when none)."""
    return shorten(list(chain.detected_by), keep=2) if chain.detected_by else "nobody"


def describe_variants(chain: Chain) -> str:
    """``"+ 2 variants through interchangeable components: gemini_cli, q_cli"``."""
    shown = set(chain.route)
    others = dict.fromkeys(c for route, _ in chain.variants for c in route if c not in shown)
    count = len(chain.variants)
    return (
        f"+ {count} variant{'s' if count != 1 else ''} through interchangeable components: "
        + ", ".join(others)
    )


def _what_to_try(query: ChainQuery) -> str:
    """The hint when no chain matches, naming only options not already in effect.

    Examples
    --------
    >>> _what_to_try(ChainQuery(top=10, max_hops=4))
    'Try a larger --max-hops, --assume-breach or fewer filters.'
    >>> _what_to_try(ChainQuery(top=10, max_hops=4, assume_breach=True))
    'Try a larger --max-hops or fewer filters.'
    """
    options = [] if query.max_hops >= MAX_HOPS_LIMIT else ["a larger --max-hops"]
    if not query.assume_breach:
        options.append("--assume-breach")
    options.append("fewer filters")
    listed = ", ".join(options[:-1]) + (" or " if len(options) > 1 else "") + options[-1]
    return f"Try {listed}."


def render_table(
    model: SystemModel, chains: Sequence[Chain], query: ChainQuery, *, explain: bool = False
) -> str:
    """Ranked chains: a row per chain, its hops on the line below, explanations on request."""
    head = f"Attack chains in {model.name}: {len(chains)} shown ({describe_query(query)})"
    if not chains:
        return head + "\n\nNo chain matches. " + _what_to_try(query)
    lines = text_table(
        ["#", "risk", "band", "likelihood", "impact", "evidence", "seen by", "layers", "id"],
        [
            [
                c.rank,
                f"{c.risk:.3f}",
                c.band.value,
                f"{c.likelihood:.4f}",
                f"{c.impact:.2f}",
                evidence_mark(c),
                seen_by(c),
                c.signature,
                c.id,
            ]
            for c in chains
        ],
        right=[0, 1, 3, 4],
    ).splitlines()
    body = [lines[0]]
    for chain, line in zip(chains, lines[1:], strict=True):
        body += [line, f"      {chain.path_text}"]
        if chain.variants:
            body.append(f"      {describe_variants(chain)}")
        if chain.owners:
            body.append(f"      owners: {', '.join(chain.owners)}")
    text = f"{head}\n\n" + "\n".join(body)
    if explain:
        text += "\n\n" + "\n\n".join(chain.explain() for chain in chains)
    else:
        text += (
            "\n\nrisk = likelihood x impact of the final step; "
            f"--explain tells each chain hop by hop.\n{EVIDENCE_LEGEND}"
        )
    return text


def render_json(
    model: SystemModel, catalog: Catalog, chains: Sequence[Chain], query: ChainQuery
) -> str:
    """The fixed JSON shape of DESIGN section 8."""
    return json.dumps(
        {
            "model": model.name,
            "catalog_version": catalog.version,
            "query": describe_query(query),
            "chains": [chain.to_record() for chain in chains],
        },
        indent=2,
    )


def render_csv(chains: Sequence[Chain]) -> str:
    """One row per chain; the path as ``component[threat] > ...``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "rank",
            "id",
            "risk",
            "band",
            "likelihood",
            "impact",
            "layers",
            "hops",
            "entry",
            "target",
            "path",
            "evidence",
            "unbacked_steps",
            "predicted",
            "detected_by",
            "owners",
        ]
    )
    for c in chains:
        writer.writerow(
            [
                c.rank,
                c.id,
                round(c.risk, 4),
                c.band.value,
                round(c.likelihood, 6),
                round(c.impact, 4),
                c.signature,
                c.hops,
                c.entry,
                c.target,
                c.path_text,
                c.evidence.value if c.evidence else "",
                ";".join(map(str, c.unbacked_steps)),
                c.predicted,
                ";".join(c.detected_by),
                ";".join(c.owners),
            ]
        )
    return buffer.getvalue().rstrip("\n")


def render_markdown(model: SystemModel, chains: Sequence[Chain], query: ChainQuery) -> str:
    """A Markdown section with the ranked chains."""
    rows = [
        [
            c.rank,
            f"{c.risk:.3f}",
            c.band.value,
            f"{c.likelihood:.4f}",
            f"{c.impact:.2f}",
            evidence_mark(c),
            ", ".join(c.detected_by) or "nobody",
            c.signature,
            " → ".join(f"`{s.component}[{s.threat}]`" for s in c.steps)
            + (f" ({describe_variants(c)})" if c.variants else ""),
        ]
        for c in chains
    ]
    table = markdown_table(
        ["#", "risk", "band", "likelihood", "impact", "evidence", "seen by", "layers", "chain"],
        rows,
    )
    return f"## Attack chains in {model.name}\n\n{describe_query(query)}\n\n{table}\n"
