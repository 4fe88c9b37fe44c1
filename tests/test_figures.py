"""Figures: files of the right type and size, reproducible bytes and layouts, no overlaps, and
clear exits on bad options."""

from __future__ import annotations

import hashlib
import io
import itertools
import random
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.figure import Figure

import maestro_graph as mg
from benchmarks.generate import generate
from maestro_graph.model.layers import Layer
from maestro_graph.render.figures import (
    architecture_layout,
    plot_architecture,
    plot_heatmap,
    plot_risk_matrix,
    save_figure,
)
from maestro_graph.support.errors import MaestroInputError

EXAMPLES = ("netmon", "rag-agent", "multi-agent")
VIEWS = ("architecture", "chain", "heatmap", "risk-matrix")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
DPI = 30


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk."""
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    save_figure(fig, buffer, format="svg")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def analyses() -> dict[str, mg.Analysis]:
    return {name: mg.analyze(mg.example(name)) for name in EXAMPLES}


@pytest.fixture(scope="module")
def model60() -> mg.SystemModel:
    return mg.SystemModel.model_validate(generate(60))


def shuffled(model: mg.SystemModel, seed: int) -> mg.SystemModel:
    """The same model with its components and flows in another order."""
    data = model.to_data()
    rng = random.Random(seed)
    rng.shuffle(data["components"])
    rng.shuffle(data["flows"])
    return mg.SystemModel.model_validate(data)


# -- files of the right type and size ---------------------------------------------------------
@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("view", VIEWS)
def test_cli_writes_a_png_of_plausible_size(run_cli, tmp_path, name, view):
    out = tmp_path / f"{name}-{view}.png"
    result = run_cli("plot", "--example", name, "--view", view, "--dpi", DPI, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    data = out.read_bytes()
    width, height = png_size(data)
    # Figures are sized in inches to their content: between 6 and 20 inches a side.
    assert 6 * DPI <= width <= 20 * DPI and 5 * DPI <= height <= 16 * DPI, (width, height)
    assert len(data) > 4_000


@pytest.mark.parametrize("name", EXAMPLES)
def test_api_writes_svg_for_each_view(analyses, tmp_path, name):
    analysis = analyses[name]
    figures = {
        "architecture": analysis.plot_architecture(),
        "chain": analysis.plot(chain=analysis.paths(top=3)[0]),
        "heatmap": analysis.plot_heatmap(),
        "risk-matrix": analysis.plot_risk_matrix("threats"),
    }
    for view, fig in figures.items():
        assert isinstance(fig, Figure)
        path = tmp_path / f"{view}.svg"
        save_figure(fig, path)
        root = ET.parse(path).getroot()
        assert root.tag == SVG_ROOT
        assert path.stat().st_size > 20_000, view
        text = path.read_text(encoding="utf-8")
        assert "<dc:date>" not in text and "maestro-graph" in text


def test_png_has_no_timestamp_or_software(analyses, tmp_path):
    path = tmp_path / "arch.png"
    save_figure(analyses["netmon"].plot_architecture(), path, dpi=DPI)
    data = path.read_bytes()
    assert b"Software" not in data and b"matplotlib" not in data.lower()


# -- reproducible ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", EXAMPLES)
def test_same_model_gives_byte_identical_svg(analyses, name):
    analysis = analyses[name]
    chains = list(analysis.paths(top=3))
    first = svg_bytes(plot_architecture(analysis.model, chains))
    again = mg.analyze(mg.example(name))
    second = svg_bytes(plot_architecture(again.model, list(again.paths(top=3))))
    assert first == second
    assert svg_bytes(plot_heatmap(analysis.model, analysis.layer_matrix())) == svg_bytes(
        plot_heatmap(again.model, again.layer_matrix())
    )
    assert svg_bytes(plot_risk_matrix(analysis.model, chains)) == svg_bytes(
        plot_risk_matrix(again.model, chains)
    )


def test_cli_svg_is_byte_identical_twice(run_cli, tmp_path):
    paths = [tmp_path / "a.svg", tmp_path / "b.svg"]
    for path in paths:
        result = run_cli(
            "plot", "--example", "netmon", "--view", "chain", "--chain", "2", "-o", path
        )
        assert result.exit_code == 0, result.output
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_svg_identical_in_a_fresh_process_and_cli_imports_no_matplotlib(analyses):
    """A new interpreter draws the same bytes; importing the CLI loads neither matplotlib nor
    pandas; drawing never touches pyplot."""
    script = textwrap.dedent(
        """
        import hashlib, io, sys
        import maestro_graph.cli
        heavy = sorted(m for m in ("matplotlib", "pandas") if m in sys.modules)
        import maestro_graph as mg
        from maestro_graph.render.figures import save_figure
        analysis = mg.analyze(mg.example("netmon"))
        buffer = io.BytesIO()
        save_figure(analysis.plot(chain=analysis.paths(top=1)[0]), buffer, format="svg")
        print(heavy, "matplotlib.pyplot" in sys.modules, hashlib.sha256(buffer.getvalue()).hexdigest())
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    analysis = analyses["netmon"]
    here = svg_bytes(analysis.plot(chain=analysis.paths(top=1)[0]))
    assert output == ["[]", "False", hashlib.sha256(here).hexdigest()]


@pytest.mark.parametrize("name", EXAMPLES)
def test_layout_is_stable_and_independent_of_file_order(name):
    model = mg.example(name)
    layout = architecture_layout(model).to_data()
    assert architecture_layout(mg.example(name)).to_data() == layout
    for seed in range(3):
        assert architecture_layout(shuffled(model, seed)).to_data() == layout


def test_layout_of_60_components_is_independent_of_file_order(model60):
    layout = architecture_layout(model60).to_data()
    assert architecture_layout(shuffled(model60, 7)).to_data() == layout


def test_figure_is_independent_of_file_order():
    model = mg.example("rag-agent")
    assert svg_bytes(plot_architecture(model)) == svg_bytes(plot_architecture(shuffled(model, 1)))


# -- geometry ------------------------------------------------------------------------------------
def assert_clean_layout(model: mg.SystemModel) -> None:
    layout = architecture_layout(model)
    assert set(layout.boxes) == {c.id for c in model.components}
    assert layout.overlaps() == []
    for component in model.components:
        box, band = layout.boxes[component.id], layout.bands[component.layer]
        assert band.x <= box.x and box.right <= band.right, component.id
        assert band.y <= box.y and box.top <= band.top, component.id
        if component.layer is not Layer.L6:  # clear of the band's label column
            assert box.x >= layout.label_width
    # L1 at the bottom to L7 at the top; L6 a column beside the stack, as tall as it
    stack = [Layer.L1, Layer.L2, Layer.L3, Layer.L4, Layer.L5, Layer.L7]
    for lower, upper in itertools.pairwise(stack):
        assert layout.bands[lower].top == pytest.approx(layout.bands[upper].y)
    assert layout.bands[Layer.L6].x > layout.bands[Layer.L7].right
    assert layout.bands[Layer.L6].height == pytest.approx(layout.height)


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_boxes_overlap_in_examples(name):
    assert_clean_layout(mg.example(name))


@pytest.mark.parametrize("count", [60, 200])
def test_no_boxes_overlap_at_scale(count):
    assert_clean_layout(mg.SystemModel.model_validate(generate(count, seed=count)))


def test_60_components_draw_with_readable_box_size(model60):
    fig = plot_architecture(model60)
    width, height = fig.get_size_inches()
    layout = architecture_layout(model60)
    assert width < 20 and height < 14  # wraps into rows instead of growing without bound
    # boxes keep their size in inches: the axes map one data unit to one inch
    ax = fig.get_axes()[0]
    assert ax.get_position().width * width == pytest.approx(layout.width)
    assert ax.get_position().height * height == pytest.approx(layout.height)


def test_chain_hops_are_numbered(analyses):
    analysis = analyses["netmon"]
    chain = next(c for c in analysis.paths(top=10) if c.hops >= 2)
    fig = analysis.plot_chain(chain)
    texts = [t.get_text() for t in fig.get_axes()[0].texts]
    assert [str(n) for n in range(1, chain.hops + 1)] == [t for t in texts if t.isdigit()]
    assert "start" in texts
    assert fig.texts[0].get_text().startswith(f"Chain #{chain.rank} {chain.id}")


def test_several_chains_are_labelled_rank_dot_hop(analyses):
    fig = analyses["netmon"].plot_chain([1, 2])
    texts = {t.get_text() for t in fig.get_axes()[0].texts}
    assert {"1.1", "2.1", "2.2"} <= texts


def test_draws_into_given_axes(analyses):
    fig = Figure(figsize=(8, 6))
    ax = fig.add_subplot()
    assert analyses["netmon"].plot_architecture(ax=ax) is fig
    assert ax.get_legend() is not None


# -- bad options ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--view", "sankey"], "'sankey' is not one of"),
        (["--view", "chain", "--chain", "11"], "no chain of rank 11: 10 chains are ranked"),
        (["--view", "chain", "--top", "2", "--chain", "3"], "no chain of rank 3"),
        (["-o", "figure.pdf"], "the name must end in .png or .svg"),
        (["-o", "figure"], "the name must end in .png or .svg"),
        (["--view", "heatmap", "--chain", "2"], "--chain applies to --view chain"),
        (["--view", "chain", "--kind", "threats"], "--kind applies to --view risk-matrix"),
    ],
)
def test_bad_options_exit_2(run_cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run_cli("plot", "--example", "netmon", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_default_output_name(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("plot", "--example", "netmon", "--view", "heatmap", "--dpi", DPI)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "wrote maestro-heatmap.png"
    assert png_size(Path("maestro-heatmap.png").read_bytes())[0] > 0


def test_api_rejects_bad_views_and_ranks(analyses):
    analysis = analyses["netmon"]
    with pytest.raises(MaestroInputError, match="unknown view 'pie'"):
        analysis.plot("pie")
    beyond = len(analysis.paths(top=None)) + 1
    with pytest.raises(MaestroInputError, match=f"no chain of rank {beyond}"):
        analysis.plot_chain(beyond)
    with pytest.raises(MaestroInputError, match="unknown kind"):
        analysis.plot_risk_matrix("flows")
    with pytest.raises(ValueError, match=r"must end in \.png or \.svg"):
        save_figure(analysis.plot_heatmap(), "matrix.jpg")
