"""ATLAS evidence filters, the risk register and detection (issue 11, items 2 and 3)."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.catalog.types import Capability, Maturity, WatchMode
from maestro_graph.cli import main
from maestro_graph.engine.detection import telemetry_watchers, watcher_modes, watchers_seeing
from maestro_graph.engine.propagation import build_attack_graph
from maestro_graph.engine.ranking import ChainQuery, make_chain, path_watchers, search_paths
from maestro_graph.engine.register import EVIDENCE_ORDER
from maestro_graph.render.chains import evidence_mark

from .bruteforce import _every_chain, brute_force_paths
from .strategies import small_models, sub_models

CATALOG = mg.load_catalog()
EXAMPLES = ("netmon", "rag-agent", "multi-agent")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

filtered_queries = st.builds(
    ChainQuery,
    top=st.one_of(st.none(), st.integers(1, 6)),
    max_hops=st.integers(1, 4),
    distinct=st.sampled_from(["pair", "none", "route"]),
    assume_breach=st.booleans(),
    fold_stages=st.booleans(),
    evidence=st.one_of(st.none(), st.sampled_from(list(Maturity))),
    evidence_on=st.sampled_from(["entry", "any", "every"]),
    predicted_only=st.booleans(),
    undetected=st.booleans(),
)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


# -- the search with evidence and detection filters ---------------------------------------------


@SETTINGS
@given(model=st.one_of(small_models(), sub_models()), query=filtered_queries)
def test_filtered_search_equals_brute_force(model, query):
    """Filters pruned inside the search (starts, steps, alerted prefixes) lose no chain."""
    graph = build_attack_graph(model, CATALOG)
    assert search_paths(graph, query) == brute_force_paths(graph, query)


@SETTINGS
@given(model=sub_models(), query=filtered_queries)
def test_every_chain_kept_meets_the_filters_it_was_asked_for(model, query):
    graph = build_attack_graph(model, CATALOG)
    for rank, path in enumerate(search_paths(graph, query), start=1):
        chain = make_chain(graph, path, rank)
        if query.evidence is not None:
            assert chain.backed_by(query.evidence, query.evidence_on)
        if query.predicted_only:
            assert chain.predicted
        if query.undetected:
            assert chain.detected_by == ()


@pytest.mark.parametrize("name", EXAMPLES)
def test_evidence_filters_narrow_and_nest(name):
    """Every step backed implies some step backed; realized implies demonstrated."""
    graph = build_attack_graph(mg.example(name), CATALOG)
    base = ChainQuery(top=None, max_hops=3, distinct="none", fold_stages=False)

    def found(**options: object) -> set[tuple[int, ...]]:
        return set(_every_chain(graph, ChainQuery(**{**base.__dict__, **options})))

    every = found(evidence=Maturity.REALIZED, evidence_on="every")
    entry = found(evidence=Maturity.REALIZED, evidence_on="entry")
    anywhere = found(evidence=Maturity.REALIZED, evidence_on="any")
    assert every <= entry <= anywhere <= found()
    assert found(evidence=Maturity.REALIZED, evidence_on="any") <= found(
        evidence=Maturity.DEMONSTRATED, evidence_on="any"
    )
    assert every and len(every) < len(found())


def test_a_chain_reports_its_evidence_in_json():
    code, out = _run("paths", "--example", "netmon", "--top", "3", "--format", "json")
    assert code == 0
    for chain in json.loads(out)["chains"]:
        evidence = chain["evidence"]
        assert set(evidence) == {"strongest", "entry", "weakest", "unbacked_steps", "predicted"}
        maturities = {a["maturity"] for step in chain["steps"] for a in step["atlas"]}
        strongest = max(maturities, key=lambda m: Maturity(m).strength)
        assert evidence["strongest"] == strongest
        assert evidence["predicted"] is (strongest == "feasible")
        assert isinstance(chain["detected_by"], list)


# -- the CLI filters ----------------------------------------------------------------------------


def test_threats_evidence_realized_keeps_only_realized_findings():
    code, out = _run(
        "threats", "--example", "rag-agent", "--evidence", "realized", "--format", "json"
    )
    assert code == 0
    kept = json.loads(out)["threats"]
    everything = mg.analyze(mg.example("rag-agent")).findings
    assert kept and len(kept) < len(everything)
    assert all(row["maturity"] == "realized" for row in kept)
    assert len(kept) == sum(1 for f in everything if f.maturity is Maturity.REALIZED)


@pytest.mark.parametrize("command", ["paths", "matrix"])
def test_chain_commands_refuse_an_unknown_maturity(command):
    code, out = _run(command, "--example", "netmon", "--evidence", "proven")
    assert code == 2 and "proven" in out and "Traceback" not in out


def test_paths_table_shows_evidence_and_watchers():
    code, out = _run("paths", "--example", "netmon", "--top", "5")
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("#"))
    assert "evidence" in header and "seen by" in header
    assert "evidence: strongest ATLAS maturity" in out


def test_matrix_with_evidence_never_beats_the_unfiltered_cell():
    analysis = mg.analyze(mg.example("netmon"))
    plain = {(c.source, c.target): c for c in analysis.layer_matrix()}
    for cell in analysis.layer_matrix(evidence="demonstrated", evidence_on="every"):
        if cell.chain is not None:
            assert cell.chain.risk <= plain[(cell.source, cell.target)].chain.risk + 1e-12
            assert cell.chain.backed_by(Maturity.DEMONSTRATED, "every")


def test_check_with_evidence_judges_fewer_chains_and_keeps_acceptances_fresh(tmp_path):
    baseline = tmp_path / "baseline.yaml"
    code, _ = _run("baseline", "--example", "netmon", "-o", str(baseline), "--min-band", "high")
    assert code == 0
    empty = tmp_path / "empty.yaml"
    empty.write_text("maestro_baseline: 1\naccepted: []\n")
    code_all, out_all = _run(
        "check", "--example", "netmon", "--baseline", str(empty), "--format", "json"
    )
    _, out_every = _run(
        "check", "--example", "netmon", "--baseline", str(empty), "--format", "json",
        "--evidence", "realized", "--evidence-on", "every",
    )  # fmt: skip
    all_failing = json.loads(out_all)["failing"]
    every_failing = json.loads(out_every)["failing"]
    assert code_all == 1 and len(every_failing) < len(all_failing)
    assert {c["id"] for c in every_failing} <= {c["id"] for c in all_failing}
    code, out = _run(
        "check", "--example", "netmon", "--baseline", str(baseline), "--format", "json",
        "--evidence", "realized", "--evidence-on", "every",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["stale"] == []


# -- the register -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_register_lists_realized_first_and_every_finding_once(name):
    analysis = mg.analyze(mg.example(name))
    register = analysis.register()
    order = [EVIDENCE_ORDER.index(entry.evidence) for entry in register.entries]
    assert order == sorted(order)
    assert sorted(id(e.finding) for e in register.entries) == sorted(map(id, analysis.findings))
    for group in register.groups().values():
        risks = [entry.finding.risk for entry in group]
        assert all(a >= b - 1e-9 for a, b in pairwise(risks))
    assert [e.rank for e in register.entries] == list(range(1, len(register.entries) + 1))
    assert all(chain.predicted for chain in register.predicted)


def test_register_cli_in_every_format():
    code, out = _run("threats", "--example", "netmon", "--register", "--top", "8")
    assert code == 0
    assert out.index("realized:") < out.index("Chains predicted, not yet seen in ATLAS")
    code, out = _run("threats", "--example", "netmon", "--register", "--format", "json")
    document = json.loads(out)
    assert document["register"][0]["evidence"] == "realized"
    assert {"owner", "watched_by", "rank"} <= set(document["register"][0])
    assert document["predicted_chains"] == []
    code, out = _run("threats", "--example", "netmon", "--register", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("rank,evidence,component")
    code, out = _run("threats", "--example", "netmon", "--register", "--format", "md")
    assert code == 0 and out.startswith("## Risk register for Network-monitoring agent")


KEPT_FIELDS = (
    "kinds", "controls", "atlas", "guards", "owasp", "owasp_lists", "watchers", "atlas_version",
    "sources", "warnings", "version", "origins",
)  # fmt: skip


def test_register_shows_predicted_chains_when_no_technique_backs_them():
    """A user catalog that drops the techniques of a route's threats and rules predicts it."""
    model = mg.example("netmon")
    graph = build_attack_graph(model, CATALOG)
    query = ChainQuery(top=5, predicted_only=True)
    assert search_paths(graph, query) == []
    bare = CATALOG.__class__(
        **{
            **{name: getattr(CATALOG, name) for name in KEPT_FIELDS},
            "threats": {k: t.model_copy(update={"atlas": ()}) for k, t in CATALOG.threats.items()},
            "rules": {k: r.model_copy(update={"atlas": ()}) for k, r in CATALOG.rules.items()},
        }
    )
    analysis = mg.analyze(model, catalog=bare)
    register = analysis.register()
    assert register.predicted and all(chain.evidence is None for chain in register.predicted)
    assert {entry.evidence for entry in register.entries} == {"none"}
    chain = register.predicted[0]
    assert chain.unbacked_steps == tuple(range(1, len(chain.steps) + 1))
    assert chain.weakest_evidence is None and chain.predicted
    assert evidence_mark(chain) == "- P"
    assert "predicted, not yet seen in ATLAS" in chain.explain()
    assert len(analysis.paths(evidence="feasible", evidence_on="any")) == 0


# -- detection ----------------------------------------------------------------------------------

C, M = Capability, WatchMode


def test_watchers_see_what_reaches_them_unless_the_chain_blinds_them_first():
    telemetry = {"a": ("mon",), "b": ("log",), "c": ("mon", "log")}
    modes = {"mon": M.ALERTS, "log": M.RECORDS}
    assert watchers_seeing([("a", C.CONTROL)], telemetry, modes) == ("mon",)
    # a disrupted component sends no telemetry for that step
    assert watchers_seeing([("a", C.DISRUPT)], telemetry, modes) == ()
    # blinded first, then the step it would have seen
    assert watchers_seeing([("mon", C.TAMPER), ("a", C.CONTROL)], telemetry, modes) == ()
    # an alert raised before the monitor is blinded stays raised
    assert watchers_seeing([("a", C.CONTROL), ("mon", C.DISRUPT)], telemetry, modes) == ("mon",)
    # a record tampered with later keeps nothing
    assert watchers_seeing([("b", C.CONTROL), ("log", C.TAMPER)], telemetry, modes) == ()
    # reading a watcher or feeding it content does not blind it
    assert watchers_seeing([("log", C.READ), ("b", C.CONTROL)], telemetry, modes) == ("log",)
    assert watchers_seeing([("mon", C.INFLUENCE), ("c", C.EXECUTE)], telemetry, modes) == (
        "mon",
        "log",
    )


def test_netmon_memory_poisoning_cascade_is_undetected_once_the_dashboard_is_blinded():
    analysis = mg.analyze(mg.example("netmon"))
    code, out = _run("paths", "--example", "netmon", "--undetected", "--target", "dashboard")
    assert code == 0
    cascade = "history[L2.data-poisoning] > tuner[L3.planner-manipulation] > " + (
        "capture[L4.resource-exhaustion] > dashboard[L5.monitoring-blind-spots]"
    )
    assert cascade in out
    chains = analysis.paths(target="dashboard", top=50)
    by_path = {chain.path_text: chain for chain in chains}
    assert by_path[cascade].detected_by == ()
    # The same cascade through the planner leaves a decision log and an audit record.
    through_planner = next(c for c in chains if c.route[:3] == ("history", "tuner", "planner"))
    assert set(through_planner.detected_by) >= {"forensic_log", "audit"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_undetected_chains_are_exactly_the_unseen_ones(name):
    graph = build_attack_graph(mg.example(name), CATALOG)
    every = _every_chain(graph, ChainQuery(max_hops=3))
    unseen = _every_chain(graph, ChainQuery(max_hops=3, undetected=True))
    assert set(unseen) == {p for p in every if not path_watchers(graph, p)}
    assert len(unseen) < len(every)
    assert unseen or name == "multi-agent"  # its short chains all pass a tracer or a monitor


def test_a_watcher_on_the_model_is_found_by_kind_and_telemetry():
    model = mg.example("netmon")
    assert set(watcher_modes(model, CATALOG)) == {"dashboard", "forensic_log", "audit"}
    telemetry = telemetry_watchers(model, CATALOG)
    assert telemetry["capture"] == ("dashboard", "forensic_log")  # by id
    assert "history" not in telemetry


def test_watcher_kinds_come_from_the_rule_folder(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "watchers.yaml").write_text("evaluator: alerts\n")
    catalog = mg.load_catalog(rules)
    assert catalog.watchers["evaluator"] is WatchMode.ALERTS
    assert catalog.watchers["logger"] is WatchMode.RECORDS
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "watchers.yaml").write_text("evaluator: sometimes\nnot_a_kind: alerts\n")
    with pytest.raises(mg.MaestroInputError) as raised:
        mg.load_catalog(broken)
    message = str(raised.value)
    assert "watchers.yaml:1" in message and "sometimes" in message
    assert "watchers.yaml:2" in message and "not_a_kind" in message


def test_a_record_the_chain_later_tampers_with_does_not_count():
    """rag-agent: the tracer records the backdoored model's answers, then the chain tampers
    with the tracer; the search must still find the chain as undetected (no early pruning)."""
    analysis = mg.analyze(mg.example("rag-agent"))
    chains = analysis.paths(undetected=True, target="tracer", top=20, max_hops=4)
    routes = {chain.route for chain in chains}
    assert ("model_hub", "llm", "tracer") in routes
    graph = analysis.attack_graph
    chain = next(c for c in chains if c.route == ("model_hub", "llm", "tracer"))
    prefix = [graph.state_index[step.state.key] for step in chain.steps[:2]]
    assert path_watchers(graph, prefix) == ("tracer",) and chain.detected_by == ()
