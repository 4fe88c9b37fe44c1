"""Likelihood, impact, risk and bands (DESIGN section 5).

- ATLAS maturity factor: the strongest technique linked to a threat scales its likelihood
  (realized 1.0, demonstrated 0.8, feasible 0.5, no technique 0.6; configurable).
- Controls: each control present that mitigates a threat multiplies its likelihood by
  ``1 - effectiveness``; a control can only lower a likelihood.
- Impact: the threat's impact (1-5) and the component's criticality (1-5) combine as their
  geometric mean, ``sqrt(impact * criticality)``, which stays on the 1-5 scale.
- Risk = likelihood x impact (0 to 5).
- Band: the 5x5 risk matrix. Likelihood falls in level 1-5 at the bounds 0.05, 0.2, 0.5, 0.8;
  impact is rounded to level 1-5; their product gives low (1-4), medium (5-9), high (10-16) or
  critical (20-25).

Examples
--------
>>> settings = RiskSettings()
>>> settings.maturity_factor(Maturity.DEMONSTRATED)
0.8
>>> band_for(0.42, 4.0)
<Band.HIGH: 'high'>
>>> round(combined_impact(4, 5), 3)
4.472
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from maestro_graph.catalog.types import Maturity

DEFAULT_MATURITY_FACTORS: Mapping[Maturity, float] = MappingProxyType(
    {Maturity.REALIZED: 1.0, Maturity.DEMONSTRATED: 0.8, Maturity.FEASIBLE: 0.5}
)
LIKELIHOOD_BOUNDS = (0.05, 0.2, 0.5, 0.8)


class Band(StrEnum):
    """Risk bands of the 5x5 matrix, in increasing order."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for critical: bands compare by rank."""
        return list(Band).index(self)

    @classmethod
    def parse(cls, text: str | Band) -> Band:
        """Read a band name; the error lists the valid ones.

        Examples
        --------
        >>> Band.parse("HIGH")
        <Band.HIGH: 'high'>
        """
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown band {text!r}; valid bands: {', '.join(b.value for b in cls)}"
            ) from None


@dataclass(frozen=True)
class RiskSettings:
    """Tunable factors of the scoring; the defaults are DESIGN section 5's."""

    maturity_factors: Mapping[Maturity, float] = field(
        default_factory=lambda: DEFAULT_MATURITY_FACTORS
    )
    no_evidence_factor: float = 0.6

    def maturity_factor(self, maturity: Maturity | None) -> float:
        """The likelihood factor for a threat whose strongest ATLAS evidence is ``maturity``."""
        return self.no_evidence_factor if maturity is None else self.maturity_factors[maturity]


def control_factor(effectivenesses: Iterable[float]) -> float:
    """The product of ``1 - effectiveness``: what is left of a likelihood after the controls.

    Examples
    --------
    >>> control_factor([0.5, 0.5])
    0.25
    >>> control_factor([])
    1.0
    """
    return math.prod((1.0 - e for e in effectivenesses), start=1.0)


def combined_impact(threat_impact: int, criticality: int) -> float:
    """Impact of a threat at a component, on the 1-5 scale (geometric mean)."""
    return math.sqrt(threat_impact * criticality)


def likelihood_level(likelihood: float) -> int:
    """The 5x5 matrix row, 1 to 5, for a likelihood.

    Examples
    --------
    >>> [likelihood_level(x) for x in (0.01, 0.05, 0.3, 0.6, 0.9)]
    [1, 2, 3, 4, 5]
    """
    return 1 + sum(likelihood >= bound for bound in LIKELIHOOD_BOUNDS)


def impact_level(impact: float) -> int:
    """The 5x5 matrix column, 1 to 5, for an impact (rounded half up)."""
    return max(1, min(5, math.floor(impact + 0.5)))


def band_for(likelihood: float, impact: float) -> Band:
    """The band of the 5x5 matrix cell that a likelihood and an impact fall in."""
    return _band_of_score(likelihood_level(likelihood) * impact_level(impact))


_LIKELIHOOD_LEVEL_FLOORS = (0.0, *LIKELIHOOD_BOUNDS)
_IMPACT_LEVEL_FLOORS = (1.0, 1.5, 2.5, 3.5, 4.5)


def band_floor(band: Band) -> float:
    """The smallest risk any (likelihood, impact) in ``band`` or above can have.

    Every chain whose band is at least ``band`` has at least this risk, so a search may drop
    everything below it.

    Examples
    --------
    >>> band_floor(Band.HIGH)
    0.225
    >>> band_floor(Band.MEDIUM)
    0.0
    """
    floors = [
        likelihood * impact
        for level_l, likelihood in enumerate(_LIKELIHOOD_LEVEL_FLOORS, start=1)
        for level_i, impact in enumerate(_IMPACT_LEVEL_FLOORS, start=1)
        if _band_of_score(level_l * level_i).rank >= band.rank
    ]
    return round(min(floors), 12)


def _band_of_score(score: int) -> Band:
    if score <= 4:
        return Band.LOW
    if score <= 9:
        return Band.MEDIUM
    if score <= 16:
        return Band.HIGH
    return Band.CRITICAL
