"""One scoring story: a band is a range of the risk that ranks chains and findings.

Bands follow the ranking (a chain ranked below another never has a higher band), a control can
only lower a band, and controls can bring any chain below every band the threshold options
offer.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.engine.risk import RISK_BOUNDS, Band, band_floor, band_for, band_of_risk

from .strategies import PROPERTY_SETTINGS, small_models, sub_models

EXAMPLES = sorted(mg.examples())


def _bands_never_rise(items) -> None:
    ranks = [item.band.rank for item in items]
    assert ranks == sorted(ranks, reverse=True), [(i.risk, i.band.value) for i in items]


@PROPERTY_SETTINGS
@given(model=st.one_of(small_models(), sub_models()))
def test_a_chain_ranked_below_another_never_has_a_higher_band(model):
    analysis = mg.analyze(model)
    _bands_never_rise(analysis.paths(top=None, max_hops=3, distinct="none"))
    _bands_never_rise(analysis.paths(top=20, max_hops=4))
    _bands_never_rise(analysis.threat_findings())


@pytest.mark.parametrize("name", EXAMPLES)
def test_bands_follow_the_ranking_on_every_example(name):
    analysis = mg.analyze(mg.example(name))
    chains = analysis.paths(top=50)
    _bands_never_rise(chains)
    _bands_never_rise(analysis.threat_findings())
    for chain in chains:
        assert chain.band is band_of_risk(chain.risk)


@given(
    likelihood=st.floats(0.0, 1.0),
    impact=st.floats(1.0, 5.0),
    factor=st.floats(0.0, 1.0),
)
def test_a_control_never_raises_a_band(likelihood, impact, factor):
    assert band_for(likelihood * factor, impact).rank <= band_for(likelihood, impact).rank


@pytest.mark.parametrize("band", [Band.MEDIUM, Band.HIGH, Band.CRITICAL])
@given(likelihood=st.floats(0.01, 1.0), impact=st.floats(1.0, 5.0))
def test_every_threshold_band_is_reachable_by_lowering_likelihood(band, likelihood, impact):
    """Impact alone never holds a chain at a band: some likelihood brings it below."""
    bound = band_floor(band) / impact
    assert band_for(min(likelihood, bound * 0.999), impact).rank < band.rank


def test_the_bounds_are_a_twentieth_a_quarter_and_a_half_of_the_largest_risk():
    assert RISK_BOUNDS == (5 / 20, 5 / 4, 5 / 2)
    assert [band_floor(b) for b in Band] == pytest.approx([0.0, *RISK_BOUNDS])


def test_the_gate_judges_by_the_same_bound_as_the_tables():
    analysis = mg.analyze(mg.example("rag-agent"))
    gated = analysis.gate_chains("high", max_hops=6)
    assert gated and all(c.risk >= RISK_BOUNDS[1] and c.band.rank >= 2 for c in gated)
    shown = analysis.paths(top=None, max_hops=6, distinct="pair")
    assert {c.id for c in shown if c.risk >= RISK_BOUNDS[1]} <= {c.id for c in gated}
