"""One palette: the map, the briefing and the flood page agree, and the rules' overrides show."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from layers.store.workspace import load_workspace
from riskmap.mapview import MapView, build_map, render_html
from riskmap.render.palettes import WARNING_HEX, colorize_depth, depth_legend, warning_hex
from riskmodel.scenario import depth_breaks
from riskmodel.warning import WarningColor


def test_the_map_draws_warnings_in_the_briefings_colours(map_ws):
    ws = load_workspace(map_ws)
    name = str(ws.townships["name"].iloc[0])
    for color in WarningColor:
        html = render_html(build_map(ws, MapView(), township_colors={name: color.value}, asset_base=None))
        assert warning_hex(color) in html, color
    assert len(set(WARNING_HEX.values())) == 4


def test_depth_legend_follows_the_rules_override():
    config = {"rules": {"flood": {"depth_breaks_m": [0.3, 1.0, 2.0]}}}
    assert [b for _, b, _ in depth_legend(config)] == ["≤0.3 m", "0.3–1 m", "1–2 m", ">2 m"]
    assert [b for _, b, _ in depth_legend({})][1] == "0.15–0.5 m"


def test_overlay_colours_follow_the_breaks():
    depth = np.array([[0.2, 0.9, 1.9, 2.5]])
    custom = colorize_depth(depth, depth_breaks({"rules": {"flood": {"depth_breaks_m": [0.3, 1.0, 2.0]}}}))
    default = colorize_depth(depth, depth_breaks({}))
    assert [tuple(c) for c in custom[0]] == [tuple(c) for _, _, c in depth_legend({})]  # one class each
    assert tuple(default[0, 0]) != tuple(custom[0, 0])  # 0.2 m is 低 by default, 注意 with 0.3


def test_flood_page_legend_shows_the_overridden_breaks(map_ws):
    toml = map_ws / "workspace.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[rules.flood]\ndepth_breaks_m = [0.3, 1.0, 2.0]\n",
                    encoding="utf-8")
    at = AppTest.from_string("from riskmap.ui import flood\nflood.render()\n", default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    legend = next(m.value for m in at.markdown if "flood-legend" in m.value)
    assert "0.3–1 m" in legend and "0.15–0.5 m" not in legend
