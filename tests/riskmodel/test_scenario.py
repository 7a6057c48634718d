"""Flood + warning scenario on the tiny workspace, and the ``riskmap scenario`` command (issue 6)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_flood_fixtures import depth_grid, make_workspace, write_raster

from layers.store.workspace import load_workspace
from riskmap.cli.main import main
from riskmodel.errors import RuleConfigError
from riskmodel.flood import open_depth_raster
from riskmodel.scenario import classify_depths, depth_breaks, run_scenario
from riskmodel.warning import WarningColor

RED, YELLOW = WarningColor.RED, WarningColor.YELLOW


@pytest.fixture
def ws(tmp_path):
    return load_workspace(make_workspace(tmp_path / "ws", with_dem=True))


@pytest.fixture
def result(ws, tmp_path):
    with open_depth_raster(write_raster(tmp_path / "d.tif", depth_grid())) as ds:
        return run_scenario(ws, ds, {"甲镇": RED, "乙镇": YELLOW}, source="test")


def test_site_depths_read_by_hand(result):
    got = result.site_depths.set_index(["layer", "id"])
    # cells: DZ1 (2,2) 0.5; NL1 (0,9) 2.25; DK1 (3,1) 0.25; RQ1 (4,4) 1.0; BN2 (1,6) 1.5; villages (1,3) (2,8) (9,5)
    want = {
        ("geohazard", "DZ1"): (0.5, "低"),
        ("geohazard", "DZ2"): (0.0, "未淹没"),
        ("flood_spot", "NL1"): (2.25, "高"),
        ("ferry", "DK1"): (0.25, "低"),
        ("gas_risk", "RQ1"): (1.0, "中"),
        ("shelter", "BN2"): (1.5, "中"),
        ("village", "500231999201"): (0.75, "中"),
        ("village", "500231999202"): (2.0, "高"),
        ("village", "500231999203"): (0.0, "未淹没"),
    }
    for key, (depth, cls) in want.items():
        assert (got.loc[key, "depth_m"], got.loc[key, "depth_class"]) == (depth, cls), key
    assert len(result.site_depths) == 12 + 3  # every registry site and village


def test_township_table_and_kpis(result):
    t = result.townships.set_index("name")
    assert list(result.townships["name"]) == ["甲镇", "乙镇"]  # 红 before 黄
    assert t.loc["甲镇", "people_exposed"] == 1000 and t.loc["乙镇", "people_exposed"] == 500
    assert t.loc["乙镇", "shelters_unusable"] == 1 and t.loc["甲镇", "shelters_unusable"] == 0
    assert t.loc["甲镇", "flooded_area_m2"] == pytest.approx(200_000, rel=1e-4)
    s = result.summary
    assert (s["people_exposed"], s["shelters_unusable"], s["ferries_to_stop"]) == (1500, 1, 2)
    assert s["sites_flooded"]["geohazard"] == 1 and s["sites_flooded"]["village"] == 2


def test_actions_per_township(result):
    a = result.actions
    by = {(r.township, r.key, r.id) for r in a.itertuples()}
    assert ("甲镇", "evacuate", "DZ1") in by and ("甲镇", "evacuate_overflow", "DZ1") in by
    assert ("乙镇", "close_underpass", "NL1") in by and ("乙镇", "shelter_unusable", "BN2") in by
    assert (
        ("甲镇", "gas_check", "RQ1") in by
        and ("甲镇", "stop_ferry", "DK1") in by
        and ("乙镇", "stop_ferry", "DK2") in by
    )
    assert not any(k == "evacuate" for t, k, _ in by if t == "乙镇")  # 黄 < 橙
    assert not any(k == "close_underpass" and i == "NL2" for _, k, i in by)  # not an underpass, and dry
    evac = a[a["key"] == "evacuate"].set_index("detail")["people"]
    # 120 people: 100 to BN1 (608 m); BN2 is flooded; BN3 lies in a geohazard danger zone (an unsafe
    # site takes no evacuees) → 20 overflow
    assert sorted(evac.tolist()) == [100]
    assert a.loc[a["key"] == "evacuate_overflow", "people"].tolist() == [20]
    assert "BN2" not in " ".join(a.loc[a["key"] == "evacuate", "detail"])
    assert "BN3" not in " ".join(a.loc[a["key"] == "evacuate", "detail"])


def test_no_flood_no_warning_gives_empty_actions(ws):
    r = run_scenario(ws, None, {})
    assert r.actions.empty and (r.site_depths["depth_m"] == 0).all() and len(r.townships) == 2


def test_depth_classes_configurable():
    assert depth_breaks({"rules": {"flood": {"depth_breaks_m": [0.1, 0.2, 0.3]}}}) == (0.1, 0.2, 0.3)
    assert classify_depths([0.25], (0.1, 0.2, 0.3)).tolist() == ["中"]
    with pytest.raises(RuleConfigError, match="depth_breaks_m"):
        depth_breaks({"rules": {"flood": {"depth_breaks_m": [0.5, 0.2, 0.3]}}})


# ---------------------------------------------------------------- CLI


def test_cli_writes_every_output_with_fixed_columns(ws, tmp_path, capsys):
    raster = write_raster(tmp_path / "d.tif", depth_grid())
    out = tmp_path / "out"
    rc = main(
        [
            "scenario",
            "-w",
            str(ws.root),
            "--flood-raster",
            str(raster),
            "--warning",
            "甲镇=红",
            "--out",
            str(out),
            "--json",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and set(doc["outputs"]) == {
        "site_depths",
        "townships",
        "actions",
        "depth_raster",
        "briefing_pdf",
        "briefing_png",
    }
    assert doc["summary"]["people_exposed"] == 1500
    raw = (out / "site_depths.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    sd = pd.read_csv(out / "site_depths.csv", encoding="utf-8-sig", dtype={"id": str})
    assert list(sd.columns[:5]) == ["layer", "id", "township", "depth_m", "depth_class"]
    actions = pd.read_csv(out / "actions.csv", encoding="utf-8-sig")
    assert list(actions.columns[:6]) == ["township", "warning", "action", "layer", "id", "detail"]
    towns = pd.read_csv(out / "townships.csv", encoding="utf-8-sig", dtype={"code": str})
    assert list(towns.columns[:2]) == ["code", "name"] and len(towns) == 2
    assert (out / "depth.tif").read_bytes() == raster.read_bytes()
    assert (out / "briefing.pdf").read_bytes().startswith(b"%PDF")


def test_cli_water_level_writes_its_raster_to_out_not_into_the_workspace(ws, tmp_path, capsys):
    rc = main(["scenario", "-w", str(ws.root), "--water-level", "3", "--out", str(tmp_path / "o"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    # 5 flooded columns (1, 2 river, 3, 4, 5) × 10 rows of 100 m cells
    assert rc == 0 and doc["summary"]["flooded_area_m2"] == pytest.approx(500_000, rel=1e-4)
    assert (tmp_path / "o" / "depth.tif").exists()
    assert not (ws.root / "flood").exists()  # outputs only where the user asked (issue 12)


@pytest.mark.parametrize("kind", ["nocrs", "far", "text", "missing"])
def test_cli_bad_raster_writes_nothing(ws, tmp_path, capsys, kind):
    from rasterio.transform import from_origin

    path = tmp_path / f"{kind}.tif"
    if kind == "nocrs":
        write_raster(path, depth_grid(), crs=None)
    elif kind == "far":
        write_raster(path, depth_grid(), transform=from_origin(600000, 3350000, 100, 100))
    elif kind == "text":
        path.write_text("not a raster")
    out = tmp_path / "out"
    rc = main(["scenario", "-w", str(ws.root), "--flood-raster", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and f"{kind}.tif" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".scenario-*"))


def test_cli_bad_warning_is_one_clear_line(ws, tmp_path, capsys):
    rc = main(["scenario", "-w", str(ws.root), "--warning", "甲镇=紫", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "紫" in err and "红、橙、黄、蓝" in err and not (tmp_path / "o").exists()


def test_township_max_depth_is_over_land_not_the_river_channel(ws):
    # valley profile: river bed column 100 m, banks 100.5/101/101.5 → a 3 m rise gives 3 m on the channel
    # (every township would read 3 m) and 2.5 m on the deepest land cell, which is what the table must say
    from rasterio.io import MemoryFile

    from riskmodel.waterlevel import water_level_tiff_bytes

    with MemoryFile(water_level_tiff_bytes(ws.dem_path, ws.river, 3.0)) as mem, mem.open() as ds:
        res = run_scenario(ws, ds, {}, source="test")
    depths = res.townships["max_depth_m"]
    assert depths.max() == pytest.approx(2.5, abs=1e-3) and (depths < 3.0).all()
