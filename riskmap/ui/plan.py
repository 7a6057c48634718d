"""Page: 年度任务 — the year's work-plan targets computed from the registries (same as ``riskmap plan``).

Per target: value / target / % / status and the township holding it back; a chart of progress per
target; for the selected target a chart and a table per township and the sites counted (select a
row to open the site on the map). Manual targets show their logged entries.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from layers.errors import LayerError
from layers.kinds import get_kind
from riskmap.ui.state import current_workspace, sample_banner, t, view_state, workspace_root, workspace_stamp
from riskmodel.errors import RiskModelError
from riskmodel.plan import PlanResult
from riskmodel.planfile import PLAN_FILE, PROGRESS_FILE, compute_workspace_plan, read_progress, today

__all__ = ["current_plan", "render"]

# markdown only; a coloured ● (in the CJK font) rather than emoji, which an offline intranet machine may lack
_STATUS_ICON = {"已完成": ":green[●]", "进行中": ":blue[●]", "滞后": ":red[●]", "未开始": ":gray[●]", "数据缺失": ":orange[●]"}
_STATUS_COLOR = {"已完成": "#1a9850", "进行中": "#4575b4", "滞后": "#d73027", "未开始": "#969696",
                 "数据缺失": "#fdae61"}
_MEASURE = {"count": ("计数", "count"), "sum": ("求和", "sum"), "rate": ("比率", "rate"),
            "manual": ("手工填报", "manual")}
_STATUS_EN = {"已完成": "done", "进行中": "in progress", "滞后": "behind", "未开始": "not started",
              "数据缺失": "no data"}
_STATE_EN = {"计入": "counted", "未完成": "pending", "数据缺失": "data missing", "相关": "concerned"}


def _plan_stamp() -> tuple:
    root = workspace_root()
    files = [root / PLAN_FILE, root / PROGRESS_FILE]
    return tuple((p.name, p.stat().st_mtime_ns) for p in files if p.exists())


@st.cache_resource(show_spinner="正在计算年度任务进度…", max_entries=8)
def _compute(stamp: tuple, plan_stamp: tuple, township: str | None, as_of: date) -> tuple[PlanResult | None, str]:
    ws = current_workspace()
    try:
        return compute_workspace_plan(ws, as_of=as_of, township=township), ""
    except (RiskModelError, LayerError) as exc:
        return None, str(exc)


def current_plan(township: str | None = None) -> tuple[PlanResult | None, str]:
    """The workspace's plan computed today (cached until a registry, plan.toml or the progress log changes)."""
    return _compute(workspace_stamp(), _plan_stamp(), township, today())


def status_text(status: str) -> str:
    return f"{_STATUS_ICON.get(status, '')} {t(status, _STATUS_EN.get(status, status))}"


def _fmt(v) -> str:
    if v is None or v != v:
        return "—"
    return f"{v:,.1f}" if abs(v - round(v)) > 1e-9 else f"{v:,.0f}"


def _targets_table(res: PlanResult) -> pd.DataFrame:
    rows = []
    for r in res.targets.to_dict("records"):
        rows.append({
            t("目标", "Target"): r["name"],
            t("完成值", "Value"): f"{_fmt(r['value'])} {r['unit']}",
            t("目标值", "Goal"): f"{_fmt(r['target'])} {r['unit']}",
            t("完成比例(%)", "Done (%)"): None if r["percent"] is None or r["percent"] != r["percent"]
            else round(min(r["percent"], 999.0), 1),
            t("状态", "Status"): t(r["status"], _STATUS_EN.get(r["status"], r["status"])),
            t("计入点位", "Sites counted"): r["counted"],
            t("数据缺失", "Data missing"): r["missing"],
            t("主要差距乡镇", "Township behind"): r["holding_back"] or "—",
            t("完成时限", "Deadline"): r["deadline"],
            t("方式", "Measure"): t(*_MEASURE[r["measure"]]),
        })
    return pd.DataFrame(rows)


def _target_chart(res: PlanResult) -> None:
    """Share done per target (capped at 100 %), one colour per status."""
    tg = res.targets
    pct, status, name = t("完成比例(%)", "Done (%)"), t("状态", "Status"), t("目标", "Target")
    chart = pd.DataFrame({
        name: tg["name"],
        pct: tg["percent"].astype(float).clip(upper=100).fillna(0.0).round(1),
        status: tg["status"].map(lambda s: t(s, _STATUS_EN.get(s, s))),
    })
    present = list(dict.fromkeys(tg["status"]))
    colors = [_STATUS_COLOR[s] for s in present]
    chart[status] = pd.Categorical(chart[status], categories=[t(s, _STATUS_EN[s]) for s in present])
    st.bar_chart(chart, x=name, y=pct, color=status if len(present) > 1 else colors[0], height=320,
                 horizontal=True, sort=False)


def _township_view(res: PlanResult, target_id: str) -> None:
    row = res.targets.set_index("id").loc[target_id]
    towns = res.townships[res.townships["target_id"].eq(target_id)]
    if not len(towns):
        st.info(t("该目标手工填报进度，不按乡镇统计。", "This target's progress is entered by hand, not per township."))
        return
    pct = row["measure"] == "rate"
    value_label = t("比例(%)", "Rate (%)") if pct else t(f"完成值({row['unit']})", f"Value ({row['unit']})")
    chart = pd.DataFrame({value_label: towns["value"].astype(float).fillna(0).to_numpy(),
                          t("未完成", "Pending"): towns["pending"].to_numpy()}, index=towns["township"])
    st.bar_chart(chart[[value_label]] if pct else chart, height=300, sort=False, stack=not pct)
    table = pd.DataFrame({
        t("乡镇(街道)", "Township"): towns["township"],
        value_label: towns["value"].round(1),
        t("计入", "Counted"): towns["counted"],
        t("未完成", "Pending"): towns["pending"],
        t("数据缺失", "Data missing"): towns["missing"],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="plan_township_table")


def _field_label(layer, name: str) -> str:
    if not name:
        return ""
    try:
        f = get_kind(str(layer)).field(name)
    except LayerError:
        return name
    return t(f.label, f.label_en or f.name)


def _sites_view(res: PlanResult, target_id: str) -> None:
    sites = res.sites[res.sites["target_id"].eq(target_id)].reset_index(drop=True)
    if not len(sites):
        st.caption(t("没有相关点位。", "No sites concerned."))
        return
    shown = pd.DataFrame({
        t("状态", "State"): sites["state"].map(lambda s: t(s, _STATE_EN.get(s, s))),
        t("编号", "ID"): sites["id"],
        t("名称", "Name"): sites["name"],
        t("乡镇(街道)", "Township"): sites["township"],
        t("村(社区)", "Village"): sites["village"].fillna(""),
        t("缺失字段", "Missing field"): [_field_label(lid, f) for lid, f in zip(sites["layer"], sites["missing_field"],
                                                                               strict=True)],
    })
    event = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"plan_sites_{target_id}")
    st.caption(t("选中一行即在「图层浏览」中打开该点位。", "Select a row to open the site on the map."))
    picked = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if picked:
        site = sites.iloc[picked[0]]
        _open_on_map(str(site["layer"]), str(site["id"]), site["township"])


def _open_on_map(layer: str, site_id: str, township) -> None:
    from dataclasses import replace

    from riskmap.ui import browse

    vs = view_state()
    vs.selected_site = (layer, site_id)
    layers = vs.selection.layers
    vs.selection = replace(vs.selection, townships=(str(township),) if township else (),
                           layers=tuple(dict.fromkeys((*layers, layer))) if layers else ())
    st.switch_page(st.Page(browse.render, url_path="map"))  # the app registers the map page under "map"


def _manual_log() -> None:
    try:
        entries = read_progress(workspace_root())
    except RiskModelError as exc:
        st.error(str(exc))
        return
    if entries:
        with st.expander(t(f"手工填报记录（{len(entries)} 条）", f"Manual entries ({len(entries)})")):
            st.dataframe(pd.DataFrame(entries)[["version", "time", "target", "value", "previous", "unit", "note",
                                                "actor"]], hide_index=True, width="stretch")


def render() -> None:
    ws = current_workspace()
    sample_banner(ws)
    st.title(t("年度任务", "Work plan"))
    names = [str(n) for n in ws.townships["name"]]
    township = st.selectbox(t("范围", "Scope"), [None, *names], key="plan_township",
                            format_func=lambda n: t("全县", "Whole county") if n is None else n)
    res, message = current_plan(township)
    if res is None:
        st.info(t(f"年度任务暂不可用：{message}", f"Work plan not available: {message}"))
        return
    p = res.plan
    head = res.headline()
    st.caption(t(f"{p.document}　{p.title}　截至 {res.as_of}（北京时间）；“滞后”= 已过时间比例超过完成比例 "
                 f"{p.behind_margin:.0%} 以上。",
                 f"{p.document} — as of {res.as_of} (Asia/Shanghai); behind = time passed exceeds the share "
                 f"done by more than {p.behind_margin:.0%}."))
    for w in res.warnings:
        st.warning(w)
    cols = st.columns(4)
    cols[0].metric(t("已完成目标", "Targets done"), f"{head['done']}/{head['total']}")
    cols[1].metric(t("滞后", "Behind"), head["behind"])
    cols[2].metric(t("已过时间", "Time passed"), f"{res.targets['time_share'].max():.0%}")
    cols[3].metric(t("数据缺失点位", "Sites missing data"), int(res.targets["missing"].sum()))
    st.subheader(t("各目标进度", "Progress per target"))
    _target_chart(res)
    st.dataframe(_targets_table(res), hide_index=True, width="stretch", key="plan_targets_table")
    ids = list(res.targets["id"])
    labels = dict(zip(res.targets["id"], res.targets["name"], strict=True))
    chosen = st.selectbox(t("查看目标", "Target"), ids, format_func=labels.get, key="plan_target")
    row = res.targets.set_index("id").loc[chosen]
    st.markdown(f"**{row['name']}**　{row['wording']}")
    st.caption(t(f"条款：{row['clause'] or '—'}；责任单位：{row['units'] or '—'}；{row['note']}",
                 f"Clause: {row['clause'] or '—'}; responsible: {row['units'] or '—'}; {row['note']}"))
    left, right = st.columns(2)
    with left:
        st.subheader(t("各乡镇", "Per township"))
        _township_view(res, chosen)
    with right:
        st.subheader(t("点位", "Sites"))
        _sites_view(res, chosen)
    _manual_log()
    st.caption(t("手工目标的进度用命令填报：riskmap plan set 目标编号 数值 --note 依据（追加记录，可审计）。",
                 "Enter manual progress with: riskmap plan set TARGET VALUE --note TEXT (append-only, audited)."))


def render_headline() -> None:
    """The overview's plan headline: targets done / total and the three most behind, each with the
    township that holds it back. Nothing when the workspace has no plan."""
    res, _message = current_plan()
    if res is None:
        return
    head = res.headline()
    st.subheader(t(f"{res.plan.year} 年度任务：已完成 {head['done']}/{head['total']} 项",
                   f"{res.plan.year} work plan: {head['done']} of {head['total']} targets done"))
    lines = []
    for m in head["most_behind"]:
        pct = "—" if m["percent"] is None else f"{m['percent']:.0f}%"
        back = m["holding_back"] or t("手工填报，不分乡镇", "entered by hand")
        lines.append(t(f"- {status_text(m['status'])} **{m['name']}** {pct}（主要差距：{back}）",
                       f"- {status_text(m['status'])} **{m['name']}** {pct} (held back by: {back})"))
    if lines:
        st.markdown(t("最滞后的目标：", "Most behind:") + "\n" + "\n".join(lines))
    st.caption(t("详见「年度任务」页。", "See the Work plan page."))
