"""Warning colours, the rule table and evacuation to shelters with capacity (issue 6)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from test_flood_fixtures import make_workspace

from layers.errors import SelectionError
from layers.store.workspace import load_workspace
from riskmodel.errors import RuleConfigError
from riskmodel.warning import (
    DEFAULT_ACTION_RULES,
    WarningColor,
    action_rules,
    assign_evacuation,
    parse_warnings,
)


@pytest.mark.parametrize(
    "text,want",
    [
        ("红", "红"),
        ("红色", "红"),
        ("Ⅰ", "红"),
        ("orange", "橙"),
        ("III", "黄"),
        ("4", "蓝"),
        ("蓝色预警", "蓝"),
    ],
)
def test_parse_colour(text, want):
    assert WarningColor.parse(text) == WarningColor(want)


def test_bad_colour_lists_the_options():
    with pytest.raises(RuleConfigError, match=r"紫.*红、橙、黄、蓝"):
        WarningColor.parse("紫")


def test_ranks_are_ordered():
    assert [c.rank for c in WarningColor] == [4, 3, 2, 1]


def test_parse_warnings_by_name_code_and_all(tmp_path):
    ws = load_workspace(make_workspace(tmp_path / "ws"))
    got = parse_warnings(["all=蓝", "500231999000=红"], ws.townships)
    assert got == {"甲镇": WarningColor.RED, "乙镇": WarningColor.BLUE}
    with pytest.raises(SelectionError, match=r"丁镇"):
        parse_warnings(["丁镇=红"], ws.townships)
    with pytest.raises(RuleConfigError, match=r"格式"):
        parse_warnings(["甲镇红"], ws.townships)


def test_rule_overrides_from_config():
    rules = {r.key: r for r in action_rules({"rules": {"warning": {"evacuate": "红", "patrol": "关闭"}}})}
    assert rules["evacuate"].min_color == WarningColor.RED and rules["patrol"].min_color is None
    assert rules["stop_ferry"].min_color == WarningColor.YELLOW
    with pytest.raises(RuleConfigError, match=r"evacuat.*可选"):
        action_rules({"rules": {"warning": {"evacuat": "红"}}})
    with pytest.raises(RuleConfigError, match=r"stop_ferry.*紫"):
        action_rules({"rules": {"warning": {"stop_ferry": "紫"}}})


def test_default_rules_follow_the_spec():
    by_key = {r.key: r for r in DEFAULT_ACTION_RULES}
    assert by_key["evacuate"].min_color == WarningColor.ORANGE
    assert all(
        by_key[k].min_color == WarningColor.YELLOW
        for k in ("stop_ferry", "close_underpass", "shelter_unusable", "gas_check")
    )
    assert (
        by_key["close_underpass"].flooded_only
        and ("spot_type", ("下穿通道",)) in by_key["close_underpass"].where
    )


def _pts(rows, crs="EPSG:4545"):
    return gpd.GeoDataFrame(
        pd.DataFrame(rows).drop(columns=["x", "y"]),
        geometry=[shapely.Point(r["x"], r["y"]) for r in rows],
        crs=crs,
    ).to_crs("EPSG:4326")


def test_evacuation_greedy_by_distance_respects_capacity():
    sites = _pts(
        [
            dict(id="A", name="A", township="T", x=430000, y=3350000),
            dict(id="B", name="B", township="T", x=433000, y=3350000),
        ]
    )
    shelters = _pts(
        [
            dict(id="S1", name="近", capacity_people=50, x=430300, y=3350000),
            dict(id="S2", name="中", capacity_people=100, x=432000, y=3350000),
        ]
    )
    plan = assign_evacuation(sites, [80, 90], shelters)
    got = {(r.site_id, r.shelter_id): r.people for r in plan.itertuples()}
    # pairs by distance: A–S1 300 m (50), B–S2 1000 m (90), A–S2 2000 m (10), B–S1 2700 m (S1 full)
    assert got == {("A", "S1"): 50, ("B", "S2"): 90, ("A", "S2"): 10, ("A", ""): 20}
    assert plan.loc[plan["shelter_id"] == "S1", "distance_m"].iloc[0] == pytest.approx(300, abs=0.5)
    assert plan.groupby("shelter_id")["people"].sum().drop("").le(pd.Series({"S1": 50, "S2": 100})).all()


def test_evacuation_without_shelters_is_all_overflow():
    sites = _pts([dict(id="A", name="A", township="T", x=430000, y=3350000)])
    empty = _pts([dict(id="S", name="S", capacity_people=0, x=430000, y=3350001)]).iloc[:0]
    plan = assign_evacuation(sites, [7], empty)
    assert plan[["site_id", "shelter_id", "people"]].values.tolist() == [["A", "", 7]]


def test_unsafe_shelter_takes_no_evacuees():
    from riskmodel.warning import _usable_shelters

    shelters = _pts(
        [
            dict(id="S1", name="地灾区内", capacity_people=500, status="可用", x=430100, y=3350000),
            dict(id="S2", name="安全", capacity_people=500, status="可用", x=431000, y=3350000),
        ]
    )
    shelters["depth_m"] = 0.0
    shelters["unsafe_reason"] = ["避难场所位于地灾隐患点危险区", ""]
    sites = _pts([dict(id="A", name="A", township="T", x=430000, y=3350000)])
    plan = assign_evacuation(sites, [40], _usable_shelters(shelters))
    assert plan[["shelter_id", "people"]].values.tolist() == [["S2", 40]]
