"""Commands that rank and list: threats, paths, matrix and components."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import TYPE_CHECKING, Any

import click

from maestro_graph.analysis import DEFAULT_MAX_HOPS
from maestro_graph.catalog import Catalog
from maestro_graph.cli.app import F, main
from maestro_graph.cli.options import (
    HUMAN_FORMATS,
    assume_control_option,
    band_option,
    echo_model_warnings,
    emit,
    evidence_options,
    format_option,
    hops_option,
    layers_option,
    model_input,
    output_option,
    split_commas,
    top_option,
    with_delta,
)
from maestro_graph.engine.ranking import SEARCH_BUDGET
from maestro_graph.model import SystemModel

if TYPE_CHECKING:
    pass


@main.command()
@model_input
@click.option(
    "--layer", "layers", metavar="L2,L3", multiple=True, help="Only components on these layers."
)
@click.option(
    "--component",
    "components",
    metavar="ID,ID",
    multiple=True,
    callback=split_commas,
    help="Only these components (repeatable, or comma-separated).",
)
@band_option("--min-band", dest="min_band", help="Only findings at or above this band.")
@click.option("--top", type=click.IntRange(min=1), help="Show only the N highest-risk findings.")
@click.option(
    "--owasp",
    "owasp_ids",
    metavar="ID",
    multiple=True,
    help="Only threats carrying one of these OWASP ids (ASI01-ASI10, LLM01-LLM10, T1-T15); "
    "repeatable or comma-separated, any case.",
)
@evidence_options(scope=False)
@click.option(
    "--register",
    is_flag=True,
    help="The risk register: realized threats first (then demonstrated, feasible, unbacked), "
    "with owners and watchers, and the chains no realized or demonstrated technique backs.",
)
@format_option("table", "json", "csv", "md")
@output_option
@assume_control_option
def threats(
    model: SystemModel,
    catalog: Catalog,
    layers: tuple[str, ...],
    components: tuple[str, ...],
    min_band: str | None,
    top: int | None,
    owasp_ids: tuple[str, ...],
    evidence: str | None,
    register: bool,
    output_format: str,
    output: str | None,
    assumed: tuple[str, ...],
) -> None:
    """MAESTRO step 2: every threat that applies to every component, scored.

    One row per (component, threat): likelihood after the ATLAS maturity factor and the
    component's controls, impact (threat impact x criticality, on 1-5), risk, band, the ATLAS
    techniques with maturity, and the mitigating controls that are missing. Highest risk first,
    followed by a per-layer coverage summary.

    \b
    Examples:
      maestro-graph threats --example rag-agent --top 15
      maestro-graph threats arch.yaml --layer L2,L7 --min-band high
      maestro-graph threats arch.yaml --component kb --format json
      maestro-graph threats arch.yaml --owasp LLM01,ASI06
      maestro-graph threats --example rag-agent --evidence realized
      maestro-graph threats --example netmon --register --min-band medium
      maestro-graph threats arch.yaml --assume-control kb:provenance-tracking
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render import threats as render

    try:
        owasp = catalog.parse_owasp(owasp_ids) if owasp_ids else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--owasp'") from None
    before = analyze(model, catalog=catalog)
    analysis = before.with_controls(assumed) if assumed else before
    filters = {
        "layers": layers_option(layers),
        "components": components or None,
        "min_band": min_band,
        "owasp": owasp,
        "evidence": evidence,
    }
    if register:
        emit(_register_text(analysis, filters, top, output_format), output)
        return
    findings = analysis.threat_findings(**filters)  # type: ignore[arg-type]
    shown = findings[:top] if top else findings
    coverage = analysis.coverage()
    if output_format == "json":
        text = render.render_json(model, catalog, shown, coverage)
    elif output_format == "csv":
        text = render.render_csv(shown)
    elif output_format == "md":
        text = render.render_markdown(model, shown, coverage)
    else:
        text = render.render_table(model, shown, coverage, total=len(analysis.findings))
    if assumed:
        from maestro_graph.render.whatif import findings_delta, render_findings_delta

        changed = findings_delta(before.findings, analysis.findings)
        text = with_delta(
            text,
            output_format,
            render_findings_delta(assumed, changed),
            {"assumed": list(assumed), "changed": changed},
        )
    emit(text, output)


def _register_text(
    analysis: Any, filters: dict[str, Any], top: int | None, output_format: str
) -> str:
    from maestro_graph.render import register as render

    register = analysis.register(**filters)
    if top:
        register = dataclasses.replace(register, entries=register.entries[:top])
    if output_format == "json":
        return render.render_json(analysis.model, analysis.catalog, register)
    if output_format == "csv":
        return render.render_csv(register)
    if output_format == "md":
        return render.render_markdown(analysis.model, register)
    return render.render_table(analysis.model, register, total=len(analysis.findings))


def _chain_options(command: F) -> F:
    options = [
        top_option(10, "How many chains."),
        hops_option(DEFAULT_MAX_HOPS),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@model_input
@_chain_options
@click.option(
    "--from",
    "source_layers",
    metavar="L2,L7",
    multiple=True,
    help="Only chains whose entry component is on these layers.",
)
@click.option(
    "--to",
    "target_layers",
    metavar="L4,L5",
    multiple=True,
    help="Only chains ending on these layers.",
)
@click.option(
    "--through",
    "through_layers",
    metavar="L3",
    multiple=True,
    help="Only chains touching these layers.",
)
@click.option(
    "--entry",
    "entry_ids",
    metavar="ID,ID",
    multiple=True,
    callback=split_commas,
    help="Only chains starting at these components (repeatable, or comma-separated).",
)
@click.option(
    "--target",
    "target_ids",
    metavar="ID,ID",
    multiple=True,
    callback=split_commas,
    help="Only chains ending at these components (repeatable, or comma-separated).",
)
@click.option(
    "--cross-layer-only",
    is_flag=True,
    help="Only chains that change MAESTRO layer (default: any layer mix, cross-layer ones marked).",
)
@click.option(
    "--include-single-layer",
    is_flag=True,
    hidden=True,
    help="Kept for earlier scripts: single-layer chains are now included by default.",
)
@click.option(
    "--distinct",
    type=click.Choice(["route", "pair", "none"]),
    default="route",
    show_default=True,
    help="route: best chain per sequence of components; pair: best per (entry, target); "
    "none: raw ranking (counts a route's variants).",
)
@click.option(
    "--assume-breach",
    is_flag=True,
    help="Start from every component (as if compromised), not only attacker entries.",
)
@evidence_options()
@click.option(
    "--predicted",
    "predicted_only",
    is_flag=True,
    help="Only chains no realized or demonstrated ATLAS technique backs on any step "
    "(predicted, not yet seen in ATLAS).",
)
@click.option(
    "--undetected",
    is_flag=True,
    help="Only chains no watcher sees (no monitor, log, tracer, security agent or audit trail "
    "receives telemetry from them that they do not blind first).",
)
@click.option(
    "--explain", is_flag=True, help="Tell each chain hop by hop: rule, flow, ATLAS, controls."
)
@click.option(
    "--search-budget",
    type=click.IntRange(min=1),
    default=SEARCH_BUDGET,
    show_default=True,
    help="Most partial chains the search queues; past it, it stops with a warning "
    "(dense graphs only: the bundled examples need under 5,000).",
)
@format_option("table", "json", "csv", "md", "sarif", "dot", "mermaid")
@output_option
@assume_control_option
def paths(
    model: SystemModel,
    catalog: Catalog,
    top: int,
    max_hops: int,
    source_layers: tuple[str, ...],
    target_layers: tuple[str, ...],
    through_layers: tuple[str, ...],
    entry_ids: tuple[str, ...],
    target_ids: tuple[str, ...],
    cross_layer_only: bool,
    include_single_layer: bool,
    distinct: str,
    assume_breach: bool,
    evidence: str | None,
    evidence_on: str,
    predicted_only: bool,
    undetected: bool,
    explain: bool,
    search_budget: int,
    output_format: str,
    output: str | None,
    assumed: tuple[str, ...],
) -> None:
    """MAESTRO steps 3-4: the highest-risk cross-layer attack chains.

    A chain starts where the attacker can (an entry threat at an entry component), and each hop is
    a propagation rule that turns a compromise at one component into a threat at the next. Risk =
    likelihood (entry x every hop, after controls) x impact of the final step.

    \b
    Examples:
      maestro-graph paths --example netmon
      maestro-graph paths --example netmon --from L2 --to L5 --explain
      maestro-graph paths arch.yaml --top 20 --through L3 --format json
      maestro-graph paths arch.yaml --target ledger --max-hops 8
      maestro-graph paths arch.yaml --from L4 --assume-breach
      maestro-graph paths --example netmon --undetected
      maestro-graph paths arch.yaml --evidence realized --evidence-on every
      maestro-graph paths arch.yaml --assume-control tuner:memory-isolation
      maestro-graph paths arch.yaml --top 3 --format mermaid -o chains.mmd
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render import chains as render

    before = analyze(model, catalog=catalog)
    analysis = before.with_controls(assumed) if assumed else before
    query = analysis.query(
        top=top,
        max_hops=max_hops,
        source_layers=layers_option(source_layers),
        target_layers=layers_option(target_layers),
        through_layers=layers_option(through_layers),
        entry=entry_ids or None,
        target=target_ids or None,
        cross_layer_only=cross_layer_only,
        distinct=distinct,
        assume_breach=assume_breach,
        search_budget=search_budget,
        evidence=evidence,
        evidence_on=evidence_on,
        predicted_only=predicted_only,
        undetected=undetected,
    )
    from maestro_graph.engine.ranking import search_chains

    graph = analysis.attack_graph
    with analysis.progress.step(f"ranking chains ({graph.state_count:,} states)"):
        chains = search_chains(graph, query)
    if output_format == "json":
        text = render.render_json(model, catalog, chains, query)
    elif output_format == "sarif":
        from maestro_graph.render.sarif import render_sarif

        text = render_sarif(model, catalog, chains)
    elif output_format in {"dot", "mermaid"}:
        from maestro_graph.render.diagram import render_dot, render_mermaid

        text = (render_dot if output_format == "dot" else render_mermaid)(analysis.model, chains)
    elif output_format == "csv":
        text = render.render_csv(chains)
    elif output_format == "md":
        text = render.render_markdown(model, chains, query)
    else:
        text = render.render_table(model, chains, query, explain=explain)
    if assumed:
        from maestro_graph.render.whatif import chains_delta, render_chains_delta

        delta = chains_delta(
            before.attack_graph,
            search_chains(before.attack_graph, query),
            chains,
            analysis.attack_graph,
        )
        text = with_delta(
            text,
            output_format,
            render_chains_delta(assumed, delta),
            {"assumed": list(assumed), **delta},
        )
    if output_format in HUMAN_FORMATS:
        echo_model_warnings(before)
    emit(text, output)


@main.command()
@model_input
@hops_option(DEFAULT_MAX_HOPS)
@evidence_options()
@format_option("table", "json", "csv", "md")
@output_option
@assume_control_option
def matrix(
    model: SystemModel,
    catalog: Catalog,
    max_hops: int,
    evidence: str | None,
    evidence_on: str,
    output_format: str,
    output: str | None,
    assumed: tuple[str, ...],
) -> None:
    """MAESTRO step 3: the 7x7 layer matrix of the best chain from each layer to each layer.

    Rows are the layer assumed compromised (a chain may start at any component there), columns
    the layer where the chain ends; each cell shows the best chain's risk and band and how many
    start/final component pairs are joined. For chains from attacker entries only, use
    paths --from LAYER.

    \b
    Examples:
      maestro-graph matrix --example multi-agent
      maestro-graph matrix arch.yaml --format json -o matrix.json
      maestro-graph matrix --example multi-agent --evidence realized
      maestro-graph matrix arch.yaml --assume-control orchestrator:agent-authorization
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render import matrix as render

    before = analyze(model, catalog=catalog)
    analysis = before.with_controls(assumed) if assumed else before
    evidence_filter = {"evidence": evidence, "evidence_on": evidence_on}
    cells = analysis.layer_matrix(max_hops=max_hops, **evidence_filter)
    if output_format == "json":
        text = render.render_json(model, cells, catalog.version)
    elif output_format == "csv":
        text = render.render_csv(cells)
    elif output_format == "md":
        text = render.render_markdown(model, cells)
    else:
        text = render.render_table(model, cells)
    if assumed:
        from maestro_graph.render.whatif import cells_delta, render_cells_delta

        changed = cells_delta(before.layer_matrix(max_hops=max_hops, **evidence_filter), cells)
        text = with_delta(
            text,
            output_format,
            render_cells_delta(assumed, changed),
            {"assumed": list(assumed), "changed": changed},
        )
    if output_format in HUMAN_FORMATS:
        echo_model_warnings(before)
    emit(text, output)


@main.command()
@model_input
@format_option("table", "json", "csv", "md")
@output_option
def components(
    model: SystemModel, catalog: Catalog, output_format: str, output: str | None
) -> None:
    """Reach, blast radius and owner of every component.

    reached from: how many entry components can reach it by some chain (an entry counts
    itself; JSON and CSV also keep it under its earlier name, exposure);
    blast radius: how many other components an attacker reaches once it is compromised;
    owner: the component's owner in the model file (empty, or null in JSON, when none).

    \b
    Example:
      maestro-graph components --example rag-agent
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render.text import text_table

    analysis = analyze(model, catalog=catalog)
    rows = sorted(analysis.reach(), key=lambda r: (-r.blast_radius, -r.exposure, r.component))
    records = [
        {
            "component": r.component,
            "layer": r.layer.value,
            "entry": r.entry,
            "reached_from": r.exposure,
            # The earlier name, kept for scripts; the model's `exposure` is another thing.
            "exposure": r.exposure,
            "blast_radius": r.blast_radius,
            "owner": model.component(r.component).owner,
        }
        for r in rows
    ]
    headers = ["component", "layer", "entry", "reached from", "blast radius", "owner"]
    cells = [
        [
            r["component"],
            r["layer"],
            "yes" if r["entry"] else "",
            r["reached_from"],
            r["blast_radius"],
            r["owner"] or "",
        ]
        for r in records
    ]
    if output_format == "json":
        text = json.dumps({"model": model.name, "components": records}, indent=2)
    elif output_format == "csv":
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")  # an owner may hold a comma
        columns = ("component", "layer", "entry", "reached_from", "exposure", "blast_radius")
        writer.writerow([*columns, "owner"])
        writer.writerows([*(r[c] for c in columns), r["owner"] or ""] for r in records)
        text = buffer.getvalue().rstrip("\n")
    elif output_format == "md":
        from maestro_graph.render.text import markdown_table

        text = f"## Reach, blast radius and owners in {model.name}\n\n"
        text += markdown_table(headers, cells)
    else:
        table = text_table(headers, cells, right=[3, 4])
        text = f"Reach, blast radius and owners in {model.name}\n\n{table}"
    emit(text, output)
