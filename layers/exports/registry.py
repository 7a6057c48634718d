"""The export formats, declared once as data: id, label, suffix, MIME type and render function.

Adding a format is one :class:`ExportFormat` in :data:`EXPORT_FORMATS` and one module with its
render function. Every module of a format imports only :mod:`layers.exports.bundle`, so there is no
import cycle. The PDF packet is a picture and lives in the presentation layer
(``riskmap.render.packet``); its entry names the function by path and imports it when first used.

The app's 乡镇导出 page and ``riskmap export`` both go through :func:`collect_export` and
:func:`render_export`. An empty selection still gives a complete file (headers, empty
sheets/folders/tables, a PDF saying 无符合条件的点位); callers warn.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from layers.errors import SelectionError
from layers.exports.bundle import ExportBundle, collect_export, export_stem
from layers.kinds import get_kind
from layers.selection import Selection
from layers.store.io import atomic_write_bytes

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "FORMAT_LABELS",
    "MIME_TYPES",
    "ExportFormat",
    "ExportResult",
    "check_format",
    "export_bytes",
    "export_per_township",
    "get_format",
    "render_export",
    "render_townships_zip",
    "render_zip",
    "write_export",
]

Renderer = Callable[[ExportBundle], bytes]


@dataclass(frozen=True)
class ExportFormat:
    """One export format. ``render`` is ``"module:function"``, imported on first use."""

    id: str
    label: str
    mime: str
    render: str
    suffix: str = ""

    @property
    def file_suffix(self) -> str:
        return self.suffix or f".{self.id}"

    def renderer(self) -> Renderer:
        module, name = self.render.split(":")
        return getattr(importlib.import_module(module), name)


EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("csv", "CSV 表格", "text/csv", "layers.exports.csvtable:render_csv"),
    ExportFormat("xlsx", "Excel 工作簿", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "layers.exports.xlsx:render_xlsx"),
    ExportFormat("geojson", "GeoJSON", "application/geo+json", "layers.exports.geojson:render_geojson"),
    ExportFormat("gpkg", "GeoPackage", "application/geopackage+sqlite3", "layers.exports.gpkg:render_gpkg"),
    ExportFormat("kml", "KML（奥维互动地图 / Google Earth）", "application/vnd.google-earth.kml+xml",
                 "layers.exports.kml:render_kml"),
    ExportFormat("kmz", "KMZ（KML 与图层图标打包，离线显示图标）", "application/vnd.google-earth.kmz",
                 "layers.exports.kml:render_kmz"),
    ExportFormat("gpx", "GPX（手持 GPS）", "application/gpx+xml", "layers.exports.gpx:render_gpx"),
    ExportFormat("pdf", "PDF 巡查清单（A4）", "application/pdf", "riskmap.render.packet:render_pdf"),
    ExportFormat("zip", "ZIP（以上全部）", "application/zip", "layers.exports.registry:render_zip"),
)
_BY_ID = {f.id: f for f in EXPORT_FORMATS}
FORMATS: tuple[str, ...] = tuple(_BY_ID)
FORMAT_LABELS: dict[str, str] = {f.id: f.label for f in EXPORT_FORMATS}
MIME_TYPES: dict[str, str] = {f.id: f.mime for f in EXPORT_FORMATS}


def check_format(fmt: str) -> str:
    fmt = fmt.strip().lower()
    if fmt not in _BY_ID:
        raise SelectionError(f"未知导出格式“{fmt}”；可选：{'、'.join(FORMATS)}")
    return fmt


def get_format(fmt: str) -> ExportFormat:
    return _BY_ID[check_format(fmt)]


def render_export(bundle: ExportBundle, fmt: str) -> bytes:
    """The bytes of one export file in format ``fmt`` (one of :data:`FORMATS`)."""
    return get_format(fmt).renderer()(bundle)


def render_zip(bundle: ExportBundle) -> bytes:
    """Every other format for the same selection, plus a 说明.txt naming it."""
    stem = export_stem(bundle.selection, bundle.workspace_name)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{stem}/说明.txt", _readme_text(bundle).encode("utf-8-sig"))
        for fmt in (f for f in EXPORT_FORMATS if f.id != "zip"):
            zf.writestr(f"{stem}/{stem}{fmt.file_suffix}", fmt.renderer()(bundle))
    return buf.getvalue()


def _readme_text(bundle: ExportBundle) -> str:
    counts = "\r\n".join(f"  {get_kind(lid).label}：{n} 处" for lid, n in bundle.counts.items())
    sample = "是（合成样例，非官方登记数据）" if bundle.is_sample else "否"
    return (
        f"{bundle.place} 安全风险点导出\r\n导出时间：{bundle.stamp}\r\n"
        f"筛选条件：{bundle.selection.describe()}\r\n各图层数量：\r\n{counts}\r\n合计：{bundle.total} 处\r\n"
        f"数据来源：{bundle.source_text()}\r\n样例数据：{sample}\r\n坐标：WGS 84 经纬度（EPSG:4326）\r\n"
    )


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
