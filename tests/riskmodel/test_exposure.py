"""Exposure pairs on the hand-checkable zoo (see conftest.py for the distances)."""

from __future__ import annotations

from riskmodel.exposure import PAIR_COLUMNS, exposure_pairs
from riskmodel.rules import load_rules


def _rings(pairs, hazard_id):
    sel = pairs[pairs["hazard_id"] == hazard_id]
    return dict(zip(sel["element_id"], sel["ring"], strict=True))


def test_zoo_pairs_and_rings_including_edges(zoo):
    pairs = exposure_pairs(zoo)
    assert list(pairs.columns[:6]) == PAIR_COLUMNS
    assert _rings(pairs, "DZ-G1") == {
        "JX-EDGE-D": "danger",
        "JX-IN-D": "danger",
        "BN-S3": "danger",
        "JX-OUT-D": "watch",
        "JX-W": "watch",
        "JX-EDGE-W": "watch",
        "BN-S1": "watch",
    }
    assert _rings(pairs, "RQ-1") == {"JX-GAS": "danger"}
    assert _rings(pairs, "NL-1") == {"DK-1": "danger"}
    assert len(pairs) == 9  # the written-off geohazard DZ-OLD takes no part
    edge = pairs.set_index("element_id").loc[["JX-EDGE-D", "JX-EDGE-W"], "distance_m"].tolist()
    assert edge == [100.0, 200.0]


def test_pairs_never_exceed_the_watch_radius_and_are_sorted(zoo):
    pairs = exposure_pairs(zoo)
    assert (pairs["distance_m"] <= pairs["watch_radius_m"]).all()
    assert pairs.equals(
        pairs.sort_values(
            ["hazard_layer", "hazard_id", "distance_m", "element_layer", "element_id"], ignore_index=True
        )
    )


def test_wgs84_storage_gives_the_same_pairs_except_exact_edges(make_ws):
    metric = exposure_pairs(make_ws()).set_index(["hazard_id", "element_id"])
    wgs = exposure_pairs(make_ws(crs="EPSG:4326")).set_index(["hazard_id", "element_id"])
    # a lon/lat round trip moves a site by ~1e-9 m, so only a site exactly on a ring edge may flip
    on_edge = (metric["distance_m"] == metric["danger_radius_m"]) | (
        metric["distance_m"] == metric["watch_radius_m"]
    )
    assert set(metric.index[~on_edge]) <= set(wgs.index) <= set(metric.index)
    common = wgs.index.intersection(metric.index)
    assert (abs(wgs.loc[common, "distance_m"] - metric.loc[common, "distance_m"]) < 1e-6).all()
    assert len(common) >= len(metric) - on_edge.sum()


def test_growing_a_radius_never_loses_a_pair(make_ws):
    small = exposure_pairs(make_ws(), load_rules({}))
    big = exposure_pairs(
        make_ws(),
        load_rules(
            {"rules": {"gas_risk": {"radius_m": {"调压站": 3000}}, "flood_spot": {"watch_factor": 5}}}
        ),
    )
    key = lambda p: set(zip(p["hazard_id"], p["element_id"], strict=True))  # noqa: E731
    assert key(small) < key(big)


def test_empty_workspace_gives_empty_pairs(make_ws):
    pairs = exposure_pairs(make_ws(layers={}, villages=[]))
    assert pairs.empty and list(pairs.columns[:6]) == PAIR_COLUMNS
