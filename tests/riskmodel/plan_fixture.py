"""A hand-checkable work plan on the tiny two-township workspace (tests/conftest.py).

Ferries (甲街道 west, 乙镇 east)::

    id  township  status  has_anemometer  video_connected
    F1  甲街道    运营    true            true
    F2  甲街道    运营    false           true
    F3  乙镇      运营    true            false
    F4  乙镇      停渡    (empty)         true
    F5  乙镇      撤渡    true            true       ← out of scope (status)
    F6  乙镇      运营    false           true

Geohazards::

    id  township  status    threatened_people
    G1  甲街道    搬迁避让  10
    G2  乙镇      搬迁避让  (empty)
    G3  乙镇      监测中    50
    G4  甲街道    搬迁避让  5

On 2026-10-01 (273 of the 364 days from 1 January to the 31 December deadline: time share 0.75):

- ``anemometer`` count, target 4: counted F1, F3 → 2 (50 %); pending F2, F6; 数据缺失 F4. 0.75 − 0.5 >
  0.1 → 滞后. Holding back: 乙镇 (F4, F6) over 甲街道 (F2).
- ``video`` rate, target 100 %: scope F1–F4, F6 (5), done F1, F2, F4, F6 → 80 %; 0.75 − 0.8 ≤ 0.1 → 进行中.
  Per township: 甲街道 2/2 = 100 %, 乙镇 2/3 ≈ 66.7 %.
- ``relocated`` sum of threatened_people, target 30: G1 + G4 = 15 (50 %) → 滞后; G2 数据缺失 (no
  people); G3 pending (50 people) → 乙镇 holds it back.
- ``pipe_km`` manual, target 108: 54 entered → 50 % → 滞后.
- ``done_one`` count, target 1: F1 has an anemometer in 甲街道 → 已完成.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from layers.kinds import get_kind
from layers.store.io import write_geojson
from tests.conftest import write_tiny_workspace

AS_OF = "2026-10-01"
WEST, EAST = (107.32, 30.32), (107.36, 30.32)

PLAN_TOML = """\
[plan]
year = 2026
document = "测试方案"
behind_margin = 0.1

[[target]]
id = "anemometer"
name = "渡口测风仪"
wording = "渡口气象测风仪 4 套"
clause = "一"
units = ["交通局"]
target = 4
unit = "套"
deadline = "2026-12-31"
measure = "count"
layer = "ferry"
scope = { status = ["运营", "停渡"] }
done = { has_anemometer = true }

[[target]]
id = "video"
name = "视频接入率"
target = 100
unit = "%"
deadline = "2026-12-31"
measure = "rate"
layer = "ferry"
scope = { status = ["运营", "停渡"] }
done = { video_connected = true }

[[target]]
id = "relocated"
name = "避险搬迁"
target = 30
unit = "人"
deadline = "2026-12-31"
measure = "sum"
layer = "geohazard"
field = "threatened_people"
done = { status = "搬迁避让" }

[[target]]
id = "pipe_km"
name = "消防管网"
target = 108
unit = "km"
deadline = "2026-12-31"
measure = "manual"

[[target]]
id = "done_one"
name = "一处测风仪"
target = 1
unit = "套"
deadline = "2026-12-31"
measure = "count"
layer = "ferry"
scope = { township = "甲街道" }
done = { has_anemometer = true }
"""

_FERRIES = [
    ("F1", "甲街道", "运营", True, True),
    ("F2", "甲街道", "运营", False, True),
    ("F3", "乙镇", "运营", True, False),
    ("F4", "乙镇", "停渡", None, True),
    ("F5", "乙镇", "撤渡", True, True),
    ("F6", "乙镇", "运营", False, True),
]
_GEOHAZARDS = [
    ("G1", "甲街道", "搬迁避让", 10),
    ("G2", "乙镇", "搬迁避让", None),
    ("G3", "乙镇", "监测中", 50),
    ("G4", "甲街道", "搬迁避让", 5),
]


def _point(town: str, i: int) -> shapely.Point:
    x, y = WEST if town == "甲街道" else EAST
    return shapely.Point(x + 0.001 * i, y + 0.0005 * i)


def write_plan_workspace(root: Path, plan_text: str = PLAN_TOML) -> Path:
    write_tiny_workspace(root)
    ferries = gpd.GeoDataFrame(
        {"id": [r[0] for r in _FERRIES], "name": [f"{r[0]}渡口" for r in _FERRIES],
         "township": [r[1] for r in _FERRIES], "ferry_type": "乡镇渡口", "status": [r[2] for r in _FERRIES],
         "has_anemometer": [r[3] for r in _FERRIES], "video_connected": [r[4] for r in _FERRIES]},
        geometry=[_point(r[1], i) for i, r in enumerate(_FERRIES)], crs="EPSG:4326")
    geo = gpd.GeoDataFrame(
        {"id": [r[0] for r in _GEOHAZARDS], "name": [f"{r[0]}滑坡" for r in _GEOHAZARDS],
         "township": [r[1] for r in _GEOHAZARDS], "hazard_type": "滑坡", "status": [r[2] for r in _GEOHAZARDS],
         "threatened_people": [r[3] for r in _GEOHAZARDS]},
        geometry=[_point(r[1], i + 10) for i, r in enumerate(_GEOHAZARDS)], crs="EPSG:4326")
    write_geojson(root / "ferry.geojson", ferries, get_kind("ferry"))
    write_geojson(root / "geohazard.geojson", geo, get_kind("geohazard"))
    (root / "plan.toml").write_text(plan_text, encoding="utf-8")
    return root
