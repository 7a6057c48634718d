"""Validation: every problem at once, each naming layer, id or row, and field."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layers.kinds import LAYER_KINDS, get_kind
from layers.store.io import RawLayer
from layers.store.workspace import load_workspace
from layers.validate import check_layer
from riskmap.cli.main import main


def _raw(rows: list[dict], xy: list[tuple[float, float]], geom_type=None) -> RawLayer:
    lon = np.array([p[0] for p in xy], dtype=float)
    lat = np.array([p[1] for p in xy], dtype=float)
    return RawLayer(
        Path("t.geojson"),
        pd.DataFrame(rows),
        lon,
        lat,
        np.array(geom_type or ["Point"] * len(rows), dtype=object),
    )


@pytest.fixture
def area(tiny_workspace):
    return load_workspace(tiny_workspace).area


def _lines(problems):
    return sorted(p.line() for p in problems)


def test_every_problem_is_reported_at_once(area):
    rows = [
        {"id": "BN1", "name": "好场所", "shelter_class": "紧急", "capacity_people": 200},
        {"id": "BN2", "name": "", "shelter_class": "临时", "capacity_people": "约200"},
        {"id": "BN1", "name": "重复", "shelter_class": "中心", "capacity_people": -5, "indoor": "也许"},
    ]
    _, problems = check_layer(_raw(rows, [(107.31, 30.31)] * 3), get_kind("shelter"), area)
    lines = _lines(problems)
    assert "shelter:BN2:name: 缺少必填字段“名称”(name)" in lines
    assert any(
        line.startswith("shelter:BN2:shelter_class: 场所类别“临时”不在允许值内；可选值：紧急、短期固定")
        for line in lines
    )
    assert "shelter:BN2:capacity_people: 可容纳人数应为整数，现为“约200”；请填整数" in lines
    assert "shelter:BN1:capacity_people: 可容纳人数不能小于 0，现为 -5" in lines
    assert any(line.startswith("shelter:BN1:indoor:") for line in lines)
    assert sum(line.startswith("shelter:BN1:id: 编号“BN1”重复") for line in lines) == 2
    assert all(p.severity == "error" for p in problems)


def test_geometry_problems(area):
    rows = [{"id": f"F{i}", "name": "x", "ferry_type": "其他"} for i in range(4)]
    xy = [(np.nan, np.nan), (np.nan, np.nan), (30.32, 107.32), (104.06, 30.67)]
    _, problems = check_layer(_raw(rows, xy, ["Polygon", "", "Point", "Point"]), get_kind("ferry"), area)
    msg = {p.id: p.message for p in problems}
    assert "只接受 Point" in msg["F0"]
    assert "缺少几何" in msg["F1"]
    assert "经纬度疑似颠倒" in msg["F2"] and "对调" in msg["F2"]
    assert "县域范围之外" in msg["F3"]
    assert {p.field for p in problems} == {"geometry"}


def test_township_is_derived_checked_and_mismatch_is_a_warning(area):
    rows = [
        {"id": "a", "name": "x", "ferry_type": "其他"},
        {"id": "b", "name": "x", "ferry_type": "其他", "township": "乙镇"},
        {"id": "c", "name": "x", "ferry_type": "其他", "township": "火星镇"},
    ]
    frame, problems = check_layer(_raw(rows, [(107.31, 30.31)] * 3), get_kind("ferry"), area)
    assert list(frame["township"]) == ["甲街道", "乙镇", "火星镇"]
    by_id = {p.id: p for p in problems}
    assert by_id["b"].severity == "warning" and "落在甲街道" in by_id["b"].message
    assert by_id["c"].severity == "error" and "可选值：甲街道、乙镇" in by_id["c"].message
    assert "a" not in by_id


def test_point_on_the_shared_township_edge_gets_a_township(area):
    frame, problems = check_layer(
        _raw([{"id": "e", "name": "x", "ferry_type": "其他"}], [(107.34, 30.32)]), get_kind("ferry"), area
    )
    assert frame["township"].iat[0] in ("甲街道", "乙镇") and problems == []


@pytest.mark.parametrize(
    ("people", "wan", "stored", "warn"),
    [
        (99, 0, "小型", False),
        (100, 0, "小型", True),
        (100, 0, "中型", False),
        (10, 5000, "大型", False),
        (1000, 0, "大型", True),
        (None, None, "特大型", False),
    ],
)
def test_danger_level_against_national_grading(area, people, wan, stored, warn):
    row = {
        "id": "g",
        "name": "x",
        "hazard_type": "滑坡",
        "threatened_people": people,
        "threatened_property_wan": wan,
        "danger_level": stored,
    }
    frame, problems = check_layer(_raw([row], [(107.31, 30.31)]), get_kind("geohazard"), area)
    assert any(p.field == "danger_level" and p.severity == "warning" for p in problems) is warn
    assert frame["danger_level"].iat[0] == stored


def test_missing_danger_level_is_derived(area):
    row = {"id": "g", "name": "x", "hazard_type": "滑坡", "threatened_people": 120}
    frame, problems = check_layer(_raw([row], [(107.31, 30.31)]), get_kind("geohazard"), area)
    assert frame["danger_level"].iat[0] == "中型" and problems == []


def test_a_million_row_mistake_stays_readable(area):
    n = 1000
    rows = [{"id": f"x{i}", "name": "x", "category": "小作坊"} for i in range(n)]
    _, problems = check_layer(_raw(rows, [(107.31, 30.31)] * n), get_kind("nine_small"), area)
    assert len(problems) == 201 and "另有 800 处" in problems[-1].message


# ------------------------------------------------- corrupted copies of the bundled workspace, via the CLI


def _edit_features(path: Path, edit) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc["features"])
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _set(i, key, value):
    def edit(features):
        features[i]["properties"][key] = value

    return edit


def _geometry(i, geometry):
    def edit(features):
        features[i]["geometry"] = geometry

    return edit


def _swap(i):
    def edit(features):
        features[i]["geometry"]["coordinates"].reverse()

    return edit


def _duplicate_id(features):
    features[1]["properties"]["id"] = features[0]["properties"]["id"]


CORRUPTIONS = {
    "invalid_json": ("geohazard", None, None),
    "polygon": (
        "shelter",
        _geometry(
            0,
            {
                "type": "Polygon",
                "coordinates": [[[107.3, 30.3], [107.31, 30.3], [107.31, 30.31], [107.3, 30.3]]],
            },
        ),
        "geometry",
    ),
    "duplicate_id": ("ferry", _duplicate_id, "id"),
    "near_chengdu": (
        "gas_risk",
        _geometry(0, {"type": "Point", "coordinates": [104.0657, 30.6595]}),
        "geometry",
    ),
    "swapped": ("fire_pool", _swap(0), "geometry"),
    "missing_name": ("flood_spot", _set(0, "name", None), "name"),
    "not_allowed": ("geohazard", _set(0, "hazard_type", "火山"), "hazard_type"),
    "gb18030": ("shelter", None, None),
}


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupted_workspace_copy_fails_validation_naming_layer_id_field(case, sample_copy, capsys):
    layer, edit, field = CORRUPTIONS[case]
    path = sample_copy / f"{layer}.geojson"
    first_id = json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"]["id"]
    if case == "invalid_json":
        path.write_bytes(path.read_bytes()[:-200])
    elif case == "gb18030":
        path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    else:
        _edit_features(path, edit)
    before = _snapshot(sample_copy)
    assert main(["validate", "--workspace", str(sample_copy)]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("[错误]")]
    assert errors, err
    if field is None:  # the whole file is unreadable: one line naming the layer and the file
        assert len(errors) == 1 and errors[0].startswith(f"[错误] {layer}:-:-:") and path.name in errors[0]
        assert ("GB18030" in errors[0]) is (case == "gb18030")
    else:
        assert any(line.startswith(f"[错误] {layer}:{first_id}:{field}:") for line in errors), errors
    assert _snapshot(sample_copy) == before  # nothing written


def test_validate_json_follows_the_spec(sample_copy, capsys):
    _edit_features(sample_copy / "shelter.geojson", _set(0, "shelter_class", "临时"))
    assert main(["validate", "--workspace", str(sample_copy), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and set(doc["counts"]) == {k.id for k in LAYER_KINDS}
    [bad] = [p for p in doc["problems"] if p["severity"] == "error"]
    assert set(bad) >= {"severity", "layer", "id", "row", "field", "message"}
    assert (bad["layer"], bad["field"], bad["row"]) == ("shelter", "shelter_class", 1)


def test_bundled_workspace_validates(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "九小场所" in out and "结果：通过" in out
