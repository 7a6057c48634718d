"""Page: 风险分析 — the risk model's tables and charts (same frames as ``riskmap analyze``)."""

from __future__ import annotations

import streamlit as st

from riskmap.render.labels import township_table_zh
from riskmap.ui.state import current_analysis, current_workspace, sample_banner, t, view_state
from riskmap.ui.tables import display_table

__all__ = ["render"]


def _lang() -> str:
    return view_state().lang


def _townships(a) -> None:
    towns = a.townships
    st.subheader(t("乡镇(街道)风险汇总", "Township summary"))
    st.caption(a.summary.get(t("risk_index_formula", "risk_index_formula_en"), ""))
    chart = towns.set_index("name")[["risk_index"]].sort_values("risk_index", ascending=False)
    st.bar_chart(chart.rename(columns={"risk_index": t("风险指数", "Risk index")}), height=280, sort=False)
    exposed = towns.set_index("name")[["exposed_people_danger", "exposed_people_watch"]].loc[chart.index]
    st.bar_chart(
        exposed.rename(
            columns={
                "exposed_people_danger": t("危险区内人数", "In danger rings"),
                "exposed_people_watch": t("关注区内人数", "In watch rings"),
            }
        ),
        height=280,
        sort=False,
    )
    st.dataframe(township_table_zh(towns, view_state().lang), hide_index=True, width="stretch")


def _hazards(a) -> None:
    st.subheader(t("隐患点暴露情况", "Hazard exposure"))
    h = a.hazards.sort_values("people_danger", ascending=False)
    st.dataframe(display_table(h, _lang()), hide_index=True, width="stretch", height=320)


def _violations(a) -> None:
    st.subheader(t("安全距离问题", "Safety-distance issues"))
    if not len(a.violations):
        st.caption(t("未发现安全距离问题。", "No safety-distance issues found."))
        return
    by_rule = a.violations.groupby("rule_label").size().rename(t("数量", "Count")).rename_axis(t("规则", "Rule"))
    st.bar_chart(by_rule, height=220)
    st.dataframe(display_table(a.violations, _lang()), hide_index=True, width="stretch", height=300)


def _coverage(a) -> None:
    st.subheader(t("避难场所容量与覆盖", "Shelter capacity and coverage"))
    st.dataframe(display_table(a.shelters, _lang()), hide_index=True, width="stretch", height=280)
    st.dataframe(display_table(a.coverage, _lang()), hide_index=True, width="stretch", height=280)


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t("风险分析", "Risk analysis"))
    res = current_analysis()
    if res.analysis is None:
        st.info(t(f"风险分析暂不可用：{res.message}", f"Risk analysis not available: {res.message}"))
        return
    a = res.analysis
    tabs = st.tabs(
        [
            t("乡镇汇总", "Townships"),
            t("隐患点", "Hazards"),
            t("安全距离", "Safety distances"),
            t("避难覆盖", "Shelter coverage"),
            t("模型参数", "Model rules"),
        ]
    )
    with tabs[0]:
        _townships(a)
    with tabs[1]:
        _hazards(a)
    with tabs[2]:
        _violations(a)
    with tabs[3]:
        _coverage(a)
    with tabs[4]:
        st.caption(
            t(
                "每个默认值的来源：standard = 标准条文，assumed = 假设值，workspace = 工作区覆盖。",
                "Source of every default: standard clause, assumption, or workspace override.",
            )
        )
        st.dataframe(display_table(a.rules, _lang()), hide_index=True, width="stretch")
