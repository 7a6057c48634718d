"""Readers for the files counties really have: XLSX, CSV (UTF-8 / BOM / GB18030), GeoJSON, zipped
Shapefile, GeoPackage, KML/KMZ — each turned into one :class:`SourceTable` of raw values.

A ``SourceTable`` keeps every row of the file with its source row number (as Excel or a text
editor shows it), the raw cell values under the file's own column headers, and the geometry's
coordinates in the file's own CRS. Nothing is typed or dropped here; header mapping
(:func:`map_headers`) and coordinate parsing (:func:`parse_coordinates`, which understands
度分秒) are pure functions on those values. Archives are opened safely: the size limit is checked
before anything is read, and zips with ``../`` paths, absolute paths, links or a suspicious
compression ratio are refused.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

import numpy as np
import orjson
import pandas as pd

from layers.errors import LayerFileError
from layers.kinds import LayerKind
from layers.suggest import header_key, resembles

__all__ = [
    "DEFAULT_MAX_BYTES",
    "LAT_ALIASES",
    "LON_ALIASES",
    "SUPPORTED_SUFFIXES",
    "HeaderMap",
    "SourceTable",
    "check_zip_safe",
    "decode_text",
    "map_headers",
    "normalize_header",
    "parse_coordinates",
    "read_source",
    "resembling_columns",
]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # 50 MB, the upload limit of issue 7
MAX_FIELD_CHARS = 32_767  # one CSV field; Excel's own cell limit
MAX_COLUMNS = 1_000  # columns of a CSV row or an XLSX sheet
MAX_XLSX_ROWS = 1_048_576  # Excel's own row limit
MAX_XLSX_CELLS = 10_000_000  # rows × columns of one sheet, checked before and while reading
MAX_ZIP_RATIO = 100.0  # uncompressed / compressed size of one member
HEADER_SCAN_ROWS = 30
LON_ALIASES = (
    "经度",
    "东经",
    "经度(°)",
    "经度(度)",
    "lon",
    "lng",
    "long",
    "longitude",
    "x",
    "x坐标",
    "横坐标",
    "经度坐标",
)
LAT_ALIASES = ("纬度", "北纬", "纬度(°)", "纬度(度)", "lat", "latitude", "y", "y坐标", "纵坐标", "纬度坐标")
SUPPORTED_SUFFIXES = (
    ".csv",
    ".txt",
    ".xlsx",
    ".xlsm",
    ".geojson",
    ".json",
    ".zip",
    ".shp",
    ".gpkg",
    ".kml",
    ".kmz",
)


@dataclass
class SourceTable:
    """One file as read: raw values under the file's headers, one row per record, nothing dropped.

    ``rows`` holds each record's row number in the source (1-based: the Excel row or text line
    for tables, the feature's position for GeoJSON/Shapefile/GeoPackage/KML). ``x``/``y`` are the
    geometry's coordinates in the file's CRS (NaN where the geometry is not a point), or ``None``
    when the file has no geometry (coordinates are then expected in 经度/纬度 columns).
    """

    path: Path
    name: str
    format: str
    values: pd.DataFrame
    rows: np.ndarray
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    geom_type: np.ndarray | None = None
    crs: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.values.columns]

    @property
    def row_word(self) -> str:
        """How a record is named in messages: 第 N 行 (tables) or 第 N 个要素 (geodata)."""
        return "行" if self.format in ("csv", "xlsx") else "个要素"

    def where(self, row: int) -> str:
        return f"{self.name}: 第 {row} {self.row_word}"


# ---------------------------------------------------------------- headers


def normalize_header(text: object) -> str:
    """Comparable form of a column header: no spaces, ASCII brackets, lower-case Latin, no ``*``.

    >>> normalize_header(" 威胁人数（人）\\n")
    '威胁人数(人)'
    >>> normalize_header("*Lon")
    'lon'
    """
    s = "" if text is None else str(text)
    s = re.sub(r"\s+", "", s).replace("（", "(").replace("）", ")").replace("：", ":")
    return s.strip("*＊:").lower()


def _strip_unit(norm: str) -> str:
    return re.sub(r"\(.*\)$", "", norm)


@dataclass(frozen=True)
class HeaderMap:
    """How a file's columns map to a kind's fields.

    ``fields`` maps a source column to a field name; ``lon``/``lat`` name the coordinate columns
    (``None`` when absent); ``unknown`` are columns kept as they are (extra properties).
    """

    fields: dict[str, str]
    lon: str | None
    lat: str | None
    unknown: tuple[str, ...]
    duplicates: tuple[tuple[str, str], ...] = ()  # (column, field already mapped from another column)


def _alias_table(kind: LayerKind) -> dict[str, str]:
    table: dict[str, str] = {}
    for f in kind.all_fields:
        for alias in (f.name, f.label, f.header, f.label_en, *f.aliases):
            if alias:
                table.setdefault(header_key(normalize_header(alias)), f.name)
    for alias in LON_ALIASES:
        table.setdefault(header_key(normalize_header(alias)), "__lon__")
    for alias in LAT_ALIASES:
        table.setdefault(header_key(normalize_header(alias)), "__lat__")
    return table


def _lookup(header: str, table: dict[str, str]) -> str | None:
    norm = header_key(normalize_header(header))
    return table.get(norm) or table.get(header_key(_strip_unit(norm))) if norm else None


def map_headers(columns: list[str], kind: LayerKind, *, has_geometry: bool = False) -> HeaderMap:
    """Map column headers to fields through the kind's aliases (first column wins on a clash).

    >>> from layers.kinds import get_kind
    >>> m = map_headers(["编号", "名称", "经度", "纬度", "巡查员"], get_kind("shelter"))
    >>> m.fields, m.lon, m.lat, m.unknown
    ({'编号': 'id', '名称': 'name'}, '经度', '纬度', ('巡查员',))
    """
    table = _alias_table(kind)
    fields: dict[str, str] = {}
    coords: dict[str, str] = {}
    unknown, dups = [], []
    for col in columns:
        target = _lookup(col, table)
        if target in ("__lon__", "__lat__") and target not in coords and not has_geometry:
            coords[target] = col
        elif target and not target.startswith("__") and target not in fields.values():
            fields[col] = target
        else:
            if target and not target.startswith("__"):
                dups.append((col, target))
            unknown.append(col)
    return HeaderMap(fields, coords.get("__lon__"), coords.get("__lat__"), tuple(unknown), tuple(dups))


def _header_score(row: list, table: dict[str, str]) -> int:
    return sum(1 for v in row if isinstance(v, str) and _lookup(v, table))


def _is_subheader(row: list, table: dict[str, str]) -> bool:
    filled = [v for v in row if v not in (None, "")]
    return bool(filled) and 2 * _header_score(row, table) >= len(filled) and _header_score(row, table) >= 1


def _find_header(grid: list[list], kind: LayerKind, where: str) -> tuple[list[str], int]:
    """Find the header row (even below a title row) and merge a second header row if present.

    Returns the column names and the index of the first data row.
    """
    table = _alias_table(kind)
    scores = [_header_score(r, table) for r in grid[:HEADER_SCAN_ROWS]]
    if not scores or max(scores) < 2:
        raise LayerFileError(
            f"{where}: 前 {HEADER_SCAN_ROWS} 行中找不到表头（应有 编号、名称、经度、纬度 等列名）；"
            f"请检查所选工作表或图层类型"
        )
    h = scores.index(max(scores))
    names = [_cell_text(v) for v in grid[h]]
    start = h + 1
    if start < len(grid) and _is_subheader(grid[start], table):
        sub = [_cell_text(v) for v in grid[start]]
        names = [s if s and (_lookup(s, table) or not n) else n for n, s in zip(names, sub, strict=True)]
        start += 1
    return names, start


def _cell_text(v) -> str:
    return "" if v is None else re.sub(r"\s+", "", str(v))


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n or f"列{_column_letter(i)}"
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def _column_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# ---------------------------------------------------------------- coordinates

_DMS_RE = re.compile(
    r"^\s*(?P<h1>[NSEWnsew东西南北]?)\s*(?:东经|北纬|西经|南纬)?\s*(?P<d>-?\d+(?:\.\d+)?)\s*(?:°|度|:)\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:'|′|’|分|:)\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒)?\s*)?(?P<h2>[NSEWnsew东西南北]?)\s*$"
)


def _dms_to_degrees(text: str) -> float:
    m = _DMS_RE.match(text)
    if not m:
        return np.nan
    deg = float(m["d"])
    minutes, seconds = float(m["m"] or 0), float(m["s"] or 0)
    if minutes >= 60 or seconds >= 60:
        return np.nan
    value = abs(deg) + minutes / 60 + seconds / 3600
    hemi = (m["h1"] or m["h2"] or "").upper()
    negative = deg < 0 or hemi in ("S", "W", "西", "南") or "西经" in text or "南纬" in text
    return -value if negative else value


def parse_coordinates(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse a coordinate column: numbers, decimal text or 度分秒 (``107°20'38.8"``, ``107度20分38.8秒``).

    Returns the values in degrees (or the file's units) and a mask of present-but-unreadable cells.

    >>> v, bad = parse_coordinates(pd.Series([107.5, "30.25", "107°20'38.8\\"", "abc", None]))
    >>> [round(x, 6) for x in v[:3].tolist()], bad.tolist()
    ([107.5, 30.25, 107.344111], [False, False, False, True, False])
    """
    s = values.astype(object)
    present = (s.notna() & (s.astype(str).str.strip() != "")).to_numpy()
    num = pd.to_numeric(s.where(s.map(lambda v: not isinstance(v, bool))), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan, copy=True
    )
    todo = np.flatnonzero(present & np.isnan(num))
    for i in todo:
        num[i] = _dms_to_degrees(str(s.iat[i]))
    return num, present & ~np.isfinite(num)


# ---------------------------------------------------------------- guards and text


def _check_size(path: Path, max_bytes: int, name: str) -> int:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise LayerFileError(f"{name}: 文件不存在") from None
    except OSError as exc:
        raise LayerFileError(f"{name}: 无法读取（{exc.strerror}）") from None
    if not stat.S_ISREG(st.st_mode):
        raise LayerFileError(f"{name}: 不是普通文件（文件夹、管道或设备），已拒绝")
    size = st.st_size
    if size > max_bytes:
        raise LayerFileError(
            f"{name}: 文件大小 {size / 1048576:.1f} MB 超过上限 {max_bytes / 1048576:.0f} MB；"
            f"请拆分后分批导入"
        )
    if size == 0:
        raise LayerFileError(f"{name}: 文件为空（0 字节），没有可导入的内容")
    return size


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return f"含有不安全的路径“{info.filename}”"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return f"含有符号链接“{info.filename}”"
    return None


def check_zip_safe(zf: zipfile.ZipFile, name: str, max_bytes: int) -> None:
    """Refuse a zip with unsafe paths or links, too much uncompressed data, or a bomb-like ratio."""
    total = 0
    for info in zf.infolist():
        why = _unsafe_member(info)
        if why:
            raise LayerFileError(f"{name}: 压缩包{why}，已拒绝（不解压任何内容）")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > MAX_ZIP_RATIO:
            raise LayerFileError(
                f"{name}: 压缩包成员“{info.filename}”压缩比 {ratio:.0f}:1 异常（疑似压缩炸弹），已拒绝"
            )
    if total > 4 * max_bytes:
        raise LayerFileError(
            f"{name}: 压缩包解压后共 {total / 1048576:.0f} MB，超过上限 "
            f"{4 * max_bytes / 1048576:.0f} MB，已拒绝"
        )


def _open_zip(path: Path, name: str, max_bytes: int) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise LayerFileError(f"{name}: 不是有效的 zip 压缩包") from None
    check_zip_safe(zf, name, max_bytes)
    return zf


def decode_text(data: bytes, encoding: str, name: str) -> tuple[str, str]:
    """Decode text as UTF-8 (with or without BOM) or GB18030; ``auto`` tries them in that order.

    >>> decode_text("经度".encode("gb18030"), "auto", "a.csv")
    ('经度', 'gb18030')
    """
    enc = (encoding or "auto").lower().replace("_", "-")
    if enc in ("gbk", "gb2312", "cp936"):
        enc = "gb18030"  # a superset: every GBK file is valid GB18030
    candidates = ["utf-8", "gb18030"] if enc == "auto" else [enc]
    for cand in candidates:
        try:
            text = data.decode("utf-8-sig" if cand in ("utf-8", "utf8") else cand)
        except UnicodeDecodeError as exc:
            last = exc
            continue
        except LookupError:
            raise LayerFileError(f"{name}: 不支持的编码“{encoding}”；可选：auto、utf-8、gb18030") from None
        return text, ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else cand)
    raise LayerFileError(
        f"{name}: 无法按 {'/'.join(candidates)} 解码（第 {last.start} 字节起）；"
        f"请确认文件编码，或用 --encoding 指定"
    ) from None


# ---------------------------------------------------------------- tables (CSV, XLSX)


def _clean_cell(v):
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return v


def _grid_to_table(grid: list[list], kind: LayerKind, where: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Header detection, blank-row skipping and row numbering shared by CSV and XLSX."""
    width = max((len(r) for r in grid), default=0)
    grid = [r + [None] * (width - len(r)) for r in grid]
    raw_names, start = _find_header(grid, kind, where)
    names = _unique_names(raw_names)
    body = [(i + 1, r) for i, r in enumerate(grid[start:], start=start) if any(v is not None for v in r)]
    frame = (
        pd.DataFrame([r for _, r in body], columns=names, dtype=object)
        if body
        else pd.DataFrame(columns=names, dtype=object)
    )
    keep = [c for c, n in zip(names, raw_names, strict=True) if n or frame[c].notna().any()]
    return frame[keep], np.array([i for i, _ in body], dtype="int64")


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _read_csv(path: Path, name: str, kind: LayerKind, encoding: str, **_) -> SourceTable:
    text, used = decode_text(path.read_bytes(), encoding, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text[:8192]))
    grid, lines = [], []
    with _field_limit(MAX_FIELD_CHARS):
        try:
            for row in reader:
                if len(row) > MAX_COLUMNS:
                    raise LayerFileError(f"{name}: 第 {reader.line_num} 行有 {len(row)} 列，超过上限 {MAX_COLUMNS} 列")
                grid.append([(c.strip() or None) for c in row])
                lines.append(reader.line_num)
        except csv.Error as exc:
            too_long = "field larger" in str(exc)
            why = f"有字段超过 {MAX_FIELD_CHARS} 个字符的上限" if too_long else f"CSV 格式错误（{exc}）"
            raise LayerFileError(f"{name}: 第 {reader.line_num + (1 if too_long else 0)} 行{why}") from None
    values, idx = _grid_to_table(grid, kind, name)
    rows = np.asarray(lines, dtype="int64")[idx - 1] if len(idx) else idx
    return SourceTable(path, name, "csv", values, rows, encoding=used)


@contextlib.contextmanager
def _field_limit(chars: int):
    old = csv.field_size_limit(chars)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _declared_dimension(path: Path, sheet_xml: str) -> tuple[int, int] | None:
    """(rows, columns) the sheet's ``<dimension ref>`` claims, read from its first bytes only."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(path) as zf, zf.open(sheet_xml.lstrip("/")) as fh:
        head = fh.read(65536)
    m = re.search(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3}\d{1,9}(?::[A-Z]{1,3}\d{1,9})?)"', head)
    if not m:
        return None
    _, _, max_col, max_row = range_boundaries(m.group(1).decode())
    return (max_row or 1), (max_col or 1)


def _check_cells(name: str, rows: int, cols: int, what: str) -> None:
    if cols > MAX_COLUMNS or rows > MAX_XLSX_ROWS or rows * cols > MAX_XLSX_CELLS:
        raise LayerFileError(
            f"{name}: {what} {rows} 行 × {cols} 列，超过上限（最多 {MAX_XLSX_ROWS} 行、{MAX_COLUMNS} 列、"
            f"共 {MAX_XLSX_CELLS} 个单元格），已拒绝；请删除空白区域或拆分后导入")


def _stream_rows(ws, name: str) -> list[list]:
    """Rows of a read-only sheet, streamed; refused as soon as rows × columns pass the caps."""
    grid: list[list] = []
    width = 0
    for r in ws.iter_rows(values_only=True):
        width, rows = max(width, len(r)), len(grid) + 1
        if width > MAX_COLUMNS or rows > MAX_XLSX_ROWS or rows * width > MAX_XLSX_CELLS:
            _check_cells(name, rows, width, "工作表读到")
        grid.append([_clean_cell(v) for v in r] if r else [])
    return grid


def _merged_ranges(path: Path, sheet_xml: str) -> list[tuple[int, int, int, int]]:
    """Merged ranges of one sheet, read from its XML (read-only openpyxl does not expose them)."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(path) as zf:
        data = zf.read(sheet_xml.lstrip("/"))
    refs = re.findall(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"', data)
    return [range_boundaries(r.decode()) for r in refs]


def _fill_merged(grid: list[list], merged) -> None:
    width = max((len(r) for r in grid), default=0)
    for min_col, min_row, max_col, max_row in merged:
        max_col = min(max_col, max(width, min_col))  # a merge never widens the sheet past its cells
        if min_row - 1 >= len(grid) or min_col > MAX_COLUMNS:
            continue
        value = grid[min_row - 1][min_col - 1] if min_col - 1 < len(grid[min_row - 1]) else None
        for r in range(min_row - 1, min(max_row, len(grid))):
            row = grid[r]
            row.extend([None] * (max_col - len(row)))
            for c in range(min_col - 1, max_col):
                row[c] = value


def _pick_sheet(wb, sheet: str | None, name: str):
    names = wb.sheetnames
    if sheet is None:
        return wb[names[0]], [
            f"{name}: 工作簿有 {len(names)} 个工作表（{'、'.join(names)}），已读取第一个“{names[0]}”；"
            f"可用 --sheet 选择"
        ] if len(names) > 1 else []
    if sheet not in names:
        raise LayerFileError(f"{name}: 没有工作表“{sheet}”；现有工作表：{'、'.join(names)}")
    return wb[sheet], []


def _read_xlsx(path: Path, name: str, kind: LayerKind, sheet: str | None, max_bytes: int, **_) -> SourceTable:
    import openpyxl

    _open_zip(path, name, max_bytes).close()
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise LayerFileError(
            f"{name}: 无法读取 Excel 文件（{type(exc).__name__}: {exc}）；请另存为 .xlsx 后重试"
        ) from None
    try:
        ws, notes = _pick_sheet(wb, sheet, name)
        declared = _declared_dimension(path, ws._worksheet_path)
        if declared:
            _check_cells(name, *declared, "工作表声明的范围为")
        ws.reset_dimensions()
        grid = _stream_rows(ws, name)
        _fill_merged(grid, _merged_ranges(path, ws._worksheet_path))
    finally:
        wb.close()
    values, rows = _grid_to_table(grid, kind, f"{name} 工作表“{ws.title}”")
    return SourceTable(path, name, "xlsx", values, rows, sheet=ws.title, notes=notes)


# ---------------------------------------------------------------- geodata


def _crs_from_geojson(doc: dict) -> str | None:
    name = str(((doc.get("crs") or {}).get("properties") or {}).get("name", ""))
    m = re.search(r"EPSG::?(\d+)", name) or re.search(r"CRS84", name)
    if not name or not m:
        return None
    return "EPSG:4326" if "CRS84" in name else f"EPSG:{m.group(1)}"


def _point_of(geom) -> tuple[float, float, str]:
    if not isinstance(geom, dict):
        return np.nan, np.nan, ""
    gtype, coords = str(geom.get("type", "")), geom.get("coordinates")
    if gtype == "Point" and isinstance(coords, list) and len(coords) >= 2:
        try:
            return float(coords[0]), float(coords[1]), "Point"
        except (TypeError, ValueError):
            return np.nan, np.nan, "Point(invalid)"
    return np.nan, np.nan, gtype if gtype != "Point" else "Point(empty)"


def _properties(feature: dict) -> dict:
    """A feature's properties; a list or scalar in their place is kept under ``properties`` so that
    validation rejects the row naming the field (issue 12), never the whole file with a traceback."""
    props = feature.get("properties")
    if props is None:
        return {}
    return props if isinstance(props, dict) else {"properties": props}


def _read_geojson(path: Path, name: str, encoding: str, **_) -> SourceTable:
    text, used = decode_text(path.read_bytes(), encoding, name)
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise LayerFileError(f"{name}: 不是有效的 JSON（{exc}）") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise LayerFileError(f"{name}: 不是 GeoJSON FeatureCollection（缺少 features 列表）")
    feats = [f if isinstance(f, dict) else {} for f in doc["features"]]
    props = pd.DataFrame.from_records([_properties(f) for f in feats]) if feats else pd.DataFrame()
    xyg = [_point_of(f.get("geometry")) for f in feats]
    x, y, g = (np.array(c) for c in zip(*xyg, strict=True)) if xyg else (np.empty(0),) * 3
    return SourceTable(
        path,
        name,
        "geojson",
        props.astype(object),
        np.arange(1, len(feats) + 1),
        x.astype("float64"),
        y.astype("float64"),
        g.astype(object),
        _crs_from_geojson(doc),
        used,
    )


def _frame_to_table(gdf, path: Path, name: str, fmt: str, notes: list[str], encoding=None) -> SourceTable:
    geoms = gdf.geometry.array
    gtype = np.array(["" if g is None else g.geom_type for g in geoms], dtype=object)
    is_pt = gtype == "Point"
    x = np.full(len(gdf), np.nan)
    y = np.full(len(gdf), np.nan)
    if is_pt.any():
        x[is_pt] = gdf.geometry[is_pt].x.to_numpy()
        y[is_pt] = gdf.geometry[is_pt].y.to_numpy()
    values = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    values = values.map(_clean_cell).astype(object).where(values.notna(), None)
    crs = (
        None if gdf.crs is None else (f"EPSG:{gdf.crs.to_epsg()}" if gdf.crs.to_epsg() else gdf.crs.to_wkt())
    )
    return SourceTable(
        path, name, fmt, values, np.arange(1, len(gdf) + 1), x, y, gtype, crs, encoding, notes=notes
    )


def _dbf_encoding(shp: Path) -> str | None:
    """``None`` when a .cpg names the encoding (GDAL reads it), else UTF-8 if it decodes, else GB18030."""
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    try:
        dbf.read_bytes()[32:].decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return "GB18030"


def _read_shp_file(shp: Path, name: str, notes: list[str]) -> SourceTable:
    import pyogrio

    enc = _dbf_encoding(shp)
    if not any(shp.with_suffix(s).exists() for s in (".prj", ".PRJ")):
        notes.append(f"{name}: Shapefile 缺少 .prj（坐标系未知），按指定的坐标系（默认 WGS 84）处理")
    try:
        gdf = pyogrio.read_dataframe(shp, encoding=enc) if enc else pyogrio.read_dataframe(shp)
    except Exception as exc:  # GDAL errors come in several types
        raise LayerFileError(f"{name}: 无法读取 Shapefile（{exc}）") from None
    return _frame_to_table(gdf, shp, name, "shp", notes, enc or "cpg")


def _read_shapefile_zip(path: Path, name: str, sheet: str | None, max_bytes: int, **_) -> SourceTable:
    with _open_zip(path, name, max_bytes) as zf, tempfile.TemporaryDirectory(prefix="riskmap-shp-") as tmp:
        zf.extractall(tmp)
        shps = sorted(p for p in Path(tmp).rglob("*") if p.suffix.lower() == ".shp")
        if not shps:
            raise LayerFileError(
                f"{name}: 压缩包中没有 .shp 文件（Shapefile 需要 .shp、.shx、.dbf，最好还有 .prj）"
            )
        chosen = [p for p in shps if p.stem == sheet] if sheet else shps[:1]
        if not chosen:
            raise LayerFileError(
                f"{name}: 压缩包中没有图层“{sheet}”；现有：{'、'.join(p.stem for p in shps)}"
            )
        notes = (
            [f"{name}: 压缩包中有 {len(shps)} 个 Shapefile，已读取“{chosen[0].stem}”；可用 --sheet 选择"]
            if (len(shps) > 1 and not sheet)
            else []
        )
        return _read_shp_file(chosen[0], name, notes)


def _read_gpkg(path: Path, name: str, sheet: str | None, **_) -> SourceTable:
    import pyogrio

    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL errors come in several types
        raise LayerFileError(f"{name}: 无法读取 GeoPackage（{exc}）") from None
    if sheet is not None and sheet not in layers:
        raise LayerFileError(f"{name}: 没有图层“{sheet}”；现有图层：{'、'.join(layers)}")
    layer = sheet or layers[0]
    notes = (
        [f"{name}: 有 {len(layers)} 个图层（{'、'.join(layers)}），已读取“{layer}”；可用 --sheet 选择"]
        if (len(layers) > 1 and sheet is None)
        else []
    )
    return _frame_to_table(pyogrio.read_dataframe(path, layer=layer), path, name, "gpkg", notes, "utf-8")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _placemark_record(pm) -> tuple[dict, float, float, str]:
    rec: dict = {}
    x = y = np.nan
    gtype = ""
    for el in pm.iter():
        tag = _local(el.tag)
        if tag in ("name", "description") and el is not pm and tag not in rec and el.text:
            rec[tag] = el.text.strip() or None
        elif tag == "Data":
            value = next((c.text for c in el if _local(c.tag) == "value"), None)
            rec[el.get("name", "")] = value.strip() if value and value.strip() else None
        elif tag == "SimpleData":
            rec[el.get("name", "")] = el.text.strip() if el.text and el.text.strip() else None
        elif tag in ("Point", "LineString", "Polygon", "MultiGeometry") and not gtype:
            gtype = tag
        elif tag == "coordinates" and gtype == "Point" and el.text:
            parts = el.text.strip().split(",")
            try:
                x, y = float(parts[0]), float(parts[1])
            except (ValueError, IndexError):
                gtype = "Point(invalid)"
    return rec, x, y, gtype


def _kml_table(data: bytes, path: Path, name: str, fmt: str) -> SourceTable:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise LayerFileError(f"{name}: KML 不是有效的 XML（{exc}）") from None
    recs = [_placemark_record(pm) for pm in root.iter() if _local(pm.tag) == "Placemark"]
    values = pd.DataFrame.from_records([r[0] for r in recs]).astype(object) if recs else pd.DataFrame()
    values = values.where(values.notna(), None)
    x = np.array([r[1] for r in recs], dtype="float64")
    y = np.array([r[2] for r in recs], dtype="float64")
    g = np.array([r[3] for r in recs], dtype=object)
    return SourceTable(path, name, fmt, values, np.arange(1, len(recs) + 1), x, y, g, "EPSG:4326", "utf-8")


def _read_kml(path: Path, name: str, **_) -> SourceTable:
    return _kml_table(path.read_bytes(), path, name, "kml")


def _read_kmz(path: Path, name: str, max_bytes: int, **_) -> SourceTable:
    with _open_zip(path, name, max_bytes) as zf:
        kmls = sorted(
            (i for i in zf.infolist() if i.filename.lower().endswith(".kml")),
            key=lambda i: (PurePosixPath(i.filename).name.lower() != "doc.kml", i.filename),
        )
        if not kmls:
            raise LayerFileError(f"{name}: KMZ 中没有 .kml 文件")
        return _kml_table(zf.read(kmls[0]), path, name, "kml")


def _zip_kind(path: Path, name: str, max_bytes: int) -> str:
    with _open_zip(path, name, max_bytes) as zf:
        names = [i.filename.lower() for i in zf.infolist()]
    if any(n.endswith(".shp") for n in names):
        return "shp"
    if any(n.endswith(".kml") for n in names):
        return "kmz"
    raise LayerFileError(
        f"{name}: 压缩包中既没有 Shapefile（.shp）也没有 KML；支持的格式：{'、'.join(SUPPORTED_SUFFIXES)}"
    )


_READERS: dict[str, Callable[..., SourceTable]] = {
    "csv": _read_csv,
    "txt": _read_csv,
    "xlsx": _read_xlsx,
    "xlsm": _read_xlsx,
    "geojson": _read_geojson,
    "json": _read_geojson,
    "shp": lambda path, name, **kw: _read_shp_file(path, name, []),
    "gpkg": _read_gpkg,
    "kml": _read_kml,
    "kmz": _read_kmz,
}


def read_source(
    path: str | Path,
    kind: LayerKind,
    *,
    encoding: str = "auto",
    sheet: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    name: str | None = None,
) -> SourceTable:
    """Read any supported file into a :class:`SourceTable` (size and zip safety checked first).

    Raises
    ------
    LayerFileError
        Missing, empty, oversized, unsafe or unreadable file; unsupported format; no header found.
    """
    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "xls":
        raise LayerFileError(f"{name}: 不支持旧版 .xls 文件；请在 Excel/WPS 中另存为 .xlsx 后导入")
    if suffix not in {*_READERS, "zip"}:
        raise LayerFileError(f"{name}: 不支持的文件类型“.{suffix}”；支持：{'、'.join(SUPPORTED_SUFFIXES)}")
    _check_size(path, max_bytes, name)
    reader: Callable[..., SourceTable]
    if suffix == "zip":
        suffix = _zip_kind(path, name, max_bytes)
        reader = _read_shapefile_zip if suffix == "shp" else _read_kmz
    else:
        reader = _READERS[suffix]
    try:
        return reader(path=path, name=name, kind=kind, encoding=encoding, sheet=sheet, max_bytes=max_bytes)
    except LayerFileError:
        raise
    except MemoryError:
        raise LayerFileError(f"{name}: 文件内容过大，读取时内存不足，已拒绝；请拆分后分批导入") from None
    except Exception as exc:  # every parser's own errors (XML, zip, JSON, GDAL, …) become one line
        text = " ".join(str(exc).split())[:200]
        raise LayerFileError(f"{name}: 无法读取（{type(exc).__name__}: {text}）；文件已损坏或格式不符") from None


def resembling_columns(headers: HeaderMap, kind: LayerKind) -> list[tuple[str, str]]:
    """Unrecognised columns that look like one of the kind's fields the file did not map: (column, field)."""
    mapped = set(headers.fields.values())
    candidates: dict[str, str] = {}
    for f in kind.all_fields:
        if f.name in mapped:
            continue
        for alias in (f.label, f.header, *f.aliases):
            candidates.setdefault(header_key(normalize_header(alias)), f.name)
    coords = {headers.lon, headers.lat}
    out = []
    for col in headers.unknown:
        if col in coords or col == "geometry":
            continue
        hit = resembles(header_key(normalize_header(col)), candidates)
        if hit:
            out.append((col, hit))
    return out
