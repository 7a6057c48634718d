"""Page: 县域风险概览 — the county's risk picture in a minute: KPIs, the township risk map, worst townships."""

from __future__ import annotations

import streamlit as st

from layers.kinds import LAYER_KINDS
from layers.selection import Selection
from riskmap.mapview import MapView, build_map
from riskmap.render.labels import township_table_zh
from riskmap.ui.mappanel import asset_base, show_map
from riskmap.ui.plan import render_headline as render_plan_headline
from riskmap.ui.state import current_analysis, current_workspace, sample_banner, t, view_state

__all__ = ["OVERVIEW_LAYERS", "render"]

OVERVIEW_LAYERS = tuple(k.id for k in LAYER_KINDS if k.overview)
_WORST_COLUMNS = [
    "name",
    "risk_index",
    "threatened_people",
    "exposed_people_danger",
    "shelter_overflow_people",
    "people_uncovered",
    "violations",
]


def _kpis(ws, totals: dict) -> None:
    n_sites = sum(len(f) for f in ws.layers.values())
    cols = st.columns(6)
    cols[0].metric(t("登记点位", "Registered sites"), f"{n_sites:,}")
    cols[1].metric(
        t("地灾威胁人数", "People threatened (geohazards)"), f"{totals.get('threatened_people', 0):,.0f}"
    )
    cols[2].metric(
        t("危险区内人数", "People in danger rings"), f"{totals.get('exposed_people_danger', 0):,.0f}"
    )
    cols[3].metric(
        t("避难容量缺口(人)", "Shelter capacity gap"), f"{totals.get('capacity_deficit_people', 0):,.0f}"
    )
    cols[4].metric(
        t("避难服务未覆盖人口", "People outside shelter reach"), f"{totals.get('people_uncovered', 0):,.0f}"
    )
    cols[5].metric(t("安全距离问题", "Safety-distance issues"), f"{totals.get('violations', 0):,.0f}")


def _worst(towns) -> None:
    st.subheader(t("风险最高的乡镇(街道)", "Highest-risk townships"))
    worst = towns.nlargest(5, "risk_index")[[c for c in _WORST_COLUMNS if c in towns.columns]]
    st.dataframe(township_table_zh(worst, view_state().lang), hide_index=True, width="stretch")


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t(f"{ws.name}安全风险概览", f"{ws.name} — risk overview"))
    res = current_analysis()
    values = res.risk_values
    if res.analysis is None:
        st.info(t(f"风险分析暂不可用：{res.message}", f"Risk analysis not available: {res.message}"))
    else:
        _kpis(ws, res.analysis.summary.get("totals", {}))
    left, right = st.columns([3, 2])
    with left:
        view = MapView(
            selection=Selection(layers=OVERVIEW_LAYERS), show_villages=False, lang=view_state().lang
        )
        show_map(
            build_map(ws, view, township_values=values, asset_base=asset_base()),
            key="overview_map",
            height=520,
        )
    with right:
        if res.analysis is not None:
            _worst(res.analysis.townships)
            st.caption(res.analysis.summary.get(t("risk_index_formula", "risk_index_formula_en"), ""))
            st.caption(
                t(
                    "详见「风险分析」页；点位明细见「图层浏览」。",
                    "See the Analysis page for all tables and the Map page for every site.",
                )
            )
        render_plan_headline()
