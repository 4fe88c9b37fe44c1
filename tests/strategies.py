"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import maestro_graph as mg
from maestro_graph.model import FlowKind, SystemModel
from maestro_graph.model.layers import Layer

CATALOG = mg.load_catalog()

#: Settings of the precision properties: derandomized so the suite is reproducible run to run;
#: modest example counts keep the files fast.
PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@st.composite
def small_models(draw: st.DrawFn, max_components: int = 8) -> SystemModel:
    """Random small models dense enough for chains: every kind and flow kind can appear."""
    count = draw(st.integers(2, max_components))
    components = []
    for index in range(count):
        layer = draw(st.sampled_from(list(Layer)))
        components.append(
            {
                "id": f"c{index}",
                "layer": layer.value,
                "kind": draw(st.sampled_from(CATALOG.kinds_of(layer))),
                "exposure": draw(st.sampled_from(["public", "internal", "internal"])),
                "criticality": draw(st.integers(1, 5)),
                "controls": draw(
                    st.lists(
                        st.sampled_from(
                            sorted(
                                c for c, v in CATALOG.controls.items() if "component" in v.placement
                            )
                        ),
                        max_size=2,
                        unique=True,
                    )
                ),
            }
        )
    ids = [c["id"] for c in components]
    triples = draw(
        st.lists(
            st.tuples(
                st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(list(FlowKind))
            ).filter(lambda t: t[0] != t[1]),
            min_size=1,
            max_size=count * 3,
            unique=True,
        )
    )
    flows = [{"from": a, "to": b, "kind": k.value} for a, b, k in triples]
    return SystemModel.model_validate(
        {"maestro": 1, "system": {"name": "random"}, "components": components, "flows": flows}
    )


EXAMPLE_MODELS = {name: mg.example(name) for name in ("netmon", "rag-agent", "multi-agent")}


@st.composite
def sub_models(draw: st.DrawFn, size: tuple[int, int] = (4, 8)) -> mg.SystemModel:
    """A random part of a bundled example: realistic kinds, flows and entries, so there are chains
    to cut (random models from scratch rarely have any at or above medium)."""
    example = EXAMPLE_MODELS[draw(st.sampled_from(sorted(EXAMPLE_MODELS)))]
    entries = [c.id for c in example.entry_components()]
    chosen = {draw(st.sampled_from(entries))}
    target_size = draw(st.integers(*size))
    # Grow from an entry along flows, so the part keeps routes an attacker can take.
    while len(chosen) < target_size:
        frontier = sorted(
            {f.target for f in example.flows if f.source in chosen}
            | {f.source for f in example.flows if f.target in chosen} - chosen
        )
        if not frontier:
            break
        chosen.add(draw(st.sampled_from(frontier)))
    data = example.to_data()
    data["components"] = [c for c in data["components"] if c["id"] in chosen]
    data["flows"] = [f for f in data["flows"] if f["from"] in chosen and f["to"] in chosen]
    if "attacker" in data:
        data["attacker"] = {"entry": [e for e in data["attacker"].get("entry", []) if e in chosen]}
    return mg.SystemModel.model_validate(data)


#: The L6 kinds that act as guards (rules/guards.yaml), in a fixed order.
GUARD_KINDS = sorted(CATALOG.guards)


@st.composite
def guarded_models(draw: st.DrawFn, max_guards: int = 2) -> SystemModel:
    """A small or example-derived model with one or more guard components added on L6.

    Each added guard (a kind from ``rules/guards.yaml``) ``governs`` one to three components of
    the base model, and may also receive or send ordinary flows (data, telemetry, invokes, ...)
    so that an attacker can reach, and compromise, the guard itself. Two guards may share a kind
    and govern the same components (a redundant guard), so the controls they provide overlap.
    """
    base = draw(st.one_of(small_models(max_components=6), sub_models(size=(3, 6))))
    data = base.to_data()
    ids = [c["id"] for c in data["components"]]
    flows = {(f["from"], f["to"], f["kind"]) for f in data["flows"]}
    kind, governed = "", [""]
    for index in range(draw(st.integers(1, max_guards))):
        guard = f"g{index}"
        # A redundant guard: the same kind governing the same components as the one before.
        redundant = index > 0 and draw(st.booleans())
        if not redundant:
            kind = draw(st.sampled_from(GUARD_KINDS))
            governed = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        data["components"].append(
            {
                "id": guard,
                "layer": "L6",
                "kind": kind,
                "exposure": draw(st.sampled_from(["public", "internal", "internal"])),
                "criticality": draw(st.integers(1, 5)),
            }
        )
        flows |= {(guard, target, "governs") for target in governed}
        others = draw(
            st.lists(
                st.tuples(st.sampled_from(ids), st.sampled_from(list(FlowKind)), st.booleans()),
                max_size=2,
            )
        )
        flows |= {
            (other, guard, flow.value) if inbound else (guard, other, flow.value)
            for other, flow, inbound in others
        }
    data["flows"] = [{"from": a, "to": b, "kind": k} for a, b, k in sorted(flows)]
    return SystemModel.model_validate(data)


@st.composite
def twinned_models(draw: st.DrawFn) -> mg.SystemModel:
    """A random model (or part of an example) where some components have interchangeable twins:
    copies with the same fields and flows under new ids, so routes through them fold."""
    model = draw(st.one_of(small_models(max_components=6), sub_models(size=(3, 6))))
    data = model.to_data()
    flows_of = data.get("flows", [])
    drawn = draw(
        st.lists(st.sampled_from([c["id"] for c in data["components"]]), min_size=1, max_size=2,
                 unique=True)
    )  # fmt: skip
    # Copies of two neighbours would not be twins (each has a flow to the other's original).
    linked = {frozenset((f["from"], f["to"])) for f in flows_of}
    originals = [c for n, c in enumerate(drawn) if all({c, o} not in linked for o in drawn[:n])]
    entry = set((data.get("attacker") or {}).get("entry", []))
    for original in originals:
        component = next(c for c in data["components"] if c["id"] == original)
        for copy in range(draw(st.integers(1, 2))):
            # Ids that sort before and after the original, so the first twin is not always it.
            twin = f"{'a' if copy == 0 else 'z'}{original}"
            data["components"].append({**component, "id": twin})
            for flow in list(flows_of):
                if flow["from"] == original:
                    flows_of.append({**flow, "from": twin})
                if flow["to"] == original:
                    flows_of.append({**flow, "to": twin})
            if original in entry:
                data["attacker"]["entry"].append(twin)
    data["flows"] = flows_of
    return mg.SystemModel.model_validate(data)
