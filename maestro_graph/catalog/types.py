"""Catalog entries (the language the engine speaks) and the validated :class:`Catalog`.

The pydantic types validate one entry as written in a rule file; the :class:`Catalog` holds the
checked whole, with the derived indexes the engine needs (threats per kind, what each control
mitigates). A catalog is immutable, so analyses can share one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from maestro_graph.model.flows import FlowKind
from maestro_graph.model.layers import Layer
from maestro_graph.support.errors import did_you_mean


def _parse_layer(value: object) -> object:
    return (
        Layer.parse(value)
        if isinstance(value, str | int) and not isinstance(value, bool)
        else value
    )


LayerField = Annotated[Layer, BeforeValidator(_parse_layer)]
THREAT_ID_PATTERN = r"^L[1-7]\.[a-z0-9][a-z0-9-]*$"
CONTROL_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ATLAS_ID_PATTERN = r"^AML\.T\d{4}(\.\d{3})?$"
#: The ids of the three OWASP lists a threat may cite (``rules/owasp.yaml`` names them):
#: T1-T15 (Agentic AI Threats and Mitigations), ASI01-ASI10 (Top 10 for Agentic Applications
#: 2026) and LLM01-LLM10 (Top 10 for LLM Applications 2025).
OWASP_ID_PATTERN = r"^(T([1-9]|1[0-5])|ASI(0[1-9]|10)|LLM(0[1-9]|10))$"
OWASP_ID_SHAPES = "T1-T15, ASI01-ASI10, LLM01-LLM10"


def owasp_suggestion(word: str, known: Iterable[str]) -> str:
    """A did-you-mean suffix for a mistyped OWASP id: case and zero padding first, then closeness.

    Examples
    --------
    >>> owasp_suggestion("llm1", ["LLM01", "LLM10"])
    "; did you mean 'LLM01'?"
    >>> owasp_suggestion("ASI11", ["ASI01", "ASI10"])
    "; did you mean 'ASI10'?"
    """
    known = list(known)
    upper = word.strip().upper()
    match = re.fullmatch(r"(ASI|LLM|T)0*(\d+)", upper)
    if match:
        prefix, number = match.groups()
        padded = f"{prefix}{int(number)}" if prefix == "T" else f"{prefix}{int(number):02d}"
        if padded in known and padded != word:
            return f"; did you mean {padded!r}?"
    return did_you_mean(upper, known)


class Capability(StrEnum):
    """What the attacker holds at a component: the small attack language beneath threat names.

    Generic movement rules are written over capabilities; every threat says which one it grants,
    so a hop still reads as a MAESTRO threat (DESIGN section 5b).
    """

    INFLUENCE = "influence"  # attacker-chosen content is in its input, context or store
    CONTROL = "control"  # it acts for the attacker (hijacked agent, steered model, evil server)
    EXECUTE = "execute"  # arbitrary code runs there
    READ = "read"  # its data is disclosed to the attacker
    TAMPER = "tamper"  # its stored data, logs or the actions it takes are altered
    IDENTITY = "identity"  # its credentials or identity are held by the attacker
    DISRUPT = "disrupt"  # its availability or judgement is degraded


class WatchMode(StrEnum):
    """How a watcher kind sees what reaches it as telemetry (``watchers.yaml``)."""

    ALERTS = "alerts"  # shows or raises it as it arrives: what it saw stays seen
    RECORDS = "records"  # keeps it for later review: tampering with the record erases it


class Stride(StrEnum):
    """STRIDE threat categories."""

    SPOOFING = "spoofing"
    TAMPERING = "tampering"
    REPUDIATION = "repudiation"
    INFORMATION_DISCLOSURE = "information_disclosure"
    DENIAL_OF_SERVICE = "denial_of_service"
    ELEVATION_OF_PRIVILEGE = "elevation_of_privilege"


class Maturity(StrEnum):
    """ATLAS maturity: how far a technique has been shown to work.

    feasible: shown in research; demonstrated: shown in a red-team exercise or demonstration on a
    realistic AI system; realized: used by a threat actor in a real incident.
    """

    FEASIBLE = "feasible"
    DEMONSTRATED = "demonstrated"
    REALIZED = "realized"

    @property
    def strength(self) -> int:
        """Order of evidence: feasible 1 < demonstrated 2 < realized 3."""
        return {"feasible": 1, "demonstrated": 2, "realized": 3}[self.value]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AtlasTechnique(_Entry):
    """One MITRE ATLAS technique (or sub-technique) of the snapshot."""

    id: str = Field(pattern=ATLAS_ID_PATTERN, description="ATLAS id, e.g. AML.T0051.000")
    name: str
    parent: str | None = None
    tactic_ids: tuple[str, ...] = ()
    tactics: tuple[str, ...] = ()
    maturity: Maturity


class Threat(_Entry):
    """A threat that applies to components of some kinds."""

    id: str = Field(pattern=THREAT_ID_PATTERN, description="Stable id: '<layer>.<kebab-name>'")
    layer: LayerField
    name: str = Field(min_length=1)
    maestro_name: str | None = Field(None, description="The canonical MAESTRO threat it realises")
    description: str = Field(min_length=1)
    applies_to: tuple[str, ...] = Field(min_length=1, description="Component kinds it applies to")
    stride: tuple[Stride, ...] = ()
    atlas: tuple[str, ...] = Field((), description="ATLAS technique ids; empty when none fits")
    likelihood: float = Field(ge=0.0, le=1.0, description="Base likelihood, 0 to 1")
    impact: int = Field(ge=1, le=5, description="Impact, 1 to 5")
    mitigated_by: tuple[str, ...] = Field((), description="Ids of controls that mitigate it")
    entry: bool = Field(False, description="An attacker can start with it at an entry component")
    owasp: tuple[Annotated[str, Field(pattern=OWASP_ID_PATTERN)], ...] = Field(
        (), description="OWASP ids it corresponds to: T1-T15, ASI01-ASI10, LLM01-LLM10"
    )
    capability: Capability | None = Field(
        None, description="What the attacker holds once this threat is achieved (DESIGN 5b)"
    )
    chain_end: Literal["anywhere", "sink", "never"] | None = Field(
        None,
        description="Where a chain may end in this threat: anywhere, only at an attacker-visible "
        "sink, or never (a step on the way). Default: never for influence, else anywhere",
    )

    @property
    def ends_chains(self) -> str:
        """``chain_end`` with its default filled in."""
        if self.chain_end is not None:
            return self.chain_end
        return "never" if self.capability is Capability.INFLUENCE else "anywhere"


class OwaspList(_Entry):
    """One published OWASP list whose ids threats cite (``rules/owasp.yaml``)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Short key, e.g. 'asi'")
    title: str = Field(min_length=1, description="The list's published title and edition")
    label: str = Field(min_length=1, description="A short label for one-line views")
    url: str | None = None


class OwaspId(_Entry):
    """One entry of an OWASP list: its id, the list it belongs to and its published name."""

    id: str = Field(pattern=OWASP_ID_PATTERN)
    family: str = Field(description="The id of the list it belongs to")
    name: str = Field(min_length=1)


class Control(_Entry):
    """A control that cuts the likelihood of the threats (and transitions) it mitigates."""

    id: str = Field(pattern=CONTROL_ID_PATTERN)
    name: str = Field(min_length=1)
    layer: LayerField
    description: str = Field(min_length=1)
    effectiveness: float = Field(ge=0.0, le=1.0, description="Factor by which it cuts a likelihood")
    applies_to: tuple[str, ...] = Field((), description="Component kinds it can be placed on")
    placement: tuple[Literal["component", "flow"], ...] = Field(
        ("component",), min_length=1, description="Where it can be placed"
    )


class RuleSource(_Entry):
    """The states a rule starts from: any of these threats, or any threat granting one of these
    capabilities, at a source component (of these kinds, when given)."""

    threats: tuple[str, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    kinds: tuple[str, ...] | None = Field(None, description="Source kinds; default: any kind")
    exposed: bool | None = Field(
        None,
        description="false: not from an attacker-visible sink (what a sink is sent is already "
        "the attacker's, so it learns nothing by reading it); true: only from sinks",
    )

    @model_validator(mode="after")
    def _something_to_start_from(self) -> RuleSource:
        if not self.threats and not self.capabilities:
            raise ValueError("a rule starts from 'threats' or 'capabilities' (at least one)")
        return self


class RuleVia(_Entry):
    """How the attacker moves: along flows of these kinds in a direction, or within one component.

    ``forward``: from the flow's ``from`` to its ``to``; ``reverse``: from the flow's ``to`` back to
    its ``from`` (a tool's response reaches the agent that invoked it); ``self``: within one
    component, with no flow.
    """

    flows: tuple[FlowKind, ...] = ()
    direction: Literal["forward", "reverse", "self"] = "forward"


class RuleTarget(_Entry):
    """The state the rule enables at the target component.

    A specific rule names one ``threat``; a generic movement rule names ``labels``, an ordered
    list of threats of which the first that applies to the target's kind names the hop. The
    conditions ``exposed`` and ``invokes_model`` look at the target component itself.
    """

    threat: str | None = None
    labels: tuple[str, ...] = ()
    kinds: tuple[str, ...] | None = Field(
        None, description="Target kinds; default: every kind the threat (or a label) applies to"
    )
    exposed: bool | None = Field(
        None,
        description="true: only attacker-visible sinks (untrusted, or public and not one of "
        "the system's own front ends); false: only the others",
    )
    invokes_model: bool | None = Field(
        None,
        description="true: only targets that invoke an L1 model (they pass content on to it); "
        "false: only targets that do their own reasoning",
    )

    @model_validator(mode="after")
    def _one_way_to_name_the_hop(self) -> RuleTarget:
        if (self.threat is None) == (not self.labels):
            raise ValueError("a rule's 'to' names either one 'threat' or a list of 'labels'")
        return self

    @property
    def threats(self) -> tuple[str, ...]:
        """Every threat the rule can enable: its threat, or its labels in order."""
        return (self.threat,) if self.threat is not None else self.labels


class RuleExamples(_Entry):
    """The rule's own fixtures: a tiny model where it must fire, a near miss where it must not."""

    fires: dict[str, Any]
    quiet: dict[str, Any]


class PropagationRule(_Entry):
    """How a compromise at one component enables a threat at another (or at the same one)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=CONTROL_ID_PATTERN)
    title: str = Field(min_length=1)
    source: RuleSource = Field(alias="from")
    via: RuleVia
    target: RuleTarget = Field(alias="to")
    likelihood: float = Field(
        gt=0.0, le=1.0, description="Chance the step succeeds, before controls"
    )
    blocked_by: tuple[str, ...] = Field(
        (), description="Controls on the target or flow that cut it"
    )
    atlas: tuple[str, ...] = ()
    rationale: str = Field(min_length=1)
    references: tuple[str, ...] = ()
    examples: RuleExamples

    @property
    def generic(self) -> bool:
        """Whether it is a generic movement rule (written over capabilities and labels)."""
        return bool(self.source.capabilities) or self.target.threat is None

    def source_text(self) -> str:
        """What it starts from, in words: ``"L2.data-poisoning, any control (at agent)"``."""
        parts = [*self.source.threats, *(f"any {c.value}" for c in self.source.capabilities)]
        where = [f"at {', '.join(self.source.kinds)}"] if self.source.kinds else []
        if self.source.exposed is not None:
            where.append("at a sink" if self.source.exposed else "not at a sink")
        return ", ".join(parts) + (f" ({'; '.join(where)})" if where else "")

    def target_text(self) -> str:
        """What it enables, in words, with the target's conditions."""
        text = self.target.threat or "first that applies of " + ", ".join(self.target.labels)
        conditions = []
        if self.target.exposed is not None:
            conditions.append("at a sink" if self.target.exposed else "not at a sink")
        if self.target.invokes_model is not None:
            conditions.append(
                "where it invokes a model" if self.target.invokes_model else "reasoning itself"
            )
        return text + (f" ({'; '.join(conditions)})" if conditions else "")


@dataclass(frozen=True)
class KindInfo:
    """A kind of component and the layer it sits on."""

    id: str
    layer: Layer
    description: str


@dataclass(frozen=True)
class Origin:
    """Where a catalog entry was defined."""

    source: str
    line: int | None

    def __str__(self) -> str:
        return self.source if self.line is None else f"{self.source}:{self.line}"


def _frozen(mapping: Mapping) -> MappingProxyType:  # type: ignore[type-arg]
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Catalog:
    """Everything the engine knows, loaded from ``rules/`` and any user rule folders.

    Attributes
    ----------
    kinds, threats, controls, atlas : Mapping
        Entries by id.
    guards : Mapping
        For each guard kind (an L6 component that ``governs`` others), the controls it provides
        to the components it governs (``guards.yaml``).
    atlas_version : str
        The ATLAS release the technique snapshot comes from.
    version : str
        A content hash of every catalog file: outputs report it so results can be reproduced.
    owasp : Mapping
        The OWASP ids threats may cite (:class:`OwaspId`), in list order.
    owasp_lists : Mapping
        The published OWASP lists those ids come from (:class:`OwaspList`), by key.
    watchers : Mapping
        For each watcher kind, how it watches: ``alerts`` (it raises what it sees as it
        arrives) or ``records`` (it keeps a record that a later tampering erases); from
        ``watchers.yaml``.
    origins : Mapping
        Where each threat, control and kind was defined (file and line).
    warnings : tuple of str
        Overrides of built-in entries by user folders.
    """

    kinds: Mapping[str, KindInfo]
    threats: Mapping[str, Threat] = field(default_factory=dict)
    controls: Mapping[str, Control] = field(default_factory=dict)
    atlas: Mapping[str, AtlasTechnique] = field(default_factory=dict)
    rules: Mapping[str, PropagationRule] = field(default_factory=dict)
    guards: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    owasp: Mapping[str, OwaspId] = field(default_factory=dict)
    owasp_lists: Mapping[str, OwaspList] = field(default_factory=dict)
    watchers: Mapping[str, WatchMode] = field(default_factory=dict)
    atlas_version: str = "unknown"
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    version: str = "unversioned"
    origins: Mapping[str, Origin] = field(default_factory=dict)
    _kinds_by_layer: Mapping[Layer, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _threats_by_kind: Mapping[str, tuple[Threat, ...]] = field(
        init=False, repr=False, compare=False
    )
    _mitigates: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in (
            "kinds",
            "threats",
            "controls",
            "atlas",
            "rules",
            "guards",
            "owasp",
            "owasp_lists",
            "watchers",
            "origins",
        ):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        by_layer = {
            layer: tuple(k for k, info in self.kinds.items() if info.layer is layer)
            for layer in Layer
        }
        by_kind: dict[str, list[Threat]] = {kind: [] for kind in self.kinds}
        mitigates: dict[str, list[str]] = {control: [] for control in self.controls}
        for rule in self.rules.values():
            for control in rule.blocked_by:
                mitigates.setdefault(control, [])
        for threat in self.threats.values():
            for kind in threat.applies_to:
                by_kind.setdefault(kind, []).append(threat)
            for control in threat.mitigated_by:
                mitigates.setdefault(control, []).append(threat.id)
        object.__setattr__(self, "_kinds_by_layer", _frozen(by_layer))
        object.__setattr__(
            self, "_threats_by_kind", _frozen({k: tuple(v) for k, v in by_kind.items()})
        )
        object.__setattr__(self, "_mitigates", _frozen({k: tuple(v) for k, v in mitigates.items()}))

    def kinds_of(self, layer: Layer) -> tuple[str, ...]:
        """The kinds a component on ``layer`` may have, in catalog order."""
        return self._kinds_by_layer[layer]

    def layer_of_kind(self, kind: str) -> Layer | None:
        """The layer a kind belongs to, or None for an unknown kind."""
        info = self.kinds.get(kind)
        return info.layer if info else None

    def threats_for_kind(self, kind: str) -> tuple[Threat, ...]:
        """The threats that apply to components of ``kind``, in catalog order."""
        return self._threats_by_kind.get(kind, ())

    def mitigates(self, control_id: str) -> tuple[str, ...]:
        """Ids of the threats a control mitigates (derived from the threats' ``mitigated_by``)."""
        return self._mitigates.get(control_id, ())

    def rules_blocked_by(self, control_id: str) -> tuple[str, ...]:
        """Ids of the propagation rules a control cuts."""
        return tuple(r.id for r in self.rules.values() if control_id in r.blocked_by)

    def maturity_of(self, atlas_ids: tuple[str, ...]) -> Maturity | None:
        """The strongest ATLAS maturity among ``atlas_ids`` (None when there are none)."""
        found = [self.atlas[i].maturity for i in atlas_ids if i in self.atlas]
        return max(found, key=lambda m: m.strength) if found else None

    def owasp_by_list(self, owasp_ids: Iterable[str]) -> list[tuple[OwaspList, list[OwaspId]]]:
        """``owasp_ids`` grouped by the list they belong to, lists and ids in catalog order.

        Every list is returned, with an empty group when none of the ids is on it.
        """
        wanted = set(owasp_ids)
        return [
            (owasp_list, [i for i in self.owasp.values() if i.family == key and i.id in wanted])
            for key, owasp_list in self.owasp_lists.items()
        ]

    def parse_owasp(self, values: str | Iterable[str]) -> tuple[str, ...]:
        """OWASP ids as a user typed them: comma-separated or repeated, in any case.

        Raises
        ------
        ValueError
            For an id on none of the lists, with a suggestion when one is close.

        Examples
        --------
        >>> from maestro_graph.catalog import load_catalog
        >>> load_catalog().parse_owasp(["llm01, asi06", "T1"])
        ('LLM01', 'ASI06', 'T1')
        """
        items = [values] if isinstance(values, str) else list(values)
        found: list[str] = []
        for item in items:
            for part in str(item).split(","):
                word = part.strip().upper()
                if not word:
                    continue
                if word not in self.owasp:
                    raise ValueError(
                        f"unknown OWASP id {part.strip()!r} (known: {OWASP_ID_SHAPES})"
                        + owasp_suggestion(word, self.owasp)
                    )
                if word not in found:
                    found.append(word)
        if not found:
            raise ValueError(f"no OWASP id given (known: {OWASP_ID_SHAPES})")
        return tuple(found)
