"""The site-details panel of 图层浏览: all fields under Chinese labels, ring contents, nearest shelter."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import streamlit as st

from layers.kinds import get_kind
from riskmap.mapview.details import find_site, ring_contents, site_fields
from riskmap.ui.state import AnalysisResult, t, view_state

__all__ = ["md_escape", "site_panel"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&])")


def md_escape(text: str) -> str:
    """Registry text inside Markdown: every special character backslash-escaped, so it shows as typed."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _nearest_shelter(ws, res: AnalysisResult, layer_id: str, row: pd.Series) -> str:
    from riskmodel.context import refuge_layer
    from riskmodel.coverage import nearest_shelter

    refuge = refuge_layer()
    shelters = ws.layers.get(refuge)
    if shelters is None or not len(shelters):
        return t("工作区中没有应急避难场所。", "No shelters in the workspace.")
    ctx = res.context
    shelters_xy = ctx.layer_xy(refuge) if ctx is not None else None  # projected once, in the context
    if layer_id == refuge:
        keep = (shelters["id"].astype(str) != str(row["id"])).to_numpy()
        shelters = shelters[keep]
        shelters_xy = shelters_xy[keep] if shelters_xy is not None else None
    sh = res.analysis.shelters
    unusable = sh.loc[~sh["usable"].astype(bool), "id"].astype(str).tolist() if len(sh) else []
    point = gpd.GeoDataFrame({"id": [row["id"]]}, geometry=[row.geometry], crs="EPSG:4326")
    near = nearest_shelter(
        point, shelters, res.rules, ws.metric_crs, unusable_ids=unusable, shelters_xy=shelters_xy
    ).iloc[0]
    if pd.isna(near["distance_m"]):
        return t("没有可用的应急避难场所。", "No usable shelter.")
    inside = (
        t("在其服务半径内", "within its service radius")
        if near["covered"]
        else t("超出其服务半径", "outside its service radius")
    )
    return t(
        f"最近可用避难场所：{near['shelter_name']}（{near['shelter_id']}，{near['shelter_class']}），"
        f"距离 {near['distance_m']:.0f} m，服务半径 {near['service_radius_m']:.0f} m，{inside}。",
        f"Nearest usable shelter: {near['shelter_name']} ({near['shelter_id']}), "
        f"{near['distance_m']:.0f} m away, service radius {near['service_radius_m']:.0f} m, {inside}.",
    )


def _rings(res: AnalysisResult, layer_id: str, site_id: str) -> None:
    role, table = ring_contents(res.analysis.pairs, layer_id, site_id)
    if role == "hazard":
        st.markdown(t("**暴露圈内**", "**Inside its exposure rings**"))
        if not len(table):
            st.caption(t("暴露圈内没有其他点位。", "Nothing inside its rings."))
            return
        summary = table.groupby(["图层", "圈层"]).size().rename("数量").reset_index()
        st.dataframe(summary, hide_index=True, width="stretch")
    else:
        st.markdown(t("**位于以下隐患点的暴露圈内**", "**Inside the rings of these hazards**"))
        if not len(table):
            st.caption(t("不在任何隐患点的暴露圈内。", "Not inside any hazard's rings."))
            return
    st.dataframe(table, hide_index=True, width="stretch", height=min(35 * (len(table) + 1) + 3, 260))


def site_panel(ws, res: AnalysisResult) -> None:
    """Details of the selected site (or a hint to click one)."""
    vs = view_state()
    if not vs.selected_site:
        st.caption(t("点击地图上的点位查看详情。", "Click a site on the map to see its details."))
        return
    lid, sid = vs.selected_site
    row = find_site(ws.layers, lid, sid)
    if row is None:
        st.caption(t(f"点位 {sid} 已不在图层中。", f"Site {sid} is no longer in the layer."))
        return
    st.markdown(f"#### {md_escape(row.get('name') or sid)}")
    st.caption(get_kind(lid).label)
    fields = pd.DataFrame(site_fields(row, lid), columns=[t("字段", "Field"), t("值", "Value")])
    st.dataframe(fields, hide_index=True, width="stretch")
    if res.analysis is None:
        st.caption(t(f"风险分析暂不可用：{res.message}", f"Risk analysis not available: {res.message}"))
    else:
        _rings(res, lid, sid)
        st.markdown(md_escape(_nearest_shelter(ws, res, lid, row)))
    from riskmap.ui.inspect_page import inspection_details

    inspection_details(ws, lid, sid)  # last inspection, open finding, photos, history
    if st.button(t("清除选择", "Clear selection"), key="clear_site"):
        vs.selected_site = None
        st.rerun()
