"""Consistency: the kinds registry, the README and the styling agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layers.errors import UnknownKindError
from layers.kinds import LAYER_KINDS, FieldType, get_kind

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@pytest.mark.parametrize("kind", LAYER_KINDS, ids=lambda k: k.id)
def test_every_kind_has_label_shape_colour_and_a_readme_row(kind):
    assert kind.label and kind.label_en and kind.shape and HEX.match(kind.color)
    assert re.search(rf"^\| `{kind.id}` \| {re.escape(kind.label)} \|", README, re.M), kind.id
    assert kind.id_prefix and kind.key_fields
    for name in kind.key_fields:
        kind.field(name)


@pytest.mark.parametrize("kind", LAYER_KINDS, ids=lambda k: k.id)
def test_every_styled_value_has_a_colour(kind):
    if kind.style_field is None:
        return
    field = kind.field(kind.style_field)
    assert field.type == FieldType.ENUM
    for value in field.allowed:
        assert field.color_of(value) and HEX.match(field.color_of(value)), (kind.id, value)
        assert kind.color_of({kind.style_field: value}) == field.color_of(value)
    assert kind.color_of({}) == kind.color


@pytest.mark.parametrize("kind", LAYER_KINDS, ids=lambda k: k.id)
def test_fields_are_well_formed(kind):
    names = kind.field_names
    assert len(names) == len(set(names)), "duplicate field name"
    for f in kind.all_fields:
        assert f.label, f.name
        assert (f.type == FieldType.ENUM) == bool(f.allowed), f.name
        assert set(dict(f.colors)) <= set(f.allowed), f.name
        assert f.name in f.aliases or f.label in f.aliases, f"{f.name}: its label is an import header"
    # every kind's own Chinese headers map back to exactly one field of that kind
    headers = [a for f in kind.all_fields for a in set(f.aliases)]
    assert len(headers) == len(set(headers)), sorted(h for h in headers if headers.count(h) > 1)


@pytest.mark.parametrize("kind", LAYER_KINDS, ids=lambda k: k.id)
def test_table_fields_are_every_field_once_key_fields_first(kind):
    names = [f.name for f in kind.table_fields]
    assert sorted(names) == sorted(kind.field_names)
    assert names[:4 + len(kind.key_fields)] == ["id", "name", "township", "village", *kind.key_fields]


def test_unknown_kind_lists_the_valid_ids():
    with pytest.raises(UnknownKindError) as err:
        get_kind("bridges")
    assert "geohazard(地质灾害隐患点)" in str(err.value) and "bridges" in str(err.value)


def test_unknown_field_lists_the_valid_fields():
    with pytest.raises(UnknownKindError, match="可选字段：id、name"):
        get_kind("ferry").field("depth")
