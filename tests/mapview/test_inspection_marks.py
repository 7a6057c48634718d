"""The map marks sites 逾期未巡查 / 发现隐患 (outline + popup row) from the inspection status; the 逾期 filter narrows."""

from __future__ import annotations

import json
import re
from datetime import date

from layers.records import INSPECTIONS
from riskmap.mapview import MapView, build_map, render_html
from riskmodel.inspection import FOUND_MARK, OVERDUE_MARK, inspection_status, only_overdue, site_marks

_PAYLOAD = re.compile(r"RM\.(sites|areas|labels)\((\{.*?\})\);\n")


def _ids(p):
    ids = p["ids"]
    return ids if isinstance(ids, list) else [f"{ids['p']}{n:0{ids['w']}d}" for n in ids["n"]]


def test_marks_on_the_map_and_overdue_only(ws):
    geo = ws.layers["geohazard"]
    first, second = str(geo["id"].iloc[0]), str(geo["id"].iloc[1])
    records = [
        {"layer": "geohazard", "site_id": first, "checked_at": "2026-05-01T09:00:00+08:00", "result": "发现隐患"},
        {"layer": "geohazard", "site_id": second, "checked_at": "2026-05-01T09:00:00+08:00", "result": "正常"},
    ]
    status = inspection_status(ws, records, date(2026, 5, 3))
    marks = site_marks(status)
    assert marks["geohazard"][first] == FOUND_MARK and second not in marks["geohazard"]
    assert all(v == OVERDUE_MARK for k, v in marks["geohazard"].items() if k != first)
    html = render_html(build_map(ws, MapView(site_marks=marks)))
    payload = next(json.loads(p) for f, p in _PAYLOAD.findall(html) if f == "sites" and '"geohazard"' in p)
    by_id = dict(zip(_ids(payload), payload["marks"], strict=True))
    assert by_id[first] == FOUND_MARK and by_id[second] == ""
    narrowed = only_overdue(ws.layers, status)
    assert second not in set(narrowed["geohazard"]["id"]) and first not in set(narrowed["geohazard"]["id"])
    assert len(narrowed["geohazard"]) == len(geo) - 2
    assert INSPECTIONS.key == "record_id"
