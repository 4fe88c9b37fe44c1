"""The incident corpus (tests/incidents/): documented attacks, and what the default query finds.

Issue 9 asks for every source chain in the default top 10. That is not reached yet; the recall
asserted here is the floor measured when the corpus landed (``make incidents`` prints the whole
table), so a change to the rules or the engine can raise it but never lower it unnoticed.
"""

from __future__ import annotations

import pytest

import maestro_graph as mg
from tests.incident_corpus import INCIDENTS, incident_names, matches, rank_of, source_chains

NAMES = incident_names()
CHAINS = [chain for name in NAMES for chain in source_chains(name)]

#: Measured with `make incidents`: 7 of 41 in the top 10 and 17 in the top 50 when the corpus
#: landed; 32 and 39 after the capability semantics were recalibrated on it.
TOP_10_FLOOR = 32
TOP_50_FLOOR = 39


def test_the_corpus_is_large_enough():
    assert len(NAMES) >= 20
    assert len(CHAINS) >= len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_incident_cites_its_source_and_names_real_components(name):
    header = (INCIDENTS / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[:4]
    assert any(line.startswith("# Source: ") for line in header), name
    model = mg.load_model(INCIDENTS / f"{name}.yaml")
    ids = {component.id for component in model.components}
    for chain in source_chains(name):
        assert len(chain.components) >= 2
        assert set(chain.components) <= ids, (chain.id, set(chain.components) - ids)
        assert set(chain.entry or ()) | set(chain.target or ()) <= ids


def test_matching_needs_the_same_ends_and_the_order():
    assert matches(("a", "x", "b", "c"), ("a", "b", "c"))
    assert not matches(("a", "c", "b"), ("a", "b", "c"))
    assert not matches(("x", "a", "b", "c"), ("a", "b", "c"))


def test_recall_does_not_fall_below_the_measured_floor():
    in_top_10 = [chain.id for chain in CHAINS if rank_of(chain, 10) is not None]
    in_top_50 = [chain.id for chain in CHAINS if rank_of(chain, 50) is not None]
    assert len(in_top_10) >= TOP_10_FLOOR, in_top_10
    assert len(in_top_50) >= TOP_50_FLOOR, in_top_50


def test_the_users_coding_agent_reaches_ci_and_users_start_chains():
    coding = mg.analyze(mg.load_model(INCIDENTS / "coding-agent.yaml"))
    assert coding.paths(target="ci"), "public issue text must reach CI"
    assert coding.paths(target="prod"), "and production, through CI"
    assert mg.analyze(mg.example("rag-agent")).paths(entry="customers")


def test_the_seed_chain_is_in_the_default_top_10_of_the_support_bot():
    """MAESTRO's seed scenario: poisoned RAG source (L2) > model (L1) > tool call (L3) > peer
    agent (L7), found by the default query although the agent invokes its model."""
    [seed] = [c for c in CHAINS if c.incident == "support-bot"]
    assert rank_of(seed, 10) is not None
