"""One-page leadership briefing (A4, PDF and PNG) of a flood and warning scenario.

Map (warning colours on the townships, the depth overlay), KPIs, the worst townships and the
actions. Built with matplotlib's object API (no pyplot state); a CJK font is embedded in the PDF as a Type 3 subset
(8× faster to write than Type 42 for the big CJK font; text stays extractable).
Personal data never appears: only allow-listed columns are printed, and any registry field marked
``Field.personal`` (contact name, phone) is dropped first.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from layers.clock import SHANGHAI, to_shanghai
from layers.kinds import LAYER_KINDS
from layers.labels import layer_label
from riskmap.render.fonts import matplotlib_family
from riskmap.render.overlay import Overlay
from riskmap.render.palettes import depth_legend, warning_hex
from riskmodel.scenario import ScenarioResult
from riskmodel.warning import WarningColor

__all__ = ["PERSONAL_FIELDS", "briefing_font", "render_briefing", "strip_personal"]

PERSONAL_FIELDS: frozenset[str] = frozenset(f.name for k in LAYER_KINDS for f in k.all_fields if f.personal)
_MAX_ACTION_LINES = 22
_MAX_TOWNSHIPS = 8


def briefing_font() -> str:
    """Family name of the CJK font (:func:`riskmap.render.fonts.cjk_font_path`); '' when none is found."""
    return matplotlib_family()


def strip_personal(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop every personal column (``Field.personal``: contact name, phone)."""
    return frame.drop(columns=[c for c in frame.columns if c in PERSONAL_FIELDS])


def render_briefing(
    ws,
    result: ScenarioResult,
    overlay: Overlay | None = None,
    *,
    title: str | None = None,
    generated: datetime | None = None,
    tasks: pd.DataFrame | None = None,
) -> tuple[bytes, bytes]:
    """The briefing as ``(pdf_bytes, png_bytes)``.

    ``tasks``: per township ``tasks_total, tasks_done, people_planned, people_confirmed`` of the issued
    event (``layers.records.tasks.task_summary``); shown as 任务完成 and 确认转移 columns.
    """
    import matplotlib

    result = _with_tasks(result, tasks)

    pdf, png = io.BytesIO(), io.BytesIO()
    with matplotlib.rc_context(_rc()):
        fig = _figure(ws, result, overlay, title, to_shanghai(generated or datetime.now(SHANGHAI)))
        fig.savefig(pdf, format="pdf", metadata={"Creator": "riskmap", "CreationDate": None})
        fig.savefig(png, format="png", dpi=110)
    return pdf.getvalue(), png.getvalue()


def _with_tasks(result: ScenarioResult, tasks: pd.DataFrame | None) -> ScenarioResult:
    if tasks is None or tasks.empty:
        return result
    t = tasks.set_index("township")
    towns = result.townships.copy()
    for col in ("tasks_total", "tasks_done", "people_planned", "people_confirmed"):
        towns[col] = towns["name"].map(t[col]).fillna(0).astype(int)
    return replace(result, townships=towns)


def _rc() -> dict:
    family = briefing_font()
    return {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "pdf.fonttype": 3,
        "axes.unicode_minus": False,
    }


def _figure(ws, result, overlay, title, generated) -> Figure:
    fig = Figure(figsize=(8.27, 11.69))
    _header(fig, ws, result, title, generated)
    _kpis(fig, result.summary)
    _map(fig.add_axes((0.05, 0.47, 0.52, 0.36)), ws, result, overlay)
    _legend(fig.add_axes((0.59, 0.47, 0.37, 0.36)), result, ws.config)
    _townships(fig.add_axes((0.05, 0.29, 0.9, 0.16)), result.townships)
    _actions(fig.add_axes((0.05, 0.03, 0.9, 0.25)), result.actions)
    return fig


def _header(fig, ws, result, title, generated) -> None:
    name = title or f"{ws.name} 汛期态势简报"
    fig.text(0.05, 0.965, name, fontsize=17, weight="bold")
    src = result.summary.get("source") or "无洪水情景"
    warned = "、".join(f"{t}{c}" for t, c in result.summary.get("warnings", {}).items()) or "无"
    sample = "　【样例数据，非官方登记】" if getattr(ws, "is_sample", False) else ""
    fig.text(0.05, 0.945, f"情景：{src}　预警：{warned}", fontsize=8.5)
    fig.text(
        0.05,
        0.93,
        f"生成时间：{generated:%Y-%m-%d %H:%M}{sample}　本简报不含个人联系方式",
        fontsize=8,
        color="#555",
    )


def _kpi_items(s: dict) -> list[tuple[str, str]]:
    flooded = s.get("sites_flooded", {})
    n_sites = sum(v for k, v in flooded.items() if k != "village")
    return [
        ("受影响人口", f"{s['people_exposed']:,}"),
        ("淹没面积", f"{s['flooded_area_m2'] / 1e6:.2f} km²"),
        ("淹没站点", f"{n_sites}"),
        ("避难场所不可用", f"{s['shelters_unusable']}"),
        ("渡口停渡", f"{s['ferries_to_stop']}"),
        (
            "转移人数",
            f"{s['evacuate_people']:,}" + (f"（缺{s['overflow_people']}）" if s["overflow_people"] else ""),
        ),
    ]


def _kpis(fig, summary: dict) -> None:
    items = _kpi_items(summary)
    width = 0.9 / len(items)
    for i, (label, value) in enumerate(items):
        ax = fig.add_axes((0.05 + i * width, 0.855, width - 0.008, 0.065))
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_facecolor("#f2f5fa")
        ax.text(0.5, 0.66, value, ha="center", va="center", fontsize=12.5, weight="bold", color="#08306b")
        ax.text(0.5, 0.24, label, ha="center", va="center", fontsize=8)


def _map(ax, ws, result, overlay) -> None:
    towns = ws.townships.to_crs("EPSG:3857")
    colors = towns["name"].map(lambda n: warning_hex(result.warnings[n]) if n in result.warnings else "#ffffff")
    towns.plot(ax=ax, color=colors.tolist(), alpha=0.35, edgecolor="#666", linewidth=0.4)
    if overlay is not None:
        ax.imshow(overlay.rgba, extent=overlay.extent_3857, interpolation="nearest", zorder=3, alpha=0.9)
    ws.county.to_crs("EPSG:3857").boundary.plot(ax=ax, color="#222", linewidth=0.9, zorder=4)
    if getattr(ws, "river", None) is not None and not ws.river.empty:
        ws.river.to_crs("EPSG:3857").plot(ax=ax, color="#3182bd", linewidth=0.8, zorder=4)
    for name, pt in zip(towns["name"], towns.representative_point(), strict=True):
        ax.text(pt.x, pt.y, str(name), fontsize=5, ha="center", va="center", zorder=5, color="#333")
    xmin, ymin, xmax, ymax = towns.total_bounds
    ax.set_xlim(xmin, xmax), ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal"), ax.set_xticks([]), ax.set_yticks([]), ax.set_xlabel(""), ax.set_ylabel("")
    ax.set_title("淹没水深与乡镇预警", fontsize=9)


def _legend(ax, result, config: dict) -> None:
    ax.axis("off")
    depth = [
        Patch(color=(r / 255, g / 255, b / 255), label=f"水深 {cls}（{bounds}）")
        for cls, bounds, (r, g, b, _a) in depth_legend(config)
    ]
    warn = [Patch(color=warning_hex(c), alpha=0.5, label=f"{c.value}色预警（{c.roman}级）") for c in WarningColor]
    ax.legend(
        handles=depth + warn, loc="upper left", fontsize=7.5, frameon=False, title="图例", title_fontsize=8
    )
    flooded = result.summary.get("sites_flooded", {})
    lines = [f"{layer_label(k)}：{v}" for k, v in flooded.items() if v]
    ax.text(
        0.0,
        0.3,
        "淹没站点（按类别）\n" + ("\n".join(lines) if lines else "无"),
        fontsize=7.5,
        va="top",
        transform=ax.transAxes,
        linespacing=1.6,
    )


def _townships(ax, townships: pd.DataFrame) -> None:
    ax.axis("off")
    top = townships[
        (townships["severity"] > 0) | (townships["people_exposed"] > 0) | (townships["flooded_area_m2"] > 0)
    ].head(_MAX_TOWNSHIPS)
    ax.set_title(f"重点乡镇（前 {len(top)} 个，按严重程度排序）", fontsize=9, loc="left")
    if top.empty:
        ax.text(0, 0.5, "无受影响乡镇", fontsize=8)
        return
    flooded_cols = [f"flooded_{k.id}" for k in LAYER_KINDS if f"flooded_{k.id}" in top.columns]
    cells = [
        [
            r["name"],
            r["warning"] or "—",
            f"{int(r['people_exposed']):,}",
            f"{r['flooded_area_m2'] / 1e6:.2f}",
            str(int(sum(r[c] for c in flooded_cols))),
            str(int(r["ferries_to_stop"])),
            str(int(r["evacuate_people"])),
            str(int(r["actions"])),
        ]
        for r in top.to_dict("records")
    ]
    head = ["乡镇", "预警", "受影响人口", "淹没面积(km²)", "淹没站点", "停渡渡口", "转移人数", "措施数"]
    if "tasks_total" in top.columns:  # an issued event: task progress and confirmed evacuation
        head += ["任务完成", "确认转移"]
        for row, r in zip(cells, top.to_dict("records"), strict=True):
            row += [f"{r['tasks_done']}/{r['tasks_total']}", f"{r['people_confirmed']}/{r['people_planned']}"]
    table = ax.table(cellText=cells, colLabels=head, loc="upper left", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1, 1.15)


def _action_lines(actions: pd.DataFrame) -> list[str]:
    safe = strip_personal(actions)[["township", "warning", "action", "detail"]]
    lines = []
    for (town, warn), group in safe.groupby(["township", "warning"], sort=False):
        lines.append(f"■ {town}（{warn}色预警）")
        for action, sub in group.groupby("action", sort=False):
            shown = "；".join(sub["detail"].astype(str).head(3))
            more = f" 等 {len(sub)} 项" if len(sub) > 3 else ""
            lines.append(f"    {action}：{shown}{more}")
    return lines


def _actions(ax, actions: pd.DataFrame) -> None:
    ax.axis("off")
    ax.set_title("处置措施（完整清单见 actions.csv）", fontsize=9, loc="left")
    lines = [w for line in _action_lines(_by_severity(actions)) for w in _wrap(line)]
    if len(lines) > _MAX_ACTION_LINES:
        lines = [
            *lines[: _MAX_ACTION_LINES - 1],
            f"……另有 {len(lines) - _MAX_ACTION_LINES + 1} 行，见 actions.csv",
        ]
    text = "\n".join(lines) if lines else "无（未发布预警或无触发条件）"
    ax.text(0, 1, text, fontsize=7, va="top", ha="left", transform=ax.transAxes, linespacing=1.35)


def _by_severity(actions: pd.DataFrame) -> pd.DataFrame:
    rank = actions["warning"].map(lambda w: WarningColor(w).rank if w else 0)
    return actions.assign(_r=rank).sort_values(["_r", "township"], ascending=[False, True], kind="stable")


def _wrap(line: str, width: int = 66) -> list[str]:
    """Wrap a line of mostly CJK text (one glyph ≈ two Latin ones) with a hanging indent."""
    indent = "    " if line.startswith("    ") else ""
    body = line[len(indent) :]
    parts = [body[i : i + width] for i in range(0, len(body), width)] or [""]
    return [indent + parts[0], *(indent + "    " + p for p in parts[1:])]
