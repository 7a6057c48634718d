"""A city workspace: every county analysed alone gives exactly the city's per-county and per-township rows."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import shapely
from county_fixture import write_township_file

from layers.city import city_workspace, load_city
from layers.county import find_county, init_workspace
from layers.kinds import get_kind
from layers.store.workspace import load_workspace, save_layer
from riskmap.cli.main import main
from riskmodel.analysis import analyze_workspace
from riskmodel.city import analyze_city, write_city_outputs

_ADDED = ["county", "county_adcode", "township"]


def write_tiny_workspace(root: Path) -> Path:
    """tests/conftest.py's tiny workspace (two squares in Dianjiang), loaded by path (conftest names clash)."""
    spec = importlib.util.spec_from_file_location("_top_conftest", Path(__file__).resolve().parents[1] / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write_tiny_workspace(root)


def _sites(root: Path, town: str, centre: shapely.Point, crs: str, tag: str) -> None:
    """A geohazard at ``centre`` with people, shops and a shelter around it at known distances (metres)."""
    to_m = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_m.transform(centre.x, centre.y)
    rows = {
        "geohazard": [dict(id="GH-1", name=f"{tag}滑坡", township=town, hazard_type="滑坡", scale="小型",
                           threatened_people=30, threat_radius_m=150.0, status="监测中", xy=(x, y))],
        "nine_small": [dict(id=f"JX-{i}", name=f"{tag}商店{i}", township=town, category="小商店", occupants=5 + i,
                            xy=(x + d, y)) for i, d in enumerate((50.0, 150.0, 250.0, 300.0, 301.0))],
        "shelter": [dict(id="BN-1", name=f"{tag}广场", township=town, shelter_class="紧急", capacity_people=100,
                         status="可用", xy=(x, y + 400.0))],
    }
    area = load_workspace(root).area
    for lid, recs in rows.items():
        kind = get_kind(lid)
        frame = gpd.GeoDataFrame({n: [r.get(n) for r in recs] for n in kind.field_names},
                                 geometry=[shapely.Point(r["xy"]) for r in recs], crs=crs).to_crs("EPSG:4326")
        save_layer(root, lid, frame, area=area)


def _city(tmp_path: Path) -> Path:
    city = tmp_path / "city"
    dj = write_tiny_workspace(city / "dianjiang")
    _sites(dj, "乙镇", shapely.Point(107.36, 30.32), "EPSG:4545", "垫江")
    lasa = city / "lasa"
    init_workspace(lasa, find_county(adcode="540102"))
    write_township_file(lasa, tmp_path / "t.geojson", ["乙镇", "吉日街道"], "540102")  # 乙镇: in both counties
    assert main(["import", "townships", str(tmp_path / "t.geojson"), "--workspace", str(lasa)]) == 0
    west = load_workspace(lasa).townships.geometry.iloc[0].representative_point()
    _sites(lasa, "乙镇", west, "EPSG:4539", "拉萨")
    (city / "city.toml").write_text('[city]\nname = "测试市"\ncounties = ["dianjiang", "lasa"]\n', encoding="utf-8")
    return city


def test_city_tables_equal_each_county_alone(tmp_path):
    city = load_city(_city(tmp_path))
    ca = analyze_city(city)
    assert list(ca.counties["county"]) == ["测试县", "城关区"]
    assert list(ca.counties["metric_crs"]) == ["EPSG:4545", "EPSG:4539"]
    for member in city.members:
        alone = analyze_workspace(load_workspace(member.workspace.root))
        rows = ca.townships[ca.townships["county_adcode"] == member.adcode]
        got = rows.drop(columns=_ADDED).reset_index(drop=True)
        # the city table is the union of the counties' columns: a county lacking one (a layer it does not
        # have) gets it empty, and every column it does have is exactly its own analysis
        extra = [c for c in got.columns if c not in alone.townships.columns]
        assert got[extra].isna().all().all(), extra
        pd.testing.assert_frame_equal(got[list(alone.townships.columns)], alone.townships)
        row = ca.counties[ca.counties["folder"] == member.key].iloc[0]
        assert row["pairs"] == alone.summary["pairs"] == len(alone.pairs) > 0
        for key, value in alone.summary["totals"].items():
            assert row[key] == value, key
    # the shared township name is qualified by its county, the others are not
    assert set(ca.townships["township"]) == {"甲街道", "测试县·乙镇", "城关区·乙镇", "吉日街道"}
    out = write_city_outputs(ca, tmp_path / "out")
    assert {"counties", "townships", "dianjiang", "lasa"} <= set(out)
    assert main(["analyze", "--workspace", str(city.root / "lasa"), "--out", str(tmp_path / "alone")]) == 0
    for name in ("pairs.csv", "townships.csv", "hazards.csv", "coverage.csv", "violations.csv"):
        assert (tmp_path / "out" / "lasa" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name


def test_city_map_and_exports_across_counties(tmp_path, capsys):
    root = _city(tmp_path)
    ws = city_workspace(load_city(root))
    assert len(ws.county) == 2 and set(ws.townships["name"]) == {"甲街道", "测试县·乙镇", "城关区·乙镇", "吉日街道"}
    gh = ws.layers["geohazard"]
    assert sorted(gh["id"]) == ["500231-GH-1", "540102-GH-1"]  # the same id in two counties is qualified
    assert sorted(gh["township"]) == ["城关区·乙镇", "测试县·乙镇"]
    assert main(["analyze", "--city", str(root), "--out", str(tmp_path / "a")]) == 0
    assert "城关区" in capsys.readouterr().out
    assert main(["export", "--city", str(root), "--township", "城关区·乙镇", "--format", "csv",
                 "--out", str(tmp_path / "x.csv")]) == 0
    text = (tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    assert "拉萨滑坡" in text and "垫江滑坡" not in text
    assert main(["map", "--city", str(root), "--out", str(tmp_path / "m.html")]) == 0
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "拉萨滑坡" in html and "垫江滑坡" in html
