"""The incident corpus (tests/incidents/): documented attacks, and what the default query finds.

Issue 9's goal: at least 90% of the source chains in the default top 10, and every one in the
top 50. The floors asserted here are what ``make incidents`` measured (it prints the whole
table), so a change to the rules or the engine can raise them but never lower them unnoticed.
"""

from __future__ import annotations

import pytest

import maestro_graph as mg
from tests.incident_corpus import INCIDENTS, incident_names, matches, rank_of, source_chains

NAMES = incident_names()
CHAINS = [chain for name in NAMES for chain in source_chains(name)]

#: Measured with `make incidents`: 7 of 41 in the top 10 and 17 in the top 50 when the corpus
#: landed; 32 and 39 after the capability semantics were recalibrated on it; 38 and 41 with
#: detours left out, interchangeable components folded and a 14-hop bound.
TOP_10_FLOOR = 38
TOP_50_FLOOR = 41


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


def test_recall_meets_the_goal():
    found_10 = sum(rank_of(chain, 10) is not None for chain in CHAINS)
    found_50 = sum(rank_of(chain, 50) is not None for chain in CHAINS)
    assert found_10 >= 0.9 * len(CHAINS), f"{found_10}/{len(CHAINS)} in the top 10"
    missing = [c.id for c in CHAINS if rank_of(c, 50) is None]
    assert found_50 == len(CHAINS), missing


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
