"""What the regression files (saved reports, baselines) share: the band and fingerprint fields
and validation messages that name the file's lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from maestro_graph.engine.risk import Band
from maestro_graph.model.loading import Document
from maestro_graph.support.errors import Problem, did_you_mean

if TYPE_CHECKING:
    pass

#: Format version written in ``maestro_baseline:``.
BASELINE_FORMAT = 1
FINGERPRINT_PATTERN = r"^c-[0-9a-f]{12}$"


def _parse_band_value(value: Any) -> Any:
    if isinstance(value, str):
        return Band.parse(value)
    return value


BandField = Annotated[Band, BeforeValidator(_parse_band_value)]
Fingerprint = Annotated[str, Field(pattern=FINGERPRINT_PATTERN)]


def location_text(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _fields_at(root: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    current: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if info is None:
            return []
        annotation = info.annotation
        args = getattr(annotation, "__args__", ()) or ()
        nested = [
            a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not nested:
            return []
        current = nested[0]
    fields = getattr(current, "model_fields", {})
    return [info.alias or name for name, info in fields.items()]


def validation_problems(
    error: ValidationError, document: Document, root: type[BaseModel]
) -> list[Problem]:
    problems = set()
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        name = str(loc[-1]) if loc else ""
        where = location_text(loc)
        if kind == "missing":
            parent = location_text(loc[:-1]) or "baseline"
            message = f"{parent}: missing required field {name!r}"
        elif kind == "extra_forbidden":
            hint = did_you_mean(name, _fields_at(root, loc[:-1]))
            message = f"{where}: unknown field {name!r}{hint}"
        elif kind == "string_pattern_mismatch" and name == "id":
            message = (
                f"{where}: {item['input']!r} is not a chain fingerprint; expected 'c-' and 12 "
                "lower-case hex digits, as in the id column of maestro-graph paths"
            )
        elif kind == "literal_error" and loc == ("maestro_baseline",):
            message = (
                f"maestro_baseline: unsupported baseline format {item['input']!r}; this version "
                f"reads format {BASELINE_FORMAT}"
            )
        elif kind == "model_type" and not loc:
            message = "the file must be a mapping"
        else:
            message = f"{where}: " + str(item["msg"]).removeprefix("Value error, ")
            value = item.get("input")
            if isinstance(value, str | int | float | bool | dt.date) or value is None:
                message += f", got {value!r}"
        problems.add(document.problem(loc, message))
    return sorted(problems, key=lambda p: (p.line or 0, p.message))
