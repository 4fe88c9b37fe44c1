"""Checking a user's model against the catalog's vocabulary (kinds, controls).

The model (instance) and the catalog (language) are validated separately; this module checks that
the instance only uses words the language has.
"""

from __future__ import annotations

from maestro_graph.catalog import Catalog
from maestro_graph.errors import MaestroInputError, Problem, did_you_mean
from maestro_graph.model import SystemModel

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
