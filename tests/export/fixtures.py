"""A tiny workspace with every registry filled: two square townships, eight sites per layer.

Attribute values cycle through each field's allowed values so that random filters select
different subsets; one name carries HTML/XML metacharacters to test escaping.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import geopandas as gpd
import shapely

from layers.kinds import LAYER_KINDS, FieldType, LayerKind
from layers.store.io import write_geojson

SITES_PER_LAYER = 8
TOWNS = (("甲街道", 107.30, "一社区"), ("乙镇", 107.34, "二村"))
FIXED_NOW = datetime(2026, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
TRICKY_NAME = '老屋<b>&"危岩"'


def _value(f, i: int):
    if f.type == FieldType.ENUM:
        return f.allowed[i % len(f.allowed)]
    if f.type == FieldType.INT:
        return i * 3
    if f.type == FieldType.FLOAT:
        return round(i * 1.25, 2)
    if f.type == FieldType.BOOL:
        return i % 2 == 0
    if f.type == FieldType.DATE:
        return f"2025-05-{i % 9 + 1:02d}"
    return f"单位{i % 3}"


def _site(kind: LayerKind, i: int) -> tuple[dict, shapely.Point]:
    town, x0, village = TOWNS[i % 2]
    props = {f.name: _value(f, i) for f in kind.fields}
    props.update(
        id=f"{kind.id_prefix}-{i:03d}",
        name=f"{town}{kind.label}{i}号",
        township=town,
        village=village,
        address=f"{town}某路{i}号",
        updated="2025-06-01",
        source="sample",
        contact_name=None if i == 5 else f"联系人{i}",
        contact_phone=f"1380000{i:04d}",
    )
    if i == 0:
        props["name"] = TRICKY_NAME
    frac = (i * 0.6180339887) % 1
    point = shapely.Point(round(x0 + 0.004 + 0.032 * frac, 7), round(30.304 + 0.03 * ((i * 0.37) % 1), 7))
    return props, point


def write_layers(root: Path) -> None:
    for kind in LAYER_KINDS:
        rows = [_site(kind, i) for i in range(SITES_PER_LAYER)]
        frame = gpd.GeoDataFrame([p for p, _ in rows], geometry=[g for _, g in rows], crs="EPSG:4326")
        write_geojson(root / f"{kind.id}.geojson", frame, kind)
    river = gpd.GeoDataFrame(
        {"name": ["龙溪河"]},
        geometry=[shapely.LineString([(107.31, 30.30), (107.35, 30.32), (107.37, 30.34)])],
        crs="EPSG:4326",
    )
    write_geojson(root / "river.geojson", river)
