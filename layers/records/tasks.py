"""Warning actions as tasks: an issued scenario is a named event whose actions have stable task ids.

``issue_event`` saves ``records/events/<event_id>.json`` (the actions of a scenario, each with a
``task_id`` derived from the event, the action, the site and the township — issuing the same
scenario under the same name again gives the same ids). Status reports come back as
:data:`~layers.records.schema.TASK_UPDATES` records (packet sheet 行动任务, XLSForm, phone page);
a task's status is its latest report. :func:`task_summary` gives per township tasks done / total
and people confirmed evacuated against planned.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import orjson
import pandas as pd

from layers.access import audit
from layers.access.guard import check_county_edit
from layers.access.roles import Actor
from layers.errors import LayerFileError
from layers.kinds import get_kind
from layers.records.inspections import TZ, CheckedSubmissions, Reject, parse_times
from layers.records.schema import TASK_UPDATES, TaskStatus
from layers.records.store import actor_name, read_records
from layers.store.io import atomic_write_bytes, layer_lock

__all__ = [
    "check_task_updates",
    "event_tasks",
    "issue_event",
    "list_events",
    "open_tasks",
    "task_summary",
]

_EVAC_KEYS = ("evacuate", "evacuate_overflow")  # the warning rules' evacuation action keys
TASK_COLUMNS = ("task_id", "township", "warning", "action", "key", "layer", "id", "name", "detail", "people")


def _events_dir(root: Path) -> Path:
    return Path(root) / "records" / "events"


def _hash(text: str, n: int = 10) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def issue_event(root: str | Path, actions: pd.DataFrame, *, name: str, warnings: dict[str, str],
                actor: Actor | None = None, now: datetime | None = None) -> dict:
    """Save a scenario's actions as a named event with stable task ids; returns the event document.

    ``actor`` (default: the local operator) must edit county-wide (管理员, 县级编辑), else
    :class:`~layers.access.AccessDeniedError` and nothing is written; the issue is one audit line."""
    actor = check_county_edit(actor, "发布预警任务")
    name = name.strip()
    if not name:
        raise LayerFileError("事件名称不能为空；用 --issue 名称，如 --issue 2026-07-12暴雨")
    event_id = "EV" + _hash(name, 8)
    tasks = []
    for a in actions.to_dict("records"):
        tid = "RW" + _hash(f"{event_id}|{a['key']}|{a['layer']}|{a['id']}|{a['township']}")
        tasks.append({"task_id": tid, **{c: _plain(a.get(c)) for c in TASK_COLUMNS if c != "task_id"}})
    when = (now or datetime.now(TZ)).isoformat(timespec="seconds")
    doc = {"event_id": event_id, "name": name, "issued_at": when, "issued_by": actor_name(actor),
           "warnings": {k: str(v) for k, v in warnings.items()}, "tasks": list({t["task_id"]: t for t in tasks}.values())}
    path = _events_dir(Path(root)) / f"{event_id}.json"
    with layer_lock(root, "records-events"):
        atomic_write_bytes(path, orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    audit.record(root, actor, "task_issue", event_id, name=name, tasks=len(doc["tasks"]),
                 warnings=doc["warnings"])
    return doc


def _plain(v):
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    return None if isinstance(v, float) and v != v else v


def list_events(root: str | Path) -> list[dict]:
    """Issued events, newest first."""
    folder = _events_dir(Path(root))
    docs = [orjson.loads(p.read_bytes()) for p in sorted(folder.glob("EV*.json"))] if folder.exists() else []
    return sorted(docs, key=lambda d: d["issued_at"], reverse=True)


def event_tasks(root: str | Path, event_id: str | None = None) -> pd.DataFrame:
    """Tasks of an event (the newest when ``event_id`` is None) with their current status."""
    events = list_events(root)
    if event_id is not None:
        events = [e for e in events if e["event_id"] == event_id]
        if not events:
            raise LayerFileError(f"没有事件 {event_id}；已发布的事件：{'、'.join(e['event_id'] for e in list_events(root)) or '无'}")
    cols = [*TASK_COLUMNS, "event_id", "event_name", "layer_label", "status", "by", "at", "notes",
            "people_evacuated"]
    if not events:
        return pd.DataFrame(columns=cols)
    ev = events[0]
    tasks = pd.DataFrame(ev["tasks"], columns=list(TASK_COLUMNS))
    tasks["event_id"], tasks["event_name"] = ev["event_id"], ev["name"]
    tasks["layer_label"] = tasks["layer"].map(lambda lid: get_kind(lid).label if lid else "")
    latest = _latest_updates(root)
    tasks = tasks.merge(latest, on="task_id", how="left")
    tasks["status"] = tasks["status"].fillna(TaskStatus.PENDING.value)
    return tasks[cols]


def _latest_updates(root) -> pd.DataFrame:
    ups = pd.DataFrame(read_records(root, TASK_UPDATES),
                       columns=["task_id", "status", "by", "at", "notes", "people_evacuated", "update_id"])
    if ups.empty:
        return ups.drop(columns="update_id")
    ups["_order"] = range(len(ups))
    ups = ups.sort_values(["at", "_order"], na_position="first", kind="stable")
    return ups.groupby("task_id").tail(1).drop(columns=["update_id", "_order"])


def open_tasks(root, townships) -> pd.DataFrame:
    """Tasks of the newest event in these townships (for the packet's 行动任务 sheet)."""
    tasks = event_tasks(root)
    return tasks[tasks["township"].isin(list(townships))].reset_index(drop=True)


def task_summary(root, event_id: str | None = None) -> pd.DataFrame:
    """Per township: tasks total / done and people planned / confirmed evacuated."""
    t = event_tasks(root, event_id)
    cols = ["township", "tasks_total", "tasks_done", "people_planned", "people_confirmed"]
    if t.empty:
        return pd.DataFrame(columns=cols)
    evac = t["key"].isin(_EVAC_KEYS)
    t = t.assign(done=t["status"].eq(TaskStatus.DONE.value),
                 planned=pd.to_numeric(t["people"], errors="coerce").fillna(0).where(evac, 0),
                 confirmed=pd.to_numeric(t["people_evacuated"], errors="coerce").fillna(0).where(evac, 0))
    g = t.groupby("township").agg(tasks_total=("task_id", "size"), tasks_done=("done", "sum"),
                                  people_planned=("planned", "sum"), people_confirmed=("confirmed", "sum"))
    return g.reset_index().astype({"tasks_done": int, "people_planned": int, "people_confirmed": int})[cols]


def check_task_updates(frame: pd.DataFrame, tasks: pd.DataFrame, *, source: str, now: datetime | None = None,
                       township: str | None = None) -> CheckedSubmissions:
    """Validate task status reports against the issued tasks (unknown id, status outside the list).

    ``township``: only tasks of this township are accepted (a 乡镇编辑); others get 非本乡镇数据."""
    from layers.access.guard import not_own_township

    out = CheckedSubmissions([])
    known = set(tasks["task_id"])
    town_of = dict(zip(tasks["task_id"], tasks["township"], strict=True))
    listed = "、".join(TaskStatus)
    when = parse_times(frame["at"]) if "at" in frame.columns else pd.Series(pd.NaT, index=frame.index)
    current = pd.Timestamp(now or datetime.now(TZ))
    for i, r in enumerate(frame.to_dict("records")):
        row, tid = r.get("row"), str(r.get("task_id") or "").strip()
        status = str(r.get("status") or "").strip() or TaskStatus.RUNNING.value
        people = pd.to_numeric(pd.Series([r.get("people_evacuated")]), errors="coerce").iloc[0]
        problem = (
            ("task_id", f"任务 “{tid}” 不存在；请用最新导出的行动任务表") if tid not in known else
            ("township", not_own_township(town_of[tid], township))
            if township is not None and town_of[tid] != township else
            ("status", f"任务状态 “{status}” 不在可选值中；可选值：{listed}") if status not in set(TaskStatus) else
            ("people_evacuated", f"已转移人数 “{r.get('people_evacuated')}” 应为数字")
            if r.get("people_evacuated") not in (None, "") and (pd.isna(people) or people < 0) else
            ("at", "反馈时间晚于当前时间") if pd.notna(when.iloc[i]) and when.iloc[i] > current else None)
        if problem:
            out.rejects.append(Reject(_row(row), tid or None, *problem))
            continue
        at = when.iloc[i].isoformat() if pd.notna(when.iloc[i]) else None
        by = str(r.get("by") or "").strip() or None
        notes = str(r.get("notes") or "").strip() or None
        uid = "FK" + _hash(f"{r.get('key') or ''}|{tid}|{status}|{at}|{by}|{notes}|{people}", 14)
        out.records.append({"update_id": uid, "task_id": tid, "status": status, "by": by, "at": at, "notes": notes,
                            "people_evacuated": None if pd.isna(people) else float(people), "source": source})
    return out


def _row(v) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None
