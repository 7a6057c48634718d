"""Every 2026 target of the bundled plan computed on the sample, checked against the raw GeoJSON."""

from __future__ import annotations

import json
from datetime import date

import pytest

from layers.store.workspace import DEFAULT_WORKSPACE, load_workspace
from riskmodel.planfile import compute_workspace_plan

AS_OF = date(2026, 7, 2)  # time share 0.5


def _raw(layer: str) -> list[dict]:
    path = DEFAULT_WORKSPACE / f"{layer}.geojson"
    return [f["properties"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]] if path.exists() else []


@pytest.fixture(scope="module")
def result():
    return compute_workspace_plan(load_workspace(), as_of=AS_OF)


def _sites(result, tid: str, state: str) -> set[str]:
    s = result.sites
    return set(s[(s["target_id"] == tid) & (s["state"] == state)]["id"])


def _row(result, tid):
    return result.targets.set_index("id").loc[tid]


def test_the_plan_has_every_2026_target(result):
    assert list(result.targets["id"]) == [
        "ferry_anemometer", "ferry_video", "ferry_rectify", "gas_iot", "fire_pool_new", "fire_pipe_km",
        "drone_nest", "geohazard_works", "geohazard_relocation", "waterlogging_fix", "rain_pipe_km",
        "fire_service_station", "slope_monitoring"]
    assert dict(zip(result.targets["id"], result.targets["target"], strict=True)) == {
        "ferry_anemometer": 11, "ferry_video": 100, "ferry_rectify": 4, "gas_iot": 100, "fire_pool_new": 54,
        "fire_pipe_km": 108, "drone_nest": 7, "geohazard_works": 3, "geohazard_relocation": 30,
        "waterlogging_fix": 2, "rain_pipe_km": 2, "fire_service_station": 24, "slope_monitoring": 11}
    assert result.warnings == []


def test_ferry_targets(result):
    ferries = [f for f in _raw("ferry") if f["status"] in ("运营", "停渡")]
    with_anemometer = {f["id"] for f in ferries if f["has_anemometer"] is True}
    assert _sites(result, "ferry_anemometer", "计入") == with_anemometer
    assert _row(result, "ferry_anemometer").value == len(with_anemometer)
    video = {f["id"] for f in ferries if f["video_connected"] is True}
    assert _sites(result, "ferry_video", "计入") == video
    assert _row(result, "ferry_video").value == pytest.approx(100 * len(video) / len(ferries))
    rectify = result.sites[result.sites["target_id"].eq("ferry_rectify")]
    assert {"坪山镇观音桥渡口", "白家镇双河口渡口"} <= set(rectify["name"]) and len(rectify) == 4
    assert _row(result, "ferry_rectify").measure == "manual"


def test_gas_fire_pool_geohazard_and_flood_targets(result):
    gas = _raw("gas_risk")
    assert _row(result, "gas_iot").value == pytest.approx(100 * sum(g["iot_sensor"] is True for g in gas) / len(gas))
    pools = [p for p in _raw("fire_pool") if p["built_year"] == 2026]
    assert _sites(result, "fire_pool_new", "计入") == {p["id"] for p in pools if p["status"] == "已建"}
    assert len(_sites(result, "fire_pool_new", "未完成")) == sum(p["status"] != "已建" for p in pools)
    named = {"太平镇九龙村滑坡", "永安镇张家湾危岩", "五洞镇王家湾滑坡"}
    works = result.sites[result.sites["target_id"].eq("geohazard_works")]
    assert set(works["name"]) == named
    geo = _raw("geohazard")
    relocated = [g for g in geo if g["status"] == "搬迁避让" and str(g["updated"]) >= "2026-01-01"]
    assert _row(result, "geohazard_relocation").value == sum(g["threatened_people"] or 0 for g in relocated)
    spots = [s for s in _raw("flood_spot") if s["township"] in ("桂溪街道", "桂阳街道")
             and str(s["updated"]) >= "2026-01-01" and s["remediation"] == "已整治"]
    assert _row(result, "waterlogging_fix").value == len(spots)


def test_emergency_resource_targets(result):
    res = _raw("emergency_resource")
    for tid, category in (("fire_service_station", "应急消防服务站点"), ("drone_nest", "无人机巢")):
        mine = [r for r in res if r.get("category") == category]
        assert _sites(result, tid, "计入") == {r["id"] for r in mine if r.get("status") == "在用"}
        assert _row(result, tid).value == sum(r.get("status") == "在用" for r in mine)


def test_status_and_headline_on_the_sample(result):
    r = result.targets.set_index("id")
    assert (r.loc["fire_pipe_km", "status"], r.loc["fire_pipe_km", "value"]) == ("滞后", 0)  # nothing entered by July
    head = result.headline()
    assert head["total"] == 13 and len(head["most_behind"]) == 3
    assert all(m["status"] != "已完成" for m in head["most_behind"])
