"""build_map tested on its rendered HTML: features per layer, escaping, offline assets, hooks."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import pytest
import shapely
from map_workspace import COUNTS, COUNTS_BY_TOWN, EAST_TOWN, WEST_TOWN, XSS_NAME

from layers.selection import Filter, Selection
from riskmap.mapview import (
    MapView,
    OfflineAssetError,
    build_map,
    collect_asset_urls,
    render_html,
    resolve_click,
)
from riskmap.mapview.assets import asset_filename, publish_assets
from riskmap.mapview.encode import js_json, site_payload
from riskmap.render.palettes import warning_hex

_PAYLOAD = re.compile(r"RM\.(sites|areas|labels)\((\{.*?\})\);\n")


def _payloads(html: str, factory: str = "sites") -> list[dict]:
    return [json.loads(p) for f, p in _PAYLOAD.findall(html) if f == factory]


def _site_ids(p: dict) -> list[str]:
    ids = p["ids"]
    return ids if isinstance(ids, list) else [f"{ids['p']}{n:0{ids['w']}d}" for n in ids["n"]]


def test_every_layer_drawn_with_its_site_count(ws):
    html = render_html(build_map(ws, MapView()))
    drawn = {p["layer"]: len(p["x"]) for p in _payloads(html)}
    assert drawn == COUNTS
    assert {p["layer"]: len(_site_ids(p)) for p in _payloads(html)} == COUNTS


def test_township_and_layer_selection_changes_what_is_drawn(ws):
    sel = Selection(townships=(EAST_TOWN,), layers=("geohazard", "nine_small"))
    drawn = {p["layer"]: len(p["x"]) for p in _payloads(render_html(build_map(ws, MapView(selection=sel))))}
    want = COUNTS_BY_TOWN[EAST_TOWN]
    assert drawn == {"geohazard": want["geohazard"], "nine_small": want["nine_small"]}


def test_attribute_filter(ws):
    sel = Selection(filters=(Filter("category", ("小餐饮",), layer="nine_small"),))
    pay = {p["layer"]: p for p in _payloads(render_html(build_map(ws, MapView(selection=sel))))}
    classes = [pay["nine_small"]["classes"][i][0] for i in pay["nine_small"]["cls"]]
    assert classes == ["小餐饮"] * 3
    assert len(pay["geohazard"]["x"]) == COUNTS["geohazard"]


def test_xss_name_is_escaped_in_html(ws):
    html = render_html(build_map(ws, MapView()))
    assert XSS_NAME not in html
    assert "<img src=x" not in html
    names = [n for p in _payloads(html) for n in (p["names"] or [])]
    assert XSS_NAME in names  # present as data, decoded only by JSON.parse / textContent


def test_js_json_cannot_close_the_script():
    text = js_json({"n": "</script><script>alert(1)</script>", "m": "a\u2028b"})
    assert "</script" not in text and "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"n": "</script><script>alert(1)</script>", "m": "a\u2028b"}


def test_standalone_html_has_no_external_asset(ws):
    html = render_html(build_map(ws, MapView()))
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)
    assert "L.version" in html or "Leaflet" in html
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html


def test_served_mode_links_only_local_assets(ws, tmp_path):
    m = build_map(ws, MapView(), asset_base="/app/static/")
    js, css = collect_asset_urls(m)
    assert js and css and all(u.startswith("/app/static/vendor/") for u in js + css)
    written = publish_assets(m.rm_asset_urls, tmp_path)
    assert sorted(written) == sorted(asset_filename(u).split("/")[1] for u in m.rm_asset_urls)
    assert all((tmp_path / asset_filename(u)).stat().st_size > 1000 for u in m.rm_asset_urls)
    assert publish_assets(m.rm_asset_urls, tmp_path) == []  # idempotent


def test_unknown_external_asset_is_refused(ws):
    class Online(folium.MacroElement):
        default_js = [("evil", "https://example.com/evil.js")]  # noqa: RUF012

    with pytest.raises(OfflineAssetError, match=r"example\.com"):
        build_map(ws, MapView(), extra_layers=[Online()])


def test_extra_layers_and_township_colours(ws):
    overlay = folium.raster_layers.ImageOverlay(
        "data:image/png;base64,iVBORw0KGgo=", bounds=[[30.3, 107.3], [30.34, 107.38]], name="淹没水深"
    )
    html = render_html(build_map(ws, MapView(), extra_layers=[overlay], township_colors={WEST_TOWN: "红"}))
    assert "data:image/png;base64,iVBORw0KGgo=" in html and json.dumps("淹没水深") in html
    towns = next(
        p
        for p in _payloads(html, "areas")
        if p.get("tooltip")
        and p["geojson"]["features"]
        and p["geojson"]["features"][0]["properties"].get("n") in (WEST_TOWN, EAST_TOWN)
    )
    fills = {f["properties"]["n"]: f["properties"]["f"] for f in towns["geojson"]["features"]}
    assert fills == {WEST_TOWN: warning_hex("红"), EAST_TOWN: None}  # the briefing's red (bug 4 pinned #e41a1c)


def test_choropleth_colours_follow_the_index(ws):
    html = render_html(build_map(ws, MapView(), township_values={WEST_TOWN: 10.0, EAST_TOWN: 90.0}))
    towns = next(
        p
        for p in _payloads(html, "areas")
        if p.get("tooltip")
        and p["geojson"]["features"]
        and p["geojson"]["features"][0]["properties"].get("n") == WEST_TOWN
    )
    fills = {f["properties"]["n"]: f["properties"]["f"] for f in towns["geojson"]["features"]}
    assert fills[WEST_TOWN] == "#ffffb2" and fills[EAST_TOWN] == "#bd0026"
    off = render_html(build_map(ws, MapView(choropleth=False), township_values={WEST_TOWN: 10.0}))
    assert "#bd0026" not in off


def test_rings_are_drawn(ws):
    from shapely import Point

    rings = gpd.GeoDataFrame(
        {
            "layer": ["geohazard", "geohazard"],
            "id": ["DZ0001", "DZ0001"],
            "ring": ["danger", "watch"],
            "radius_m": [100.0, 200.0],
        },
        geometry=[Point(107.31, 30.31).buffer(0.001), Point(107.31, 30.31).buffer(0.002)],
        crs="EPSG:4326",
    )
    html = render_html(build_map(ws, MapView(), rings=rings))
    ring_layers = [
        p
        for p in _payloads(html, "areas")
        if p["geojson"]["features"] and "圈" in p["geojson"]["features"][0]["properties"].get("n", "")
    ]
    assert sorted(f["properties"]["n"] for p in ring_layers for f in p["geojson"]["features"]) == [
        "关注圈 200 m",
        "危险圈 100 m",
    ]


def test_hillshade_overlay_is_a_data_url(ws):
    html = render_html(build_map(ws, MapView()))
    assert re.search(r'L\.imageOverlay\(\s*"data:image/png;base64,', html)
    no_hs = render_html(build_map(ws, MapView(show_hillshade=False)))
    assert "L.imageOverlay(" not in no_hs


def test_gaode_basemap_shifts_display_only(ws):
    cfg_ws = ws
    html = render_html(build_map(cfg_ws, MapView(basemap="gaode")))
    geo = {p["layer"]: p for p in _payloads(html)}["ferry"]
    lon = (geo["x0"] + geo["x"][0]) / 1e6
    assert abs(lon - 107.355) > 1e-4  # shifted for display
    assert shapely.get_x(ws.layers["ferry"].geometry.values)[0] == pytest.approx(107.355)  # storage untouched


def test_large_layer_payload_is_compact(ws):
    import numpy as np

    from layers.kinds import get_kind

    n = 50_000
    rng = np.random.default_rng(1)
    frame = gpd.GeoDataFrame(
        {
            "id": [f"JX{i:06d}" for i in range(n)],
            "name": ["某某小餐饮"] * n,
            "township": [WEST_TOWN] * n,
            "category": ["小餐饮"] * n,
        },
        geometry=gpd.points_from_xy(rng.uniform(107.3, 107.38, n), rng.uniform(30.3, 30.34, n)),
        crs="EPSG:4326",
    )
    pay = site_payload(frame, get_kind("nine_small"), towns=[WEST_TOWN, ""], labels={}, detail_limit=20_000)
    assert pay["names"] is None and isinstance(pay["ids"], dict)
    assert len(js_json(pay).encode()) / n < 40  # bytes per point


def test_resolve_click_finds_the_site(ws):
    sites = {"ferry": ws.layers["ferry"], "geohazard": ws.layers["geohazard"]}
    assert resolve_click(sites, {"lat": 30.335, "lng": 107.355}) == ("ferry", "DK0001")
    assert resolve_click(sites, {"lat": 30.3351, "lng": 107.355}) is None
    assert resolve_click(sites, None) is None


def test_roads_layer_only_when_the_workspace_has_roads(ws, tmp_path):
    from map_workspace import write_map_workspace

    from layers.roads import ROADS_FILE, road_grade
    from layers.store.workspace import load_workspace

    def control_entry(html):  # the layer control's overlay entry named 道路 (keys are \u-escaped)
        return re.search(r'"\\u9053\\u8def" : (rm_layer_\w+)', html)

    assert ws.roads is None
    html = render_html(build_map(ws, MapView()))
    assert control_entry(html) is None and "高速公路" not in html
    root = write_map_workspace(tmp_path / "ws")
    line = {"type": "LineString", "coordinates": [[107.3012345678, 30.31], [107.3123, 30.3201], [107.37, 30.33]]}
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": line, "properties": {"name": "G50 沪渝高速", "grade": "高速公路"}},
        {"type": "Feature", "geometry": line, "properties": {"name": "", "grade": "乡道"}}]}
    (root / ROADS_FILE).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    html = render_html(build_map(load_workspace(root), MapView()))
    entry = control_entry(html)
    assert entry and f"{entry.group(1)}.addTo(" in html  # one entry in the layer control, shown by default
    roads = [p for p in _payloads(html, "areas") if any(f["properties"].get("c") for f in p["geojson"]["features"])]
    assert len(roads) == 1
    feats = roads[0]["geojson"]["features"]
    assert [f["properties"]["n"] for f in feats] == ["乡道", "G50 沪渝高速（高速公路）"]  # highest grade on top
    assert feats[1]["properties"]["c"] == road_grade("高速公路").map_color and feats[0]["properties"]["d"]
    assert feats[1]["geometry"]["coordinates"][0] == [107.30123, 30.31]  # rounded to 5 decimals
    assert html.index("G50 沪渝高速") < html.index('"一社区"')  # drawn before (under) the villages and sites
