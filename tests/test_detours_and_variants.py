"""A chain says something new at every step, and one attack through twins is one chain.

- A chain does not come back to a component for what it already held there (code execution
  owns a component, steering an agent includes putting content in it): the detour is the same
  attack told the long way round. Data brought back, or a stronger hold, is a real return.
- Interchangeable components (same kind, place, flows and controls) are one place the attack
  passes: the best chain is shown and the others are its ``variants``.
- Writing into a trusted public component starts at a share of the threat's likelihood.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.catalog.types import Capability
from maestro_graph.engine.propagation import TRUSTED_PUBLIC_WRITE_SHARE
from maestro_graph.engine.ranking import Chain, risk_of
from maestro_graph.model import SystemModel

from .strategies import PROPERTY_SETTINGS, guarded_models, small_models, sub_models

SETTINGS = PROPERTY_SETTINGS
models = st.one_of(small_models(max_components=6), sub_models(size=(3, 6)), guarded_models())

#: Written out here, not imported: the promise the README makes, checked against the search.
HOLDING_GIVES = {
    Capability.EXECUTE: {
        Capability.EXECUTE, Capability.CONTROL, Capability.INFLUENCE, Capability.TAMPER,
        Capability.DISRUPT,
    },
    Capability.CONTROL: {Capability.CONTROL, Capability.INFLUENCE},
}  # fmt: skip


def _detours(chain: Chain) -> list[str]:
    """The steps where the chain comes back to a component for what it held there."""
    found = []
    for number, step in enumerate(chain.steps):
        held: set = set()
        for before in chain.steps[:number]:
            if before.component == step.component:
                capability = before.state.threat.capability
                held |= HOLDING_GIVES.get(capability, {capability})
        came_back = number > 0 and chain.steps[number - 1].component != step.component
        if came_back and held and step.state.threat.capability in held:
            found.append(f"{step.component}[{step.threat}]")
    return found


def _model(components: list[dict], flows: list[dict], **extra: object) -> SystemModel:
    return SystemModel.model_validate(
        {"maestro": 1, "system": {"name": "t"}, "components": components, "flows": flows, **extra}
    )


@SETTINGS
@given(model=models)
def test_no_chain_comes_back_for_what_it_held(model: SystemModel) -> None:
    analysis = mg.analyze(model)
    for chains in (
        analysis.paths(),
        analysis.paths(top=None, max_hops=3, distinct="none"),
        analysis.gate_chains(),
    ):
        for chain in chains:
            assert not _detours(chain), (chain.path_text, _detours(chain))


@SETTINGS
@given(model=models)
def test_variants_are_the_same_attack_through_twins(model: SystemModel) -> None:
    """Each variant exists in the graph, is no riskier than the chain shown, and swaps only
    interchangeable components; no two chains shown are the same route through twins."""
    analysis = mg.analyze(model)
    twins = model.interchangeable()

    def place(route: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(twins.get(c, c) for c in route)

    chains = analysis.paths(top=20)
    assert len({place(c.route) for c in chains}) == len(chains)
    for chain in chains:
        for route, risk in chain.variants:
            assert route != chain.route and place(route) == place(chain.route)
            assert risk <= chain.risk + 1e-12


CLIS = ("claude_cli", "gemini_cli", "q_cli")


def _three_clis(**extra: object) -> SystemModel:
    """A poisoned package whose install script drives three AI CLIs to read local secrets."""
    components = [
        {"id": "npm", "layer": "L7", "kind": "package_index", "exposure": "public",
         "trust": "untrusted"},
        {"id": "script", "layer": "L3", "kind": "tool"},
        {"id": "secrets", "layer": "L4", "kind": "secret_store", "criticality": 5},
        {"id": "leak", "layer": "L7", "kind": "external_api", "exposure": "public"},
        *({"id": cli, "layer": "L3", "kind": "agent"} for cli in CLIS),
    ]  # fmt: skip
    flows = [
        {"from": "npm", "to": "script", "kind": "supplies"},
        {"from": "script", "to": "leak", "kind": "data"},
        *({"from": "script", "to": cli, "kind": "invokes"} for cli in CLIS),
        *({"from": "secrets", "to": cli, "kind": "data"} for cli in CLIS),
    ]
    return _model(components, flows, **extra)


def test_three_interchangeable_clis_are_one_chain_with_two_variants(run_cli, tmp_path) -> None:
    model = _three_clis()
    assert model.interchangeable() == {"gemini_cli": "claude_cli", "q_cli": "claude_cli"}
    chains = mg.analyze(model).paths(top=20)
    through = [c for c in chains if set(c.route) & set(CLIS)]
    assert through, [c.path_text for c in chains]
    for chain in through:
        (cli,) = set(chain.route) & set(CLIS)
        assert cli == "claude_cli"  # equal risk: the first by id is shown
        assert sorted(set(r) & set(CLIS) for r, _ in chain.variants) == [
            {"gemini_cli"},
            {"q_cli"},
        ]
        graph = mg.analyze(model).attack_graph
        for route, risk in chain.variants:
            other = (set(route) & set(CLIS)).pop()
            keys = [(other if s.component == cli else s.component, s.threat) for s in chain.steps]
            assert risk_of(graph, keys) == risk
    path = tmp_path / "clis.yaml"
    path.write_text(json.dumps(model.to_data()), encoding="utf-8")
    text = run_cli("paths", str(path)).output
    assert "+ 2 variants through interchangeable components: gemini_cli, q_cli" in text
    record = json.loads(run_cli("paths", str(path), "--format", "json").stdout)["chains"]
    assert any(
        {tuple(v["route"]) for v in c["variants"]} == {r for r, _ in through[0].variants}
        for c in record
    )


def test_twins_that_differ_in_controls_are_two_chains() -> None:
    data = _three_clis().to_data()
    for component in data["components"]:
        if component["id"] == "q_cli":
            component["controls"] = ["human-approval"]
    model = SystemModel.model_validate(data)
    assert model.interchangeable() == {"gemini_cli": "claude_cli"}


def test_a_host_foothold_does_not_wander_back() -> None:
    """Code running on a host, then in an app it hosts, does not come back to the host for a
    second foothold: that chain is the first one with a detour."""
    model = _model(
        [
            {
                "id": "pypi",
                "layer": "L7",
                "kind": "package_index",
                "exposure": "public",
                "trust": "untrusted",
            },
            {"id": "lib", "layer": "L3", "kind": "framework"},
            {"id": "app", "layer": "L3", "kind": "agent"},
            {"id": "host", "layer": "L4", "kind": "host", "criticality": 5},
        ],
        [
            {"from": "pypi", "to": "lib", "kind": "supplies"},
            {"from": "lib", "to": "app", "kind": "supplies"},
            {"from": "host", "to": "app", "kind": "hosts"},
            {"from": "host", "to": "lib", "kind": "hosts"},
        ],
    )
    chains = mg.analyze(model).paths(top=None, max_hops=6, distinct="none")
    assert chains
    assert all(not _detours(c) for c in chains)
    assert not any(c.route.count("host") > 1 or c.route.count("lib") > 1 for c in chains)


def test_writing_into_a_trusted_public_component_starts_at_a_share() -> None:
    components = [
        {"id": "repo", "layer": "L2", "kind": "document_source", "exposure": "public"},
        {"id": "ci", "layer": "L4", "kind": "ci_pipeline"},
    ]
    flows = [{"from": "repo", "to": "ci", "kind": "supplies"}]
    key = ("repo", "L2.data-poisoning")
    default = mg.analyze(_model(components, flows)).attack_graph
    state = default.states[default.state_index[key]]
    assert state.entry_likelihood == state.likelihood * TRUSTED_PUBLIC_WRITE_SHARE
    chain = mg.analyze(_model(components, flows)).paths(top=1)[0]
    assert chain.likelihood <= state.entry_likelihood
    assert "writing into a trusted public component: x0.50" in chain.explain()

    named = mg.analyze(_model(components, flows, attacker={"entry": ["repo"]})).attack_graph
    assert named.states[named.state_index[key]].entry_likelihood == state.likelihood

    untrusted = [{**components[0], "trust": "untrusted"}, components[1]]
    own = mg.analyze(_model(untrusted, flows)).attack_graph
    assert own.states[own.state_index[key]].entry_likelihood == state.likelihood
