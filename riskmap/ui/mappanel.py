"""The map widget shared by the pages: serve the vendor assets locally, render with st_folium.

Leaflet comes from the installed ``folium-offline`` package, written once per process to
``<app dir>/static/vendor/`` (git-ignored) and served by Streamlit at ``/app/static/``.
"""

from __future__ import annotations

from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from riskmap.mapview import publish_assets

__all__ = ["STATIC_DIR", "asset_base", "show_map"]

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
RETURNED = ["last_object_clicked", "last_object_clicked_popup"]


def asset_base() -> str:
    """URL prefix of Streamlit's static serving, honouring ``server.baseUrlPath``."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/" if base else "/app/static/"


@st.cache_resource(show_spinner=False)
def _publish(urls: tuple[str, ...]) -> None:
    publish_assets(urls, STATIC_DIR)


def show_map(
    m: folium.Map,
    *,
    key: str,
    height: int = 600,
    overlay: folium.FeatureGroup | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
) -> dict:
    """Render a map built with ``asset_base=asset_base()``; returns the minimal click data.

    ``overlay`` is added to the map as it is (no rebuild, the view is kept); ``center`` pans the map
    there (zoomed in to ``zoom``, default 16) whenever the value changes.
    """
    _publish(tuple(getattr(m, "rm_asset_urls", ())))
    out = st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=RETURNED,
        feature_group_to_add=overlay,
        center=center,
        zoom=(zoom or 16) if center is not None else None,
    )
    return out or {}
