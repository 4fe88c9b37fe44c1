"""What diff and check need of a chain: a snapshot of it, live or from a saved report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from maestro_graph.engine.ranking import (
    Chain,
)
from maestro_graph.engine.risk import Band
from maestro_graph.support.errors import MaestroInputError

if TYPE_CHECKING:
    pass


#: Risks closer than this are equal (saved reports round risks to 4 decimals).
RISK_TOLERANCE = 1e-4

StepKey = tuple[str, str]
FlowKey = tuple[str, str, str]


# -- what diff and check need of a chain ------------------------------------------------------


@dataclass(frozen=True)
class ChainSnapshot:
    """A chain as diff compares it: from a live :class:`Chain` or a saved JSON record.

    Attributes
    ----------
    id : str
        The fingerprint.
    signature : str
        The layer signature, ``"L2 > L3"``.
    path : str
        ``"history[L2.data-poisoning] > tuner[L3.planner-manipulation]"``.
    risk : float
    band : Band
    keys : tuple of (component, threat)
        The steps.
    flows : tuple of (from, to, kind) or None
        The flow each step came through (None for the first step and for escalations inside a
        component).
    likelihoods : tuple of float or None
        Each step's likelihood, when known.
    """

    id: str
    signature: str
    path: str
    risk: float
    band: Band
    keys: tuple[StepKey, ...]
    flows: tuple[FlowKey | None, ...]
    likelihoods: tuple[float | None, ...] = ()

    @property
    def entry(self) -> str:
        """The component the chain starts at."""
        return self.keys[0][0]

    @property
    def target(self) -> str:
        """The component the chain ends at."""
        return self.keys[-1][0]

    @classmethod
    def of(cls, chain: Chain | ChainSnapshot) -> ChainSnapshot:
        """The snapshot of a chain (a snapshot is returned as it is)."""
        if isinstance(chain, ChainSnapshot):
            return chain
        flows: list[FlowKey | None] = []
        for step in chain.steps:
            flow = step.transition.flow if step.transition else None
            flows.append((flow.source, flow.target, flow.kind.value) if flow else None)
        return cls(
            id=chain.id,
            signature=chain.signature,
            path=chain.path_text,
            risk=chain.risk,
            band=chain.band,
            keys=tuple(step.state.key for step in chain.steps),
            flows=tuple(flows),
            likelihoods=tuple(step.likelihood for step in chain.steps),
        )


def flow_text(key: FlowKey) -> str:
    return f"{key[0]} -> {key[1]} ({key[2]})"


def parse_band(value: Band | str, option: str) -> Band:
    try:
        return Band.parse(value)
    except ValueError as error:
        raise MaestroInputError.single(option, None, str(error)) from None
