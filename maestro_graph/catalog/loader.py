"""Loading ``rules/`` (and users' rule folders) into a checked :class:`Catalog`."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from maestro_graph.catalog.types import Catalog, KindInfo
from maestro_graph.errors import MaestroInputError, Problem
from maestro_graph.layers import Layer
from maestro_graph.loading import Document, read_document


def builtin_rules_dir() -> Path:
    """The catalog shipped with the package.

    In an installed wheel ``rules/`` sits inside the package; in a source checkout (an editable
    install) it is the repository's top-level ``rules/``.
    """
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "rules", package_dir.parent / "rules"):
        if (candidate / "kinds.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"maestro-graph's rules/ folder was not found near {package_dir}")


def _read_kinds(
    document: Document, kinds: dict[str, KindInfo], warnings: list[str]
) -> list[Problem]:
    problems: list[Problem] = []
    data = document.data
    if not isinstance(data, dict):
        return [document.problem((), "kinds.yaml must map each layer (L1..L7) to its kinds")]
    for layer_key, entries in data.items():
        try:
            layer = Layer.parse(layer_key)
        except ValueError as error:
            problems.append(document.problem((layer_key,), str(error)))
            continue
        if not isinstance(entries, dict):
            problems.append(
                document.problem((layer_key,), f"{layer_key} must map kind ids to descriptions")
            )
            continue
        for kind, description in entries.items():
            if (
                not isinstance(kind, str)
                or not kind.replace("_", "").isalnum()
                or not kind.islower()
            ):
                problems.append(
                    document.problem((layer_key, kind), f"invalid kind id {kind!r}; use snake_case")
                )
                continue
            previous = kinds.get(kind)
            if previous is not None and previous.layer is not layer:
                problems.append(
                    document.problem(
                        (layer_key, kind),
                        f"kind {kind!r} is already defined on {previous.layer.value}",
                    )
                )
                continue
            if previous is not None:
                warnings.append(
                    f"{document.source}: kind {kind!r} overrides the built-in definition"
                )
            kinds[kind] = KindInfo(kind, layer, str(description or "").strip())
    return problems


def _load(directories: tuple[Path, ...]) -> Catalog:
    kinds: dict[str, KindInfo] = {}
    warnings: list[str] = []
    problems: list[Problem] = []
    digest = hashlib.sha256()
    for index, directory in enumerate(directories):
        if not directory.is_dir():
            problems.append(Problem(str(directory), None, "rules folder not found"))
            continue
        kinds_file = directory / "kinds.yaml"
        if kinds_file.is_file():
            digest.update(kinds_file.read_bytes())
            problems += _read_kinds(read_document(kinds_file), kinds, warnings)
        elif index == 0:
            problems.append(
                Problem(str(kinds_file), None, "the built-in catalog has no kinds.yaml")
            )
    if problems:
        raise MaestroInputError(problems)
    return Catalog(
        kinds=kinds,
        sources=tuple(str(d) for d in directories),
        warnings=tuple(warnings),
        version=digest.hexdigest()[:12],
    )


@lru_cache(maxsize=8)
def _load_cached(directories: tuple[Path, ...]) -> Catalog:
    # Catalogs are immutable, so sharing one between analyses is safe.
    return _load(directories)


def load_catalog(*extra_dirs: str | Path) -> Catalog:
    """Load the built-in catalog plus any user rule folders.

    Parameters
    ----------
    *extra_dirs : str or Path
        User rule folders; their entries add to (or, with the same id, override) built-in ones.

    Returns
    -------
    Catalog

    Raises
    ------
    MaestroInputError
        When a rule file is malformed or a cross-reference does not resolve.

    Examples
    --------
    >>> catalog = load_catalog()
    >>> catalog.layer_of_kind("vector_store")
    <Layer.L2: 'L2'>
    """
    directories = (builtin_rules_dir(), *(Path(d).resolve() for d in extra_dirs))
    return _load_cached(directories)
