"""The optional roads.geojson base layer: absent is fine, a bad file is one message naming file, feature, field."""

from __future__ import annotations

import json
import re

import pytest

from layers.errors import LayerFileError
from layers.roads import ROAD_GRADES, ROADS_FILE, read_roads, road_grade
from layers.store.workspace import load_workspace
from riskmap.cli.main import main

_LINE = {"type": "LineString", "coordinates": [[107.30, 30.31], [107.37, 30.33]]}


def _write(root, features) -> None:
    doc = {"type": "FeatureCollection", "features": features}
    (root / ROADS_FILE).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _road(geometry=_LINE, **props):
    return {"type": "Feature", "geometry": geometry, "properties": props}


def test_grades_are_declared_once_with_label_and_style():
    assert [g.value for g in ROAD_GRADES] == ["高速公路", "国道", "省道", "县道", "乡道"]
    for g in ROAD_GRADES:
        assert g.label_en and g.print_width_pt > 0 and g.map_weight_px > 0
        assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in (g.color, g.map_color, g.casing or "#000000"))
    widths = [g.print_width_pt for g in ROAD_GRADES]
    assert widths == sorted(widths, reverse=True)  # highways thickest
    with pytest.raises(KeyError, match="可选：高速公路、国道"):
        road_grade("快速路")


def test_workspace_without_roads_loads_as_before(tiny_workspace):
    ws = load_workspace(tiny_workspace)
    assert ws.roads is None and ws.problems == []


def test_roads_are_read_with_their_properties(tiny_workspace):
    multi = {"type": "MultiLineString", "coordinates": [_LINE["coordinates"], [[107.31, 30.30], [107.32, 30.34]]]}
    _write(tiny_workspace, [_road(name="G50 沪渝高速", grade="高速公路", ref="G50"),
                            _road(multi, name="", grade="乡道"), _road(grade="县道")])
    ws = load_workspace(tiny_workspace)
    assert ws.problems == []
    assert list(ws.roads["name"]) == ["G50 沪渝高速", "", ""]
    assert list(ws.roads["grade"]) == ["高速公路", "乡道", "县道"]
    assert ws.roads["ref"].iat[0] == "G50" and str(ws.roads.crs) == "EPSG:4326"
    assert list(ws.roads.geom_type) == ["LineString", "MultiLineString", "LineString"]


def test_a_point_road_names_file_feature_and_field(tiny_workspace):
    _write(tiny_workspace, [_road(name="好路", grade="国道"),
                            _road({"type": "Point", "coordinates": [107.3, 30.3]}, name="坏路", grade="国道")])
    with pytest.raises(LayerFileError) as err:
        load_workspace(tiny_workspace)
    msg = str(err.value)
    assert ROADS_FILE in msg and "第 2 个要素（坏路）: geometry 为 Point" in msg and "LineString" in msg
    assert "\n" not in msg


def test_unknown_or_missing_grade_lists_the_allowed_grades(tiny_workspace):
    _write(tiny_workspace, [_road(name="甲路", grade="快速路"), _road(name="乙路")])
    with pytest.raises(LayerFileError) as err:
        read_roads(tiny_workspace / ROADS_FILE)
    msg = str(err.value)
    assert "第 1 个要素（甲路）: grade（道路等级）“快速路”无效；可选：高速公路、国道、省道、县道、乡道" in msg
    assert "第 2 个要素（乙路）: 缺少 grade（道路等级）" in msg


def test_bad_json_is_one_line_from_the_cli(tiny_workspace, capsys):
    (tiny_workspace / ROADS_FILE).write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(LayerFileError, match=r"roads\.geojson: 不是有效的 JSON（第 1 行"):
        read_roads(tiny_workspace / ROADS_FILE)
    capsys.readouterr()
    assert main(["validate", "--workspace", str(tiny_workspace)]) != 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and ROADS_FILE in err and "Traceback" not in err
