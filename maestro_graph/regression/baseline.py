"""Baseline files: the chains accepted as known risks, each with a justification, an owner and an
expiry date, one by one or by pattern."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from maestro_graph.engine.patterns import (
    Acceptable,
    GroupBy,
    PatternAcceptance,
    group_chains,
)
from maestro_graph.engine.ranking import (
    Chain,
)
from maestro_graph.engine.risk import Band
from maestro_graph.model.loading import DEFAULT_LIMITS, Document, Limits, dump_yaml, read_document
from maestro_graph.regression.files import (
    BASELINE_FORMAT,
    BandField,
    Fingerprint,
    validation_problems,
)
from maestro_graph.regression.snapshot import parse_band
from maestro_graph.support.errors import MaestroInputError

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis


#: Days an acceptance lasts unless the caller says otherwise.
DEFAULT_EXPIRY_DAYS = 90
DEFAULT_JUSTIFICATION = "TODO: why this chain is accepted"
DEFAULT_OWNER = "TODO"


# -- baseline ------------------------------------------------------------------------------------


def _none_as_empty(value: Any) -> Any:
    return [] if value is None else value


class Acceptance(Acceptable, BaseModel):
    """One accepted chain of a baseline file.

    ``layers``, ``path``, ``band`` and ``risk`` record what was accepted, for the reader and for
    ``check`` (a chain whose band rose above the accepted ``band`` fails again).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Fingerprint = Field(description="Chain fingerprint, c- and 12 hex digits")
    layers: str | None = Field(None, description="Layer signature when accepted, e.g. L2 > L3")
    path: str | None = Field(None, description="The chain's steps when accepted")
    band: BandField | None = Field(None, description="Band when accepted")
    risk: float | None = Field(None, ge=0, description="Risk when accepted")
    justification: str = Field(min_length=1, description="Why the chain is accepted")
    owner: str = Field(min_length=1, description="Who answers for the acceptance")
    expires: dt.date = Field(description="Last day the acceptance holds (YYYY-MM-DD)")

    @property
    def label(self) -> str:
        """How messages name the acceptance: the chain's fingerprint."""
        return self.id


def _plain_value(value: Any) -> Any:
    if isinstance(value, Band):
        return value.value
    if isinstance(value, dt.date):
        # A fresh object per entry: the YAML writer would turn a shared one into an alias.
        return dt.date.fromordinal(value.toordinal())
    return value


class Baseline(BaseModel):
    """A baseline file: the chains accepted as known risks (DESIGN section 7)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    maestro_baseline: Literal[1] = Field(description="Baseline format version")
    model: str | None = Field(None, description="Name of the model the baseline was made for")
    catalog_version: str | None = Field(None, description="Catalog version it was made with")
    created: dt.date | None = Field(None, description="When it was written")
    accepted: Annotated[list[Acceptance], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list, description="The accepted chains"
    )
    accepted_patterns: Annotated[list[PatternAcceptance], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list,
        description="Chains accepted by entry, target, layer pair or rule, with wildcards "
        "(maestro_graph.engine.patterns)",
    )

    _source: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """The file the baseline was read from, if any."""
        return self._source

    def entry(self, chain_id: str) -> Acceptance | None:
        """The acceptance of a chain id, if any."""
        return next((a for a in self.accepted if a.id == chain_id), None)

    @property
    def entries(self) -> tuple[Acceptance | PatternAcceptance, ...]:
        """Every acceptance: by fingerprint, then by pattern."""
        return (*self.accepted, *self.accepted_patterns)

    def to_data(self) -> dict[str, Any]:
        """Plain data in the file format (``accepted_patterns`` only when there are some)."""
        data = self.model_dump(mode="python")
        for key in ("accepted", "accepted_patterns"):
            data[key] = [
                {name: _plain_value(value) for name, value in entry.items() if value is not None}
                for entry in data[key]
            ]
        # A pattern's wildcard fields say nothing: the file shows what each one matches on.
        data["accepted_patterns"] = [
            {name: value for name, value in entry.items() if value != "*"}
            for entry in data["accepted_patterns"]
        ]
        if not data["accepted_patterns"]:
            del data["accepted_patterns"]
        return {key: value for key, value in data.items() if value is not None}

    def to_yaml(self) -> str:
        """The baseline file's text (comments, then the data).

        Examples
        --------
        >>> text = Baseline(maestro_baseline=1, model="x").to_yaml()
        >>> text.splitlines()[-2:]
        ['model: x', 'accepted: []']
        """
        return _BASELINE_HEADER + dump_yaml(self.to_data())


_BASELINE_HEADER = """\
# maestro-graph baseline: attack chains accepted as known risks.
# `maestro-graph check MODEL --baseline THIS_FILE --fail-on high` fails on every chain at or above
# the band that is not listed here, whose acceptance has expired, or whose band rose above the one
# it was accepted at. Give each entry a real justification and owner; renew an acceptance by
# moving its expiry date after a review; `maestro-graph baseline MODEL -o THIS_FILE --update`
# refreshes the list and keeps what was filled in.
"""


def _chain_owner(chain: Chain) -> str:
    """Who answers for accepting a chain: its components' owners, else the placeholder."""
    return ", ".join(chain.owners) or DEFAULT_OWNER


def make_baseline(
    analysis: Analysis,
    min_band: Band | str = Band.MEDIUM,
    *,
    owner: str | None = None,
    justification: str = DEFAULT_JUSTIFICATION,
    expires_in: int = DEFAULT_EXPIRY_DAYS,
    today: dt.date | None = None,
    previous: Baseline | None = None,
    max_hops: int = 6,
    group_by: GroupBy = "chain",
) -> Baseline:
    """Accept every current chain at or above ``min_band``.

    Parameters
    ----------
    analysis : Analysis
    min_band : Band or str, default "medium"
        Which chains to accept.
    owner : str, optional
        Written into every new entry when given. By default each new entry names the owners of
        the components its chain crosses (:attr:`Chain.owners`, joined with ", "), or the
        ``TODO`` placeholder when it crosses no owned component.
    justification : str
        Written into every new entry (a placeholder by default, for a human to fill in).
    expires_in : int, default 90
        Days from ``today`` until new acceptances expire.
    today : date, optional
        Default: the current date.
    previous : Baseline, optional
        An existing baseline: entries for chains still present keep their justification, owner
        and expiry; entries for chains that are gone are dropped. With ``group_by="chain"`` its
        patterns are kept as they are; otherwise patterns with the same fields keep their
        justification, owner and expiry, and its fingerprint entries are dropped.
    max_hops : int, default 6
    group_by : "chain", "pair", "target" or "layers"
        ``chain`` (default): one fingerprint entry per chain. Otherwise one pattern per group
        (:mod:`maestro_graph.engine.patterns`): per (entry, target) component pair, per target
        component, or per (entry layer, target layer); each records the highest band of its
        chains and how many there are, so a large model needs few justifications.

    Returns
    -------
    Baseline

    Raises
    ------
    MaestroInputError
        For an unknown band, a blank ``owner``, or ``expires_in`` below 1.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> baseline = make_baseline(mg.analyze(mg.example("netmon")), "high",
    ...                          today=dt.date(2026, 11, 21))
    >>> entry = baseline.accepted[0]
    >>> entry.id, entry.layers, entry.band.value, entry.expires.isoformat()
    ('c-3882389f37a5', 'L2 > L3', 'high', '2027-02-19')
    >>> grouped = make_baseline(mg.analyze(mg.example("netmon")), "high", group_by="layers",
    ...                         today=dt.date(2026, 11, 21))
    >>> [(p.describe(), p.chains) for p in grouped.accepted_patterns][:1]
    [('entry_layer=L2 target_layer=L3', 1)]
    """
    band = parse_band(min_band, "--min-band")
    if owner is not None and not owner.strip():
        raise MaestroInputError.single(
            "--owner", None, "must name a team, a person or a role, got an empty value"
        )
    if expires_in < 1:
        raise MaestroInputError.single(
            "--expires-in", None, f"must be at least 1 day, got {expires_in}"
        )
    today = today or dt.date.today()
    expires = today + dt.timedelta(days=expires_in)
    chains = analysis.gate_chains(band, max_hops=max_hops)
    baseline = Baseline(
        maestro_baseline=BASELINE_FORMAT,
        model=analysis.model.name,
        catalog_version=analysis.catalog.version,
        created=today,
    )
    if group_by != "chain":
        patterns = _patterns_for(chains, group_by, owner, justification, expires, previous)
        return baseline.model_copy(update={"accepted_patterns": patterns})
    kept = {entry.id: entry for entry in previous.accepted} if previous else {}
    accepted = []
    for chain in chains:
        before = kept.get(chain.id)
        accepted.append(
            Acceptance(
                id=chain.id,
                layers=chain.signature,
                path=chain.path_text,
                band=chain.band,
                risk=round(chain.risk, 4),
                justification=before.justification if before else justification,
                owner=before.owner if before else (owner or _chain_owner(chain)).strip(),
                expires=before.expires if before else expires,
            )
        )
    # Patterns are written by people (or by --group-by): refreshing the chain entries keeps them.
    kept_patterns = list(previous.accepted_patterns) if previous else []
    return baseline.model_copy(update={"accepted": accepted, "accepted_patterns": kept_patterns})


def _patterns_for(
    chains: Sequence[Chain],
    group_by: GroupBy,
    owner: str | None,
    justification: str,
    expires: dt.date,
    previous: Baseline | None,
) -> list[PatternAcceptance]:
    """One pattern per group of chains (see :func:`make_baseline`)."""
    kept = {p.criteria(): p for p in previous.accepted_patterns} if previous else {}
    patterns = []
    for criteria, members in group_chains(chains, group_by):
        owners = dict.fromkeys(name for chain in members for name in chain.owners)
        fresh = PatternAcceptance(
            **criteria,
            band=max((chain.band for chain in members), key=lambda b: b.rank),
            chains=len(members),
            justification=justification,
            owner=(owner or ", ".join(owners) or DEFAULT_OWNER).strip(),
            expires=expires,
        )
        before = kept.get(fresh.criteria())
        if before is not None:
            fresh = fresh.model_copy(
                update={
                    "justification": before.justification,
                    "owner": before.owner,
                    "expires": before.expires,
                }
            )
        patterns.append(fresh)
    return patterns


def baseline_from_document(document: Document) -> Baseline:
    """Validate a parsed baseline document.

    Raises
    ------
    MaestroInputError
        Listing every problem (wrong types, missing fields, bad dates, malformed fingerprints,
        duplicate ids), each as ``FILE:LINE: message``.

    Examples
    --------
    >>> from maestro_graph.model.loading import parse_document
    >>> text = '''maestro_baseline: 1
    ... accepted:
    ...   - id: c-12345
    ...     justification: known
    ...     owner: sec
    ...     expires: 2027-01-01
    ... '''
    >>> baseline_from_document(parse_document(text, "base.yaml"))
    Traceback (most recent call last):
    ...
    maestro_graph.support.errors.MaestroInputError: base.yaml:3: accepted[0].id: 'c-12345' ...
    """
    data = document.data
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise MaestroInputError(
            [
                document.problem(
                    (),
                    "a baseline file must be a mapping with 'maestro_baseline' and 'accepted' "
                    f"keys; found {found} (write one with: maestro-graph baseline MODEL -o FILE)",
                )
            ]
        )
    if "maestro_baseline" not in data and "maestro" in data:
        raise MaestroInputError(
            [
                document.problem(
                    (),
                    "this is a model file, not a baseline (write a baseline with: "
                    "maestro-graph baseline MODEL -o FILE)",
                )
            ]
        )
    try:
        baseline = Baseline.model_validate(data)
    except ValidationError as error:
        raise MaestroInputError(validation_problems(error, document, Baseline)) from None
    problems = []
    first: dict[str, int] = {}
    for index, entry in enumerate(baseline.accepted):
        if entry.id in first:
            problems.append(
                document.problem(
                    ("accepted", index, "id"),
                    f"accepted[{index}].id: duplicate id {entry.id} (first listed as "
                    f"accepted[{first[entry.id]}]); keep one entry per chain",
                )
            )
        else:
            first[entry.id] = index
    first_pattern: dict[tuple[str, ...], int] = {}
    for index, pattern in enumerate(baseline.accepted_patterns):
        criteria = pattern.criteria()
        if criteria in first_pattern:
            problems.append(
                document.problem(
                    ("accepted_patterns", index),
                    f"accepted_patterns[{index}]: the same pattern as "
                    f"accepted_patterns[{first_pattern[criteria]}] ({pattern.describe()}); "
                    "keep one",
                )
            )
        else:
            first_pattern[criteria] = index
    if problems:
        raise MaestroInputError(problems)
    baseline._source = document.source
    return baseline


def load_baseline(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Baseline:
    """Read and validate a baseline file.

    Raises
    ------
    MaestroInputError
        For a missing or malformed file (see :func:`baseline_from_document`).
    """
    return baseline_from_document(read_document(path, limits=limits))
