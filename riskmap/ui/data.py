"""Page: 数据管理 — import a registry file (preview the diff and the rejects, then apply), browse
versions and roll back. Thin: every decision is made in :mod:`layers.imports.importer` and :mod:`layers.store.workspace`.

State: one :class:`DataPageState` under ``DATA_KEY`` (the plan being previewed and the last outcome).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from layers.access.audit import audit_enabled
from layers.clock import shown
from layers.crs import CRS_CHOICES
from layers.errors import LayerError
from layers.imports.importer import (
    ImportMode,
    ImportPlan,
    apply_import,
    plan_import,
    rejects_bytes,
)
from layers.imports.preview import diff_rows
from layers.imports.readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES
from layers.imports.template import import_template_xlsx
from layers.kinds import LAYER_KINDS, get_kind
from layers.store.workspace import Workspace, layer_history, rollback_layer
from riskmap.ui.audit_panel import audit_tab
from riskmap.ui.auth import current_actor
from riskmap.ui.state import current_workspace, sample_banner, t, view_state

DATA_KEY = "riskmap_data_page"
MAX_UPLOAD_MB = DEFAULT_MAX_BYTES // (1024 * 1024)
_AUTO = "auto"


@dataclass
class DataPageState:
    """The plan shown in the preview (``None`` until 预览) and the last success message."""

    plan: ImportPlan | None = None
    done: str | None = None


def _state() -> DataPageState:
    if DATA_KEY not in st.session_state:
        st.session_state[DATA_KEY] = DataPageState()
    return st.session_state[DATA_KEY]


def _plain(text: str) -> str:
    """Registry and file text shown through markdown-rendering widgets: escape markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-!<>|~$])", r"\\\1", str(text))


def _layer_label(layer_id: str) -> str:
    return f"{get_kind(layer_id).label}（{layer_id}）"


def _crs_label(key: str) -> str:
    return t("自动（文件声明的坐标系，否则 WGS 84）", "auto") if key == _AUTO else CRS_CHOICES.get(key, key)


def _options(metric_crs: str) -> dict:
    c1, c2, c3 = st.columns(3)
    layer = c1.selectbox(
        t("图层", "Layer"), [k.id for k in LAYER_KINDS], format_func=_layer_label, key="dm_layer"
    )
    crs = c2.selectbox(
        t("源坐标系", "Source CRS"), [_AUTO, *CRS_CHOICES, "其他 EPSG"], format_func=_crs_label, key="dm_crs"
    )
    if crs == "其他 EPSG":
        crs = c2.text_input(t("EPSG 编号", "EPSG code"), value=metric_crs, key="dm_epsg")  # the workspace's own
    mode = c3.radio(
        t("导入方式", "Mode"),
        [m.value for m in ImportMode],
        key="dm_mode",
        format_func=lambda v: ImportMode(v).label,
        horizontal=True,
    )
    c4, c5 = st.columns(2)
    encoding = c4.selectbox(t("文本编码（CSV）", "Encoding"), ["auto", "utf-8", "gb18030"], key="dm_encoding")
    sheet = (
        c5.text_input(t("工作表/图层名（可空）", "Sheet or layer (optional)"), key="dm_sheet").strip() or None
    )
    return {
        "layer_id": layer,
        "crs": None if crs == _AUTO else crs,
        "mode": mode,
        "encoding": encoding,
        "sheet": sheet,
    }


def _plan_upload(ws: Workspace, upload, options: dict) -> ImportPlan:
    """Check the size first, then stream the upload to a temporary file and plan the import."""
    if upload.size > DEFAULT_MAX_BYTES:
        raise LayerError(
            f"{upload.name}: 文件大小 {upload.size / 1048576:.1f} MB 超过上限 {MAX_UPLOAD_MB} MB；请拆分后分批导入"
        )
    with tempfile.TemporaryDirectory(prefix="riskmap-upload-") as tmp:
        path = Path(tmp) / f"upload{Path(upload.name).suffix.lower()}"
        with path.open("wb") as fh:
            for chunk in iter(lambda: upload.read(1 << 20), b""):
                fh.write(chunk)
        return plan_import(
            ws,
            options["layer_id"],
            path,
            crs=options["crs"],
            encoding=options["encoding"],
            sheet=options["sheet"],
            mode=options["mode"],
            name=upload.name,
            actor=current_actor(),
        )


def _changes_frame(plan: ImportPlan) -> pd.DataFrame:
    """New, changed and removed rows with their values (id, name, township, key fields; old → new)."""
    return pd.DataFrame(diff_rows(plan, lang=view_state().lang))


def _rejects_frame(plan: ImportPlan) -> pd.DataFrame:
    return pd.DataFrame(
        [{"行号": r.row, "编号": r.id or "", "原因": "；".join(r.reasons)} for r in plan.rejected],
        columns=["行号", "编号", "原因"],
    )


def _show_plan(plan: ImportPlan) -> None:
    d = plan.diff
    st.subheader(t("预览：", "Preview: ") + _plain(plan.name))
    cols = st.columns(6)
    for col, (label, value) in zip(
        cols,
        [
            ("总行数", plan.total),
            ("接受", plan.accepted),
            ("新增", len(d.added)),
            ("更新", len(d.changed)),
            ("删除", len(d.removed)),
            ("拒绝", len(plan.rejected)),
        ],
        strict=True,
    ):
        col.metric(label, value)
    for hint in plan.hints:
        st.warning(_plain(hint))
    for note in plan.notes:
        st.info(_plain(note))
    if d.added or d.changed or d.removed:
        st.dataframe(_changes_frame(plan), hide_index=True, width="stretch")
    if plan.rejected:
        st.error(
            t(
                f"{len(plan.rejected)} 行被拒绝（不会导入），原因如下：",
                f"{len(plan.rejected)} rows rejected:",
            )
        )
        st.dataframe(_rejects_frame(plan), hide_index=True, width="stretch")
        name, data = rejects_bytes(plan)
        st.download_button(
            t("下载拒绝的行（含原因列）", "Download rejected rows"), data, file_name=name, key="dm_rejects"
        )
    if plan.warnings:
        with st.expander(t(f"警告 {len(plan.warnings)} 条（仍会导入）", "Warnings")):
            st.text("\n".join(plan.warnings))


def _template_button(ws: Workspace, layer_id: str) -> None:
    kind = get_kind(layer_id)
    st.download_button(
        t(f"下载“{kind.label}”导入模板（Excel，含下拉选项与填写说明）", f"Download the {kind.label_en} template"),
        import_template_xlsx(kind, tuple(str(n) for n in ws.townships["name"])),
        file_name=f"{kind.label}_导入模板.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dm_template",
    )


def _import_tab(ws: Workspace) -> None:
    state = _state()
    options = _options(ws.metric_crs)
    _template_button(ws, options["layer_id"])
    upload = st.file_uploader(
        t(f"上传文件（≤ {MAX_UPLOAD_MB} MB）", f"Upload a file (≤ {MAX_UPLOAD_MB} MB)"),
        key="dm_upload",
        type=[s.lstrip(".") for s in SUPPORTED_SUFFIXES],
        max_upload_size=MAX_UPLOAD_MB,
    )
    if upload is not None and st.button(t("预览差异", "Preview"), key="dm_preview", type="primary"):
        state.done = None
        try:
            state.plan = _plan_upload(ws, upload, options)
        except LayerError as exc:
            state.plan = None
            st.error(_plain(str(exc)))
    if state.done:
        st.success(_plain(state.done))
    if state.plan is not None:
        _show_plan(state.plan)
        if state.plan.accepted and st.button(t("确认导入", "Apply"), key="dm_apply", type="primary"):
            _apply(state)


def _apply(state: DataPageState) -> None:
    try:
        v = apply_import(state.plan, current_actor())
    except LayerError as exc:
        st.error(_plain(str(exc)))
        return
    state.done = (
        f"已导入 {state.plan.name}：保存为 {state.plan.layer_id} 的版本 {v.version}（共 {v.count} 条）"
    )
    state.plan = None
    st.rerun()


def _history_tab(ws: Workspace) -> None:
    layer = st.selectbox(
        t("图层", "Layer"), [k.id for k in LAYER_KINDS], format_func=_layer_label, key="dm_hist_layer"
    )
    versions = layer_history(ws.root, layer)
    if not versions:
        st.info(t("该图层还没有历史版本（第一次保存时会把原文件记为版本 1）。", "No versions yet."))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {"版本": v.version, "时间": shown(v.time), "用户": v.user, "来源": v.source, "条数": v.count,
                 "说明": v.note}
                for v in reversed(versions)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if not current_actor().spec.rollback:
        st.caption(t("回滚只限管理员。", "Only administrators can roll back."))
        return
    choice = st.selectbox(
        t("回滚到版本", "Roll back to"), [v.version for v in reversed(versions)], key="dm_version"
    )
    if st.button(t("回滚（恢复为新版本）", "Roll back"), key="dm_rollback"):
        try:
            v = rollback_layer(ws.root, layer, int(choice), actor=current_actor())
            st.success(
                t(f"已恢复版本 {choice}，记为新版本 {v.version}", f"Restored v{choice} as v{v.version}")
            )
        except LayerError as exc:
            st.error(_plain(str(exc)))


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t("数据管理", "Data management"))
    actor = current_actor()
    names = [t("导入", "Import"), t("历史版本与回滚", "History and rollback"), t("巡查导入", "Inspections")]
    show_audit = actor.spec.audit and audit_enabled(ws.root)  # kept once the workspace has accounts
    if show_audit:
        names.append(t("审计日志", "Audit log"))
    tabs = st.tabs(names)
    with tabs[0]:
        if actor.spec.edit.value == "none":
            st.info(t(f"{actor.role}角色只能查看，不能导入。", "Your role is read-only."))
        else:
            _import_tab(ws)
    with tabs[1]:
        _history_tab(ws)
    with tabs[2]:
        from riskmap.ui.inspect_import import inspection_import_tab

        inspection_import_tab(ws)
    if show_audit:
        with tabs[3]:
            audit_tab(ws.root)
