"""The packet map draws the workspace's roads (by grade, names decluttered) only when it has them."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from layers.exports.bundle import collect_export
from layers.roads import ROADS_FILE, road_grade
from layers.selection import Selection
from layers.store.workspace import load_workspace
from riskmap.render.printmap import map_figure, render_map_png

HIGHWAY = "G50 沪渝高速"


def _line(*xy):
    return {"type": "LineString", "coordinates": [list(p) for p in xy]}


def _roads(root) -> None:
    feats = [
        (HIGHWAY, "高速公路", _line((107.335, 30.295), (107.36, 30.32), (107.385, 30.345))),
        ("东西路", "省道", _line((107.335, 30.330), (107.36, 30.3305))),
        ("东西路", "省道", _line((107.36, 30.3305), (107.385, 30.331))),  # the same road in two pieces
        ("南北路", "省道", _line((107.3605, 30.300), (107.3605, 30.340))),  # crosses both at their centres
        ("二村公路", "乡道", _line((107.36, 30.32), (107.37, 30.305))),
    ]
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "geometry": g, "properties": {"name": n, "grade": k}} for n, k, g in feats]}
    (root / ROADS_FILE).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _bundle(root):
    return collect_export(load_workspace(root), Selection(townships=("乙镇",)))


def _share_of(png: bytes, hex_color: str) -> float:
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    want = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])
    return float((np.abs(rgb.astype(int) - want).max(axis=1) <= 2).mean())


@pytest.fixture(scope="module")
def with_roads(tmp_path_factory):
    from tests.conftest import write_tiny_workspace

    plain = write_tiny_workspace(tmp_path_factory.mktemp("plain") / "ws")
    roads = write_tiny_workspace(tmp_path_factory.mktemp("roads") / "ws")
    _roads(roads)
    return _bundle(plain), _bundle(roads)


def test_roads_are_drawn_in_their_grade_colour_only_when_the_workspace_has_them(with_roads):
    plain, roads = with_roads
    highway = road_grade("高速公路").color
    without, _ = render_map_png(plain, [], dpi=60)
    with_, _ = render_map_png(roads, [], dpi=60)
    assert _share_of(without, highway) == 0.0
    assert _share_of(with_, highway) > 0.001  # the highway's inner line


def test_higher_grade_names_are_labelled_without_overlap(with_roads):
    _, roads = with_roads
    fig, ax = map_figure(roads, [], dpi=60)
    renderer = fig.canvas.get_renderer()
    names = [t.get_text() for t in ax.texts]
    assert names.count(HIGHWAY) == 1 and names.count("东西路") == 1  # one name per road
    assert "二村公路" not in names  # 乡道 are not named
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-3:] == ["高速公路", "省道", "乡道"]
