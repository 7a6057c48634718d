"""Every kind is on the map with its own shape, and in the legend (read from the kinds, not a list)."""

from __future__ import annotations

import json
import re

from layers.kinds import LAYER_KINDS
from riskmap.mapview import MapView, build_map, render_html
from riskmap.mapview.encode import DRAWN_SHAPES


def test_every_kind_has_its_own_shape_the_runtime_draws():
    shapes = [k.shape for k in LAYER_KINDS]
    assert len(set(shapes)) == len(shapes) and set(shapes) <= set(DRAWN_SHAPES)


def test_legend_lists_every_kind(ws):
    html = render_html(build_map(ws, MapView()))
    m = re.search(r"RM\.legend\([^,]+, (\{.*?\})\);\n", html)
    assert m, "legend payload"
    items = json.loads(m.group(1))["items"]
    assert [(i["label"], i["shape"], i["color"]) for i in items] == [(k.label, k.shape, k.color) for k in LAYER_KINDS]
