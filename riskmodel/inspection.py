"""Inspection rules applied: each site's last inspection and next due date; per township due, done,
overdue, 巡查覆盖率 and open findings.

The intervals are rules (``inspection.interval_days.<layer>.<level>`` = days in 汛期, outside 汛期;
level ``*`` for any level; the level is the field named by ``inspection.level_field.<layer>``), the
flood season is ``inspection.flood_season`` (月-日 start and end, inclusive) — all in
:mod:`riskmodel.rules`, overridable in ``workspace.toml``.

Next due date after a check on day L: the first day d > L with d − L ≥ the interval in force on d.
So a check on 20 April (monthly outside 汛期, weekly inside) is due again on 1 May; a check on
28 April on 5 May; a check on 25 September (weekly) on 25 October (monthly after 汛期). A site
never inspected is overdue. A site is overdue on day D when its next due date is before D; it is
done (已巡查) when the next due date is after D. An open finding is a 发现隐患 not followed by a
later 隐患已整改 at that site.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from layers.records.schema import InspectionResult
from riskmodel.errors import RuleConfigError
from riskmodel.rules import Rules, load_rules

__all__ = [
    "FOUND_MARK",
    "OVERDUE_MARK",
    "STATUS_COLUMNS",
    "as_of_date",
    "in_flood_season",
    "inspection_status",
    "next_due",
    "only_overdue",
    "overdue_workspace",
    "site_marks",
    "township_inspection_table",
]

TZ = ZoneInfo("Asia/Shanghai")
FOUND, FIXED = InspectionResult.FOUND.value, InspectionResult.FIXED.value
STATUS_COLUMNS = ("layer", "id", "name", "township", "level", "interval_days", "last_checked", "last_result",
                  "next_due", "overdue", "done", "open_finding", "inspections")


def as_of_date(text: str | None) -> date:
    """``YYYY-MM-DD`` → date; None → today in Asia/Shanghai."""
    if not text:
        return datetime.now(TZ).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RuleConfigError(f"日期 “{text}” 无效；请写成 2026-05-03") from None


def _season(rules: Rules) -> tuple[tuple[int, int], tuple[int, int]]:
    start, end = rules.get("inspection.flood_season")
    try:
        (sm, sd), (em, ed) = (tuple(int(x) for x in str(v).split("-")) for v in (start, end))
        date(2001, sm, sd), date(2001, em, ed)
    except ValueError:
        raise RuleConfigError(f"workspace.toml [rules] 中 inspection.flood_season = {[start, end]} 无效；"
                              '应为两个“月-日”，如 ["05-01", "09-30"]') from None
    return (sm, sd), (em, ed)


def in_flood_season(d: date, season) -> bool:
    """Whether ``d`` lies in the flood season (start and end inclusive, within one calendar year).

    >>> in_flood_season(date(2026, 5, 1), ((5, 1), (9, 30))), in_flood_season(date(2026, 4, 30), ((5, 1), (9, 30)))
    (True, False)
    """
    (sm, sd), (em, ed) = season
    return date(d.year, sm, sd) <= d <= date(d.year, em, ed)


def _first_in_season(x: date, season) -> date:
    (sm, sd), _ = season
    if in_flood_season(x, season):
        return x
    start = date(x.year, sm, sd)
    return start if x < start else date(x.year + 1, sm, sd)


def _first_off_season(x: date, season) -> date:
    _, (em, ed) = season
    return date(x.year, em, ed) + timedelta(days=1) if in_flood_season(x, season) else x


def next_due(last: date, days_flood: float, days_other: float, season) -> date:
    """First day d > ``last`` with d − last ≥ the interval in force on d.

    >>> s = ((5, 1), (9, 30))
    >>> next_due(date(2026, 4, 20), 7, 30, s), next_due(date(2026, 4, 28), 7, 30, s)
    (datetime.date(2026, 5, 1), datetime.date(2026, 5, 5))
    >>> next_due(date(2026, 9, 25), 7, 30, s)
    datetime.date(2026, 10, 25)
    """
    a = _first_in_season(last + timedelta(days=max(1, int(days_flood))), season)
    b = _first_off_season(last + timedelta(days=max(1, int(days_other))), season)
    return min(a, b)


def _intervals(rules: Rules) -> tuple[dict[tuple[str, str], tuple[float, float]], dict[str, str]]:
    table = {}
    for key, days in rules.table("inspection.interval_days").items():
        layer, _, level = key.partition(".")
        table[(layer, level)] = (float(days[0]), float(days[1]))
    return table, {k: str(v) for k, v in rules.table("inspection.level_field").items()}


def _site_rows(ws, rules: Rules) -> pd.DataFrame:
    table, level_field = _intervals(rules)
    parts = []
    for lid, frame in ws.layers.items():
        if frame.empty or not any(k[0] == lid for k in table):
            continue
        lf = level_field.get(lid)
        level = frame[lf].astype(object) if lf and lf in frame.columns else pd.Series("*", index=frame.index)
        rows = pd.DataFrame({"layer": lid, "id": frame["id"].astype(str), "name": frame["name"].astype(object),
                             "township": frame["township"].astype(object), "level": level.fillna("*")})
        days = [table.get((lid, str(lv)), table.get((lid, "*"))) for lv in rows["level"]]
        rows["_days"] = days
        parts.append(rows[rows["_days"].notna()])
    cols = ["layer", "id", "name", "township", "level", "_days"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def _last_per_site(records: list[dict], day: date) -> pd.DataFrame:
    cols = ["layer", "site_id", "checked_at", "result"]
    r = pd.DataFrame(records, columns=cols) if records else pd.DataFrame(columns=cols)
    r["_t"] = pd.to_datetime(r["checked_at"], errors="coerce", utc=True).dt.tz_convert(TZ)
    r = r[r["_t"].dt.date <= day].sort_values("_t", kind="stable")
    g = r.groupby(["layer", "site_id"])
    last = g.tail(1).set_index(["layer", "site_id"])
    flags = r[r["result"].isin([FOUND, FIXED])].groupby(["layer", "site_id"]).tail(1).set_index(["layer", "site_id"])
    out = pd.DataFrame({"last_checked": last["_t"].dt.date, "last_result": last["result"]})
    out["open_finding"] = flags["result"].eq(FOUND).reindex(out.index, fill_value=False)
    out["inspections"] = g.size().reindex(out.index)
    return out


def inspection_status(ws, records: list[dict], day: date, rules: Rules | None = None) -> pd.DataFrame:
    """One row per site under an inspection interval: last check, next due date, overdue, open finding."""
    rules = rules or load_rules(ws.config)
    season = _season(rules)
    sites = _site_rows(ws, rules)
    last = _last_per_site(records, day)
    key = pd.MultiIndex.from_arrays([sites["layer"], sites["id"]])
    joined = last.reindex(key)
    sites["last_checked"] = joined["last_checked"].to_numpy()
    sites["last_result"] = joined["last_result"].to_numpy()
    sites["open_finding"] = joined["open_finding"].fillna(False).astype(bool).to_numpy()
    sites["inspections"] = joined["inspections"].fillna(0).astype(int).to_numpy()
    flood = in_flood_season(day, season)
    sites["interval_days"] = [int(d[0] if flood else d[1]) for d in sites["_days"]]
    sites["next_due"] = [next_due(lc, d[0], d[1], season) if isinstance(lc, date) else None
                         for lc, d in zip(sites["last_checked"], sites["_days"], strict=True)]
    sites["overdue"] = [nd is None or nd < day for nd in sites["next_due"]]
    sites["done"] = [nd is not None and nd > day for nd in sites["next_due"]]
    return sites[list(STATUS_COLUMNS)].reset_index(drop=True)


def township_inspection_table(status: pd.DataFrame, townships: pd.DataFrame) -> pd.DataFrame:
    """Per township (all of them, none dropped): 应巡查, 已巡查, 逾期, 巡查覆盖率 %, 未整改隐患."""
    g = status.groupby("township")
    t = pd.DataFrame({"township": townships["name"].astype(str).to_numpy()})
    t["due"] = t["township"].map(g.size()).fillna(0).astype(int)
    t["done"] = t["township"].map(g["done"].sum()).fillna(0).astype(int)
    t["overdue"] = t["township"].map(g["overdue"].sum()).fillna(0).astype(int)
    t["coverage_pct"] = (100.0 * t["done"] / t["due"].where(t["due"] > 0)).round(1)
    t["open_findings"] = t["township"].map(g["open_finding"].sum()).fillna(0).astype(int)
    return t


OVERDUE_MARK, FOUND_MARK = "逾期未巡查", FOUND


def site_marks(status: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per layer, the sites to mark on the map: 发现隐患 (an open finding) wins over 逾期未巡查."""
    out: dict[str, dict[str, str]] = {}
    for lid, sid, over, found in zip(status["layer"], status["id"], status["overdue"], status["open_finding"],
                                     strict=True):
        if found or over:
            out.setdefault(lid, {})[sid] = FOUND_MARK if found else OVERDUE_MARK
    return out


def only_overdue(layers: dict, status: pd.DataFrame) -> dict:
    """The layers narrowed to their overdue sites (a layer without an inspection interval keeps none)."""
    over = status[status["overdue"]]
    ids = {lid: set(g["id"]) for lid, g in over.groupby("layer")}
    return {lid: frame[frame["id"].astype(str).isin(ids.get(lid, set()))] for lid, frame in layers.items()}


def overdue_workspace(ws, records: list[dict], day: date):
    """The workspace with every layer narrowed to its sites overdue on ``day`` (for 逾期未巡查 exports)."""
    from dataclasses import replace

    return replace(ws, layers=only_overdue(ws.layers, inspection_status(ws, records, day)))
