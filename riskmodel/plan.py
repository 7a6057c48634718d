"""The year's work plan as measures over the registries: targets, their progress and status.

A target (one ``[[target]]`` of ``<workspace>/plan.toml``, see :mod:`riskmodel.planfile`) names a
registry ``layer``, a ``scope`` (which sites the target is about) and a ``done`` condition (which of
them count). Each condition is ``field = value | [values] | {min, max} | {contains}``. Per site the
conditions give True, False or *unknown* (the field is empty); a site is

- ``计入`` (counted): in scope and done;
- ``未完成`` (pending): in scope, not done;
- ``数据缺失`` (data missing): in scope (or possibly in scope) and a condition it needs is empty —
  listed, never silently dropped; for a rate it stays in the denominator without counting.

Measures: ``count`` (counted sites), ``sum`` (``field`` summed over counted sites; a counted site
without the field is 数据缺失), ``rate`` (100 × counted ÷ sites in scope, in %), ``manual`` (the
latest value entered with ``riskmap plan set``; ``layer``/``scope`` only list the sites concerned).

Status, from the share done (value ÷ target, at most 1) and the share of time passed (days since
1 January of the plan year ÷ days from then to the deadline, between 0 and 1):
``已完成`` value ≥ target; ``滞后`` time share − done share > ``behind_margin``; ``未开始`` value 0;
``进行中`` otherwise; ``数据缺失`` when no value can be computed (a rate whose scope is empty).

No streamlit, no file reading: objects in (frames per layer, the plan, manual progress), tables out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from layers.kinds import FieldType, LayerKind
from riskmodel.errors import RiskModelError

__all__ = [
    "MEASURES",
    "SITE_STATES",
    "STATUSES",
    "Condition",
    "Plan",
    "PlanError",
    "PlanResult",
    "Target",
    "evaluate_plan",
    "parse_plan",
    "status_of",
    "time_share",
]

MEASURES = ("count", "sum", "rate", "manual")
DONE, ONGOING, BEHIND, NOT_STARTED, NO_DATA = "已完成", "进行中", "滞后", "未开始", "数据缺失"
STATUSES = (DONE, ONGOING, BEHIND, NOT_STARTED, NO_DATA)
COUNTED, PENDING, MISSING, LISTED = "计入", "未完成", "数据缺失", "相关"
SITE_STATES = (COUNTED, PENDING, MISSING, LISTED)
DEFAULT_MARGIN = 0.10
_TARGET_KEYS = {
    "id", "name", "wording", "clause", "units", "target", "unit", "deadline", "measure", "layer",
    "field", "scope", "done", "note",
}
_PLAN_KEYS = {"year", "document", "title", "behind_margin"}
_OPS = {"min", "max", "contains"}


class PlanError(RiskModelError, ValueError):
    """plan.toml or a progress entry is malformed; the message names the target and the key."""


@dataclass(frozen=True)
class Condition:
    """``field`` in ``values`` | between ``lo`` and ``hi`` | containing ``text``."""

    field: str
    values: tuple = ()
    lo: object = None
    hi: object = None
    text: str | None = None

    def describe(self) -> str:
        if self.text is not None:
            return f"{self.field} 含“{self.text}”"
        if self.values:
            return f"{self.field} = {'/'.join(_shown(v) for v in self.values)}"
        parts = ([f"≥ {_shown(self.lo)}"] if self.lo is not None else []) + (
            [f"≤ {_shown(self.hi)}"] if self.hi is not None else [])
        return f"{self.field} {' 且 '.join(parts)}"


@dataclass(frozen=True)
class Target:
    id: str
    name: str
    target: float
    unit: str
    deadline: date
    measure: str
    wording: str = ""
    clause: str = ""
    units: tuple[str, ...] = ()
    layer: str | None = None
    field: str | None = None
    scope: tuple[Condition, ...] = ()
    done: tuple[Condition, ...] = ()
    note: str = ""

    @property
    def measured(self) -> bool:
        return self.measure != "manual"


@dataclass(frozen=True)
class Plan:
    year: int
    targets: tuple[Target, ...]
    document: str = ""
    title: str = ""
    behind_margin: float = DEFAULT_MARGIN
    source: str = "plan.toml"

    def target(self, target_id: str) -> Target:
        for t in self.targets:
            if t.id == target_id:
                return t
        valid = "、".join(t.id for t in self.targets)
        raise PlanError(f"{self.source}: 没有目标 “{target_id}”；可选：{valid}")


@dataclass
class PlanResult:
    """``targets`` one row per target; ``townships`` per target × township (measured targets);
    ``sites`` every site counted, pending, missing data or (manual targets) concerned."""

    plan: Plan
    as_of: date
    targets: pd.DataFrame
    townships: pd.DataFrame
    sites: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    def headline(self, n: int = 3) -> dict:
        """Targets done / total and the ``n`` most behind, each with the township holding it back."""
        t = self.targets
        open_ = t[t["status"].ne(DONE) & t["gap"].notna()].sort_values(["gap", "id"], ascending=[False, True])
        return {
            "done": int(t["status"].eq(DONE).sum()),
            "total": len(t),
            "behind": int(t["status"].eq(BEHIND).sum()),
            "most_behind": [
                {k: _plain(r[k]) for k in ("id", "name", "status", "value", "target", "unit", "percent",
                                           "gap", "holding_back")}
                for _, r in open_.head(n).iterrows()
            ],
        }

    def to_json(self) -> dict:
        """The ``riskmap plan --json`` document (schema in the README, “年度任务”)."""
        p = self.plan
        towns = {k: g.drop(columns="target_id") for k, g in self.townships.groupby("target_id", sort=False)}
        sites = {k: g.drop(columns="target_id") for k, g in self.sites.groupby("target_id", sort=False)}
        targets = []
        for rec in self.targets.to_dict("records"):
            doc = _record(rec)
            doc["units"] = list(next(t.units for t in p.targets if t.id == rec["id"]))
            doc["townships"] = _records(towns.get(rec["id"]))
            doc["sites"] = _records(sites.get(rec["id"]))
            targets.append(doc)
        return {
            "plan": {"year": p.year, "document": p.document, "title": p.title, "source": p.source,
                     "behind_margin": p.behind_margin},
            "as_of": self.as_of.isoformat(),
            "summary": self.headline(),
            "targets": targets,
            "warnings": list(self.warnings),
        }


_INT_KEYS = ("counted", "pending", "missing", "denominator")


def _record(rec: dict) -> dict:
    out = {k: _plain(v) for k, v in rec.items()}
    for k in _INT_KEYS:
        if out.get(k) is not None:
            out[k] = int(out[k])
    return out


def _records(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None:
        return []
    return [_record(r) for r in frame.to_dict("records")]


# ---------------------------------------------------------------- parsing and validation


def _shown(v) -> str:
    return "true" if v is True else "false" if v is False else str(v)


def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    if v is pd.NA or (isinstance(v, float) and not math.isfinite(v)):
        return None
    return v


def _err(source: str, tid: str, key: str, msg: str) -> PlanError:
    return PlanError(f"{source}: 目标 {tid}: {key}: {msg}")


def _as_date(value, source: str, tid: str, key: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _err(source, tid, key, f"“{value}”不是日期；应为 YYYY-MM-DD") from None


def _check_value(kind: LayerKind, fname: str, value, source: str, where: str):
    """One filter value, typed by the field; enum values must be allowed ones."""
    f = kind.field(fname)
    if f.type == FieldType.BOOL:
        if not isinstance(value, bool):
            raise PlanError(f"{where}: “{value}”应为 true 或 false")
        return value
    if f.type in (FieldType.INT, FieldType.FLOAT):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PlanError(f"{where}: “{value}”应为数字")
        return value
    if f.type == FieldType.DATE:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise PlanError(f"{where}: “{value}”不是日期；应为 YYYY-MM-DD") from None
    if f.type == FieldType.ENUM and str(value) not in f.allowed:
        raise PlanError(f"{where}: “{value}”不在允许值中；可选：{'、'.join(f.allowed)}")
    return str(value)


def _conditions(raw, kind: LayerKind | None, source: str, tid: str, key: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise _err(source, tid, key, "应为表，如 { status = \"已建\" }")
    out = []
    for fname, spec in raw.items():
        where = f"{source}: 目标 {tid}: {key}.{fname}"
        if kind is not None and fname not in kind.field_names:
            raise PlanError(f"{where}: 图层 {kind.id} 没有字段 “{fname}”；可选：{'、'.join(kind.field_names)}")

        def typed(v, where=where, fname=fname):
            return _check_value(kind, fname, v, source, where) if kind is not None else v

        if isinstance(spec, Mapping):
            bad = set(spec) - _OPS
            if bad or not spec:
                raise PlanError(f"{where}: 未知条件 {'、'.join(sorted(bad)) or '（空）'}；可用 min、max、contains")
            if "contains" in spec:
                out.append(Condition(fname, text=str(spec["contains"])))
            else:
                lo = typed(spec["min"]) if "min" in spec else None
                hi = typed(spec["max"]) if "max" in spec else None
                out.append(Condition(fname, lo=lo, hi=hi))
        else:
            values = spec if isinstance(spec, list) else [spec]
            if not values:
                raise PlanError(f"{where}: 值列表为空")
            out.append(Condition(fname, values=tuple(typed(v) for v in values)))
    return tuple(out)


def parse_plan(doc: Mapping, kinds: Mapping[str, LayerKind] | None = None, source: str = "plan.toml") -> Plan:
    """A parsed plan.toml document → :class:`Plan`.

    With ``kinds`` (layer id → kind) every layer, field and filter value is checked against the
    registry kinds; without, only the form is checked. Any problem raises :class:`PlanError`
    naming the target and the key (the CLI prints it as one line, exit 2).
    """
    head = doc.get("plan", {})
    if not isinstance(head, Mapping):
        raise PlanError(f"{source}: [plan] 应为表")
    bad = set(head) - _PLAN_KEYS
    if bad:
        raise PlanError(f"{source}: [plan]: 未知键 {'、'.join(sorted(bad))}；可用：{'、'.join(sorted(_PLAN_KEYS))}")
    year = head.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise PlanError(f"{source}: [plan]: year: 应为年份，如 2026")
    margin = head.get("behind_margin", DEFAULT_MARGIN)
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not 0 <= margin < 1:
        raise PlanError(f"{source}: [plan]: behind_margin: “{margin}”应为 0 到 1 之间的小数，如 0.1")
    raw_targets = doc.get("target", [])
    if not isinstance(raw_targets, list) or not raw_targets:
        raise PlanError(f"{source}: 没有目标；每个目标写成一个 [[target]] 表")
    targets, seen = [], set()
    for i, raw in enumerate(raw_targets, start=1):
        targets.append(_parse_target(raw, i, kinds, source, year))
        if targets[-1].id in seen:
            raise _err(source, targets[-1].id, "id", "目标编号重复；每个目标的 id 必须唯一")
        seen.add(targets[-1].id)
    return Plan(year=year, targets=tuple(targets), document=str(head.get("document", "")),
                title=str(head.get("title", "")), behind_margin=float(margin), source=source)


def _parse_target(raw, i: int, kinds, source: str, year: int) -> Target:
    tid = str(raw.get("id", "")).strip() if isinstance(raw, Mapping) else ""
    if not tid:
        raise PlanError(f"{source}: 第 {i} 个目标: id: 缺少目标编号")
    bad = set(raw) - _TARGET_KEYS
    if bad:
        raise _err(source, tid, "、".join(sorted(bad)), f"未知键；可用：{'、'.join(sorted(_TARGET_KEYS))}")
    for key in ("name", "target", "deadline", "measure"):
        if key not in raw:
            raise _err(source, tid, key, "缺少此项")
    value = raw["target"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _err(source, tid, "target", f"目标值“{value}”应为大于 0 的数")
    measure = str(raw["measure"])
    if measure not in MEASURES:
        raise _err(source, tid, "measure", f"“{measure}”无效；可选：{'、'.join(MEASURES)}")
    layer = raw.get("layer")
    if measure != "manual" and not layer:
        raise _err(source, tid, "layer", f"{measure} 目标需要 layer（统计哪个登记图层）")
    kind = None
    if layer is not None and kinds is not None:
        if layer not in kinds:
            raise _err(source, tid, "layer", f"未知图层 “{layer}”；可选：{'、'.join(kinds)}")
        kind = kinds[layer]
    fname = raw.get("field")
    if measure == "sum":
        if not fname:
            raise _err(source, tid, "field", "sum 目标需要 field（求和的字段）")
        if kind is not None:
            if fname not in kind.field_names:
                raise _err(source, tid, "field", f"图层 {layer} 没有字段 “{fname}”；可选：{'、'.join(kind.field_names)}")
            if kind.field(fname).type not in (FieldType.INT, FieldType.FLOAT):
                raise _err(source, tid, "field", f"字段 “{fname}” 不是数值，不能求和")
    if measure in ("count", "rate") and not raw.get("done"):
        raise _err(source, tid, "done", f"{measure} 目标需要 done（完成条件）")
    if measure == "manual" and raw.get("done"):
        raise _err(source, tid, "done", "manual 目标的进度手工填报，不能有 done 条件")
    deadline = _as_date(raw["deadline"], source, tid, "deadline")
    if deadline <= date(year, 1, 1):
        raise _err(source, tid, "deadline", f"完成时限 {deadline} 应晚于 {year}-01-01")
    units = raw.get("units", [])
    units = [units] if isinstance(units, str) else units
    return Target(
        id=tid, name=str(raw["name"]), target=float(value), unit=str(raw.get("unit", "")), deadline=deadline,
        measure=measure, wording=str(raw.get("wording", "")), clause=str(raw.get("clause", "")),
        units=tuple(str(u) for u in units), layer=str(layer) if layer else None,
        field=str(fname) if fname else None,
        scope=_conditions(raw.get("scope"), kind, source, tid, "scope"),
        done=_conditions(raw.get("done"), kind, source, tid, "done"), note=str(raw.get("note", "")),
    )


# ---------------------------------------------------------------- evaluation


def _present(col: pd.Series) -> np.ndarray:
    s = col.astype(object)
    return (s.notna() & s.map(lambda v: not (isinstance(v, str) and not v.strip()))).to_numpy(dtype=bool)


def _eval(cond: Condition, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(matches, unknown) per row; unknown where the field is empty or absent."""
    n = len(frame)
    if cond.field not in frame.columns:
        return np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    col = frame[cond.field]
    known = _present(col)
    if cond.text is not None:
        hit = col.astype(object).map(lambda v: cond.text in str(v)).to_numpy(dtype=bool)
        return hit & known, ~known
    if cond.values:
        def norm(v):
            if isinstance(v, bool | np.bool_):
                return bool(v)
            if isinstance(v, int | float | np.integer | np.floating) and float(v).is_integer():
                return int(v)
            return v if not hasattr(v, "isoformat") else v.isoformat()[:10]

        wanted = {norm(v) for v in cond.values}
        hit = col.astype(object).map(lambda v: v is not None and norm(v) in wanted).to_numpy(dtype=bool)
        return hit & known, ~known
    vals = col.astype(object).map(lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else v)
    hit = np.ones(n, dtype=bool)
    for bound, ok in ((cond.lo, lambda a, b: a >= b), (cond.hi, lambda a, b: a <= b)):
        if bound is not None:
            hit &= vals.map(lambda v, bound=bound, ok=ok: v is not None and _cmp(ok, v, bound)).to_numpy(dtype=bool)
    return hit & known, ~known


def _cmp(ok, v, bound) -> bool:
    try:
        if isinstance(bound, str):
            return bool(ok(str(v)[:10], bound))
        return bool(ok(float(v), float(bound)))
    except (TypeError, ValueError):
        return False


def _all(conds: tuple[Condition, ...], frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Three-valued AND: (true, unknown) — false where any condition is false."""
    n = len(frame)
    false, unknown = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for c in conds:
        hit, unk = _eval(c, frame)
        false |= ~hit & ~unk
        unknown |= unk
    unknown &= ~false
    return ~false & ~unknown, unknown


def time_share(as_of: date, year: int, deadline: date) -> float:
    """Share of the plan's time passed: days since 1 January ÷ days from then to the deadline, in [0, 1].

    >>> time_share(date(2026, 7, 2), 2026, date(2026, 12, 31))
    0.5
    """
    start = date(year, 1, 1)
    return min(1.0, max(0.0, (as_of - start).days / max(1, (deadline - start).days)))


def status_of(value: float | None, target: float, share_time: float, margin: float) -> str:
    """已完成 / 滞后 / 未开始 / 进行中 (or 数据缺失 without a value); see the module docstring.

    >>> status_of(6, 10, 0.5, 0.1), status_of(3, 10, 0.5, 0.1), status_of(0, 10, 0.05, 0.1)
    ('进行中', '滞后', '未开始')
    """
    if value is None or not math.isfinite(value):
        return NO_DATA
    if value >= target:
        return DONE
    if share_time - value / target > margin:
        return BEHIND
    return NOT_STARTED if value == 0 else ONGOING


def _site_frame(frame: pd.DataFrame) -> pd.DataFrame:
    cols = {c: frame[c] if c in frame.columns else pd.Series([None] * len(frame), index=frame.index)
            for c in ("id", "name", "township", "village")}
    return pd.DataFrame({k: v.astype(object).where(v.notna(), None).to_numpy() for k, v in cols.items()})


def _measure_sites(t: Target, frame: pd.DataFrame) -> pd.DataFrame:
    """Per relevant site: state and the amount it adds (1, or the summed field)."""
    scope_true, scope_unknown = _all(t.scope, frame)
    base = _site_frame(frame)
    if not t.measured:
        keep = scope_true | scope_unknown if t.scope else np.zeros(len(frame), dtype=bool)
        return base[keep].assign(state=LISTED, amount=np.nan, missing_field="")
    done_true, done_unknown = _all(t.done, frame)
    amount = np.ones(len(frame))
    missing_field = np.full(len(frame), "", dtype=object)
    for c in (*t.scope, *t.done):
        _, unk = _eval(c, frame)
        missing_field = np.where((missing_field == "") & unk, c.field, missing_field)
    if t.measure == "sum" and t.field:
        col = frame[t.field] if t.field in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        vals = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64")
        no_val = ~np.isfinite(vals)
        amount = np.where(no_val, np.nan, vals)
        missing_field = np.where((missing_field == "") & no_val & done_true, t.field, missing_field)
        done_unknown = done_unknown | (done_true & no_val)
        done_true = done_true & ~no_val
    counted = scope_true & done_true
    pending = scope_true & ~done_true & ~done_unknown
    missing = (scope_true & done_unknown) | (scope_unknown & (done_true | done_unknown))
    state = np.select([counted, pending, missing], [COUNTED, PENDING, MISSING], default="")
    keep = state != ""
    out = base.assign(state=state, amount=amount, missing_field=missing_field)[keep]
    out.loc[out["state"].ne(MISSING), "missing_field"] = ""
    return out


def _value(t: Target, sites: pd.DataFrame) -> tuple[float | None, int]:
    """The measured value and the denominator (rate: sites in scope)."""
    counted = sites["state"].eq(COUNTED)
    if t.measure == "count":
        return float(counted.sum()), 0
    if t.measure == "sum":
        return float(sites.loc[counted, "amount"].sum()), 0
    # rate: counted ÷ in scope (pending, counted, and missing sites whose scope is known)
    denom = int(counted.sum() + sites["state"].eq(PENDING).sum() + sites["scope_known_missing"].sum())
    return (100.0 * counted.sum() / denom if denom else None), denom


def _pending_amount(t: Target, sites: pd.DataFrame) -> pd.Series:
    """What is still to do per township: pending (and data-missing) sites, or their summed field."""
    todo = sites[sites["state"].isin([PENDING, MISSING])]
    if t.measure == "sum":
        return todo.groupby("township")["amount"].sum()
    return todo.groupby("township").size().astype(float)


def evaluate_plan(
    plan: Plan,
    layers: Mapping[str, pd.DataFrame],
    townships: list[str],
    as_of: date,
    manual: Mapping[str, float] | None = None,
    township: str | None = None,
) -> PlanResult:
    """Compute every target of ``plan`` on the registry frames ``layers`` (layer id → frame).

    ``manual`` maps manual target ids to their latest entered value (missing: 0). ``township``
    restricts every measured value and site list to one township (the county targets stay).
    A measured target whose layer is absent from ``layers`` has no value (status 数据缺失) and a
    warning.
    """
    manual = manual or {}
    rows, town_rows, site_parts, warnings = [], [], [], []
    for t in plan.targets:
        share_t = time_share(as_of, plan.year, t.deadline)
        frame = layers.get(t.layer) if t.layer else None
        if t.layer and frame is None:
            warnings.append(f"目标 {t.id}: 工作区没有图层 {t.layer}，无法计算")
        frame = frame if frame is not None else pd.DataFrame(columns=["id", "name", "township", "village"])
        sites = _measure_sites(t, frame) if t.layer else _measure_sites(t, frame.iloc[:0])
        if township is not None:
            sites = sites[sites["township"].eq(township)]
        if t.measure == "rate":
            scope_true, _ = _all(t.scope, frame)
            known = set(_site_frame(frame)["id"].astype(str)[scope_true])
            sites = sites.assign(scope_known_missing=sites["state"].eq(MISSING) & sites["id"].astype(str).isin(known))
        if t.measured and t.layer in layers:
            value, denom = _value(t, sites)
        elif t.measured:
            value, denom = None, 0
        else:
            value, denom = float(manual.get(t.id, 0.0)), 0
        status = status_of(value, t.target, share_t, plan.behind_margin)
        share_done = None if value is None else min(1.0, value / t.target)
        todo = _pending_amount(t, sites) if t.measured else pd.Series(dtype=float)
        todo = todo[todo > 0]
        holding = ""
        if len(todo) and status != DONE:
            top = todo.max()
            holding = sorted(str(k) for k, v in todo.items() if v == top)[0]
        rows.append({
            "id": t.id, "name": t.name, "measure": t.measure, "layer": t.layer, "value": value,
            "target": t.target, "unit": t.unit, "percent": None if value is None else 100.0 * value / t.target,
            "status": status, "time_share": share_t, "done_share": share_done,
            "gap": None if share_done is None else share_t - share_done, "deadline": t.deadline.isoformat(),
            "counted": int(sites["state"].eq(COUNTED).sum()), "pending": int(sites["state"].eq(PENDING).sum()),
            "missing": int(sites["state"].eq(MISSING).sum()), "denominator": denom if t.measure == "rate" else None,
            "holding_back": holding, "wording": t.wording, "clause": t.clause, "units": "、".join(t.units),
            "note": t.note,
        })
        if t.measured and t.layer in layers:
            town_rows += _township_rows(t, sites, townships if township is None else [township])
        site_parts.append(sites.drop(columns=["scope_known_missing"], errors="ignore").assign(target_id=t.id,
                                                                                             layer=t.layer))
    targets = pd.DataFrame(rows)
    site_cols = ["target_id", "layer", "id", "name", "township", "village", "state", "amount", "missing_field"]
    sites_all = pd.concat([s for s in site_parts if len(s)] or [pd.DataFrame(columns=site_cols)],
                          ignore_index=True)[site_cols]
    town_cols = ["target_id", "township", "value", "counted", "pending", "missing", "denominator", "percent"]
    towns = pd.DataFrame(town_rows, columns=town_cols)
    return PlanResult(plan, as_of, targets, towns, sites_all, warnings)


def _township_rows(t: Target, sites: pd.DataFrame, townships: list[str]) -> list[dict]:
    out = []
    for name in townships:
        s = sites[sites["township"].eq(name)]
        value, denom = _value(t, s)
        out.append({
            "target_id": t.id, "township": name, "value": value,
            "counted": int(s["state"].eq(COUNTED).sum()), "pending": int(s["state"].eq(PENDING).sum()),
            "missing": int(s["state"].eq(MISSING).sum()),
            "denominator": denom if t.measure == "rate" else None,
            "percent": value if t.measure == "rate" else (None if value is None else 100.0 * value / t.target),
        })
    return out
