"""巡查上报 — the phone page (laid out for 390×844): pick a site, report, attach photos, submit.

Sites nearest first when the browser's location is given (the 使用我的位置 button fills it where
the browser allows; else type 经度,纬度 or search by name / id / village). Submissions go through the
one importer (``layers.records.importer.import_rows``), so the same checks and the same store apply
as for the packet and ODK routes. Below the form: the site's last inspection, open finding, photos
and history (``inspection_details``, also shown in 图层浏览's site panel). Works on the intranet with
no internet: nothing is loaded from outside.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import numpy as np
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from layers.access import Reach
from layers.errors import LayerError
from layers.kinds import LAYER_KINDS, FieldType, get_kind
from layers.records import (
    INSPECTIONS,
    InspectionResult,
    TaskStatus,
    measures_for,
    read_records,
)
from layers.records.attachments import attachment_path
from layers.records.importer import import_rows
from layers.records.inspections import CHECKIN_WARN_M, TZ
from layers.records.schema import measure_key
from layers.records.store import actor_name
from riskmap.ui.auth import current_actor
from riskmap.ui.state import current_workspace, sample_banner, t

__all__ = ["inspection_details", "inspection_view", "render"]

_LOC_LABEL = "我的位置（经度,纬度）"
_GEO_JS = """
<button id="b" style="font-size:16px;padding:8px 12px;width:100%">使用我的位置</button>
<div id="m" style="font:13px sans-serif;color:#666"></div>
<script>
document.getElementById('b').onclick = function () {
  var m = document.getElementById('m');
  if (!navigator.geolocation) { m.textContent = '浏览器不支持定位，请搜索点位'; return; }
  navigator.geolocation.getCurrentPosition(function (p) {
    var doc = window.parent.document;
    var input = doc.querySelector('input[aria-label="LABEL"]');
    if (!input) { m.textContent = '找不到位置输入框'; return; }
    var set = Object.getOwnPropertyDescriptor(window.parent.HTMLInputElement.prototype, 'value').set;
    input.focus();
    set.call(input, p.coords.longitude.toFixed(6) + ',' + p.coords.latitude.toFixed(6));
    input.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(function () {  // after React has taken the new value: commit it (Enter, then blur)
      input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 13, which: 13,
                                                        bubbles: true}));
      input.blur();
    }, 100);
    m.textContent = '已定位';
  }, function () { m.textContent = '未允许定位，请搜索点位'; });
};
</script>
""".replace("LABEL", _LOC_LABEL)


def _sites(ws) -> pd.DataFrame:
    parts = []
    for kind in LAYER_KINDS:
        f = ws.layers.get(kind.id)
        if f is None or f.empty:
            continue
        parts.append(pd.DataFrame({"layer": kind.id, "label": kind.label, "id": f["id"].astype(str),
                                   "name": f["name"].astype(str), "village": f["village"].fillna("").astype(str),
                                   "township": f["township"].fillna("").astype(str),
                                   "lon": f.geometry.x.to_numpy(), "lat": f.geometry.y.to_numpy()}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _parse_location(text: str) -> tuple[float, float] | None:
    try:
        lon, lat = (float(v) for v in text.replace("，", ",").split(","))
    except ValueError:
        return None
    return (lon, lat) if 70 < lon < 140 and 0 < lat < 60 else None


def _candidates(sites: pd.DataFrame, query: str, where: tuple[float, float] | None) -> pd.DataFrame:
    if query:
        q = query.strip()
        hit = sites["id"].str.contains(q, regex=False) | sites["name"].str.contains(q, regex=False) | \
            sites["village"].str.contains(q, regex=False)
        sites = sites[hit]
    if where is not None and len(sites):
        from pyproj import Transformer

        tr = Transformer.from_crs("EPSG:4326", "EPSG:4545", always_xy=True)
        x, y = tr.transform(sites["lon"].to_numpy(), sites["lat"].to_numpy())
        x0, y0 = tr.transform(*where)
        sites = sites.assign(distance_m=np.hypot(np.asarray(x) - x0, np.asarray(y) - y0)).sort_values("distance_m")
    return sites.head(50)


def _option(r) -> str:
    dist = f" · {r['distance_m']:.0f} m" if "distance_m" in r and pd.notna(r.get("distance_m")) else ""
    return f"{r['id']} {r['name']}（{r['label']}{'，' + r['village'] if r['village'] else ''}）{dist}"


def _measure_inputs(layer: str) -> dict:
    values = {}
    for m in measures_for(layer):
        key = f"m_{layer}_{m.name}"
        if m.type == FieldType.BOOL:
            v = st.radio(m.label, ["未填", "是", "否"], horizontal=True, key=key)
            values[measure_key(m)] = None if v == "未填" else v
        else:
            values[measure_key(m)] = st.text_input(m.header, key=key, placeholder=t("数字，可不填", "number, optional"))
    return values


def _may_not_submit(actor, township) -> str | None:
    """Why this user cannot submit for a site of ``township`` (None: they can)."""
    if actor.spec.edit == Reach.NONE:
        return t(f"用户 {actor.label} 为只读账户，不能提交巡查记录或任务反馈。",
                 f"{actor.label} is read-only and cannot submit reports.")
    if not actor.may_edit(township):
        return t(f"用户 {actor.label} 只能上报 {actor.township} 的点位和任务。",
                 f"{actor.label} may only report for {actor.township}.")
    return None


def _submit_inspection(ws, site: dict, where) -> None:
    actor = current_actor()
    refused = _may_not_submit(actor, site["township"])
    if refused:
        st.info(refused)
        return
    form_key = st.session_state.setdefault("inspect_key", str(uuid.uuid4()))
    with st.form("inspect_form", clear_on_submit=False):
        inspector = st.text_input(t("巡查人", "Inspector"), value=actor.display_name or actor_name(actor),
                                  key="inspect_inspector")
        result = st.radio(t("巡查结果", "Result"), list(InspectionResult), horizontal=True, key="inspect_result")
        findings = st.text_area(t("发现问题", "Findings"), key="inspect_findings", height=80)
        measured = _measure_inputs(site["layer"])
        photos = st.file_uploader(t("照片（最多 5 张）", "Photos (up to 5)"), type=["jpg", "jpeg", "png", "webp"],
                                  accept_multiple_files=True, key=f"inspect_photos_{form_key}")
        sent = st.form_submit_button(t("提交巡查记录", "Submit"), type="primary", width="stretch")
    if not sent:
        return
    files = {f.name: f.getvalue() for f in photos or []}
    row = {"layer": site["layer"], "site_id": site["id"], "checked_at": datetime.now(TZ).isoformat(timespec="seconds"),
           "inspector": inspector, "result": result, "findings": findings, "photos": list(files), "key": form_key,
           "lon": where[0] if where else None, "lat": where[1] if where else None, **measured}
    try:
        report = import_rows(ws, [row], photos=files, actor=actor)
    except LayerError as exc:
        st.error(str(exc))
        return
    _show_report(report)
    if not report.rejects:
        st.session_state["inspect_key"] = str(uuid.uuid4())


def _show_report(report) -> None:
    (st.warning if report.rejects or report.photo_rejects else st.success)(report.summary())
    for r in [*report.rejects, *report.photo_rejects]:
        st.error(r.reason)
    for w in report.warnings:
        st.warning(w.reason)


def _task_report(ws) -> None:
    from layers.records.tasks import event_tasks

    tasks = event_tasks(ws.root)
    if tasks.empty:
        return
    with st.expander(t(f"预警任务反馈（{tasks['event_name'].iloc[0]}）", "Warning task report")):
        town = st.selectbox(t("乡镇", "Township"), sorted(tasks["township"].unique()), key="task_town")
        mine = tasks[tasks["township"] == town]
        labels = [f"{r['action']}：{r['detail']}（{r['status']}）" for r in mine.to_dict("records")]
        i = st.selectbox(t("任务", "Task"), range(len(labels)), format_func=lambda k: labels[k], key="task_pick")
        status = st.radio(t("任务状态", "Status"), list(TaskStatus), index=2, horizontal=True, key="task_status")
        people = st.number_input(t("已转移人数", "People evacuated"), min_value=0, step=1, key="task_people")
        notes = st.text_input(t("情况说明", "Notes"), key="task_notes")
        actor = current_actor()
        by = st.text_input(t("执行人", "By"), value=actor.display_name or actor_name(actor), key="task_by")
        refused = _may_not_submit(actor, town)
        if refused:
            st.info(refused)
        elif st.button(t("提交任务反馈", "Submit task report"), key="task_send"):
            row = {"task_id": mine.iloc[i]["task_id"], "status": status, "by": by, "notes": notes,
                   "at": datetime.now(TZ).isoformat(timespec="seconds"), "people_evacuated": people or None}
            try:
                _show_report(import_rows(ws, [], tasks=[row], actor=actor))
            except LayerError as exc:
                st.error(str(exc))


def _records_stamp(root) -> tuple:
    p = root / "records" / "inspections.jsonl"
    return (str(root), p.stat().st_mtime_ns if p.exists() else 0)


@st.cache_data(show_spinner=False, max_entries=4)
def _status(stamp: tuple, day: str) -> pd.DataFrame:
    from riskmodel.inspection import inspection_status

    ws = current_workspace()
    return inspection_status(ws, read_records(ws.root, INSPECTIONS), datetime.fromisoformat(day).date())


def inspection_view(ws, only_overdue: bool):
    """(map marks per layer, the workspace narrowed to overdue sites when asked) as of today."""
    from dataclasses import replace

    from riskmodel.errors import RiskModelError
    from riskmodel.inspection import only_overdue as narrow
    from riskmodel.inspection import site_marks

    try:
        status = _status(_records_stamp(ws.root), datetime.now(TZ).date().isoformat())
    except RiskModelError as exc:
        st.error(str(exc))
        return None, ws
    # before the first inspection comes back every site is "overdue": marking them all would hide the
    # risk picture, so the marks start with the first record (the 只看逾期未巡查 filter still works)
    has_records = bool(read_records(ws.root, INSPECTIONS))
    marks = site_marks(status) if has_records or only_overdue else {}
    return marks, (replace(ws, layers=narrow(ws.layers, status)) if only_overdue else ws)


def inspection_details(ws, layer: str, site_id: str) -> None:
    """A site's inspections: the last one, open finding, photos, history (newest first)."""
    recs = [r for r in read_records(ws.root, INSPECTIONS) if r["layer"] == layer and r["site_id"] == site_id]
    st.markdown(t("**巡查情况**", "**Inspections**"))
    if not recs:
        st.caption(t("尚无巡查记录（逾期未巡查）。", "No inspection recorded yet."))
        return
    recs.sort(key=lambda r: r["checked_at"], reverse=True)
    last = recs[0]
    when = last["checked_at"][:16].replace("T", " ")
    st.markdown(f"{t('最近巡查', 'Last inspection')}：{when} · {last['result']} · {last.get('inspector') or ''}")
    far = last.get("checkin_distance_m")
    if far is not None and far > CHECKIN_WARN_M:
        st.warning(t(f"打卡位置距点位 {far:.0f} m（超过 {CHECKIN_WARN_M:.0f} m），请核实",
                     f"Check-in {far:.0f} m from the site"))
    flags = [r["result"] for r in recs if r["result"] in (InspectionResult.FOUND, InspectionResult.FIXED)]
    if flags and flags[0] == InspectionResult.FOUND:
        st.error(t("发现隐患，尚未整改", "Open finding") + (f"：{last.get('findings')}" if last.get("findings") else ""))
    elif last.get("findings"):
        st.caption(f"{t('发现问题', 'Findings')}：{last['findings']}")
    photos = [attachment_path(ws.root, layer, site_id, p) for r in recs for p in r.get("photos") or []]
    shown = [p for p in photos if p.exists()][:6]
    if shown:
        st.image([p.read_bytes() for p in shown], width=110)
    kind = get_kind(layer)
    hist = pd.DataFrame([{t("时间", "Time"): r["checked_at"][:16].replace("T", " "), t("结果", "Result"): r["result"],
                          t("巡查人", "Inspector"): r.get("inspector"), t("发现问题", "Findings"): r.get("findings"),
                          **{m.header: r.get(measure_key(m)) for m in measures_for(kind.id)}} for r in recs])
    st.dataframe(hist, hide_index=True, width="stretch")


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t("巡查上报", "Field report"))
    sites = _sites(ws)
    if sites.empty:
        st.info(t("工作区中没有点位。", "No sites in the workspace."))
        return
    components.html(_GEO_JS, height=64)
    where = _parse_location(st.text_input(_LOC_LABEL, key="inspect_where", placeholder="107.34,30.33"))
    query = st.text_input(t("搜索点位（名称、编号、村）", "Search (name, id, village)"), key="inspect_query")
    found = _candidates(sites, query, where)
    if found.empty:
        st.warning(t("没有找到点位。", "No site found."))
        return
    records = found.to_dict("records")
    pick = st.selectbox(t("点位", "Site"), range(len(records)), format_func=lambda i: _option(records[i]),
                        key=f"inspect_site_{query}_{where}")
    site = records[pick]
    _submit_inspection(ws, site, where)
    inspection_details(ws, site["layer"], site["id"])
    _task_report(ws)
