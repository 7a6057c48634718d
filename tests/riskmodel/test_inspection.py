"""Inspection rules on a hand-checked fixture, dates around the 汛期 boundary (1 May / 30 Sep)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import shapely

from riskmodel.inspection import inspection_status, township_inspection_table

# 甲: four 大型 geohazard sites (weekly in 汛期, monthly outside); 乙: one 小型 (15 / 30 days) and one gas point
# with no level field value (30 / 30 days).
SITES = gpd.GeoDataFrame(
    {"id": ["G1", "G2", "G3", "G4", "G5"], "name": list("ABCDE"), "township": ["甲", "甲", "甲", "甲", "乙"],
     "danger_level": ["大型", "大型", "大型", "大型", "小型"]},
    geometry=[shapely.Point(107.3, 30.3)] * 5, crs="EPSG:4326")
GAS = gpd.GeoDataFrame({"id": ["Q1"], "name": ["F"], "township": ["乙"], "risk_level": [None]},
                       geometry=[shapely.Point(107.3, 30.3)], crs="EPSG:4326")
TOWNS = pd.DataFrame({"name": ["甲", "乙", "丙"]})


def _rec(site, when, result="正常", layer="geohazard"):
    return {"layer": layer, "site_id": site, "checked_at": f"{when}T09:00:00+08:00", "result": result}


RECORDS = [
    _rec("G1", "2026-04-20"),                 # monthly before 汛期 → due 1 May (汛期 starts: weekly)
    _rec("G2", "2026-04-28"),                 # → due 5 May
    _rec("G3", "2026-04-28", "发现隐患"),      # open finding …
    _rec("G3", "2026-05-01", "隐患已整改"),    # … closed → due 8 May
    # G4 never inspected → overdue
    _rec("G5", "2026-04-25", "发现隐患"),      # 小型: 15 days in 汛期 → due 10 May; finding open
    _rec("Q1", "2026-04-05", layer="gas_risk"),  # 30 / 30 → due 5 May
    _rec("G1", "2026-06-01"),                 # after the day we look at: ignored
]


def _ws(config=None):
    return SimpleNamespace(layers={"geohazard": SITES, "gas_risk": GAS}, config=config or {})


def test_next_due_and_overdue_on_2_may():
    s = inspection_status(_ws(), RECORDS, date(2026, 5, 2)).set_index("id")
    assert s.loc["G1", "next_due"] == date(2026, 5, 1) and bool(s.loc["G1", "overdue"])
    assert s.loc["G2", "next_due"] == date(2026, 5, 5) and bool(s.loc["G2", "done"])
    assert s.loc["G3", "next_due"] == date(2026, 5, 8) and not s.loc["G3", "open_finding"]
    assert s.loc["G4", "next_due"] is None and bool(s.loc["G4", "overdue"])
    assert s.loc["G5", "next_due"] == date(2026, 5, 10) and bool(s.loc["G5", "open_finding"])
    assert s.loc["Q1", "next_due"] == date(2026, 5, 5)
    assert s.loc["G1", "interval_days"] == 7 and s.loc["G5", "interval_days"] == 15


def test_township_table_on_2_may_and_30_april():
    t = township_inspection_table(inspection_status(_ws(), RECORDS, date(2026, 5, 2)), TOWNS).set_index("township")
    assert t.loc["甲"].to_dict() == {"due": 4, "done": 2, "overdue": 2, "coverage_pct": 50.0, "open_findings": 0}
    assert t.loc["乙"].to_dict() == {"due": 2, "done": 2, "overdue": 0, "coverage_pct": 100.0, "open_findings": 1}
    assert t.loc["丙", "due"] == 0 and pd.isna(t.loc["丙", "coverage_pct"])
    # on 30 April (before 汛期) G1, checked 20 April, is not yet due; G3 has its finding still open
    before = inspection_status(_ws(), RECORDS, date(2026, 4, 30)).set_index("id")
    assert bool(before.loc["G1", "done"]) and bool(before.loc["G3", "open_finding"])


def test_workspace_overrides_flood_season_and_interval():
    cfg = {"rules": {"inspection": {"flood_season": ["06-01", "09-30"],
                                    "interval_days": {"geohazard": {"大型": [7, 30]}}}}}
    s = inspection_status(_ws(cfg), RECORDS, date(2026, 5, 2)).set_index("id")
    assert s.loc["G1", "next_due"] == date(2026, 5, 20) and bool(s.loc["G1", "done"])
