"""The floor for bench/app.py: a Streamlit page holding only the 图层浏览 map (no sidebar, no tables).

Same workspace, same ``build_map`` and ``show_map`` as the app; what ``bench/app.py`` measures on
the real pages minus this is what our pages add on top of Streamlit and streamlit-folium.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st

from layers.store.workspace import load_workspace
from riskmap.mapview import MapView, build_map, publish_assets
from riskmap.ui.mappanel import asset_base, show_map
from riskmap.ui.state import workspace_root


@st.cache_resource
def _workspace():
    return load_workspace(workspace_root())


st.set_page_config(layout="wide")
m = build_map(_workspace(), MapView(), asset_base=asset_base())
publish_assets(m.rm_asset_urls, Path(__file__).resolve().parent / "static")  # this script's /app/static/
show_map(m, key="floor_map")
