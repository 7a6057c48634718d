"""XLSForm for ODK Collect / KoboToolbox: the township's sites as a choice list, results, measured values,
photos, and the township's issued tasks.

``render_xlsform(bundle)`` gives an XLSX with ``survey``, ``choices`` and ``settings`` sheets; the site
list is the selection (choice ``name`` = ``<layer>.<id>``, so the importer knows both). A
``form_version`` field (calculate) carries :data:`~layers.records.submissions.FORM_SCHEMA` plus the
export time into every submission, so the importer can refuse forms it did not write. Measured-value
questions are shown only for sites of their kind (``relevant``). ``render_entity_csv`` gives the same
site list as an ODK entity list CSV (``name,label,…``) for "re-inspect a known list" projects.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from layers.kinds import FieldType, get_kind
from layers.records.schema import InspectionResult, TaskStatus, measures_for
from layers.records.submissions import FORM_SCHEMA

__all__ = ["render_entity_csv", "render_xlsform", "write_xlsform", "xlsform_bytes", "xlsform_sheets"]

_SURVEY_HEAD = ("type", "name", "label", "required", "relevant", "calculation", "default", "appearance", "parameters")


def _site_choices(bundle) -> list[tuple[str, str, str]]:
    out = []
    for lid, frame in bundle.sites.items():
        label = get_kind(lid).label
        for rec in frame[["id", "name", "village"]].astype(object).to_dict("records"):
            village = rec["village"] if isinstance(rec["village"], str) else ""
            out.append(("site", f"{lid}.{rec['id']}", f"{rec['id']} {rec['name']}（{label}{'，' + village if village else ''}）"))
    return out


def _task_choices(bundle) -> list[tuple[str, str, str]]:
    root = bundle.context.get("workspace_root")
    if root is None or not bundle.selection.townships:
        return []
    from layers.records.tasks import open_tasks

    tasks = open_tasks(root, bundle.selection.townships)
    return [("task", t["task_id"], f"{t['action']}：{t['detail']}") for t in tasks.to_dict("records")]


def xlsform_sheets(bundle) -> dict[str, list[tuple]]:
    """Rows of the survey, choices and settings sheets (headers first)."""
    version = f"{FORM_SCHEMA}.{bundle.exported_at:%Y%m%d%H%M}"
    sites, tasks = _site_choices(bundle), _task_choices(bundle)
    s: list[tuple] = [_SURVEY_HEAD]
    s.append(("calculate", "form_version", "表单版本", "", "", f"'{version}'", "", ""))
    s.append(("start", "start", "", "", "", "", "", ""))
    s.append(("text", "inspector", "巡查人 / 执行人", "yes", "", "", "", ""))
    if tasks:
        s.append(("select_one report", "report", "上报内容", "yes", "", "", "inspection", ""))
    is_ins = "${report} = 'inspection'" if tasks else ""
    s.append(("begin_group", "inspection", "巡查记录", "", is_ins, "", "", ""))
    s.append(("select_one site", "site", "点位", "yes", "", "", "", "autocomplete" if sites else ""))
    s.append(("dateTime", "checked_at", "巡查时间", "yes", "", "", "now()", ""))
    s.append(("select_one result", "result", "巡查结果", "yes", "", "", "", ""))
    s.append(("text", "findings", "发现问题", "", "", "", "", "multiline"))
    for lid in bundle.sites:
        for m in measures_for(lid):
            qtype = "select_one yesno" if m.type == FieldType.BOOL else "decimal"
            s.append((qtype, m.name, m.header, "", f"starts-with(${{site}}, '{lid}.')", "", "", ""))
    s.append(("geopoint", "location", "打卡位置", "", "", "", "", ""))
    for i in range(1, 6):
        s.append(("image", f"photo{i}", f"照片 {i}", "", "" if i == 1 else f"${{photo{i - 1}}} != ''", "", "", "",
                  "max-pixels=2048"))
    s.append(("end_group", "inspection", "", "", "", "", "", ""))
    if tasks:
        s.append(("begin_group", "task_report", "任务反馈", "", "${report} = 'task'", "", "", ""))
        s.append(("select_one task", "task", "任务", "yes", "", "", "", "autocomplete"))
        s.append(("select_one task_status", "task_status", "任务状态", "yes", "", "", "", ""))
        s.append(("integer", "task_people", "已转移人数", "", "", "", "", ""))
        s.append(("text", "task_notes", "情况说明", "", "", "", "", "multiline"))
        s.append(("end_group", "task_report", "", "", "", "", "", ""))
    c: list[tuple] = [("list_name", "name", "label")]
    c += [("result", v.value, v.value) for v in InspectionResult]
    c += [("yesno", "yes", "是"), ("yesno", "no", "否")]
    c += sites or [("site", "none", "（无点位）")]
    if tasks:
        c += [("report", "inspection", "巡查记录"), ("report", "task", "预警任务反馈")]
        c += tasks + [("task_status", v.value, v.value) for v in TaskStatus]
    place = "_".join(bundle.selection.townships) or "全县"
    settings = [("form_title", "form_id", "version", "default_language"),
                (f"{bundle.workspace_name} 巡查上报 · {place}", "dianjiang_inspection", version, "zh")]
    return {"survey": s, "choices": c, "settings": settings}


def render_xlsform(bundle) -> bytes:
    """The XLSForm workbook (cells are values, never formulas)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in xlsform_sheets(bundle).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsform_bytes(ws, selection) -> bytes:
    """Workspace + selection → the XLSForm bytes (the app's download button)."""
    from layers.exports import collect_export

    return render_xlsform(collect_export(ws, selection))


def write_xlsform(ws, selection, out) -> tuple[list, dict[str, int]]:
    """Write the XLSForm (and the entity list CSV beside it) atomically; returns (paths, counts)."""
    from pathlib import Path

    from layers.exports import collect_export
    from layers.store.io import atomic_write_bytes

    bundle = collect_export(ws, selection)
    out = Path(out)
    atomic_write_bytes(out, render_xlsform(bundle))
    entities = out.with_name(out.stem + "_sites.csv")
    atomic_write_bytes(entities, render_entity_csv(bundle))
    return [out, entities], bundle.counts


def render_entity_csv(bundle) -> bytes:
    """The selection as an ODK entity list CSV: ``name,label,layer,site_id,township``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "label", "layer", "site_id", "township"])
    for lid, frame in bundle.sites.items():
        for rec in frame[["id", "name", "township"]].astype(object).to_dict("records"):
            w.writerow([f"{lid}.{rec['id']}", f"{rec['id']} {rec['name']}", lid, rec["id"], rec["township"]])
    return buf.getvalue().encode("utf-8")
