"""Options and helpers that several commands share: the model input, output files, bands,
comma lists, evidence filters, layers, hop bounds and rule folders."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from maestro_graph.analysis import GATE_MAX_HOPS, MAX_HOPS_LIMIT
from maestro_graph.api import example_path
from maestro_graph.api import load_model as api_load_model
from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.cli.app import F
from maestro_graph.model.layers import Layer
from maestro_graph.model.loading import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    pass


def rule_folders_option(help: str) -> Callable[[F], F]:
    """``--rules DIR`` (read as ``rule_dirs``), repeatable."""
    return click.option(
        "--rules",
        "rule_dirs",
        metavar="DIR",
        multiple=True,
        type=click.Path(file_okay=False),
        help=help,
    )


def top_option(default: int, help: str) -> Callable[[F], F]:
    """``--top N`` with this command's default."""
    return click.option(
        "--top", type=click.IntRange(min=1), default=default, show_default=True, help=help
    )


def _limit_option(name: str, default: int, refused: str) -> Callable[[F], F]:
    """A size limit of :class:`~maestro_graph.model.loading.Limits` as an option."""
    return click.option(
        name,
        type=click.IntRange(min=1),
        default=default,
        show_default=True,
        help=f"Refuse {refused}.",
    )


def model_input(command: F) -> F:
    """Add MODEL / --example / --rules / size limits, resolved into ``model`` and ``catalog``."""

    @click.argument("model_file", metavar="MODEL", required=False, type=click.Path(dir_okay=False))
    @click.option(
        "--example",
        "example_name",
        metavar="NAME",
        help="Use a bundled example instead of MODEL (see `maestro-graph examples`).",
    )
    @rule_folders_option(
        "Add a rule folder to the catalog (repeatable); same ids override built-ins."
    )
    @_limit_option("--max-components", DEFAULT_LIMITS.max_components, "models with more components")
    @_limit_option("--max-flows", DEFAULT_LIMITS.max_flows, "models with more flows")
    @_limit_option("--max-file-bytes", DEFAULT_LIMITS.max_file_bytes, "larger model files")
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


def with_delta(text: str, output_format: str, delta_text: str, delta: dict[str, Any]) -> str:
    """Add a what-if section to an output: a key in JSON, a section in table and Markdown."""
    if output_format == "json":
        return json.dumps({**json.loads(text), "what_if": delta}, indent=2)
    if output_format in {"csv", "sarif", "dot", "mermaid"}:
        return text  # one table, log or diagram: it already shows the what-if state
    return f"{text}\n\n{delta_text}"


#: The terminal format, for which commands print the model's warnings to standard error; the
#: formats made to be saved or parsed stay exactly what they were (``validate --format json``
#: carries the warnings as data).
HUMAN_FORMATS = frozenset({"table"})


def echo_model_warnings(analysis: Any) -> None:
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


def layers_option(value: tuple[str, ...]) -> tuple[Layer, ...] | None:
    if not value:
        return None
    try:
        return Layer.parse_list(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


MATURITIES = ["realized", "demonstrated", "feasible"]
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
            type=click.Choice(MATURITIES, case_sensitive=False),
            help="Only what ATLAS techniques of at least this maturity back (realized: used in "
            "real incidents; demonstrated: shown on realistic systems; feasible: research).",
        )(command)

    return decorate


def rules_option(command: F) -> F:
    return rule_folders_option("Add a rule folder to the catalog (repeatable).")(command)


def catalog_of(rule_dirs: tuple[str, ...]) -> Catalog:
    catalog = load_catalog(*rule_dirs)
    for warning in catalog.warnings:
        click.echo(f"warning: {warning}", err=True)
    return catalog


def hops_option(default: int, help: str = "Most transitions in a chain.") -> Callable[[F], F]:
    """``--max-hops`` with this command's default."""
    return click.option(
        "--max-hops",
        type=click.IntRange(min=1, max=MAX_HOPS_LIMIT),
        default=default,
        show_default=True,
        help=help,
    )


def max_hops_option(command: F) -> F:
    """``--max-hops`` at the gate's default, for the commands that judge what the gate judges."""
    return hops_option(GATE_MAX_HOPS)(command)


def format_option(*choices: str, help: str | None = None) -> Callable[[F], F]:
    """``--format`` (read as ``output_format``): one of ``choices``, ``table`` by default."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default="table",
        show_default=True,
        help=help,
    )
