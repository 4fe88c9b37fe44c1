"""The two YAML readers: the plain one (no anchors, aliases, tags or merge keys) builds what the
general one builds, and hands every other document over to it."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from maestro_graph.model.loading import DEFAULT_LIMITS, _EventBuilder, parse_document
from maestro_graph.support.errors import MaestroInputError

from .strategies import PROPERTY_SETTINGS

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["yes", "~", "1e3", "0x1f", "2026-12-08", ".inf", "-", "'", "<<x"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text("abcxyz_-", min_size=1, max_size=6), inner, max_size=4),
    ),
    max_leaves=25,
)


def general(text: str, source: str = "<string>") -> object:
    builder = _EventBuilder(source, DEFAULT_LIMITS, record_lines=False)
    return builder._events(text, builder._read)[0]


@PROPERTY_SETTINGS
@given(documents, st.sampled_from([None, True, False]))
def test_the_plain_reader_builds_what_the_general_one_does(data: object, flow: bool | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert parse_document(text).data == general(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1}\nother: *b\n",
        "a: !!str 1\n",
        "base: &b {x: 1}\nmerged: {<<: *b, y: 2}\n",
        "a: &n 3\nb: *n\n",
        "? [1, 2]\n: complex\n",
        "--- !!map\na: 1\n",
    ],
)
def test_what_is_not_plain_is_read_the_general_way(text: str) -> None:
    try:
        expected = general(text)
    except MaestroInputError as error:
        with pytest.raises(MaestroInputError) as raised:
            parse_document(text)
        assert str(raised.value) == str(error)
    else:
        assert parse_document(text).data == expected


@pytest.mark.parametrize(
    "text",
    ["a: 1\nb: 2\na: 3\n", "- [1, 2]\n- {k: v, k: w}\n", "a: !!int x\n", "a: 1\n---\nb: 2\n"],
)
def test_both_readers_refuse_alike(text: str) -> None:
    with pytest.raises(MaestroInputError) as plain:
        parse_document(text, "m.yaml")
    with pytest.raises(MaestroInputError) as general_error:
        general(text, "m.yaml")
    assert str(plain.value) == str(general_error.value)
