"""The :class:`Analysis` the Python API and the CLI share: a model read against a catalog.

Examples
--------
>>> import maestro_graph as mg
>>> analysis = mg.analyze(mg.example("rag-agent"))
>>> frame = analysis.threats(min_band="high")
>>> set(frame["band"]) <= {"high", "critical"}
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.errors import MaestroInputError, did_you_mean
from maestro_graph.layers import Layer
from maestro_graph.model import SystemModel
from maestro_graph.risk import Band, RiskSettings
from maestro_graph.threats import LayerCoverage, ThreatFinding, enumerate_threats, layer_coverage

if TYPE_CHECKING:
    import pandas as pd


class Analysis:
    """A model analysed against a catalog. Results are computed on first use and kept.

    Parameters
    ----------
    model : SystemModel
    catalog : Catalog
    settings : RiskSettings, optional
    """

    def __init__(
        self, model: SystemModel, catalog: Catalog, settings: RiskSettings | None = None
    ) -> None:
        self.model = model
        self.catalog = catalog
        self.settings = settings or RiskSettings()

    def __repr__(self) -> str:
        return f"<Analysis of {self.model.name!r}: {len(self.model.components)} components>"

    @cached_property
    def findings(self) -> tuple[ThreatFinding, ...]:
        """Every applicable (component, threat), highest risk first."""
        return tuple(enumerate_threats(self.model, self.catalog, self.settings))

    def threat_findings(
        self,
        *,
        layers: Iterable[Layer | str] | None = None,
        components: Sequence[str] | None = None,
        min_band: Band | str | None = None,
    ) -> list[ThreatFinding]:
        """The findings, filtered by component layer, component id and lowest band.

        Raises
        ------
        MaestroInputError
            For an unknown layer, component or band.
        """
        try:
            wanted_layers = {Layer.parse(layer) for layer in layers} if layers else None
            floor = Band.parse(min_band) if min_band is not None else None
        except ValueError as error:
            raise MaestroInputError.single("option", None, str(error)) from None
        for component_id in components or ():
            if not self.model.has_component(component_id):
                hint = did_you_mean(component_id, [c.id for c in self.model.components])
                raise MaestroInputError.single(
                    "--component", None, f"no component {component_id!r} in the model{hint}"
                )
        return [
            finding
            for finding in self.findings
            if (wanted_layers is None or finding.layer in wanted_layers)
            and (not components or finding.component.id in components)
            and (floor is None or finding.band.rank >= floor.rank)
        ]

    def threats(
        self,
        *,
        layers: Iterable[Layer | str] | None = None,
        components: Sequence[str] | None = None,
        min_band: Band | str | None = None,
    ) -> pd.DataFrame:
        """MAESTRO step 2 as a DataFrame: one row per (component, threat), highest risk first.

        Columns: component, layer, threat, likelihood, impact, risk, band, entry, atlas (list of
        {id, maturity}), controls_present, controls_missing and the factors behind the
        likelihood.
        """
        import pandas as pd

        findings = self.threat_findings(layers=layers, components=components, min_band=min_band)
        return pd.DataFrame([finding.to_record() for finding in findings])

    def coverage(self) -> list[LayerCoverage]:
        """Per layer: components, distinct applicable threats, findings."""
        return layer_coverage(self.model, list(self.findings))


def analyze(
    model: SystemModel, *, catalog: Catalog | None = None, settings: RiskSettings | None = None
) -> Analysis:
    """Analyse a model against a catalog (default: the built-in one).

    Parameters
    ----------
    model : SystemModel
        From :func:`maestro_graph.load_model` or :func:`maestro_graph.example`.
    catalog : Catalog, optional
        From :func:`maestro_graph.load_catalog`.
    settings : RiskSettings, optional
        Maturity factors and other scoring settings.

    Returns
    -------
    Analysis
    """
    return Analysis(model, catalog or load_catalog(), settings)
