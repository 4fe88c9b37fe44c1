"""Commands on model files: validate, schema, examples, import, export and init."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from maestro_graph.api import examples
from maestro_graph.catalog import Catalog
from maestro_graph.cli.app import EXIT_CHECK_FAILED, main
from maestro_graph.cli.options import (
    catalog_of,
    emit,
    format_option,
    model_input,
    output_option,
    rule_folders_option,
    rules_option,
)
from maestro_graph.model import SystemModel
from maestro_graph.support.errors import MaestroInputError

if TYPE_CHECKING:
    pass


@main.command()
@model_input
@format_option("table", "json", help="Output format.")
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


@main.command()
@rule_folders_option(
    "Add a rule folder to the catalog (repeatable): its kinds and controls join the schema."
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

    emit(json.dumps(json_schema(catalog_of(rule_dirs)), indent=2), output)


@main.command("examples")
@format_option("table", "json")
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
@rules_option
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

    catalog = catalog_of(rule_dirs)
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
