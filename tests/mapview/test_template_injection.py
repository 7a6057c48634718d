"""Registry text on the map is data, never template code: branca re-renders every rendered piece of a
map as a jinja template, so a site named ``{{ 7*7 }}`` used to come out as ``49`` (and
``{{ lipsum.__globals__.os.popen(...) }}`` would have run on the server)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from riskmap.mapview import MapView, build_map, render_html
from riskmap.mapview.build import selected_overlay

JINJA_NAME = "注入{{ 7*7 }}点{% if true %}真{% endif %}"


@pytest.fixture
def injected(ws):
    layers = dict(ws.layers)
    lid = next(lid for lid, f in layers.items() if len(f))
    frame = layers[lid].copy()
    frame.loc[frame.index[0], "name"] = JINJA_NAME
    towns = ws.townships.copy()
    towns.loc[towns.index[0], "name"] = "镇{{ 6*7 }}"
    return replace(ws, layers=layers | {lid: frame}, townships=towns), lid, str(frame["id"].iloc[0])


@pytest.mark.parametrize("asset_base", [None, "/app/static/"])
def test_site_and_township_names_come_out_verbatim(injected, asset_base):
    ws, _lid, _sid = injected
    html = render_html(build_map(ws, MapView(), asset_base=asset_base))
    assert "注入{{ 7*7 }}点{% if true %}真{% endif %}" in html
    assert "镇{{ 6*7 }}" in html
    assert "注入49" not in html and "镇42" not in html


def test_selected_site_overlay_is_not_a_template(injected):
    ws, lid, sid = injected
    m = build_map(ws, MapView(selected_site=(lid, sid)), asset_base=None)
    selected_overlay(ws, MapView(selected_site=(lid, sid))).add_to(m)
    html = render_html(m)
    assert JINJA_NAME in html and "注入49" not in html
