"""The 两卡 download on the export page: one township's 防灾工作明白卡 and 防灾避险明白卡 as a PDF."""

from __future__ import annotations

import streamlit as st

from layers.errors import LayerError
from layers.imports.households import workspace_households
from riskmap.render.cards import cards_for
from riskmap.ui.auth import current_actor
from riskmap.ui.state import t
from riskmodel.cards import card_sets
from riskmodel.rules import CARD_LAYERS

__all__ = ["cards_pdf", "render_cards_section"]


def cards_pdf(ws, township: str) -> bytes:
    """The township's 两卡 PDF (made when the download button is clicked)."""
    (cs,) = card_sets(ws, [township], workspace_households(ws.root))
    return cards_for(ws.root, cs, current_actor()) or b""


def render_cards_section(ws, selection) -> None:
    st.subheader(t("地灾“两卡”", "Geohazard cards (两卡)"))
    st.caption(t("每个地质灾害隐患点一张 A4 防灾工作明白卡，每户一张 A5 防灾避险明白卡（每页两张）；"
                 "登记表缺的内容留空线手写，预定避灾地点为最近的可用且安全的避难场所。",
                 "Per geohazard site an A4 work card, per threatened household an A5 card (two per page)."))
    names = [str(n) for n in ws.townships["name"]]
    default = selection.townships[0] if selection.townships and selection.townships[0] in names else names[0]
    town = st.selectbox(t("乡镇(街道)", "Township"), names, index=names.index(default), key="cards_township")
    sites = ws.layers.get(CARD_LAYERS["site"])
    n = int((sites["township"] == town).sum()) if sites is not None else 0
    if not n:
        st.info(t(f"{town}没有登记地质灾害隐患点，无需发放两卡。", f"{town} has no geohazard site: no cards."))
        return
    try:
        households = workspace_households(ws.root)
    except LayerError as exc:
        st.error(str(exc))
        return
    source = t("受威胁户表", "the household table") if households is not None else t(
        "各点威胁户数（空白卡）", "each site's household count (blank cards)")
    st.caption(t(f"{town}：{n} 个隐患点；户信息来自{source}。", f"{town}: {n} sites; households from {source}."))
    st.download_button(t(f"下载 {town} 两卡（PDF）", f"Download the cards of {town} (PDF)"),
                       data=lambda: cards_pdf(ws, town), file_name=f"{town}_两卡.pdf", mime="application/pdf",
                       key="cards_download", on_click="ignore")
