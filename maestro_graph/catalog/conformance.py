"""Checking a user's model against the catalog's vocabulary (kinds, controls).

The model (instance) and the catalog (language) are validated separately; this module checks that
the instance only uses words the language has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from maestro_graph.catalog import Catalog
from maestro_graph.model import (
    DEFER_REFERENCE_CHECKS,
    ID_PATTERN,
    Attacker,
    Component,
    Flow,
    SystemModel,
    parse_model,
    reference_issues,
)
from maestro_graph.model.loading import DEFAULT_LIMITS, Document, Limits
from maestro_graph.support.errors import MaestroInputError, Problem, did_you_mean
from maestro_graph.support.perf import paused_gc

Issue = tuple[tuple[str | int, ...], str]


def catalog_issues(model: SystemModel, catalog: Catalog) -> list[Issue]:
    """Every unknown kind, kind of another layer, unknown or misplaced control in the model.

    Examples
    --------
    >>> from maestro_graph.catalog import load_catalog
    >>> model = SystemModel.model_validate({"maestro": 1, "system": {"name": "x"},
    ...     "components": [{"id": "kb", "layer": "L3", "kind": "vector_store"}]})
    >>> path, message = catalog_issues(model, load_catalog())[0]
    >>> path
    ('components', 0, 'kind')
    >>> message.split(";")[0]
    "components[0].kind: kind 'vector_store' belongs to L2 Data Operations, not L3 Agent Frameworks"
    """
    issues: list[Issue] = []
    for index, component in enumerate(model.components):
        valid = catalog.kinds_of(component.layer)
        if component.kind in valid:
            continue
        home = catalog.layer_of_kind(component.kind)
        where = f"components[{index}].kind"
        if home is not None:
            message = (
                f"{where}: kind {component.kind!r} belongs to {home.info.label}, not "
                f"{component.layer.info.label}; move the component to {home.value} or pick one of "
                f"the {component.layer.value} kinds: {', '.join(valid)}"
            )
        else:
            message = (
                f"{where}: unknown kind {component.kind!r}{did_you_mean(component.kind, valid)}; "
                f"valid kinds on {component.layer.info.label}: {', '.join(valid)}"
            )
        issues.append((("components", index, "kind"), message))
    issues += _control_issues(model, catalog)
    return issues


def _control_issues(model: SystemModel, catalog: Catalog) -> list[Issue]:
    if not catalog.controls:
        return []
    issues: list[Issue] = []
    placed = [
        (("components", index), f"components[{index}]", "component", component.controls)
        for index, component in enumerate(model.components)
    ] + [
        (("flows", index), f"flows[{index}]", "flow", flow.controls)
        for index, flow in enumerate(model.flows)
    ]
    for path, where, place, control_ids in placed:
        for position, control_id in enumerate(control_ids):
            control = catalog.controls.get(control_id)
            value_path = (*path, "controls", position)
            if control is None:
                hint = did_you_mean(control_id, catalog.controls)
                issues.append(
                    (value_path, f"{where}.controls: unknown control {control_id!r}{hint}")
                )
            elif place not in control.placement:
                issues.append(
                    (
                        value_path,
                        f"{where}.controls: control {control_id!r} cannot be placed on a {place}; "
                        f"it goes on a {' or a '.join(control.placement)}",
                    )
                )
    return issues


def check_model(model: SystemModel, catalog: Catalog) -> SystemModel:
    """Raise :class:`MaestroInputError` (with file lines) unless the model conforms to the catalog.

    Returns
    -------
    SystemModel
        The same model, for chaining.
    """
    issues = catalog_issues(model, catalog)
    if issues:
        source = model.source or "<model>"
        raise MaestroInputError(
            Problem(source, model.line_of(path), message) for path, message in issues
        )
    return model


def checked_model(
    document: Document, catalog: Catalog, *, limits: Limits = DEFAULT_LIMITS
) -> SystemModel:
    """Validate a document as a model and check it against the catalog, reporting **every**
    problem of the file in one error: types and values, references and the catalog's words.

    A model with a wrong type somewhere cannot be built, so the later checks (flows to unknown
    components, unknown kinds and controls) run on a repaired copy: each component or flow
    with its bad fields left out (or, when its id, ends or layer are unreadable, a stand-in
    whose findings are dropped). Nothing found on the copy is reported twice.

    Raises
    ------
    MaestroInputError
        With every problem, each as ``FILE:LINE: message``, in line order.

    Examples
    --------
    >>> from maestro_graph.catalog import load_catalog
    >>> from maestro_graph.model.loading import parse_document
    >>> text = "\\n".join([
    ...     "maestro: 1",
    ...     "system: {name: demo}",
    ...     "components:",
    ...     "  - {id: kb, layer: L2, kind: vectorstore, criticality: 9}",
    ...     "flows:",
    ...     "  - {from: kb, to: llm, kind: data}",
    ... ])
    >>> try:
    ...     checked_model(parse_document(text, "demo.yaml"), load_catalog())
    ... except MaestroInputError as error:
    ...     print(len(error.problems), sorted({p.line for p in error.problems}))
    3 [4, 6]
    """
    # The checks make many small objects beside the large document; full collections of the
    # cyclic collector would find nothing to free (see maestro_graph.support.perf.paused_gc).
    with paused_gc():
        try:
            model = parse_model(document, limits=limits)
        except MaestroInputError as error:
            later = _problems_of_repaired(document, catalog)
            raise MaestroInputError(_merged(error.problems, later)) from None
        return check_model(model, catalog)


def _merged(first: tuple[Problem, ...], more: list[Problem]) -> list[Problem]:
    seen = {(p.line, p.message) for p in first}
    extra = [p for p in more if (p.line, p.message) not in seen]
    return sorted([*first, *dict.fromkeys(extra)], key=lambda p: (p.line or 0, p.message))


def _repaired(part: type[BaseModel], item: Any, essential: set[str]) -> dict[str, Any] | None:
    """``item`` with the fields pydantic refuses left out, or None when an essential one is bad."""
    if not isinstance(item, Mapping):
        return None
    data = dict(item)
    for _ in range(3):
        try:
            part.model_validate(data)
            return data
        except ValidationError as error:
            bad = {str(e["loc"][0]) for e in error.errors(include_url=False) if e["loc"]}
            if bad & essential or not bad:
                return None
            data = {k: v for k, v in data.items() if k not in bad}
    return None


def _stand_in(name: str, written: Any = None) -> dict[str, Any]:
    """A valid component in place of an unreadable one. It keeps the id the user wrote when
    that id is valid, so flows to it are not reported as going nowhere; otherwise it gets an id
    no user can write (it starts with "0.stand-in."). Findings on stand-ins are dropped."""
    valid = isinstance(written, str) and re.fullmatch(ID_PATTERN, written)
    component_id = written if valid else f"0.stand-in.{name}"
    return {"id": component_id, "layer": "L7", "kind": "user"}


def _repaired_parts(data: Mapping[str, Any]) -> tuple[list, list, set]:
    components: list[dict[str, Any]] = []
    stand_ins: set[tuple[str, int]] = set()
    for index, item in enumerate(data["components"]):
        repaired = _repaired(Component, item, {"id", "layer"})
        if repaired is None:
            stand_ins.add(("components", index))
            written = item.get("id") if isinstance(item, Mapping) else None
            repaired = _stand_in(str(index), written)
        components.append(repaired)
    flows: list[dict[str, Any]] = []
    raw_flows = data.get("flows") if isinstance(data.get("flows"), list) else []
    for index, item in enumerate(raw_flows):
        repaired = _repaired(Flow, item, {"from", "to", "kind"})
        if repaired is None and isinstance(item, Mapping):
            # A flow whose kind is unreadable still says which components it joins.
            repaired = _repaired(Flow, {**item, "kind": "data"}, {"from", "to", "kind"})
        if repaired is None:
            stand_ins.add(("flows", index))
            end = _stand_in(f"flow.{index}")
            components.append(end)
            repaired = {"from": end["id"], "to": components[0]["id"], "kind": "data"}
        flows.append(repaired)
    return components, flows, stand_ins


def _problems_of_repaired(document: Document, catalog: Catalog) -> list[Problem]:
    data = document.data
    if not isinstance(data, Mapping) or not isinstance(data.get("components"), list):
        return []
    if not data["components"]:
        return []
    components, flows, stand_ins = _repaired_parts(data)
    attacker = _repaired(Attacker, data.get("attacker"), {"entry", "targets"})
    repaired = {"maestro": 1, "system": {"name": "repaired"}, "components": components}
    repaired |= {"flows": flows, "attacker": attacker}
    try:
        model = SystemModel.model_validate(repaired, context={DEFER_REFERENCE_CHECKS: True})
    except ValidationError:
        return []
    issues = [
        (path, f"{_where(path)}: {message}") for path, message in reference_issues(model)
    ] + catalog_issues(model, catalog)
    return [
        document.problem(path, message)
        for path, message in issues
        if tuple(path[:2]) not in stand_ins and "0.stand-in." not in message
    ]


def _where(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
