"""Round trip of the township packet's 巡查记录 sheet: export, fill as a person would, import, import again."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from layers.access import Actor
from layers.records import INSPECTIONS, audit_log, read_records
from layers.records.importer import import_inspections
from layers.records.packet import INSPECTION_SHEET
from layers.selection import Selection
from layers.store.workspace import load_workspace

NOW = datetime.fromisoformat("2026-06-10T12:00:00+08:00")
ZHANG = Actor("张三", "乡镇编辑", "太平镇")


@pytest.fixture
def packet(sample_copy, tmp_path):
    from layers.exports import export_bytes

    ws = load_workspace(sample_copy)
    data = export_bytes(ws, Selection(townships=("太平镇",), layers=("geohazard", "flood_spot", "gas_risk")), "xlsx")
    path = tmp_path / "太平镇.xlsx"
    path.write_bytes(data)
    return ws, path


def _columns(sheet) -> dict[str, int]:
    return {c.value: c.column for c in sheet[2]}


def _fill(path):
    """Fill some rows like an inspector would (typed dates, drop-down values, measures); others stay blank."""
    wb = load_workbook(path)
    sh = wb[INSPECTION_SHEET]
    col = _columns(sh)
    rows = list(range(3, sh.max_row + 1))
    filled = {}
    plans = [
        ({"巡查时间": datetime(2026, 5, 3, 9, 30), "巡查人": "张三", "巡查结果": "正常", "裂缝宽度(mm)": 2.5}),
        ({"巡查时间": datetime(2026, 5, 4, 15, 0), "巡查人": "李四", "巡查结果": "发现隐患",
          "发现问题": "坡脚新增裂缝", "裂缝宽度(mm)": 12, "位移(mm)": 3}),
        ({"巡查时间": "2026-05-06 08:15", "巡查人": "王五", "巡查结果": "无法到达", "发现问题": "道路中断"}),
    ]
    for r, plan in zip(rows[::2], plans, strict=False):  # every other row; the rest stay blank
        for header, value in plan.items():
            if header in col:
                sh.cell(r, col[header]).value = value
        key = (sh.cell(r, col["图层编号"]).value, sh.cell(r, col["编号"]).value)
        filled[key] = plan
    # a person deletes the last row and sorts the sheet upside down: rows are matched by id
    sh.delete_rows(sh.max_row)
    values = [[c.value for c in row] for row in sh.iter_rows(min_row=3)]
    for i, row in enumerate(reversed(values)):
        for j, v in enumerate(row):
            sh.cell(3 + i, 1 + j).value = v
    wb.save(path)
    return filled


def test_packet_has_inspection_sheet_with_dropdown_and_measures(packet):
    _, path = packet
    wb = load_workbook(path)
    sh = wb[INSPECTION_SHEET]
    col = _columns(sh)
    assert {"图层", "编号", "名称", "村(社区)", "关键信息", "巡查时间", "巡查结果", "裂缝宽度(mm)", "积水深度(cm)",
            "物联设备在线"} <= set(col)
    lists = [dv.formula1 for dv in sh.data_validations.dataValidation if dv.type == "list"]
    assert '"正常,发现隐患,隐患已整改,无法到达"' in lists
    assert sh.max_row - 2 == 3 + 1 + 6  # 太平镇: 3 geohazard, 1 flood spot, 6 gas points
    assert not any(str(c.value).startswith("=") for row in sh.iter_rows() for c in row if c.value)


def test_round_trip_records_equal_what_was_filled(packet):
    ws, path = packet
    filled = _fill(path)
    first = import_inspections(ws, path, actor=ZHANG, now=NOW)
    assert (first.inspections.added, first.inspections.changed, len(first.rejects)) == (len(filled), 0, 0)
    stored = {(r["layer"], r["site_id"]): r for r in read_records(ws.root, INSPECTIONS)}
    assert set(stored) == set(filled)
    for key, plan in filled.items():
        rec = stored[key]
        when = plan["巡查时间"]
        when = when if isinstance(when, datetime) else datetime.fromisoformat(when)
        assert rec["checked_at"] == when.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        assert rec["inspector"] == plan["巡查人"]
        assert rec["result"] == plan["巡查结果"]
        assert rec["findings"] == plan.get("发现问题")
        assert rec.get("m_crack_width_mm") == plan.get("裂缝宽度(mm)")
        assert rec.get("m_displacement_mm") == plan.get("位移(mm)")
        assert rec["imported_by"] == "张三"

    again = import_inspections(ws, path, actor=ZHANG, now=NOW)
    assert (again.inspections.added, again.inspections.changed, again.inspections.version) == (0, 0, 0)
    assert read_records(ws.root, INSPECTIONS) == list(stored.values())
    log = audit_log(ws.root)
    assert [(e["actor"], e["added"], e["changed"]) for e in log] == [("张三", len(filled), 0), ("张三", 0, 0)]


def test_bad_rows_rejected_with_reasons_others_kept(packet):
    ws, path = packet
    wb = load_workbook(path)
    sh = wb[INSPECTION_SHEET]
    col = _columns(sh)
    cases = [
        ("巡查结果", "好", "可选值：正常、发现隐患、隐患已整改、无法到达"),
        ("巡查时间", datetime(2027, 1, 1, 8, 0), "晚于当前时间"),
        ("编号", "DZ9999", "“DZ9999” 在图层 geohazard 中不存在"),
    ]
    for r, (header, value, _) in zip((3, 4, 5), cases, strict=True):
        sh.cell(r, col["巡查时间"]).value = datetime(2026, 5, 3, 9, 30)
        sh.cell(r, col["巡查结果"]).value = "正常"
        sh.cell(r, col[header]).value = value
    sh.cell(6, col["巡查时间"]).value = datetime(2026, 5, 3, 9, 30)
    sh.cell(6, col["巡查结果"]).value = "正常"
    wb.save(path)
    report = import_inspections(ws, path, now=NOW)
    assert report.inspections.added == 1
    reasons = [r.line() for r in report.rejects]
    assert len(reasons) == 3
    for (_, _, expected), line in zip(cases, reasons, strict=True):
        assert expected in line


def test_other_township_sheet_matches_by_id(packet, sample_copy, tmp_path):
    ws, _ = packet
    from layers.exports import export_bytes

    other = tmp_path / "桂溪街道.xlsx"
    other.write_bytes(export_bytes(ws, Selection(townships=("桂溪街道",), layers=("geohazard",)), "xlsx"))
    wb = load_workbook(other)
    sh = wb[INSPECTION_SHEET]
    col = _columns(sh)
    sh.cell(3, col["巡查时间"]).value = datetime(2026, 5, 3, 9, 30)
    sh.cell(3, col["巡查结果"]).value = "正常"
    site = sh.cell(3, col["编号"]).value
    wb.save(other)
    report = import_inspections(ws, other, now=NOW)
    assert report.township == "桂溪街道"
    assert [r["site_id"] for r in read_records(ws.root, INSPECTIONS)] == [site]


def test_not_a_packet_is_one_error(packet, tmp_path):
    from layers.errors import LayerFileError

    ws, _ = packet
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"<html>not a workbook</html>")
    with pytest.raises(LayerFileError, match="不是可读的 XLSX"):
        import_inspections(ws, bad, now=NOW)
    assert read_records(ws.root, INSPECTIONS) == []
    _ = io
