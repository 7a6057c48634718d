"""Safety-distance rules: each violation names both sites and the distance."""

from __future__ import annotations

from riskmodel.exposure import hazard_table
from riskmodel.rules import load_rules
from riskmodel.safety import VIOLATION_COLUMNS, check_safety
from riskmodel.sites import workspace_sites


def _violations(ws, config=None):
    rules = load_rules(config or {})
    return check_safety(hazard_table(ws, rules), workspace_sites(ws), rules)


def test_zoo_violations_name_both_sites_and_distance(zoo):
    v = _violations(zoo)
    assert list(v.columns) == VIOLATION_COLUMNS
    got = {(r.rule, r.hazard_id, r.element_id, r.distance_m, r.limit_m) for r in v.itertuples()}
    assert got == {
        ("shelter_in_geohazard_danger", "DZ-G1", "BN-S3", 50.0, 100.0),
        ("nine_small_near_gas", "RQ-1", "JX-GAS", 30.0, 30.0),
        ("ferry_in_flood_zone", "NL-1", "DK-1", 40.0, 50.0),
    }
    msg = v.set_index("element_id").loc["BN-S3", "message"]
    for part in ("滑坡旁空地", "BN-S3", "甲镇滑坡", "DZ-G1", "50.0 m"):
        assert part in msg


def test_rules_can_be_disabled_widened_or_given_a_fixed_distance(zoo):
    off = _violations(zoo, {"rules": {"safety": {"nine_small_near_gas": {"enabled": False}}}})
    assert "nine_small_near_gas" not in set(off["rule"])
    watch = _violations(zoo, {"rules": {"safety": {"shelter_in_geohazard_danger": {"ring": "watch"}}}})
    assert set(watch.loc[watch["rule"] == "shelter_in_geohazard_danger", "element_id"]) == {"BN-S3", "BN-S1"}
    fixed = _violations(zoo, {"rules": {"safety": {"shelter_in_geohazard_danger": {"distance_m": 49.9}}}})
    assert "shelter_in_geohazard_danger" not in set(fixed["rule"])


def test_no_sites_no_violations(make_ws):
    v = _violations(make_ws(layers={}, villages=[]))
    assert v.empty and list(v.columns) == VIOLATION_COLUMNS
