"""Commands that write documents and pictures: report, explore and plot."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import click

from maestro_graph.analysis import DEFAULT_MAX_HOPS
from maestro_graph.catalog import Catalog
from maestro_graph.cli.app import main
from maestro_graph.cli.options import (
    band_option,
    emit,
    hops_option,
    model_input,
    output_option,
    top_option,
    write_file,
)
from maestro_graph.model import SystemModel

if TYPE_CHECKING:
    pass


@main.command()
@model_input
@top_option(10, "How many chains to rank (the first five are explained).")
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
@top_option(50, "How many ranked chains the page lists.")
@band_option(
    dest="band",
    default="high",
    choices=["medium", "high", "critical"],
    help="The band the page's mitigation plan brings every chain below; its placements are "
    "the page's toggles.",
)
@hops_option(DEFAULT_MAX_HOPS, help="Most transitions in a chain (chains, matrix and plan).")
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
@hops_option(DEFAULT_MAX_HOPS)
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
