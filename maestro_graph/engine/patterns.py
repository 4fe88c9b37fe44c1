"""Acceptances by pattern: accept the chains that share an entry, a target, a layer pair or a
rule, with one justification, instead of one entry per fingerprint.

A large model has thousands of chains above a band; a baseline that lists each one asks a human
for thousands of justifications that all say the same thing ("the public API reaching the
orders database is the known risk of the checkout service"). Risk-tracking files of
threat-modelling tools accept by such rules. A pattern names any of:

- ``entry`` and ``target``: the first and the final component's id, with shell wildcards
  (``*``, ``?``, ``[abc]``), matched case-sensitively;
- ``entry_layer`` and ``target_layer``: the first and the final component's layer (``L1`` to
  ``L7``, or ``*``);
- ``rule``: a propagation rule id some hop of the chain follows, with wildcards.

A chain matches when it matches every field (``*`` matches anything; at least one field must
say something). ``band`` is the highest band accepted: a matching chain above it fails the gate
as escalated, as a fingerprint entry's does. ``check`` still judges every chain by fingerprint
first; a chain no fingerprint entry accepts is judged by the first pattern it matches, in file
order.

Examples
--------
>>> import datetime as dt
>>> import maestro_graph as mg
>>> chain = mg.analyze(mg.example("netmon")).paths(top=1)[0]
>>> pattern = PatternAcceptance(target=chain.target, justification="known", owner="sec",
...                             expires=dt.date(2027, 1, 1))
>>> pattern.matches(chain), pattern.describe() == f"target={chain.target}"
(True, True)
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from maestro_graph.engine.ranking import Chain
from maestro_graph.engine.risk import Band
from maestro_graph.model.layers import Layer

_TODO = re.compile(r"^\s*TODO\b", re.IGNORECASE)
#: How ``baseline --group-by`` groups chains into patterns (``chain``: one entry per chain).
GroupBy = Literal["chain", "pair", "target", "layers"]
GROUPINGS: tuple[str, ...] = ("chain", "pair", "target", "layers")
#: The fields of a pattern that say which chains it matches, in the order they are shown.
CRITERIA = ("entry", "target", "entry_layer", "target_layer", "rule")


def _band_value(value: Any) -> Any:
    return Band.parse(value) if isinstance(value, str) else value


def _layer_or_any(value: Any) -> Any:
    if value == "*" or not isinstance(value, str):
        return value
    try:
        return Layer(value.upper()).value
    except ValueError:
        raise ValueError("not a layer: use L1 to L7, or * for any layer") from None


LayerPattern = Annotated[str, BeforeValidator(_layer_or_any)]


class Acceptable:
    """What every acceptance (by fingerprint or by pattern) answers: placeholders and expiry."""

    if TYPE_CHECKING:  # the fields of the models that mix it in (declared there, in order)
        justification: str
        owner: str
        expires: dt.date

    @property
    def placeholder(self) -> bool:
        """True when the justification or the owner is still a TODO placeholder."""
        return bool(_TODO.match(self.justification) or _TODO.match(self.owner))

    @property
    def owner_placeholder(self) -> bool:
        """True when the owner is still a TODO placeholder (no owner was known or given)."""
        return bool(_TODO.match(self.owner))

    def expired(self, today: dt.date) -> bool:
        """True after the expiry date (the acceptance holds through ``expires``)."""
        return today > self.expires


class PatternAcceptance(Acceptable, BaseModel):
    """Chains accepted by what they share (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry: str = Field("*", min_length=1, description="Entry component id; wildcards * ? [..]")
    target: str = Field("*", min_length=1, description="Final component id; wildcards * ? [..]")
    entry_layer: LayerPattern = Field("*", description="Entry component's layer (L1-L7) or *")
    target_layer: LayerPattern = Field("*", description="Final component's layer (L1-L7) or *")
    rule: str = Field("*", min_length=1, description="A rule id some hop follows; wildcards")
    band: Annotated[Band, BeforeValidator(_band_value)] | None = Field(
        None, description="Highest band accepted; a matching chain above it fails (escalated)"
    )
    chains: int | None = Field(
        None, ge=0, description="How many chains matched when it was written (for the reader)"
    )
    justification: str = Field(min_length=1, description="Why these chains are accepted")
    owner: str = Field(min_length=1, description="Who answers for the acceptance")
    expires: dt.date = Field(description="Last day the acceptance holds (YYYY-MM-DD)")

    @model_validator(mode="after")
    def _says_something(self) -> PatternAcceptance:
        if all(value == "*" for value in self.criteria()):
            raise ValueError(
                "a pattern must name at least one of entry, target, entry_layer, target_layer "
                "or rule (a pattern of wildcards only would accept every chain)"
            )
        return self

    def criteria(self) -> tuple[str, ...]:
        """The matching fields, in :data:`CRITERIA` order (what identifies the pattern)."""
        return tuple(getattr(self, name) for name in CRITERIA)

    def describe(self) -> str:
        """The fields that are not ``*``, as ``name=value`` separated by spaces."""
        return " ".join(
            f"{name}={value}"
            for name, value in zip(CRITERIA, self.criteria(), strict=True)
            if value != "*"
        )

    @property
    def label(self) -> str:
        """How messages name the acceptance."""
        return f"pattern {self.describe()}"

    def matches(self, chain: Chain) -> bool:
        """Whether ``chain`` matches every field."""
        first, last = chain.steps[0], chain.steps[-1]
        return (
            fnmatchcase(first.component, self.entry)
            and fnmatchcase(last.component, self.target)
            and self.entry_layer in ("*", first.layer.value)
            and self.target_layer in ("*", last.layer.value)
            and (
                self.rule == "*"
                or any(
                    step.transition is not None and fnmatchcase(step.transition.rule.id, self.rule)
                    for step in chain.steps
                )
            )
        )


def first_match(patterns: Sequence[PatternAcceptance], chain: Chain) -> PatternAcceptance | None:
    """The first pattern (in file order) that ``chain`` matches, or None."""
    return next((pattern for pattern in patterns if pattern.matches(chain)), None)


def group_criteria(chain: Chain, group_by: GroupBy) -> dict[str, str]:
    """The pattern fields that put ``chain`` in its group (component ids escaped, so an id
    with a wildcard character matches only itself)."""
    first, last = chain.steps[0], chain.steps[-1]
    if group_by == "pair":
        return {"entry": glob.escape(first.component), "target": glob.escape(last.component)}
    if group_by == "target":
        return {"target": glob.escape(last.component)}
    if group_by == "layers":
        return {"entry_layer": first.layer.value, "target_layer": last.layer.value}
    raise ValueError(f"group_by must be one of {', '.join(GROUPINGS[1:])}, got {group_by!r}")


def group_chains(
    chains: Iterable[Chain], group_by: GroupBy
) -> list[tuple[dict[str, str], list[Chain]]]:
    """Chains grouped by :func:`group_criteria`, the group with the riskiest chain first
    (ties by the fields, so the order is the same run to run).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> chains = mg.analyze(mg.example("multi-agent")).gate_chains("high")
    >>> groups = group_chains(chains, "layers")
    >>> sum(len(members) for _, members in groups) == len(chains) > len(groups)
    True
    """
    groups: dict[tuple[tuple[str, str], ...], list[Chain]] = {}
    for chain in chains:
        key = tuple(sorted(group_criteria(chain, group_by).items()))
        groups.setdefault(key, []).append(chain)
    ordered = sorted(groups.items(), key=lambda item: (-max(c.risk for c in item[1]), item[0]))
    return [(dict(key), members) for key, members in ordered]
