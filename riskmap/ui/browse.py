"""Page: 图层浏览 — filters, the layered map, counts, the table under the map, site details.

The sites shown come only from ``select_sites(ws.layers, selection)``: the map, the counts and
the table always show the same set, and the export page defaults to the same selection.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from layers.kinds import Role, get_kind, layer_ids_with
from layers.labels import VILLAGE_LAYER, layer_label
from layers.selection import select_sites
from riskmap.mapview import BASEMAPS, MapView, available_basemaps, build_map, resolve_click
from riskmap.mapview.build import selected_overlay, site_location
from riskmap.mapview.encode import display_value
from riskmap.ui.details import site_panel
from riskmap.ui.filters import selection_widgets
from riskmap.ui.inspect_page import inspection_view
from riskmap.ui.mappanel import asset_base, show_map
from riskmap.ui.state import current_analysis, current_workspace, sample_banner, t, view_state

__all__ = ["SHOW_TABLES_KEY", "TABLES_KEY", "render", "rings_for", "site_table"]

HAZARD_RING_LAYERS = layer_ids_with(Role.HAZARD)
TABLES_KEY = "site_tables"  # the open tab of the site tables under the map (its label)
SHOW_TABLES_KEY = "show_site_tables"  # the switch that shows them


def site_table(frame, layer_id: str) -> pd.DataFrame:
    """The table under the map: every field under its Chinese header, plus lon/lat."""
    kind = get_kind(layer_id)
    data = {f.header: [display_value(v) for v in frame[f.name]] for f in kind.table_fields if f.name in frame}
    data["经度"] = frame.geometry.x.round(6).to_numpy()
    data["纬度"] = frame.geometry.y.round(6).to_numpy()
    return pd.DataFrame(data)


def rings_for(ws, res, sites: dict, vs, *, layer: bool = True, selected: bool = True):
    """Rings to draw: the selected hazard site's, and those of the chosen (filtered) hazard layer."""
    if res.analysis is None:
        return None
    from riskmodel.rings import context_rings

    parts = []
    if layer and vs.ring_layer in sites and len(sites[vs.ring_layer]):
        parts.append(context_rings(res.context, vs.ring_layer, ids=sites[vs.ring_layer]["id"]))
    if (
        selected
        and vs.selected_site
        and vs.selected_site[0] in HAZARD_RING_LAYERS
        and vs.selected_site[0] != vs.ring_layer
    ):
        lid, sid = vs.selected_site
        parts.append(context_rings(res.context, lid, ids=[sid]))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else None


def _options(ws, vs) -> None:
    with st.expander(t("显示选项", "Display options")):
        choices = available_basemaps(ws.config)
        vs.basemap = st.selectbox(
            t("底图", "Basemap"),
            choices,
            index=choices.index(vs.basemap) if vs.basemap in choices else 0,
            format_func=lambda b: t(*BASEMAPS[b]),
        )
        ring_opts = [None, *HAZARD_RING_LAYERS]
        vs.ring_layer = st.selectbox(
            t("显示整层暴露圈", "Show a layer's exposure rings"),
            ring_opts,
            index=ring_opts.index(vs.ring_layer) if vs.ring_layer in ring_opts else 0,
            format_func=lambda x: t("无", "None") if x is None else get_kind(x).label,
        )
        vs.show_hillshade = st.checkbox(t("山体阴影", "Hillshade"), value=vs.show_hillshade)
        vs.show_villages = st.checkbox(layer_label(VILLAGE_LAYER, view_state().lang), value=vs.show_villages)
        vs.choropleth = st.checkbox(t("乡镇风险指数着色", "Township risk colours"), value=vs.choropleth)


def _counts(sites: dict) -> None:
    cols = st.columns(len(sites) or 1)
    for col, (lid, frame) in zip(cols, sites.items(), strict=False):
        col.metric(t(get_kind(lid).label, get_kind(lid).label_en), f"{len(frame):,}")


def _handle_click(out: dict, sites: dict, vs) -> None:
    clicked = out.get("last_object_clicked")
    token = (repr(clicked), out.get("last_object_clicked_popup"))
    if not clicked or token == vs.last_click:
        return
    vs.last_click = token
    hit = resolve_click(
        sites, clicked, popup_text=out.get("last_object_clicked_popup"), gaode=vs.basemap == "gaode"
    )
    if hit and hit != vs.selected_site:
        vs.selected_site = hit
        st.rerun()


def _keep_open_tab(key: str, labels: list[str]) -> None:
    """A filter changes the counts in the tab labels: keep the same layer's tab open."""
    prev = st.session_state.get(key)
    if prev is None or prev in labels:
        return
    same = [lab for lab in labels if lab.split("（")[0] == str(prev).split("（")[0]]
    if same:
        st.session_state[key] = same[0]
    else:
        del st.session_state[key]


def _tables(sites: dict) -> None:
    """The site list under the map, on demand (a switch; the table cost the first page ~0.8 s in the
    browser even with 150 rows): one tab per shown layer, only the open tab's table built and sent."""
    shown = [(lid, f) for lid, f in sites.items()]
    if not shown or not st.toggle(t("显示点位清单（表格）", "Show the site list (table)"), key=SHOW_TABLES_KEY):
        return
    labels = [f"{get_kind(lid).label}（{len(f)}）" for lid, f in shown]
    _keep_open_tab(TABLES_KEY, labels)
    tabs = st.tabs(labels, key=TABLES_KEY, on_change="rerun")
    for tab, (lid, frame) in zip(tabs, shown, strict=True):
        if tab.open:
            with tab:
                st.dataframe(site_table(frame, lid), hide_index=True, width="stretch", height=320)


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t("图层浏览", "Layer browser"))
    vs = view_state()
    with st.sidebar:
        st.subheader(t("筛选", "Filters"))
        vs.selection = selection_widgets(ws, vs.selection)
        only_overdue = st.checkbox(t("只看逾期未巡查", "Overdue inspections only"), key="only_overdue")
        _options(ws, vs)
    marks, ws = inspection_view(ws, only_overdue)
    sites = select_sites(ws.layers, vs.selection)
    st.caption(vs.selection.describe() + (t("；逾期未巡查", "; overdue only") if only_overdue else ""))
    res = current_analysis()
    values = res.risk_values
    view = MapView(
        selection=vs.selection,
        basemap=vs.basemap,
        show_hillshade=vs.show_hillshade,
        show_villages=vs.show_villages,
        choropleth=vs.choropleth,
        selected_site=vs.selected_site,
        lang=vs.lang,
        site_marks=marks,
    )
    left, right = st.columns([3, 1])
    with left:
        # The base map does not depend on the selected site, so a click never rebuilds or re-zooms it:
        # the highlight and the site's rings are a group added to the map as it is.
        base = replace(view, selected_site=None)
        m = build_map(
            ws, base, rings=rings_for(ws, res, sites, vs, selected=False), township_values=values,
            asset_base=asset_base(),
        )
        overlay = selected_overlay(ws, view, rings_for(ws, res, sites, vs, layer=False))
        _handle_click(show_map(m, key="browse_map", overlay=overlay, center=vs.zoom_to), sites, vs)
        if res.analysis is None:
            st.caption(
                t(
                    f"风险分析暂不可用（{res.message}）：地图不显示暴露圈和乡镇风险指数。",
                    f"Risk analysis not available ({res.message}): no rings or township risk.",
                )
            )
    with right:
        st.subheader(t("点位详情", "Site details"))
        where = site_location(ws, view)
        if where is not None and st.button(t("缩放到该点位", "Zoom to this site"), key="zoom_to_site"):
            # a new centre each press (the map pans only when the value changes)
            vs.zoom_to = (where[0] + (1e-9 if vs.zoom_to == where else 0.0), where[1])
            st.rerun()
        site_panel(ws, res)
    _counts(sites)
    _tables(sites)
