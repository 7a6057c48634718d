"""Exports for field teams: exactly the selected sites as CSV, XLSX, GeoJSON, GeoPackage, KML, GPX,
an A4 PDF packet, or all of them in one ZIP.

One selection (:class:`layers.selection.Selection`), one function (:func:`select_sites`, which the
map's filters also call), one renderer per format. The app's 乡镇导出 page and ``riskmap export``
both go through :func:`collect_export` and :func:`render_export`, so a file holds exactly what the
map shows for the same selection.

Choices written down here once:

- CSV is one table for all selected layers: a ``图层`` column first, then the Chinese headers
  (``Field.header``) of the common fields, ``经度``/``纬度`` (WGS 84, 7 decimals), and the
  layer-specific fields (columns with the same header are shared). UTF-8 with BOM so Excel opens it.
- XLSX has a ``说明`` cover sheet and one sheet per layer (sheet name = the layer's Chinese label),
  typed cells, a frozen header row and widths fitted to the text.
- GeoJSON is ONE FeatureCollection; each feature carries ``layer`` (id) and ``layer_label``, then
  the canonical field names (so that the file can be imported again). Foreign members
  ``selection``, ``exported_at``, ``sample`` name the selection.
- GeoPackage holds one table per layer (table name = layer id, identifier = Chinese label), all
  selected layers present even when empty; dataset metadata names the selection and time.
- An empty selection still gives a complete file (headers, empty sheets/folders/tables, a PDF
  saying 无符合条件的点位); callers warn.
"""

from __future__ import annotations

import io
import math
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio

from layers.clock import SHANGHAI, to_shanghai
from layers.errors import SelectionError
from layers.io import atomic_write_bytes, frame_to_geojson_bytes
from layers.kinds import FieldType, LayerKind, get_kind
from layers.selection import Selection, select_sites
from layers.workspace import empty_layer

__all__ = [
    "FORMATS",
    "FORMAT_LABELS",
    "MIME_TYPES",
    "ExportBundle",
    "ExportResult",
    "collect_export",
    "export_bytes",
    "export_per_township",
    "export_stem",
    "layer_table",
    "render_export",
    "render_townships_zip",
    "text_value",
    "write_export",
]

FORMATS: tuple[str, ...] = ("csv", "xlsx", "geojson", "gpkg", "kml", "kmz", "gpx", "pdf", "zip")
FORMAT_LABELS = {
    "csv": "CSV 表格",
    "xlsx": "Excel 工作簿",
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "kml": "KML（奥维互动地图 / Google Earth）",
    "kmz": "KMZ（KML 与图层图标打包，离线显示图标）",
    "gpx": "GPX（手持 GPS）",
    "pdf": "PDF 巡查清单（A4）",
    "zip": "ZIP（以上全部）",
}
MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "kml": "application/vnd.google-earth.kml+xml",
    "kmz": "application/vnd.google-earth.kmz",
    "gpx": "application/gpx+xml",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
LON_HEADER, LAT_HEADER, LAYER_HEADER = "经度", "纬度", "图层"
COORD_DECIMALS = 7
_HEAD_FIELDS = ("id", "name", "township", "village")
_TAIL_FIELDS = ("address", "updated", "source", "note", "contact_name", "contact_phone")


# ---------------------------------------------------------------- the selection, collected once


@dataclass(frozen=True)
class ExportBundle:
    """Everything an export writes: the selection, its sites and where they come from.

    ``sites`` maps every selected layer id to its selected rows (possibly empty).
    """

    selection: Selection
    sites: dict[str, gpd.GeoDataFrame]
    exported_at: datetime
    workspace_name: str
    is_sample: bool
    townships: gpd.GeoDataFrame  # polygons of the selected townships (all when none named)
    context: dict = field(default_factory=dict, compare=False)  # base layers for the PDF map

    @property
    def counts(self) -> dict[str, int]:
        return {lid: len(frame) for lid, frame in self.sites.items()}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def stamp(self) -> str:
        """Export time as written into files, e.g. ``2026-05-01 09:30:00 (UTC+08:00)``."""
        offset = self.exported_at.strftime("%z")
        tz = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
        return self.exported_at.strftime("%Y-%m-%d %H:%M:%S") + tz

    @property
    def place(self) -> str:
        """Where, in words: the township names, or the county."""
        names = self.selection.townships
        if not names:
            return f"{self.workspace_name}（全部乡镇）"
        return "、".join(names) if len(names) <= 3 else f"{names[0]}等{len(names)}个乡镇"

    def source_text(self) -> str:
        """数据来源 line: the workspace and the ``source`` values of the exported records."""
        values = pd.concat(
            [f["source"] for f in self.sites.values() if "source" in f.columns]
            or [pd.Series([], dtype=object)]
        )
        counted = values.fillna("未注明").astype(str).value_counts()
        records = "、".join(f"{v} {n} 条" for v, n in counted.items()) or "无记录"
        sample = "（样例数据，非官方登记）" if self.is_sample else ""
        return f"工作区：{self.workspace_name}{sample}；记录来源：{records}"


def collect_export(ws, selection: Selection, *, now: datetime | None = None) -> ExportBundle:
    """Select the sites (with the map's :func:`select_sites`) and gather what every format needs.

    Raises
    ------
    SelectionError
        The selection names a township the workspace does not have.
    """
    _check_townships(selection, ws.townships)
    sites = select_sites(ws.layers, selection)
    for lid in selection.layer_ids():  # a layer missing from the workspace exports as empty
        sites.setdefault(lid, empty_layer(get_kind(lid)))
    chosen = ws.townships
    if selection.townships:
        chosen = ws.townships[ws.townships["name"].isin(selection.townships)]
    when = to_shanghai(now or datetime.now(SHANGHAI))
    context = {"villages": ws.villages, "river": ws.river, "all_townships": ws.townships}
    return ExportBundle(
        selection=selection,
        sites=sites,
        exported_at=when,
        workspace_name=ws.name,
        is_sample=ws.is_sample,
        townships=chosen,
        context=context,
    )


def _check_townships(selection: Selection, townships: pd.DataFrame) -> None:
    names = set(townships["name"].astype(str))
    unknown = [t for t in selection.townships if t not in names]
    if unknown:
        raise SelectionError(
            f"未知乡镇“{'、'.join(unknown)}”；可选：{'、'.join(townships['name'].astype(str))}"
        )


# ---------------------------------------------------------------- values and tables


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def text_value(value, ftype: FieldType | None = None) -> str:
    """A cell as text: booleans 是/否, whole numbers without ``.0``, missing → ``""``.

    >>> text_value(True), text_value(3.0, FieldType.FLOAT), text_value(None), text_value(12.5)
    ('是', '3', '', '12.5')
    """
    if is_missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, float | np.floating):
        return f"{float(value):.10g}"
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    return str(value)


def site_coords(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude arrays (NaN where a site has no location)."""
    geoms = frame.geometry.array
    ok = ~(geoms.isna() | geoms.is_empty) if len(frame) else np.zeros(0, dtype=bool)
    lon, lat = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    if ok.any():
        lon[ok], lat[ok] = geoms[ok].x, geoms[ok].y
    return lon, lat


def table_fields(kind: LayerKind) -> list:
    """Fields in table order: identity, location, the layer's own fields, then the rest."""
    common = {f.name: f for f in kind.all_fields}
    own = [f for f in kind.fields]
    return [common[n] for n in _HEAD_FIELDS] + own + [common[n] for n in _TAIL_FIELDS]


def layer_table(frame: gpd.GeoDataFrame, kind: LayerKind, *, as_text: bool = False) -> pd.DataFrame:
    """One layer as a table with Chinese headers and 经度/纬度 after 村(社区).

    Extra columns a registry carries beyond its kind's fields follow under their own names.
    ``as_text`` formats every value with :func:`text_value` (CSV); otherwise values stay typed.
    """
    lon, lat = site_coords(frame)
    fields = table_fields(kind)
    out: dict[str, object] = {}
    for f in fields:
        col = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        out[f.header] = [text_value(v, f.type) for v in col] if as_text else list(col)
        if f.name == "village":
            out[LON_HEADER] = _coord_column(lon, as_text)
            out[LAT_HEADER] = _coord_column(lat, as_text)
    known = set(kind.field_names) | {frame.geometry.name}
    for col in (c for c in frame.columns if c not in known and c not in out):
        out[col] = [text_value(v) for v in frame[col]] if as_text else list(frame[col])
    return pd.DataFrame(out, index=range(len(frame)))


def _coord_column(values: np.ndarray, as_text: bool) -> list:
    rounded = np.round(values, COORD_DECIMALS)
    if as_text:
        return ["" if math.isnan(v) else f"{v:.{COORD_DECIMALS}f}" for v in rounded]
    return [None if math.isnan(v) else float(v) for v in rounded]


def key_items(row: dict, kind: LayerKind) -> list[tuple[str, str]]:
    """(header, text) of a site's key fields that have a value (KML/GPX descriptions)."""
    items = []
    for name in kind.key_fields:
        text = text_value(row.get(name), kind.field(name).type)
        if text:
            items.append((kind.field(name).header, text))
    return items


def site_records(frame: gpd.GeoDataFrame) -> list[dict]:
    """Rows as plain dicts (geometry dropped) — one conversion shared by KML, GPX and PDF."""
    cols = [c for c in frame.columns if c != frame.geometry.name]
    columns = {c: frame[c].tolist() for c in cols}
    return [{c: columns[c][i] for c in cols} for i in range(len(frame))]


# ---------------------------------------------------------------- CSV, GeoJSON, GeoPackage


def render_csv(bundle: ExportBundle) -> bytes:
    """All selected layers in one table, UTF-8 with BOM (see the module notes)."""
    tables = []
    for lid, frame in bundle.sites.items():
        kind = get_kind(lid)
        table = layer_table(frame, kind, as_text=True)
        table.insert(0, LAYER_HEADER, [kind.label] * len(table))
        tables.append(table)
    merged = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=[LAYER_HEADER])
    return merged.astype(object).fillna("").to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def render_geojson(bundle: ExportBundle) -> bytes:
    """One FeatureCollection; every feature has ``layer``/``layer_label`` then its fields."""
    head = {
        "type": "FeatureCollection",
        "name": export_stem(bundle.selection, bundle.workspace_name),
        "selection": bundle.selection.describe(),
        "exported_at": bundle.exported_at.isoformat(),
        "sample": bundle.is_sample,
    }
    lines = []
    for lid, frame in bundle.sites.items():
        kind = get_kind(lid)
        for feat in orjson.loads(frame_to_geojson_bytes(frame, kind))["features"]:
            feat["properties"] = {"layer": lid, "layer_label": kind.label, **feat["properties"]}
            lines.append(orjson.dumps(feat))
    body = b",\n".join(lines)
    return orjson.dumps(head)[:-1] + b',"features":[\n' + body + b"\n]}\n"


def _gpkg_frame(frame: gpd.GeoDataFrame, kind: LayerKind) -> gpd.GeoDataFrame:
    """Columns GDAL can store: nullable booleans/ints as objects it maps to OFTInteger/OFTString."""
    out = {}
    for col in (c for c in frame.columns if c != frame.geometry.name):
        series = frame[col]
        ftype = kind.field(col).type if col in kind.field_names else None
        if ftype == FieldType.BOOL or ftype == FieldType.INT:
            series = pd.array([None if is_missing(v) else int(v) for v in series], dtype="Int64")
        elif ftype == FieldType.FLOAT:
            series = pd.to_numeric(series, errors="coerce").astype("float64")
        else:
            series = pd.Series([None if is_missing(v) else text_value(v) for v in series], dtype=object)
        out[col] = series
    return gpd.GeoDataFrame(
        out, geometry=list(frame.geometry.array), crs="EPSG:4326", index=range(len(frame))
    )


def render_gpkg(bundle: ExportBundle) -> bytes:
    """One table per selected layer (empty tables kept); dataset metadata names the selection."""
    meta = {
        "selection": bundle.selection.describe(),
        "exported_at": bundle.stamp,
        "sample": "是" if bundle.is_sample else "否",
    }
    with tempfile.TemporaryDirectory(prefix="riskmap-gpkg-") as tmp:
        path = Path(tmp) / "export.gpkg"
        for i, (lid, frame) in enumerate(bundle.sites.items()):
            kind = get_kind(lid)
            pyogrio.write_dataframe(
                _gpkg_frame(frame, kind),
                path,
                layer=lid,
                driver="GPKG",
                geometry_type="Point",
                dataset_metadata=meta if i == 0 else None,
                layer_options={"IDENTIFIER": kind.label, "DESCRIPTION": bundle.selection.describe()},
            )
        return path.read_bytes()


# ---------------------------------------------------------------- dispatch, files, per township


def _renderers() -> dict[str, Callable[[ExportBundle], bytes]]:
    from layers.export_gpx import render_gpx
    from layers.export_kml import render_kml, render_kmz
    from layers.export_pdf import render_pdf
    from layers.export_xlsx import render_xlsx

    return {
        "csv": render_csv,
        "xlsx": render_xlsx,
        "geojson": render_geojson,
        "gpkg": render_gpkg,
        "kml": render_kml,
        "kmz": render_kmz,
        "gpx": render_gpx,
        "pdf": render_pdf,
        "zip": render_zip,
    }


def check_format(fmt: str) -> str:
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise SelectionError(f"未知导出格式“{fmt}”；可选：{'、'.join(FORMATS)}")
    return fmt


def render_export(bundle: ExportBundle, fmt: str) -> bytes:
    """The bytes of one export file in format ``fmt`` (one of :data:`FORMATS`)."""
    return _renderers()[check_format(fmt)](bundle)


def render_zip(bundle: ExportBundle) -> bytes:
    """Every other format for the same selection, plus a 说明.txt naming it."""
    stem = export_stem(bundle.selection, bundle.workspace_name)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{stem}/说明.txt", _readme_text(bundle).encode("utf-8-sig"))
        for fmt in FORMATS[:-1]:
            zf.writestr(f"{stem}/{stem}.{fmt}", render_export(bundle, fmt))
    return buf.getvalue()


def _readme_text(bundle: ExportBundle) -> str:
    counts = "\r\n".join(f"  {get_kind(lid).label}：{n} 处" for lid, n in bundle.counts.items())
    sample = "是（合成样例，非官方登记数据）" if bundle.is_sample else "否"
    return (
        f"{bundle.place} 安全风险点导出\r\n导出时间：{bundle.stamp}\r\n"
        f"筛选条件：{bundle.selection.describe()}\r\n各图层数量：\r\n{counts}\r\n合计：{bundle.total} 处\r\n"
        f"数据来源：{bundle.source_text()}\r\n样例数据：{sample}\r\n坐标：WGS 84 经纬度（EPSG:4326）\r\n"
    )


def export_stem(selection: Selection, county: str = "全县") -> str:
    """File name stem: the township (or ``X等N个乡镇``, or the county), then the layer when only one.

    >>> export_stem(Selection(townships=("太平镇",), layers=("ferry",)))
    '太平镇_渡口'
    """
    names = selection.townships
    place = (
        county if not names else ("_".join(names) if len(names) <= 3 else f"{names[0]}等{len(names)}个乡镇")
    )
    if len(selection.layers) == 1:
        place += "_" + get_kind(selection.layers[0]).label
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in place)


def export_bytes(ws, selection: Selection, fmt: str, *, now: datetime | None = None) -> bytes:
    """Workspace + selection → the bytes of one export file (what the app's download buttons serve)."""
    return render_export(collect_export(ws, selection, now=now), fmt)


@dataclass(frozen=True)
class ExportResult:
    """One written file and what it holds."""

    path: Path
    township: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def write_export(
    ws, selection: Selection, fmt: str, path: str | Path, *, now: datetime | None = None
) -> ExportResult:
    """Write one export file atomically (a crash leaves no half-written file)."""
    bundle = collect_export(ws, selection, now=now)
    data = render_export(bundle, fmt)
    atomic_write_bytes(path, data)
    return ExportResult(Path(path), bundle.place, bundle.counts)


def export_per_township(
    ws,
    selection: Selection,
    fmt: str,
    out_dir: str | Path,
    *,
    townships: Iterable[str] | None = None,
    now: datetime | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> list[ExportResult]:
    """One file per township (the selection's townships, else all) into ``out_dir``.

    Each file holds ``selection`` narrowed to that township; ``progress`` wraps the loop (tqdm).
    """
    fmt = check_format(fmt)
    names = list(townships or selection.townships or ws.townships["name"].astype(str))
    out_dir = Path(out_dir)
    loop = progress(names) if progress else names
    results = []
    for name in loop:
        one = replace(selection, townships=(name,))
        results.append(write_export(ws, one, fmt, out_dir / f"{export_stem(one, ws.name)}.{fmt}", now=now))
    return results


def render_townships_zip(ws, selection: Selection, fmt: str, *, now: datetime | None = None) -> bytes:
    """One ``fmt`` file per township (the selection's townships, else all 26) in a single ZIP."""
    fmt = check_format(fmt)
    names = list(selection.townships or ws.townships["name"].astype(str))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            one = replace(selection, townships=(name,))
            zf.writestr(f"{export_stem(one, ws.name)}.{fmt}", export_bytes(ws, one, fmt, now=now))
    return buf.getvalue()


def date_or_text(value) -> date | str | None:
    """ISO date text → ``date`` (XLSX cells); anything else unchanged."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value
