"""Page: 汛期态势 — flood-depth overlay, township warning colours, KPIs, townships by severity,
actions per township, the one-page briefing.

The scenario is computed by ``riskmodel.scenario.run_scenario`` and cached (``st.cache_data``) by
its inputs: workspace stamp, flood source (water level or raster file + mtime) and warnings.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from layers.errors import LayerError
from layers.kinds import LAYER_KINDS
from layers.selection import Selection
from riskmap.ui.state import (
    current_analysis,
    current_workspace,
    sample_banner,
    t,
    view_state,
    workspace_stamp,
)
from riskmap.ui.tables import display_table
from riskmodel.errors import RiskModelError
from riskmodel.warning import WarningColor

__all__ = ["FloodChoice", "kpi_items", "render", "township_view", "warnings_from_lists"]

SOURCES = ("water_level", "raster", "none")
OVERLAY_PX = 480  # the page's depth overlay, longest side (the briefing and CLI keep full resolution)
TOWNSHIP_HEADERS = {
    "code": "代码",
    "name": "乡镇(街道)",
    "warning": "预警",
    "people_exposed": "受影响人口",
    "flooded_area_km2": "淹没面积(km²)",
    "flooded_share": "淹没比例",
    "max_depth_m": "最大水深(m)",
    "sites_flooded": "淹没站点",
    "shelters_unusable": "避难场所不可用",
    "ferries_to_stop": "渡口停渡",
    "evacuate_people": "转移人数",
    "overflow_people": "容量不足人数",
    "actions": "措施数",
}


@dataclass(frozen=True)
class FloodChoice:
    """The page's inputs (hashable: the cache key)."""

    source: str = "water_level"
    level_m: float = 3.0
    raster: str = ""
    warnings: tuple[tuple[str, str], ...] = ()


def warnings_from_lists(lists: dict[str, list[str]]) -> dict[str, WarningColor]:
    """{colour: [townships]} from the widgets → {township: colour}; the most severe colour wins."""
    out: dict[str, WarningColor] = {}
    for color in sorted((WarningColor(c) for c in lists), key=lambda c: c.rank):
        for name in lists[color.value]:
            out[name] = color
    return out


def kpi_items(summary: dict) -> list[tuple[str, str]]:
    """(label, value) of the KPI cards."""
    flooded = summary["sites_flooded"]
    n_sites = sum(v for k, v in flooded.items() if k != "village")
    return [
        (t("受影响人口", "People exposed"), f"{summary['people_exposed']:,}"),
        (t("淹没站点（各类合计）", "Sites flooded (all kinds)"), f"{n_sites:,}"),
        (t("避难场所不可用", "Shelters unusable"), f"{summary['shelters_unusable']:,}"),
        (t("渡口停渡", "Ferries to stop"), f"{summary['ferries_to_stop']:,}"),
        (t("转移人数", "People to evacuate"), f"{summary['evacuate_people']:,}"),
        (t("淹没面积(km²)", "Flooded area (km²)"), f"{summary['flooded_area_m2'] / 1e6:.2f}"),
    ]


def township_view(townships: pd.DataFrame) -> pd.DataFrame:
    """The township table as shown (already sorted by severity), Chinese headers."""
    t_ = townships.copy()
    t_["flooded_area_km2"] = (t_["flooded_area_m2"] / 1e6).round(3)
    t_["flooded_share"] = (t_["flooded_share"] * 100).round(1).astype(str) + "%"
    kinds = [f"flooded_{k.id}" for k in LAYER_KINDS if f"flooded_{k.id}" in t_.columns]
    t_["sites_flooded"] = t_[kinds].sum(axis=1)
    t_["max_depth_m"] = t_["max_depth_m"].round(2)
    return t_[list(TOWNSHIP_HEADERS)].rename(columns=TOWNSHIP_HEADERS)


# ---------------------------------------------------------------- cached computation


@st.cache_data(show_spinner="正在计算水位情景…", max_entries=8)
def _water_level_tiff(stamp: tuple, level_m: float) -> bytes:
    from riskmodel.waterlevel import water_level_tiff_bytes

    ws = current_workspace()
    return water_level_tiff_bytes(ws.dem_path, ws.river, level_m)


def _depth_bytes(ws, choice: FloodChoice, stamp: tuple) -> tuple[bytes | None, str]:
    from riskmodel.flood import check_depth_raster, open_depth_raster
    from riskmodel.waterlevel import water_level_label

    if choice.source == "water_level":
        return _water_level_tiff(stamp, choice.level_m), water_level_label(ws.river, choice.level_m)
    if choice.source == "raster" and choice.raster:
        with open_depth_raster(choice.raster) as ds:
            check_depth_raster(ds, ws.county, name=Path(choice.raster).name)
        return Path(choice.raster).read_bytes(), f"水深栅格 {Path(choice.raster).name}"
    return None, "无洪水（仅预警）"


@st.cache_data(show_spinner="正在计算汛期情景…", max_entries=16)
def _scenario(stamp: tuple, choice: FloodChoice, raster_mtime: int) -> dict:
    from rasterio.io import MemoryFile

    from riskmap.render.overlay import depth_overlay
    from riskmodel.scenario import run_scenario

    ws = current_workspace()
    ctx = current_analysis().context  # the cached model context: unsafe shelters are not re-derived
    data, label = _depth_bytes(ws, choice, stamp)
    warnings = {n: WarningColor(c) for n, c in choice.warnings}
    if data is None:
        res = run_scenario(ws, None, warnings, source=label, context=ctx)
        return {"result": _light(res), "overlay": None}
    with MemoryFile(data) as mem, mem.open() as ds:
        res = run_scenario(ws, ds, warnings, source=label, context=ctx)
        ov = depth_overlay(ds, config=ws.config, max_px=OVERLAY_PX, outline=True)
    return {"result": _light(res), "overlay": ov}


def _light(res):
    res.sites = {}  # the per-site frames stay out of the cache; site_depths has what the page shows
    return res


@st.cache_data(show_spinner="正在生成简报…", max_entries=4)
def _briefing(stamp: tuple, choice: FloodChoice, raster_mtime: int, tasks_stamp: tuple = ()) -> tuple[bytes, bytes]:
    from layers.records.tasks import list_events, task_summary
    from riskmap.render.briefing import render_briefing

    computed = _scenario(stamp, choice, raster_mtime)
    ws = current_workspace()
    tasks = task_summary(ws.root) if list_events(ws.root) else None
    return render_briefing(ws, computed["result"], computed["overlay"], tasks=tasks)


def _tasks_stamp(ws) -> tuple:
    folder = ws.root / "records"
    files = [folder / "task_updates.jsonl", *sorted((folder / "events").glob("*.json"))] if folder.exists() else []
    return tuple((p.name, p.stat().st_mtime_ns) for p in files if p.exists())


# ---------------------------------------------------------------- widgets


def _flood_rasters(ws) -> list[Path]:
    return sorted((ws.root / "flood").glob("*.tif")) if (ws.root / "flood").is_dir() else []


def _source_widgets(ws) -> tuple[str, float, str]:
    labels = {
        "water_level": t("水位情景（由高程模型计算）", "Water-level scenario (from the DEM)"),
        "raster": t("水深栅格（flood/*.tif）", "Depth raster (flood/*.tif)"),
        "none": t("无洪水（仅预警）", "No flood (warnings only)"),
    }
    source = st.radio(t("洪水情景", "Flood scenario"), SOURCES, format_func=labels.get, key="flood_source")
    level = st.slider(
        t("河流水位上涨 (m)", "River rise (m)"),
        0.0,
        10.0,
        3.0,
        0.5,
        key="flood_level",
        disabled=source != "water_level",
    )
    rasters = _flood_rasters(ws)
    raster = ""
    if source == "raster":
        if not rasters:
            st.info(
                t("工作区 flood/ 文件夹中没有水深栅格。", "No depth raster in the workspace's flood/ folder.")
            )
        else:
            raster = str(
                st.selectbox(
                    t("水深栅格", "Depth raster"), rasters, format_func=lambda p: p.name, key="flood_raster"
                )
            )
    return source, level, raster


def _warning_widgets(ws) -> dict[str, WarningColor]:
    st.markdown(t("**乡镇预警颜色**", "**Township warnings**"))
    names = list(ws.townships["name"].astype(str))
    lists = {
        c.value: st.multiselect(f"{c.value}色预警（{c.roman}级）", names, key=f"flood_warn_{c.name.lower()}",
                                placeholder=t("选择乡镇(街道)", "Choose townships"))
        for c in WarningColor
    }
    return warnings_from_lists(lists)


def _choice(ws) -> FloodChoice:
    with st.sidebar:
        st.subheader(t("汛期情景", "Flood scenario"))
        source, level, raster = _source_widgets(ws)
        warnings = _warning_widgets(ws)
    return FloodChoice(
        source=source,
        level_m=float(level),
        raster=raster,
        warnings=tuple(sorted((n, c.value) for n, c in warnings.items())),
    )


def _kpis(summary: dict) -> None:
    items = kpi_items(summary)
    for col, (label, value) in zip(st.columns(len(items)), items, strict=True):
        col.metric(label, value)
    from layers.labels import layer_label

    per_kind = "　".join(f"{layer_label(k)} {v}" for k, v in summary["sites_flooded"].items() if v)
    st.caption(
        t("按类别淹没：", "Flooded by kind: ")
        + (per_kind or t("无", "none"))
        + "　｜　"
        + t("情景：", "Scenario: ")
        + summary["source"]
    )


def _legend_html(opacity: float, config: dict) -> str:
    from riskmap.render.palettes import depth_legend

    cells = "".join(
        f'<span style="display:inline-block;width:14px;height:14px;opacity:{opacity};'
        f'background:rgb{c[:3]};margin:0 4px 0 10px;vertical-align:middle"></span>{n}（{b}）'
        for n, b, c in depth_legend(config)
    )
    return f'<div data-testid="flood-legend" style="font-size:0.85rem">水深：{cells}</div>'


# What leadership acts on in flood season; the 6,000 九小场所 and the fire pools would hide the overlay.
FLOOD_MAP_LAYERS = tuple(k.id for k in LAYER_KINDS if k.overview)


def _map(ws, computed: dict, choice: FloodChoice, opacity: float) -> None:
    import folium

    from riskmap.mapview import MapView, build_map
    from riskmap.ui.mappanel import asset_base, show_map

    extra = []
    ov = computed["overlay"]
    if ov is not None:
        url = "data:image/png;base64," + base64.b64encode(ov.png).decode()
        extra.append(
            folium.raster_layers.ImageOverlay(
                url,
                bounds=[list(ov.bounds[0]), list(ov.bounds[1])],
                opacity=opacity,
                name="淹没水深",
                interactive=False,
                zindex=150,  # above Leaflet's vector canvas (z-index 100: river, boundaries), below the sites
            )
        )
    colors = dict(choice.warnings)
    view = MapView(selection=Selection(layers=FLOOD_MAP_LAYERS), show_villages=False, choropleth=False,
                   lang="en" if t("zh", "en") == "en" else "zh")
    m = build_map(ws, view, extra_layers=extra, township_colors=colors or None, asset_base=asset_base())
    show_map(m, key="flood_map", height=560)
    st.markdown(_legend_html(opacity, ws.config), unsafe_allow_html=True)


def _actions(actions: pd.DataFrame, order: list[str], csv: bytes | None = None) -> None:
    st.subheader(t("处置措施（按乡镇）", "Actions per township"))
    if actions.empty:
        st.info(
            t("无处置措施：请在左侧为乡镇设置预警颜色。", "No actions: set township warnings in the sidebar.")
        )
        return
    if csv is not None:
        st.download_button(
            t(f"下载完整处置措施清单 actions.csv（{len(actions)} 条）", f"Download actions.csv ({len(actions)} rows)"),
            csv, "actions.csv", "text/csv", key="flood_actions_csv",
        )
    for name in [n for n in order if n in set(actions["township"])]:
        sub = actions[actions["township"] == name]
        with st.expander(f"{name}（{sub['warning'].iloc[0]}色预警）— {len(sub)} 条", expanded=False):
            st.dataframe(
                display_table(sub[["action", "layer", "id", "detail"]], view_state().lang).rename(
                    columns={"action": t("措施", "Action"), "detail": t("说明", "Detail")}
                ),
                hide_index=True,
                width="stretch",
            )


def _downloads(stamp, choice, mtime) -> None:
    st.subheader(t("一页简报", "One-page briefing"))
    if not st.toggle(t("生成简报（PDF / PNG）", "Build the briefing (PDF / PNG)"), key="flood_brief"):
        return
    pdf, png = _briefing(stamp, choice, mtime, _tasks_stamp(current_workspace()))
    c1, c2 = st.columns(2)
    c1.download_button(t("下载简报 PDF", "Download PDF"), pdf, "briefing.pdf", "application/pdf")
    c2.download_button(t("下载简报 PNG", "Download PNG"), png, "briefing.png", "image/png")
    st.image(png, width="stretch")


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t("汛期态势", "Flood season"))
    choice = _choice(ws)
    opacity = st.sidebar.slider(
        t("水深图层透明度", "Overlay opacity"), 0.1, 1.0, 0.7, 0.05, key="flood_opacity"
    )
    stamp = workspace_stamp()
    mtime = Path(choice.raster).stat().st_mtime_ns if choice.raster else 0
    try:
        computed = _scenario(stamp, choice, mtime)
    except (LayerError, RiskModelError) as exc:
        st.error(str(exc))
        return
    result = computed["result"]
    _kpis(result.summary)
    _map(ws, computed, choice, opacity)
    st.subheader(t("乡镇受影响情况（按严重程度排序）", "Townships by severity"))
    st.dataframe(township_view(result.townships), hide_index=True, width="stretch")
    from riskmodel.scenario import actions_csv_bytes

    _actions(result.actions, list(result.townships["name"]), actions_csv_bytes(result))
    _task_progress(ws)
    _downloads(stamp, choice, mtime)


def _task_progress(ws) -> None:
    """Per township of the issued event: tasks done / total, people confirmed evacuated / planned."""
    from layers.records.tasks import list_events, task_summary

    events = list_events(ws.root)
    if not events:
        return
    st.subheader(t(f"任务执行情况：{events[0]['name']}", f"Task progress: {events[0]['name']}"))
    s = task_summary(ws.root, events[0]["event_id"])
    view = pd.DataFrame({
        t("乡镇", "Township"): s["township"],
        t("任务完成", "Tasks done"): [f"{d}/{n}" for d, n in zip(s["tasks_done"], s["tasks_total"], strict=True)],
        t("确认转移/计划转移（人）", "Evacuated confirmed/planned"): [
            f"{c}/{p}" for c, p in zip(s["people_confirmed"], s["people_planned"], strict=True)],
    })
    st.dataframe(view, hide_index=True, width="stretch")
