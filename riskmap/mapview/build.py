"""The map as a pure function: workspace + view options (+ risk results) → ``folium.Map``.

No streamlit here. The sites come only from :func:`layers.selection.select_sites`, so the map,
the counts, the table and every export show the same set. All registry text reaches the page as
script-safe JSON and is put into the DOM with ``textContent`` by the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import folium
import numpy as np
import shapely
from folium.map import Layer
from folium.template import Template
from rasterio.errors import RasterioError

from layers.coords import wgs84_to_gcj02
from layers.kinds import get_kind
from layers.roads import ROAD_GRADES
from layers.selection import Selection, select_sites
from riskmap.mapview.assets import LEAFLET_CSS_URL, LEAFLET_JS_URL, RawMacro, localize_assets
from riskmap.mapview.basemaps import tile_layers
from riskmap.mapview.encode import js_json, site_payload
from riskmap.mapview.hillshade import hillshade
from riskmap.mapview.runtime import RUNTIME_JS
from riskmap.render.palettes import RISK_RAMP, WARNING_HEX

__all__ = [
    "RISK_RAMP",
    "WARNING_TO_COLOR",
    "MapView",
    "RiskMap",
    "build_map",
    "render_html",
    "ring_legend",
    "selected_overlay",
    "site_location",
]

WARNING_TO_COLOR = {c.value: h for c, h in WARNING_HEX.items()}
_RING_STYLE = {"danger": ("#d7301f", "危险圈"), "watch": ("#fc8d59", "关注圈")}
_LABELS = {
    "zh": {
        "layer": "图层",
        "id": "编号",
        "township": "乡镇(街道)",
        "more": "",
        "legend": "图例",
        "towns": "乡镇(街道)边界",
        "labels": "乡镇名称",
        "villages": "村(社区)",
        "river": "河流",
        "roads": "道路",
        "forest": "重点林区",
        "county": "县界",
        "hillshade": "山体阴影(DEM)",
        "rings": "暴露圈",
        "risk": "乡镇风险指数",
        "warning": "乡镇预警颜色",
        "selected": "选中点位",
        "zoomIn": "放大",
        "zoomOut": "缩小",
        "layersCtl": "图层",
        "aggregated": "县域视图按格汇总计数，放大后显示点位",
        "danger": "危险圈",
        "watch": "关注圈",
    },
    "en": {
        "layer": "Layer",
        "id": "ID",
        "township": "Township",
        "more": "",
        "legend": "Legend",
        "towns": "Township boundaries",
        "labels": "Township names",
        "villages": "Villages",
        "river": "River",
        "roads": "Roads",
        "forest": "Key forest areas",
        "county": "County boundary",
        "hillshade": "Hillshade (DEM)",
        "rings": "Exposure rings",
        "risk": "Township risk index",
        "warning": "Township warning colour",
        "selected": "Selected site",
        "zoomIn": "Zoom in",
        "zoomOut": "Zoom out",
        "layersCtl": "Layers",
        "aggregated": "counted per cell at county zoom; zoom in for points",
        "danger": "Danger ring",
        "watch": "Watch ring",
    },
}


@dataclass(frozen=True)
class MapView:
    """What the map shows. ``selection`` is the one shared :class:`Selection`."""

    selection: Selection = field(default_factory=Selection)
    basemap: str = "workspace"  # workspace | osm | tianditu | gaode (see basemaps.BASEMAPS)
    show_hillshade: bool = True
    show_villages: bool = True
    show_labels: bool = True
    choropleth: bool = True
    selected_site: tuple[str, str] | None = None  # (layer id, site id)
    lang: str = "zh"
    detail_limit: int = 20_000  # above this many sites a layer carries no names/key fields (payload)
    aggregate_over: int = 1_000  # a layer with more sites than this is counted per cell at county zoom
    aggregate_below_zoom: int = 13  # ... below this zoom level, and drawn as points from it on
    site_marks: dict | None = None  # layer id → {site id: 逾期未巡查 | 发现隐患} (riskmodel.inspection.site_marks)

    @property
    def labels(self) -> dict:
        return _LABELS.get(self.lang, _LABELS["zh"])


class RiskMap(folium.Map):
    """A folium map that needs Leaflet only (no jQuery, Bootstrap or icon fonts)."""

    default_js: ClassVar[list] = [("leaflet", LEAFLET_JS_URL)]
    default_css: ClassVar[list] = [("leaflet_css", LEAFLET_CSS_URL)]


class _Runtime(RawMacro):
    _template = Template("{% macro script(this, kwargs) %}" + RUNTIME_JS + "{% endmacro %}")


class _JsLayer(Layer, RawMacro):
    """A layer drawn by the runtime from a JSON payload (``RM.<factory>(payload)``)."""

    _template = Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }} = RM.{{ this.factory }}({{ this.payload|safe }});
{% endmacro %}""")

    def __init__(self, factory: str, payload: dict, name: str, *, show: bool = True, control: bool = True):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "rm_layer"
        self.factory, self.payload = factory, js_json(payload)


class _Legend(RawMacro):
    _template = Template("""{% macro script(this, kwargs) %}
RM.legend({{ this._parent.get_name() }}, {{ this.payload|safe }});
{% endmacro %}""")

    def __init__(self, payload: dict):
        super().__init__()
        self._name = "rm_legend"
        self.payload = js_json(payload)


# ---------------------------------------------------------------- geometry for display


def _shift(view: MapView):
    """Display transform: GCJ-02 for 高德 tiles (display only, never stored), else identity."""
    if view.basemap != "gaode":
        return None
    return lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))


def _display_geoms(geoms, view: MapView, *, tolerance: float = 0.0) -> np.ndarray:
    geoms = np.asarray(geoms)
    if tolerance:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    fn = _shift(view)
    if fn is not None:
        geoms = shapely.transform(geoms, fn)
    return shapely.transform(geoms, lambda xy: np.round(xy, 5))


def _feature_collection(geoms, props: list[dict]) -> dict:
    feats = [
        {"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": p}
        for g, p in zip(geoms, props, strict=True)
        if g is not None and not g.is_empty
    ]
    return {"type": "FeatureCollection", "features": feats}


# ---------------------------------------------------------------- layers


def _ramp(values: dict[str, float]) -> tuple[dict[str, str], list[list[str]]]:
    """Equal-interval classes of the risk index → (colour per township, legend steps)."""
    vals = np.array([v for v in values.values() if v is not None and np.isfinite(v)], dtype="float64")
    if not len(vals):
        return {}, []
    lo, hi = float(vals.min()), float(vals.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1, len(RISK_RAMP) + 1)
    colors = {
        n: RISK_RAMP[min(int(np.searchsorted(edges, v, side="right")) - 1, len(RISK_RAMP) - 1)]
        for n, v in values.items()
        if v is not None and np.isfinite(v)
    }
    steps = [[f"{edges[i]:.1f}–{edges[i + 1]:.1f}", c] for i, c in enumerate(RISK_RAMP)]
    return colors, steps


def _add_townships(m, ws, view: MapView, values, colors: dict[str, str]) -> None:
    names = [str(n) for n in ws.townships["name"]]
    geoms = _display_geoms(ws.townships.geometry.values, view, tolerance=0.0003)
    props = [
        {
            "n": n,
            "f": colors.get(n),
            "v": (f"{values[n]:.1f}" if values and values.get(n) is not None else ""),
        }
        for n in names
    ]
    payload = {
        "geojson": _feature_collection(geoms, props),
        "stroke": "#555",
        "weight": 1.2,
        "dash": "4 3",
        "fillOpacity": 0.55,
        "tooltip": True,
    }
    _JsLayer("areas", payload, view.labels["towns"]).add_to(m)
    if view.show_labels:
        pts = _display_geoms(shapely.point_on_surface(ws.townships.geometry.values), view)
        pop = ws.townships["population"] if "population" in ws.townships.columns else [0.0] * len(names)
        _JsLayer(
            "labels",
            {"names": names, "lon": shapely.get_x(pts).tolist(), "lat": shapely.get_y(pts).tolist(),
             "priority": [float(v) if v == v else 0.0 for v in pop]},
            view.labels["labels"],
        ).add_to(m)



def _named_lines_or_areas(m, frame, view, label: str, *, tolerance: float, show: bool, style: dict) -> None:
    """A base layer of named lines or polygons (river, forest) with its name as tooltip; none if empty."""
    if frame is None or not len(frame):
        return
    geoms = _display_geoms(frame.geometry.values, view, tolerance=tolerance)
    props = [{"n": str(n)} for n in frame.get("name", [""] * len(frame))]
    _JsLayer("areas", {"geojson": _feature_collection(geoms, props), **style, "tooltip": True}, label,
             show=show).add_to(m)

def _add_roads(m, ws, view: MapView) -> None:
    """The roads (one layer 道路, on by default), thin lines by grade, highest on top; none without roads.

    Light on purpose (the map payload decides the first page's speed): simplified by ≈ 20 m and
    rounded to 5 decimals, one stroke per feature.
    """
    roads = getattr(ws, "roads", None)
    if roads is None or not len(roads):
        return
    rank = {g.value: i for i, g in enumerate(ROAD_GRADES)}
    order = sorted(range(len(roads)), key=lambda i: -rank.get(roads["grade"].iat[i], len(rank)))
    roads = roads.iloc[order]
    geoms = _display_geoms(roads.geometry.values, view, tolerance=0.0002)
    style = {g.value: g for g in ROAD_GRADES}
    props = []
    for name, grade in zip(roads["name"], roads["grade"], strict=True):
        g = style[grade]
        props.append({"n": f"{name}（{grade}）" if name else str(grade), "c": g.map_color, "w": g.map_weight_px,
                      **({"d": "3 3"} if g.dashed else {})})
    _JsLayer("areas", {"geojson": _feature_collection(geoms, props), "stroke": "#999", "weight": 1, "fill": False,
                       "opacity": 0.85, "tooltip": True}, view.labels["roads"]).add_to(m)


def _hillshade_or_none(ws):
    """The DEM's hillshade; none for a workspace without a DEM or whose dem.tif is not a raster (issue 12)."""
    if ws.dem_path is None:
        return None
    try:
        return hillshade(ws.dem_path)
    except (RasterioError, OSError, ValueError):
        return None


def _add_base(m, ws, view: MapView) -> None:
    lab = view.labels
    hs = _hillshade_or_none(ws) if view.show_hillshade and view.basemap == "workspace" else None
    if hs is not None:
        folium.raster_layers.ImageOverlay(
            hs.data_url,
            bounds=[list(hs.bounds[0]), list(hs.bounds[1])],
            opacity=0.6,
            name=lab["hillshade"],
            interactive=False,
        ).add_to(m)
    _named_lines_or_areas(m, ws.forest, view, lab["forest"], tolerance=0.0005, show=False,
                          style={"stroke": "#1b7837", "weight": 0.8, "baseFillOpacity": 0.12})
    _named_lines_or_areas(m, ws.river, view, lab["river"], tolerance=0.0002, show=True,
                          style={"stroke": "#3a86c8", "weight": 2.5, "fill": False})
    county = _display_geoms(ws.county.geometry.values, view, tolerance=0.0003)
    _JsLayer(
        "areas",
        {
            "geojson": _feature_collection(county, [{}] * len(county)),
            "stroke": "#222",
            "weight": 2.2,
            "fill": False,
        },
        lab["county"],
        control=False,
    ).add_to(m)


def _add_villages(m, ws, view: MapView) -> None:
    v = ws.villages
    if selected := view.selection.townships:
        v = v[v["township"].isin(selected)]
    geoms = _display_geoms(v.geometry.values, view)
    props = [{"n": str(n)} for n in v["name"]]
    _JsLayer(
        "areas",
        {"geojson": _feature_collection(geoms, props), "stroke": "#777", "radius": 2.5, "tooltip": True},
        view.labels["villages"],
        show=view.show_villages,
    ).add_to(m)


def _add_rings(m, rings, view: MapView) -> None:
    if rings is None or not len(rings):
        return
    geoms = _display_geoms(rings.geometry.values, view, tolerance=0.00003)
    for ring, (color, _zh) in _RING_STYLE.items():
        label = view.labels[ring]
        mask = (rings["ring"] == ring).to_numpy()
        sub = rings[mask]
        props = [
            {"n": f"{label} {r.radius_m:.0f} m", "v": f"{get_kind(r.layer).label} {r.id}"}
            for r in sub.itertuples()
        ]
        payload = {
            "geojson": _feature_collection(geoms[mask], props),
            "stroke": color,
            "weight": 1.5,
            "dash": "6 4" if ring == "watch" else None,
            "baseFillOpacity": 0.08,
            "tooltip": True,
        }
        _JsLayer("areas", payload, f"{view.labels['rings']}：{label}").add_to(m)


def _add_sites(m, ws, sites: dict, view: MapView) -> list[dict]:
    towns = [*map(str, ws.townships["name"]), ""]
    items = []
    for lid, frame in sites.items():
        kind = get_kind(lid)
        xy = None
        if (fn := _shift(view)) is not None and len(frame):
            moved = fn(shapely.get_coordinates(frame.geometry.values))
            xy = (moved[:, 0], moved[:, 1])
        payload = site_payload(
            frame, kind, towns=towns, labels=view.labels, detail_limit=view.detail_limit, xy=xy,
            marks=(view.site_marks or {}).get(lid),
        )
        aggregated = len(frame) > view.aggregate_over
        if aggregated:
            payload["aggregateBelow"] = view.aggregate_below_zoom
        _JsLayer(
            "sites",
            payload,
            f"{kind.label}（{len(frame)}）" if view.lang == "zh" else f"{kind.label_en} ({len(frame)})",
        ).add_to(m)
        present = set(payload["cls"] or [])
        items.append(
            {
                "label": kind.label if view.lang == "zh" else kind.label_en,
                "shape": kind.shape,
                "color": kind.color,
                "count": len(frame),
                "classes": [c for i, c in enumerate(payload["classes"]) if i in present],
                "note": view.labels["aggregated"] if aggregated else None,
            }
        )
    return items


def _add_selected(m, sites: dict, view: MapView) -> None:
    if not view.selected_site:
        return
    lid, sid = view.selected_site
    frame = sites.get(lid)
    if frame is None:
        return
    hit = frame[frame["id"].astype(str) == str(sid)]
    if len(hit):
        g = _display_geoms(hit.geometry.values[:1], view)[0]
        folium.CircleMarker(
            [g.y, g.x], radius=13, color="#00b7ff", weight=3, fill=False, interactive=False
        ).add_to(m)


def _selected_bounds(sites: dict, rings, view: MapView):
    lid, sid = view.selected_site or (None, None)
    frame = sites.get(lid) if lid else None
    if frame is None:
        return None
    hit = frame[frame["id"].astype(str) == str(sid)]
    if not len(hit):
        return None
    geoms = hit.geometry.values[:1]
    if rings is not None and len(rings):
        own = rings[(rings["layer"] == lid) & (rings["id"].astype(str) == str(sid))]
        geoms = np.concatenate([geoms, own.geometry.values]) if len(own) else geoms
    w, s, e, n = shapely.total_bounds(_display_geoms(geoms, view))
    pad = 0.004  # ≈ 400 m around a lone site
    return [[float(s) - pad, float(w) - pad], [float(n) + pad, float(e) + pad]]


def _fit(m, ws, view: MapView, sites: dict, rings) -> None:
    """Fit to the selected site (and its rings), else to the selected townships, else the county."""
    bounds = _selected_bounds(sites, rings, view)
    if bounds is None:
        t = ws.townships
        if view.selection.townships:
            t = t[t["name"].isin(view.selection.townships)]
        frame = t if len(t) else ws.county
        w, s, e, n = shapely.total_bounds(_display_geoms(frame.geometry.values, view))
        bounds = [[float(s), float(w)], [float(n), float(e)]]
    m.fit_bounds(bounds)


def build_map(
    ws,
    view: MapView,
    *,
    rings=None,
    township_values: dict[str, float] | None = None,
    extra_layers=(),
    township_colors: dict[str, str] | None = None,
    asset_base: str | None = None,
) -> folium.Map:
    """Build the layered map.

    Parameters
    ----------
    ws : Workspace
    view : MapView
    rings : GeoDataFrame (layer, id, ring, radius_m, geometry) from ``riskmodel.rings.ring_polygons``
    township_values : risk index per township name (the choropleth), or None
    extra_layers : folium layers added above the base layers (e.g. a flood-depth ImageOverlay)
    township_colors : colour per township name (hex or 红/橙/黄/蓝), e.g. warning colours
    asset_base : URL prefix serving the vendor assets (``/app/static/``); None inlines them
    """
    sites = select_sites(ws.layers, view.selection)
    m = RiskMap(location=_centre(ws), zoom_start=10, tiles=None, prefer_canvas=True, control_scale=True)
    _Runtime().add_to(m)
    for tile in tile_layers(ws.config, view.basemap):
        tile.add_to(m)
    _add_base(m, ws, view)
    ramps = _add_fills(m, ws, view, township_values, township_colors)
    for layer in extra_layers:
        layer.add_to(m)
    _add_roads(m, ws, view)
    _add_villages(m, ws, view)
    _add_rings(m, rings, view)
    items = _add_sites(m, ws, sites, view)
    _add_selected(m, sites, view)
    _Legend(
        {
            "title": view.labels["legend"],
            "items": items,
            "ramps": ramps,
            "lines": ring_legend(rings, view),
            "controls": {k: view.labels[v] for k, v in (("zoomIn", "zoomIn"), ("zoomOut", "zoomOut"),
                                                         ("layers", "layersCtl"))},
        }
    ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    _fit(m, ws, view, sites, rings)
    localize_assets(m, asset_base)
    return m


def ring_legend(rings, view: MapView) -> list[dict]:
    """Legend rows for the exposure rings drawn (danger solid, watch dashed)."""
    if rings is None or not len(rings):
        return []
    present = set(rings["ring"])
    return [
        {"label": f"{view.labels['rings']}：{view.labels[ring]}", "color": color, "dash": ring == "watch"}
        for ring, (color, _zh) in _RING_STYLE.items()
        if ring in present
    ]


def _selected_row(ws, view: MapView):
    """The selected site's row (a one-row frame), or None when nothing (or a site no longer there) is selected."""
    if not view.selected_site:
        return None
    lid, sid = view.selected_site
    frame = ws.layers.get(lid)
    if frame is None:
        return None
    hit = frame[frame["id"].astype(str) == str(sid)]
    return hit if len(hit) else None


def selected_overlay(ws, view: MapView, rings=None) -> folium.FeatureGroup:
    """The selected site's highlight and its own rings, as a group the page adds without rebuilding the map.

    Clicking a site changes only this group, so the map keeps its zoom and position.
    """
    fg = folium.FeatureGroup(name=view.labels["selected"], control=False)
    hit = _selected_row(ws, view)
    if hit is None:
        return fg
    lid, sid = view.selected_site
    if rings is not None and len(rings):
        own = rings[(rings["layer"] == lid) & (rings["id"].astype(str) == str(sid))]
        for ring, (color, _zh) in _RING_STYLE.items():
            part = own[own["ring"] == ring]
            for g in _display_geoms(part.geometry.values, view, tolerance=0.00003):
                folium.GeoJson(
                    shapely.geometry.mapping(g),
                    style_function=lambda _f, c=color, r=ring: {
                        "color": c, "weight": 2, "fillOpacity": 0.08, "dashArray": "6 4" if r == "watch" else None
                    },
                    interactive=False,
                ).add_to(fg)
    g = _display_geoms(hit.geometry.values[:1], view)[0]
    folium.CircleMarker([g.y, g.x], radius=13, color="#00b7ff", weight=3, fill=False, interactive=False).add_to(fg)
    return fg


def site_location(ws, view: MapView) -> tuple[float, float] | None:
    """(lat, lon) of the selected site as displayed (GCJ-02 on 高德 tiles), for a zoom-to button."""
    hit = _selected_row(ws, view)
    if hit is None:
        return None
    g = _display_geoms(hit.geometry.values[:1], view)[0]
    return float(g.y), float(g.x)


def _centre(ws) -> list[float]:
    w, s, e, n = ws.county.total_bounds
    return [float((s + n) / 2), float((w + e) / 2)]


def _add_fills(m, ws, view: MapView, values, colors) -> list[dict]:
    ramps, fill = [], {}
    if view.choropleth and values:
        fill, steps = _ramp(values)
        ramps.append({"title": view.labels["risk"], "steps": steps})
    if colors:
        fill = {**fill, **{n: WARNING_TO_COLOR.get(c, c) for n, c in colors.items()}}
        used = [[k, v] for k, v in WARNING_TO_COLOR.items() if k in colors.values() or v in colors.values()]
        ramps.append({"title": view.labels["warning"], "steps": used})
    _add_townships(m, ws, view, values if view.choropleth else None, fill)
    return ramps


def render_html(m: folium.Map) -> str:
    """The whole page of a map built with ``asset_base=None`` (self-contained, works offline)."""
    return m.get_root().render()
