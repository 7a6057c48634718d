"""The optional road base layer ``roads.geojson``: the grades as data and the one reader that checks it.

A workspace without the file has no roads (``None``) and works as before. A file that is there must
be a GeoJSON FeatureCollection of LineString/MultiLineString features with ``name`` (may be empty)
and ``grade`` (one of :data:`ROAD_GRADES`); any other property is kept. Every problem is named in
one :class:`~layers.errors.LayerFileError` (file, feature, field), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
import shapely.errors
import shapely.geometry

from layers.errors import LayerFileError
from layers.store.io import read_feature_collection

__all__ = ["ROADS_FILE", "ROAD_GRADES", "RoadGrade", "read_roads", "road_grade"]

ROADS_FILE = "roads.geojson"


@dataclass(frozen=True)
class RoadGrade:
    """One road grade: the stored Chinese value and how the map and the print draw it."""

    value: str  # stored text and Chinese label, e.g. 高速公路
    label_en: str
    color: str  # the print's line (the inner line over the casing)
    casing: str | None  # the print's darker outline under the line; None: a plain line
    print_width_pt: float
    map_color: str  # the web map's one thin stroke (over the risk colours of the townships)
    map_weight_px: float
    dashed: bool = False
    labelled: bool = False  # the packet map writes the road's name


ROAD_GRADES: tuple[RoadGrade, ...] = (  # highest first: drawn last (on top), labelled first
    RoadGrade("高速公路", "Expressway", "#f2a93b", "#8a5a14", 2.6, "#c8741e", 2.2, labelled=True),
    RoadGrade("国道", "National road", "#f7d26a", "#8c6d2c", 1.9, "#b58a2e", 1.8, labelled=True),
    RoadGrade("省道", "Provincial road", "#fbe7a6", "#96804a", 1.5, "#a08a55", 1.5, labelled=True),
    RoadGrade("县道", "County road", "#8d8578", None, 0.9, "#8d8578", 1.1),
    RoadGrade("乡道", "Township road", "#a8a298", None, 0.6, "#a8a298", 0.8, dashed=True),
)
_BY_VALUE = {g.value: g for g in ROAD_GRADES}
_LINES = ("LineString", "MultiLineString")
_SHOWN = 8  # problems written out in full; the rest are counted


def road_grade(value: str) -> RoadGrade:
    """The grade stored as ``value``.

    >>> road_grade("国道").labelled
    True
    >>> road_grade("快速路")
    Traceback (most recent call last):
    ...
    KeyError: '道路等级“快速路”无效；可选：高速公路、国道、省道、县道、乡道'
    """
    try:
        return _BY_VALUE[value]
    except KeyError:
        raise KeyError(f"道路等级“{value}”无效；可选：{_allowed()}") from None


def _allowed() -> str:
    return "、".join(g.value for g in ROAD_GRADES)


def read_roads(path: str | Path) -> gpd.GeoDataFrame | None:
    """The roads of ``path`` as a WGS 84 frame (``name``, ``grade``, other properties); None if absent.

    Raises
    ------
    LayerFileError
        Not UTF-8, not JSON, not a FeatureCollection, or features that are not lines or lack a valid
        grade: one message naming the file and each feature and field.
    """
    path = Path(path)
    if not path.exists():
        return None
    doc = read_feature_collection(path)
    rows, geoms, problems = [], [], []
    for i, feat in enumerate(doc["features"], start=1):
        row, geom, found = _check_feature(feat, i)
        problems += found
        rows.append(row)
        geoms.append(geom)
    if problems:
        more = f"；……共 {len(problems)} 处" if len(problems) > _SHOWN else ""
        raise LayerFileError(f"{path}: 道路图层有误（未载入）：{'；'.join(problems[:_SHOWN])}{more}")
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    for col in ("name", "grade"):
        if col not in frame.columns:
            frame[col] = []
    return frame


def _check_feature(feat, i: int) -> tuple[dict, shapely.Geometry | None, list[str]]:
    if not isinstance(feat, dict):
        return {}, None, [f"第 {i} 个要素不是 GeoJSON Feature 对象"]
    props = feat.get("properties") or {}
    if not isinstance(props, dict):
        return {}, None, [f"第 {i} 个要素: properties 应为对象"]
    name = props.get("name")
    where = f"第 {i} 个要素" + (f"（{name}）" if isinstance(name, str) and name else "")
    problems = []
    if name is not None and not isinstance(name, str | int):
        problems.append(f"{where}: name（名称）应为文字")
    grade = props.get("grade")
    if grade in (None, ""):
        problems.append(f"{where}: 缺少 grade（道路等级）；可选：{_allowed()}")
    elif grade not in _BY_VALUE:
        problems.append(f"{where}: grade（道路等级）“{grade}”无效；可选：{_allowed()}")
    geom, why = _line(feat.get("geometry"))
    if why:
        problems.append(f"{where}: geometry {why}")
    row = {**props, "name": "" if name is None else str(name), "grade": grade}
    return row, geom, problems


def _line(g) -> tuple[shapely.Geometry | None, str]:
    if not isinstance(g, dict) or "type" not in g:
        return None, "缺失；道路需要 LineString 或 MultiLineString"
    if g["type"] not in _LINES:
        return None, f"为 {g['type']}；道路需要 LineString 或 MultiLineString"
    try:
        geom = shapely.geometry.shape(g)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError):
        return None, "的坐标无效（应为 [经度, 纬度] 的列表，至少两个点）"
    if geom.is_empty:
        return None, "没有坐标"
    return geom, ""
