"""The township XLSX packet's field sheets: 巡查记录 (one row per site) and 行动任务 (issued tasks).

Written by the packet export (:func:`add_field_sheets`, one call from the XLSX renderer) and read
back as is by :func:`read_packet`. Rows are matched by layer + id, never by position: a sheet with
rows reordered or deleted imports the rows it has, and a missing row is not a removal. A row with
nothing filled in is not a record.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from layers.errors import LayerFileError
from layers.kinds import get_kind
from layers.records.schema import (
    INSPECTIONS,
    TASK_UPDATES,
    InspectionResult,
    TaskStatus,
    measure_key,
    measures_for,
)

__all__ = [
    "ACTIONS_SHEET",
    "INSPECTION_SHEET",
    "add_field_sheets",
    "inspection_headers",
    "read_packet",
]

INSPECTION_SHEET = "巡查记录"
ACTIONS_SHEET = "行动任务"
_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_FILL = PatternFill("solid", fgColor="FFF2CC")  # the cells a person fills in
_NA = PatternFill("solid", fgColor="D9D9D9")  # measured value that does not apply to this kind
_PREFILLED = ("图层", "图层编号", "编号", "名称", "村(社区)", "关键信息")
_TIME_FORMAT = "yyyy-mm-dd hh:mm"


def _measure_headers(layer_ids) -> list[tuple[str, str, set[str]]]:
    """(header, record key, layers it applies to) for the measured values of the given layers."""
    out: dict[str, tuple[str, set[str]]] = {}
    for lid in layer_ids:
        for m in measures_for(lid):
            key = measure_key(m)
            out.setdefault(m.header, (key, set()))[1].add(lid)
    return [(h, k, lids) for h, (k, lids) in out.items()]


def inspection_headers(layer_ids) -> list[str]:
    """Header row of the 巡查记录 sheet for these layers."""
    f = INSPECTIONS.field
    fill = [f("checked_at").label, f("inspector").label, f("result").label, f("findings").label]
    tail = [f("lon").label, f("lat").label, f("photos").label]
    return [*_PREFILLED, *fill, *(h for h, _, _ in _measure_headers(layer_ids)), *tail]


def _key_text(row: dict, kind) -> str:
    parts = []
    for name in kind.key_fields:
        v = row.get(name)
        if v is None or (isinstance(v, float) and v != v) or str(v) == "":
            continue
        fld = kind.field(name)
        v = ("是" if v else "否") if isinstance(v, bool) else v
        parts.append(f"{fld.label}:{v}{fld.unit}")
    return "；".join(parts)


def add_field_sheets(wb, bundle) -> None:
    """Append the 巡查记录 sheet (and 行动任务 when the township has issued tasks) to a packet workbook."""
    _inspection_sheet(wb.create_sheet(INSPECTION_SHEET), bundle)
    root = bundle.context.get("workspace_root")
    if root is not None and bundle.selection.townships:
        from layers.records.tasks import open_tasks

        tasks = open_tasks(root, bundle.selection.townships)
        if len(tasks):
            _actions_sheet(wb.create_sheet(ACTIONS_SHEET), bundle, tasks)


def _title(ws, bundle, what: str) -> None:
    ws.append([what, bundle.place, "导出时间", bundle.stamp,
               "填写说明：黄色单元格为现场填写；按编号匹配，行可删除或调整顺序；不填的行不导入"])
    ws["A1"].font = Font(bold=True, size=13)


def _inspection_sheet(ws, bundle) -> None:
    _title(ws, bundle, INSPECTION_SHEET)
    layer_ids = list(bundle.sites)
    headers = inspection_headers(layer_ids)
    measures = _measure_headers(layer_ids)
    ws.append(headers)
    for cell in ws[2]:
        cell.font, cell.fill = _BOLD, _HEAD
    col = {h: i + 1 for i, h in enumerate(headers)}
    for lid, frame in bundle.sites.items():
        kind = get_kind(lid)
        for row in frame.drop(columns="geometry", errors="ignore").to_dict("records"):
            ws.append([kind.label, lid, row.get("id"), row.get("name"), row.get("village"), _key_text(row, kind)])
            r = ws.max_row
            for h in headers[len(_PREFILLED):]:
                ws.cell(r, col[h]).fill = _FILL
            for h, _key, lids in measures:
                if lid not in lids:
                    ws.cell(r, col[h]).fill = _NA
            ws.cell(r, col[INSPECTIONS.field("checked_at").label]).number_format = _TIME_FORMAT
    last = max(ws.max_row, 3)
    _validations(ws, col, last)
    ws.freeze_panes = "D3"
    widths = {"图层": 14, "图层编号": 4, "编号": 12, "名称": 28, "村(社区)": 12, "关键信息": 40, "巡查时间": 17,
              "巡查结果": 11, "发现问题": 30}
    for h, i in col.items():
        ws.column_dimensions[get_column_letter(i)].width = widths.get(h, 12)
    ws.column_dimensions[get_column_letter(col["图层编号"])].hidden = True


def _validations(ws, col: dict, last: int) -> None:
    result = DataValidation(type="list", formula1='"' + ",".join(InspectionResult) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="巡查结果", error="请从下拉列表中选择")
    letter = get_column_letter(col[INSPECTIONS.field("result").label])
    result.add(f"{letter}3:{letter}{last}")
    when = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                          showErrorMessage=True, errorTitle="巡查时间", error="请填日期时间，如 2026-05-03 09:30")
    letter = get_column_letter(col[INSPECTIONS.field("checked_at").label])
    when.add(f"{letter}3:{letter}{last}")
    ws.add_data_validation(result)
    ws.add_data_validation(when)


_TASK_HEADERS = ("任务编号", "乡镇", "预警", "措施", "图层", "编号", "名称", "内容", "计划转移人数",
                 "任务状态", "执行人", "反馈时间", "已转移人数", "情况说明")


def _actions_sheet(ws, bundle, tasks: pd.DataFrame) -> None:
    _title(ws, bundle, ACTIONS_SHEET)
    ws.append(list(_TASK_HEADERS))
    for cell in ws[2]:
        cell.font, cell.fill = _BOLD, _HEAD
    for t in tasks.to_dict("records"):
        ws.append([t["task_id"], t["township"], t["warning"], t["action"], t["layer_label"], t["id"], t["name"],
                   t["detail"], int(t["people"] or 0), t["status"] if t["status"] != TaskStatus.PENDING else None])
        for c in range(10, 15):
            ws.cell(ws.max_row, c).fill = _FILL
        ws.cell(ws.max_row, 12).number_format = _TIME_FORMAT
    dv = DataValidation(type="list", formula1='"' + ",".join(TaskStatus) + '"', allow_blank=True)
    dv.add(f"J3:J{max(ws.max_row, 3)}")
    ws.add_data_validation(dv)
    for i, w in enumerate((20, 10, 6, 18, 12, 10, 24, 40, 10, 10, 10, 17, 10, 30), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "B3"


# ---------------------------------------------------------------- reading back


def _rows(ws) -> tuple[list[str], list[tuple[int, tuple]]]:
    rows = list(ws.iter_rows(values_only=True))
    for i, row in enumerate(rows[:10]):
        texts = [str(v).strip() if v is not None else "" for v in row]
        if "编号" in texts or "任务编号" in texts:
            return texts, [(i + 2 + j, r) for j, r in enumerate(rows[i + 1:])]
    return [], []


def _frame(headers: list[str], rows: list[tuple[int, tuple]]) -> pd.DataFrame:
    width = len(headers)
    data = [(n, *((list(r) + [None] * width)[:width])) for n, r in rows]
    return pd.DataFrame(data, columns=["row", *headers]).loc[:, lambda d: ~d.columns.duplicated()]


def _is_blank(v) -> bool:
    return v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v) or str(v).strip() == ""


def _inspection_frame(ws) -> pd.DataFrame:
    headers, rows = _rows(ws)
    f = _frame(headers, rows)
    rename = {"图层编号": "layer", "编号": "site_id", "图层": "layer_label"}
    for fld in INSPECTIONS.fields:
        rename.setdefault(fld.label, fld.name)
    from layers.records.schema import MEASURES

    for fields in MEASURES.values():
        for m in fields:
            rename[m.header] = measure_key(m)
    f = f.rename(columns=rename)
    filled = [c for c in f.columns if c in {"checked_at", "inspector", "result", "findings", "lon", "lat", "photos"}
              or str(c).startswith("m_")]
    blank = f[filled].map(_is_blank).all(axis=1)
    return f[~blank].reset_index(drop=True)


def _task_frame(ws) -> pd.DataFrame:
    headers, rows = _rows(ws)
    f = _frame(headers, rows).rename(columns={fld.label: fld.name for fld in TASK_UPDATES.fields})
    f = f.rename(columns={"任务编号": "task_id"})
    filled = [c for c in ("status", "by", "at", "notes", "people_evacuated") if c in f.columns]
    blank = f[filled].map(_is_blank).all(axis=1)
    return f[~blank].reset_index(drop=True)


def read_packet(path: str | Path, data: bytes | None = None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The filled rows of a packet's 巡查记录 and 行动任务 sheets, and the township written in it."""
    import io

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data) if data is not None else path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise LayerFileError(f"{path}: 不是可读的 XLSX 工作簿（{exc}）") from None
    if INSPECTION_SHEET not in wb.sheetnames and ACTIONS_SHEET not in wb.sheetnames:
        raise LayerFileError(f"{path}: 没有“{INSPECTION_SHEET}”或“{ACTIONS_SHEET}”工作表；"
                             "请用乡镇导出的 XLSX 巡查包填写后导入")
    inspections = _inspection_frame(wb[INSPECTION_SHEET]) if INSPECTION_SHEET in wb.sheetnames else pd.DataFrame()
    tasks = _task_frame(wb[ACTIONS_SHEET]) if ACTIONS_SHEET in wb.sheetnames else pd.DataFrame()
    sheet = wb[INSPECTION_SHEET if INSPECTION_SHEET in wb.sheetnames else ACTIONS_SHEET]
    first: tuple = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    township = str(first[1]) if len(first) > 1 and first[1] else ""
    wb.close()
    return inspections, tasks, township
