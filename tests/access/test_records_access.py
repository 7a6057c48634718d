"""Field records, plan progress and issued tasks take the acting user: a 乡镇编辑 records only their own
township (the rest 非本乡镇数据), 查看 / 领导 are refused with nothing written, plan progress and issuing
tasks are county-wide editors only; the user is in the record and in ``riskmap audit``."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from layers.access import AccessDeniedError, accounts, find_user, read_audit, verify_audit
from layers.access.audit import audit_path
from layers.access.guard import NOT_OWN_TOWNSHIP
from layers.exports import export_bytes
from layers.records import INSPECTIONS, TASK_UPDATES, read_records
from layers.records.importer import import_inspections, import_rows
from layers.records.packet import INSPECTION_SHEET
from layers.records.store import records_path
from layers.records.tasks import TASK_COLUMNS, issue_event, list_events
from layers.selection import Selection
from layers.store.workspace import load_workspace
from riskmap.cli.main import main
from riskmodel.planfile import PROGRESS_FILE, load_plan, read_progress, set_progress
from tests.access.conftest import BAIJIA, PASSWORD, TAIPING
from tests.riskmodel.plan_fixture import write_plan_workspace

NOW = datetime.fromisoformat("2026-06-10T12:00:00+08:00")


def _actor(root, name):
    return find_user(root, name).actor


def _site(ws, town: str) -> str:
    geo = ws.layers["geohazard"]
    return str(geo.loc[geo["township"] == town, "id"].iloc[0])


def _row(site_id: str, hour: int) -> dict:
    return {"layer": "geohazard", "site_id": site_id, "checked_at": f"2026-05-03T{hour:02d}:00:00+08:00",
            "inspector": "纸面巡查人", "result": "正常"}


def test_township_editor_records_own_township_and_the_rest_is_rejected(with_users):
    ws = load_workspace(with_users)
    own, other = _site(ws, TAIPING), _site(ws, BAIJIA)
    report = import_rows(ws, [_row(own, 9), _row(other, 10)], actor=_actor(with_users, "tp"), now=NOW)
    assert report.inspections.added == 1
    assert [(r.site_id, r.field) for r in report.rejects] == [(other, "township")]
    assert NOT_OWN_TOWNSHIP in report.rejects[0].reason and BAIJIA in report.rejects[0].reason
    (rec,) = read_records(with_users, INSPECTIONS)
    assert (rec["site_id"], rec["imported_by"], rec["inspector"]) == (own, "tp", "纸面巡查人")
    (line,) = read_audit(with_users, action="inspection_import")
    assert (line["user"], line["target"]) == ("tp", INSPECTIONS.id)
    assert (line["detail"]["added"], line["detail"]["rejected"], line["detail"]["source"]) == (1, 1, "phone")
    assert verify_audit(with_users).ok


@pytest.mark.parametrize("who", ["viewer", "boss"])
def test_viewer_and_leadership_may_not_record_and_nothing_is_written(with_users, tmp_path, who):
    ws = load_workspace(with_users)
    before = audit_path(with_users).read_bytes()
    with pytest.raises(AccessDeniedError, match=f"用户 {who}.*无权录入巡查记录"):
        import_rows(ws, [_row(_site(ws, TAIPING), 9)], actor=_actor(with_users, who), now=NOW)
    with pytest.raises(AccessDeniedError):
        import_inspections(ws, tmp_path / "packet.xlsx", actor=_actor(with_users, who), now=NOW)
    assert not records_path(with_users, INSPECTIONS).exists() and not (with_users / "records").exists()
    assert audit_path(with_users).read_bytes() == before


def _two_township_actions() -> pd.DataFrame:
    rows = [{"township": town, "warning": "红", "action": "转移", "key": "evacuate", "layer": "geohazard",
             "id": f"DZ{i}", "name": f"点{i}", "detail": "转移群众", "people": 3} for i, town in
            enumerate((TAIPING, BAIJIA))]
    return pd.DataFrame(rows, columns=[c for c in TASK_COLUMNS if c != "task_id"])


def test_issuing_tasks_is_county_wide_and_task_reports_keep_to_the_township(with_users):
    for who in ("tp", "viewer"):
        with pytest.raises(AccessDeniedError, match="无权发布预警任务"):
            issue_event(with_users, _two_township_actions(), name="演练", warnings={}, actor=_actor(with_users, who))
    assert list_events(with_users) == []
    doc = issue_event(with_users, _two_township_actions(), name="演练", warnings={TAIPING: "红"},
                      actor=_actor(with_users, "county"))
    assert doc["issued_by"] == "county"
    assert [(e["user"], e["target"]) for e in read_audit(with_users, action="task_issue")] == [
        ("county", doc["event_id"])]
    by_town = {t["township"]: t["task_id"] for t in doc["tasks"]}
    reports = [{"task_id": by_town[town], "status": "已完成", "at": "2026-06-10T11:00:00+08:00"}
               for town in (TAIPING, BAIJIA)]
    report = import_rows(load_workspace(with_users), [], tasks=reports, actor=_actor(with_users, "tp"), now=NOW)
    assert report.tasks.added == 1 and [r.site_id for r in report.rejects] == [by_town[BAIJIA]]
    assert NOT_OWN_TOWNSHIP in report.rejects[0].reason
    (stored,) = read_records(with_users, TASK_UPDATES)
    assert (stored["task_id"], stored["imported_by"]) == (by_town[TAIPING], "tp")
    assert verify_audit(with_users).ok


@pytest.fixture
def plan_users(tmp_path):
    root = write_plan_workspace(tmp_path / "plan")
    for name, role, town in (("tp", "乡镇编辑", "甲街道"), ("county", "县级编辑", None), ("viewer", "查看", None)):
        accounts.add_user(root, name, PASSWORD, role, town)
    return root


def test_plan_progress_is_county_wide_editors_only(plan_users, capsys):
    root = plan_users
    w = ["-w", str(root)]
    for who in ("tp", "viewer"):
        assert main(["plan", "set", "pipe_km", "54", "--note", "验收单", "--user", who, *w]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"用户 {who}" in err and "无权填报年度任务进度" in err
    with pytest.raises(AccessDeniedError):
        set_progress(root, load_plan(root), "pipe_km", 54, "验收单", actor=_actor(root, "tp"))
    assert not (root / PROGRESS_FILE).exists()
    assert main(["plan", "set", "pipe_km", "54", "--note", "验收单", "--user", "county", *w]) == 0
    assert "填报人 county" in capsys.readouterr().out
    (entry,) = read_progress(root)
    assert entry["actor"] == "county"
    (line,) = read_audit(root, action="plan_progress")
    assert (line["user"], line["target"], line["detail"]["value"], line["detail"]["note"]) == (
        "county", "pipe_km", 54.0, "验收单")
    assert main(["audit", "verify", *w]) == 0


def test_scenario_issue_refused_for_a_viewer_before_anything_is_written(with_users, tmp_path, capsys):
    out = tmp_path / "sc"
    code = main(["scenario", "-w", str(with_users), "--warning", "all=红", "--issue", "演练", "--out", str(out),
                 "--user", "viewer"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "无权发布预警任务" in err
    assert not out.exists() and list_events(with_users) == []


def _filled_packet(ws, path):
    """A county packet with every 巡查记录 row filled (sites of both townships)."""
    path.write_bytes(export_bytes(ws, Selection(layers=("geohazard",)), "xlsx"))
    wb = load_workbook(path)
    sh = wb[INSPECTION_SHEET]
    col = {c.value: c.column for c in sh[2]}
    for r in range(3, sh.max_row + 1):
        sh.cell(r, col["巡查时间"]).value = datetime(2026, 5, 3, 9, r)
        sh.cell(r, col["巡查人"]).value = "王五"
        sh.cell(r, col["巡查结果"]).value = "正常"
    wb.save(path)


def test_cli_user_is_in_the_records_and_in_riskmap_audit(with_users, tmp_path, capsys):
    ws = load_workspace(with_users)
    packet = tmp_path / "packet.xlsx"
    _filled_packet(ws, packet)
    geo = ws.layers["geohazard"]
    own = set(geo.loc[geo["township"] == TAIPING, "id"].astype(str))
    w = ["-w", str(with_users)]
    assert main(["inspections", "import", str(packet), "--user", "tp", *w]) == 3  # other township rejected
    out = capsys.readouterr().out
    assert NOT_OWN_TOWNSHIP in out
    recs = read_records(with_users, INSPECTIONS)
    assert {r["site_id"] for r in recs} == own and {r["imported_by"] for r in recs} == {"tp"}
    assert {r["inspector"] for r in recs} == {"王五"}
    assert main(["audit", "--user", "tp", "--action", "inspection_import", "--json", *w]) == 0
    (line,) = json.loads(capsys.readouterr().out)
    assert line["detail"]["source"] == "packet.xlsx" and line["detail"]["added"] == len(own)
    assert line["detail"]["rejected"] == len(geo) - len(own)
    assert main(["audit", *w]) == 0 and "巡查导入" in capsys.readouterr().out
    assert main(["inspections", "import", str(packet), "--user", "viewer", *w]) == 2
    assert "无权录入巡查记录" in capsys.readouterr().err
    assert main(["audit", "verify", *w]) == 0


@pytest.mark.parametrize("script", ["inspect_page.render()", "data.render()"])
def test_pages_tell_a_viewer_they_cannot_submit(with_users, monkeypatch, script):
    from streamlit.testing.v1 import AppTest

    from riskmap.ui.auth import ACTOR_KEY

    monkeypatch.setenv("RISKMAP_WORKSPACE", str(with_users))
    module = script.split(".")[0]
    at = AppTest.from_string(f"from riskmap.ui import {module}\n{script}\n", default_timeout=60)
    at.session_state[ACTOR_KEY] = _actor(with_users, "viewer")  # what the login gate sets
    at.run()
    assert not at.exception
    assert any("只读账户" in i.value and "不能" in i.value for i in at.info)
    assert not [b for b in at.button if b.key in ("ins_go", "task_send")]
    assert not [x for x in at.text_input if x.key == "inspect_inspector"]  # no report form
    assert not [x for x in at.get("file_uploader") if x.proto.id and "ins_upload" in x.proto.id]
