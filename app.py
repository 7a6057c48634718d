"""垫江县安全风险一张图 — the Streamlit app. Composition only: pages live in ``riskmap.ui``."""

from __future__ import annotations

import streamlit as st

from riskmap.ui import analysis, browse, data, export_page, flood, inspect_page, overview, plan
from riskmap.ui.auth import login_gate
from riskmap.ui.state import t, view_state
from riskmap.ui.theme import apply_theme

st.set_page_config(page_title="垫江县安全风险一张图", page_icon="🗺️", layout="wide")

with st.sidebar:
    lang = st.radio("语言 / Language", ["中文", "English"], horizontal=True, key="lang_choice")
    view_state().lang = "en" if lang == "English" else "zh"
apply_theme(data.MAX_UPLOAD_MB)
actor = login_gate()  # only a way to the login form until signed in (layers.access)


def _overview_link() -> None:
    """/overview as a deep link: the default page is served at / only, so a hidden twin answers there."""
    overview.render()


PAGES = [
    st.Page(overview.render, title=t("县域风险概览", "Overview"), url_path="home", default=True),
    st.Page(_overview_link, title=t("县域风险概览", "Overview"), url_path="overview", visibility="hidden"),
    st.Page(browse.render, title=t("图层浏览", "Map"), url_path="map"),
    st.Page(export_page.render, title=t("乡镇导出", "Export"), url_path="export"),
    st.Page(flood.render, title=t("汛期态势", "Flood season"), url_path="flood"),
    st.Page(analysis.render, title=t("风险分析", "Analysis"), url_path="analysis"),
    st.Page(plan.render, title=t("年度任务", "Work plan"), url_path="plan"),
    st.Page(data.render, title=t("数据管理", "Data"), url_path="data"),
    st.Page(inspect_page.render, title=t("巡查上报", "Field report"), url_path="inspect"),
]
st.navigation([p for p in PAGES if actor.may_open(p.url_path)]).run()
