"""Figures (matplotlib): the layered architecture, chains on it, the layer heatmap, the risk matrix.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global
figure state; PNG through Agg, SVG through the SVG canvas); :func:`save_figure` writes one as
PNG or SVG, byte for byte reproducibly. The same model always gives the same picture: the layout
is computed by fixed rules (:func:`architecture_layout`), never at random.

Examples
--------
>>> import io
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("netmon"))
>>> fig = plot_architecture(analysis.model, analysis.paths(top=1)[0])
>>> buffer = io.BytesIO()
>>> save_figure(fig, buffer, format="png", dpi=30)
>>> buffer.getvalue()[:4] == b"\\x89PNG"
True
"""

from maestro_graph.render.figures.architecture import plot_architecture
from maestro_graph.render.figures.heatmap import plot_heatmap
from maestro_graph.render.figures.layout import ArchitectureLayout, Rect, architecture_layout
from maestro_graph.render.figures.riskmatrix import plot_risk_matrix
from maestro_graph.render.figures.style import FORMATS, check_format, save_figure

#: The views ``maestro-graph plot --view`` knows.
VIEWS = ("architecture", "chain", "heatmap", "risk-matrix")

__all__ = [
    "FORMATS",
    "VIEWS",
    "ArchitectureLayout",
    "Rect",
    "architecture_layout",
    "check_format",
    "plot_architecture",
    "plot_heatmap",
    "plot_risk_matrix",
    "save_figure",
]
