"""The ``maestro-graph`` group: bad input anywhere below becomes one message and exit code 2;
``run`` is the console command."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from maestro_graph.engine.ranking import SearchBudgetWarning
from maestro_graph.support.errors import MaestroInputError
from maestro_graph.support.version import VERSION

if TYPE_CHECKING:
    pass


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


def run() -> None:
    """The ``maestro-graph`` console command: :func:`main` in a process of its own.

    The process runs one command and exits, so the cyclic collector is off: a command builds
    large acyclic structures (a model of 100,000 components is 3 million objects, its attack
    graph more) that each collection would scan again only to find nothing to free, and what
    a command leaves in cycles is a few small objects (a mitigation plan at 10,000 components
    peaks at the same memory with the collector on or off). Reference counting still frees
    everything else. The Python API and :func:`main` itself (as tests invoke it) leave the
    collector alone.
    """
    gc.disable()
    main()
