"""The user's architecture: components on MAESTRO layers joined by flows (DESIGN section 3).

These pydantic types are the model file's format. Field names are fixed (users' files and CI
scripts rely on them); new fields may be added, none renamed. Each field's description feeds the
JSON Schema that ``maestro-graph schema`` prints.

A :class:`SystemModel` built in Python is checked on construction (unique ids, flows between
known components, no flow to itself). Files are read by :func:`parse_model`, which reports every
problem of the file at once with its line.

Examples
--------
>>> model = SystemModel.model_validate({
...     "maestro": 1,
...     "system": {"name": "Tiny RAG"},
...     "components": [
...         {"id": "web", "layer": "L2", "kind": "document_source", "trust": "untrusted"},
...         {"id": "kb", "layer": "L2", "kind": "vector_store"},
...         {"id": "llm", "layer": "L1", "kind": "foundation_model"},
...     ],
...     "flows": [{"from": "web", "to": "kb", "kind": "data"},
...               {"from": "kb", "to": "llm", "kind": "data"}],
... })
>>> [c.id for c in model.entry_components()]
['web']
>>> [f.target for f in model.flows_of("kb", direction="out")]
['llm']
>>> model.component("kb").name
'kb'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from enum import StrEnum
from operator import attrgetter
from typing import Annotated, Any, Literal, NamedTuple

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from maestro_graph.model.flows import FLOW_KIND_MEANINGS, FlowKind
from maestro_graph.model.layers import Layer
from maestro_graph.model.loading import DEFAULT_LIMITS, Document, Limits, dump_yaml
from maestro_graph.support.errors import MaestroInputError, Problem, did_you_mean
from maestro_graph.support.perf import paused_gc

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
MODEL_FORMAT_VERSION = 1
#: Validation context key that makes a SystemModel skip its cross-reference checks, so that the
#: file loader can run them itself and report every problem with its line.
DEFER_REFERENCE_CHECKS = "maestro_graph.defer_reference_checks"

ComponentId = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        description=(
            "Component id: lower-case letters, digits, '_', '.', '-'; starts with a letter or digit"
        ),
    ),
]


#: Flow kinds along which an untrusted component brings the attacker into what it feeds.
_CARRIES_THE_ATTACKER_IN = frozenset(
    {FlowKind.DATA, FlowKind.INVOKES, FlowKind.DELEGATES, FlowKind.SUPPLIES}
)


class Exposure(StrEnum):
    """How reachable a component is from outside the system."""

    PUBLIC = "public"
    PARTNER = "partner"
    INTERNAL = "internal"
    ISOLATED = "isolated"


class Trust(StrEnum):
    """Whether a component's content is under the system owner's control."""

    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"


def _parse_layer(value: Any) -> Any:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return Layer.parse(value)
    return value


LayerField = Annotated[Layer, BeforeValidator(_parse_layer)]


class _ModelPart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Component(_ModelPart):
    """A part of the system, placed on one MAESTRO layer."""

    id: ComponentId
    name: str = Field(
        "", description="Human-readable name; defaults to the id", validate_default=False
    )
    layer: LayerField = Field(
        description="MAESTRO layer, L1 (Foundation Models) to L7 (Agent Ecosystem)"
    )
    kind: str = Field(
        description="What the component is, from the catalog's kind vocabulary for its layer"
    )
    exposure: Exposure = Field(
        Exposure.INTERNAL, description="public | partner | internal | isolated: who can reach it"
    )
    trust: Trust = Field(
        Trust.TRUSTED,
        description="untrusted for third-party or attacker-reachable content, else trusted",
    )
    criticality: int = Field(3, ge=1, le=5, description="How much its compromise hurts, 1 to 5")
    owner: str | None = Field(
        None,
        min_length=1,
        description="Who answers for it (a team, a person, a role): chains and acceptances name it",
    )
    controls: tuple[str, ...] = Field((), description="Ids of catalog controls in place on it")
    tags: tuple[str, ...] = Field((), description="Free labels")
    properties: dict[str, Any] = Field(
        default_factory=dict, description="Free key/values, carried to outputs"
    )

    @field_validator("owner", mode="before")
    @classmethod
    def _owner_is_one_name(cls, value: Any) -> Any:
        # A number or a list is not a name, and neither is "" or "  ": refuse them all with one
        # message rather than coerce. Surrounding blanks are dropped so that "netops " and
        # "netops" are one owner.
        if value is None:
            return None
        if not isinstance(value, str) or len(value.strip().splitlines()) != 1:
            raise PydanticCustomError(
                "owner_type",
                "an owner is one line naming a team, a person or a role, got {got}",
                {"got": repr(value)},
            )
        return value.strip()

    @model_validator(mode="before")
    @classmethod
    def _name_defaults_to_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("name") and isinstance(data.get("id"), str):
            return {**data, "name": data["id"]}
        return data

    @property
    def is_default_entry(self) -> bool:
        """True when the default attacker starts here (public exposure or untrusted content)."""
        return self.exposure is Exposure.PUBLIC or self.trust is Trust.UNTRUSTED


class Flow(_ModelPart):
    """Something that goes from one component to another."""

    source: ComponentId = Field(alias="from", description="Id of the component it goes from")
    target: ComponentId = Field(alias="to", description="Id of the component it goes to")
    kind: FlowKind = Field(
        description="; ".join(f"{k.value}: {v}" for k, v in FLOW_KIND_MEANINGS.items())
    )
    controls: tuple[str, ...] = Field((), description="Ids of catalog controls on the flow itself")
    label: str | None = Field(None, description="What the flow carries, in a few words")

    @property
    def key(self) -> tuple[str, str, FlowKind]:
        """``(from, to, kind)``: what identifies a flow."""
        return (self.source, self.target, self.kind)

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.kind.value})"


class Attacker(_ModelPart):
    """Where the attacker starts and, optionally, what it is after."""

    entry: tuple[ComponentId, ...] | None = Field(
        None,
        description=(
            "Components the attacker starts from; default: exposure public or trust untrusted"
        ),
    )
    targets: tuple[ComponentId, ...] | None = Field(
        None, description="Only chains ending at these components; default: any component"
    )


class SystemInfo(_ModelPart):
    """What the modelled system is called."""

    name: str = Field(min_length=1, description="The system's name")
    description: str | None = Field(None, description="One line about the system")


class SystemModel(_ModelPart):
    """A whole MAESTRO model: the system, its components, its flows and the attacker."""

    maestro: Literal[1] = Field(description="Model format version; 1 is the only version so far")
    system: SystemInfo
    components: tuple[Component, ...] = Field(description="The components, each on one layer")
    flows: tuple[Flow, ...] = Field((), description="The flows between components")
    attacker: Attacker | None = Field(None, description="Attacker entry points and targets")

    _by_id: dict[str, Component] = PrivateAttr(default_factory=dict)
    _document: Document | None = PrivateAttr(default=None)
    _flow_arrays: tuple[tuple[Flow, ...], tuple[Component, ...], FlowArrays] | None = PrivateAttr(
        default=None
    )

    @field_validator("maestro", mode="before")
    @classmethod
    def _version_is_a_number(cls, value: Any) -> Any:
        # YAML's `true` equals 1 in Python: it is not format version 1.
        if isinstance(value, bool):
            raise PydanticCustomError(
                "literal_error", "unsupported format version", {"expected": "1"}
            )
        return value

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> SystemModel:
        if not (info.context or {}).get(DEFER_REFERENCE_CHECKS):
            issues = reference_issues(self)
            if issues:
                raise ValueError("; ".join(message for _, message in issues))
        return self

    def model_post_init(self, __context: Any) -> None:
        self._by_id = {component.id: component for component in self.components}

    def __eq__(self, other: object) -> bool:
        # Where a model was read from (its file and lines) is not part of what it is.
        if not isinstance(other, SystemModel):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # The whole model would print kilobytes in a notebook; model_dump() has the detail.
        return (
            f"<SystemModel {self.system.name!r}: {len(self.components)} components, "
            f"{len(self.flows)} flows>"
        )

    # -- accessors -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The system's name."""
        return self.system.name

    @property
    def source(self) -> str | None:
        """The file the model was read from, if any."""
        return self._document.source if self._document else None

    def component(self, component_id: str) -> Component:
        """The component with this id.

        Raises
        ------
        KeyError
            When there is none; the message suggests a close id.
        """
        try:
            return self._by_id[component_id]
        except KeyError:
            hint = did_you_mean(component_id, self._by_id)
            raise KeyError(f"no component {component_id!r} in the model{hint}") from None

    def has_component(self, component_id: str) -> bool:
        """True when the model has a component with this id."""
        return component_id in self._by_id

    def components_on(self, layer: Layer | str) -> tuple[Component, ...]:
        """The components on one layer, in file order."""
        wanted = Layer.parse(layer)
        return tuple(c for c in self.components if c.layer is wanted)

    def components_by_layer(self) -> dict[Layer, tuple[Component, ...]]:
        """Every layer (L1 to L7, empty ones included) with its components."""
        grouped: dict[Layer, list[Component]] = defaultdict(list)
        for component in self.components:
            grouped[component.layer].append(component)
        return {layer: tuple(grouped[layer]) for layer in Layer}

    def flows_of(
        self, component_id: str, direction: Literal["both", "out", "in"] = "both"
    ) -> tuple[Flow, ...]:
        """The flows leaving (``out``), entering (``in``) or touching (``both``) a component."""
        self.component(component_id)
        return tuple(
            flow
            for flow in self.flows
            if (direction != "in" and flow.source == component_id)
            or (direction != "out" and flow.target == component_id)
        )

    def interchangeable(self) -> dict[str, str]:
        """Components that stand in the same place, each mapped to the first of its kind there.

        Two components are interchangeable when nothing the engine looks at tells them apart:
        the same kind, layer, exposure, trust, criticality and controls, the same flows (kind,
        direction, other end and controls) and the same place in ``attacker``. Three AI coding
        CLIs that one script launches, each reading the same secrets, are one step an attack
        takes three ways. Components with no such twin are left out.

        Examples
        --------
        >>> model = SystemModel.model_validate({
        ...     "maestro": 1,
        ...     "system": {"name": "s"},
        ...     "components": [
        ...         {"id": "script", "layer": "L3", "kind": "tool"},
        ...         {"id": "cli_a", "layer": "L3", "kind": "agent"},
        ...         {"id": "cli_b", "layer": "L3", "kind": "agent"},
        ...     ],
        ...     "flows": [
        ...         {"from": "script", "to": "cli_a", "kind": "invokes"},
        ...         {"from": "script", "to": "cli_b", "kind": "invokes"},
        ...     ],
        ... })
        >>> model.interchangeable()
        {'cli_b': 'cli_a'}
        """
        attacker = self.attacker
        entry = set(attacker.entry or ()) if attacker else set()
        targets = set(attacker.targets or ()) if attacker else set()
        # Flows are compared only between components alike in everything else.
        alike: dict[tuple, int] = {}
        profiles = (
            (c.kind, c.layer, c.exposure, c.trust, c.criticality, tuple(sorted(c.controls)),
             c.id in entry, c.id in targets)
            for c in self.components
        )  # fmt: skip
        group = np.fromiter(
            (alike.setdefault(profile, len(alike)) for profile in profiles),
            np.int64,
            len(self.components),
        )
        candidates = self._alike_in_flows(group)
        if not len(candidates):
            return {}
        ids = [self.components[n].id for n in candidates.tolist()]
        where: dict[str, list[tuple[str, str, str, tuple[str, ...]]]] = {c: [] for c in ids}
        arrays = self.flow_arrays()
        is_candidate = np.zeros(len(self.components), dtype=bool)
        is_candidate[candidates] = True
        touching = np.flatnonzero(is_candidate[arrays.source] | is_candidate[arrays.target])
        for flow in (self.flows[n] for n in touching.tolist()):
            controls = flow.controls if len(flow.controls) < 2 else tuple(sorted(flow.controls))
            # The kind is a str enum: it sorts and hashes as its value.
            if flow.source in where:
                where[flow.source].append(("out", flow.kind, flow.target, controls))
            if flow.target in where:
                where[flow.target].append(("in", flow.kind, flow.source, controls))
        mapping: dict[str, str] = {}
        first: dict[tuple, str] = {}
        for position, component_id in zip(candidates.tolist(), ids, strict=True):
            place = (int(group[position]), *sorted(where[component_id]))
            representative = first.setdefault(place, component_id)
            if representative != component_id:
                mapping[component_id] = representative
        return mapping

    def _alike_in_flows(self, group: np.ndarray) -> np.ndarray:
        """Positions (ascending) of the components that share their ``group`` and a fingerprint
        of their flows with another component.

        The fingerprint (how many flows go in and out, and a sum of hashes of each flow's
        kind, direction, other end and controls) is equal for components with the same flows,
        so no twin is missed; the few that share one by chance are told apart by the exact
        comparison that follows. It spares building and sorting every component's flows.
        """
        arrays = self.flow_arrays()
        count = len(self.components)
        if count < 2:
            return np.zeros(0, dtype=np.int64)
        # One code per (direction, kind, other end, controls) of a flow at a component.
        outgoing = (arrays.kind * 2) * count + arrays.target
        incoming = (arrays.kind * 2 + 1) * count + arrays.source
        mixed = _mixed_hash(np.concatenate([outgoing, incoming]), np.tile(arrays.controls, 2))
        at = np.concatenate([arrays.source, arrays.target])
        fingerprint = np.zeros(count, dtype=np.uint64)
        np.add.at(fingerprint, at, mixed)
        degree = np.bincount(arrays.source, minlength=count) + (
            np.bincount(arrays.target, minlength=count) << 32
        )
        keys = np.stack([group, fingerprint.view(np.int64), degree.astype(np.int64)], axis=1)
        _, inverse, sizes = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
        shared = np.flatnonzero(sizes[inverse.ravel()] > 1)
        # In the order of their groups' first components, then in model order.
        return shared[np.lexsort((shared, group[shared]))]

    def flow_arrays(self) -> FlowArrays:
        """The flows as arrays (component positions, kind codes, controls codes), made once.

        Examples
        --------
        >>> model = SystemModel.model_validate({
        ...     "maestro": 1, "system": {"name": "s"},
        ...     "components": [{"id": "a", "layer": "L3", "kind": "agent"},
        ...                    {"id": "t", "layer": "L3", "kind": "tool"}],
        ...     "flows": [{"from": "a", "to": "t", "kind": "invokes", "controls": ["x"]}],
        ... })
        >>> arrays = model.flow_arrays()
        >>> arrays.source.tolist(), arrays.target.tolist(), arrays.controls.tolist()
        ([0], [1], [1])
        >>> list(FlowKind)[arrays.kind[0]]
        <FlowKind.INVOKES: 'invokes'>
        """
        # Keyed by the flows and components themselves: a copy made with ``model_copy(update=...)``
        # carries this cache over, but not the tuples it was made from.
        made = self._flow_arrays
        if made is None or made[0] is not self.flows or made[1] is not self.components:
            made = self._flow_arrays = (self.flows, self.components, FlowArrays.of(self))
        return made[2]

    def entry_components(self) -> tuple[Component, ...]:
        """Where the attacker starts: ``attacker.entry``, else untrusted components and public ones.

        A public component that an untrusted one feeds (a public inbox the attacker mails, a
        form the attacker fills in) is reached through it: the model names the attacker's way
        in, so chains start there rather than halfway along it.
        """
        if self.attacker is not None and self.attacker.entry is not None:
            return tuple(self._by_id[i] for i in self.attacker.entry)
        untrusted = {c.id for c in self.components if c.trust is Trust.UNTRUSTED}
        fed_by_untrusted = {
            flow.target
            for flow in self.flows
            if flow.source in untrusted and flow.kind in _CARRIES_THE_ATTACKER_IN
        }
        return tuple(
            c
            for c in self.components
            if c.trust is Trust.UNTRUSTED
            or (c.is_default_entry and c.id not in fed_by_untrusted)
        )

    def target_components(self) -> tuple[Component, ...]:
        """What the attacker is after: ``attacker.targets``, else every component."""
        if self.attacker is not None and self.attacker.targets is not None:
            return tuple(self._by_id[i] for i in self.attacker.targets)
        return self.components

    def missing_layers(self) -> tuple[Layer, ...]:
        """Layers with no component: where MAESTRO warns coverage gaps hide."""
        present = {c.layer for c in self.components}
        return tuple(layer for layer in Layer if layer not in present)

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """Line in the source file of a path such as ``("components", 2)``, when known."""
        return self._document.line_of(path) if self._document else None

    def component_line(self, component_id: str) -> int | None:
        """Line in the source file where a component is defined, when known."""
        for index, component in enumerate(self.components):
            if component.id == component_id:
                return self.line_of(("components", index))
        return None

    def to_data(self) -> dict[str, Any]:
        """The model as plain data in the file format (``from``/``to`` for flows)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def _repr_html_(self) -> str:
        """Components per layer (L7 at the top), for Jupyter."""
        from maestro_graph.model.layers import layer_badge
        from maestro_graph.support.htmlrepr import Raw, html_table

        by_layer = self.components_by_layer()
        entries = {c.id for c in self.entry_components()}
        rows = [
            [
                Raw(layer_badge(layer)),
                layer.info.name,
                ", ".join(c.id + (" (entry)" if c.id in entries else "") for c in by_layer[layer])
                or "-",
            ]
            for layer in reversed(Layer)
        ]
        caption = f"{self.name}: {len(self.components)} components, {len(self.flows)} flows"
        return html_table(["layer", "name", "components"], rows, caption=caption)

    def to_yaml(self) -> str:
        """The model as YAML text in the file format; reading it back gives an equal model."""
        return dump_yaml(self.to_data())


class FlowArrays(NamedTuple):
    """A model's flows as arrays, one entry per flow in model order (see
    :meth:`SystemModel.flow_arrays`)."""

    #: Position of the flow's source (``from``) in ``components`` (-1: no such component).
    source: np.ndarray
    #: Position of the flow's target (``to``) in ``components`` (-1: no such component).
    target: np.ndarray
    #: Position of the flow's kind in :class:`FlowKind`.
    kind: np.ndarray
    #: 0 for a flow without controls; flows with the same set of controls share a code.
    controls: np.ndarray

    @classmethod
    def of(cls, model: SystemModel) -> FlowArrays:
        flows = model.flows
        kind_code = {kind: n for n, kind in enumerate(FlowKind)}
        control_code: dict[tuple[str, ...], int] = {(): 0}
        # map() with C-level callables into lists: a third of the time of generators into
        # np.fromiter on 300,000 flows.
        controls = [
            control_code.setdefault(tuple(sorted(c)), len(control_code)) if c else 0
            for c in map(_CONTROLS, flows)
        ]
        return cls(
            *_positions(model),
            _int_array(list(map(kind_code.__getitem__, map(_KIND, flows)))),
            _int_array(controls),
        )


_SOURCE, _TARGET, _KIND, _CONTROLS = (
    attrgetter(name) for name in ("source", "target", "kind", "controls")
)


def _int_array(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64) if values else np.zeros(0, dtype=np.int64)


def _positions(model: SystemModel) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``model.components`` of the flows' ends, -1 for an unknown component
    (:func:`reference_issues` words that problem)."""
    position = {c.id: n for n, c in enumerate(model.components)}
    ends = []
    for end in (_SOURCE, _TARGET):
        # Names first, then positions: two passes take half the time of one that interleaves
        # reading 300,000 flows with looking up 100,000 names.
        names = list(map(end, model.flows))
        try:
            ends.append(_int_array(list(map(position.__getitem__, names))))
        except KeyError:
            ends.append(_int_array([position.get(name, -1) for name in names]))
    return ends[0], ends[1]


_HASH_STEPS = tuple(
    np.uint64(constant) for constant in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)
)


def _mixed_hash(codes: np.ndarray, salts: np.ndarray) -> np.ndarray:
    """A well-mixed 64-bit hash of each (code, salt) pair (the splitmix64 finaliser)."""
    golden, first, second = _HASH_STEPS
    with np.errstate(over="ignore"):
        mixed = codes.astype(np.uint64) * golden + salts.astype(np.uint64)
        mixed = (mixed ^ (mixed >> np.uint64(30))) * first
        mixed = (mixed ^ (mixed >> np.uint64(27))) * second
        return mixed ^ (mixed >> np.uint64(31))


def reference_issues(model: SystemModel) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-reference problems of a model, each with the path of the offending value.

    Checks: at least one component; unique component ids; flows between known components, not to
    themselves, not repeated; attacker entries and targets that exist.

    Examples
    --------
    >>> data = {"maestro": 1, "system": {"name": "x"},
    ...         "components": [{"id": "a", "layer": "L3", "kind": "agent"}],
    ...         "flows": [{"from": "a", "to": "b", "kind": "invokes"}]}
    >>> model = SystemModel.model_validate(data, context={DEFER_REFERENCE_CHECKS: True})
    >>> reference_issues(model)
    [(('flows', 0, 'to'), "flow goes to unknown component 'b'")]
    """
    issues: list[tuple[tuple[str | int, ...], str]] = []
    if not model.components:
        issues.append((("components",), "the model has no components; add at least one"))
    first_index: dict[str, int] = {}
    for index, component in enumerate(model.components):
        if component.id in first_index:
            issues.append(
                (
                    ("components", index, "id"),
                    f"duplicate component id {component.id!r} "
                    f"(first defined as component #{first_index[component.id] + 1})",
                )
            )
        else:
            first_index[component.id] = index
    known = first_index.keys()
    seen_flows: dict[tuple[str, str, FlowKind], int] = {}
    for index, flow in enumerate(model.flows if _flows_may_be_wrong(model) else ()):
        source, target = flow.source, flow.target
        if source not in known or target not in known:
            for end, field_name in ((source, "from"), (target, "to")):
                if end in known:
                    continue
                verb = "comes from" if field_name == "from" else "goes to"
                issues.append(
                    (
                        ("flows", index, field_name),
                        f"flow {verb} unknown component {end!r}{did_you_mean(end, known)}",
                    )
                )
        if source == target:
            issues.append(
                (
                    ("flows", index),
                    f"flow from {source!r} to itself; a flow joins two components",
                )
            )
        key = (source, target, flow.kind)
        count = seen_flows[key] = seen_flows.get(key, 0) + 1
        if count == 2:
            issues.append(
                (
                    ("flows", index),
                    f"duplicate flow {flow}; merge their controls and labels into one",
                )
            )
    if model.attacker is not None:
        for field_name in ("entry", "targets"):
            for index, component_id in enumerate(getattr(model.attacker, field_name) or ()):
                if component_id not in known:
                    issues.append(
                        (
                            ("attacker", field_name, index),
                            f"attacker {field_name} names unknown component "
                            f"{component_id!r}{did_you_mean(component_id, known)}",
                        )
                    )
    return issues


def _flows_may_be_wrong(model: SystemModel) -> bool:
    """False when every flow joins two known, different components and no two flows have the
    same ends and kind (checked on the flow arrays, which the analysis then reuses); True
    sends the flows through the check that words each problem."""
    arrays = model.flow_arrays()
    if not len(arrays.source):
        return False
    if (arrays.source < 0).any() or (arrays.target < 0).any():
        return True
    if (arrays.source == arrays.target).any():
        return True
    key = (arrays.source * len(model.components) + arrays.target) * len(FlowKind) + arrays.kind
    return len(np.unique(key)) < len(key)


def _location_text(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pydantic_message(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    field_name = str(loc[-1]) if loc else "model"
    where = _location_text(loc)
    if kind == "missing":
        return f"{_location_text(loc[:-1]) or 'model'}: missing required field {field_name!r}"
    if kind == "extra_forbidden":
        hint = did_you_mean(field_name, _field_names_at(loc[:-1]))
        return f"{where}: unknown field {field_name!r}{hint}"
    if kind == "string_pattern_mismatch":
        return (
            f"{where}: {error['input']!r} is not a valid id; use lower-case letters, digits, "
            "'_', '.' or '-', starting with a letter or digit"
        )
    if kind == "literal_error" and loc == ("maestro",):
        return (
            f"maestro: unsupported format version {error['input']!r}; this version reads format 1"
        )
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in {"enum", "literal_error"}:
        message += f", got {error['input']!r}"
    return f"{where}: {message}"


def _field_names_at(loc: tuple[str | int, ...]) -> list[str]:
    """The file-format field names allowed at a location (for "did you mean" hints)."""
    named = tuple(part for part in loc if isinstance(part, str))
    model_type = {
        (): SystemModel,
        ("system",): SystemInfo,
        ("components",): Component,
        ("flows",): Flow,
        ("attacker",): Attacker,
    }.get(named)
    if model_type is None:
        return []
    return [info.alias or name for name, info in model_type.model_fields.items()]


def parse_model(document: Document, *, limits: Limits = DEFAULT_LIMITS) -> SystemModel:
    """Validate a parsed document as a :class:`SystemModel`, reporting every problem with its line.

    Parameters
    ----------
    document : Document
        From :func:`maestro_graph.model.loading.read_document` or ``parse_document``.
    limits : Limits
        Maximum numbers of components and flows.

    Returns
    -------
    SystemModel

    Raises
    ------
    MaestroInputError
        Listing every problem found, each as ``FILE:LINE: message``.

    Examples
    --------
    >>> from maestro_graph.model.loading import parse_document
    >>> text = '''maestro: 1
    ... system: {name: demo}
    ... components:
    ...   - {id: kb, layer: L2, kind: vector_store}
    ...   - {id: kb, layer: L9, kind: agent}
    ... '''
    >>> parse_model(parse_document(text, "demo.yaml"))
    Traceback (most recent call last):
    ...
    maestro_graph.support.errors.MaestroInputError: demo.yaml:5: components[1].layer: ...
    """
    data = document.data
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise MaestroInputError(
            [
                document.problem(
                    (),
                    f"a model file must be a mapping with 'maestro', 'system' and "
                    f"'components' keys; found {found}",
                )
            ]
        )
    size_problems = []
    for key, limit, option in (
        ("components", limits.max_components, "--max-components"),
        ("flows", limits.max_flows, "--max-flows"),
    ):
        items = data.get(key)
        if isinstance(items, list) and len(items) > limit:
            size_problems.append(
                document.problem(
                    (key,),
                    f"{len(items):,} {key}, more than the limit of {limit:,} "
                    f"(raise it with {option} if the model is really this large)",
                )
            )
    if size_problems:
        raise MaestroInputError(size_problems)
    try:
        with paused_gc():
            model = SystemModel.model_validate(data, context={DEFER_REFERENCE_CHECKS: True})
    except ValidationError as error:
        problems = [
            document.problem(tuple(item["loc"]), _pydantic_message(item))
            for item in error.errors(include_url=False)
        ]
        raise MaestroInputError(sorted(set(problems), key=_problem_order)) from None
    issues = reference_issues(model)
    if issues:
        raise MaestroInputError(
            [
                document.problem(path, f"{_location_text(path)}: {message}")
                for path, message in issues
            ]
        )
    model._document = document
    return model


def _problem_order(problem: Problem) -> tuple[int, str]:
    return (problem.line or 0, problem.message)


def layer_spelling_schema(layer: Layer) -> dict[str, Any]:
    """The JSON Schema of ``layer`` in every spelling :meth:`Layer.parse` reads.

    ``"L3"``, ``"l3"``, ``"3"`` and ``3`` all load as L3, so a schema condition on the layer
    (such as the kinds of that layer) has to recognise them all.

    Examples
    --------
    >>> layer_spelling_schema(Layer.L3)["anyOf"][1]
    {'const': 3}
    """
    return {
        "anyOf": [
            {"type": "string", "pattern": rf"^\s*[Ll]?{layer.number}\s*$"},
            {"const": layer.number},
        ]
    }


def _layer_schema() -> dict[str, Any]:
    return {
        "title": "Layer",
        "description": (
            "A MAESTRO layer, L1 (Foundation Models) to L7 (Agent Ecosystem). The loader also "
            "reads l2, \"2\" and 2 as L2, and writes L2."
        ),
        "anyOf": [
            {
                "type": "string",
                "enum": [layer.value for layer in Layer],
                "enumDescriptions": [
                    f"{layer.info.name}: {layer.info.role}" for layer in Layer
                ],
            },
            {"type": "string", "pattern": r"^\s*[Ll]?[1-7]\s*$"},
            {"type": "integer", "minimum": 1, "maximum": 7},
        ],
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the model file format, without the catalog's vocabulary.

    ``maestro-graph schema`` prints :func:`maestro_graph.catalog.schema.json_schema`, which adds the
    catalog's kinds per layer and its control ids to this one.

    Examples
    --------
    >>> schema = json_schema()
    >>> sorted(schema["properties"])
    ['attacker', 'components', 'flows', 'maestro', 'system']
    >>> "from" in schema["$defs"]["Flow"]["properties"]
    True
    """
    schema = SystemModel.model_json_schema(by_alias=True)
    definitions = schema["$defs"]
    # Editors (VS Code's JSON and YAML extensions, yaml-language-server) show enumDescriptions
    # next to each value they complete and in hovers; validators ignore the keyword.
    definitions["Layer"] = _layer_schema()
    definitions["FlowKind"]["enumDescriptions"] = [
        FLOW_KIND_MEANINGS[FlowKind(kind)] for kind in definitions["FlowKind"]["enum"]
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "maestro-graph model file",
        "description": (
            "An AI system described as components on the seven MAESTRO layers joined by flows. "
            "Component kinds come from the catalog (maestro-graph rules list --type kinds)."
        ),
        **{key: value for key, value in schema.items() if key not in {"title", "description"}},
    }
