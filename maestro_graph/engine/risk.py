"""Likelihood, impact, risk and bands (DESIGN section 5).

- ATLAS maturity factor: the strongest technique linked to a threat scales its likelihood
  (realized 1.0, demonstrated 0.8, feasible 0.5, no technique 0.6; configurable).
- Controls: each control present that mitigates a threat multiplies its likelihood by
  ``1 - effectiveness``; a control can only lower a likelihood.
- Impact: the threat's impact (1-5) and the component's criticality (1-5) combine as their
  geometric mean, ``sqrt(impact * criticality)``, which stays on the 1-5 scale.
- Risk = likelihood x impact (0 to 5).
- Band: cut points on the risk itself (:data:`RISK_BOUNDS`): medium from 0.25, high from 1.25,
  critical from 2.5, a twentieth, a quarter and a half of the largest risk there is. The band
  follows the quantity that ranks chains, so a chain ranked below another never has a higher
  band, and controls can bring any chain below any band (they lower its likelihood, hence its
  risk, towards zero). Ranking by risk but banding on a 5x5 grid of likelihood and impact levels
  contradicted itself: impact alone put a chain of likelihood 0.01 in "medium" for good. The
  bounds agree with that grid on 78% of the findings and chains of the bundled examples and the
  incident corpus; the grid's levels (:func:`likelihood_level`, :func:`impact_level`) remain for
  reading a likelihood or an impact on their own.

Examples
--------
>>> settings = RiskSettings()
>>> settings.maturity_factor(Maturity.DEMONSTRATED)
0.8
>>> band_for(0.42, 4.0)
<Band.HIGH: 'high'>
>>> band_of_risk(0.24), band_of_risk(0.25), band_of_risk(2.5)
(<Band.LOW: 'low'>, <Band.MEDIUM: 'medium'>, <Band.CRITICAL: 'critical'>)
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
#: The risk from which each band above low begins: medium, high, critical.
RISK_BOUNDS = (0.25, 1.25, 2.5)


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
    """The band of the risk ``likelihood x impact`` (:func:`band_of_risk`)."""
    return band_of_risk(likelihood * impact)


def band_of_risk(risk: float) -> Band:
    """The band a risk falls in: low below 0.25, medium below 1.25, high below 2.5, else
    critical (:data:`RISK_BOUNDS`)."""
    # A hair of tolerance: a risk computed as 0.5 x 2.5 must not fall below the 1.25 bound.
    return list(Band)[sum(risk >= bound - 1e-9 for bound in RISK_BOUNDS)]


def band_floor(band: Band) -> float:
    """The smallest risk in ``band`` or above: a search for chains at or above ``band`` may
    drop everything below it.

    Examples
    --------
    >>> round(band_floor(Band.HIGH), 6)
    1.25
    >>> band_floor(Band.LOW)
    0.0
    """
    return 0.0 if band is Band.LOW else RISK_BOUNDS[band.rank - 1] - 1e-9
