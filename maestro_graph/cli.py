"""The ``maestro-graph`` command line: parse options, call the API, render. Nothing else.

Heavy libraries (pandas, matplotlib) are imported only inside the commands that need them, so the
CLI starts fast.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import io
import json
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from maestro_graph.analysis import DEFAULT_MAX_HOPS, GATE_MAX_HOPS, MAX_HOPS_LIMIT
from maestro_graph.api import example_path, examples
from maestro_graph.api import load_model as api_load_model
from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.engine.patterns import GROUPINGS
from maestro_graph.engine.ranking import SEARCH_BUDGET, SearchBudgetWarning
from maestro_graph.model import SystemModel
from maestro_graph.model.layers import Layer
from maestro_graph.model.loading import DEFAULT_LIMITS, Limits
from maestro_graph.support.errors import MaestroInputError
from maestro_graph.support.version import VERSION

if TYPE_CHECKING:
    from maestro_graph.regression import Baseline

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class MaestroGroup(click.Group):
    """Turns bad input anywhere below into one clear message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", SearchBudgetWarning)
                try:
                    return super().invoke(ctx)
                finally:
                    for warning in caught:
                        if issubclass(warning.category, SearchBudgetWarning):
                            click.echo(f"warning: {warning.message}", err=True)
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
        help="Write to FILE instead of standard output ('-' is standard output).",
    )(command)


def command_inputs() -> list[str]:
    """The files and folders the running command reads (its path arguments and options other
    than ``-o``), which no output may replace."""
    context = click.get_current_context(silent=True)
    found: list[str] = []
    while context is not None:
        for name, value in context.params.items():
            values = value if isinstance(value, tuple | list) else (value,)
            found += [
                v for v in values if name != "output" and isinstance(v, str) and os.path.exists(v)
            ]
        context = context.parent
    return found


def write_file(output: str, data: str | bytes) -> None:
    """Write an output file atomically, refusing the command's own inputs (exit 2 on failure)."""
    from maestro_graph.support.writing import write_output

    write_output(output, data, inputs=command_inputs())


def emit(text: str, output: str | None) -> None:
    """Print, or write to a file when ``-o`` was given (``-o -`` prints, as Unix tools do)."""
    if output and output != "-":
        write_file(output, text if text.endswith("\n") else text + "\n")
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
        "web/kb:source-allow-listing on a flow); repeatable. Shows the change.",
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
@click.version_option(VERSION, prog_name="maestro-graph")
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


#: Allocations between young collections in the command's own process (the default is 700).
_COMMAND_GC_THRESHOLD = 50_000


def run() -> None:
    """The ``maestro-graph`` console command: :func:`main` in a process of its own.

    The process runs one command and exits, so the cyclic collector is tuned for that: what the
    imports built (modules, classes, validation schemas) lives until the end and is frozen out of
    every later collection, and young collections are rarer, since a command builds large
    acyclic structures (a model, an attack graph) that the collector would only re-scan. The
    Python API and :func:`main` itself (as tests invoke it) leave the collector alone.
    """
    gc.freeze()
    gc.set_threshold(_COMMAND_GC_THRESHOLD, *gc.get_threshold()[1:])
    main()


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
@click.option(
    "--strict",
    is_flag=True,
    help="Exit with 1 when there are warnings (default: warnings do not fail validation).",
)
@output_option
def validate(
    model: SystemModel, catalog: Catalog, output_format: str, strict: bool, output: str | None
) -> None:
    """Check a model file and summarise it: components per layer, flows, attacker entries.

    Every problem is reported as FILE:LINE: message, all at once, with exit code 2. Warnings
    (an entry component that can start no attack chain, a control that cannot act where it is
    placed) are listed too; they exit with 0, or with 1 under --strict.

    \b
    Examples:
      maestro-graph validate architecture.yaml
      maestro-graph validate --example rag-agent --format json
      maestro-graph validate architecture.yaml --strict
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render.summary import render_summary_json, render_summary_text

    warnings = analyze(model, catalog=catalog).warnings()
    text = (
        render_summary_json(model, warnings)
        if output_format == "json"
        else render_summary_text(model, warnings)
    )
    emit(text, output)
    if strict and warnings:
        raise SystemExit(EXIT_CHECK_FAILED)


#: The terminal format, for which commands print the model's warnings to standard error; the
#: formats made to be saved or parsed stay exactly what they were (``validate --format json``
#: carries the warnings as data).
HUMAN_FORMATS = frozenset({"table"})


def _echo_model_warnings(analysis: Any) -> None:
    """Print the model's warnings to standard error, as ``validate`` lists them.

    Only when the command has already built the attack graph, so that warning costs nothing:
    commands that never need the graph (``threats``) stay as fast as they are.
    """
    if "attack_graph" not in vars(analysis):
        return
    size = len(analysis.model.components)
    if size > WARNINGS_ALONGSIDE_LIMIT:
        # Warnings need the file's line numbers, a second read of a large file: validate has them.
        click.echo(
            f"note: {size:,} components: run 'maestro-graph validate' for the model's warnings",
            err=True,
        )
        return
    for warning in analysis.warnings():
        click.echo(f"warning: {warning}", err=True)


#: Above this many components, commands other than validate do not list the model's warnings.
WARNINGS_ALONGSIDE_LIMIT = 2_000


@main.command()
@click.option(
    "--rules",
    "rule_dirs",
    metavar="DIR",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Add a rule folder to the catalog (repeatable): its kinds and controls join the schema.",
)
@output_option
def schema(rule_dirs: tuple[str, ...], output: str | None) -> None:
    """Print the JSON Schema of the model file format, with the catalog's words in it.

    Each layer's kinds, the controls a component or a flow can carry and the flow kinds are
    listed with their descriptions, for editor completion, hovers and validation.

    \b
    Examples:
      maestro-graph schema -o maestro-model.schema.json
      maestro-graph schema --rules my-rules/ -o maestro-model.schema.json
    """
    from maestro_graph.catalog.schema import json_schema

    emit(json.dumps(json_schema(_catalog(rule_dirs)), indent=2), output)


def _layers_option(value: tuple[str, ...]) -> tuple[Layer, ...] | None:
    if not value:
        return None
    try:
        return Layer.parse_list(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


_MATURITIES = ["realized", "demonstrated", "feasible"]
BAND_NAMES = ["low", "medium", "high", "critical"]


def band_option(
    *older: str,
    dest: str,
    help: str,
    default: str | None = None,
    choices: Sequence[str] = BAND_NAMES,
) -> Callable[[F], F]:
    """``--band BAND``, the one spelling every command uses for a risk band.

    ``older`` are the spellings a command had before (``--min-band``, ``--fail-on``,
    ``--threshold``): they keep working, as aliases, for the scripts that use them.
    """
    return click.option(
        "--band",
        *older,
        dest,
        type=click.Choice(list(choices), case_sensitive=False),
        default=default,
        show_default=default is not None,
        help=help,
    )


def split_commas(_ctx: click.Context, _param: click.Parameter, values: Sequence[str]) -> tuple:
    """``--entry a,b --entry c`` -> ``("a", "b", "c")``, as ``--layer`` and ``--from`` read."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def evidence_options(*, scope: bool = True) -> Callable[[F], F]:
    """``--evidence`` (and, with ``scope``, ``--evidence-on``): the ATLAS maturity filter."""

    def decorate(command: F) -> F:
        if scope:
            command = click.option(
                "--evidence-on",
                type=click.Choice(["entry", "any", "every"]),
                default="entry",
                show_default=True,
                help="Where --evidence must hold: the entry step, some step, or every step.",
            )(command)
        return click.option(
            "--evidence",
            type=click.Choice(_MATURITIES, case_sensitive=False),
            help="Only what ATLAS techniques of at least this maturity back (realized: used in "
            "real incidents; demonstrated: shown on realistic systems; feasible: research).",
        )(command)

    return decorate


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
        "layers": _layers_option(layers),
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
        text = _with_delta(
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
        click.option(
            "--top",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            help="How many chains.",
        ),
        click.option(
            "--max-hops",
            type=click.IntRange(min=1, max=MAX_HOPS_LIMIT),
            default=DEFAULT_MAX_HOPS,
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
        source_layers=_layers_option(source_layers),
        target_layers=_layers_option(target_layers),
        through_layers=_layers_option(through_layers),
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
        text = _with_delta(
            text,
            output_format,
            render_chains_delta(assumed, delta),
            {"assumed": list(assumed), **delta},
        )
    if output_format in HUMAN_FORMATS:
        _echo_model_warnings(before)
    emit(text, output)


@main.command()
@model_input
@click.option(
    "--max-hops",
    type=click.IntRange(min=1, max=MAX_HOPS_LIMIT),
    default=DEFAULT_MAX_HOPS,
    show_default=True,
    help="Most transitions in a chain.",
)
@evidence_options()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv", "md"]),
    default="table",
    show_default=True,
)
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
        text = _with_delta(
            text,
            output_format,
            render_cells_delta(assumed, changed),
            {"assumed": list(assumed), "changed": changed},
        )
    if output_format in HUMAN_FORMATS:
        _echo_model_warnings(before)
    emit(text, output)


@main.command()
@model_input
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv", "md"]),
    default="table",
    show_default=True,
)
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


@main.command()
@model_input
@band_option(
    "--threshold",
    dest="band",
    default="high",
    choices=["medium", "high", "critical"],
    help="The band the plan works against: every chain goes below it, or with --budget, the "
    "chains that can reach it count.",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    help="Instead: the N placements that take the most risk below --band (exact).",
)
@click.option(
    "--max-hops",
    type=click.IntRange(min=1, max=MAX_HOPS_LIMIT),
    default=8,
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
    band: str,
    budget: int | None,
    max_hops: int,
    output_format: str,
    output: str | None,
) -> None:
    """MAESTRO step 5: where to place which controls to cut the chains.

    --band BAND (default high; --threshold is the older spelling): the fewest control placements
    that bring every chain below BAND, proven optimal by HiGHS over the routes the search finds
    round by round.
    --budget N: the N placements that take the most risk below the band (the chains they cut,
    proven optimal by HiGHS over every route that can reach it). Only controls that act where they
    are placed (they mitigate the entry threat there or block a rule the chain uses), on
    components the defender operates or flows from them, are proposed, and the plan is verified
    by re-analysing the model with the placements applied.

    \b
    Examples:
      maestro-graph mitigate --example netmon
      maestro-graph mitigate arch.yaml --band medium
      maestro-graph mitigate arch.yaml --budget 3 --format json
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render import mitigation as render

    analysis = analyze(model, catalog=catalog)
    if budget is not None:
        plan = analysis.mitigate(budget=budget, band=band, max_hops=max_hops)
    else:
        plan = analysis.mitigate(threshold=band, max_hops=max_hops)
    if output_format == "json":
        text = render.render_json(model, catalog, plan)
    elif output_format == "md":
        text = render.render_markdown(model, catalog, plan)
    else:
        text = render.render_table(model, catalog, plan)
    if output_format in HUMAN_FORMATS:
        _echo_model_warnings(analysis)
    emit(text, output)


@main.command()
@model_input
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many chains to rank (the first five are explained).",
)
@click.option("--no-figures", is_flag=True, help="Text and tables only (no matplotlib figures).")
@output_option
def report(
    model: SystemModel, catalog: Catalog, top: int, no_figures: bool, output: str | None
) -> None:
    """The analyst's report: the six MAESTRO steps for one model.

    Markdown by default (GitHub renders its Mermaid diagram); with -o FILE.html, one
    self-contained HTML file with the figures embedded. Sections: system decomposition and
    layer coverage, top threats per layer, top chains with their explanations and the layer
    matrix, risk, recommended mitigations, monitoring in CI, and the ATLAS evidence.

    \b
    Examples:
      maestro-graph report --example netmon -o report.html
      maestro-graph report architecture.yaml -o threat-model.md
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render.report import build_report, to_html, to_markdown

    as_html = bool(output) and str(output).lower().endswith((".html", ".htm"))
    if output and not as_html and not str(output).lower().endswith((".md", ".markdown")):
        raise click.BadParameter("the report is written as .md or .html", param_hint="-o")
    blocks = build_report(
        analyze(model, catalog=catalog), top=top, figures=as_html and not no_figures
    )
    emit(to_html(blocks) if as_html else to_markdown(blocks), output)


@main.command()
@model_input
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="How many ranked chains the page lists.",
)
@band_option(
    dest="band",
    default="high",
    choices=["medium", "high", "critical"],
    help="The band the page's mitigation plan brings every chain below; its placements are "
    "the page's toggles.",
)
@click.option(
    "--max-hops",
    type=click.IntRange(min=1, max=MAX_HOPS_LIMIT),
    default=DEFAULT_MAX_HOPS,
    show_default=True,
    help="Most transitions in a chain (chains, matrix and plan).",
)
@output_option
def explore(
    model: SystemModel,
    catalog: Catalog,
    top: int,
    band: str,
    max_hops: int,
    output: str | None,
) -> None:
    """The interactive chain explorer: one self-contained HTML page, no server, no network.

    The layered architecture with the ranked chains beside it: select a chain to see its hops
    in order, each with its rule, flow, likelihood, ATLAS techniques and the controls that cut
    it; filter by entry, target, layers, band, evidence or text; click a cell of the layer
    matrix; switch the mitigation plan's placements on and off to see what they cut. Every
    number comes from the engine when the page is written; the same model writes the same file.

    \b
    Keys: j/k or arrows move through the chains, Enter selects, / searches, Esc clears.

    \b
    Examples:
      maestro-graph explore --example netmon -o explorer.html
      maestro-graph explore architecture.yaml -o explorer.html --top 100 --band medium
    """
    from maestro_graph.analysis import analyze

    page = analyze(model, catalog=catalog).explore(top=top, threshold=band, max_hops=max_hops)
    emit(page.html, output)
    if output and output != "-":
        click.echo(f"open {output} in a browser (it needs no server and loads nothing)", err=True)


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
@_rules_option
def rules_test(rule_dir: str | None, rule_dirs: tuple[str, ...]) -> None:
    """Run every propagation rule's own fixtures (built-in rules, or those of your folders).

    Each rule must fire on its examples.fires model and stay quiet on examples.quiet.
    Exit code 1 when a rule fails. A folder is given with --rules DIR, as on every other
    command, or as DIR.

    \b
    Examples:
      maestro-graph rules test
      maestro-graph rules test --rules my-rules/
      maestro-graph rules test my-rules/
    """
    from maestro_graph.catalog.loader import load_rule_ids
    from maestro_graph.engine.rule_testing import check_rules

    folders = tuple(dict.fromkeys((*rule_dirs, *((rule_dir,) if rule_dir else ()))))
    catalog = _catalog(folders)
    rule_ids = sorted({i for f in folders for i in load_rule_ids(f)}) if folders else None
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


def _max_hops_option(command: F) -> F:
    return click.option(
        "--max-hops",
        type=click.IntRange(min=1, max=MAX_HOPS_LIMIT),
        default=GATE_MAX_HOPS,
        show_default=True,
        help="Most transitions in a chain.",
    )(command)


@main.command()
@click.argument("old_file", metavar="OLD", type=click.Path(dir_okay=False))
@click.argument("new_file", metavar="NEW", type=click.Path(dir_okay=False))
@_rules_option
@band_option(
    "--min-band",
    dest="min_band",
    default="low",
    help="Compare chains at or above this band (on either side).",
)
@_max_hops_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "md"]),
    default="table",
    show_default=True,
)
@output_option
def diff(
    old_file: str,
    new_file: str,
    rule_dirs: tuple[str, ...],
    min_band: str,
    max_hops: int,
    output_format: str,
    output: str | None,
) -> None:
    """MAESTRO step 6: the chains added, removed and changed between two versions of a model.

    OLD and NEW are model files; OLD may instead be a saved `paths --format json` output. Chains
    are matched by fingerprint (the id column of paths); each difference names its cause: the
    components and flows added, removed or changed (kind, exposure, trust, criticality,
    controls) on the chain's steps. Against a saved report, the report's own search options
    and lowest risk apply, and causes come from NEW only. Exit code 0 whatever the differences
    (use check to gate).

    \b
    Examples:
      maestro-graph diff main/architecture.yaml architecture.yaml
      maestro-graph diff old.yaml new.yaml --min-band high --format md -o diff.md
      maestro-graph paths architecture.yaml --format json -o chains.json   # later:
      maestro-graph diff chains.json architecture.yaml
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.regression import SavedReport, diff_analyses, diff_report, read_diff_input
    from maestro_graph.render import regression as render

    catalog = _catalog(rule_dirs)
    old = read_diff_input(old_file, catalog)
    new = read_diff_input(new_file, catalog)
    if isinstance(new, SavedReport):
        raise MaestroInputError.single(
            new_file, None, "NEW must be a model file; a saved paths report can only be OLD"
        )
    labels = (old_file, new_file)
    new_analysis = analyze(new, catalog=catalog)
    if isinstance(old, SavedReport):
        result = diff_report(old, new_analysis, min_band=min_band, labels=labels)
    else:
        result = diff_analyses(
            analyze(old, catalog=catalog),
            new_analysis,
            min_band=min_band,
            max_hops=max_hops,
            labels=labels,
        )
    if output_format == "json":
        text = render.render_diff_json(result)
    elif output_format == "md":
        text = render.render_diff_markdown(result)
    else:
        text = render.render_diff_table(result)
    emit(text, output)


@main.command()
@model_input
@band_option(
    "--min-band",
    dest="min_band",
    default="medium",
    help="Accept the chains at or above this band.",
)
@click.option(
    "--owner",
    help="Owner written into every new entry. Without it, each new entry names the owners of "
    "the components its chain crosses (from the model's owner fields), or TODO when none has one.",
)
@click.option(
    "--justification",
    default="TODO: why this chain is accepted",
    show_default=True,
    help="Justification written into new entries.",
)
@click.option(
    "--expires-in",
    metavar="DAYS",
    type=click.IntRange(min=1, max=36_500),  # a century: far past any review cycle
    default=90,
    show_default=True,
    help="New acceptances expire this many days from today.",
)
@click.option(
    "--update",
    is_flag=True,
    help="Refresh the existing -o FILE: keep the justification, owner and expiry of entries "
    "whose chain is still present, drop the others, add new chains.",
)
@click.option(
    "--group-by",
    type=click.Choice(GROUPINGS),
    default="chain",
    show_default=True,
    help="chain: one entry per chain fingerprint. pair, target, layers: one pattern per "
    "(entry, target) component pair, per target component or per (entry layer, target layer), "
    "so a large model needs few justifications; check still matches fingerprints first.",
)
@_max_hops_option
@output_option
def baseline(
    model: SystemModel,
    catalog: Catalog,
    min_band: str,
    owner: str | None,
    justification: str,
    expires_in: int,
    update: bool,
    group_by: str,
    max_hops: int,
    output: str | None,
) -> None:
    """Write a baseline: the current chains at or above a band, accepted as known risks.

    Each entry records the chain's fingerprint, layer signature, path, band and risk, with a
    justification, an owner and an expiry date for a human to review. A new entry's owner is
    the owners of the components its chain crosses (TODO when none has one), unless --owner
    names one for all. Commit the file next to the model and gate changes with check.

    With --group-by, the file accepts chains by pattern instead (accepted_patterns: entry,
    target, entry_layer, target_layer, rule, with * ? [..] wildcards), one per group with its
    highest band and chain count; edit or widen the patterns by hand as the review decides.

    \b
    Examples:
      maestro-graph baseline architecture.yaml -o maestro-baseline.yaml
      maestro-graph baseline big-model.yaml -o maestro-baseline.yaml --group-by layers
      maestro-graph baseline arch.yaml -o maestro-baseline.yaml --owner secteam --expires-in 30
      maestro-graph baseline architecture.yaml -o maestro-baseline.yaml --update
      maestro-graph baseline --example netmon --min-band high
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.regression import load_baseline, make_baseline

    previous = None
    if update:
        if not output:
            raise click.UsageError("--update needs -o FILE: the baseline to refresh")
        if Path(output).exists():
            previous = load_baseline(output)
    result = make_baseline(
        analyze(model, catalog=catalog),
        min_band,
        owner=owner,
        justification=justification,
        expires_in=expires_in,
        previous=previous,
        max_hops=max_hops,
        group_by=group_by,  # type: ignore[arg-type]  # click.Choice checked it
    )
    emit(result.to_yaml(), output)
    click.echo(_baseline_summary(result, previous, min_band.lower()), err=True)


def _baseline_summary(result: Baseline, previous: Baseline | None, band: str) -> str:
    """What ``baseline`` wrote, and what a human still has to fill in."""
    entries = result.entries
    if result.accepted_patterns:
        chains = sum(pattern.chains or 0 for pattern in result.accepted_patterns)
        head = (
            f"{len(entries)} pattern{'s' if len(entries) != 1 else ''} accept the {chains} "
            f"chains at or above {band}"
        )
        before = {p.criteria() for p in previous.accepted_patterns} if previous else set()
        kept = len({p.criteria() for p in result.accepted_patterns} & before)
    else:
        head = f"{len(entries)} chains at or above {band} accepted"
        kept = (
            len({e.id for e in result.accepted} & {e.id for e in previous.accepted})
            if previous
            else 0
        )
    unowned = sum(1 for entry in entries if entry.owner_placeholder)
    return (
        head
        + (f" ({kept} kept from the previous baseline)" if previous else "")
        + "; fill in each justification"
        + (f" and the {unowned} owner{'s' if unowned != 1 else ''} left TODO" if unowned else "")
    )


@main.command("check")
@model_input
@click.option(
    "--baseline",
    "baseline_file",
    metavar="FILE",
    required=True,
    type=click.Path(dir_okay=False),
    help="The baseline file (written by maestro-graph baseline).",
)
@band_option(
    "--fail-on",
    dest="fail_on",
    default="high",
    help="Fail on chains at or above this band that the baseline does not accept.",
)
@_max_hops_option
@evidence_options()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "md", "sarif"]),
    default="table",
    show_default=True,
)
@output_option
def check_command(
    model: SystemModel,
    catalog: Catalog,
    baseline_file: str,
    fail_on: str,
    max_hops: int,
    evidence: str | None,
    evidence_on: str,
    output_format: str,
    output: str | None,
) -> None:
    """The CI gate: fail when a chain at or above a band is not accepted in the baseline.

    A chain fails when its fingerprint is not in the baseline, when its acceptance expired, or
    when its band rose above the band it was accepted at. Baseline entries that match no current
    chain are reported as stale. Exit code 1 when a chain fails, 0 when all are accepted, 2 on
    bad input (model, baseline or options).

    \b
    Examples:
      maestro-graph check architecture.yaml --baseline maestro-baseline.yaml
      maestro-graph check architecture.yaml --baseline maestro-baseline.yaml --fail-on medium
      maestro-graph check architecture.yaml --baseline maestro-baseline.yaml --format md -o check.md
      maestro-graph check arch.yaml --baseline maestro-baseline.yaml --format sarif -o chains.sarif
      maestro-graph check arch.yaml --baseline maestro-baseline.yaml --evidence realized
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.regression import check, load_baseline
    from maestro_graph.render import regression as render

    accepted = load_baseline(baseline_file)
    result = check(
        analyze(model, catalog=catalog),
        accepted,
        fail_on,
        max_hops=max_hops,
        evidence=evidence,
        evidence_on=evidence_on,
    )
    if output_format == "json":
        text = render.render_check_json(result)
    elif output_format == "md":
        text = render.render_check_markdown(result)
    elif output_format == "sarif":
        from maestro_graph.render.sarif import render_sarif

        items = sorted((*result.failing, *result.accepted), key=lambda item: -item.chain.risk)
        accepted = {
            item.chain.id: item.acceptance.justification if item.acceptance else ""
            for item in result.accepted
        }
        text = render_sarif(model, catalog, [item.chain for item in items], accepted=accepted)
    else:
        text = render.render_check_table(result)
    emit(text, output)
    if output:
        click.echo(result.verdict(), err=True)
    if not result.passed:
        raise SystemExit(EXIT_CHECK_FAILED)


@main.command()
@model_input
@click.option(
    "--view",
    type=click.Choice(["architecture", "chain", "heatmap", "risk-matrix"]),
    default="architecture",
    show_default=True,
    help="architecture: the layered view; chain: it with chains highlighted; heatmap: the "
    "7x7 layer matrix; risk-matrix: the 5x5 likelihood x impact matrix.",
)
@click.option(
    "--chain",
    "ranks",
    metavar="RANK",
    type=click.IntRange(min=1),
    multiple=True,
    help="--view chain: highlight the chain of this rank (default 1); repeatable.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    help="Chains ranked: for --view chain, the ranking --chain refers to (default 10); for "
    "--view risk-matrix, the chains placed (default 50, best per entry/target pair).",
)
@click.option(
    "--kind",
    "items",
    type=click.Choice(["chains", "threats"]),
    help="--view risk-matrix: place chains (default) or threat findings in the cells.",
)
@click.option(
    "--max-hops",
    type=click.IntRange(min=1, max=MAX_HOPS_LIMIT),
    default=DEFAULT_MAX_HOPS,
    show_default=True,
    help="Most transitions in a chain.",
)
@click.option(
    "--dpi",
    type=click.IntRange(min=20, max=600),
    default=150,
    show_default=True,
    help="Resolution of PNG output.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="The figure file, .png or .svg [default: maestro-VIEW.png].",
)
def plot(
    model: SystemModel,
    catalog: Catalog,
    view: str,
    ranks: tuple[int, ...],
    top: int | None,
    items: str | None,
    max_hops: int,
    dpi: int,
    output: str | None,
) -> None:
    """Draw a figure (PNG or SVG, by the suffix of -o) and print the path written.

    The same model always gives the same picture (SVG byte for byte).

    \b
    Examples:
      maestro-graph plot --example netmon                          # maestro-architecture.png
      maestro-graph plot --example netmon --view chain -o top.png  # top chain highlighted
      maestro-graph plot arch.yaml --view chain --chain 1 --chain 3 -o chains.svg
      maestro-graph plot arch.yaml --view heatmap -o matrix.png
      maestro-graph plot arch.yaml --view risk-matrix --kind threats -o risk.svg
    """
    from maestro_graph.analysis import RISK_MATRIX_TOP, analyze
    from maestro_graph.render import figures

    path = output or f"maestro-{view}.png"
    try:
        figures.check_format(path)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'-o' / '--output'") from None
    if ranks and view in {"heatmap", "risk-matrix"}:
        raise click.UsageError(f"--chain applies to --view chain, not --view {view}")
    if items and view != "risk-matrix":
        raise click.UsageError(f"--kind applies to --view risk-matrix, not --view {view}")
    analysis = analyze(model, catalog=catalog)
    if view == "heatmap":
        fig = figures.plot_heatmap(model, analysis.layer_matrix(max_hops=max_hops))
    elif view == "risk-matrix":
        if items == "threats":
            placed = list(analysis.findings[:top] if top else analysis.findings)
            fig = figures.plot_risk_matrix(model, placed, kind="threats")
        else:
            ranked = analysis.paths(top=top or RISK_MATRIX_TOP, max_hops=max_hops, distinct="pair")
            fig = figures.plot_risk_matrix(model, ranked, kind="chains")
    elif view == "chain" or ranks:
        ranked = analysis.paths(top=top or 10, max_hops=max_hops)
        wanted = ranks or (1,)
        for rank in wanted:
            if rank > len(ranked):
                raise click.BadParameter(
                    f"no chain of rank {rank}: {len(ranked)} chains are ranked "
                    f"(raise --top to rank more)",
                    param_hint="'--chain'",
                )
        fig = figures.plot_architecture(model, [ranked[rank - 1] for rank in wanted])
    else:
        fig = figures.plot_architecture(model)
    buffer = io.BytesIO()
    figures.save_figure(fig, buffer, format=figures.check_format(path), dpi=dpi)
    write_file(path, buffer.getvalue())
    click.echo(f"wrote {path}")


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


@main.command("import")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option(
    "--from",
    "format_name",
    metavar="FORMAT",
    help="The source's format: mcp, otm, threat-dragon, threagile, cyclonedx (default: detected).",
)
@click.option(
    "--mapping",
    "mapping_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="YAML overrides: source type, element id or name -> {layer: L3, kind: agent}.",
)
@click.option("--strict", is_flag=True, help="Exit with 1 when the import has warnings.")
@_rules_option
@output_option
def import_command(
    source: str,
    format_name: str | None,
    mapping_file: str | None,
    strict: bool,
    rule_dirs: tuple[str, ...],
    output: str | None,
) -> None:
    """Derive a model from a file another tool wrote (MCP configuration, OTM, Threat Dragon,
    Threagile, CycloneDX).

    Every element that could not be mapped is a warning with the file, line and JSON pointer,
    and is kept in the component's properties where it can be. Credential values are never
    copied. The model is printed (or written with -o) and checked before it is written.

    \b
    Examples:
      maestro-graph import ~/.cursor/mcp.json -o agent.yaml
      maestro-graph import threatmodel.otm.json -o model.yaml && maestro-graph paths model.yaml
      maestro-graph import dragon.json --from threat-dragon --mapping map.yaml
    """
    from maestro_graph.io.importers import TypeMapping, import_file

    catalog = _catalog(rule_dirs)
    mapping = TypeMapping.read(mapping_file, catalog) if mapping_file else None
    result = import_file(source, format_name=format_name, mapping=mapping, catalog=catalog)
    for problem in result.warnings:
        click.echo(f"warning: {problem}", err=True)
    emit(result.model.to_yaml(), output)
    click.echo(result.summary(), err=True)
    if strict and result.warnings:
        sys.exit(EXIT_CHECK_FAILED)


@main.command("export")
@model_input
@click.option(
    "--to",
    "format_name",
    required=True,
    type=click.Choice(["otm", "graphml", "graphml-attack", "bloodhound", "cypher"]),
    help="The output format.",
)
@click.option(
    "--dialect",
    type=click.Choice(["neo4j", "kuzu"]),
    default="neo4j",
    show_default=True,
    help="For --to cypher: Neo4j 5 (constraints) or Kuzu (node and relationship tables first).",
)
@output_option
def export_command(
    model: SystemModel, catalog: Catalog, format_name: str, dialect: str, output: str | None
) -> None:
    """Write the model (or its attack graph) for other tools: OTM, GraphML, BloodHound
    OpenGraph JSON, or a Cypher script for Neo4j-compatible databases.

    \b
    Examples:
      maestro-graph export arch.yaml --to otm -o arch.otm.json
      maestro-graph export --example rag-agent --to graphml-attack -o attack.graphml
      maestro-graph export arch.yaml --to cypher -o load.cypher
      maestro-graph export arch.yaml --to cypher --dialect kuzu -o load.cypher
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.io.exporters import export_format

    analysis = analyze(model, catalog=catalog)
    if format_name == "cypher":
        from maestro_graph.io.exporters.cypher import render_cypher

        emit(render_cypher(analysis, dialect=dialect), output)  # type: ignore[arg-type]
    else:
        emit(export_format(format_name).render(analysis), output)


@main.command("init")
@click.option(
    "-o",
    "--output",
    default="model.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the starter model, creating its folder ('-' prints it).",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def init_command(output: str, force: bool) -> None:
    """Write a commented starter model that validates and yields chains, to edit into yours.

    \b
    Examples:
      maestro-graph init && maestro-graph paths model.yaml
      maestro-graph init -o architecture/agent.yaml
      maestro-graph init -o -
    """
    from importlib.resources import files

    text = (files("maestro_graph") / "templates" / "starter.yaml").read_text(encoding="utf-8")
    if output != "-" and Path(output).exists() and not force:
        raise MaestroInputError.single(
            output, None, "already exists; choose another -o or add --force to replace it"
        )
    if output != "-":
        # A starter model often goes into a folder of its own (architecture/agent.yaml).
        Path(output).parent.mkdir(parents=True, exist_ok=True)
    emit(text, output)
    if output != "-":
        click.echo(
            f"next: maestro-graph validate {output} && maestro-graph paths {output}", err=True
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
