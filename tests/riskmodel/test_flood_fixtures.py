"""Shared tiny fixtures for the flood tests (imported by test_flood*, test_waterlevel*, test_warning*,
test_scenario*, test_briefing*): a two-township workspace and a 10×10 depth raster with a known transform.

Grid: EPSG:4545, 100 m cells, origin (430000, 3350000) → x 430000–431000, y 3349000–3350000.
Township 甲镇 = columns 0–4, 乙镇 = columns 5–9. Depth: rows 0–4 hold 0.25 × column (m); rows 5–9 are dry.
So flooded cells: 甲镇 rows 0–4 × cols 1–4 = 20 cells = 200 000 m²; 乙镇 25 cells = 250 000 m².
Sites sit on cell centres, so every depth below is read off the grid by hand.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin
from rasterio.warp import Resampling, calculate_default_transform, reproject

from layers.kinds import get_kind
from layers.store.io import frame_to_geojson_bytes

ORIGIN_X, ORIGIN_Y, CELL_M = 430000.0, 3350000.0, 100.0
TRANSFORM = from_origin(ORIGIN_X, ORIGIN_Y, CELL_M, CELL_M)
METRIC = "EPSG:4545"


def depth_grid() -> np.ndarray:
    d = np.zeros((10, 10), dtype="float32")
    d[0:5, :] = 0.25 * np.arange(10, dtype="float32")[None, :]
    return d


def cell_center(row: int, col: int) -> tuple[float, float]:
    """lon/lat of a cell centre."""
    x, y = ORIGIN_X + CELL_M * col + CELL_M / 2, ORIGIN_Y - CELL_M * row - CELL_M / 2
    p = gpd.GeoSeries([shapely.Point(x, y)], crs=METRIC).to_crs("EPSG:4326").iloc[0]
    return p.x, p.y


def _box4326(x0, y0, x1, y1):
    return gpd.GeoSeries([shapely.box(x0, y0, x1, y1)], crs=METRIC).to_crs("EPSG:4326").iloc[0]


def write_raster(path: Path, data: np.ndarray, *, crs=METRIC, transform=TRANSFORM, nodata=-9999.0) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as w:
        w.write(data.astype("float32"), 1)
    return path


def write_warped(path: Path, data: np.ndarray, dst_crs: str) -> Path:
    """The same flood warped (nearest neighbour) to another CRS."""
    left, top = ORIGIN_X, ORIGIN_Y
    bounds = (left, top - 10 * CELL_M, left + 10 * CELL_M, top)
    tr, w, h = calculate_default_transform(METRIC, dst_crs, 10, 10, *bounds)
    dst = np.full((h, w), -9999.0, dtype="float32")
    reproject(
        data.astype("float32"),
        dst,
        src_transform=TRANSFORM,
        src_crs=METRIC,
        dst_transform=tr,
        dst_crs=dst_crs,
        dst_nodata=-9999.0,
        resampling=Resampling.nearest,
    )
    return write_raster(path, dst, crs=dst_crs, transform=tr)


SITES = {
    "geohazard": [
        dict(
            id="DZ1",
            name="甲镇一号滑坡",
            township="甲镇",
            cell=(2, 2),
            hazard_type="滑坡",
            threatened_people=120,
            status="监测中",
            contact_name="张三",
            contact_phone="13812345678",
        ),
        dict(
            id="DZ2",
            name="乙镇二号危岩",
            township="乙镇",
            cell=(7, 7),
            hazard_type="崩塌(危岩)",
            threatened_people=30,
            status="已治理",
        ),
    ],
    "shelter": [
        dict(
            id="BN1",
            name="甲镇广场",
            township="甲镇",
            cell=(8, 1),
            shelter_class="紧急",
            capacity_people=100,
            status="可用",
        ),
        dict(
            id="BN2",
            name="乙镇河滩公园",
            township="乙镇",
            cell=(1, 6),
            shelter_class="紧急",
            capacity_people=500,
            status="可用",
        ),
        dict(
            id="BN3",
            name="乙镇学校",
            township="乙镇",
            cell=(8, 8),
            shelter_class="短期固定",
            capacity_people=10,
            status="可用",
        ),
    ],
    "ferry": [
        dict(id="DK1", name="甲镇渡口", township="甲镇", cell=(3, 1), ferry_type="乡镇渡口", status="运营"),
        dict(id="DK2", name="乙镇渡口", township="乙镇", cell=(9, 9), ferry_type="乡镇渡口", status="运营"),
    ],
    "flood_spot": [
        dict(id="NL1", name="乙镇下穿通道", township="乙镇", cell=(0, 9), spot_type="下穿通道"),
        dict(id="NL2", name="甲镇低洼点", township="甲镇", cell=(6, 3), spot_type="城区低洼"),
    ],
    "gas_risk": [dict(id="RQ1", name="甲镇调压柜", township="甲镇", cell=(4, 4), facility_type="调压柜")],
    "nine_small": [
        dict(id="JX1", name="甲镇小商店", township="甲镇", cell=(9, 0), category="小商店", occupants=5)
    ],
    "fire_pool": [dict(id="SC1", name="乙镇水池", township="乙镇", cell=(5, 5), status="已建")],
}
VILLAGES = [
    dict(code="500231999201", name="甲村", township="甲镇", population=1000, cell=(1, 3)),
    dict(code="500231999202", name="乙村", township="乙镇", population=500, cell=(2, 8)),
    dict(code="500231999203", name="丙村", township="乙镇", population=800, cell=(9, 5)),
]


def _points(rows: list[dict]) -> gpd.GeoDataFrame:
    recs = [{k: v for k, v in r.items() if k != "cell"} for r in rows]
    geoms = [shapely.Point(*cell_center(*r["cell"])) for r in rows]
    return gpd.GeoDataFrame(recs, geometry=geoms, crs="EPSG:4326")


def make_workspace(root: Path, *, with_dem: bool = False, toml_extra: str = "") -> Path:
    """Write the tiny two-township workspace to ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "workspace.toml").write_text(
        f'[county]\nname = "测试县"\nadcode = "500231"\nmetric_crs = "{METRIC}"\n{toml_extra}',
        encoding="utf-8",
    )
    west = _box4326(ORIGIN_X, ORIGIN_Y - 1000, ORIGIN_X + 500, ORIGIN_Y)
    east = _box4326(ORIGIN_X + 500, ORIGIN_Y - 1000, ORIGIN_X + 1000, ORIGIN_Y)
    towns = gpd.GeoDataFrame(
        {
            "code": ["500231999000", "500231998000"],
            "name": ["甲镇", "乙镇"],
            "kind": ["镇", "镇"],
            "population": [3000, 2000],
        },
        geometry=[west, east],
        crs="EPSG:4326",
    )
    county = gpd.GeoDataFrame(
        {"name": ["测试县"]}, geometry=[shapely.union_all([west, east])], crs="EPSG:4326"
    )
    (root / "townships.geojson").write_bytes(frame_to_geojson_bytes(towns))
    (root / "county.geojson").write_bytes(frame_to_geojson_bytes(county))
    (root / "villages.geojson").write_bytes(frame_to_geojson_bytes(_points(VILLAGES)))
    for lid, rows in SITES.items():
        (root / f"{lid}.geojson").write_bytes(frame_to_geojson_bytes(_points(rows), get_kind(lid)))
    if with_dem:
        write_dem(root)
    return root


# DEM for the water-level scenario: river along column 2 (bed 100 m); valley floor rises 0.5 m per column
# away from it on the east, a 110 m ridge at column 6, and a closed hollow (101 m) at columns 7–8 behind it.
def dem_grid() -> np.ndarray:
    row = np.array([104.0, 102.0, 100.0, 100.5, 101.0, 101.5, 110.0, 101.0, 101.0, 104.0])
    return np.tile(row, (10, 1))


def write_dem(root: Path) -> None:
    write_raster(root / "dem.tif", dem_grid())
    x = ORIGIN_X + 2 * CELL_M + CELL_M / 2
    line = gpd.GeoSeries([shapely.LineString([(x, ORIGIN_Y - 1), (x, ORIGIN_Y - 999)])], crs=METRIC)
    river = gpd.GeoDataFrame({"name": ["测试河"]}, geometry=line.to_crs("EPSG:4326"), crs="EPSG:4326")
    (root / "river.geojson").write_bytes(frame_to_geojson_bytes(river))


def test_fixture_workspace_loads_without_errors(tmp_path):
    from layers.store.workspace import load_workspace

    ws = load_workspace(make_workspace(tmp_path / "ws"))
    assert not ws.errors, [p.line() for p in ws.errors]
    assert {k: len(v) for k, v in ws.layers.items()}["shelter"] == 3
