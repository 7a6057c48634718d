"""A small, hand-checkable workspace for the map, app and browser tests.

Two square townships (甲街道 west, 乙镇 east), two villages, a river, a 40×40 DEM GeoTIFF and a
few sites in every registry — one geohazard site in 甲街道 is named ``<img src=x onerror=alert(1)>``.
Expected counts are in :data:`COUNTS` / :data:`COUNTS_BY_TOWN`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from layers.kinds import LAYER_KINDS

XSS_NAME = "<img src=x onerror=alert(1)>"
WEST_TOWN, EAST_TOWN = "甲街道", "乙镇"
_W = (107.30, 30.30, 107.34, 30.34)
_E = (107.34, 30.30, 107.38, 30.34)


def _box(b):
    x0, y0, x1, y1 = b
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _fc(features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _feat(geom, **props):
    return {"type": "Feature", "geometry": geom, "properties": props}


def _pt(x, y):
    return {"type": "Point", "coordinates": [x, y]}


def _sites(prefix, specs, common):
    """specs: list of (x, y, township, overrides)."""
    out = []
    for i, (x, y, town, extra) in enumerate(specs, start=1):
        props = {
            "id": f"{prefix}{i:04d}",
            "name": f"{town}{prefix}{i}",
            "township": town,
            "source": "sample",
            **common,
            **extra,
        }
        out.append(_feat(_pt(x, y), **props))
    return out


W1, W2, W3 = (107.31, 30.31), (107.32, 30.325), (107.33, 30.315)
E1, E2 = (107.35, 30.31), (107.37, 30.33)

LAYERS = {
    "geohazard": _sites(
        "DZ",
        [
            (*W1, WEST_TOWN, {"name": XSS_NAME, "danger_level": "大型", "threatened_people": 600}),
            (*W2, WEST_TOWN, {"danger_level": "小型", "threatened_people": 5, "status": "已治理"}),
            (*E1, EAST_TOWN, {"danger_level": "中型", "threatened_people": 150}),
        ],
        {"hazard_type": "滑坡", "scale": "小型", "status": "监测中", "monitor_level": "群测群防"},
    ),
    "flood_spot": _sites(
        "NL",
        [(*W3, WEST_TOWN, {}), (*E2, EAST_TOWN, {"remediation": "已整治"})],
        {"spot_type": "城区低洼", "max_depth_cm": 40, "remediation": "未整治"},
    ),
    "ferry": _sites("DK", [(107.355, 30.335, EAST_TOWN, {})], {"ferry_type": "乡镇渡口", "status": "运营"}),
    "gas_risk": _sites(
        "RQ",
        [(107.315, 30.318, WEST_TOWN, {}), (107.365, 30.312, EAST_TOWN, {})],
        {"facility_type": "调压柜", "pressure_class": "中压A", "risk_level": "一般"},
    ),
    "fire_pool": _sites("SC", [(107.305, 30.335, WEST_TOWN, {})], {"capacity_m3": 100, "status": "已建"}),
    "shelter": _sites(
        "BN",
        [(107.312, 30.312, WEST_TOWN, {}), (107.36, 30.32, EAST_TOWN, {})],
        {"shelter_class": "紧急", "capacity_people": 500, "status": "可用"},
    ),
    "nine_small": _sites(
        "JX",
        [
            (107.311, 30.311, WEST_TOWN, {"category": "小餐饮"}),
            (107.321, 30.321, WEST_TOWN, {"category": "小商店"}),
            (107.331, 30.331, WEST_TOWN, {"category": "小餐饮"}),
            (107.351, 30.311, EAST_TOWN, {"category": "小旅馆"}),
            (107.361, 30.321, EAST_TOWN, {"category": "小餐饮"}),
        ],
        {"occupants": 10},
    ),
}
# every kind (a registry without a file here loads empty and is drawn with 0 sites)
COUNTS = {k.id: len(LAYERS.get(k.id, ())) for k in LAYER_KINDS}
COUNTS_BY_TOWN = {
    town: {
        k.id: sum(f["properties"]["township"] == town for f in LAYERS.get(k.id, ())) for k in LAYER_KINDS
    }
    for town in (WEST_TOWN, EAST_TOWN)
}


def _dem(path: Path) -> None:
    n = 40
    xs = np.linspace(0, 1, n)
    elev = (300 + 200 * np.sin(xs * np.pi)[None, :] + 50 * xs[:, None]).astype("float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=n,
        height=n,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(107.30, 30.34, 0.08 / n, 0.04 / n),
        nodata=-9999,
    ) as dst:
        dst.write(elev, 1)


def write_map_workspace(root: Path, *, sample: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "workspace.toml").write_text(
        f'[county]\nname = "测试县"\nadcode = "500231"\nmetric_crs = "EPSG:4545"\nsample = {str(sample).lower()}\n',
        encoding="utf-8",
    )
    county = {
        "type": "Polygon",
        "coordinates": [
            [[107.30, 30.30], [107.38, 30.30], [107.38, 30.34], [107.30, 30.34], [107.30, 30.30]]
        ],
    }
    (root / "county.geojson").write_text(_fc([_feat(county, name="测试县")]), encoding="utf-8")
    (root / "townships.geojson").write_text(
        _fc(
            [
                _feat(_box(_W), code="500231001000", name=WEST_TOWN, kind="街道", population=1000),
                _feat(_box(_E), code="500231002000", name=EAST_TOWN, kind="镇", population=2000),
            ]
        ),
        encoding="utf-8",
    )
    (root / "villages.geojson").write_text(
        _fc(
            [
                _feat(
                    _pt(107.32, 30.32),
                    code="500231001001",
                    name="一社区",
                    township=WEST_TOWN,
                    population=1000,
                ),
                _feat(
                    _pt(107.36, 30.32), code="500231002201", name="二村", township=EAST_TOWN, population=2000
                ),
            ]
        ),
        encoding="utf-8",
    )
    river = {"type": "LineString", "coordinates": [[107.30, 30.305], [107.38, 30.338]]}
    (root / "river.geojson").write_text(_fc([_feat(river, name="龙溪河")]), encoding="utf-8")
    for lid, feats in LAYERS.items():
        (root / f"{lid}.geojson").write_text(_fc(feats), encoding="utf-8")
    _dem(root / "dem.tif")
    return root
