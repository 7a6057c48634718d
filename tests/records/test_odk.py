"""XLSForm export (checked with pyxform) and ODK Central / KoboToolbox submissions coming back, with photos."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

import pytest
from PIL import Image

from layers.access import Actor
from layers.errors import LayerFileError
from layers.exports import collect_export
from layers.records import INSPECTIONS, read_records
from layers.records.attachments import attachment_path
from layers.records.importer import import_inspections
from layers.records.xlsform import render_entity_csv, render_xlsform, xlsform_sheets
from layers.selection import Selection
from layers.store.workspace import load_workspace

NOW = datetime.fromisoformat("2026-06-10T12:00:00+08:00")
pyxform = pytest.importorskip("pyxform")


def photo_bytes(fmt="JPEG", exif=True) -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    buf = io.BytesIO()
    kw = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "TestCam"  # Make: must not survive
        ex.get_ifd(0x8769)[0x9003] = "2026:05:03 09:31:00"
        ex.get_ifd(0x8825).update({1: "N", 2: (30.0, 16.0, 4.0), 3: "E", 4: (107.0, 20.0, 52.0)})
        kw["exif"] = ex
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner.bin", b"\0" * 20_000_000)
    return buf.getvalue()


@pytest.fixture
def ws(sample_copy):
    return load_workspace(sample_copy)


def test_xlsform_converts_with_pyxform(ws):
    from pyxform.xls2xform import convert

    bundle = collect_export(ws, Selection(townships=("太平镇",)))
    warnings: list[str] = []
    result = convert(io.BytesIO(render_xlsform(bundle)), warnings=warnings, file_type=".xlsx")
    assert "dianjiang_inspection" in result.xform and "r1." in result.xform
    sheets = xlsform_sheets(bundle)
    sites = [r for r in sheets["choices"] if r[0] == "site"]
    assert len(sites) == bundle.total and sites[0][:2] == ("site", "geohazard.DZ0001")
    assert {"survey", "choices", "settings"} == set(sheets)
    entities = list(csv.reader(io.StringIO(render_entity_csv(bundle).decode("utf-8"))))
    assert entities[0][:2] == ["name", "label"] and len(entities) == bundle.total + 1
    assert not warnings or all("max-pixels" not in w for w in warnings)


def _version(ws):
    bundle = collect_export(ws, Selection(townships=("太平镇",)), now=NOW)
    return next(r for r in xlsform_sheets(bundle)["survey"] if r[1] == "form_version")[5].strip("'")


def _write_csv(path, header, rows, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)


def test_odk_central_zip_with_media_imports_and_is_idempotent(ws, tmp_path):
    v = _version(ws)
    header = ["SubmissionDate", "form_version", "start", "inspector", "inspection-site", "inspection-checked_at",
              "inspection-result", "inspection-findings", "inspection-crack_width_mm", "inspection-location-Latitude",
              "inspection-location-Longitude", "inspection-location-Altitude", "inspection-location-Accuracy",
              "inspection-photo1", "inspection-photo2", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName",
              "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
    rows = [
        ["2026-05-03T01:40:00.000Z", v, "", "张三", "geohazard.DZ0001", "2026-05-03T09:30:00.000+08:00", "发现隐患",
         "裂缝", "8.5", "30.2679", "107.3480", "300", "5", "a.jpg", "evil.jpg", "uuid:1111", "uuid:1111", "5",
         "张三", "2", "2", "", "", "", "0", v],
        ["2026-05-03T02:40:00.000Z", v, "", "李四", "geohazard.DZ9999", "2026-05-03T10:30:00.000+08:00", "正常",
         "", "", "", "", "", "", "", "", "uuid:2222", "uuid:2222", "5", "李四", "0", "0", "", "", "", "0", v],
    ]
    csv_path = tmp_path / "dianjiang_inspection.csv"
    _write_csv(csv_path, header, rows)
    export = tmp_path / "dianjiang_inspection.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.write(csv_path, "dianjiang_inspection.csv")
        zf.writestr("media/a.jpg", photo_bytes())
        zf.writestr("media/evil.jpg", b"<html><script>alert(1)</script></html>")
    report = import_inspections(ws, export, actor=Actor("审核员", "县级编辑"), now=NOW)
    assert report.inspections.added == 1
    assert [r.site_id for r in report.rejects] == ["DZ9999"]
    assert report.photos_stored == 1
    assert "evil.jpg" in report.photo_rejects[0].reason and "不是可识别" in report.photo_rejects[0].reason
    rec = read_records(ws.root, INSPECTIONS)[0]
    assert rec["result"] == "发现隐患" and rec["m_crack_width_mm"] == 8.5 and rec["inspector"] == "张三"
    assert rec["checked_at"] == "2026-05-03T09:30:00+08:00"
    assert rec["photo_taken_at"] == "2026-05-03 09:31:00" and rec["photo_lat"] == pytest.approx(30.2678, abs=1e-3)
    stored = attachment_path(ws.root, "geohazard", "DZ0001", rec["photos"][0])
    with Image.open(stored) as img:
        assert not dict(img.getexif())  # EXIF stripped from the stored copy
    again = import_inspections(ws, export, now=NOW)
    assert (again.inspections.added, again.inspections.changed) == (0, 0)


def test_kobo_csv_semicolon_groups_uuid_and_media_folder(ws, tmp_path):
    v = _version(ws)
    header = ["start", "inspector", "inspection/site", "inspection/checked_at", "inspection/result",
              "inspection/water_depth_cm", "inspection/location", "_inspection/location_latitude",
              "_inspection/location_longitude", "inspection/photo1", "inspection/photo1_URL", "inspection/photo2",
              "form_version", "_id", "_uuid", "_submission_time", "_validation_status", "__version__", "_index"]
    flood = ws.layers["flood_spot"]
    fid = flood.loc[flood["township"] == "太平镇", "id"].iloc[0]
    rows = [["", "王五", f"flood_spot.{fid}", "2026-05-04T08:00:00.000+08:00", "正常", "12", "", "", "",
             "p.png", "http://kobo/p.png", "bomb.jpg", v, "77", "abcd-uuid", "2026-05-04T00:05:00", "",
             "vKoboXyz", "1"]]
    media = tmp_path / "media"
    media.mkdir()
    (media / "p.png").write_bytes(photo_bytes("PNG", exif=False))
    (media / "bomb.jpg").write_bytes(zip_bomb())
    path = tmp_path / "kobo.csv"
    _write_csv(path, header, rows, delimiter=";")
    report = import_inspections(ws, path, now=NOW)
    assert report.inspections.added == 1 and not report.rejects
    assert report.photos_stored == 1 and "bomb.jpg" in report.photo_rejects[0].reason
    rec = read_records(ws.root, INSPECTIONS)[0]
    assert (rec["layer"], rec["site_id"], rec["m_water_depth_cm"], rec["inspector"]) == ("flood_spot", fid, 12.0, "王五")
    assert attachment_path(ws.root, "flood_spot", fid, rec["photos"][0]).exists()
    assert import_inspections(ws, path, now=NOW).inspections.added == 0


def test_unknown_form_version_is_one_clear_error(ws, tmp_path):
    path = tmp_path / "old.csv"
    _write_csv(path, ["form_version", "inspection-site", "meta-instanceID"], [["2019.1", "geohazard.DZ0001", "u"]])
    with pytest.raises(LayerFileError, match=r"表单版本 “2019\.1” 未知"):
        import_inspections(ws, path, now=NOW)
    other = tmp_path / "other.csv"
    _write_csv(other, ["name", "age"], [["x", "1"]])
    with pytest.raises(LayerFileError, match="没有 form_version 列"):
        import_inspections(ws, other, now=NOW)
    assert read_records(ws.root, INSPECTIONS) == []


def test_huge_png_is_refused_as_decompression_bomb(ws):
    from layers.records.attachments import PhotoRejected, store_photo

    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, format="PNG")  # 81 MP, a few KB on disk
    with pytest.raises(PhotoRejected, match="解压炸弹"):
        store_photo(ws.root, "geohazard", "DZ0001", "x", buf.getvalue())


def test_task_reports_through_the_xlsform_route(ws, tmp_path, capsys):
    from layers.records.tasks import event_tasks, issue_event
    from riskmodel.scenario import run_scenario
    from riskmodel.warning import WarningColor

    result = run_scenario(ws, None, {"太平镇": WarningColor.RED}, source="test")
    issue_event(ws.root, result.actions, name="演练", warnings={"太平镇": "红"})
    bundle = collect_export(ws, Selection(townships=("太平镇",)), now=NOW)
    sheets = xlsform_sheets(bundle)
    assert any(r[0] == "task" for r in sheets["choices"]) and any(r[1] == "task" for r in sheets["survey"])
    tid = event_tasks(ws.root)["task_id"].iloc[0]
    header = ["form_version", "inspector", "report", "inspection-site", "task_report-task", "task_report-task_status",
              "task_report-task_people", "task_report-task_notes", "meta-instanceID"]
    path = tmp_path / "odk.csv"
    _write_csv(path, header, [[_version(ws), "网格员", "task", "", tid, "执行中", "12", "正在转移", "uuid:t1"],
                              [_version(ws), "网格员", "task", "", "RW0000", "已完成", "", "", "uuid:t2"]])
    report = import_inspections(ws, path, now=NOW)
    assert report.tasks.added == 1 and [r.site_id for r in report.rejects] == ["RW0000"]
    row = event_tasks(ws.root).set_index("task_id").loc[tid]
    assert (row["status"], row["people_evacuated"], row["by"]) == ("执行中", 12.0, "网格员")


def test_inspections_status_cli(ws, capsys):
    from riskmap.cli.main import main

    assert main(["inspections", "status", "--workspace", str(ws.root), "--date", "2026-05-03", "--json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert len(doc["townships"]) == 26 and all(t["done"] == 0 for t in doc["townships"])
