"""Rules as data: defaults tagged with their basis, workspace overrides, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.errors import RuleConfigError
from riskmodel.rings import hazard_radii
from riskmodel.rules import ASSUMED, DEFAULTS, STANDARD, WORKSPACE, load_rules


def test_every_default_has_a_basis_and_a_reason():
    for e in DEFAULTS:
        assert e.basis in (STANDARD, ASSUMED), e.key
        assert e.clause, e.key
        assert e.label, e.key


def test_shelter_radii_follow_gb50413_and_are_tagged():
    rules = load_rules({})
    assert rules.shelter_radius_m == {
        "紧急": 500.0,
        "短期固定": 2000.0,
        "中期固定": 2000.0,
        "长期固定": 2000.0,
        "中心": 3000.0,
    }
    basis = {e.key: (e.basis, e.clause) for e in rules.entries}
    assert basis["shelter.service_radius_m.紧急"][0] == STANDARD
    assert "GB 50413-2007" in basis["shelter.service_radius_m.紧急"][1]
    assert basis["shelter.service_radius_m.中心"][0] == ASSUMED
    assert basis["fire_pool.service_radius_m"][0] == ASSUMED and rules.fire_pool_radius_m == 1000.0


def test_override_changes_value_and_basis():
    rules = load_rules(
        {
            "rules": {
                "geohazard": {"radius_m": {"滑坡": 250}, "watch_factor": 3},
                "safety": {"shelter_near_gas": {"enabled": False}},
            }
        }
    )
    assert rules.get("geohazard.radius_m.滑坡") == 250.0
    assert rules.watch_factor("geohazard") == 3.0
    assert "shelter_near_gas" not in [s.id for s in rules.safety]
    entry = next(e for e in rules.entries if e.key == "geohazard.radius_m.滑坡")
    assert entry.basis == WORKSPACE and "200" in entry.clause


def test_extra_sections_pass_through_for_the_flood_helper():
    rules = load_rules({"rules": {"flood": {"depth_classes_m": [0.15, 0.5, 1.5]}}})
    assert rules.extra["flood"] == {"depth_classes_m": [0.15, 0.5, 1.5]}


@pytest.mark.parametrize(
    ("override", "names"),
    [
        ({"geohazard": {"radius_m": {"滑坡": "两百"}}}, ["geohazard.radius_m.滑坡", "非负数字"]),
        ({"geohazard": {"radius_m": {"火山": 100}}}, ["geohazard.radius_m.火山", "geohazard.radius_m.滑坡"]),
        ({"shelter": {"service_radius_m": {"紧急": -5}}}, ["shelter.service_radius_m.紧急", "非负数字"]),
        ({"gas": {"x": 1}}, ["gas.x", "gas_risk"]),
        ({"flood_spot": {"watch_factor": 0.5}}, ["flood_spot.watch_factor", "不小于 1"]),
        ({"flood_spot": {"depth_bounds_cm": [50, 30, 15]}}, ["flood_spot.depth_bounds_cm", "递增"]),
        (
            {"safety": {"ferry_in_flood_zone": {"ring": "outer"}}},
            ["safety.ferry_in_flood_zone.ring", "watch"],
        ),
        ({"safety": {"ferry_in_flood_zone": {"enabled": "yes"}}}, ["enabled", "true 或 false"]),
        ({"shelter": {"usable_status": "可用"}}, ["shelter.usable_status", "列表"]),
    ],
)
def test_bad_override_names_key_and_allowed_form(override, names):
    with pytest.raises(RuleConfigError) as err:
        load_rules({"rules": override})
    for name in names:
        assert name in str(err.value)


def test_geohazard_radius_from_site_or_type_and_scale():
    f = pd.DataFrame(
        {
            "hazard_type": ["滑坡", "崩塌(危岩)", "滑坡", "泥石流", None],
            "scale": ["中型", None, "小型", "巨型", "大型"],
            "threat_radius_m": [None, None, 75.0, 0.0, None],
        },
        index=[10, 11, 12, 13, 14],
    )
    out = hazard_radii("geohazard", f, load_rules())
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert out["danger_radius_m"].tolist()[:4] == [300.0, 150.0, 75.0, 1200.0]
    assert pd.isna(out["danger_radius_m"].iloc[4]) and out["radius_source"].iloc[4] == "missing"
    assert out["watch_radius_m"].tolist()[:4] == [600.0, 300.0, 150.0, 2400.0]
    assert out["radius_source"].tolist()[:3] == [
        "assumed:type×scale",
        "assumed:type×scale",
        "site:threat_radius_m",
    ]


def test_gas_pipe_uses_gb55009_control_zone_and_stations_are_assumed():
    f = pd.DataFrame(
        {
            "facility_type": ["管道段", "管道段", "调压站", "管道段"],
            "pressure_class": ["中压A", "高压A", "中压A", None],
        }
    )
    out = hazard_radii("gas_risk", f, load_rules())
    assert out["danger_radius_m"].tolist() == [5.0, 50.0, 30.0, 5.0]
    assert out["radius_source"].tolist()[0].startswith("standard:")
    assert out["radius_source"].tolist()[1].startswith("assumed:")


def test_flood_radius_grows_with_depth_class_edges_inclusive():
    f = pd.DataFrame({"spot_type": ["下穿通道"] * 5, "max_depth_cm": [None, 15.0, 15.1, 50.0, 80.0]})
    out = hazard_radii("flood_spot", f, load_rules())
    assert out["danger_radius_m"].tolist() == [50.0, 50.0, 62.5, 75.0, 100.0]


def test_radii_of_unknown_layer_is_a_clear_error():
    with pytest.raises(Exception, match="不是危险源图层"):
        hazard_radii("shelter", pd.DataFrame(), load_rules())
