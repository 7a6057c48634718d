"""Risk-model rules as data: every radius, factor and threshold in one table, with its basis.

Each default is tagged ``standard`` (with the clause it comes from) or ``assumed`` (no national
norm was found, FACTS.md §6); values come from ``DEFAULTS`` and may be overridden in the
``[rules]`` tables of ``workspace.toml``, for example::

    [rules.geohazard]
    watch_factor = 2.5
    radius_m = { "滑坡" = 250 }        # by hazard_type; Chinese keys must be quoted in TOML

    [rules.shelter.service_radius_m]
    "紧急" = 600

    [rules.safety.shelter_near_gas]
    enabled = false

An override replaces the default and its basis becomes ``workspace``. A key that does not exist,
or a value of the wrong form, raises :class:`RuleConfigError` naming the key and the allowed form.
Sections listed in :data:`EXTRA_SECTIONS` (flood and warning scenarios) are passed through
unchecked in :attr:`Rules.extra`; their owners validate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from layers.kinds import LAYER_KINDS, Role, layer_ids_with
from riskmodel.errors import RuleConfigError

__all__ = [
    "ACTION_RULE_TABLE",
    "CARD_LAYERS",
    "DEFAULTS",
    "EXTRA_SECTIONS",
    "HAZARD_LAYERS",
    "RuleEntry",
    "Rules",
    "SafetyRule",
    "load_rules",
]

HAZARD_LAYERS = layer_ids_with(Role.HAZARD)  # from the kinds (layers/kinds.py), never listed here
CARD_LAYERS = {"site": "geohazard", "refuge": "shelter"}  # 两卡: per site of this layer, to its nearest refuge
EXTRA_SECTIONS = ("flood", "warning", "scenario", "depth_classes")
STANDARD, ASSUMED, WORKSPACE = "standard", "assumed", "workspace"

_GB50413 = "GB 50413-2007 城市抗震防灾规划标准 §8.2.8–8.2.10"
_GB55009 = "GB 55009-2021 燃气工程项目规范 §5.1.7 控制范围"
_SITE_CODE = "防灾避难场所全文强制性规范（避开滑坡、崩塌、泥石流、地裂缝及洪涝区；编号未核实）"


@dataclass(frozen=True)
class RuleEntry:
    """One rule value with its provenance, as shown in the app."""

    key: str  # dotted key under [rules], e.g. "geohazard.radius_m.滑坡"
    label: str  # Chinese label
    value: object
    unit: str
    basis: str  # "standard" | "assumed" | "workspace"
    clause: str  # the clause (standard) or why it is assumed


def _e(key, label, value, unit="", basis=ASSUMED, clause="") -> RuleEntry:
    return RuleEntry(key, label, value, unit, basis, clause)


_GEO_TYPES = {
    "滑坡": 200.0,
    "崩塌(危岩)": 150.0,
    "不稳定斜坡": 100.0,
    "泥石流": 300.0,
    "地面塌陷": 100.0,
    "地裂缝": 100.0,
    "塌岸": 100.0,
}
_GEO_SCALES = {"小型": 1.0, "中型": 1.5, "大型": 2.0, "特大型": 3.0, "巨型": 4.0}
_GAS_FACILITY = {
    "调压站": 30.0,
    "调压柜": 15.0,
    "阀井": 10.0,
    "储配站": 100.0,
    "加气站": 50.0,
    "液化气供应站": 50.0,
    "管道段": 5.0,
    "餐饮用户": 10.0,
    "其他": 20.0,
}
_GAS_PIPE = {
    "低压": (5.0, STANDARD),
    "中压B": (5.0, STANDARD),
    "中压A": (5.0, STANDARD),
    "次高压B": (15.0, ASSUMED),
    "次高压A": (15.0, ASSUMED),
    "高压B": (50.0, ASSUMED),
    "高压A": (50.0, ASSUMED),
}
_FLOOD_TYPES = {
    "城区低洼": 100.0,
    "下穿通道": 50.0,
    "桥涵": 50.0,
    "河道沿岸": 150.0,
    "集镇街道": 80.0,
    "其他": 50.0,
}
_SHELTER_RADIUS = {
    "紧急": (500.0, STANDARD),
    "短期固定": (2000.0, STANDARD),
    "中期固定": (2000.0, STANDARD),
    "长期固定": (2000.0, STANDARD),
    "中心": (3000.0, ASSUMED),
}
_SHELTER_AREA = {
    "紧急": (1.0, STANDARD),
    "短期固定": (2.0, STANDARD),
    "中期固定": (2.0, STANDARD),
    "长期固定": (2.0, STANDARD),
    "中心": (2.0, ASSUMED),
}
_RESOURCE_RADIUS = {  # 应急资源 service radius by category (m); no national norm: assumed
    "应急消防服务站点": 5000.0,
    "专业救援队伍": 15000.0,
    "社会应急力量": 8000.0,
    "物资储备库": 20000.0,
    "无人机巢": 5000.0,
    "其他": 3000.0,
}
_NO_NORM = "无国家标准（FACTS §6.1），按经验假定"
_EXCLUDE_NOTES = {"geohazard": ("不参与计算的地灾状态", "已核销点不再构成威胁")}  # label, clause
_SAFETY = {  # rule id: (label, hazard layer, element layer, ring, basis, clause)
    "shelter_in_geohazard_danger": (
        "避难场所位于地灾隐患点危险区",
        "geohazard",
        "shelter",
        "danger",
        STANDARD,
        _SITE_CODE,
    ),
    "shelter_in_flood_zone": (
        "避难场所位于内涝积水区",
        "flood_spot",
        "shelter",
        "danger",
        STANDARD,
        _SITE_CODE,
    ),
    "nine_small_near_gas": (
        "九小场所位于燃气风险点危险区",
        "gas_risk",
        "nine_small",
        "danger",
        ASSUMED,
        "GB 55009-2021 §5.1.7 控制范围之外按经验假定",
    ),
    "shelter_near_gas": (
        "避难场所位于燃气风险点危险区",
        "gas_risk",
        "shelter",
        "danger",
        STANDARD,
        _SITE_CODE + "；危险品场所",
    ),
    "ferry_in_flood_zone": (
        "渡口位于内涝积水区",
        "flood_spot",
        "ferry",
        "danger",
        ASSUMED,
        "内河交通安全管理条例：洪水时应停渡；以积水区危险圈近似",
    ),
}
_ACTIVE_GEOHAZARD = (("status", ("监测中", "治理中", "")),)
# The warning action table (riskmodel.warning): key, action, layer acted on, lowest colour,
# flooded sites only, value filter ((field, allowed values), …). Lowest colours are overridable
# in [rules.warning]; see riskmodel/warning.py.
ACTION_RULE_TABLE: tuple[tuple, ...] = (
    ("evacuate", "转移受地质灾害威胁人员至避难场所", "geohazard", "橙", False, _ACTIVE_GEOHAZARD),
    ("patrol", "加密巡查地质灾害隐患点", "geohazard", "蓝", False, _ACTIVE_GEOHAZARD),
    ("stop_ferry", "渡口停渡", "ferry", "黄", False, (("status", ("运营", "")),)),
    ("close_underpass", "封闭积水下穿通道", "flood_spot", "黄", True, (("spot_type", ("下穿通道",)),)),
    ("shelter_unusable", "淹没区内避难场所停用", "shelter", "黄", True, ()),
    ("gas_check", "排查淹没区内燃气设施", "gas_risk", "黄", True, ()),
)
_INDEX_WEIGHTS = {
    "threatened_people": 0.30,
    "exposed_people_danger": 0.25,
    "people_uncovered": 0.20,
    "capacity_deficit_people": 0.15,
    "violations": 0.10,
}


def _defaults() -> tuple[RuleEntry, ...]:
    out = [
        _e(f"{lid}.watch_factor", "外圈半径 = 内圈半径 × 系数", 2.0, "×", ASSUMED, "SPEC §4 默认 2R")
        for lid in HAZARD_LAYERS
    ]
    out += [
        _e(f"geohazard.radius_m.{k}", f"地灾危险半径（{k}）", v, "m", ASSUMED, _NO_NORM)
        for k, v in _GEO_TYPES.items()
    ]
    out += [
        _e(f"geohazard.scale_factor.{k}", f"地灾规模系数（{k}）", v, "×", ASSUMED, _NO_NORM)
        for k, v in _GEO_SCALES.items()
    ]
    out += [
        _e(
            f"{k.id}.exclude_status",
            _EXCLUDE_NOTES.get(k.id, (f"不参与计算的{k.label}状态", ""))[0],
            k.inactive_status,
            "",
            ASSUMED,
            _EXCLUDE_NOTES.get(k.id, ("", "按经验假定：这些状态的点位不参与计算"))[1],
        )
        for k in LAYER_KINDS
        if k.inactive_status
    ]
    out += [
        _e(
            f"gas_risk.radius_m.{k}",
            f"燃气危险半径（{k}）",
            v,
            "m",
            ASSUMED,
            "场站安全距离未查到条文（GB 50028 表 6.6.3 未取得），按经验假定",
        )
        for k, v in _GAS_FACILITY.items()
    ]
    out += [
        _e(
            f"gas_risk.pipe_radius_m.{k}",
            f"燃气管道控制范围（{k}）",
            v,
            "m",
            b,
            _GB55009 + ("" if b == STANDARD else "（上限数值未核实）"),
        )
        for k, (v, b) in _GAS_PIPE.items()
    ]
    out += [
        _e(f"flood_spot.radius_m.{k}", f"积水危险半径（{k}）", v, "m", ASSUMED, _NO_NORM)
        for k, v in _FLOOD_TYPES.items()
    ]
    out.append(
        _e(
            "flood_spot.depth_bounds_cm",
            "积水深度分级界限",
            (15.0, 30.0, 50.0),
            "cm",
            STANDARD,
            "GB 50014：一条车道积水深度不超过 15 cm；其余分级为经验",
        )
    )
    out.append(
        _e("flood_spot.depth_factor", "各深度级的半径系数", (1.0, 1.25, 1.5, 2.0), "×", ASSUMED, _NO_NORM)
    )
    out += [
        _e(
            f"shelter.service_radius_m.{k}",
            f"避难场所服务半径（{k}）",
            v,
            "m",
            b,
            _GB50413 if b == STANDARD else "GB 50413 未给中心场所服务半径；取 3 km",
        )
        for k, (v, b) in _SHELTER_RADIUS.items()
    ]
    out += [
        _e(
            f"shelter.area_per_person_m2.{k}",
            f"人均有效避难面积（{k}）",
            v,
            "m²",
            b,
            _GB50413 if b == STANDARD else "按固定场所取值",
        )
        for k, (v, b) in _SHELTER_AREA.items()
    ]
    out.append(
        _e("shelter.usable_status", "可用的避难场所状态", ("可用",), "", ASSUMED, "维护中、停用场所不计")
    )
    out.append(
        _e(
            "shelter.unusable_rules",
            "使场所不可用的安全距离规则",
            ("shelter_in_geohazard_danger", "shelter_in_flood_zone"),
            "",
            STANDARD,
            _SITE_CODE,
        )
    )
    out.append(
        _e(
            "fire_pool.service_radius_m",
            "森林消防水池服务半径",
            1000.0,
            "m",
            ASSUMED,
            "无国家标准（FACTS §6.2），按地方实践假定",
        )
    )
    out.append(
        _e(
            "fire_pool.covering_status",
            "计入覆盖的水池建设状态",
            ("已建",),
            "",
            ASSUMED,
            "在建、规划水池尚不能取水",
        )
    )
    out += [
        _e(
            f"emergency_resource.service_radius_m.{k}",
            f"应急资源服务半径（{k}）",
            v,
            "m",
            ASSUMED,
            "无国家标准，按 2026 年工作方案的布点密度假定；点位填写的服务半径优先",
        )
        for k, v in _RESOURCE_RADIUS.items()
    ]
    for rid, (label, _hz, _el, ring, basis, clause) in _SAFETY.items():
        out += [
            _e(f"safety.{rid}.enabled", f"{label}：启用", True, "", basis, clause),
            _e(f"safety.{rid}.ring", f"{label}：判定圈（danger/watch）", ring, "", basis, clause),
            _e(f"safety.{rid}.distance_m", f"{label}：固定距离（0 = 用危险源的圈）", 0.0, "m", basis, clause),
        ]
    out += [
        _e(f"risk_index.weight.{k}", f"风险指数权重（{k}）", v, "", ASSUMED, "综合指数权重，按经验假定")
        for k, v in _INDEX_WEIGHTS.items()
    ]
    out += _inspection_defaults()
    return tuple(out)


_FLOOD_SEASON = "重庆市汛期一般为 5 月 1 日—9 月 30 日（按地方实践假定，条文未核实）"
_INSPECTION_NORM = "地方实践：地灾隐患点汛期每周、非汛期每月巡查（群测群防；频次按经验假定）"
# (layer, level) → (days between checks in 汛期, outside 汛期); level "*" = any level
_INSPECTION_DAYS = {
    ("geohazard", "特大型"): (3.0, 15.0),
    ("geohazard", "大型"): (7.0, 30.0),
    ("geohazard", "中型"): (7.0, 30.0),
    ("geohazard", "小型"): (15.0, 30.0),
    ("geohazard", "*"): (15.0, 30.0),
    ("flood_spot", "*"): (7.0, 30.0),
    ("ferry", "*"): (7.0, 30.0),
    ("gas_risk", "重大"): (7.0, 15.0),
    ("gas_risk", "较大"): (15.0, 30.0),
    ("gas_risk", "*"): (30.0, 30.0),
    ("fire_pool", "*"): (30.0, 30.0),
    ("shelter", "*"): (30.0, 90.0),
    ("nine_small", "*"): (90.0, 90.0),
}
_INSPECTION_LEVEL = {"geohazard": "danger_level", "gas_risk": "risk_level"}


def _inspection_defaults() -> list[RuleEntry]:
    out = [_e("inspection.flood_season", "汛期（起止月-日）", ("05-01", "09-30"), "", ASSUMED, _FLOOD_SEASON)]
    out += [_e(f"inspection.level_field.{lid}", f"巡查频次分级字段（{lid}）", name, "", ASSUMED, _INSPECTION_NORM)
            for lid, name in _INSPECTION_LEVEL.items()]
    out += [_e(f"inspection.interval_days.{lid}.{level}", f"巡查间隔（{lid} {level}；汛期, 非汛期）", days, "天",
               ASSUMED, _INSPECTION_NORM) for (lid, level), days in _INSPECTION_DAYS.items()]
    return out


DEFAULTS: tuple[RuleEntry, ...] = _defaults()
_BY_KEY = MappingProxyType({e.key: e for e in DEFAULTS})


@dataclass(frozen=True)
class SafetyRule:
    """A pairwise safety-distance rule: elements of ``element`` inside ``hazard``'s ``ring``."""

    id: str
    label: str
    hazard: str
    element: str
    ring: str  # "danger" | "watch"
    distance_m: float  # > 0: a fixed distance instead of the hazard's ring
    basis: str
    clause: str


@dataclass(frozen=True)
class Rules:
    """All risk-model parameters, resolved (defaults + workspace overrides)."""

    values: MappingProxyType
    entries: tuple[RuleEntry, ...]
    safety: tuple[SafetyRule, ...]
    extra: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def get(self, key: str):
        return self.values[key]

    def table(self, prefix: str) -> dict:
        """``{suffix: value}`` for every key under ``prefix.``, e.g. ``table("shelter.service_radius_m")``."""
        n = len(prefix) + 1
        return {k[n:]: v for k, v in self.values.items() if k.startswith(prefix + ".")}

    def watch_factor(self, layer_id: str) -> float:
        return float(self.values[f"{layer_id}.watch_factor"])

    def excluded_status(self, layer_id: str) -> tuple[str, ...]:
        """Statuses that leave a site of this layer out of the model (``<id>.exclude_status``; none if undeclared)."""
        return tuple(self.values.get(f"{layer_id}.exclude_status", ()))

    @property
    def shelter_radius_m(self) -> dict[str, float]:
        return self.table("shelter.service_radius_m")

    @property
    def fire_pool_radius_m(self) -> float:
        return float(self.values["fire_pool.service_radius_m"])

    def describe(self) -> list[dict]:
        """Rows for display: key, label, value, unit, basis (standard/assumed/workspace), clause."""
        return [e.__dict__.copy() for e in self.entries]


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    out = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and key not in _BY_KEY:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _form(default: object) -> str:
    if isinstance(default, bool):
        return "true 或 false"
    if isinstance(default, int | float):
        return "非负数字"
    if isinstance(default, tuple) and default and isinstance(default[0], int | float):
        return f"{len(default)} 个非负数字的列表（界限需递增），如 {list(default)}"
    if isinstance(default, tuple):
        return "文字列表，如 " + str(list(default)).replace("'", '"')
    return '文字，如 "danger" 或 "watch"'


MAX_RULE_NUMBER = 1e6  # metres, people, cm …: anything larger is a typo, and 1e300 overflows (issue 12)
MAX_WATCH_FACTOR = 100.0


def _check_value(key: str, value: object, default: object) -> object:
    bad = RuleConfigError(f"workspace.toml [rules] 中 {key} = {value!r} 无效；应为{_form(default)}")
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad
        return value
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise bad
        if not value <= MAX_RULE_NUMBER:  # inf, 1e300: a typo that would overflow the model (issue 12)
            raise RuleConfigError(f"{bad}，且不超过 {MAX_RULE_NUMBER:g}")
        if key.endswith("watch_factor") and value > MAX_WATCH_FACTOR:
            raise RuleConfigError(
                f"workspace.toml [rules] 中 {key} = {value!r} 无效；外圈倍数应在 1 到 {MAX_WATCH_FACTOR:g} 之间"
            )
        if key.endswith("watch_factor") and value < 1:
            raise RuleConfigError(
                f"workspace.toml [rules] 中 {key} = {value!r} 无效；应为不小于 1 的数字（外圈不能小于内圈）"
            )
        return float(value)
    if isinstance(default, tuple):
        return _check_list(key, value, default, bad)
    if key.endswith(".ring") and value not in ("danger", "watch"):
        raise bad
    if not isinstance(value, str):
        raise bad
    return value


def _check_list(key: str, value, default: tuple, bad: RuleConfigError) -> tuple:
    if not isinstance(value, list | tuple):
        raise bad
    if default and isinstance(default[0], int | float):
        ok = all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= MAX_RULE_NUMBER
                 for v in value)
        if (
            not ok
            or len(value) != len(default)
            or (key.endswith("bounds_cm") and list(value) != sorted(value))
        ):
            raise bad
        return tuple(float(v) for v in value)
    if not all(isinstance(v, str) for v in value):
        raise bad
    return tuple(value)


def _unknown_key(key: str) -> RuleConfigError:
    head = key.rsplit(".", 1)[0]
    near = sorted(k for k in _BY_KEY if k.startswith(head + "."))
    if not near:
        near = sorted({k.split(".")[0] for k in _BY_KEY} | set(EXTRA_SECTIONS))
        return RuleConfigError(f"workspace.toml [rules] 中没有规则 {key}；可用的表：{'、'.join(near)}")
    shown = "、".join(near[:12]) + ("…" if len(near) > 12 else "")
    return RuleConfigError(f"workspace.toml [rules] 中没有规则 {key}；可用的键：{shown}")


def _safety_rules(values: dict) -> tuple[SafetyRule, ...]:
    out = []
    for rid, (label, hazard, element, _ring, basis, clause) in _SAFETY.items():
        if values[f"safety.{rid}.enabled"]:
            out.append(
                SafetyRule(
                    rid,
                    label,
                    hazard,
                    element,
                    str(values[f"safety.{rid}.ring"]),
                    float(values[f"safety.{rid}.distance_m"]),
                    basis,
                    clause,
                )
            )
    return tuple(out)


def load_rules(config: dict | None = None) -> Rules:
    """Resolve the rules: defaults, then the ``[rules]`` tables of a workspace config.

    Parameters
    ----------
    config : the parsed ``workspace.toml`` (``Workspace.config``); ``None`` or ``{}`` gives the defaults.

    Raises
    ------
    RuleConfigError
        An override names no rule, or has a value of the wrong form.

    Examples
    --------
    >>> load_rules({}).get("shelter.service_radius_m.紧急")
    500.0
    >>> load_rules({"rules": {"geohazard": {"radius_m": {"滑坡": 300}}}}).get("geohazard.radius_m.滑坡")
    300.0
    >>> load_rules({"rules": {"shelter": {"service_radius_m": {"紧急": "五百"}}}})
    Traceback (most recent call last):
    riskmodel.errors.RuleConfigError: workspace.toml [rules] 中 shelter.service_radius_m.紧急 = '五百' 无效；应为非负数字
    """
    table = dict((config or {}).get("rules", {}) or {})
    if not isinstance(table, dict):
        raise RuleConfigError("workspace.toml 的 rules 应为表（[rules]）")
    extra = {k: table.pop(k) for k in EXTRA_SECTIONS if k in table}
    values = {e.key: e.value for e in DEFAULTS}
    entries = {e.key: e for e in DEFAULTS}
    for key, value in _flatten(table).items():
        if key not in _BY_KEY:
            raise _unknown_key(key)
        values[key] = _check_value(key, value, _BY_KEY[key].value)
        old = entries[key]
        entries[key] = RuleEntry(
            key, old.label, values[key], old.unit, WORKSPACE, f"workspace.toml（默认 {old.value}）"
        )
    return Rules(
        values=MappingProxyType(values),
        entries=tuple(entries.values()),
        safety=_safety_rules(values),
        extra=MappingProxyType(extra),
    )
