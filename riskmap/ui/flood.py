"""Page: 汛期态势."""

from __future__ import annotations

import streamlit as st

from riskmap.ui.state import current_workspace, sample_banner, t


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t("汛期态势", "flood"))
    st.info(t("此页面正在建设中。", "This page is being built."))
