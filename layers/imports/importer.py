"""Import a registry from a county's file: plan (read, map headers, convert CRS, validate, diff), then apply.

``plan_import`` reads nothing but the input file and the layer on disk and writes nothing; it returns
an :class:`ImportPlan` with the accepted rows, the rejected rows with their reasons, the diff
(added / changed fields per id / removed / rejected) and hints when the data looks wrong (swapped
columns, metres in a degree column, the ~500 m GCJ-02 offset). ``apply_import`` saves the accepted
rows as a new version under the layer's lock, re-reading the layer inside the lock so that two
imports running at once never lose a row.

Modes: ``upsert`` (by id: new ids added, existing ids updated — only the columns present in the
file change), ``append`` (new ids only; an id already in the layer is rejected), ``replace`` (the
layer becomes exactly the accepted rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from layers.access.guard import audit_import, check_import_mode, reject_other_townships
from layers.access.roles import Actor
from layers.coords import METRIC_CRS, bd09_to_wgs84, gcj02_to_wgs84, to_metric
from layers.crs import CrsChoice, parse_crs, to_wgs84
from layers.errors import ImportConflictError, ImportRefusedError, LayerError, LayerFileError, Problem
from layers.imports.readers import (
    DEFAULT_MAX_BYTES,
    LAT_ALIASES,
    LON_ALIASES,
    HeaderMap,
    SourceTable,
    map_headers,
    parse_coordinates,
    read_source,
    resembling_columns,
)
from layers.kinds import LayerKind, get_kind
from layers.outputs import safe_xlsx_bytes, write_output
from layers.safety_text import normalize_id
from layers.store.io import (
    RawLayer,
    features_to_geojson_bytes,
    layer_lock,
    read_feature_collection,
    sha256_bytes,
)
from layers.store.reconcile import check_store_path
from layers.store.workspace import Version, Workspace, layer_path, save_version_locked
from layers.tabular import csv_bytes
from layers.validate import Area, check_layer, locate_townships

__all__ = [
    "FieldChange",
    "ImportDiff",
    "ImportMode",
    "ImportPlan",
    "RejectedRow",
    "apply_import",
    "plan_import",
    "rejects_bytes",
    "write_rejects",
]

REASON_COLUMN = "原因"
ROW_COLUMN = "行号"


class ImportMode(StrEnum):
    UPSERT = "upsert"
    APPEND = "append"
    REPLACE = "replace"

    @classmethod
    def parse(cls, text: str | ImportMode) -> ImportMode:
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise ImportRefusedError(
                f"导入方式“{text}”无效；可选值：upsert（按编号更新）、append（只追加新编号）、"
                f"replace（整体替换）"
            ) from None

    @property
    def label(self) -> str:
        return {"upsert": "按编号更新", "append": "只追加新编号", "replace": "整体替换"}[self.value]


# ---------------------------------------------------------------- plan objects


@dataclass(frozen=True)
class RejectedRow:
    """One rejected source row: its number, id, every reason (field: message)."""

    row: int
    id: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass
class ImportDiff:
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    unchanged: int = 0
    removed: list[str | None] = field(default_factory=list)  # None: a stored feature that had no id


@dataclass
class ImportPlan:
    """Everything an import would do; nothing is written until :func:`apply_import`."""

    root: Path
    layer_id: str
    name: str
    mode: ImportMode
    crs: CrsChoice
    table: SourceTable
    headers: HeaderMap
    features: list[dict]
    provided: frozenset[str]
    rejected: list[RejectedRow]
    diff: ImportDiff
    base_sha: str | None
    warnings: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    base: _Current | None = field(default=None, repr=False)  # the layer the diff was made against
    merged: list[dict] | None = field(default=None, repr=False)  # its features after the import
    actor: Actor | None = field(default=None, repr=False)  # who plans it (default: the local operator)

    @property
    def accepted(self) -> int:
        return len(self.features)

    @property
    def total(self) -> int:
        return len(self.table.rows)

    def reject_lines(self) -> list[str]:
        """One line per rejected row: ``file: 第 N 行: field: message；…``."""
        return [
            f"{self.table.where(r.row)}{'（编号 ' + r.id + '）' if r.id else ''}: {'；'.join(r.reasons)}"
            for r in self.rejected
        ]

    def summary(self, version: Version | None = None, rejects_file: Path | None = None) -> dict:
        """The ``import --json`` document (SPEC §6), with the hints and reasons after the fixed keys."""
        return {
            "layer": self.layer_id,
            "accepted": self.accepted,
            "rejected": len(self.rejected),
            "added": len(self.diff.added),
            "updated": len(self.diff.changed),
            "removed": len(self.diff.removed),
            "version": version.version if version else None,
            "rejects_file": str(rejects_file) if rejects_file else None,
            "file": self.name,
            "mode": self.mode.value,
            "crs": self.crs.label,
            "unchanged": self.diff.unchanged,
            "unknown_columns": list(self.headers.unknown),
            "hints": self.hints,
            "notes": self.notes,
            "warnings": self.warnings,
            "rejects": [{"row": r.row, "id": r.id, "reasons": list(r.reasons)} for r in self.rejected],
        }


# ---------------------------------------------------------------- the layer on disk


@dataclass
class _Current:
    sha: str | None
    head: dict
    features: list[dict]
    index: dict[str | None, int]  # id -> position; a stored feature without an id sits under None


def _id_of(feature: dict) -> str | None:
    v = (feature.get("properties") or {}).get("id")
    return None if v is None else str(v)


def _accepted_id(feature: dict) -> str:
    """The id of an accepted (validated) feature: ``id`` is required, so it is never None."""
    fid = _id_of(feature)
    assert fid is not None, "accepted features always have an id"
    return fid


def _read_current(root: Path, layer_id: str, known: _Current | None = None) -> _Current:
    """The layer on disk, parsed; ``known`` is returned as is when the file has not changed since."""
    path = layer_path(root, layer_id)
    check_store_path(root, path)  # a FIFO would block, a link out of the workspace is not ours
    if not path.exists():
        return (
            known
            if known is not None and known.sha is None
            else _Current(None, {"type": "FeatureCollection"}, [], {})
        )
    data = path.read_bytes()
    if known is not None and known.sha == sha256_bytes(data):
        return known
    try:
        doc = read_feature_collection(path, data)
    except LayerFileError as exc:
        raise LayerFileError(f"{exc}；现有图层文件已损坏，无法在其上导入；请先用 riskmap rollback 恢复") from None
    feats = list(doc["features"])
    head = {k: v for k, v in doc.items() if k != "features"}
    return _Current(sha256_bytes(data), head, feats, {_id_of(f): i for i, f in enumerate(feats)})


# ---------------------------------------------------------------- validation


def _check_every_row(raw: RawLayer, kind: LayerKind, area: Area) -> tuple[pd.DataFrame, list[Problem]]:
    """``check_layer`` with every row reported: an import must know each rejected row, not the first 200."""
    return check_layer(raw, kind, area, max_per_rule=None)


def _source_xy(
    table: SourceTable, headers: HeaderMap
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, str]]]:
    """Coordinates in the file's CRS, from the geometry or the 经度/纬度 columns, plus parse problems."""
    n = len(table.rows)
    if table.x is not None and (headers.lon is None or np.isfinite(table.x).all()):
        assert table.y is not None  # a SourceTable sets x and y together
        return table.x, table.y, []
    if headers.lon is None or headers.lat is None:
        missing = "经度" if headers.lon is None else "纬度"
        raise ImportRefusedError(
            f"{table.name}: 找不到{missing}列；坐标列可叫 {'、'.join(LON_ALIASES[:4])} / {'、'.join(LAT_ALIASES[:4])}"
            f"（或 X/Y）；现有列：{'、'.join(table.columns)}"
        )
    x, bad_x = parse_coordinates(table.values[headers.lon].reset_index(drop=True))
    y, bad_y = parse_coordinates(table.values[headers.lat].reset_index(drop=True))
    if table.x is not None:  # geometry first, columns where the geometry is missing
        assert table.y is not None  # a SourceTable sets x and y together
        x, y = np.where(np.isfinite(table.x), table.x, x), np.where(np.isfinite(table.y), table.y, y)
    issues = [
        (int(i), headers.lon, f"经度“{table.values[headers.lon].iat[i]}”无法识别为数字或度分秒")
        for i in np.flatnonzero(bad_x)
    ]
    issues += [
        (int(i), headers.lat, f"纬度“{table.values[headers.lat].iat[i]}”无法识别为数字或度分秒")
        for i in np.flatnonzero(bad_y)
    ]
    return x[:n], y[:n], issues


def _canonical_props(table: SourceTable, headers: HeaderMap, source: str) -> pd.DataFrame:
    """Raw values under field names; unknown columns kept under their own headers."""
    values = table.values.reset_index(drop=True)
    coord_cols = {headers.lon, headers.lat} - {None}
    cols = {f: values[c] for c, f in headers.fields.items()}
    cols |= {c: values[c] for c in headers.unknown if c not in coord_cols and c != "geometry"}
    props = pd.DataFrame(cols, index=values.index).astype(object)
    if "id" in props:
        props["id"] = props["id"].map(_id_text)
    src = props["source"] if "source" in props else pd.Series([None] * len(props), dtype=object)
    props["source"] = src.where(src.notna() & (src.astype(str).str.strip() != ""), source)
    return props


def _fill_absent_from_layer(props: pd.DataFrame, kind: LayerKind, current: _Current) -> None:
    """Upsert: a field the file has no column for keeps its stored value (so required fields validate)."""
    if not current.features or "id" not in props:
        return
    pos = props["id"].map(lambda v: current.index.get(None if v is None else str(v)))
    if pos.isna().all():
        return
    for f in kind.all_fields:
        if f.name not in props and f.name not in ("township", "source"):
            props[f.name] = [
                None
                if p != p or p is None
                # NaN: a new id
                else (current.features[int(p)].get("properties") or {}).get(f.name)
                for p in pos
            ]


def _normalize_ids(props: pd.DataFrame, current: _Current, table: SourceTable) -> list[str]:
    """Look-alike ids (full-width, zero-width, no-break spaces) are compared in their normal form:
    one that matches a stored id becomes that id, any other is stored normalised; each change is a
    warning naming both forms (issue 12)."""
    if "id" not in props:
        return []
    stored = {normalize_id(k): k for k in current.index if isinstance(k, str)}
    notes = []
    for i, v in enumerate(props["id"]):
        if not isinstance(v, str):
            continue
        norm = normalize_id(v)
        target = stored.get(norm, norm)
        if target != v.strip() and target:
            props.iat[i, props.columns.get_loc("id")] = target
            known = "与已有编号" if norm in stored else "已规范化为"
            notes.append(f"{table.where(int(table.rows[i]))}: 编号(id): 编号“{v}”{known}“{target}”"
                         "只差全角/空格/不可见字符，按同一编号处理")
    return notes


def _shown_id(v) -> str | None:
    """An id as the rejects list names it: text, or None for a missing or malformed one."""
    if isinstance(v, str):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool) and v == v:
        return str(v)
    return None


def _id_text(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v


def _reasons(
    table: SourceTable, kind: LayerKind, problems: list[Problem], coord_issues
) -> dict[int, list[str]]:
    """Error reasons per row position (0-based), each naming the field."""
    out: dict[int, list[str]] = {}
    for i, col, msg in coord_issues:
        out.setdefault(int(i), []).append(f"{col}: {msg}")
    dup_rows = _duplicate_rows(table, problems)
    for p in problems:
        if p.severity != "error" or p.row is None:
            continue
        msg = p.message
        if p.field == "id" and p.id in dup_rows:  # name source rows, not positions
            msg = f"编号“{p.id}”在文件中重复（第 {'、'.join(map(str, dup_rows[p.id]))} {table.row_word}）；编号必须唯一"
        out.setdefault(p.row - 1, []).append(f"{_field_label(kind, p.field)}: {msg}")
    return out


def _duplicate_rows(table: SourceTable, problems: list[Problem]) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for p in problems:
        if p.severity == "error" and p.field == "id" and p.id and p.row is not None and "重复" in p.message:
            rows.setdefault(p.id, []).append(int(table.rows[p.row - 1]))
    return rows


def _field_label(kind: LayerKind, name: str | None) -> str:
    if name in (None, "geometry"):
        return "位置(经纬度)"
    try:
        return f"{kind.field(name).label}({name})"
    except LayerError:
        return name


def _warnings(table: SourceTable, kind: LayerKind, problems: list[Problem], rejected: set[int]) -> list[str]:
    return [
        f"{table.where(int(table.rows[p.row - 1]))}: {_field_label(kind, p.field)}: {p.message}"
        for p in problems
        if p.severity == "warning" and p.row is not None and p.row - 1 not in rejected
    ]


# ---------------------------------------------------------------- diff and merge


def _provided_fields(headers: HeaderMap, kind: LayerKind, extras: list[str]) -> frozenset[str]:
    keys = {*headers.fields.values(), "id", "township", "source", *extras}
    for derived in kind.derived:  # a derived field is re-derived when any of its inputs is imported
        if keys & {*derived.inputs, derived.field}:
            keys.add(derived.field)
    return frozenset(keys)


def _changes(old: dict, new: dict, keys) -> list[FieldChange]:
    op, np_ = old.get("properties") or {}, new["properties"]
    out = [
        FieldChange(k, op.get(k), np_.get(k))
        for k in np_
        if k in keys and k != "source" and op.get(k) != np_.get(k)
    ]
    og = (old.get("geometry") or {}).get("coordinates")
    ng = (new.get("geometry") or {}).get("coordinates")
    if og != ng:
        out.append(FieldChange("geometry", og, ng))
    return out


def _merged(old: dict, new: dict, keys) -> dict:
    props = dict(old.get("properties") or {})
    props.update({k: v for k, v in new["properties"].items() if k in keys})
    return {"type": "Feature", "properties": props, "geometry": new["geometry"]}


def _diff_and_merge(
    current: _Current, features: list[dict], mode: ImportMode, provided: frozenset[str]
) -> tuple[ImportDiff, list[dict]]:
    """The diff of an import against the layer, and the layer's features after it.

    Unchanged rows keep their stored feature byte for byte (including ``source``).
    """
    diff, replace = ImportDiff(), mode == ImportMode.REPLACE
    merged = [] if replace else list(current.features)
    for f in features:
        fid = _accepted_id(f)
        pos = current.index.get(fid)
        if pos is None:
            diff.added.append(fid)
            merged.append(f)
            continue
        old = current.features[pos]
        changes = _changes(old, f, f["properties"].keys() if replace else provided)
        if changes:
            diff.changed[fid] = changes
        else:
            diff.unchanged += 1
        new = old if not changes else (f if replace else _merged(old, f, provided))
        if replace:
            merged.append(new)
        else:
            merged[pos] = new
    if replace:
        kept = {_accepted_id(f) for f in features}
        diff.removed = [i for i in current.index if i not in kept]
    return diff, merged


# ---------------------------------------------------------------- hints


def _hint_units(x: np.ndarray, y: np.ndarray, choice: CrsChoice) -> list[str]:
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return []
    big = (np.abs(x[ok]) > 1000) | (np.abs(y[ok]) > 1000)  # metres; a swapped lon/lat stays below 180
    if choice.is_geographic and big.mean() > 0.5:
        return [
            f"坐标数值（如 {x[ok][0]:.1f}, {y[ok][0]:.1f}）像投影坐标（米），不是经纬度；"
            f"若为国家2000 3度带 108°E，请指定坐标系 EPSG:4545（--crs EPSG:4545）"
        ]
    if not choice.is_geographic and (~big).mean() > 0.5:
        return [
            f"指定了投影坐标系 {choice.label}（米），但坐标数值（如 {x[ok][0]:.6f}, {y[ok][0]:.6f}）像经纬度；"
            f"请改用 --crs wgs84 或 gcj02 等"
        ]
    return []


def _hint_swapped(lon: np.ndarray, lat: np.ndarray, area: Area) -> list[str]:
    import shapely

    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.sum() < 2:
        return []
    inside = shapely.contains_xy(area.county, lon[ok], lat[ok])
    swapped = shapely.contains_xy(area.county, lat[ok], lon[ok])
    if swapped.sum() > max(inside.sum(), 0.5 * ok.sum()):
        return [f"经度、纬度两列疑似整体对调：{int(swapped.sum())} 行交换后位于县域内；请检查表头"]
    return []


_HINT_SAMPLE = 2000  # rows looked at for the offset hints
_OFFSET_CANDIDATES = (
    ("gcj02", "GCJ-02（高德/腾讯）", gcj02_to_wgs84),
    ("bd09", "BD-09（百度）", bd09_to_wgs84),
)


def _hint_offset_townships(lon, lat, named: pd.Series, area: Area) -> list[str]:
    has = named.isin(area.township_names).to_numpy() & np.isfinite(lon) & np.isfinite(lat)
    n = int(has.sum())
    if n < 3:
        return []
    now = int((locate_townships(area, lon[has], lat[has]) == named.to_numpy()[has]).sum())
    out = []
    for key, label, conv in _OFFSET_CANDIDATES:
        clon, clat = conv(lon[has], lat[has])
        conv_in = int((locate_townships(area, clon, clat) == named.to_numpy()[has]).sum())
        if conv_in >= now + max(3, 0.1 * n):
            out.append(
                f"坐标疑似为 {label} 坐标却按 WGS 84 导入：按 {key} 转换后，{n} 行中落在所填乡镇内的由 {now} 行"
                f"增至 {conv_in} 行；若数据取自该地图，请指定 --crs {key}"
            )
    return out


def _hint_offset_existing(lon, lat, ids: pd.Series, current: _Current, metric_crs: str = METRIC_CRS) -> list[str]:
    pairs = [(i, current.features[current.index[v]]) for i, v in enumerate(ids)
             if isinstance(v, str) and v in current.index]
    found = [(i, (f.get("geometry") or {}).get("coordinates")) for i, f in pairs]
    old = [(i, c) for i, c in found if isinstance(c, list) and len(c) >= 2 and np.isfinite(lon[i])]
    if len(old) < 3:
        return []
    idx = np.array([i for i, _ in old])
    ox, oy = to_metric(np.array([c[0] for _, c in old]), np.array([c[1] for _, c in old]), metric_crs)
    nx, ny = to_metric(lon[idx], lat[idx], metric_crs)
    shift = np.median(np.hypot(nx - ox, ny - oy))
    out = []
    for key, label, conv in _OFFSET_CANDIDATES:
        clon, clat = conv(lon[idx], lat[idx])
        cx, cy = to_metric(clon, clat, metric_crs)
        after = np.median(np.hypot(cx - ox, cy - oy))
        if shift > 100 and after < 0.2 * shift:
            out.append(
                f"与图层中同编号的点相比，位置整体偏移约 {shift:.0f} 米，按 {key} 转换后中位偏移仅 {after:.0f} 米："
                f"坐标疑似为 {label} 坐标；若数据取自该地图，请指定 --crs {key}"
            )
    return out


def _hints(
    x, y, lon, lat, props: pd.DataFrame, choice: CrsChoice, area: Area, current: _Current,
    metric_crs: str = METRIC_CRS,
) -> list[str]:
    hints = _hint_units(x, y, choice)
    if hints:
        return hints
    hints += _hint_swapped(lon, lat, area)
    if choice.key in ("wgs84", "cgcs2000"):
        pick = np.unique(
            np.linspace(0, len(lon) - 1, min(len(lon), _HINT_SAMPLE)).astype(int)
        )  # a spread sample
        props = props.iloc[pick].reset_index(drop=True)
        named = props["township"] if "township" in props else pd.Series([None] * len(props), dtype=object)
        hints += _hint_offset_townships(lon[pick], lat[pick], named, area)
        if "id" in props:
            hints += _hint_offset_existing(lon[pick], lat[pick], props["id"], current, metric_crs)
    return hints


# ---------------------------------------------------------------- plan and apply


def _resolve_crs(crs: str | None, table: SourceTable) -> tuple[CrsChoice, list[str]]:
    if crs in (None, "", "auto"):
        if table.crs is None:
            return parse_crs("wgs84"), []
        return parse_crs(table.crs), [
            f"{table.name}: 按文件声明的坐标系 {parse_crs(table.crs).label} 读取坐标"
        ]
    choice = parse_crs(crs)
    declared = parse_crs(table.crs) if table.crs else None
    if declared and declared.label != choice.label and table.format != "kml":
        return choice, [f"{table.name}: 文件声明坐标系为 {declared.label}，按您指定的 {choice.label} 处理"]
    return choice, []


def _append_conflicts(props: pd.DataFrame, current: _Current, reasons: dict[int, list[str]]) -> None:
    if "id" not in props:
        return
    for i, v in enumerate(props["id"]):
        if v is not None and str(v) in current.index:
            reasons.setdefault(i, []).append(
                f"编号(id): 编号“{v}”已存在于图层中；追加模式只接受新编号（要更新已有记录请用 upsert 模式）"
            )


def _geom_types(table: SourceTable, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    ok = np.isfinite(lon) & np.isfinite(lat)
    if table.geom_type is not None:
        g = table.geom_type.copy()
        g[(g == "") & ok] = "Point"
        return g
    return np.where(ok, "Point", "").astype(object)


def _json_values(col: pd.Series) -> list:
    """A typed column as JSON-ready Python values (None for missing), vectorised per column."""
    if pd.api.types.is_float_dtype(col.dtype):
        return [None if v != v else v for v in col.to_numpy(dtype="float64").tolist()]  # NaN != NaN
    values = col.to_numpy(dtype=object, na_value=None).tolist()
    if pd.api.types.is_extension_array_dtype(col.dtype) or not any(
        isinstance(v, float | np.generic | pd.Timestamp) for v in values[:1000]
    ):
        return values
    return [_json_scalar(v) for v in values]


def _json_scalar(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def _accepted_features(typed, keep: np.ndarray, kind: LayerKind) -> list[dict]:
    """Accepted rows as GeoJSON features, in the store's property order (kind fields, then extras).

    Same values as :func:`layers.store.io.frame_to_geojson_bytes` writes (ints, floats, ISO dates, 7-decimal
    coordinates), built column by column because this is the hot path of a 100k-row import.
    """
    rows = np.flatnonzero(keep)
    if not rows.size:
        return []
    sub = typed.iloc[rows]
    cols = [c for c in kind.field_names if c in sub.columns]
    cols += [c for c in sub.columns if c not in cols and c != sub.geometry.name]
    values = [_json_values(sub[c]) for c in cols]
    lon = np.round(shapely.get_x(sub.geometry.values), 7).tolist()
    lat = np.round(shapely.get_y(sub.geometry.values), 7).tolist()
    return [
        {
            "type": "Feature",
            "properties": dict(zip(cols, vals, strict=True)),
            "geometry": {"type": "Point", "coordinates": [x, y]},
        }
        for vals, x, y in zip(zip(*values, strict=True), lon, lat, strict=True)
    ]


def _replace_hint(diff: ImportDiff, rejected: list[RejectedRow], mode: ImportMode) -> list[str]:
    lost = {r.id for r in rejected if r.id} & set(diff.removed) if mode == ImportMode.REPLACE else set()
    return (
        [f"整体替换会删除 {len(lost)} 条被拒绝行对应的现有记录（如 {sorted(lost)[0]}）；请先修正这些行"]
        if lost
        else []
    )


def plan_import(
    ws: Workspace,
    layer_id: str,
    path: str | Path,
    *,
    crs: str | None = None,
    encoding: str = "auto",
    sheet: str | None = None,
    mode: str | ImportMode = ImportMode.UPSERT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    name: str | None = None,
    actor: Actor | None = None,
) -> ImportPlan:
    """Read, map, convert, validate and diff an import; write nothing.

    Raises
    ------
    LayerFileError
        The file is missing, empty, oversized, unsafe or unreadable.
    ImportRefusedError
        No data rows, no coordinate columns, bad mode or CRS.
    """
    kind, mode = get_kind(layer_id), ImportMode.parse(mode)
    check_import_mode(actor, mode.value)
    table = read_source(path, kind, encoding=encoding, sheet=sheet, max_bytes=max_bytes, name=name)
    if len(table.rows) == 0:
        raise ImportRefusedError(f"{table.name}: 没有数据行（只有表头或为空），图层未修改")
    headers = map_headers(table.columns, kind, has_geometry=table.x is not None)
    choice, crs_notes = _resolve_crs(crs, table)
    x, y, coord_issues = _source_xy(table, headers)
    lon, lat = to_wgs84(x, y, choice)
    props = _canonical_props(table, headers, f"import:{table.name}")
    current = _read_current(Path(ws.root), layer_id)
    id_notes = _normalize_ids(props, current, table)
    if mode == ImportMode.UPSERT:
        _fill_absent_from_layer(props, kind, current)
    typed, problems = _check_every_row(
        RawLayer(table.path, props, lon, lat, _geom_types(table, lon, lat)), kind, ws.area
    )
    reasons = _reasons(table, kind, problems, coord_issues)
    reject_other_townships(actor, typed["township"].tolist() if "township" in typed else [None] * len(props),
                           props["id"].map(_id_text).tolist() if "id" in props else [None] * len(props),
                           lambda sid: _stored_township(current, sid), reasons)
    if mode == ImportMode.APPEND:
        _append_conflicts(props, current, reasons)
    rejected = [
        RejectedRow(int(table.rows[i]), _shown_id(props["id"].iat[i]) if "id" in props else None, tuple(r))
        for i, r in sorted(reasons.items())
    ]
    keep = np.ones(len(props), dtype=bool)
    keep[list(reasons)] = False
    extras = [c for c in typed.columns if c not in kind.field_names and c != typed.geometry.name]
    provided = _provided_fields(headers, kind, extras)
    features = _accepted_features(typed, keep, kind)
    diff, merged = _diff_and_merge(current, features, mode, provided)
    hints = _hints(x, y, lon, lat, props, choice, ws.area, current, ws.metric_crs) + _replace_hint(diff, rejected, mode)
    hints += [
        f"{table.name}: 列“{col}”未被识别，像是字段“{kind.field(f).label}”（{f}）；已作为附加属性保留，"
        f"不会填入该字段；如确为此字段，请把列名改为“{kind.field(f).label}”后重新导入"
        for col, f in resembling_columns(headers, kind)
    ]
    notes = [*table.notes, *crs_notes] + (
        [f"{table.name}: 未识别的列已原样保留为附加属性：{'、'.join(headers.unknown)}"]
        if headers.unknown
        else []
    )
    return ImportPlan(
        Path(ws.root),
        layer_id,
        table.name,
        mode,
        choice,
        table,
        headers,
        features,
        provided,
        rejected,
        diff,
        current.sha,
        id_notes + _warnings(table, kind, problems, set(reasons)),
        hints,
        notes,
        base=current,
        merged=merged,
        actor=actor,
    )


def _stored_township(current: _Current, sid) -> object:
    at = current.index.get(None if sid is None else str(sid))
    return None if at is None else (current.features[at].get("properties") or {}).get("township")


def _rebase(plan: ImportPlan, current: _Current) -> ImportDiff:
    """Check that the plan still applies to a layer changed by someone else since the plan."""
    if plan.mode == ImportMode.REPLACE:
        raise ImportConflictError(
            f"图层 {plan.layer_id} 在预览之后已被修改（可能有另一个导入同时进行）；"
            f"整体替换已取消，图层未修改；请重新预览后再导入 {plan.name}"
        )
    taken = [_accepted_id(f) for f in plan.features if _accepted_id(f) in current.index]
    if plan.mode == ImportMode.APPEND and taken:
        raise ImportConflictError(
            f"图层 {plan.layer_id} 在预览之后已被修改：编号 {'、'.join(taken[:5])} 已由另一次导入"
            f"写入；追加已取消，图层未修改；请重新预览后再导入 {plan.name}"
        )
    return plan.diff


def apply_import(plan: ImportPlan, actor: Actor | None = None) -> Version:
    """Save the plan's accepted rows as a new version (atomic; the layer is re-read under its lock).

    Raises
    ------
    ImportRefusedError
        No row was accepted; nothing is written.
    ImportConflictError
        The layer changed since the plan and the plan cannot be applied on top (append/replace).
    """
    actor = actor or plan.actor
    if plan.accepted == 0:
        audit_import(plan.root, actor, plan.layer_id, plan.name, accepted=0, rejected=len(plan.rejected),
                     added=0, updated=0, removed=0, version=None, outcome="拒绝")
        raise ImportRefusedError(
            f"{plan.name}: 全部 {plan.total} 行均被拒绝，图层 {plan.layer_id} 未修改；"
            f"请按拒绝原因修正后重新导入"
        )
    with layer_lock(plan.root, plan.layer_id):
        current = _read_current(plan.root, plan.layer_id, plan.base)
        if current is plan.base and plan.merged is not None:
            diff, merged = plan.diff, plan.merged
        else:
            if current.sha != plan.base_sha:
                _rebase(plan, current)
            diff, merged = _diff_and_merge(current, plan.features, plan.mode, plan.provided)
        note = (
            f"导入 {plan.name}（{plan.mode.label}，坐标系 {plan.crs.label}）：新增 {len(diff.added)}，"
            f"更新 {len(diff.changed)}，删除 {len(diff.removed)}，拒绝 {len(plan.rejected)}"
        )
        version = save_version_locked(
            plan.root, plan.layer_id, features_to_geojson_bytes(current.head, merged), f"import:{plan.name}", note,
            actor=actor,
        )
    audit_import(plan.root, actor, plan.layer_id, plan.name, accepted=plan.accepted, rejected=len(plan.rejected),
                 added=len(diff.added), updated=len(diff.changed), removed=len(diff.removed),
                 version=version.version)
    return version


# ---------------------------------------------------------------- rejects


def _rejects_frame(plan: ImportPlan) -> pd.DataFrame:
    pos = {int(r): i for i, r in enumerate(plan.table.rows)}
    idx = [pos[r.row] for r in plan.rejected]
    frame = plan.table.values.iloc[idx].reset_index(drop=True).astype(object)
    if plan.table.x is not None:
        assert plan.table.y is not None  # a SourceTable sets x and y together
        frame["X(原坐标)"] = plan.table.x[idx]
        frame["Y(原坐标)"] = plan.table.y[idx]
    frame.insert(0, ROW_COLUMN, [r.row for r in plan.rejected])
    frame[REASON_COLUMN] = ["；".join(r.reasons) for r in plan.rejected]
    return frame.where(frame.notna(), None)


def rejects_bytes(plan: ImportPlan) -> tuple[str, bytes]:
    """The rejected rows in the input's format (XLSX for Excel input, else UTF-8-BOM CSV) plus 原因."""
    frame = _rejects_frame(plan)
    stem = Path(plan.name).stem
    if plan.table.format == "xlsx":
        return f"{stem}_拒绝.xlsx", safe_xlsx_bytes(frame, "拒绝的行")
    return f"{stem}_拒绝.csv", csv_bytes(frame)  # text that would run gets ' (issue 12)


def write_rejects(
    plan: ImportPlan, path: str | Path | None = None, *, default_dir: Path | None = None
) -> Path | None:
    """Write the rejects file (atomic); ``None`` when nothing was rejected."""
    if not plan.rejected:
        return None
    name, data = rejects_bytes(plan)
    target = Path(path) if path is not None else (default_dir or plan.table.path.parent) / name
    return write_output(target, data, workspace=plan.root, inputs=(plan.table.path,))
