"""The work plan's files in a workspace: ``plan.toml`` (targets) and ``plan_progress.jsonl``.

``plan_progress.jsonl`` is the append-only log of progress entered by hand for targets that no
registry field measures (``riskmap plan set TARGET VALUE --note …``). One JSON line per entry:
``version, time (Asia/Shanghai), year, target, value, previous, note, actor, prev_sha256`` — each
line carries the SHA-256 of the line before it, so an edited or removed line breaks the chain
(:func:`read_progress` says where). A new entry rewrites the file atomically (old lines byte for
byte plus the new one) under the workspace's ``plan_progress`` lock; nothing is ever changed in place.
The latest entry of a target is its value.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import math
import os
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from layers.access import audit
from layers.access.guard import check_county_edit
from layers.access.roles import Actor
from layers.kinds import LAYER_KINDS, LayerKind
from layers.store.io import atomic_write_bytes, layer_lock
from riskmodel.errors import OutputError
from riskmodel.plan import Plan, PlanError, PlanResult, evaluate_plan, parse_plan

__all__ = [
    "PLAN_FILE",
    "PROGRESS_FILE",
    "TZ",
    "compute_workspace_plan",
    "latest_progress",
    "load_plan",
    "local_operator",
    "read_progress",
    "set_progress",
    "today",
    "write_plan_outputs",
]

PLAN_FILE = "plan.toml"
PROGRESS_FILE = "plan_progress.jsonl"
TZ = ZoneInfo("Asia/Shanghai")
_LOCK = "plan_progress"


def today() -> date:
    """Today in Asia/Shanghai (the plan's dates are local dates)."""
    return datetime.now(TZ).date()


def local_operator() -> str:
    """The name of the local operator's entries (a workspace without accounts): the login name."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USER", "operator")


def kinds_by_id() -> dict[str, LayerKind]:
    return {k.id: k for k in LAYER_KINDS}


def load_plan(root: str | Path, kinds: Mapping[str, LayerKind] | None = None) -> Plan:
    """Read and validate ``<root>/plan.toml`` against the registry kinds (default: every declared kind)."""
    path = Path(root) / PLAN_FILE
    if not path.exists():
        raise PlanError(f"{path}: 工作区没有年度工作方案文件 plan.toml（格式见 README “年度任务”）")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: 格式错误（{exc}）") from None
    return parse_plan(doc, kinds if kinds is not None else kinds_by_id(), source=str(path))


def _sha(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def read_progress(root: str | Path) -> list[dict]:
    """Every progress entry, oldest first; a broken hash chain or a bad line raises :class:`PlanError`."""
    path = Path(root) / PROGRESS_FILE
    if not path.exists():
        return []
    out, prev = [], ""
    for n, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            raise PlanError(f"{path}: 第 {n} 行不是 JSON；进度记录只能追加，不能手工修改") from None
        if entry.get("prev_sha256", "") != prev:
            raise PlanError(f"{path}: 第 {n} 行的校验链断开（前一行被修改或删除）；请从备份恢复")
        out.append(entry)
        prev = _sha(line)
    return out


def latest_progress(entries: list[dict], year: int) -> dict[str, float]:
    """Target id → the value of its latest entry for ``year``."""
    out: dict[str, float] = {}
    for e in entries:
        if e.get("year") == year:
            out[str(e["target"])] = float(e["value"])
    return out


def set_progress(root: str | Path, plan: Plan, target_id: str, value: float, note: str,
                 actor: Actor | None = None) -> dict:
    """Record ``value`` as the progress of the manual target ``target_id``; returns the new entry.

    ``actor`` (default: the local operator) must edit county-wide (管理员, 县级编辑), else
    :class:`~layers.access.AccessDeniedError`; its name is recorded with the entry and the entry is one
    line of the access audit log. Refused (:class:`PlanError`, nothing written): an unknown target, a
    target measured from the registries, a negative or non-finite value, an empty note.
    """
    actor = check_county_edit(actor, "填报年度任务进度")
    t = plan.target(target_id)
    if t.measured:
        raise PlanError(f"目标 {t.id}: 进度由登记图层 {t.layer} 计算（{t.measure}），不能手工填报；"
                        "请更新登记数据")
    if not math.isfinite(value) or value < 0:
        raise PlanError(f"目标 {t.id}: value: “{value}”应为不小于 0 的数（单位：{t.unit}）")
    if not note or not note.strip():
        raise PlanError(f"目标 {t.id}: note: 请用 --note 写明进度依据（如验收文件、统计口径）")
    path = Path(root) / PROGRESS_FILE
    with layer_lock(root, _LOCK):
        entries = read_progress(root)
        old = path.read_bytes() if path.exists() else b""
        if old and not old.endswith(b"\n"):
            old += b"\n"
        lines = [ln for ln in old.splitlines() if ln.strip()]
        entry = {
            "version": len(entries) + 1,
            "time": datetime.now(TZ).isoformat(timespec="seconds"),
            "year": plan.year,
            "target": t.id,
            "value": float(value),
            "previous": latest_progress(entries, plan.year).get(t.id),
            "unit": t.unit,
            "note": note.strip(),
            "actor": local_operator() if actor.local else actor.name,
            "prev_sha256": _sha(lines[-1]) if lines else "",
        }
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8")
        atomic_write_bytes(path, old + line + b"\n")
    audit.record(root, actor, "plan_progress", t.id, year=plan.year, value=entry["value"],
                 previous=entry["previous"], unit=t.unit, note=entry["note"], version=entry["version"])
    return entry


def compute_workspace_plan(ws, as_of: date | None = None, township: str | None = None,
                           plan: Plan | None = None) -> PlanResult:
    """The workspace's plan computed on its registries and manual progress (today by default)."""
    plan = plan or load_plan(ws.root)
    manual = latest_progress(read_progress(ws.root), plan.year)
    towns = [str(n) for n in ws.townships["name"]]
    by_code = dict(zip(ws.townships["code"].astype(str), towns, strict=True))
    township = by_code.get(str(township), township) if township is not None else None
    if township is not None and township not in towns:
        raise PlanError(f"未知乡镇 “{township}”；可选：{'、'.join(towns)}")
    return evaluate_plan(plan, ws.layers, towns, as_of or today(), manual, township)


def _csv(frame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def write_plan_outputs(result: PlanResult, out_dir: str | Path) -> dict[str, str]:
    """``plan.json`` (the ``--json`` document) and ``plan_targets.csv``, ``plan_townships.csv``,
    ``plan_sites.csv`` (UTF-8 with BOM), each written atomically; returns ``{name: path}``."""
    out_dir = Path(out_dir)
    data = {
        "plan.json": (json.dumps(result.to_json(), ensure_ascii=False, indent=2, default=str) + "\n").encode(),
        "plan_targets.csv": _csv(result.targets),
        "plan_townships.csv": _csv(result.townships),
        "plan_sites.csv": _csv(result.sites),
    }
    paths = {}
    for name, payload in data.items():
        path = out_dir / name
        try:
            atomic_write_bytes(path, payload)
        except OSError as exc:
            raise OutputError(f"无法写入 {path}：{exc.strerror or exc}；请检查 --out 文件夹是否可写") from None
        paths[name.rsplit(".", 1)[0]] = str(path)
    return paths
