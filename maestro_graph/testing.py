"""Assertions on attack chains for your own test suite, and a pytest plugin.

Keep an architecture's security properties as tests next to the code::

    from maestro_graph.testing import assert_no_chains

    def test_no_ecosystem_chain_reaches_our_data():
        assert_no_chains("architecture.yaml", from_layers="L7", to_layers="L2", at_least="high")

When maestro-graph is installed, pytest also loads this module as a plugin (entry point
``pytest11``), which adds the ``maestro_analysis`` fixture: a factory that reads a model (file,
bundled example or :class:`~maestro_graph.SystemModel`) and returns its Analysis, e.g.
``maestro_analysis("architecture.yaml", rules=["my-rules"])``.

The module imports nothing heavy at import time (pytest loads plugins in every session), and
pytest itself only when it is installed: it is not a dependency of maestro-graph.

Examples
--------
>>> import maestro_graph as mg
>>> assert_no_chains(mg.example("netmon"), from_layers="L7", at_least="critical")
>>> assert_no_chains(mg.example("netmon"), from_layers="L2", to_layers="L3", at_least="high")
Traceback (most recent call last):
...
AssertionError: 1 chain from L2 to L3 at or above high in Network-monitoring agent:
  c-3882389f37a5  high  risk 1.820  L2 > L3  history[L2.data-poisoning] > tuner[L3.planner-...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis
    from maestro_graph.engine.ranking import Chain
    from maestro_graph.model import SystemModel

Layers = str | Iterable[str] | None


def analysis_of(
    subject: Analysis | SystemModel | str | Path, *, rules: Sequence[str | Path] = ()
) -> Analysis:
    """An :class:`Analysis` of an analysis (returned as is), a model, or a model file.

    Parameters
    ----------
    subject : Analysis, SystemModel, str or Path
        A path to a model file; ``"example:NAME"`` for a bundled example.
    rules : sequence of str or Path
        Rule folders added to the built-in catalog (ignored for an Analysis).

    Raises
    ------
    MaestroInputError
        For an unreadable or invalid model or rule folder.
    """
    from maestro_graph.analysis import Analysis, analyze
    from maestro_graph.api import example_path, load_model
    from maestro_graph.catalog import load_catalog
    from maestro_graph.model import SystemModel

    if isinstance(subject, Analysis):
        return subject
    catalog = load_catalog(*rules)
    if isinstance(subject, SystemModel):
        return analyze(subject, catalog=catalog)
    text = str(subject)
    path = example_path(text.removeprefix("example:")) if text.startswith("example:") else text
    return analyze(load_model(path, catalog=catalog), catalog=catalog)


def _layer_list(value: Layers) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def find_chains(
    subject: Analysis | SystemModel | str | Path,
    *,
    from_layers: Layers = None,
    to_layers: Layers = None,
    through_layers: Layers = None,
    entry: str | Iterable[str] | None = None,
    target: str | Iterable[str] | None = None,
    at_least: str = "medium",
    max_hops: int = 8,
    include_single_layer: bool = True,
    rules: Sequence[str | Path] = (),
) -> list[Chain]:
    """Every chain matching the filters at or above a band (best per entry/target pair), ranked.

    Parameters
    ----------
    subject : Analysis, SystemModel, str or Path
        What to analyse (see :func:`analysis_of`).
    from_layers, to_layers, through_layers : str or iterable of str, optional
        Layer(s) of the entry component, of the final component, and layers the chain touches
        (``"L7"``, ``["L2", "L4"]`` or ``"L2,L4"``).
    entry, target : str or iterable of str, optional
        Component ids the chain starts or ends at.
    at_least : str, default "medium"
        Lowest band reported.
    max_hops : int, default 8
    include_single_layer : bool, default True
    rules : sequence of str or Path
        Extra rule folders.

    Returns
    -------
    list of Chain

    Raises
    ------
    MaestroInputError
        For an unknown layer, component or band.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> chains = find_chains(mg.example("netmon"), to_layers="L5", at_least="medium")
    >>> all(c.layers[-1].value == "L5" for c in chains) and len(chains) > 0
    True
    """
    from maestro_graph.engine.ranking import search_chains
    from maestro_graph.engine.risk import Band, band_floor
    from maestro_graph.support.errors import MaestroInputError

    analysis = analysis_of(subject, rules=rules)
    try:
        band = Band.parse(at_least)
    except ValueError as error:
        raise MaestroInputError.single("at_least", None, str(error)) from None
    query = analysis.query(
        top=None,
        max_hops=max_hops,
        source_layers=_layer_list(from_layers),
        target_layers=_layer_list(to_layers),
        through_layers=_layer_list(through_layers),
        entry=entry,
        target=target,
        include_single_layer=include_single_layer,
        fold_stages=False,
    )
    query = dataclasses.replace(query, min_risk=band_floor(band))
    return [c for c in search_chains(analysis.attack_graph, query) if c.band.rank >= band.rank]


def _describe(
    from_layers: Layers, to_layers: Layers, through_layers: Layers, entry: Any, target: Any
) -> str:
    parts = []
    for label, value in (
        ("from", from_layers),
        ("to", to_layers),
        ("through", through_layers),
        ("starting at", entry),
        ("ending at", target),
    ):
        values = _layer_list(value)
        if values:
            parts.append(f"{label} {','.join(values)}")
    return " ".join(parts)


def format_chains(chains: Sequence[Chain], *, limit: int = 20) -> str:
    """One line per chain (id, band, risk, layers, path), at most ``limit`` lines."""
    lines = [
        f"  {c.id}  {c.band.value}  risk {c.risk:.3f}  {c.signature}  {c.path_text}"
        for c in chains[:limit]
    ]
    if len(chains) > limit:
        lines.append(f"  ... and {len(chains) - limit} more")
    return "\n".join(lines)


def assert_no_chains(
    subject: Analysis | SystemModel | str | Path,
    *,
    from_layers: Layers = None,
    to_layers: Layers = None,
    through_layers: Layers = None,
    entry: str | Iterable[str] | None = None,
    target: str | Iterable[str] | None = None,
    at_least: str = "medium",
    max_hops: int = 8,
    include_single_layer: bool = True,
    rules: Sequence[str | Path] = (),
) -> None:
    """Fail unless no chain matches: "no chain from L7 to L2 at or above medium".

    Takes the same arguments as :func:`find_chains`.

    Raises
    ------
    AssertionError
        Listing the offending chains (id, band, risk, layers, path), highest risk first.
    MaestroInputError
        For an invalid model, layer, component or band.
    """
    analysis = analysis_of(subject, rules=rules)
    chains = find_chains(
        analysis,
        from_layers=from_layers,
        to_layers=to_layers,
        through_layers=through_layers,
        entry=entry,
        target=target,
        at_least=at_least,
        max_hops=max_hops,
        include_single_layer=include_single_layer,
    )
    if chains:
        what = _describe(from_layers, to_layers, through_layers, entry, target)
        count = f"{len(chains)} chain{'s' if len(chains) != 1 else ''}"
        raise AssertionError(
            f"{count}{' ' + what if what else ''} at or above {at_least} in "
            f"{analysis.model.name}:\n{format_chains(chains)}"
        )


# -- the pytest plugin ------------------------------------------------------------------------

try:  # pytest is not a dependency: the fixture exists only where pytest does.
    import pytest
except ImportError:  # pragma: no cover - exercised only without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def maestro_analysis() -> Callable[..., Analysis]:
        """Factory fixture: ``maestro_analysis(model, rules=[...])`` returns an Analysis.

        ``model`` is a model file, ``"example:NAME"`` or a SystemModel.
        """

        def make(
            subject: SystemModel | str | Path, *, rules: Sequence[str | Path] = ()
        ) -> Analysis:
            return analysis_of(subject, rules=rules)

        return make


__all__ = ["analysis_of", "assert_no_chains", "find_chains", "format_chains"]
