"""Shared page state: the cached workspace, the one view-state object, language, the sample banner.

State lives in one dataclass under one session key (``VIEW_KEY``); the map's selection is the
export page's default ("export what I see"). Big read-only results (the workspace, the risk
analysis) are held in ``st.cache_resource`` keyed by the workspace files' stamp; never mutate them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from layers.errors import LayerError
from layers.selection import Selection
from layers.store.workspace import DEFAULT_WORKSPACE, Workspace, load_workspace
from riskmodel.analysis import analyze_workspace
from riskmodel.context import build_context
from riskmodel.errors import RiskModelError

__all__ = [
    "VIEW_KEY",
    "AnalysisResult",
    "ViewState",
    "current_analysis",
    "current_workspace",
    "sample_banner",
    "t",
    "view_state",
    "workspace_root",
    "workspace_stamp",
]

VIEW_KEY = "riskmap_view"


@dataclass
class ViewState:
    """Everything a user has chosen that more than one page reads."""

    selection: Selection = field(default_factory=Selection)
    lang: str = "zh"
    selected_site: tuple[str, str] | None = None  # (layer id, site id) last clicked
    basemap: str = "workspace"
    zoom_to: tuple[float, float] | None = None  # (lat, lon) the 图层浏览 map was last zoomed to
    ring_layer: str | None = None  # show the exposure rings of this whole (filtered) layer
    last_click: tuple | None = None  # the last map click already handled
    show_hillshade: bool = True
    show_villages: bool = True
    choropleth: bool = True


@dataclass(frozen=True)
class AnalysisResult:
    """The risk analysis, or why it is not available (never a traceback)."""

    analysis: object | None
    rules: object | None
    message: str = ""
    context: object | None = None  # the riskmodel.context.ModelContext the analysis was run on

    @property
    def risk_values(self) -> dict | None:
        """Township name → risk index, what the maps colour by (None without an analysis)."""
        if self.analysis is None:
            return None
        towns = self.analysis.townships
        return dict(zip(towns["name"], towns["risk_index"], strict=True))


def view_state() -> ViewState:
    if VIEW_KEY not in st.session_state:
        st.session_state[VIEW_KEY] = ViewState()
    return st.session_state[VIEW_KEY]


def t(zh: str, en: str) -> str:
    """The user's language: Chinese by default, English when switched."""
    return en if view_state().lang == "en" else zh


def workspace_root() -> Path:
    return Path(os.environ.get("RISKMAP_WORKSPACE", DEFAULT_WORKSPACE))


def _files_stamp(root: Path) -> tuple:
    files = [*root.glob("*.geojson"), root / "workspace.toml", root / "dem.tif"]
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in files if p.exists()))


def workspace_stamp() -> tuple:
    """Changes whenever a workspace file changes: the key of every cache derived from it."""
    root = workspace_root()
    return (str(root), _files_stamp(root))


@st.cache_resource(show_spinner="正在加载工作区…", max_entries=2)
def _load(root: str, stamp: tuple) -> Workspace:
    return load_workspace(root)


@st.cache_resource(max_entries=8)
def _masked(root: str, stamp: tuple, role: str, township: str | None, _ws: Workspace) -> Workspace:
    from layers.access import Actor, masked_workspace

    return masked_workspace(_ws, Actor("-", role, township))


def current_workspace() -> Workspace:
    """The workspace as the signed-in user may see it (personal data masked by role; cached per role
    and township), until one of its files changes. Treat it as read-only.

    A workspace that cannot be loaded at all (no folder, no workspace.toml, a broken base layer)
    stops the page with its message instead of a traceback.
    """
    from riskmap.ui.auth import current_actor

    root = workspace_root()
    try:
        stamp = _files_stamp(root) if root.is_dir() else ()
        actor = current_actor()
        return _masked(str(root), stamp, actor.role, actor.township, _load(str(root), stamp))
    except LayerError as exc:
        st.error(t(f"无法加载工作区：{exc}", f"Cannot load the workspace: {exc}"))
        st.stop()
        raise  # st.stop() raises; this line only tells type checkers the function never returns here


@st.cache_resource(show_spinner="正在计算风险分析…", max_entries=2)
def _analyse(stamp: tuple) -> AnalysisResult:
    root = workspace_root()
    ws = _load(str(root), _files_stamp(root) if root.is_dir() else ())
    try:
        ctx = build_context(ws)  # sites projected and rings sized once per workspace stamp
        return AnalysisResult(analyze_workspace(ws, context=ctx), ctx.rules, context=ctx)
    except RiskModelError as exc:
        return AnalysisResult(None, None, str(exc))


def current_analysis() -> AnalysisResult:
    """The risk analysis of the current workspace, with its model context (cached; read-only)."""
    return _analyse(workspace_stamp())


def sample_banner(ws: Workspace) -> None:
    """The page header every page shows: the sample-data banner, and any layer that failed validation."""
    _problem_banner(ws)
    if ws.is_sample:
        st.warning(
            t(
                "⚠️ 样例数据：当前加载的是内置的合成样例工作区，并非官方登记数据，仅供演示与测试。",
                "⚠️ SAMPLE DATA: the bundled workspace is synthetic, not official registry data.",
            ),
            icon=None,
        )


def _problem_banner(ws: Workspace) -> None:
    errors = ws.errors
    if not errors:
        return
    layers = "、".join(dict.fromkeys(p.layer for p in errors))
    st.error(t(f"工作区有 {len(errors)} 处错误（图层：{layers}）；出错的记录或文件可能未显示。请运行 `riskmap validate` "
               "或在“数据管理”页修正。",
               f"The workspace has {len(errors)} errors (layers: {layers}); affected records or files may be "
               "missing. Run `riskmap validate` or fix them on the Data page."))
    with st.expander(t("查看错误明细", "Show the errors")):
        st.code("\n".join(p.line() for p in errors[:500]), language=None)
