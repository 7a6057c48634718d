"""The small hooks the store, the importer and the exports call: check the acting user, record the audit.

* :func:`check_save` — before a layer file is replaced: may this user make exactly this change?
  (a 乡镇编辑 only touches sites whose township — before and after — is theirs). Returns the per-site
  changes that :func:`audit_save` then writes, one line per changed site (field, old, new).
* :func:`reject_other_townships` — an import by a 乡镇编辑: rows of another township get the reason
  非本乡镇数据; the rest go on.
* :func:`check_rollback`, :func:`check_export`, :func:`audit_export`, :func:`audit_import`.
* :func:`check_record` / :func:`not_own_township` — field records (巡查记录, 任务反馈): any edit reach; a
  乡镇编辑's rows for another township's sites are rejected as 非本乡镇数据.
* :func:`check_county_edit` — county-wide writes (年度任务进度, 发布预警任务): 管理员 and 县级编辑 only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from layers.access import audit
from layers.access.audit import Event
from layers.access.roles import LOCAL_OPERATOR, ROLES, AccessDeniedError, Actor, Reach

__all__ = [
    "NOT_OWN_TOWNSHIP",
    "SaveChanges",
    "audit_export",
    "audit_import",
    "audit_save",
    "check_county_edit",
    "check_export",
    "check_import_mode",
    "check_record",
    "check_rollback",
    "check_save",
    "not_own_township",
    "reject_other_townships",
]

NOT_OWN_TOWNSHIP = "非本乡镇数据"
_MAX_LISTED = 5


@dataclass
class SaveChanges:
    """What one save changes, per site id."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[dict]] = field(default_factory=dict)  # id -> [{field, old, new}]

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def _features(data: bytes | None) -> dict[str, dict]:
    if not data:
        return {}
    try:
        doc = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
        feats = doc["features"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return {}
    out = {}
    for i, f in enumerate(feats):
        pid = (f.get("properties") or {}).get("id")
        out[str(pid) if pid is not None else f"（无编号 #{i + 1}）"] = f
    return out


def _field_changes(old: dict, new: dict) -> list[dict]:
    op, np_ = old.get("properties") or {}, new.get("properties") or {}
    out = [{"field": k, "old": op.get(k), "new": np_.get(k)} for k in dict.fromkeys([*op, *np_])
           if op.get(k) != np_.get(k)]
    og, ng = (old.get("geometry") or {}).get("coordinates"), (new.get("geometry") or {}).get("coordinates")
    if og != ng:
        out.append({"field": "geometry", "old": og, "new": ng})
    return out


def _township(f: dict | None) -> object:
    return None if f is None else (f.get("properties") or {}).get("township")


def check_save(layer_id: str, old: bytes | None, new: bytes, actor: Actor | None) -> SaveChanges:
    """Diff the layer file by site id and refuse (nothing written) what the role does not allow."""
    actor = actor or LOCAL_OPERATOR
    reach = actor.spec.edit
    if reach == Reach.NONE:
        raise AccessDeniedError(f"用户 {actor.name}（{actor.role}）无权修改图层 {layer_id}")
    before, after = _features(old), _features(new)
    changes = SaveChanges(
        added=[k for k in after if k not in before],
        removed=[k for k in before if k not in after],
    )
    for k, f in after.items():
        if k in before and before[k] != f:
            diff = _field_changes(before[k], f)
            if diff:
                changes.changed[k] = diff
    if reach == Reach.TOWNSHIP:
        foreign = []
        for k in [*changes.added, *changes.removed, *changes.changed]:
            other = [_township(x) for x in (before.get(k), after.get(k))
                     if x is not None and _township(x) != actor.township]
            if other:
                foreign.append(f"{k}（{other[0] or '未知乡镇'}）")
        if foreign:
            more = f" 等 {len(foreign)} 个" if len(foreign) > _MAX_LISTED else ""
            raise AccessDeniedError(
                f"用户 {actor.name}（乡镇编辑 · {actor.township}）只能修改本乡镇的点位；图层 {layer_id} 的 "
                f"{'、'.join(foreign[:_MAX_LISTED])}{more}为{NOT_OWN_TOWNSHIP}，未保存任何内容"
            )
    return changes


def audit_save(root: str | Path, actor: Actor | None, layer_id: str, changes: SaveChanges, version: int,
               source: str) -> None:
    """One audit line per added, removed or changed site (changed: every field with old and new value)."""
    actor = actor or LOCAL_OPERATOR
    events = [Event(actor, "add", f"{layer_id}/{k}", detail={"version": version, "source": source})
              for k in changes.added]
    events += [Event(actor, "change", f"{layer_id}/{k}", detail={"version": version, "source": source,
                                                                  "changes": v})
               for k, v in changes.changed.items()]
    events += [Event(actor, "remove", f"{layer_id}/{k}", detail={"version": version, "source": source})
               for k in changes.removed]
    audit.record_many(root, events)


def check_import_mode(actor: Actor | None, mode: str) -> None:
    actor = actor or LOCAL_OPERATOR
    if actor.spec.edit == Reach.NONE:
        raise AccessDeniedError(f"用户 {actor.name}（{actor.role}）无权导入数据")
    if actor.spec.edit == Reach.TOWNSHIP and mode == "replace":
        raise AccessDeniedError(f"用户 {actor.name}（乡镇编辑）不能整体替换图层（会删除其他乡镇的点位）；"
                                "请用“更新”（upsert）或“追加”（append）")


def reject_other_townships(actor: Actor | None, townships, ids, current_township_of, reasons: dict) -> None:
    """Add 非本乡镇数据 to every row (0-based position) whose township, or whose stored site's township,
    is not the 乡镇编辑's own. ``townships`` / ``ids`` are per-row values; ``current_township_of(id)``
    gives the stored site's township (None for a new id)."""
    actor = actor or LOCAL_OPERATOR
    if actor.spec.edit != Reach.TOWNSHIP:
        return
    for i, (town, sid) in enumerate(zip(townships, ids, strict=True)):
        stored = current_township_of(sid)
        other = town if town != actor.township else stored
        if town != actor.township or (stored is not None and stored != actor.township):
            shown = other if isinstance(other, str) and other else "未知乡镇"
            reasons.setdefault(i, []).append(
                f"所在乡镇(township): {NOT_OWN_TOWNSHIP}（{shown}；本账户只能导入 {actor.township} 的点位）")


def audit_import(root: str | Path, actor: Actor | None, layer_id: str, name: str, *, accepted: int,
                 rejected: int, added: int, updated: int, removed: int, version: int | None,
                 outcome: str = "成功") -> None:
    audit.record(root, actor or LOCAL_OPERATOR, "import", f"{layer_id} ← {name}", outcome=outcome,
                 accepted=accepted, rejected=rejected, added=added, updated=updated, removed=removed,
                 version=version)


def check_rollback(root: str | Path, actor: Actor | None, layer_id: str, version: int) -> None:
    actor = actor or LOCAL_OPERATOR
    if not actor.spec.rollback:
        audit.record(root, actor, "rollback", f"{layer_id}@v{version}", outcome="拒绝")
        raise AccessDeniedError(f"用户 {actor.name}（{actor.role}）无权回滚图层；回滚只限管理员")


def check_export(actor: Actor | None) -> None:
    actor = actor or LOCAL_OPERATOR
    if not actor.spec.export:
        raise AccessDeniedError(f"用户 {actor.name}（{actor.role}）无权导出台账")


def audit_export(root: str | Path, actor: Actor | None, *, fmt: str, layers: list[str], township: str,
                 rows: int, masked: bool) -> None:
    audit.record(root, actor or LOCAL_OPERATOR, "export", f"{township} · {fmt}", layers=layers,
                 township=township, rows=rows, masked=masked, format=fmt)


def check_record(actor: Actor | None, what: str) -> tuple[Actor, str | None]:
    """Refuse (nothing written) a user who may not record field data; returns the actor and the township
    its rows are limited to (None: every township)."""
    actor = actor or LOCAL_OPERATOR
    actor.require("edit", what)
    return actor, (actor.township if actor.spec.edit == Reach.TOWNSHIP else None)


def not_own_township(township: object, own: str) -> str:
    """The reject reason of a field record for a site of another township."""
    shown = township if isinstance(township, str) and township else "未知乡镇"
    return f"{NOT_OWN_TOWNSHIP}（{shown}；本账户只能上报 {own} 的点位）"


def check_county_edit(actor: Actor | None, what: str) -> Actor:
    """Refuse (nothing written) unless the user may edit county-wide (管理员, 县级编辑)."""
    actor = actor or LOCAL_OPERATOR
    if actor.spec.edit != Reach.ALL:
        allowed = "、".join(r.name for r in ROLES if r.edit == Reach.ALL)
        raise AccessDeniedError(f"用户 {actor.name}（{actor.role} · {actor.realm}）无权{what}；只限{allowed}")
    return actor
