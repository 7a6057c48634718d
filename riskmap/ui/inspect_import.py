"""数据管理 → 巡查导入: upload a filled packet XLSX or an ODK/Kobo submissions CSV/ZIP; see the result."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from layers.access import Reach
from layers.errors import LayerError
from layers.records.importer import import_inspections
from riskmap.ui.auth import current_actor
from riskmap.ui.state import t

__all__ = ["inspection_import_tab"]

_MAX_MB = 50


def inspection_import_tab(ws) -> None:
    st.caption(t("导入填好的乡镇巡查包（XLSX 的 巡查记录 / 行动任务 表）或 ODK Central / KoboToolbox 导出的提交数据"
                 "（CSV，或含 media 的 ZIP）。按记录编号更新，同一文件重复导入不会重复记录。",
                 "Import a filled township packet or ODK/Kobo submissions; re-importing changes nothing."))
    actor = current_actor()
    if actor.spec.edit == Reach.NONE:
        st.info(t(f"用户 {actor.label} 为只读账户，不能导入巡查记录。", f"{actor.label} is read-only; cannot import."))
        return
    if actor.spec.edit == Reach.TOWNSHIP:
        st.caption(t(f"只导入 {actor.township} 的点位和任务；其他乡镇的行会被拒收（非本乡镇数据）。",
                     f"Only rows for {actor.township} are imported; others are rejected."))
    up = st.file_uploader(t("巡查文件", "File"), type=["xlsx", "csv", "zip"], key="ins_upload")
    media = st.file_uploader(t("照片（媒体 ZIP，可选）", "Media ZIP (optional)"), type=["zip"], key="ins_media")
    if up is None or not st.button(t("导入巡查记录", "Import"), key="ins_go"):
        return
    if up.size > _MAX_MB * 1024 * 1024:
        st.error(t(f"文件超过 {_MAX_MB} MB 上限", f"File larger than {_MAX_MB} MB"))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(up.name).name
        path.write_bytes(up.getvalue())
        mpath = None
        if media is not None:
            mpath = Path(tmp) / "media.zip"
            mpath.write_bytes(media.getvalue())
        try:
            report = import_inspections(ws, path, actor=actor, media=mpath)
        except LayerError as exc:
            st.error(str(exc))
            return
    (st.warning if report.rejects else st.success)(report.summary())
    rows = [{"类型": "拒收", "行": r.row, "编号": r.site_id, "字段": r.field, "原因": r.reason} for r in report.rejects]
    rows += [{"类型": "照片", "行": r.row, "编号": r.site_id, "字段": r.field, "原因": r.reason}
             for r in report.photo_rejects]
    rows += [{"类型": "警告", "行": r.row, "编号": r.site_id, "字段": r.field, "原因": r.reason} for r in report.warnings]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
