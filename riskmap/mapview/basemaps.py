"""Basemap settings from ``workspace.toml`` ``[basemap]``.

The default basemap is drawn from the workspace itself (county, townships, villages, river,
hillshade) and needs no network. Tile basemaps are optional and load from the internet (or an
intranet tile server whose URL is configured)::

    [basemap]
    enabled = true                   # offer online tile basemaps at all (default false: offline only)
    default = "workspace"            # workspace | osm | tianditu | gaode
    osm_url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tianditu_key_env = "TIANDITU_KEY"  # 天地图 key from this environment variable (or tianditu_key = "...")
    gaode_url = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"

With 高德 (GCJ-02 tiles) the data is shifted to GCJ-02 for display only.
"""

from __future__ import annotations

import os

import folium

__all__ = ["BASEMAPS", "available_basemaps", "default_basemap", "tile_layers"]

BASEMAPS: dict[str, tuple[str, str]] = {
    "workspace": ("工作区底图（离线）", "Workspace basemap (offline)"),
    "osm": ("OpenStreetMap（需联网）", "OpenStreetMap (online)"),
    "tianditu": ("天地图（需联网与密钥）", "Tianditu (online, key)"),
    "gaode": ("高德地图（需联网，GCJ-02 显示偏移）", "Gaode (online, GCJ-02 display shift)"),
}
_OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_GAODE_URL = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
)
_TDT_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
    "&TILECOL={{x}}&tk={key}"
)


def _settings(config: dict) -> dict:
    return dict(config.get("basemap", {}) or {})


def _tianditu_key(s: dict) -> str:
    env = s.get("tianditu_key_env")
    return str(s.get("tianditu_key") or (os.environ.get(str(env), "") if env else ""))


def available_basemaps(config: dict) -> list[str]:
    """Basemap ids the user may choose: the workspace basemap, plus tile basemaps when enabled
    (天地图 only with a key)."""
    s = _settings(config)
    if not s.get("enabled", False):
        return ["workspace"]
    return [b for b in BASEMAPS if b != "tianditu" or _tianditu_key(s)]


def default_basemap(config: dict) -> str:
    chosen = str(_settings(config).get("default", "workspace"))
    return chosen if chosen in available_basemaps(config) else "workspace"


def tile_layers(config: dict, basemap: str) -> list[folium.TileLayer]:
    """The tile layers of an online basemap (none for the workspace basemap)."""
    s = _settings(config)
    if basemap == "osm":
        return [
            folium.TileLayer(
                s.get("osm_url", _OSM_URL),
                attr="© OpenStreetMap contributors",
                name="OpenStreetMap",
                max_zoom=19,
            )
        ]
    if basemap == "gaode":
        return [
            folium.TileLayer(
                s.get("gaode_url", _GAODE_URL),
                attr="© 高德地图",
                name="高德地图",
                subdomains="1234",
                max_zoom=18,
            )
        ]
    if basemap == "tianditu" and _tianditu_key(s):
        key = _tianditu_key(s)
        return [
            folium.TileLayer(
                _TDT_URL.format(layer=lyr, key=key),
                attr="© 天地图",
                name=name,
                subdomains="01234567",
                overlay=lyr == "cva",
                max_zoom=18,
            )
            for lyr, name in (("vec", "天地图矢量"), ("cva", "天地图注记"))
        ]
    return []
