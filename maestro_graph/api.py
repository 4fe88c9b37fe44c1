"""The Python entry points: load models and examples, load the catalog.

Examples
--------
>>> import maestro_graph as mg
>>> model = mg.example("netmon")
>>> model.component("history").layer
<Layer.L2: 'L2'>
>>> "rag-agent" in mg.example_names()
True
"""

from __future__ import annotations

from pathlib import Path

import yaml

from maestro_graph.catalog import Catalog, load_catalog
from maestro_graph.catalog.conformance import checked_model
from maestro_graph.model import SystemModel
from maestro_graph.model.loading import DEFAULT_LIMITS, Limits, parse_document, read_document
from maestro_graph.support.errors import MaestroInputError, did_you_mean

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"


def load_model(
    path: str | Path, *, catalog: Catalog | None = None, limits: Limits = DEFAULT_LIMITS
) -> SystemModel:
    """Read, validate and check a model file (YAML, or JSON by the ``.json`` suffix).

    Parameters
    ----------
    path : str or Path
        The model file.
    catalog : Catalog, optional
        The vocabulary to check kinds and controls against; default: the built-in catalog.
    limits : Limits
        Size limits (file bytes, components, flows, alias expansion).

    Returns
    -------
    SystemModel

    Raises
    ------
    MaestroInputError
        With every problem found, each as ``FILE:LINE: message``.
    """
    document = read_document(path, limits=limits)
    return checked_model(document, catalog or load_catalog(), limits=limits)


def model_from_text(
    text: str,
    source: str = "<string>",
    *,
    is_json: bool = False,
    catalog: Catalog | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> SystemModel:
    """Like :func:`load_model`, for a model held in a string.

    Examples
    --------
    >>> model = model_from_text('''
    ... maestro: 1
    ... system: {name: Two parts}
    ... components:
    ...   - {id: user, layer: L7, kind: user, exposure: public}
    ...   - {id: bot, layer: L3, kind: agent}
    ... flows:
    ...   - {from: user, to: bot, kind: invokes}
    ... ''')
    >>> [c.id for c in model.entry_components()]
    ['user']
    """
    document = parse_document(text, source, is_json=is_json, limits=limits)
    return checked_model(document, catalog or load_catalog(), limits=limits)


def example_names() -> tuple[str, ...]:
    """Names of the bundled examples, for ``example(name)`` and ``--example NAME``."""
    return tuple(sorted(path.stem for path in EXAMPLES_DIR.glob("*.yaml")))


def example_path(name: str) -> Path:
    """The file of a bundled example.

    Raises
    ------
    MaestroInputError
        For an unknown name, listing the bundled ones.
    """
    names = example_names()
    path = EXAMPLES_DIR / f"{name}.yaml"
    # Only a bundled name: "../x" or "/abs/x" would load a file outside the examples.
    if name not in names or not path.is_file():
        raise MaestroInputError.single(
            "--example",
            None,
            f"no bundled example {name!r}{did_you_mean(name, names)}; bundled: {', '.join(names)}",
        )
    return path


def examples() -> dict[str, str]:
    """Each bundled example with its one-line description."""
    described = {}
    for name in example_names():
        with example_path(name).open(encoding="utf-8") as handle:
            system = (yaml.safe_load(handle) or {}).get("system", {})
        described[name] = str(system.get("description") or system.get("name") or "").strip()
    return described


def example(name: str, *, catalog: Catalog | None = None) -> SystemModel:
    """Load a bundled example model by name (``netmon``, ``rag-agent``, ``multi-agent``)."""
    return load_model(example_path(name), catalog=catalog)


__all__ = [
    "example",
    "example_names",
    "example_path",
    "examples",
    "load_catalog",
    "load_model",
    "model_from_text",
]
