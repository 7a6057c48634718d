"""Coverage: nearest usable shelter, covered flags, shelter load, forest outside fire-pool reach."""

from __future__ import annotations

import math

import pytest

from riskmodel.coverage import forest_coverage, nearest_shelter, shelter_capacity
from riskmodel.rules import load_rules


def test_nearest_usable_shelter_skips_unsafe_and_closed_ones(zoo):
    shelters = zoo.layers["shelter"]
    near = nearest_shelter(zoo.villages, shelters, load_rules(), zoo.metric_crs, unusable_ids=["BN-S3"])
    assert near.index.equals(zoo.villages.index)
    assert near["shelter_id"].tolist() == ["BN-S1", "BN-S2"]
    assert near["distance_m"].tolist() == [200.0, 400.0]
    assert near["covered"].tolist() == [True, True]
    nine = nearest_shelter(
        zoo.layers["nine_small"], shelters, load_rules(), zoo.metric_crs, unusable_ids=["BN-S3"]
    )
    assert "BN-S3" not in set(nine["shelter_id"]) and "BN-S4" not in set(nine["shelter_id"])


def test_covered_any_sees_a_farther_fixed_shelter(make_ws, zoo_rows):
    x0, y0 = 500_000.0, 3_350_000.0
    zoo_rows["shelter"] = [
        dict(id="E", name="紧急", shelter_class="紧急", status="可用", capacity_people=10, xy=(x0 + 600, y0)),
        dict(
            id="F",
            name="固定",
            shelter_class="短期固定",
            status="可用",
            capacity_people=10,
            xy=(x0 + 1999, y0),
        ),
    ]
    ws = make_ws(
        layers=zoo_rows, villages=[dict(code="1", name="v", township="甲镇", population=5, xy=(x0, y0))]
    )
    near = nearest_shelter(ws.villages, ws.layers["shelter"], load_rules(), ws.metric_crs)
    row = near.iloc[0]
    assert (row.shelter_id, row.distance_m, row.service_radius_m) == ("E", 600.0, 500.0)
    assert not row.covered and row.covered_any  # F at 1999 m ≤ 2000 m covers it


def test_no_usable_shelter_means_nothing_covered(make_ws, zoo_rows):
    zoo_rows["shelter"] = [
        dict(id="X", name="x", shelter_class="紧急", status="维护中", xy=(500_000, 3_350_000))
    ]
    ws = make_ws(layers=zoo_rows)
    near = nearest_shelter(ws.villages, ws.layers["shelter"], load_rules(), ws.metric_crs)
    assert near["shelter_id"].isna().all() and not near["covered"].any() and not near["covered_any"].any()


def test_capacity_falls_back_to_effective_area_per_person(make_layer):
    f = make_layer(
        "shelter",
        [
            dict(id="a", shelter_class="紧急", capacity_people=7, effective_area_m2=1000, xy=(0, 0)),
            dict(id="b", shelter_class="紧急", effective_area_m2=1000, xy=(0, 0)),
            dict(id="c", shelter_class="长期固定", effective_area_m2=1001, xy=(0, 0)),
            dict(id="d", shelter_class="紧急", xy=(0, 0)),
        ],
    )
    assert shelter_capacity(f, load_rules()).tolist() == [7.0, 1000.0, 500.0, 0.0]


def test_forest_outside_fire_pools_by_township(zoo):
    out = forest_coverage(zoo.forest, zoo.layers["fire_pool"], zoo.townships, load_rules(), zoo.metric_crs)
    assert out["forest_km2"].tolist() == pytest.approx([0.16, 0.16])
    assert out["forest_uncovered_km2"].tolist() == pytest.approx([0.0, 0.16])  # only SC-1 is built
    assert out["forest_uncovered_all_pools_km2"].tolist() == pytest.approx([0.0, 0.0], abs=1e-9)


def test_forest_partly_covered_matches_disk_geometry(zoo):
    rules = load_rules({"rules": {"fire_pool": {"service_radius_m": 200}}})
    out = forest_coverage(zoo.forest, zoo.layers["fire_pool"], zoo.townships, rules, zoo.metric_crs)
    # SC-1 sits at the centre of the 400 m × 400 m forest square: a full 200 m disk fits inside it;
    # the disk is a 256-gon, whose area is 0.01 % below π r² (≈ 13 m² here)
    assert out["forest_uncovered_km2"].iloc[0] == pytest.approx(0.16 - math.pi * 0.2**2, abs=2e-5)
