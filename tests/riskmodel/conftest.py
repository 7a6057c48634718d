"""A geometry zoo for the risk model: two square townships and sites placed at hand-checkable distances.

Coordinates are metres in EPSG:4545 (so that "exactly on the ring edge" stays exact); the
workspace's layers carry that CRS and the model projects whatever CRS a frame has. Township A is
the square x 500 000–501 000, y 3 350 000–3 351 000; township B is the square east of it.

Hand-checkable distances (from geohazard G1 at A's centre, R = 100 m, watch W = 200 m)::

    JX-EDGE-D   d = 100       danger (edge: d == R counts inside)
    JX-IN-D     d = 99.999    danger
    JX-OUT-D    d = 100.001   watch
    JX-W        d = 150       watch
    JX-EDGE-W   d = 200       watch (120² + 160² = 200²)
    JX-OUT-W    d = 200.001   not exposed
    BN-S3       d = 50        shelter in the danger zone → unusable
    BN-S1       d = 200       shelter on the watch edge → usable
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.kinds import LAYER_KINDS, get_kind
from layers.store.workspace import Workspace

X0, Y0 = 500_000.0, 3_350_000.0
CRS = "EPSG:4545"
G1 = (X0 + 500, Y0 + 500)


def layer(layer_id: str, rows: list[dict], crs: str = CRS) -> gpd.GeoDataFrame:
    """A typed-enough registry frame: every field of the kind, then the given values; xy in metres."""
    kind = get_kind(layer_id)
    data = {n: [r.get(n) for r in rows] for n in kind.field_names}
    frame = gpd.GeoDataFrame(data, geometry=[shapely.Point(r["xy"]) for r in rows], crs=CRS)
    return frame.to_crs(crs) if crs != CRS else frame


def township_frames(crs: str = CRS):
    a = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    b = shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)
    towns = gpd.GeoDataFrame(
        {
            "code": ["500231001000", "500231002000"],
            "name": ["甲镇", "乙镇"],
            "kind": ["镇", "镇"],
            "population": [300, 80],
        },
        geometry=[a, b],
        crs=CRS,
    )
    county = gpd.GeoDataFrame({"name": ["测试县"]}, geometry=[shapely.union_all([a, b])], crs=CRS)
    return county.to_crs(crs), towns.to_crs(crs)


def zoo_layers() -> dict[str, list[dict]]:
    gx, gy = G1
    t_a, t_b = "甲镇", "乙镇"
    return {
        "geohazard": [
            dict(
                id="DZ-G1",
                name="甲镇滑坡",
                township=t_a,
                hazard_type="滑坡",
                scale="小型",
                threatened_people=120,
                threat_radius_m=100.0,
                status="监测中",
                xy=G1,
            ),
            dict(
                id="DZ-OLD",
                name="已核销崩塌",
                township=t_b,
                hazard_type="崩塌(危岩)",
                scale="小型",
                threatened_people=999,
                status="已核销",
                xy=(X0 + 1500, Y0 + 150),
            ),
        ],
        "nine_small": [
            dict(
                id="JX-EDGE-D",
                name="边缘商店",
                township=t_a,
                category="小商店",
                occupants=10,
                xy=(gx + 100, gy),
            ),
            dict(
                id="JX-IN-D",
                name="内侧餐饮",
                township=t_a,
                category="小餐饮",
                occupants=20,
                xy=(gx - 99.999, gy),
            ),
            dict(
                id="JX-OUT-D",
                name="外侧网吧",
                township=t_a,
                category="小网吧",
                occupants=30,
                xy=(gx, gy - 100.001),
            ),
            dict(
                id="JX-W", name="关注区旅馆", township=t_a, category="小旅馆", occupants=40, xy=(gx, gy + 150)
            ),
            dict(
                id="JX-EDGE-W",
                name="外圈边缘医院",
                township=t_a,
                category="小医院",
                occupants=50,
                xy=(gx + 120, gy + 160),
            ),
            dict(
                id="JX-OUT-W",
                name="圈外学校",
                township=t_a,
                category="小学校或幼儿园",
                occupants=60,
                xy=(gx - 200.001, gy),
            ),
            dict(
                id="JX-GAS",
                name="燃气旁餐饮",
                township=t_b,
                category="小餐饮",
                occupants=7,
                xy=(X0 + 1800, Y0 + 230),
            ),
        ],
        "shelter": [
            dict(
                id="BN-S1",
                name="甲镇广场",
                township=t_a,
                shelter_class="紧急",
                capacity_people=400,
                status="可用",
                xy=(gx, gy + 200),
            ),
            dict(
                id="BN-S2",
                name="乙镇操场",
                township=t_b,
                shelter_class="紧急",
                capacity_people=50,
                status="可用",
                xy=(X0 + 1500, Y0 + 500),
            ),
            dict(
                id="BN-S3",
                name="滑坡旁空地",
                township=t_a,
                shelter_class="短期固定",
                capacity_people=1000,
                status="可用",
                xy=(gx + 50, gy),
            ),
            dict(
                id="BN-S4",
                name="停用仓库",
                township=t_b,
                shelter_class="中心",
                capacity_people=9999,
                status="停用",
                xy=(X0 + 1900, Y0 + 900),
            ),
        ],
        "gas_risk": [
            dict(
                id="RQ-1",
                name="乙镇调压站",
                township=t_b,
                facility_type="调压站",
                pressure_class="中压A",
                risk_level="一般",
                xy=(X0 + 1800, Y0 + 200),
            )
        ],
        "flood_spot": [
            dict(
                id="NL-1",
                name="乙镇桥涵",
                township=t_b,
                spot_type="桥涵",
                max_depth_cm=10.0,
                xy=(X0 + 1200, Y0 + 800),
            )
        ],
        "ferry": [
            dict(
                id="DK-1",
                name="乙镇渡口",
                township=t_b,
                ferry_type="乡镇渡口",
                status="运营",
                xy=(X0 + 1200, Y0 + 840),
            )
        ],
        "fire_pool": [
            dict(id="SC-1", name="甲镇水池", township=t_a, status="已建", xy=(X0 + 200, Y0 + 200)),
            dict(id="SC-2", name="乙镇规划水池", township=t_b, status="规划", xy=(X0 + 1800, Y0 + 800)),
        ],
    }


def make_workspace(
    layers: dict[str, list[dict]] | None = None,
    *,
    villages: list[dict] | None = None,
    crs: str = CRS,
    config: dict | None = None,
    forest: bool = True,
) -> Workspace:
    """Build a Workspace dataclass directly (no files): the zoo by default."""
    county, towns = township_frames(crs)
    rows = zoo_layers() if layers is None else layers
    frames = {k.id: layer(k.id, rows.get(k.id, []), crs) for k in LAYER_KINDS}
    vrows = (
        villages
        if villages is not None
        else [
            dict(code="500231001201", name="甲村", township="甲镇", population=300, xy=(X0 + 500, Y0 + 900)),
            dict(
                code="500231002201",
                name="乙村",
                township="500231002000",
                population=80,
                xy=(X0 + 1500, Y0 + 900),
            ),
        ]
    )
    vil = gpd.GeoDataFrame(
        pd.DataFrame({k: [r[k] for r in vrows] for k in ("code", "name", "township", "population")}),
        geometry=[shapely.Point(r["xy"]) for r in vrows],
        crs=CRS,
    ).to_crs(crs)
    forest_frame = None
    if forest:
        boxes = [
            shapely.box(X0, Y0, X0 + 400, Y0 + 400),
            shapely.box(X0 + 1600, Y0 + 600, X0 + 2000, Y0 + 1000),
        ]
        forest_frame = gpd.GeoDataFrame({"name": ["甲林", "乙林"]}, geometry=boxes, crs=CRS).to_crs(crs)
    return Workspace(
        root=Path("/nonexistent/zoo"),
        config=config or {"county": {"name": "测试县"}},
        county=county,
        townships=towns,
        villages=vil,
        layers=frames,
        forest=forest_frame,
    )


@pytest.fixture
def zoo() -> Workspace:
    return make_workspace()


@pytest.fixture
def make_ws():
    """The workspace factory: ``make_ws(layers=None, villages=None, crs=..., config=None, forest=True)``."""
    return make_workspace


@pytest.fixture
def zoo_rows() -> dict[str, list[dict]]:
    return zoo_layers()


@pytest.fixture
def make_layer():
    return layer
