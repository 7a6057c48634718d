"""The import preview as values: one row per new, changed or removed site, readable before confirming.

Used by ``riskmap import --dry-run`` and the 数据管理 page, so both show the same thing: the id, name,
township and the kind's key fields of each row, and for a changed row every changed field as
``old → new``.
"""

from __future__ import annotations

from layers.imports.importer import ImportPlan
from layers.kinds import get_kind

__all__ = ["diff_rows"]

ADDED, CHANGED, REMOVED = "新增", "更新", "删除"
_EN = {ADDED: "added", CHANGED: "changed", REMOVED: "removed"}


def _text(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, list) and len(v) == 2 and all(isinstance(c, float | int) for c in v):
        return f"{v[0]:.6f}, {v[1]:.6f}"
    if isinstance(v, bool):
        return "是" if v else "否"
    return str(v)


def diff_rows(plan: ImportPlan, *, lang: str = "zh", limit: int | None = None) -> list[dict[str, str]]:
    """New, changed and removed rows with their values, under the kind's column labels.

    A changed row shows each changed field as ``old → new`` in its own column (``位置`` for the point)
    and the stored value for the rest; ``变化`` lists the changed fields.
    """
    kind = get_kind(plan.layer_id)
    en = lang == "en"
    names = ("id", "name", "township", *kind.key_fields)
    label = {f.name: (f.label_en or f.name) if en else f.label for f in kind.all_fields}
    label["geometry"] = "Location" if en else "位置"
    change_col, what_col = ("Change", "Fields changed") if en else ("变更", "变化")
    cols = [change_col, *(label[n] for n in names), label["geometry"], what_col]
    by_id = {str((f["properties"] or {}).get("id")): f for f in plan.features}
    stored = {} if plan.base is None else {
        str((f.get("properties") or {}).get("id")): f for f in plan.base.features
    }
    out: list[dict[str, str]] = []

    def row(tag: str, feat: dict | None, changes: dict) -> dict[str, str]:
        props = (feat or {}).get("properties") or {}
        coords = ((feat or {}).get("geometry") or {}).get("coordinates")
        r = {change_col: _EN[tag] if en else tag}
        for n in names:
            r[label[n]] = f"{_text(changes[n][0])} → {_text(changes[n][1])}" if n in changes else _text(props.get(n))
        g = changes.get("geometry")
        r[label["geometry"]] = f"{_text(g[0])} → {_text(g[1])}" if g else _text(coords)
        r[what_col] = "；".join(
            f"{label.get(k, k)}: {_text(o)} → {_text(v)}" for k, (o, v) in changes.items()
        )
        return r

    for fid in plan.diff.added:
        out.append(row(ADDED, by_id.get(fid), {}))
    for fid, changes in plan.diff.changed.items():
        merged = by_id.get(fid) or stored.get(fid)
        out.append(row(CHANGED, merged, {c.field: (c.old, c.new) for c in changes}))
    for gone in plan.diff.removed:
        out.append(row(REMOVED, stored.get(str(gone)), {}))
    if limit is not None:
        out = out[:limit]
    return [{c: r.get(c, "") for c in cols} for r in out]
