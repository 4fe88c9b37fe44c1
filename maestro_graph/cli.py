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
