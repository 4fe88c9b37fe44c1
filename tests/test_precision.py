"""Precision properties of the propagation engine (issue item 3).

The recall tests (incidents, brute force) check that the engine finds the chains it should; these
check that it does not invent or inflate chains: every chain starts where the attacker can start,
moves only along transitions that exist, vanishes when the attacker has no way in, is never made
riskier by a guard, and reports a guard's part in it honestly.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.analysis import Analysis
from maestro_graph.engine.propagation import build_attack_graph
from maestro_graph.engine.ranking import Chain, ChainQuery, risk_of, search_chains
from maestro_graph.model import Exposure, FlowKind, SystemModel, Trust

from .strategies import GUARD_KINDS, PROPERTY_SETTINGS, guarded_models, small_models, sub_models

CATALOG = mg.load_catalog()
SETTINGS = PROPERTY_SETTINGS
#: Hop bound for the exhaustive (top=None) searches: small graphs, every chain enumerated.
HOPS = 3

models = st.one_of(small_models(max_components=6), sub_models(size=(3, 6)), guarded_models())


def _chains(analysis: Analysis, **options: object) -> list[Chain]:
    return list(analysis.paths(**options))


def _query_variants(analysis: Analysis) -> Iterator[tuple[str, list[Chain]]]:
    """The default query, the raw ranking of every chain (top=None), and the gate's chains."""
    yield "default", _chains(analysis)
    yield "none", _chains(analysis, top=None, max_hops=HOPS, distinct="none")
    yield "gate", list(analysis.gate_chains())


def _with_data(model: SystemModel, **changes: object) -> SystemModel:
    """The model re-validated from its file-format data with some top-level keys replaced."""
    return SystemModel.model_validate({**model.to_data(), **changes})


def _guards(model: SystemModel) -> dict[str, dict[str, set[str]]]:
    """governed component id -> {guard id: the controls that guard provides it}."""
    kinds = {c.id: c.kind for c in model.components}
    governed: dict[str, dict[str, set[str]]] = {}
    for flow in model.flows:
        provided = CATALOG.guards.get(kinds[flow.source])
        if flow.kind is FlowKind.GOVERNS and provided:
            governed.setdefault(flow.target, {})[flow.source] = set(provided)
    return governed


# -- 1. chains start at the attacker and only move along compromises -------------------------


@SETTINGS
@given(model=models)
def test_chains_start_at_entries_and_are_continuous(model: SystemModel) -> None:
    """No chain lets a trusted, non-entry component act before something compromised it.

    In security terms: a component the attacker has not reached cannot inject content, supply a
    build or steer an agent. So every chain's first step is an entry state (an entry threat at
    one of ``model.entry_components()``, reached with the entry likelihood), never a trusted,
    internal component the attacker was not given; and every later step is a transition out of
    the state the previous step reached, so each component acts only after it was compromised.
    Under assume breach the first step may be any state, but continuity still holds.
    """
    analysis = mg.analyze(model)
    graph = analysis.attack_graph
    entries = {c.id for c in model.entry_components()}
    variants = [*_query_variants(analysis)]
    variants.append(("assume-breach", _chains(analysis, top=None, max_hops=2, assume_breach=True)))
    for name, chains in variants:
        for chain in chains:
            first = chain.steps[0]
            assert first.transition is None, (name, chain.path_text)
            if name != "assume-breach":
                component = first.state.component
                assert component.id in entries, (name, chain.path_text, sorted(entries))
                assert first.state.entry_likelihood is not None, (name, chain.path_text)
                assert first.state.threat.entry, (name, chain.path_text)
                assert first.state.index in graph.entry_states, (name, chain.path_text)
                assert not (
                    component.trust is Trust.TRUSTED
                    and component.exposure is not Exposure.PUBLIC
                    and component.id not in entries
                ), (name, chain.path_text)
            for previous, step in zip(chain.steps, chain.steps[1:], strict=False):
                transition = step.transition
                assert transition is not None, (name, chain.path_text)
                assert graph.states[transition.source].key == previous.state.key, (
                    name,
                    chain.path_text,
                )
                assert transition.target == step.state.index, (name, chain.path_text)
                assert transition.index in graph.successors[previous.state.index]
                if transition.flow is not None:
                    ends = {transition.flow.source, transition.flow.target}
                    assert ends == {previous.component, step.component} or (
                        previous.component == step.component
                    ), (name, chain.path_text, str(transition.flow))


# -- 2. no way in, no chain ------------------------------------------------------------------


@SETTINGS
@given(model=models)
def test_no_entries_no_chains(model: SystemModel) -> None:
    """An attacker with no entry point has no attack chain (only assume breach has any).

    ``attacker.entry: []`` says the attacker starts nowhere; whatever the architecture, the
    ranked paths, the raw ranking and the gate's chains must all be empty, and so must the
    attack graph's entry states. The attacker's targets, if any, are kept.
    """
    targets = model.attacker.targets if model.attacker else None
    attacker: dict[str, object] = {"entry": []}
    if targets is not None:
        attacker["targets"] = list(targets)
    closed = _with_data(model, attacker=attacker)
    assert closed.entry_components() == ()
    analysis = mg.analyze(closed)
    assert analysis.attack_graph.entry_states == []
    for name, chains in _query_variants(analysis):
        assert chains == [], (name, [c.path_text for c in chains])


@SETTINGS
@given(model=models)
def test_a_closed_system_has_no_chains(model: SystemModel) -> None:
    """A system with nothing public or untrusted, and no declared attacker, has no chain.

    The default attacker starts at public or untrusted components only; when every component is
    internal and trusted there is nowhere to start, so no chain may appear.
    """
    data = model.to_data()
    for component in data["components"]:
        component["exposure"] = "internal"
        component["trust"] = "trusted"
    data.pop("attacker", None)
    closed = SystemModel.model_validate(data)
    analysis = mg.analyze(closed)
    assert analysis.attack_graph.entry_states == []
    for name, chains in _query_variants(analysis):
        assert chains == [], (name, [c.path_text for c in chains])


# -- 3. guards only ever lower risk ------------------------------------------------------------


@st.composite
def models_with_a_new_governs_flow(draw: st.DrawFn) -> tuple[SystemModel, SystemModel, str]:
    """(M, M', G): M' is M plus one ``governs`` flow from guard G, an existing or a new one."""
    model = draw(models)
    guards = [c.id for c in model.components if c.kind in CATALOG.guards]
    data = model.to_data()
    if guards and draw(st.booleans()):
        guard = draw(st.sampled_from(guards))
    else:
        guard = "guard-new"
        data["components"].append(
            {"id": guard, "layer": "L6", "kind": draw(st.sampled_from(GUARD_KINDS))}
        )
        model = SystemModel.model_validate(data)
        data = model.to_data()
    existing = {(f.source, f.target) for f in model.flows if f.kind is FlowKind.GOVERNS}
    candidates = [c.id for c in model.components if c.id != guard and (guard, c.id) not in existing]
    if not candidates:
        return model, model, guard
    governed = draw(st.sampled_from(candidates))
    data["flows"].append({"from": guard, "to": governed, "kind": "governs"})
    return model, SystemModel.model_validate(data), guard


@SETTINGS
@given(case=models_with_a_new_governs_flow())
def test_a_guard_never_raises_a_chain_risk(case: tuple[SystemModel, SystemModel, str]) -> None:
    """Putting a component under a guard never makes an attack that avoids the guard likelier.

    A ``governs`` flow from guard G adds G's controls to the steps into the governed component,
    so every chain of M that does not pass through G has, in M', at most the risk it had in M
    (or is gone, cut below the floor), and no chain avoiding G appears that M did not have.
    Chains through G may be new: a compromised guard releases what it governs.
    """
    before_model, after_model, guard = case
    before_graph = build_attack_graph(before_model, CATALOG)
    after_graph = build_attack_graph(after_model, CATALOG)
    query = ChainQuery(top=None, max_hops=HOPS, distinct="none")

    def avoiding(chains: list[Chain]) -> dict[tuple[tuple[str, str], ...], float]:
        return {tuple(s.state.key for s in c.steps): c.risk for c in chains if guard not in c.route}

    before = avoiding(search_chains(before_graph, query))
    after = avoiding(search_chains(after_graph, query))
    assert set(after) <= set(before), sorted(set(after) - set(before))
    for keys, risk in before.items():
        again = risk_of(after_graph, keys)
        assert again is None or again <= risk + 1e-12, (keys, risk, again)
        if keys in after:
            assert after[keys] <= risk + 1e-12, (keys, risk, after[keys])
    if after:
        assert max(after.values()) <= max(before.values()) + 1e-12


# -- 4. a guard's part in a chain is reported -------------------------------------------------


@settings(SETTINGS, max_examples=200)
@given(model=guarded_models())
def test_guards_in_chains_are_reported(model: SystemModel) -> None:
    """What a guard did, or failed to do, in a chain is shown in the chain's record.

    Through a compromised guard G: the step leaving G into a component G governs is not cut by
    G (the attacker holds the guard), so it carries no ``guard G`` reduction, and the chain's
    explanation names G's state. Around G: a step into a component G governs, on a rule one of
    G's controls blocks, in a chain that never touches G, is cut by that control, and the step
    record says so: on the component or the flow when the control is already there, else on a
    guard that governs the component (``guard G`` when G is its only provider).
    """
    analysis = mg.analyze(model)
    components = {c.id: c for c in model.components}
    governed = _guards(model)
    chains = [
        *_chains(analysis),
        *_chains(analysis, top=None, max_hops=HOPS, distinct="none"),
        *_chains(analysis, top=None, max_hops=2, assume_breach=True),
    ]
    for chain in chains:
        text = chain.explain()
        route = set(chain.route)
        records = chain.to_record()["steps"]
        for index, step in enumerate(chain.steps):
            component = components[step.component]
            if component.kind in CATALOG.guards:
                where = f"{component.id} ({component.layer.value} {component.kind}): "
                assert f"{where}{step.threat} (" in text, (chain.path_text, text)
            if index == 0:
                continue
            source = chain.steps[index - 1].component
            transition = step.transition
            assert transition is not None
            controls = {r["control"]: r["on"] for r in records[index]["controls"]}
            guards_here = governed.get(step.component, {})
            if source in guards_here:
                assert f"guard {source}" not in controls.values(), (chain.path_text, controls)
            flow_controls = transition.flow.controls if transition.flow else ()
            for guard, provided in guards_here.items():
                if guard in route:
                    continue
                for control in sorted(provided & set(transition.rule.blocked_by)):
                    context = (chain.path_text, index, guard, control, controls)
                    assert control in controls, context
                    on = controls[control]
                    if control in component.controls:
                        assert on == "component", context
                    elif control in flow_controls:
                        assert on == "flow", context
                    else:
                        providers = {g for g, p in guards_here.items() if control in p}
                        assert on.startswith("guard "), context
                        assert on.removeprefix("guard ") in providers - {source}, context
                        if providers == {guard}:
                            assert on == f"guard {guard}", context


# -- determinism -----------------------------------------------------------------------------


def _json(model: SystemModel) -> str:
    analysis = mg.analyze(model)
    return json.dumps(
        {
            "paths": analysis.paths().to_records(),
            "none": analysis.paths(top=None, max_hops=HOPS, distinct="none").to_records(),
            "gate": analysis.gate_chains().to_records(),
        },
        sort_keys=True,
    )


@SETTINGS
@given(model=models, seed=st.integers(0, 2**16))
def test_same_model_same_json(model: SystemModel, seed: int) -> None:
    """The same model gives byte-identical chains: twice, re-read from its data, and reordered.

    A gate diffs chain sets between runs, so any run-to-run or file-order dependence would show
    up as chains appearing or vanishing with no change to the system.
    """
    once = _json(model)
    assert _json(model) == once
    assert _json(SystemModel.model_validate(model.to_data())) == once
    data = model.to_data()
    rng = random.Random(seed)
    rng.shuffle(data["components"])
    rng.shuffle(data["flows"])
    assert _json(SystemModel.model_validate(data)) == once


# -- regressions the properties found ----------------------------------------------------------


def _model(components: list[dict], flows: list[dict], **extra: object) -> SystemModel:
    return SystemModel.model_validate(
        {"maestro": 1, "system": {"name": "t"}, "components": components, "flows": flows, **extra}
    )


def test_a_compromised_guard_is_still_cut_by_a_second_guard() -> None:
    """Two security agents govern one agent; the attacker holds the one whose id sorts first.

    Found by ``test_guards_in_chains_are_reported``: only the first guard by id was recorded per
    control, so the step out of that guard into the agent was cut by nobody (risk 0.70) while
    the same chain from the other guard was cut by goal-validation (0.35): the score depended on
    the components' names, and a redundant guard gave no protection against its twin.
    """
    risks = []
    for held, other in (("s1", "s2"), ("s2", "s1")):
        model = _model(
            [
                {"id": held, "layer": "L6", "kind": "security_agent", "exposure": "public"},
                {"id": other, "layer": "L6", "kind": "security_agent"},
                {"id": "bot", "layer": "L3", "kind": "agent"},
            ],
            [
                {"from": "s1", "to": "bot", "kind": "governs"},
                {"from": "s2", "to": "bot", "kind": "governs"},
            ],
            attacker={"entry": [held]},
        )
        chain = mg.analyze(model).paths(top=1)[0]
        assert chain.route == (held, "bot")
        assert {"control": "goal-validation", "effectiveness": 0.5, "on": f"guard {other}"} in (
            chain.to_record()["steps"][1]["controls"]
        )
        risks.append(chain.risk)
    assert risks[0] == risks[1]


def test_a_governs_flow_does_not_bring_data_within_a_sink_reach() -> None:
    """Putting a model under a guardrail does not make exfiltration at a nearby sink worse.

    Found by ``test_a_guard_never_raises_a_chain_risk`` when a sink's exfiltration impact took
    the criticality of every private component within three flows, governs flows included: the
    guard (criticality 3) next to the model raised the public store's exfiltration from 0.60 to
    1.04 on a chain that never touches the guard. Exfiltration is now scored with what the chain
    itself read (:func:`maestro_graph.engine.propagation.chain_impact`); the test keeps the promise.
    """
    components = [
        {"id": "c0", "layer": "L2", "kind": "vector_store", "exposure": "public", "criticality": 1},
        {
            "id": "c1",
            "layer": "L1",
            "kind": "foundation_model",
            "exposure": "public",
            "criticality": 1,
        },
        {"id": "guard", "layer": "L6", "kind": "guardrail"},
    ]
    flows = [{"from": "c0", "to": "c1", "kind": "data"}]
    keys = [("c1", "L1.prompt-injection"), ("c0", "L2.data-exfiltration")]
    before = risk_of(build_attack_graph(_model(components, flows), CATALOG), keys)
    governed = [*flows, {"from": "guard", "to": "c1", "kind": "governs"}]
    after = risk_of(build_attack_graph(_model(components, governed), CATALOG), keys)
    assert before is not None and after is not None
    assert after <= before
