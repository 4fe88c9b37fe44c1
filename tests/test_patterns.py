"""Baselines that accept chains by pattern (entry, target, layer pair, rule, with wildcards)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.engine.patterns import PatternAcceptance, first_match, group_chains
from maestro_graph.engine.risk import Band
from maestro_graph.model.loading import parse_document
from maestro_graph.regression import Baseline, baseline_from_document, check, make_baseline
from maestro_graph.support.errors import MaestroInputError

from .strategies import PROPERTY_SETTINGS, small_models, sub_models

TODAY = dt.date(2026, 11, 21)
LATER = dt.date(2027, 1, 1)
GROUPINGS = ["pair", "target", "layers"]


def pattern(**fields) -> PatternAcceptance:
    return PatternAcceptance(justification="reviewed", owner="secops", expires=LATER, **fields)


def only_patterns(*patterns: PatternAcceptance) -> Baseline:
    return Baseline(maestro_baseline=1, accepted_patterns=list(patterns))


@pytest.fixture(scope="module")
def multi_agent():
    return mg.analyze(mg.example("multi-agent"))


def test_each_field_narrows_what_a_pattern_matches(multi_agent):
    chains = multi_agent.gate_chains("medium")
    chain = chains[0]
    first, last = chain.steps[0], chain.steps[-1]
    of_chain = {
        "entry": lambda c: {c.steps[0].component},
        "target": lambda c: {c.steps[-1].component},
        "entry_layer": lambda c: {c.steps[0].layer.value},
        "target_layer": lambda c: {c.steps[-1].layer.value},
        "rule": lambda c: {s.transition.rule.id for s in c.steps[1:]},
    }
    exact = {name: min(values(chain)) for name, values in of_chain.items()}
    for name, value in exact.items():
        matched = [c for c in chains if pattern(**{name: value}).matches(c)]
        assert chain in matched
        assert matched == [c for c in chains if value in of_chain[name](c)], name
    # Entries are all on L7 in this model; the other fields each leave some chain out.
    assert all(
        any(not pattern(**{name: value}).matches(c) for c in chains)
        for name, value in exact.items()
        if name != "entry_layer"
    )
    assert pattern(**exact).matches(chain)
    assert pattern(target=last.component[:2] + "*").matches(chain)
    assert not pattern(target=last.component + "-other").matches(chain)
    assert not pattern(rule="no-such-rule*").matches(chain)
    # Layers are compared by id, written in either case.
    assert pattern(entry_layer=first.layer.value.lower()).entry_layer == first.layer.value


def test_a_pattern_must_say_something_and_name_real_layers():
    with pytest.raises(ValueError, match="at least one of entry"):
        pattern(target="*")
    with pytest.raises(ValueError, match="not a layer"):
        pattern(entry_layer="L9")


def test_the_baseline_file_reports_bad_and_duplicate_patterns_with_their_lines():
    text = """\
maestro_baseline: 1
accepted_patterns:
  - target: db
    justification: known
    owner: sec
    expires: 2027-01-01
  - target: db
    justification: known again
    owner: sec
    expires: 2027-01-01
  - entry_layer: L8
    justification: known
    owner: sec
    expires: 2027-01-01
"""
    with pytest.raises(MaestroInputError) as caught:
        baseline_from_document(parse_document(text, "base.yaml"))
    message = str(caught.value)
    assert "base.yaml:11: accepted_patterns[2].entry_layer: not a layer" in message
    text = text.split("  - entry_layer")[0]
    with pytest.raises(MaestroInputError, match=r"base.yaml:7: accepted_patterns\[1\]: the same"):
        baseline_from_document(parse_document(text, "base.yaml"))


@pytest.mark.parametrize("name", mg.example_names())
@pytest.mark.parametrize("group_by", GROUPINGS)
def test_a_grouped_baseline_accepts_every_chain_with_fewer_entries(name, group_by):
    analysis = mg.analyze(mg.example(name))
    baseline = make_baseline(analysis, "medium", group_by=group_by, today=TODAY)
    chains = analysis.gate_chains("medium")
    assert baseline.accepted == [] and 0 < len(baseline.accepted_patterns) < len(chains)
    assert sum(p.chains for p in baseline.accepted_patterns) == len(chains)
    result = check(analysis, baseline, "medium", today=TODAY)
    assert result.passed and result.stale_patterns == ()
    assert {item.chain.id for item in result.accepted} == {c.id for c in chains}
    assert all(isinstance(item.acceptance, PatternAcceptance) for item in result.accepted)
    reread = baseline_from_document(parse_document(baseline.to_yaml(), "b.yaml"))
    assert reread.to_data() == baseline.to_data()


@PROPERTY_SETTINGS
@given(
    model=st.one_of(small_models(), sub_models()),
    group_by=st.sampled_from(GROUPINGS),
    band=st.sampled_from([Band.LOW, Band.MEDIUM, Band.HIGH]),
)
def test_grouping_accepts_exactly_what_one_entry_per_chain_accepts(model, group_by, band):
    analysis = mg.analyze(model)
    by_chain = check(analysis, make_baseline(analysis, band, today=TODAY), band, today=TODAY)
    grouped = make_baseline(analysis, band, group_by=group_by, today=TODAY)
    by_pattern = check(analysis, grouped, band, today=TODAY)
    assert by_pattern.passed and by_chain.passed
    assert [i.chain.id for i in by_pattern.accepted] == [i.chain.id for i in by_chain.accepted]
    # Each pattern records its group's highest band: no chain of the group escalates.
    for criteria, members in group_chains(analysis.gate_chains(band), group_by):
        found = first_match(grouped.accepted_patterns, members[0])
        assert found is not None and found.band.rank == max(c.band.rank for c in members)
        assert {k: getattr(found, k) for k in criteria} == criteria


def test_a_pattern_judges_band_rises_and_expiry_like_an_entry(multi_agent):
    chains = multi_agent.gate_chains("high")
    target = chains[0].target
    matching = [c for c in chains if c.target == target]
    lowered = only_patterns(pattern(target=target, band=Band.MEDIUM))
    result = check(multi_agent, lowered, "high", today=TODAY)
    assert {i.chain.id for i in result.escalated} == {c.id for c in matching}
    assert result.escalated[0].reason == f"accepted by pattern target={target} at band medium, " + (
        f"now {result.escalated[0].chain.band.value}"
    )
    expired = check(
        multi_agent, only_patterns(pattern(target=target)), "high", today=LATER.replace(year=2028)
    )
    assert {i.chain.id for i in expired.expired} == {c.id for c in matching}
    assert "acceptance by pattern target=" in expired.expired[0].reason


def test_a_fingerprint_entry_judges_its_chain_before_any_pattern(multi_agent):
    chain = multi_agent.gate_chains("high")[0]
    by_chain = make_baseline(multi_agent, "high", today=TODAY)
    entry = by_chain.entry(chain.id).model_copy(update={"expires": dt.date(2026, 1, 1)})
    baseline = Baseline(
        maestro_baseline=1,
        accepted=[entry],
        accepted_patterns=[pattern(target=chain.target)],
    )
    result = check(multi_agent, baseline, "high", today=TODAY)
    assert [i.chain.id for i in result.expired] == [chain.id]
    assert result.expired[0].acceptance == entry


def test_a_pattern_no_chain_matches_is_stale_and_shown(run_cli, tmp_path):
    analysis = mg.analyze(mg.example("netmon"))
    baseline = make_baseline(analysis, "medium", group_by="layers", today=TODAY)
    extra = pattern(target="no_such_component")
    baseline = baseline.model_copy(
        update={"accepted_patterns": [*baseline.accepted_patterns, extra]}
    )
    result = check(analysis, baseline, "medium", today=TODAY)
    assert result.passed and result.stale_patterns == (extra,)
    path = tmp_path / "b.yaml"
    path.write_text(baseline.to_yaml(), encoding="utf-8")
    shown = run_cli("check", "--example", "netmon", "--baseline", path, "--fail-on", "medium")
    assert shown.exit_code == 0
    assert "1 stale pattern (no current chain matches" in shown.output
    assert "target=no_such_component" in shown.output
    assert "by pattern)." in shown.output
    data = json.loads(
        run_cli("check", "--example", "netmon", "--baseline", path, "--format", "json").output
    )
    assert data["summary"]["stale_patterns"] == 1
    assert data["summary"]["accepted_by_pattern"] == data["summary"]["accepted"] > 0
    assert {item["matched_by"] for item in data["accepted"]} == {"pattern"}
    markdown = run_cli("check", "--example", "netmon", "--baseline", path, "--format", "md").output
    assert "### Stale patterns (1)" in markdown


def test_baseline_group_by_through_the_cli_and_update_keeps_reviews(run_cli, tmp_path):
    path = tmp_path / "maestro-baseline.yaml"
    written = run_cli("baseline", "--example", "multi-agent", "--group-by", "target", "-o", path)
    assert written.exit_code == 0
    assert "patterns accept the" in written.output
    text = path.read_text(encoding="utf-8")
    assert "accepted_patterns:" in text and "- target: " in text and "entry_layer" not in text
    first_target = text.split("- target: ")[1].split("\n")[0]
    reviewed = text.replace(
        "justification: 'TODO: why this chain is accepted'",
        "justification: reviewed in the design review",
        1,
    )
    path.write_text(reviewed, encoding="utf-8")
    updated = run_cli(
        "baseline", "--example", "multi-agent", "--group-by", "target", "-o", path, "--update"
    )
    assert updated.exit_code == 0 and "kept from the previous baseline" in updated.output
    again = baseline_from_document(parse_document(path.read_text(encoding="utf-8"), "b.yaml"))
    kept = next(p for p in again.accepted_patterns if p.target == first_target)
    assert kept.justification == "reviewed in the design review"
    assert run_cli("check", "--example", "multi-agent", "--baseline", path).exit_code == 0


def test_refreshing_chain_entries_keeps_hand_written_patterns(multi_agent):
    written = pattern(target="erp_*", band=Band.HIGH)
    previous = make_baseline(multi_agent, "high", today=TODAY).model_copy(
        update={"accepted_patterns": [written]}
    )
    refreshed = make_baseline(multi_agent, "high", today=TODAY, previous=previous)
    assert refreshed.accepted_patterns == [written]
    assert [e.id for e in refreshed.accepted] == [e.id for e in previous.accepted]
