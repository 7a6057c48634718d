"""The planners' map as pure functions (no streamlit): build, encode, offline assets, hillshade."""

from riskmap.mapview.assets import OfflineAssetError, collect_asset_urls, localize_assets, publish_assets
from riskmap.mapview.basemaps import BASEMAPS, available_basemaps, default_basemap
from riskmap.mapview.build import WARNING_TO_COLOR, MapView, build_map, render_html
from riskmap.mapview.hillshade import hillshade
from riskmap.mapview.pick import resolve_click

__all__ = [
    "BASEMAPS",
    "WARNING_TO_COLOR",
    "MapView",
    "OfflineAssetError",
    "available_basemaps",
    "build_map",
    "collect_asset_urls",
    "default_basemap",
    "hillshade",
    "localize_assets",
    "publish_assets",
    "render_html",
    "resolve_click",
]
