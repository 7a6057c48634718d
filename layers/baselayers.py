"""Import of the two base layers a new workspace starts without: townships (面) and villages (点).

``riskmap import townships FILE`` and ``riskmap import villages FILE`` read GeoJSON, GeoPackage,
zipped Shapefile or KML (and, for villages, CSV/XLSX with 经度/纬度 columns), match headers through
their own aliases (乡镇名称, 乡镇代码, 村名称, 所属乡镇, 人口 …), convert the CRS (``--crs`` as for
registries, else the file's, else WGS 84) and replace the base layer as a whole. Every problem is
reported at once; with any error nothing is written. The file replaced is kept under
``.history/<layer>/`` so it can be restored by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.crs import CrsChoice, parse_crs, to_wgs84
from layers.errors import BaseImportError
from layers.imports.readers import LAT_ALIASES, LON_ALIASES, decode_text, normalize_header, parse_coordinates
from layers.store.io import atomic_write_bytes, frame_to_geojson_bytes, layer_lock, read_vector
from layers.validate import Area, locate_townships

__all__ = ["BASE_LAYERS", "BaseImportError", "BaseImportResult", "import_base_layer"]


@dataclass(frozen=True)
class BaseLayer:
    id: str
    label: str
    file: str
    aliases: dict[str, tuple[str, ...]]  # field → headers that mean it
    polygon: bool  # townships are areas; villages are stored as points


BASE_LAYERS: dict[str, BaseLayer] = {
    "townships": BaseLayer(
        "townships", "乡镇（街道）", "townships.geojson",
        {"name": ("name", "乡镇名称", "乡镇（街道）名称", "乡镇街道名称", "乡镇", "乡镇（街道）", "名称", "xzmc"),
         "code": ("code", "乡镇代码", "乡镇（街道）代码", "区划代码", "统计用区划代码", "代码", "编码", "xzdm"),
         "kind": ("kind", "类型", "类别", "乡镇类型"),
         "population": ("population", "人口", "常住人口", "户籍人口", "人口（人）")},
        polygon=True,
    ),
    "villages": BaseLayer(
        "villages", "村（社区）", "villages.geojson",
        {"name": ("name", "村名称", "村（社区）名称", "村社区名称", "村（社区）", "村名", "名称", "cmc"),
         "code": ("code", "村代码", "村（社区）代码", "村社区代码", "区划代码", "统计用区划代码", "代码", "编码", "cdm"),
         "township": ("township", "所属乡镇", "所属乡镇（街道）", "乡镇", "乡镇名称", "乡镇（街道）"),
         "kind": ("kind", "类型", "类别"),
         "population": ("population", "人口", "常住人口", "户籍人口", "人口（人）")},
        polygon=False,
    ),
}

_GEO_SUFFIXES = ("geojson", "json", "gpkg", "zip", "kml", "shp")
_TABLE_SUFFIXES = ("csv", "xlsx")


@dataclass
class BaseImportResult:
    layer: str
    path: Path
    count: int
    crs: str
    derived_townships: int = 0
    warnings: list[str] = field(default_factory=list)


def _lookup_table(layer: BaseLayer) -> dict[str, str]:
    table: dict[str, str] = {}
    for name, aliases in layer.aliases.items():
        for a in aliases:
            table.setdefault(normalize_header(a), name)
    for a in LON_ALIASES:
        table.setdefault(normalize_header(a), "__lon__")
    for a in LAT_ALIASES:
        table.setdefault(normalize_header(a), "__lat__")
    return table


def _read_geo(path: Path, name: str) -> gpd.GeoDataFrame:
    target = f"zip://{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        return gpd.read_file(target, engine="pyogrio")
    except Exception as exc:  # GDAL's own message names what is wrong
        raise BaseImportError(f"{name}: 无法读取（{str(exc).splitlines()[0]}）") from None


def _read_table(path: Path, name: str, encoding: str) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        try:
            return pd.read_excel(path, dtype=object)
        except Exception as exc:
            raise BaseImportError(f"{name}: 无法读取 Excel 文件（{exc}）") from None
    text, _ = decode_text(path.read_bytes(), encoding, name)
    import io

    return pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False)


def _text(v) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)) or v is pd.NA:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _number(v) -> float | None:
    t = _text(v).replace(",", "")
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        return np.nan


def _kind_of_township(name: str) -> str:
    return "街道" if name.endswith("街道") else ("乡" if name.endswith("乡") else "镇")


def _kind_of_village(name: str) -> str:
    return "社区" if name.endswith("社区") else "村"


def _transform_geoms(geoms, choice: CrsChoice):
    def conv(a):
        lon, lat = to_wgs84(a[:, 0], a[:, 1], choice)
        return np.round(np.column_stack([lon, lat]), 7)

    return [None if g is None or g.is_empty else shapely.transform(g, conv) for g in geoms]


def _source_choice(crs_arg: str | None, frame_crs) -> CrsChoice:
    if crs_arg:
        return parse_crs(crs_arg)
    if frame_crs is None:
        return parse_crs(None)
    epsg = frame_crs.to_epsg()
    return parse_crs(f"EPSG:{epsg}" if epsg else frame_crs.to_wkt())


def _mapped(columns, layer: BaseLayer) -> tuple[dict[str, str], str | None, str | None]:
    table = _lookup_table(layer)
    fields: dict[str, str] = {}
    lon = lat = None
    for col in columns:
        norm = normalize_header(col)
        target = table.get(norm) or table.get(re.sub(r"\(.*\)$", "", norm))
        if target == "__lon__" and lon is None:
            lon = col
        elif target == "__lat__" and lat is None:
            lat = col
        elif target and not target.startswith("__") and target not in fields.values():
            fields[col] = target
    return fields, lon, lat


def _read_any(path: Path, layer: BaseLayer, name: str, encoding: str, crs_arg: str | None):
    """(properties frame, WGS 84 geometries, CRS label, row word)."""
    suffix = path.suffix.lower().lstrip(".")
    if not path.exists():
        raise BaseImportError(f"{name}: 文件不存在")
    if suffix in _GEO_SUFFIXES:
        gdf = _read_geo(path, name)
        choice = _source_choice(crs_arg, gdf.crs)
        props = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        return props, _transform_geoms(list(gdf.geometry.array), choice), choice.label, "个要素"
    if suffix in _TABLE_SUFFIXES:
        if layer.polygon:
            raise BaseImportError(
                f"{name}: 乡镇边界需要面图层（GeoJSON、GeoPackage、Shapefile 压缩包或 KML），表格没有边界")
        props = _read_table(path, name, encoding)
        _, lon_col, lat_col = _mapped(props.columns, layer)
        if lon_col is None or lat_col is None:
            raise BaseImportError(f"{name}: 没有 经度/纬度 列；村（社区）表格需要坐标列")
        x, _ = parse_coordinates(props[lon_col])
        y, _ = parse_coordinates(props[lat_col])
        choice = parse_crs(crs_arg)
        lon, lat = to_wgs84(x, y, choice)
        geoms = [shapely.Point(round(a, 7), round(b, 7)) if np.isfinite(a) and np.isfinite(b) else None
                 for a, b in zip(lon, lat, strict=True)]
        return props.drop(columns=[lon_col, lat_col]), geoms, choice.label, "行"
    raise BaseImportError(f"{name}: 不支持的文件类型“.{suffix}”；支持：{'、'.join(_GEO_SUFFIXES + _TABLE_SUFFIXES)}")


def _check_rows(layer: BaseLayer, values: pd.DataFrame, geoms, county, where) -> list[str]:
    errors = []
    names = values["name"].tolist()
    seen: dict[str, int] = {}
    for i, (nm, g) in enumerate(zip(names, geoms, strict=True)):
        w = where(i)
        if not nm:
            errors.append(f"{w}: 名称为空（表头如 {layer.aliases['name'][1]}）")
        elif layer.polygon and nm in seen:
            errors.append(f"{w}: 乡镇名称“{nm}”与第 {seen[nm] + 1} 个重复")
        seen.setdefault(nm, i)
        if g is None:
            errors.append(f"{w}: 没有几何（坐标）")
            continue
        if layer.polygon and g.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append(f"{w}: 几何类型为 {g.geom_type}，乡镇边界需要 Polygon/MultiPolygon")
        elif not layer.polygon and g.geom_type not in ("Point", "Polygon", "MultiPolygon"):
            errors.append(f"{w}: 几何类型为 {g.geom_type}，村（社区）需要点或面")
        elif not shapely.intersects(county, g):
            errors.append(f"{w}: 不在县界内；请检查坐标系（高德/腾讯用 --crs gcj02，米制用 --crs EPSG:n）")
    for col in ("population",):
        bad = [i for i, v in enumerate(values[col]) if v is not None and not (np.isfinite(v) and v >= 0)]
        errors += [f"{where(i)}: population（人口）应为不小于 0 的数" for i in bad]
    return errors


def import_base_layer(root: str | Path, layer_id: str, path: str | Path, *, crs: str | None = None,
                      encoding: str = "auto", dry_run: bool = False) -> BaseImportResult:
    """Replace a workspace's townships or villages with the rows of ``path`` (all or nothing)."""
    root, path = Path(root), Path(path)
    layer = BASE_LAYERS[layer_id]
    name = path.name
    props, geoms, crs_label, word = _read_any(path, layer, name, encoding, crs)
    fields, _, _ = _mapped(props.columns, layer)
    if "name" not in fields.values():
        wanted = "、".join(layer.aliases["name"][1:4])
        raise BaseImportError(f"{name}: 找不到名称列（可用表头：{wanted}）；现有列：{'、'.join(map(str, props.columns))}")
    values = pd.DataFrame({f: [_text(v) for v in props[c]] for c, f in fields.items()})
    values["population"] = [_number(v) for v in props[next((c for c, f in fields.items() if f == "population"),
                                                           None)]] if "population" in values else None
    for f in layer.aliases:
        if f not in values:
            values[f] = ""
    county = shapely.union_all(read_vector(root / "county.geojson").geometry.values)

    def where(i):
        return f"{name}: 第 {i + (2 if word == '行' else 1)} {word}"

    errors = _check_rows(layer, values, geoms, county, where)
    result = BaseImportResult(layer_id, root / layer.file, len(values), crs_label)
    if layer.polygon:
        values["kind"] = [k or _kind_of_township(n) for k, n in zip(values["kind"], values["name"], strict=True)]
        cols = ["code", "name", "kind", "population"]
    else:
        values["kind"] = [k or _kind_of_village(n) for k, n in zip(values["kind"], values["name"], strict=True)]
        geoms = [g if g is None or g.geom_type == "Point" else shapely.point_on_surface(g) for g in geoms]
        geoms = [None if g is None else shapely.Point(round(g.x, 7), round(g.y, 7)) for g in geoms]
        errors += _township_of_villages(root, values, geoms, where, result)
        cols = ["code", "name", "township", "kind", "population"]
    if errors:
        shown = "；".join(errors[:10]) + (f"；……共 {len(errors)} 处" if len(errors) > 10 else "")
        raise BaseImportError(f"{layer.label}未导入（无任何写入）：{shown}")
    values["population"] = [None if v is None else (int(v) if float(v).is_integer() else v)
                            for v in values["population"]]
    frame = gpd.GeoDataFrame(values[cols], geometry=geoms, crs="EPSG:4326")
    if not dry_run:
        _save(root, layer, frame_to_geojson_bytes(frame))
    return result


def _township_of_villages(root: Path, values: pd.DataFrame, geoms, where, result: BaseImportResult) -> list[str]:
    towns = read_vector(root / "townships.geojson")
    if not len(towns):
        result.warnings.append("工作区还没有乡镇边界：村（社区）的所属乡镇按文件原样保存，未核对")
        return []
    area = Area.from_frames(read_vector(root / "county.geojson"), towns)
    known = set(area.township_names)
    by_code = dict(zip(towns["code"].astype(str), towns["name"].astype(str), strict=False)) if "code" in towns else {}
    lon = np.array([np.nan if g is None else g.x for g in geoms])
    lat = np.array([np.nan if g is None else g.y for g in geoms])
    located = locate_townships(area, lon, lat)
    errors = []
    for i, t in enumerate(values["township"].tolist()):
        t = by_code.get(t, t)
        if not t:
            values.at[i, "township"] = located[i] or ""
            result.derived_townships += bool(located[i])
        elif t not in known:
            errors.append(f"{where(i)}: 所属乡镇“{t}”不是本工作区的乡镇（先导入乡镇，或改正名称）")
        else:
            values.at[i, "township"] = t
    return errors


def _save(root: Path, layer: BaseLayer, data: bytes) -> None:
    path = root / layer.file
    with layer_lock(root, layer.id):
        if path.exists() and path.read_bytes() != data:
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
            atomic_write_bytes(root / ".history" / layer.id / f"{stamp}.geojson", path.read_bytes())
        atomic_write_bytes(path, data)
