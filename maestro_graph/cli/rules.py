"""The ``rules`` group: list, show, test and document the catalog's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from maestro_graph.cli.app import EXIT_CHECK_FAILED, main
from maestro_graph.cli.options import (
    catalog_of,
    emit,
    format_option,
    layers_option,
    output_option,
    rules_option,
)

if TYPE_CHECKING:
    pass


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
@format_option("table", "json", "md")
@rules_option
def rules_list(
    entry_type: str, layers: tuple[str, ...], output_format: str, rule_dirs: tuple[str, ...]
) -> None:
    """List threats (default), controls, kinds or ATLAS techniques of the catalog."""
    from maestro_graph.render.catalog import render_list

    click.echo(render_list(catalog_of(rule_dirs), entry_type, layers_option(layers), output_format))


@rules.command("show")
@click.argument("entry_id", metavar="ID")
@rules_option
def rules_show(entry_id: str, rule_dirs: tuple[str, ...]) -> None:
    """Show one threat, control, kind or ATLAS technique in full, with its evidence and links.

    \b
    Examples:
      maestro-graph rules show L7.mcp-rug-pull
      maestro-graph rules show memory-isolation
      maestro-graph rules show AML.T0051
    """
    from maestro_graph.render.catalog import render_entry

    click.echo(render_entry(catalog_of(rule_dirs), entry_id))


@rules.command("test")
@click.argument(
    "rule_dir", metavar="[DIR]", required=False, type=click.Path(file_okay=False, exists=True)
)
@rules_option
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
    catalog = catalog_of(folders)
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
@rules_option
@output_option
def rules_docs(rule_dirs: tuple[str, ...], output: str | None) -> None:
    """Generate the catalog reference in Markdown (the repository keeps it in docs/catalog.md)."""
    from maestro_graph.render.catalog import render_docs

    emit(render_docs(catalog_of(rule_dirs)), output)
