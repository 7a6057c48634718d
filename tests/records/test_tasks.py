"""Warning tasks: issue a 红 scenario for one township, report half the tasks done through the packet and
one through the phone page's route; the counts show in the task summary, the flood page and the briefing."""

from __future__ import annotations

import subprocess
from datetime import datetime

from openpyxl import load_workbook

from layers.access import Actor
from layers.exports import export_bytes
from layers.records.importer import import_inspections, import_rows
from layers.records.packet import ACTIONS_SHEET
from layers.records.tasks import event_tasks, task_summary
from layers.selection import Selection
from layers.store.workspace import load_workspace
from riskmap.cli.main import main

NOW = datetime.fromisoformat("2026-07-12T20:00:00+08:00")


def test_issue_report_and_count(sample_copy, tmp_path, capsys):
    assert main(["scenario", "--workspace", str(sample_copy), "--warning", "太平镇=红", "--issue", "7·12暴雨",
                 "--out", str(tmp_path / "sc")]) == 0
    ws = load_workspace(sample_copy)
    tasks = event_tasks(ws.root)
    assert len(tasks) >= 2 and set(tasks["township"]) == {"太平镇"}
    assert tasks["task_id"].is_unique and set(tasks["status"]) == {"待执行"}
    # issuing again under the same name keeps the task ids
    assert main(["scenario", "--workspace", str(sample_copy), "--warning", "太平镇=红", "--issue", "7·12暴雨",
                 "--out", str(tmp_path / "sc2")]) == 0
    assert list(event_tasks(ws.root)["task_id"]) == list(tasks["task_id"])

    packet = tmp_path / "太平镇.xlsx"
    packet.write_bytes(export_bytes(ws, Selection(townships=("太平镇",), layers=("geohazard",)), "xlsx"))
    wb = load_workbook(packet)
    sh = wb[ACTIONS_SHEET]
    head = {c.value: c.column for c in sh[2]}
    half = len(tasks) // 2
    evac_planned = 0
    for r in range(3, 3 + half):
        sh.cell(r, head["任务状态"]).value = "已完成"
        sh.cell(r, head["执行人"]).value = "村干部甲"
        sh.cell(r, head["反馈时间"]).value = datetime(2026, 7, 12, 18, 0)
        planned = sh.cell(r, head["计划转移人数"]).value or 0
        sh.cell(r, head["已转移人数"]).value = planned
        evac_planned += planned
    wb.save(packet)
    report = import_inspections(ws, packet, actor=Actor("乡镇值班员", "乡镇编辑", "太平镇"), now=NOW)
    assert report.tasks.added == half and not report.rejects
    assert import_inspections(ws, packet, now=NOW).tasks.added == 0  # idempotent

    rest = event_tasks(ws.root)
    todo = rest[rest["status"] == "待执行"].iloc[0]
    phone = import_rows(ws, [], tasks=[{"task_id": todo["task_id"], "status": "已完成", "by": "网格员乙",
                                        "at": "2026-07-12T19:00:00+08:00", "people_evacuated": todo["people"]}],
                        now=NOW)
    assert phone.tasks.added == 1
    s = task_summary(ws.root).set_index("township").loc["太平镇"]
    assert (s["tasks_done"], s["tasks_total"]) == (half + 1, len(tasks))
    assert s["people_confirmed"] == evac_planned + int(todo["people"] or 0)
    assert s["people_planned"] == int(tasks["people"].sum())

    # the briefing (PDF text) shows the counts
    assert main(["scenario", "--workspace", str(sample_copy), "--warning", "太平镇=红", "--issue", "7·12暴雨",
                 "--out", str(tmp_path / "sc3")]) == 0
    text = subprocess.run(["pdftotext", str(tmp_path / "sc3" / "briefing.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "任务完成" in text and f"{half + 1}/{len(tasks)}" in text
    capsys.readouterr()


def test_flood_page_shows_task_progress(sample_copy, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    assert main(["scenario", "--workspace", str(sample_copy), "--warning", "太平镇=红", "--issue", "演练",
                 "--out", str(tmp_path / "sc")]) == 0
    ws = load_workspace(sample_copy)
    tid = event_tasks(ws.root)["task_id"].iloc[0]
    import_rows(ws, [], tasks=[{"task_id": tid, "status": "已完成", "at": "2026-07-12T19:00:00+08:00"}], now=NOW)
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(sample_copy))
    at = AppTest.from_function(_flood_page, default_timeout=120).run()
    assert not at.exception
    assert any("任务执行情况" in s.value for s in at.subheader)
    frames = [df.value for df in at.dataframe if "任务完成" in df.value.columns]
    row = frames[0].set_index("乡镇").loc["太平镇"]
    assert row["任务完成"] == f"1/{len(event_tasks(ws.root))}"


def _flood_page():
    from riskmap.ui import flood

    flood.render()


def test_export_overdue_only(sample_copy, tmp_path, capsys):
    ws = load_workspace(sample_copy)
    geo = ws.layers["geohazard"]
    ids = list(geo.loc[geo["township"] == "太平镇", "id"])
    import_rows(ws, [{"layer": "geohazard", "site_id": ids[0], "checked_at": "2026-05-02T09:00:00+08:00",
                      "result": "正常"}], now=NOW)
    out = tmp_path / "overdue.csv"
    assert main(["export", "--workspace", str(sample_copy), "--township", "太平镇", "--layers", "geohazard",
                 "--overdue", "--date", "2026-05-03", "--format", "csv", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert ids[0] not in text and all(i in text for i in ids[1:])
    capsys.readouterr()


def test_phone_page_reports_a_task_and_an_inspection(sample_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from layers.records import INSPECTIONS, read_records
    from layers.records.tasks import issue_event
    from riskmodel.scenario import run_scenario
    from riskmodel.warning import WarningColor

    ws = load_workspace(sample_copy)
    result = run_scenario(ws, None, {"太平镇": WarningColor.RED}, source="test")
    issue_event(ws.root, result.actions, name="演练", warnings={"太平镇": "红"})
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(sample_copy))
    at = AppTest.from_function(_inspect_page, default_timeout=120).run()
    assert not at.exception
    first = event_tasks(ws.root).iloc[0]
    at.selectbox(key="task_town").select("太平镇").run()
    at.radio(key="task_status").set_value("已完成")
    at.number_input(key="task_people").set_value(int(first["people"] or 0))
    at.button(key="task_send").click().run()
    assert not at.exception
    assert event_tasks(ws.root).set_index("task_id").loc[first["task_id"], "status"] == "已完成"
    # an inspection through the same page (search, pick, result, submit)
    at.text_input(key="inspect_query").input("DZ0001").run()
    at.radio(key="inspect_result").set_value("隐患已整改")
    at.button[[b.label for b in at.button].index("提交巡查记录")].click().run()
    assert not at.exception
    assert any("新增 1 条" in s.value for s in at.success)
    assert [r["result"] for r in read_records(ws.root, INSPECTIONS)] == ["隐患已整改"]


def _inspect_page():
    from riskmap.ui import inspect_page

    inspect_page.render()
