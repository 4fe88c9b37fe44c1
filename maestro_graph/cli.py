"""The ``maestro-graph`` command line: parse options, call the API, render. Nothing else.

Heavy libraries (pandas, matplotlib) are imported only inside the commands that need them, so the
CLI starts fast.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from maestro_graph import __version__
from maestro_graph.api import example_path, examples
from maestro_graph.api import load_model as api_load_model
from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.errors import MaestroInputError
from maestro_graph.layers import Layer
from maestro_graph.loading import DEFAULT_LIMITS, Limits
from maestro_graph.model import SystemModel, json_schema

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class MaestroGroup(click.Group):
    """Turns bad input anywhere below into one clear message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MaestroInputError as error:
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
            count = len(error.problems)
            if count > 1:
                click.echo(f"{count} problems found", err=True)
            ctx.exit(EXIT_BAD_INPUT)


def model_input(command: F) -> F:
    """Add MODEL / --example / --rules / size limits, resolved into ``model`` and ``catalog``."""

    @click.argument("model_file", metavar="MODEL", required=False, type=click.Path(dir_okay=False))
    @click.option(
        "--example",
        "example_name",
        metavar="NAME",
        help="Use a bundled example instead of MODEL (see `maestro-graph examples`).",
    )
    @click.option(
        "--rules",
        "rule_dirs",
        metavar="DIR",
        multiple=True,
        type=click.Path(file_okay=False),
        help="Add a rule folder to the catalog (repeatable); same ids override built-ins.",
    )
    @click.option(
        "--max-components",
        type=click.IntRange(min=1),
        default=DEFAULT_LIMITS.max_components,
        show_default=True,
        help="Refuse models with more components.",
    )
    @click.option(
        "--max-flows",
        type=click.IntRange(min=1),
        default=DEFAULT_LIMITS.max_flows,
        show_default=True,
        help="Refuse models with more flows.",
    )
    @click.option(
        "--max-file-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_LIMITS.max_file_bytes,
        show_default=True,
        help="Refuse larger model files.",
    )
    @functools.wraps(command)
    def wrapper(
        model_file: str | None,
        example_name: str | None,
        rule_dirs: tuple[str, ...],
        max_components: int,
        max_flows: int,
        max_file_bytes: int,
        **kwargs: Any,
    ) -> Any:
        if bool(model_file) == bool(example_name):
            raise click.UsageError("give either a MODEL file or --example NAME (exactly one)")
        catalog = load_catalog(*rule_dirs)
        for warning in catalog.warnings:
            click.echo(f"warning: {warning}", err=True)
        limits = Limits(
            max_file_bytes=max_file_bytes, max_components=max_components, max_flows=max_flows
        )
        path = Path(model_file) if model_file else example_path(str(example_name))
        model = api_load_model(path, catalog=catalog, limits=limits)
        return command(model=model, catalog=catalog, **kwargs)

    return wrapper  # type: ignore[return-value]


def output_option(command: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True),
        help="Write to FILE instead of standard output.",
    )(command)


def emit(text: str, output: str | None) -> None:
    """Print, or write to a file when ``-o`` was given."""
    if output:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


def assume_control_option(command: F) -> F:
    return click.option(
        "--assume-control",
        "assumed",
        metavar="TARGET:CONTROL",
        multiple=True,
        help="What-if: assume a control in place (kb:provenance-tracking, or "
        "web->kb:source-allow-listing on a flow); repeatable. Shows the change.",
    )(command)


def _with_delta(text: str, output_format: str, delta_text: str, delta: dict[str, Any]) -> str:
    """Add a what-if section to an output: a key in JSON, a section in table and Markdown."""
    if output_format == "json":
        return json.dumps({**json.loads(text), "what_if": delta}, indent=2)
    if output_format in {"csv", "sarif", "dot", "mermaid"}:
        return text  # one table, log or diagram: it already shows the what-if state
    return f"{text}\n\n{delta_text}"


@click.group(
    cls=MaestroGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="maestro-graph")
def main() -> None:
    """Graph-based MAESTRO threat modelling for agentic AI systems.

    Describe a system as components on the seven MAESTRO layers joined by flows (a YAML model
    file), and maestro-graph checks it, enumerates threats and ranks cross-layer attack chains.

    \b
    Examples:
      maestro-graph examples
      maestro-graph validate --example netmon
      maestro-graph validate architecture.yaml
      maestro-graph schema -o maestro-model.schema.json

    Exit codes: 0 success, 1 a check failed, 2 bad input or usage.
    """


@main.command()
@model_input
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@output_option
def validate(model: SystemModel, catalog: Catalog, output_format: str, output: str | None) -> None:
    """Check a model file and summarise it: components per layer, flows, attacker entries.

    Every problem is reported as FILE:LINE: message, all at once, with exit code 2.

    \b
    Examples:
      maestro-graph validate architecture.yaml
      maestro-graph validate --example rag-agent --format json
    """
    from maestro_graph.render.summary import render_summary_json, render_summary_text

    text = render_summary_json(model) if output_format == "json" else render_summary_text(model)
    emit(text, output)


@main.command()
@output_option
def schema(output: str | None) -> None:
    """Print the JSON Schema of the model file format.

    \b
    Example:
      maestro-graph schema -o maestro-model.schema.json
    """
    emit(json.dumps(json_schema(), indent=2), output)


def _layers_option(value: tuple[str, ...]) -> tuple[Layer, ...] | None:
    if not value:
        return None
    try:
        return Layer.parse_list(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@model_input
@click.option(
    "--layer", "layers", metavar="L2,L3", multiple=True, help="Only components on these layers."
)
@click.option(
    "--component",
    "components",
    metavar="ID",
    multiple=True,
    help="Only these components (repeatable).",
)
@click.option(
    "--min-band",
    type=click.Choice(["low", "medium", "high", "critical"]),
    help="Only findings at or above this band.",
)
@click.option("--top", type=click.IntRange(min=1), help="Show only the N highest-risk findings.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv", "md"]),
    default="table",
    show_default=True,
)
@output_option
@assume_control_option
def threats(
    model: SystemModel,
    catalog: Catalog,
    layers: tuple[str, ...],
    components: tuple[str, ...],
    min_band: str | None,
    top: int | None,
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
      maestro-graph threats arch.yaml --assume-control kb:provenance-tracking
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render import threats as render

    before = analyze(model, catalog=catalog)
    analysis = before.with_controls(assumed) if assumed else before
    findings = analysis.threat_findings(
        layers=_layers_option(layers), components=components or None, min_band=min_band
    )
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
        text = _with_delta(
            text,
            output_format,
            render_findings_delta(assumed, changed),
            {"assumed": list(assumed), "changed": changed},
        )
    emit(text, output)


def _chain_options(command: F) -> F:
    options = [
        click.option(
            "--top",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            help="How many chains.",
        ),
        click.option(
            "--max-hops",
            type=click.IntRange(min=1, max=12),
            default=6,
            show_default=True,
            help="Most transitions in a chain.",
        ),
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
    metavar="ID",
    multiple=True,
    help="Only chains starting at these components.",
)
@click.option(
    "--target",
    "target_ids",
    metavar="ID",
    multiple=True,
    help="Only chains ending at these components.",
)
@click.option("--include-single-layer", is_flag=True, help="Also chains that stay on one layer.")
@click.option(
    "--distinct",
    type=click.Choice(["pair", "none"]),
    default="pair",
    show_default=True,
    help="pair: best chain per (entry, target); none: raw ranking.",
)
@click.option(
    "--assume-breach",
    is_flag=True,
    help="Start from every component (as if compromised), not only attacker entries.",
)
@click.option(
    "--explain", is_flag=True, help="Tell each chain hop by hop: rule, flow, ATLAS, controls."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv", "md", "sarif", "dot", "mermaid"]),
    default="table",
    show_default=True,
)
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
    include_single_layer: bool,
    distinct: str,
    assume_breach: bool,
    explain: bool,
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
        source_layers=_layers_option(source_layers),
        target_layers=_layers_option(target_layers),
        through_layers=_layers_option(through_layers),
        entry=entry_ids or None,
        target=target_ids or None,
        include_single_layer=include_single_layer,
        distinct=distinct,
        assume_breach=assume_breach,
    )
    from maestro_graph.ranking import search_chains

    chains = search_chains(analysis.attack_graph, query)
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

        delta = chains_delta(before.attack_graph, search_chains(before.attack_graph, query), chains)
        text = _with_delta(
            text,
            output_format,
            render_chains_delta(assumed, delta),
            {"assumed": list(assumed), **delta},
        )
    emit(text, output)


@main.command()
@model_input
@click.option(
    "--max-hops",
    type=click.IntRange(min=1, max=12),
    default=6,
    show_default=True,
    help="Most transitions in a chain.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@output_option
@assume_control_option
def matrix(
    model: SystemModel,
    catalog: Catalog,
    max_hops: int,
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
      maestro-graph matrix arch.yaml --assume-control orchestrator:agent-authorization
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render import matrix as render

    before = analyze(model, catalog=catalog)
    analysis = before.with_controls(assumed) if assumed else before
    cells = analysis.layer_matrix(max_hops=max_hops)
    if output_format == "json":
        text = render.render_json(model, cells, catalog.version)
    elif output_format == "csv":
        text = render.render_csv(cells)
    else:
        text = render.render_table(model, cells)
    if assumed:
        from maestro_graph.render.whatif import cells_delta, render_cells_delta

        changed = cells_delta(before.layer_matrix(max_hops=max_hops), cells)
        text = _with_delta(
            text,
            output_format,
            render_cells_delta(assumed, changed),
            {"assumed": list(assumed), "changed": changed},
        )
    emit(text, output)


@main.command()
@model_input
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@output_option
def components(
    model: SystemModel, catalog: Catalog, output_format: str, output: str | None
) -> None:
    """Exposure and blast radius of every component.

    exposure: how many entry components can reach it by some chain (an entry counts itself);
    blast radius: how many other components an attacker reaches once it is compromised.

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
            "exposure": r.exposure,
            "blast_radius": r.blast_radius,
        }
        for r in rows
    ]
    if output_format == "json":
        text = json.dumps({"model": model.name, "components": records}, indent=2)
    elif output_format == "csv":
        text = "\n".join(
            ["component,layer,entry,exposure,blast_radius"]
            + [",".join(str(v) for v in r.values()) for r in records]
        )
    else:
        table = text_table(
            ["component", "layer", "entry", "exposure", "blast radius"],
            [
                [
                    r["component"],
                    r["layer"],
                    "yes" if r["entry"] else "",
                    r["exposure"],
                    r["blast_radius"],
                ]
                for r in records
            ],
            right=[3, 4],
        )
        text = f"Exposure and blast radius in {model.name}\n\n{table}"
    emit(text, output)


@main.command()
@model_input
@click.option(
    "--threshold",
    type=click.Choice(["medium", "high", "critical"]),
    help="Fewest placements that bring every chain below this band (default: high).",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    help="Instead: the N placements that remove the most risk.",
)
@click.option(
    "--band",
    type=click.Choice(["medium", "high", "critical"]),
    default="high",
    show_default=True,
    help="With --budget: which chains count (those that can reach this band).",
)
@click.option(
    "--max-hops",
    type=click.IntRange(min=1, max=12),
    default=6,
    show_default=True,
    help="Most transitions in a chain.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "md"]),
    default="table",
    show_default=True,
)
@output_option
def mitigate(
    model: SystemModel,
    catalog: Catalog,
    threshold: str | None,
    budget: int | None,
    band: str,
    max_hops: int,
    output_format: str,
    output: str | None,
) -> None:
    """MAESTRO step 5: where to place which controls to cut the chains.

    --threshold BAND (the default, high): the fewest control placements that bring every chain
    below BAND, exact on small instances, greedy with its bound on large ones. --budget N: the
    N placements that remove the most risk. Only controls that act where they are placed (they
    mitigate the entry threat there or block a rule the chain uses) are proposed, and the plan
    is verified by re-analysing the model with the placements applied.

    \b
    Examples:
      maestro-graph mitigate --example netmon
      maestro-graph mitigate arch.yaml --threshold medium
      maestro-graph mitigate arch.yaml --budget 3 --format json
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render import mitigation as render

    analysis = analyze(model, catalog=catalog)
    if budget is not None:
        if threshold is not None:
            raise click.UsageError("give either --threshold or --budget, not both")
        plan = analysis.mitigate(budget=budget, band=band, max_hops=max_hops)
    else:
        plan = analysis.mitigate(threshold=threshold or "high", max_hops=max_hops)
    if output_format == "json":
        text = render.render_json(model, catalog, plan)
    elif output_format == "md":
        text = render.render_markdown(model, catalog, plan)
    else:
        text = render.render_table(model, catalog, plan)
    emit(text, output)


@main.group()
def rules() -> None:
    """Browse the catalog: threats, controls, kinds and ATLAS techniques.

    \b
    Examples:
      maestro-graph rules list
      maestro-graph rules list --type controls --layer L2
      maestro-graph rules show L2.data-poisoning
      maestro-graph rules docs -o docs/catalog.md
    """


def _rules_option(command: F) -> F:
    return click.option(
        "--rules",
        "rule_dirs",
        metavar="DIR",
        multiple=True,
        type=click.Path(file_okay=False),
        help="Add a rule folder to the catalog (repeatable).",
    )(command)


def _catalog(rule_dirs: tuple[str, ...]) -> Catalog:
    catalog = load_catalog(*rule_dirs)
    for warning in catalog.warnings:
        click.echo(f"warning: {warning}", err=True)
    return catalog


@rules.command("list")
@click.option(
    "--type",
    "entry_type",
    type=click.Choice(["threats", "controls", "rules", "kinds", "atlas"]),
    default="threats",
    show_default=True,
)
@click.option(
    "--layer", "layers", metavar="L2,L3", multiple=True, help="Only entries of these layers."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "md"]),
    default="table",
    show_default=True,
)
@_rules_option
def rules_list(
    entry_type: str, layers: tuple[str, ...], output_format: str, rule_dirs: tuple[str, ...]
) -> None:
    """List threats (default), controls, kinds or ATLAS techniques of the catalog."""
    from maestro_graph.render.catalog import render_list

    click.echo(render_list(_catalog(rule_dirs), entry_type, _layers_option(layers), output_format))


@rules.command("show")
@click.argument("entry_id", metavar="ID")
@_rules_option
def rules_show(entry_id: str, rule_dirs: tuple[str, ...]) -> None:
    """Show one threat, control, kind or ATLAS technique in full, with its evidence and links.

    \b
    Examples:
      maestro-graph rules show L7.mcp-rug-pull
      maestro-graph rules show memory-isolation
      maestro-graph rules show AML.T0051
    """
    from maestro_graph.render.catalog import render_entry

    click.echo(render_entry(_catalog(rule_dirs), entry_id))


@rules.command("test")
@click.argument(
    "rule_dir", metavar="[DIR]", required=False, type=click.Path(file_okay=False, exists=True)
)
def rules_test(rule_dir: str | None) -> None:
    """Run every propagation rule's own fixtures (built-in rules, or those of DIR).

    Each rule must fire on its examples.fires model and stay quiet on examples.quiet.
    Exit code 1 when a rule fails.

    \b
    Examples:
      maestro-graph rules test
      maestro-graph rules test my-rules/
    """
    from maestro_graph.catalog.loader import load_rule_ids
    from maestro_graph.rule_testing import check_rules

    catalog = _catalog((rule_dir,) if rule_dir else ())
    rule_ids = load_rule_ids(rule_dir) if rule_dir else None
    results = check_rules(catalog, rule_ids)
    failed = [r for r in results if not r.passed]
    for result in results:
        if result.passed:
            click.echo(f"ok    {result.rule}")
        else:
            click.echo(f"FAIL  {result.rule}: {'; '.join(result.problems)}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise SystemExit(EXIT_CHECK_FAILED)


@rules.command("docs")
@_rules_option
@output_option
def rules_docs(rule_dirs: tuple[str, ...], output: str | None) -> None:
    """Generate the catalog reference in Markdown (the repository keeps it in docs/catalog.md)."""
    from maestro_graph.render.catalog import render_docs

    emit(render_docs(_catalog(rule_dirs)), output)


@main.command("examples")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def examples_command(output_format: str) -> None:
    """List the bundled example models (use one with --example NAME).

    \b
    Example:
      maestro-graph validate --example multi-agent
    """
    described = examples()
    if output_format == "json":
        click.echo(json.dumps(described, indent=2))
        return
    width = max(map(len, described), default=0)
    for name, description in described.items():
        click.echo(f"{name:<{width}}  {description}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
