"""Page: 乡镇导出 — export what the map shows.

The selection is the app's one selection (``view_state().selection``, the map's filters): the
page opens with it and the same widgets edit it, so the map and the export never disagree.
Files are produced only when a download button is clicked (deferred ``data`` callables).
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from layers.errors import LayerError
from layers.exports import (
    FORMAT_LABELS,
    FORMATS,
    MIME_TYPES,
    collect_export,
    export_bytes,
    export_stem,
    render_townships_zip,
)
from layers.kinds import get_kind
from riskmap.ui.auth import current_actor
from riskmap.ui.cards_panel import render_cards_section
from riskmap.ui.filters import selection_widgets
from riskmap.ui.state import current_workspace, sample_banner, t, view_state

__all__ = ["render"]


def _counts(bundle) -> None:
    items = [(t("合计", "Total"), bundle.total)] + [
        (t(get_kind(lid).label, get_kind(lid).label_en), n) for lid, n in bundle.counts.items()
    ]
    per_row = min(4, len(items))
    for start in range(0, len(items), per_row):  # one row of columns per four: a phone keeps the order
        for col, (label, n) in zip(st.columns(per_row), items[start:start + per_row], strict=False):
            col.metric(label, f"{n:,}")
    if not bundle.total:
        st.warning(
            t(
                "没有符合条件的点位：导出的文件只含表头（PDF 注明“无符合条件的点位”）。",
                "No site matches: the files will hold headers only.",
            )
        )


def _downloads(ws, selection) -> None:
    stem = export_stem(selection, ws.name)
    cols = st.columns(4)
    for i, fmt in enumerate(FORMATS):
        cols[i % 4].download_button(
            FORMAT_LABELS[fmt],
            data=partial(export_bytes, ws, selection, fmt, actor=current_actor()),
            file_name=f"{stem}.{fmt}",
            mime=MIME_TYPES[fmt],
            key=f"export_dl_{fmt}",
            on_click="ignore",
        )
    from layers.records.xlsform import xlsform_bytes

    cols[len(FORMATS) % 4].download_button(
        t("XLSForm（ODK / KoboToolbox 巡查表单）", "XLSForm (ODK / KoboToolbox)"),
        data=partial(xlsform_bytes, ws, selection),
        file_name=f"{stem}_巡查表单.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="export_dl_xlsform",
        on_click="ignore",
    )


def _per_township(ws, selection) -> None:
    st.subheader(t("各乡镇分别导出", "One file per township"))
    count = len(selection.townships) or len(ws.townships)
    fmt = st.selectbox(t("格式", "Format"), FORMATS, format_func=FORMAT_LABELS.get, key="export_batch_fmt")
    st.download_button(
        t(f"下载 {count} 个乡镇的文件（ZIP）", f"Download {count} township files (ZIP)"),
        data=partial(render_townships_zip, ws, selection, fmt, actor=current_actor()),
        file_name=f"{ws.name}_各乡镇_{fmt}.zip",
        mime=MIME_TYPES["zip"],
        key="export_dl_batch",
        on_click="ignore",
    )


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t("乡镇导出", "Export by township"))
    st.caption(
        t(
            "默认导出地图页当前的筛选结果（所见即所导）；在此修改筛选，地图页同步。",
            "Exports what the map shows; changing the filters here changes the map too.",
        )
    )
    vs = view_state()
    vs.selection = selection_widgets(ws, vs.selection)
    try:
        bundle = collect_export(ws, vs.selection, actor=current_actor())
    except LayerError as exc:
        st.error(str(exc))
        return
    st.info(vs.selection.describe())
    _counts(bundle)
    _downloads(ws, vs.selection)
    _per_township(ws, vs.selection)
    render_cards_section(ws, vs.selection)
