"""Importing registries from messy files: accepted rows saved, rejected rows explained, nothing lost."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import orjson
import pandas as pd
import pytest

from layers.coords import to_metric, wgs84_to_gcj02
from layers.errors import ImportConflictError, ImportRefusedError, LayerFileError
from layers.imports.importer import (
    apply_import,
    plan_import,
    write_rejects,
)
from layers.store.io import read_raw_layer
from layers.store.workspace import layer_history, layer_path, load_workspace
from tests.layers.import_fixtures import (
    EAST_NAME,
    WEST_NAME,
    gcj_shifted,
    shelter_rows,
    write_csv,
    write_kmz,
    write_messy_xlsx,
    write_shapefile_zip,
    write_workspace,
)


@pytest.fixture
def ws(tmp_path):
    return load_workspace(write_workspace(tmp_path / "ws"), layers=())


def _stored(ws, layer="shelter") -> dict[str, dict]:
    doc = orjson.loads(layer_path(ws.root, layer).read_bytes())
    return {f["properties"]["id"]: f for f in doc["features"]}


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    x1, y1 = to_metric(np.asarray(lon1), np.asarray(lat1))
    x2, y2 = to_metric(np.asarray(lon2), np.asarray(lat2))
    return np.hypot(x1 - x2, y1 - y2)


# ---------------------------------------------------------------- messy files


def test_gb18030_csv_rows_checked_one_by_one(ws, tmp_path):
    rows = shelter_rows(6)
    rows[1]["经度"], rows[1]["纬度"] = rows[1]["纬度"], rows[1]["经度"]  # swapped
    rows[2]["场所名称"] = None  # missing name
    rows[3]["经度"] = 108.5  # outside the county
    rows[4]["可容纳人数"] = "约200"  # not a number
    path = write_csv(tmp_path / "台账.csv", rows, "gb18030")
    plan = plan_import(ws, "shelter", path)
    assert plan.accepted == 2 and [r.row for r in plan.rejected] == [3, 4, 5, 6]
    reasons = {r.row: " ".join(r.reasons) for r in plan.rejected}
    assert "颠倒" in reasons[3] and "名称(name)" in reasons[4] and "县域范围之外" in reasons[5]
    assert "可容纳人数(capacity_people)" in reasons[6] and "约200" in reasons[6]
    assert plan.reject_lines()[0].startswith("台账.csv: 第 3 行（编号 BN-0002）: 位置(经纬度)")
    v = apply_import(plan)
    assert v.count == 2 and sorted(_stored(ws)) == ["BN-0001", "BN-0006"]
    assert _stored(ws)["BN-0001"]["properties"]["capacity_people"] == 100


def test_rejects_file_keeps_raw_values_and_reason(ws, tmp_path):
    rows = shelter_rows(3)
    rows[1]["可容纳人数"] = "约200"
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "r.csv", rows, "gb18030"))
    out = write_rejects(plan, tmp_path / "out" / "rejects.csv")
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == ["行号", *rows[0].keys(), "原因"]
    assert back["可容纳人数"].tolist() == ["约200"] and back["行号"].tolist() == ["3"]
    assert "应为整数" in back["原因"].iat[0]


def test_messy_xlsx_import_and_xlsx_rejects(ws, tmp_path):
    rows = shelter_rows(5)
    rows[4]["场所类别"] = "临时"
    plan = plan_import(ws, "shelter", write_messy_xlsx(tmp_path / "m.xlsx", rows))
    assert plan.accepted == 4 and [r.row for r in plan.rejected] == [10]
    assert "可选值：紧急" in plan.rejected[0].reasons[0]
    name, data = write_rejects(plan).name, write_rejects(plan).read_bytes()
    assert name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(write_rejects(plan)).active
    header = [c.value for c in sheet[1]]
    assert header[0] == "行号" and header[-1] == "原因" and sheet.cell(2, 1).value == 10
    assert data[:2] == b"PK"
    apply_import(plan)
    assert _stored(ws)["BN-0002"]["properties"]["township"] == WEST_NAME  # derived from the location


def test_gcj02_coordinates_converted_within_one_metre(ws, tmp_path):
    rows = shelter_rows(8)
    path = write_csv(tmp_path / "gcj.csv", gcj_shifted(rows))
    apply_import(plan_import(ws, "shelter", path, crs="gcj02"))
    stored = _stored(ws)
    got = np.array([stored[r["编号"]]["geometry"]["coordinates"] for r in rows])
    true = np.array([(r["经度"], r["纬度"]) for r in rows])
    assert _metres(got[:, 0], got[:, 1], true[:, 0], true[:, 1]).max() < 1.0


def test_gcj02_declared_as_wgs84_gets_a_hint_from_townships(ws, tmp_path):
    rows = [
        {**r, "经度": round(107.3358 + 0.0004 * k, 6), "所在乡镇(街道)": WEST_NAME}
        for k, r in enumerate(shelter_rows(8))
    ]  # just west of the boundary at 107.34
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "g.csv", gcj_shifted(rows)))
    assert any("--crs gcj02" in h and "所填乡镇" in h for h in plan.hints)
    honest = plan_import(ws, "shelter", write_csv(tmp_path / "w.csv", rows))
    assert not any("gcj02" in h for h in honest.hints)


def test_gcj02_declared_as_wgs84_gets_a_hint_from_the_layer(ws, tmp_path):
    rows = shelter_rows(6)
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "w.csv", rows)))
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "g.csv", gcj_shifted(rows)))
    hint = next(h for h in plan.hints if "整体偏移" in h)
    assert "--crs gcj02" in hint
    shift = float(hint.split("约 ")[1].split(" 米")[0])
    lon, lat = rows[0]["经度"], rows[0]["纬度"]
    assert shift == pytest.approx(float(_metres(lon, lat, *wgs84_to_gcj02(lon, lat))), rel=0.1)


def test_whole_columns_swapped_hint(ws, tmp_path):
    rows = [{**r, "经度": r["纬度"], "纬度": r["经度"]} for r in shelter_rows(4)]
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "s.csv", rows))
    assert plan.accepted == 0 and any("整体对调" in h for h in plan.hints)


def test_metres_in_degree_columns_hint(ws, tmp_path):
    rows = shelter_rows(3)
    for r in rows:
        x, y = to_metric(r["经度"], r["纬度"])
        r["经度"], r["纬度"] = round(float(x), 2), round(float(y), 2)
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "m.csv", rows))
    assert plan.accepted == 0 and any("EPSG:4545" in h for h in plan.hints)
    fixed = plan_import(ws, "shelter", write_csv(tmp_path / "m.csv", rows), crs="EPSG:4545")
    assert fixed.accepted == 3 and not fixed.hints


def test_dms_coordinates(ws, tmp_path):
    rows = shelter_rows(1)
    rows[0]["经度"], rows[0]["纬度"] = "107°18'18\"", "30度18分18秒"
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "d.csv", rows)))
    lon, lat = _stored(ws)["BN-0001"]["geometry"]["coordinates"]
    assert lon == pytest.approx(107.305) and lat == pytest.approx(30.305)


def test_unreadable_coordinate_names_row_and_column(ws, tmp_path):
    rows = shelter_rows(2)
    rows[1]["纬度"] = "三十度"
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "c.csv", rows))
    assert plan.rejected[0].row == 3 and "纬度: 纬度“三十度”无法识别" in plan.rejected[0].reasons[0]


def test_duplicate_ids_inside_the_file(ws, tmp_path):
    rows = shelter_rows(3)
    rows.append({**rows[0], "场所名称": "另一个"})
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "d.csv", rows))
    assert [r.row for r in plan.rejected] == [2, 5]
    assert "第 2、5 行" in plan.rejected[0].reasons[0]


def test_duplicate_ids_against_the_layer(ws, tmp_path):
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "a.csv", shelter_rows(3))))
    rows = shelter_rows(4)
    rows[0]["可容纳人数"] = 999
    append = plan_import(ws, "shelter", write_csv(tmp_path / "b.csv", rows), mode="append")
    assert append.accepted == 1 and [r.id for r in append.rejected] == ["BN-0001", "BN-0002", "BN-0003"]
    assert "已存在于图层中" in append.rejected[0].reasons[0]
    upsert = plan_import(ws, "shelter", write_csv(tmp_path / "b.csv", rows), mode="upsert")
    assert upsert.diff.added == ["BN-0004"] and list(upsert.diff.changed) == ["BN-0001"]
    change = upsert.diff.changed["BN-0001"][0]
    assert (change.field, change.old, change.new) == ("capacity_people", 100, 999)
    assert upsert.diff.unchanged == 2


def test_upsert_keeps_columns_absent_from_the_file(ws, tmp_path):
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "a.csv", shelter_rows(2))))
    rows = [
        {"编号": r["编号"], "名称": r["场所名称"], "经度": r["经度"], "纬度": r["纬度"], "状态": "停用"}
        for r in shelter_rows(2)
    ]
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "b.csv", rows)))
    props = _stored(ws)["BN-0002"]["properties"]
    assert props["status"] == "停用" and props["capacity_people"] == 101 and props["shelter_class"] == "紧急"


def test_replace_mode_removes_and_reports(ws, tmp_path):
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "a.csv", shelter_rows(3))))
    rows = shelter_rows(4)[2:]  # BN-0003 as stored, BN-0004 new
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "b.csv", rows), mode="replace")
    assert plan.diff.removed == ["BN-0001", "BN-0002"] and plan.diff.added == ["BN-0004"]
    assert plan.diff.unchanged == 1 and not plan.diff.changed
    apply_import(plan)
    assert sorted(_stored(ws)) == ["BN-0003", "BN-0004"]


def test_unknown_columns_kept_and_reported(ws, tmp_path):
    rows = [{**r, "巡查员": "张三"} for r in shelter_rows(2)]
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "u.csv", rows))
    assert plan.headers.unknown == ("巡查员",) and any("巡查员" in n for n in plan.notes)
    apply_import(plan)
    assert _stored(ws)["BN-0001"]["properties"]["巡查员"] == "张三"


def test_shapefile_in_epsg4545(ws, tmp_path):
    rows = shelter_rows(4)
    plan = plan_import(ws, "shelter", write_shapefile_zip(tmp_path / "s.zip", rows))
    assert plan.accepted == 4 and plan.crs.label == "EPSG:4545"
    apply_import(plan)
    stored = _stored(ws)
    for r in rows:
        lon, lat = stored[r["编号"]]["geometry"]["coordinates"]
        assert float(_metres(lon, lat, r["经度"], r["纬度"])) < 0.01
    assert stored["BN-0001"]["properties"]["capacity_people"] == 100


def test_kmz_import(ws, tmp_path):
    plan = plan_import(ws, "shelter", write_kmz(tmp_path / "p.kmz", shelter_rows(3)))
    assert plan.accepted == 3 and plan.table.row_word == "个要素"
    apply_import(plan)
    assert _stored(ws)["BN-0003"]["properties"]["name"] == "避难场所3"


def test_geojson_with_non_point_rejected(ws, tmp_path):
    path = tmp_path / "g.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"编号": "A", "名称": "甲", "场所类别": "紧急"},
                        "geometry": {"type": "Point", "coordinates": [107.31, 30.31]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"编号": "B", "名称": "乙", "场所类别": "紧急"},
                        "geometry": {"type": "LineString", "coordinates": [[107.31, 30.31], [107.32, 30.32]]},
                    },
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    plan = plan_import(ws, "shelter", path)
    assert plan.accepted == 1 and "LineString" in plan.rejected[0].reasons[0]


@pytest.mark.parametrize("content", [b"", "编号,名称,经度,纬度\r\n".encode("gb18030")])
def test_empty_files_refused(ws, tmp_path, content):
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    with pytest.raises((LayerFileError, ImportRefusedError), match=r"e\.csv"):
        plan_import(ws, "shelter", path)


def test_missing_coordinate_columns_refused(ws, tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("编号,名称,场所类别\nA,甲,紧急\n", encoding="utf-8")
    with pytest.raises(ImportRefusedError, match="找不到经度列"):
        plan_import(ws, "shelter", path)


def test_all_rejected_writes_nothing(ws, tmp_path):
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "a.csv", shelter_rows(2))))
    before = layer_path(ws.root, "shelter").read_bytes()
    rows = [{**r, "场所名称": None} for r in shelter_rows(2, start=5)]
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "b.csv", rows))
    with pytest.raises(ImportRefusedError, match="全部 2 行均被拒绝"):
        apply_import(plan)
    assert layer_path(ws.root, "shelter").read_bytes() == before
    assert len(layer_history(ws.root, "shelter")) == 1


def test_replace_after_concurrent_change_refused(ws, tmp_path):
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "a.csv", shelter_rows(2))))
    replace = plan_import(ws, "shelter", write_csv(tmp_path / "r.csv", shelter_rows(1)), mode="replace")
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "b.csv", shelter_rows(1, start=9))))
    before = layer_path(ws.root, "shelter").read_bytes()
    with pytest.raises(ImportConflictError, match="预览之后已被修改"):
        apply_import(replace)
    assert layer_path(ws.root, "shelter").read_bytes() == before


def test_upsert_rebased_on_concurrent_change_loses_nothing(ws, tmp_path):
    first = plan_import(ws, "shelter", write_csv(tmp_path / "a.csv", shelter_rows(3)))
    second = plan_import(ws, "shelter", write_csv(tmp_path / "b.csv", shelter_rows(3, start=10)))
    apply_import(first)
    apply_import(second)
    assert sorted(_stored(ws)) == [f"BN-{i:04d}" for i in (1, 2, 3, 10, 11, 12)]


def test_saved_file_is_a_valid_layer(ws, tmp_path):
    rows = shelter_rows(30)
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "a.csv", rows, "gb18030")))
    apply_import(
        plan_import(ws, "shelter", write_messy_xlsx(tmp_path / "b.xlsx", shelter_rows(5, start=100)))
    )
    full = load_workspace(ws.root)
    assert not full.errors and len(full.layers["shelter"]) == 35
    raw = read_raw_layer(layer_path(ws.root, "shelter"))
    assert (
        raw.props["source"].tolist()[:1] == ["import:a.csv"]
        and raw.props["source"].iat[-1] == "import:b.xlsx"
    )
    assert {EAST_NAME, WEST_NAME} == set(raw.props["township"])


def test_bundled_sample_round_trip_and_gcj_hint(tmp_path):
    import shutil

    from layers.store.workspace import DEFAULT_WORKSPACE

    assert (DEFAULT_WORKSPACE / "shelter.geojson").exists(), "bundled sample workspace missing"
    root = tmp_path / "dj"
    shutil.copytree(DEFAULT_WORKSPACE, root, ignore=shutil.ignore_patterns(".history", ".locks"))
    shelters = load_workspace(root, layers=("shelter",)).layers["shelter"]
    table = pd.DataFrame(
        {
            "编号": shelters["id"],
            "场所名称": shelters["name"],
            "场所类别": shelters["shelter_class"],
            "经度": shelters.geometry.x.round(7),
            "纬度": shelters.geometry.y.round(7),
        }
    )
    table.to_csv(tmp_path / "own.csv", index=False, encoding="gb18030")
    ws = load_workspace(root, layers=())
    same = plan_import(ws, "shelter", tmp_path / "own.csv")
    assert (same.accepted, same.diff.unchanged, len(same.diff.changed), same.hints) == (
        len(table),
        len(table),
        0,
        [],
    )
    table["经度"], table["纬度"] = wgs84_to_gcj02(table["经度"].to_numpy(), table["纬度"].to_numpy())
    table.to_csv(tmp_path / "gcj.csv", index=False, encoding="gb18030")
    assert any("--crs gcj02" in h for h in plan_import(ws, "shelter", tmp_path / "gcj.csv").hints)
    fixed = plan_import(ws, "shelter", tmp_path / "gcj.csv", crs="gcj02")
    assert fixed.diff.unchanged == len(table) and not fixed.diff.changed
