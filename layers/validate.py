"""Validation and typing of registry layers: every problem at once, vectorised.

``check_layer`` turns a :class:`~layers.store.io.RawLayer` (raw JSON values) into a typed
GeoDataFrame plus the list of :class:`~layers.errors.Problem` found. Rules (SPEC §3, issue 2):

- required field missing, wrong type, value below its minimum, value outside the allowed set
  (the message lists the allowed values), malformed date — errors;
- duplicate id — error on every repeated row;
- geometry not a Point, empty or non-finite — error;
- outside the county — error; lon/lat apparently swapped — error with the hint;
- township not one of the county's — error; outside the named township — warning;
  missing township — derived from the location;
- a derived field (``LayerKind.derived``, e.g. ``danger_level`` by the national grading) inconsistent with its inputs — warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import Problem
from layers.kinds import Derived, Field, FieldType, LayerKind
from layers.safety_text import (
    CONTROL_PATTERN,
    CONTROL_PATTERN_LONG,
    LONG_TEXT_FIELDS,
    control_char_problem,
    normalize_id,
    shape_problem,
)
from layers.store.io import RawLayer
from layers.suggest import nearest

__all__ = ["Area", "check_layer", "locate_townships"]

MAX_REPORTED_PER_RULE = 200  # per layer and field; the rest is summarised in one line
_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class Area:
    """The county outline and its townships, prepared for fast point-in-polygon tests."""

    county: shapely.Geometry
    township_names: tuple[str, ...]
    township_geoms: tuple[shapely.Geometry, ...]

    @classmethod
    def from_frames(cls, county: gpd.GeoDataFrame, townships: gpd.GeoDataFrame) -> Area:
        outline = shapely.union_all(county.geometry.values)
        shapely.prepare(outline)
        geoms = tuple(townships.geometry.values)
        for g in geoms:
            shapely.prepare(g)
        return cls(outline, tuple(townships["name"].astype(str)), geoms)


def locate_townships(area: Area, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Name of the township containing each point ("" outside all of them).

    >>> import shapely, numpy as np
    >>> sq = shapely.box(0, 0, 1, 1)
    >>> a = Area(sq, ("A",), (sq,))
    >>> list(locate_townships(a, np.array([0.5, 2.0]), np.array([0.5, 0.5])))
    ['A', '']
    """
    out = np.full(len(lon), "", dtype=object)
    ok = np.isfinite(lon) & np.isfinite(lat)
    for name, geom in zip(area.township_names, area.township_geoms, strict=True):
        xmin, ymin, xmax, ymax = geom.bounds
        cand = ok & (out == "") & (lon >= xmin) & (lon <= xmax) & (lat >= ymin) & (lat <= ymax)
        idx = np.flatnonzero(cand)
        if idx.size:
            inside = shapely.intersects_xy(geom, lon[idx], lat[idx])  # a shared edge goes to the first
            out[idx[inside]] = name
    return out


class _Collector:
    """Collects problems, capping each (field, message-kind) so a 1M-row mistake stays readable."""

    def __init__(self, layer: str, ids: np.ndarray, max_per_rule: int | None):
        self.layer, self.ids = layer, ids
        self.problems: list[Problem] = []
        self.cap = max_per_rule if max_per_rule is not None else len(ids) + 1

    def add(self, severity: str, rows: np.ndarray, field: str | None, messages) -> None:
        rows = np.asarray(rows)
        if rows.size == 0:
            return
        msgs = [messages] * rows.size if isinstance(messages, str) else list(messages)
        for r, m in zip(rows[: self.cap], msgs[: self.cap], strict=False):
            self.problems.append(Problem(severity, self.layer, self.ids[r] or None, int(r) + 1, field, m))
        if rows.size > self.cap:
            rest = rows.size - self.cap
            self.problems.append(Problem(severity, self.layer, None, None, field,
                                         f"同类问题另有 {rest} 处未逐条列出（共 {rows.size} 处）"))


def _is_text(col: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(col) and not pd.api.types.is_object_dtype(col)


def _as_text(col: pd.Series) -> pd.Series:
    """Trimmed text of every value (vectorised for Arrow string columns)."""
    return (col if _is_text(col) else col.astype("str")).str.strip()


def _present(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return col.notna().to_numpy()
    return (col.notna() & (_as_text(col) != "")).to_numpy(dtype=bool, na_value=False)


def _shown(v) -> str:
    s = str(v)
    return s if len(s) <= 40 else s[:37] + "…"


def _check_numeric(col: pd.Series, f: Field, present: np.ndarray, c: _Collector) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        is_bool = np.zeros(len(col), dtype=bool)
        num = col.astype("float64")
    else:
        is_bool = col.map(lambda v: isinstance(v, bool)).to_numpy(dtype=bool)
        num = pd.to_numeric(col.where(~is_bool).astype(object), errors="coerce").astype("float64")
    values = num.to_numpy(dtype="float64", na_value=np.nan)
    bad = present & (num.isna().to_numpy() | is_bool | ~np.isfinite(values))  # NaN/Inf never stored
    if f.type == FieldType.INT:
        frac = present & ~bad & (np.mod(num.fillna(0).to_numpy(), 1) != 0)
        huge = np.flatnonzero(present & ~bad & ~frac & (np.abs(np.nan_to_num(values)) > _INT64_MAX))
        c.add("error", huge, f.name, [f"{f.label}数值 {_shown(col.iat[r])} 超出范围（整数不能超过 ±{2**63 - 1}）"
                                      for r in huge])
        num[huge] = np.nan
        bad |= frac
    what = "整数" if f.type == FieldType.INT else "数字"
    rows = np.flatnonzero(bad)
    c.add("error", rows, f.name, [f"{f.label}应为{what}，现为“{_shown(col.iat[r])}”；请填{what}" for r in rows])
    if f.min_value is not None:
        low = np.flatnonzero(present & ~bad & (num.fillna(f.min_value).to_numpy() < f.min_value))
        c.add("error", low, f.name, [f"{f.label}不能小于 {f.min_value:g}，现为 {num.iat[r]:g}" for r in low])
    num[bad] = np.nan
    return num.round().astype("Int64") if f.type == FieldType.INT else num.astype("float64")


_INT64_MAX = float(2**63 - 1024)  # the largest float below 2**63 that int64 holds exactly
_TRUE = {True, "1", "是", "有", "true", "True", "TRUE", "Y", "y", "yes"}
_FALSE = {False, "0", "否", "无", "false", "False", "FALSE", "N", "n", "no"}


def _check_bool(col: pd.Series, f: Field, present: np.ndarray, c: _Collector) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        return col.astype("boolean")

    def conv(v):
        if isinstance(v, bool | int | str) and v in _TRUE:
            return True
        if isinstance(v, bool | int | str) and v in _FALSE:
            return False
        return None

    typed = col.map(conv)
    rows = np.flatnonzero(present & typed.isna().to_numpy())
    c.add("error", rows, f.name, [f"{f.label}应为 是/否（true/false），现为“{_shown(col.iat[r])}”" for r in rows])
    return typed.astype("boolean")


def _check_text(col: pd.Series, f: Field, present: np.ndarray, c: _Collector) -> pd.Series:
    text = _as_text(col)
    if f.type == FieldType.ENUM:
        bad = np.flatnonzero(present & ~text.isin(f.allowed).to_numpy(dtype=bool, na_value=False))
        allowed = "、".join(f.allowed)
        c.add("error", bad, f.name, [f"{f.label}“{_shown(text.iat[r])}”不在允许值内；可选值：{allowed}" for r in bad])
    elif f.type == FieldType.DATE:
        shaped = text.str.match(_DATE_RE).to_numpy(dtype=bool, na_value=False)
        parsed = pd.to_datetime(text.where(present & shaped), errors="coerce", format="%Y-%m-%d")
        bad = np.flatnonzero(present & (~shaped | parsed.isna().to_numpy()))
        c.add("error", bad, f.name, [f"{f.label}应为日期 YYYY-MM-DD，现为“{_shown(text.iat[r])}”" for r in bad])
    return text.astype(object).where(present, None)


def _drop_wrong_shapes(col: pd.Series, name: str, label: str, c: _Collector, *, numeric: bool) -> pd.Series:
    """Lists, objects, NaN/Inf and integers beyond int64 are errors naming the field; the cells are
    emptied so no repr is ever stored (issue 12)."""
    if col.dtype != object or not len(col):
        return col
    odd = np.flatnonzero(~col.map(type).isin((str, type(None))).to_numpy(dtype=bool))
    if not odd.size:
        return col
    why = {int(r): shape_problem(v, numeric=numeric) for r in odd
           if not (isinstance(v := col.iat[r], float) and math.isnan(v))}  # NaN is missing, not a shape
    bad = np.array([r for r, w in why.items() if w], dtype="int64")
    if bad.size:
        c.add("error", bad, name, [f"{label}{why[int(r)]}" for r in bad])
        col = col.copy()
        col.iloc[bad] = None
    return col


def _check_controls(col: pd.Series, name: str, label: str, c: _Collector) -> None:
    """Control characters are errors (tab/newline allowed in long text fields), named by field."""
    if not (col.dtype == object or _is_text(col)) or not len(col):
        return
    text = col.where(col.map(lambda v: isinstance(v, str)) if col.dtype == object else col.notna())
    pattern = CONTROL_PATTERN_LONG if name in LONG_TEXT_FIELDS else CONTROL_PATTERN
    hits = np.flatnonzero(text.astype(object).fillna("").astype(str).str.contains(pattern, regex=True).to_numpy())
    c.add("error", hits, name, [f"{label}{control_char_problem(col.iat[r], name)}" for r in hits])


def _typed_column(raw: pd.DataFrame, f: Field, c: _Collector) -> pd.Series:
    col = raw[f.name] if f.name in raw.columns else pd.Series([None] * len(raw), dtype=object)
    col = col.reset_index(drop=True)
    col = _drop_wrong_shapes(col, f.name, f.label, c, numeric=f.type in (FieldType.INT, FieldType.FLOAT))
    if f.type not in (FieldType.INT, FieldType.FLOAT, FieldType.BOOL):
        _check_controls(col, f.name, f.label, c)
    present = _present(col)
    if f.required:
        c.add("error", np.flatnonzero(~present), f.name, f"缺少必填字段“{f.label}”({f.name})")
    if f.type in (FieldType.INT, FieldType.FLOAT):
        return _check_numeric(col, f, present, c)
    if f.type == FieldType.BOOL:
        return _check_bool(col, f, present, c)
    return _check_text(col, f, present, c)


def _check_ids(ids: pd.Series, c: _Collector) -> None:
    present = _present(ids)
    dup = ids.duplicated(keep=False).to_numpy() & present
    rows = np.flatnonzero(dup)
    first_row: dict[object, int] = {}
    for r in rows:
        first_row.setdefault(ids.iat[r], int(r))
    c.add("error", rows, "id", [f"编号“{ids.iat[r]}”重复（第 {first_row[ids.iat[r]] + 1} 行起共 "
                                f"{int((ids == ids.iat[r]).sum())} 处）；同一图层内编号必须唯一" for r in rows])


def _checked_extra(col: pd.Series, name: str, c: _Collector) -> pd.Series:
    """A column beyond the kind's fields: same shape and control-character rules as the fields."""
    col = _drop_wrong_shapes(col, name, name, c, numeric=False)
    _check_controls(col, name, name, c)
    return col


def _check_lookalike_ids(ids: pd.Series, c: _Collector) -> None:
    """Ids that differ only by width, invisible characters or spaces: a warning naming both."""
    text = ids.dropna()
    if text.empty:
        return
    norm = text.map(normalize_id)
    odd = norm[norm != text]
    if odd.empty:
        return
    first: dict[object, object] = {}
    for pos, n in zip(text.index, norm, strict=True):
        first.setdefault(n, pos)
    rows = []
    msgs = []
    for pos, n in odd.items():
        other = first[n]
        if text[other] != text[pos]:
            rows.append(pos)
            msgs.append(f"编号“{text[pos]}”与“{text[other]}”只差全角/空格/不可见字符，疑似同一点位；请统一编号")
    c.add("warning", np.array(rows, dtype="int64"), "id", msgs)


def _check_geometry(raw: RawLayer, c: _Collector) -> np.ndarray:
    gt = raw.geom_type
    finite = np.isfinite(raw.lon) & np.isfinite(raw.lat)
    not_point = np.flatnonzero(~finite)
    msgs = []
    for r in not_point:
        g = gt[r]
        if g in ("", None):
            msgs.append("缺少几何（geometry 为空）；点图层的每条记录都需要经纬度")
        elif g == "Point":
            msgs.append("坐标不是有限数值（NaN/Inf）")
        elif g.startswith("Point("):
            msgs.append("点坐标为空或无效")
        else:
            msgs.append(f"几何类型为 {g}，本图层只接受 Point（点）")
    c.add("error", not_point, "geometry", msgs)
    return finite


def _check_location(raw: RawLayer, finite: np.ndarray, area: Area, c: _Collector) -> np.ndarray:
    lon, lat = raw.lon, raw.lat
    inside = np.zeros(len(lon), dtype=bool)
    idx = np.flatnonzero(finite)
    inside[idx] = shapely.intersects_xy(area.county, lon[idx], lat[idx])  # the boundary counts as inside
    outside = np.flatnonzero(finite & ~inside)
    if outside.size:
        swapped = shapely.intersects_xy(area.county, lat[outside], lon[outside])
        msgs = [
            f"经纬度疑似颠倒（经度 {lon[r]:.6f}，纬度 {lat[r]:.6f}）；交换后位于县域内，请把经度、纬度对调"
            if s else f"位置（{lon[r]:.6f}, {lat[r]:.6f}）在县域范围之外"
            for r, s in zip(outside, swapped, strict=True)
        ]
        c.add("error", outside, "geometry", msgs)
    return inside


def _did_you_mean(value, area: Area) -> str:
    near = nearest(_shown(value), area.township_names)
    return f"是否应为“{near}”？" if near else ""


def _check_township(named: pd.Series, located: np.ndarray, inside: np.ndarray, area: Area,
                    c: _Collector) -> pd.Series:
    """``named`` is trimmed text with None for missing; missing townships are derived from the location."""
    present = named.notna().to_numpy()
    known = named.isin(area.township_names).to_numpy()
    bad = np.flatnonzero(present & ~known)
    allowed = "、".join(area.township_names)
    c.add("error", bad, "township", [f"乡镇“{_shown(named.iat[r])}”不是本县乡镇（街道）；{_did_you_mean(named.iat[r], area)}"
                                     f"可选值：{allowed}" for r in bad])
    mismatch = np.flatnonzero(present & known & inside & (located != named.to_numpy()) & (located != ""))
    c.add("warning", mismatch, "township",
          [f"位置落在{located[r]}，与填写的“{named.iat[r]}”不符；请核对坐标或乡镇" for r in mismatch])
    derived = pd.Series(np.where(located == "", np.array(None, dtype=object), located), dtype=object)
    return named.where(present, derived).astype(object)


def _check_derived(typed: dict[str, pd.Series], kind: LayerKind, d: Derived, c: _Collector) -> pd.Series:
    """Fill a derived field where it is empty; warn where a filled value disagrees with its inputs."""
    inputs = [typed[name] for name in d.inputs]
    graded = pd.Series(d.compute(*inputs)).reset_index(drop=True)
    stored = typed[d.field]
    has_basis = np.logical_or.reduce([col.notna().to_numpy() for col in inputs])
    bad = np.flatnonzero(stored.notna().to_numpy() & has_basis & (stored.to_numpy() != graded.to_numpy()))
    label = kind.field(d.field).label
    inputs_label = d.inputs_label or "/".join(kind.field(n).label for n in d.inputs)
    c.add("warning", bad, d.field,
          [f"{label}“{stored.iat[r]}”与{inputs_label}不符，按{d.basis}应为“{graded.iat[r]}”" for r in bad])
    return stored.where(stored.notna(), graded.where(pd.Series(has_basis)))


def _column(props: pd.DataFrame, name: str) -> pd.Series:
    if name in props.columns:
        return props[name]
    return pd.Series([None] * len(props), dtype=object, index=props.index)


def check_layer(raw: RawLayer, kind: LayerKind, area: Area | None, *,
                max_per_rule: int | None = MAX_REPORTED_PER_RULE) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Type and validate one registry layer; return the typed frame and all problems.

    Rows with errors are kept in the frame (so nothing is lost on display); callers that save
    must refuse when any problem has severity ``error``. ``max_per_rule`` caps the problems listed
    per field and rule (the rest are summarised in one line); ``None`` lists every row, as an
    import needs.
    """
    props = raw.props.reset_index(drop=True)
    raw_ids = _column(props, "id")
    ids = _as_text(raw_ids).astype(object).where(_present(raw_ids), None)
    c = _Collector(kind.id, ids.to_numpy(dtype=object), max_per_rule)
    typed = {f.name: _typed_column(props, f, c) for f in kind.all_fields}
    typed["id"] = ids
    _check_ids(ids, c)
    _check_lookalike_ids(ids, c)
    finite = _check_geometry(raw, c)
    if area is not None:
        inside = _check_location(raw, finite, area, c)
        located = locate_townships(area, np.where(inside, raw.lon, np.nan), np.where(inside, raw.lat, np.nan))
        typed["township"] = _check_township(typed["township"], located, inside, area, c)
    for derived in kind.derived:  # e.g. the geohazard 险情 grading (layers/grading.py)
        typed[derived.field] = _check_derived(typed, kind, derived, c)
    extra = {col: _checked_extra(props[col].reset_index(drop=True), str(col), c)
             for col in props.columns if col not in typed}
    frame = pd.DataFrame({**{n: typed[n] for n in kind.field_names}, **extra})
    geometry = shapely.points(np.where(finite, raw.lon, 0.0), np.where(finite, raw.lat, 0.0))
    geometry[~finite] = None
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326"), c.problems
