"""Warning scenario: a warning colour per township + a flood scenario → actions per township.

The rule table (:data:`DEFAULT_ACTION_RULES`, from ``ACTION_RULE_TABLE`` in ``riskmodel/rules.py``) is data: each action names the registry it acts on,
the lowest warning colour that triggers it, whether only flooded sites count, and a value filter.
Defaults follow SPEC §4 (橙 and above: evacuate the people threatened by geohazards to their
assigned shelters; 黄 and above: stop ferries, close flooded 下穿通道, do not use flooded shelters,
check flooded gas points; geohazard sites are patrolled from 蓝 up — an assumption). Override the
lowest colour per action in ``workspace.toml``::

    [rules.warning]
    evacuate = "红"      # action key = lowest colour (红/橙/黄/蓝), or "关闭" to switch it off

Evacuation assigns each evacuating site's threatened people greedily by distance (EPSG:4545) to
usable shelters (status 可用, not flooded), never beyond a shelter's ``capacity_people``; people
left over are flagged as overflow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.coords import METRIC_CRS
from layers.kinds import get_kind, refuge_kinds
from riskmodel.errors import RuleConfigError
from riskmodel.rules import ACTION_RULE_TABLE

__all__ = [
    "ACTION_COLUMNS",
    "DEFAULT_ACTION_RULES",
    "ActionRule",
    "WarningColor",
    "action_rules",
    "assign_evacuation",
    "parse_warnings",
    "warning_actions",
]

ACTION_COLUMNS = ("township", "warning", "action", "layer", "id", "detail")


class WarningColor(StrEnum):
    """Warning colour (突发事件应对法 Art. 42): 红 Ⅰ > 橙 Ⅱ > 黄 Ⅲ > 蓝 Ⅳ."""

    RED = "红"
    ORANGE = "橙"
    YELLOW = "黄"
    BLUE = "蓝"

    @property
    def rank(self) -> int:
        """Severity: 4 for 红 … 1 for 蓝 (higher is more severe)."""
        return {"红": 4, "橙": 3, "黄": 2, "蓝": 1}[self.value]

    @property
    def roman(self) -> str:
        return {"红": "Ⅰ", "橙": "Ⅱ", "黄": "Ⅲ", "蓝": "Ⅳ"}[self.value]

    @classmethod
    def parse(cls, text: str) -> WarningColor:
        """Parse a colour given as 红/红色/Ⅰ/I/1/red (any case).

        >>> WarningColor.parse("红色")
        <WarningColor.RED: '红'>
        >>> WarningColor.parse("紫")
        Traceback (most recent call last):
        ...
        riskmodel.errors.RuleConfigError: 预警颜色 "紫" 无效；可选值：红、橙、黄、蓝
        """
        key = str(text).strip().lower().removesuffix("预警").removesuffix("级").removesuffix("色")
        for c in cls:
            names = (c.value, c.name, c.roman, str(5 - c.rank), _ROMAN_ASCII[c.roman], _CN_LEVEL[c.rank])
            if key in {n.lower() for n in names}:
                return c
        raise RuleConfigError(f'预警颜色 "{text}" 无效；可选值：{"、".join(c.value for c in cls)}')


_ROMAN_ASCII = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV"}
_CN_LEVEL = {4: "一", 3: "二", 2: "三", 1: "四"}


@dataclass(frozen=True)
class ActionRule:
    """One row of the warning rule table."""

    key: str
    label: str  # the action, in Chinese (actions.csv ``action``)
    layer: str
    min_color: WarningColor | None  # None: switched off
    flooded_only: bool = False
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (field, allowed values)


DEFAULT_ACTION_RULES: tuple[ActionRule, ...] = tuple(
    ActionRule(key, label, layer, WarningColor(color), flooded, where)
    for key, label, layer, color, flooded, where in ACTION_RULE_TABLE  # the table is in riskmodel/rules.py
)
_OFF = ("关闭", "off", "none", "")


def action_rules(config: dict | None = None) -> tuple[ActionRule, ...]:
    """The rule table with overrides from ``workspace.toml`` ``[rules.warning]`` applied.

    Raises RuleConfigError naming the bad key or value and the valid ones.
    """
    overrides = ((config or {}).get("rules", {}) or {}).get("warning", {}) or {}
    by_key = {r.key: r for r in DEFAULT_ACTION_RULES}
    for key, value in overrides.items():
        if key not in by_key:
            raise RuleConfigError(
                f"workspace.toml [rules.warning] 中的 “{key}” 无效；可选：{'、'.join(by_key)}"
            )
        color = None if str(value).strip().lower() in _OFF else _parse_rule_color(key, value)
        by_key[key] = replace(by_key[key], min_color=color)
    return tuple(by_key.values())


def _parse_rule_color(key: str, value) -> WarningColor:
    try:
        return WarningColor.parse(value)
    except RuleConfigError as exc:
        raise RuleConfigError(f"workspace.toml [rules.warning] {key}：{exc}") from None


def parse_warnings(items, townships: pd.DataFrame) -> dict[str, WarningColor]:
    """Parse ``TOWNSHIP=颜色`` items (name, code or ``all``) into {township name: colour}.

    Later items win; raises SelectionError for an unknown township, RuleConfigError for a bad colour.
    """
    from layers.selection import resolve_townships

    out: dict[str, WarningColor] = {}
    for item in items or ():
        if "=" not in str(item):
            raise RuleConfigError(f"预警“{item}”格式应为 乡镇=颜色，如 桂溪街道=红（颜色：红、橙、黄、蓝）")
        token, color = str(item).split("=", 1)
        parsed = WarningColor.parse(color)
        for name in resolve_townships([token.strip()], townships):
            out[name] = parsed
    return out


def _rule_sites(rule: ActionRule, sites: pd.DataFrame) -> pd.DataFrame:
    """Sites of the rule's layer that match its filter (and are flooded when required)."""
    mask = np.ones(len(sites), dtype=bool)
    for field, allowed in rule.where:
        if field in sites.columns:
            mask &= sites[field].fillna("").astype(str).isin(allowed).to_numpy()
    if rule.flooded_only:
        mask &= sites["depth_m"].to_numpy() > 0
    return sites[mask]


def warning_actions(
    sites: dict[str, pd.DataFrame],
    warnings: dict[str, WarningColor],
    *,
    rules: tuple[ActionRule, ...] = DEFAULT_ACTION_RULES,
    metric_crs: str = METRIC_CRS,
) -> pd.DataFrame:
    """Actions per township: ``township, warning, action, layer, id, detail`` (+ name, key, people).

    ``sites`` maps layer id → GeoDataFrame (EPSG:4326) with ``depth_m`` (0 when dry).
    """
    rows: list[dict] = []
    for rule in rules:
        if rule.min_color is None or rule.key == "evacuate" or rule.layer not in sites:
            continue
        rows += _simple_rows(rule, sites[rule.layer], warnings)
    evac_rule = next((r for r in rules if r.key == "evacuate" and r.min_color is not None), None)
    if evac_rule is not None and evac_rule.layer in sites:
        rows += _evacuation_rows(evac_rule, sites, warnings, metric_crs)
    frame = pd.DataFrame(rows, columns=[*ACTION_COLUMNS, "name", "key", "people"])
    order = {r.key: float(i) for i, r in enumerate(rules)}
    order["evacuate_overflow"] = order["evacuate"] + 0.5
    frame["_o"] = frame["key"].map(order)
    return (
        frame.sort_values(["township", "_o", "id"], kind="stable").drop(columns="_o").reset_index(drop=True)
    )


def _warned(warnings: dict[str, WarningColor], rule: ActionRule, townships: pd.Series) -> np.ndarray:
    min_color = rule.min_color
    assert min_color is not None, "rules switched off (min_color None) are skipped by the caller"
    return townships.map(lambda t: t in warnings and warnings[t].rank >= min_color.rank).to_numpy(bool)


def _simple_rows(rule: ActionRule, frame: pd.DataFrame, warnings) -> list[dict]:
    chosen = _rule_sites(rule, frame)
    chosen = chosen[_warned(warnings, rule, chosen["township"].fillna(""))]
    rows = []
    for rec in chosen.to_dict("records"):
        depth = float(rec.get("depth_m") or 0.0)
        detail = f"{rec['name']}" + (f"，水深 {depth:.2f} m" if depth > 0 else "")
        rows.append(
            {
                "township": rec["township"],
                "warning": warnings[rec["township"]].value,
                "action": rule.label,
                "layer": rule.layer,
                "id": rec["id"],
                "detail": detail,
                "name": rec["name"],
                "key": rule.key,
                "people": 0,
            }
        )
    return rows


def _usable_shelters(shelters: pd.DataFrame) -> pd.DataFrame:
    """可用, dry, with capacity, and not on an unsafe site (``unsafe_reason`` from the risk model)."""
    unsafe = shelters["unsafe_reason"].fillna("").astype(str).ne("").to_numpy() if (
        "unsafe_reason" in shelters) else np.zeros(len(shelters), dtype=bool)
    ok = ~unsafe & shelters["status"].fillna("可用").astype(str).eq("可用").to_numpy() & (
        shelters["depth_m"].to_numpy() <= 0
    )
    cap = pd.to_numeric(shelters["capacity_people"], errors="coerce").fillna(0).to_numpy()
    return shelters[ok & (cap > 0)]


def _evacuation_rows(rule: ActionRule, sites, warnings, metric_crs) -> list[dict]:
    geo = _rule_sites(rule, sites[rule.layer])
    geo = geo[_warned(warnings, rule, geo["township"].fillna(""))]
    spec = get_kind(rule.layer).hazard
    threatened = spec.threatened_field if spec and spec.threatened_field else ""
    people = (
        pd.to_numeric(geo[threatened], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        if threatened in geo
        else np.zeros(len(geo), dtype=np.int64)
    )
    geo, people = geo[people > 0], people[people > 0]
    refuge = refuge_kinds()[0].id
    shelters = _usable_shelters(sites[refuge]) if refuge in sites else sites[rule.layer].iloc[:0]
    plan = assign_evacuation(geo, people, shelters, metric_crs=metric_crs)
    return [_evacuation_row(rule, rec, warnings) for rec in plan.to_dict("records")]


def _evacuation_row(rule: ActionRule, rec: dict, warnings) -> dict:
    if rec["shelter_id"]:
        detail = (
            f"{rec['site_name']}：转移 {rec['people']} 人至 {rec['shelter_name']}（{rec['shelter_id']}），"
            f"距离 {rec['distance_m'] / 1000:.1f} km"
        )
    else:
        detail = f"{rec['site_name']}：{rec['people']} 人无可用避难场所容量（容量不足，需另行安置）"
    return {
        "township": rec["township"],
        "warning": warnings[rec["township"]].value,
        "action": rule.label,
        "layer": rule.layer,
        "id": rec["site_id"],
        "detail": detail,
        "name": rec["site_name"],
        "key": "evacuate" if rec["shelter_id"] else "evacuate_overflow",
        "people": rec["people"],
    }


def assign_evacuation(
    sites: gpd.GeoDataFrame, people, shelters: gpd.GeoDataFrame, *, metric_crs: str = METRIC_CRS
) -> pd.DataFrame:
    """Assign each site's people to shelters greedily by distance, respecting ``capacity_people``.

    All (site, shelter) pairs are taken in order of distance (ties by site then shelter order); each
    takes as many people as the site still has and the shelter still holds. Leftover people get a
    row with an empty ``shelter_id`` (overflow). Returns ``township, site_id, site_name, shelter_id,
    shelter_name, people, distance_m``.
    """
    people = np.asarray(people, dtype=np.int64).copy()
    cap = pd.to_numeric(shelters["capacity_people"], errors="coerce").fillna(0).to_numpy(np.int64).copy()
    dist = _distances_m(sites, shelters, metric_crs)
    rows = []
    for flat in np.argsort(dist, axis=None, kind="stable"):
        i, j = divmod(int(flat), len(shelters))
        take = int(min(people[i], cap[j]))
        if take > 0:
            rows.append(_plan_row(sites.iloc[i], shelters.iloc[j], take, float(dist[i, j])))
            people[i] -= take
            cap[j] -= take
    rows += [_plan_row(sites.iloc[i], None, int(people[i]), np.nan) for i in np.flatnonzero(people > 0)]
    cols = ["township", "site_id", "site_name", "shelter_id", "shelter_name", "people", "distance_m"]
    return pd.DataFrame(rows, columns=cols)


def _plan_row(site, shelter, people: int, distance_m: float) -> dict:
    return {
        "township": site["township"],
        "site_id": site["id"],
        "site_name": site["name"],
        "shelter_id": "" if shelter is None else shelter["id"],
        "shelter_name": "" if shelter is None else shelter["name"],
        "people": people,
        "distance_m": distance_m,
    }


def _distances_m(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, metric_crs: str) -> np.ndarray:
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    pa, pb = a.geometry.to_crs(metric_crs), b.geometry.to_crs(metric_crs)
    dx = pa.x.to_numpy()[:, None] - pb.x.to_numpy()[None, :]
    dy = pa.y.to_numpy()[:, None] - pb.y.to_numpy()[None, :]
    return np.hypot(dx, dy)
