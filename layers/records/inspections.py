"""Checking inspection submissions: rows from any route (packet, ODK/Kobo CSV, phone page) → records.

Every route turns its input into one frame with canonical columns (``row``, ``layer``, ``site_id``,
``checked_at``, ``inspector``, ``result``, ``findings``, ``lon``, ``lat``, ``photos``, ``key`` and
``m_<measure>``), then :func:`check_submissions` validates it — vectorised, so a county's year
(100,000 rows) takes seconds — and gives accepted records and rejects with reasons:

- a site id that does not exist in its layer (the id is named);
- ``checked_at`` missing, unreadable, in the future, or before the site existed;
- a result outside :class:`InspectionResult` (the allowed values are listed);
- a measured value that is not a number / 是否.

A check-in position more than :data:`CHECKIN_WARN_M` from the site is kept with the record
(``checkin_distance_m``) and listed as a warning. ``record_id`` is derived from the submission
(ODK ``instanceID`` / Kobo ``_uuid`` when there is one, else layer + site + time), so importing the
same file again changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pyproj import Transformer

from layers.kinds import LAYER_KINDS, FieldType
from layers.records.schema import InspectionResult, measure_key, measures_for

__all__ = [
    "CHECKIN_WARN_M",
    "TZ",
    "CheckedSubmissions",
    "Reject",
    "SiteIndex",
    "check_submissions",
    "parse_bool",
    "parse_times",
    "site_index",
]

TZ = ZoneInfo("Asia/Shanghai")
CHECKIN_WARN_M = 200.0
FUTURE_TOLERANCE = pd.Timedelta(minutes=10)  # phone clocks run a little ahead
BASE_COLUMNS = ("row", "layer", "site_id", "checked_at", "inspector", "result", "findings", "lon", "lat",
                "photos", "key")
_TRUE = {"是", "有", "正常", "在线", "true", "yes", "y", "1", "1.0", "√", "✓"}
_FALSE = {"否", "无", "异常", "离线", "false", "no", "n", "0", "0.0", "×", "✗"}


@dataclass(frozen=True)
class Reject:
    """One rejected row: where, which site, which field, why."""

    row: int | None
    site_id: str | None
    field: str | None
    reason: str

    def line(self) -> str:
        where = f"第{self.row}行" if self.row is not None else "-"
        return f"{where}:{self.site_id or '-'}:{self.field or '-'}: {self.reason}"


@dataclass
class CheckedSubmissions:
    records: list[dict]
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Reject] = field(default_factory=list)


@dataclass(frozen=True)
class SiteIndex:
    """Every site of a workspace: ``layer, id, township, name, lon, lat, since`` (since: earliest valid time)."""

    frame: pd.DataFrame

    def layers_of(self, site_ids: pd.Series) -> pd.Series:
        """The layer of each id when the id exists in exactly one layer, else NaN."""
        counts = self.frame.groupby("id")["layer"].agg(["first", "size"])
        unique = counts.loc[counts["size"] == 1, "first"]
        return site_ids.map(unique)


def _since(frame: pd.DataFrame) -> pd.Series:
    """Earliest time a site can have been inspected: 1 Jan of ``built_year`` when the kind has it."""
    if "built_year" not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, Asia/Shanghai]")
    year = pd.to_numeric(frame["built_year"], errors="coerce")
    text = year.map(lambda y: f"{int(y)}-01-01" if pd.notna(y) else None)
    return pd.to_datetime(text, errors="coerce").dt.tz_localize(TZ)


def site_index(ws) -> SiteIndex:
    """Build the site index of a workspace once per import."""
    parts = []
    for kind in LAYER_KINDS:
        frame = ws.layers.get(kind.id)
        if frame is None or frame.empty:
            continue
        pts = frame.geometry
        parts.append(pd.DataFrame({
            "layer": kind.id, "id": frame["id"].astype(str).to_numpy(),
            "township": frame["township"].astype(object).to_numpy(),
            "name": frame["name"].astype(object).to_numpy(),
            "lon": pts.x.to_numpy(), "lat": pts.y.to_numpy(), "since": _since(frame).reset_index(drop=True)}))
    cols = ["layer", "id", "township", "name", "lon", "lat", "since"]
    return SiteIndex(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols))


def parse_times(values: pd.Series) -> pd.Series:
    """Mixed date/time cells → tz-aware Asia/Shanghai timestamps (NaT where unreadable).

    Naive times are Asia/Shanghai; times with an offset (ODK ``…+08:00``, Kobo ``…Z``) are converted.
    """
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, Asia/Shanghai]")
    if values.empty:
        return out
    text = values.map(_time_text)
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], errors="coerce", utc=True, format="ISO8601").dt.tz_convert(TZ)
    naive = ~aware & text.notna()
    if naive.any():
        parsed = pd.to_datetime(text[naive].str.replace("/", "-", regex=False).str.replace("T", " ", regex=False),
                                errors="coerce", format="mixed")
        out[naive] = parsed.dt.tz_localize(TZ, nonexistent="NaT", ambiguous="NaT")
    return out


def _time_text(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    s = str(v).strip()
    return s or None


def parse_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """是/否 text → (bool-or-None values, bad mask)."""
    text = values.map(lambda v: None if _blank(v) else str(v).strip().lower())
    val = text.map(lambda s: True if s in _TRUE else (False if s in _FALSE else None))
    bad = text.notna() & val.isna()
    return val.astype(object), bad


def _blank(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""


def _text(col: pd.Series) -> pd.Series:
    return col.map(lambda v: None if _blank(v) else str(v).strip())


def _reject_rows(frame: pd.DataFrame, mask: pd.Series, fieldname: str, reasons) -> list[Reject]:
    idx = np.flatnonzero(mask.to_numpy())
    rows, ids = frame["row"].to_numpy(), frame["site_id"].to_numpy()
    if isinstance(reasons, str):
        return [Reject(_int(rows[i]), ids[i], fieldname, reasons) for i in idx]
    reasons = np.asarray(reasons, dtype=object)
    return [Reject(_int(rows[i]), ids[i], fieldname, reasons[i]) for i in idx]


def _int(v) -> int | None:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else int(v)


def check_submissions(frame: pd.DataFrame, sites: SiteIndex, *, now: datetime | None = None,
                      source: str = "", default_key: str = "site_time",
                      township: str | None = None) -> CheckedSubmissions:
    """Validate canonical submission rows; return accepted records (``record_id`` set) and rejects.

    ``township``: only sites of this township are accepted (a 乡镇编辑); others get 非本乡镇数据."""
    f = _canonical(frame)
    bad = pd.Series(False, index=f.index)
    rejects: list[Reject] = []

    def reject(mask: pd.Series, fieldname: str, reasons) -> None:
        nonlocal bad
        mask = mask & ~bad
        rejects.extend(_reject_rows(f, mask, fieldname, reasons if isinstance(reasons, str) else
                                    pd.Series(reasons, index=f.index)))
        bad = bad | mask

    _check_site(f, sites, reject)
    if township is not None:
        _check_township(f, sites, township, reject)
    _check_time(f, now, reject)
    _check_since(f, sites, reject)
    _check_result(f, reject)
    measures = _check_measures(f, reject)
    ok = f[~bad]
    warnings = _checkin(ok, sites)
    records = _records(ok, measures, source, default_key)
    rejects.sort(key=lambda r: (r.row is None, r.row or 0))
    return CheckedSubmissions(records, rejects, warnings)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.copy()
    for c in BASE_COLUMNS:
        if c not in f.columns:
            f[c] = None
    if f["row"].isna().all():
        f["row"] = np.arange(2, len(f) + 2)
    for c in ("layer", "site_id", "inspector", "result", "findings", "key"):
        f[c] = _text(f[c])
    return f.reset_index(drop=True)


def _check_site(f: pd.DataFrame, sites: SiteIndex, reject) -> None:
    reject(f["site_id"].isna(), "site_id", "缺少点位编号")
    missing_layer = f["layer"].isna()
    if missing_layer.any():
        f.loc[missing_layer, "layer"] = sites.layers_of(f.loc[missing_layer, "site_id"])
    known = pd.MultiIndex.from_frame(sites.frame[["layer", "id"]]) if len(sites.frame) else None
    pairs = pd.MultiIndex.from_arrays([f["layer"].fillna(""), f["site_id"].fillna("")])
    exists = pairs.isin(known) if known is not None else np.zeros(len(f), dtype=bool)
    reasons = [f"点位 “{s}” 在图层 {lay or '（未注明）'} 中不存在；请核对编号" for lay, s in zip(
        f["layer"].fillna(""), f["site_id"].fillna(""), strict=True)]
    reject(pd.Series(~exists, index=f.index), "site_id", reasons)


def _check_township(f: pd.DataFrame, sites: SiteIndex, township: str, reject) -> None:
    from layers.access.guard import not_own_township

    town = sites.frame.drop_duplicates(["layer", "id"]).set_index(["layer", "id"])["township"]
    theirs = town.reindex(pd.MultiIndex.from_arrays([f["layer"].fillna(""), f["site_id"].fillna("")]))
    theirs = theirs.reset_index(drop=True).set_axis(f.index)
    reject(theirs != township, "township", [not_own_township(v, township) for v in theirs])


def _check_time(f: pd.DataFrame, now: datetime | None, reject) -> None:
    raw_blank = f["checked_at"].map(_blank)
    reject(raw_blank, "checked_at", "缺少巡查时间")
    t = parse_times(f["checked_at"])
    reject(t.isna(), "checked_at", [f"巡查时间 “{v}” 无法识别；请填 2026-05-03 09:30 这样的日期时间"
                                    for v in f["checked_at"]])
    current = pd.Timestamp(now if now is not None else datetime.now(TZ))
    current = current.tz_localize(TZ) if current.tzinfo is None else current.tz_convert(TZ)
    reject(t > current + FUTURE_TOLERANCE, "checked_at",
           [f"巡查时间 {v} 晚于当前时间（{current:%Y-%m-%d %H:%M}）" for v in t.dt.strftime("%Y-%m-%d %H:%M")])
    f["checked_at"] = t
    f["_t_ok"] = t.notna()


def _check_since(f: pd.DataFrame, sites: SiteIndex, reject) -> None:
    if sites.frame.empty:
        return
    since = sites.frame.set_index(["layer", "id"])["since"]
    s = since.reindex(pd.MultiIndex.from_arrays([f["layer"].fillna(""), f["site_id"].fillna("")]))
    s = s.reset_index(drop=True).set_axis(f.index)
    early = s.notna() & f["checked_at"].notna() & (f["checked_at"] < s)
    reject(early, "checked_at", [f"巡查时间早于点位建成（{v:%Y-%m-%d}）" if pd.notna(v) else "" for v in s])


def _check_result(f: pd.DataFrame, reject) -> None:
    allowed = set(InspectionResult)
    listed = "、".join(InspectionResult)
    reject(f["result"].isna(), "result", f"缺少巡查结果；可选值：{listed}")
    reject(~f["result"].isin(allowed), "result",
           [f"巡查结果 “{v}” 不在可选值中；可选值：{listed}" for v in f["result"]])


def _check_measures(f: pd.DataFrame, reject) -> list[str]:
    keys: list[str] = []
    for kind in LAYER_KINDS:
        here = (f["layer"] == kind.id).to_numpy()
        for m in measures_for(kind.id):
            key = measure_key(m)
            if key not in f.columns:
                continue
            keys.append(key)
            col = f[key].where(here, None)
            if m.type == FieldType.BOOL:
                val, badm = parse_bool(col)
                what = "应填 是 或 否"
            else:
                blank = col.map(_blank)
                val = pd.to_numeric(col.where(~blank, None), errors="coerce")
                badm = ~blank & val.isna()
                if m.min_value is not None:
                    badm |= val < m.min_value
                what = f"应为{'不小于 ' + str(int(m.min_value)) + ' 的' if m.min_value is not None else ''}数字"
                val = val.astype(object).where(val.notna(), None)
            reject(badm, key, [f"{m.header} “{v}” 无效；{what}" for v in col])
            f[key] = val
    return list(dict.fromkeys(keys))


def _checkin(ok: pd.DataFrame, sites: SiteIndex) -> list[Reject]:
    """Distance from the site to the check-in point (EPSG:4545); > 200 m is a warning."""
    lon = pd.to_numeric(ok["lon"], errors="coerce")
    lat = pd.to_numeric(ok["lat"], errors="coerce")
    ok["lon"], ok["lat"] = lon.round(7), lat.round(7)
    ok["checkin_distance_m"] = np.nan
    have = lon.notna() & lat.notna()
    if not have.any():
        return []
    pos = sites.frame.set_index(["layer", "id"])[["lon", "lat"]]
    site_xy = pos.reindex(pd.MultiIndex.from_frame(ok.loc[have, ["layer", "site_id"]]))
    tr = Transformer.from_crs("EPSG:4326", "EPSG:4545", always_xy=True)
    x1, y1 = tr.transform(lon[have].to_numpy(), lat[have].to_numpy())
    x2, y2 = tr.transform(site_xy["lon"].to_numpy(), site_xy["lat"].to_numpy())
    d = np.hypot(np.asarray(x1) - x2, np.asarray(y1) - y2).round(1)
    ok.loc[have, "checkin_distance_m"] = d
    far = ok[have & (ok["checkin_distance_m"] > CHECKIN_WARN_M)]
    return [Reject(_int(r), s, "lon", f"打卡位置距点位 {dist:.0f} m（超过 {CHECKIN_WARN_M:.0f} m），请核实")
            for r, s, dist in zip(far["row"], far["site_id"], far["checkin_distance_m"], strict=True)]


def _record_ids(ok: pd.DataFrame, times: pd.Series, default_key: str) -> pd.Series:
    basis = ok["layer"].astype(str) + "|" + ok["site_id"].astype(str) + "|" + times
    if default_key == "site_time_result":
        basis = basis + "|" + ok["result"].astype(str)
    keyed = ok["key"].notna()
    basis = basis.where(~keyed, "key|" + ok["key"].astype(str))
    return basis.map(lambda b: "XC" + hashlib.sha1(b.encode("utf-8")).hexdigest()[:14])


def _records(ok: pd.DataFrame, measures: list[str], source: str, default_key: str) -> list[dict]:
    if ok.empty:
        return []
    times = ok["checked_at"].dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")
    cols: dict[str, list] = {
        "record_id": _record_ids(ok, times, default_key).tolist(),
        "layer": _obj(ok["layer"]), "site_id": _obj(ok["site_id"]), "checked_at": times.tolist(),
        "inspector": _obj(ok["inspector"]), "result": _obj(ok["result"]), "findings": _obj(ok["findings"]),
        "lon": _obj(ok["lon"]), "lat": _obj(ok["lat"]), "checkin_distance_m": _obj(ok["checkin_distance_m"]),
        "photos": ok["photos"].map(_photo_list).tolist(),
        "source": [source] * len(ok),
    }
    for key in measures:
        cols[key] = _obj(ok[key])
    names = list(cols)
    records = []
    for values in zip(*cols.values(), strict=True):
        rec = dict(zip(names, values, strict=True))
        for key in measures:  # measured values of other kinds are not part of this record
            if rec[key] is None:
                del rec[key]
        records.append(rec)
    # a submission listed twice in one file: the last one wins
    return list({r["record_id"]: r for r in records}.values())


def _obj(col: pd.Series) -> list:
    """Values as Python objects, missing as None (pandas' string dtype would turn None into NaN)."""
    return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else
            (v.item() if isinstance(v, np.generic) else v) for v in col.tolist()]


def _photo_list(v) -> list[str]:
    if isinstance(v, list | tuple):
        return [str(x) for x in v if str(x).strip()]
    if _blank(v):
        return []
    return [p.strip() for p in str(v).replace("；", ";").replace(",", ";").replace(" ", ";").split(";") if p.strip()]
