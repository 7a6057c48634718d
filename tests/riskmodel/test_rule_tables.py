"""Every rule table in riskmodel/rules.py covers every allowed value it is keyed by (and no other)."""

from __future__ import annotations

import pytest

from layers.kinds import LAYER_KINDS, Role, get_kind, kinds_with, refuge_kinds
from riskmodel.rules import ACTION_RULE_TABLE, load_rules

RULES = load_rules()


def _keyed_tables():
    """(table prefix, kind, field it is keyed by) for every per-value rule table the kinds declare."""
    for k in kinds_with(Role.HAZARD):
        h = k.hazard
        yield f"{k.id}.radius_m", k, h.type_field
        if h.scale_field:
            yield f"{k.id}.scale_factor", k, h.scale_field
        if h.pipe_field:
            yield f"{k.id}.pipe_radius_m", k, h.pipe_field
    for k in kinds_with(Role.RESOURCE):
        if k.service and k.service.by_field:
            yield f"{k.id}.service_radius_m", k, k.service.by_field
    for k in refuge_kinds():
        yield f"{k.id}.area_per_person_m2", k, k.service.by_field


TABLES = list(_keyed_tables())


@pytest.mark.parametrize(("prefix", "kind", "field"), TABLES, ids=[t[0] for t in TABLES])
def test_table_has_exactly_one_entry_per_allowed_value(prefix, kind, field):
    assert set(RULES.table(prefix)) == set(kind.field(field).allowed)


def test_every_hazard_and_resource_kind_has_its_rules():
    for k in kinds_with(Role.HAZARD):
        assert RULES.watch_factor(k.id) >= 1 and RULES.table(f"{k.id}.radius_m"), k.id
        if k.hazard.depth_field:
            bounds, factors = RULES.get(f"{k.id}.depth_bounds_cm"), RULES.get(f"{k.id}.depth_factor")
            assert len(factors) == len(bounds) + 1
    for k in kinds_with(Role.RESOURCE):
        has_table = bool(RULES.table(f"{k.id}.service_radius_m"))
        assert has_table or f"{k.id}.service_radius_m" in RULES.values, k.id


@pytest.mark.parametrize("kind", [k for k in LAYER_KINDS if k.inactive_status], ids=lambda k: k.id)
def test_excluded_statuses_are_allowed_statuses(kind):
    assert set(RULES.excluded_status(kind.id)) <= set(kind.field(kind.status_field).allowed)


def test_status_lists_name_allowed_values():
    for key in ("usable_status", "covering_status"):
        for k in kinds_with(Role.RESOURCE):
            if f"{k.id}.{key}" in RULES.values:
                assert set(RULES.get(f"{k.id}.{key}")) <= set(k.field(k.status_field or "status").allowed)


def test_action_and_safety_tables_name_kinds_fields_and_allowed_values():
    for _key, _label, layer, _color, _flooded, where in ACTION_RULE_TABLE:
        kind = get_kind(layer)
        for name, values in where:
            assert set(values) - {""} <= set(kind.field(name).allowed), (layer, name)
    for rule in RULES.safety:
        assert get_kind(rule.hazard).has(Role.HAZARD) and get_kind(rule.element)
