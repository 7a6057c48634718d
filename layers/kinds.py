"""Registry kinds, declared once as typed data.

Every other part of the project — validation, import header mapping, styling, the legend,
exports, the risk model's roles — reads these records. Adding a kind is one declaration
appended to :data:`LAYER_KINDS`: its roles (:class:`HazardRule`, ``people_field``,
:class:`ServiceRule`), map shape, derived fields and inactive statuses are data here, and the
risk model, the map, the pages and the exports ask for them (:func:`kinds_with`) instead of
listing kind ids. Rule values (radii, factors) live in ``riskmodel/rules.py`` under the kind's id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from layers.errors import UnknownKindError
from layers.grading import danger_level_from

__all__ = [
    "COMMON_FIELDS",
    "LAYER_KINDS",
    "Derived",
    "Field",
    "FieldType",
    "HazardRule",
    "LayerKind",
    "Role",
    "ServiceRule",
    "get_kind",
    "kind_ids",
    "kinds_with",
    "layer_ids_with",
    "refuge_kinds",
]


class FieldType(StrEnum):
    """Storage type of a registry field."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    ENUM = "enum"


class Role(StrEnum):
    """What a kind is to the risk model (a kind may have several roles)."""

    HAZARD = "hazard"  # has exposure rings: declares a HazardRule
    EXPOSED = "exposed"  # counted inside rings, by kind in the township table (people: people_field)
    RESOURCE = "resource"  # serves the area around it: declares a ServiceRule


@dataclass(frozen=True)
class HazardRule:
    """How a hazard kind's danger radius R is found; the values are rules ``<kind id>.*``.

    R = ``radius_m.<type>`` × ``scale_factor.<scale>`` × ``depth_factor[class of depth by
    depth_bounds_cm]`` (each factor only when its field is declared); sites whose ``type_field``
    is ``pipe_type`` use ``pipe_radius_m.<pipe_field value>`` instead; a positive
    ``site_radius_field`` value wins over all of it. ``source`` labels R in ``radius_source``.
    """

    type_field: str
    source: str
    scale_field: str | None = None
    depth_field: str | None = None
    site_radius_field: str | None = None
    pipe_type: str | None = None
    pipe_field: str | None = None
    pipe_source: str = ""
    threatened_field: str | None = None  # people the registry says each site threatens


@dataclass(frozen=True)
class ServiceRule:
    """How far a resource kind serves: rules ``<kind id>.service_radius_m[.<by_field value>]``.

    ``covers`` is what its coverage is measured on: ``"people"`` (village population points) or
    ``"forest"`` (the forest polygons' area). A positive ``site_radius_field`` value wins.
    ``capacity_field`` marks a refuge that takes people in (shelters: capacity and load).
    """

    covers: str = "people"
    by_field: str | None = None
    site_radius_field: str | None = None
    capacity_field: str | None = None


@dataclass(frozen=True)
class Derived:
    """A field filled from others when empty, and checked against them when filled (a warning).

    ``compute(*columns)`` takes the ``inputs`` columns and returns the derived values.
    """

    field: str
    inputs: tuple[str, ...]
    compute: Callable = dataclasses.field(compare=False)
    basis: str = ""  # e.g. "国家分级", named in the mismatch warning
    inputs_label: str = ""  # e.g. "威胁人数/财产"


@dataclass(frozen=True)
class Field:
    """One attribute of a registry kind.

    ``aliases`` are the column headers accepted on import (Chinese practice first).
    ``colors`` maps allowed values to a display colour where the field is styled.
    """

    name: str
    label: str
    type: FieldType = FieldType.STR
    label_en: str = ""
    required: bool = False
    allowed: tuple[str, ...] = ()
    unit: str = ""
    min_value: float | None = None
    aliases: tuple[str, ...] = ()
    colors: tuple[tuple[str, str], ...] = ()
    personal: bool = False  # personal data: never in the leadership briefing

    @property
    def header(self) -> str:
        """Chinese column header with the unit, e.g. ``威胁人数(人)``."""
        return f"{self.label}({self.unit})" if self.unit else self.label

    def color_of(self, value: object) -> str | None:
        return dict(self.colors).get(str(value))


@dataclass(frozen=True)
class LayerKind:
    """A point registry: its fields, map shape, roles and what each role needs."""

    id: str
    label: str
    label_en: str
    fields: tuple[Field, ...]
    roles: tuple[Role, ...]
    shape: str  # canvas shape on the map (riskmap/mapview runtime): triangle, drop, square, …
    color: str  # layer colour, hex
    style_field: str | None = None  # field whose allowed values colour the symbol
    key_fields: tuple[str, ...] = ()  # what a field team needs in a printed table
    id_prefix: str = ""
    marker_px: int = 7  # map symbol radius, px (small for the dense layers)
    hazard: HazardRule | None = None  # Role.HAZARD: how its rings are sized
    people_field: str | None = None  # Role.EXPOSED: people counted when a site is exposed
    service: ServiceRule | None = None  # Role.RESOURCE: how far it serves
    derived: tuple[Derived, ...] = ()
    status_field: str | None = None
    inactive_status: tuple[str, ...] = ()  # default of rules <id>.exclude_status: sites left out of the model
    overview: bool = False  # shown on the overview and flood-season maps (few, decision-relevant sites)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return COMMON_FIELDS + self.fields

    def field(self, name: str) -> Field:
        for f in self.all_fields:
            if f.name == name:
                return f
        valid = "、".join(f.name for f in self.all_fields)
        raise UnknownKindError(f"图层 {self.id} 没有字段 “{name}”；可选字段：{valid}")

    @property
    def table_fields(self) -> tuple[Field, ...]:
        """Fields in reading order for a table: who and where, the key risk fields, the rest, then upkeep."""
        first = ("id", "name", "township", "village", *self.key_fields)
        tail = ("address", "contact_name", "contact_phone", "updated", "source", "note")
        middle = tuple(f.name for f in self.all_fields if f.name not in first and f.name not in tail)
        return tuple(self.field(n) for n in (*first, *middle, *tail))

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.all_fields)

    def color_of(self, props: dict) -> str:
        """Display colour of one site: by its style field's value, else the layer colour."""
        if self.style_field:
            c = self.field(self.style_field).color_of(props.get(self.style_field))
            if c:
                return c
        return self.color


def _f(name, label, type=FieldType.STR, **kw) -> Field:
    return Field(name=name, label=label, type=type, **kw)


E = FieldType.ENUM
I = FieldType.INT  # noqa: E741
F = FieldType.FLOAT
B = FieldType.BOOL
D = FieldType.DATE

COMMON_FIELDS: tuple[Field, ...] = (
    _f("id", "编号", required=True, label_en="ID",
       aliases=("编号", "隐患点编号", "统一编号", "场所编号", "ID", "id", "序号编号")),
    _f("name", "名称", required=True, label_en="Name",
       aliases=("名称", "隐患点名称", "场所名称", "渡口名称", "单位名称", "点位名称", "水池名称", "Name", "name")),
    _f("township", "所在乡镇(街道)", label_en="Township",
       aliases=("所在乡镇(街道)", "所在乡镇（街道）", "乡镇(街道)", "乡镇（街道）", "乡镇", "街道", "镇街", "所属乡镇")),
    _f("village", "村(社区)", label_en="Village",
       aliases=("村(社区)", "村（社区）", "村", "社区", "村社区", "所在村")),
    _f("address", "地址", label_en="Address", aliases=("地址", "详细地址", "位置", "地理位置")),
    _f("updated", "更新日期", D, label_en="Updated", aliases=("更新日期", "填报时间", "更新时间", "填报日期")),
    _f("source", "数据来源", label_en="Source", aliases=("数据来源", "来源")),
    _f("note", "备注", label_en="Note", aliases=("备注", "说明")),
    _f("contact_name", "联系人", label_en="Contact", personal=True,
       aliases=("联系人", "防灾责任人", "责任人", "监测责任人", "负责人")),
    _f("contact_phone", "联系电话", label_en="Phone", personal=True,
       aliases=("联系电话", "电话", "责任人电话", "防灾责任人电话", "手机", "联系方式")),
)

_LEVEL4 = (("特大型", "#7f0000"), ("大型", "#d7301f"), ("中型", "#fc8d59"), ("小型", "#fdcc8a"))

GEOHAZARD = LayerKind(
    id="geohazard", label="地质灾害隐患点", label_en="Geohazard sites", roles=(Role.HAZARD,),
    shape="triangle", color="#b2182b", style_field="danger_level", id_prefix="DZ", overview=True,
    hazard=HazardRule(type_field="hazard_type", scale_field="scale", site_radius_field="threat_radius_m",
                      source="assumed:type×scale", threatened_field="threatened_people"),
    derived=(Derived("danger_level", ("threatened_people", "threatened_property_wan"), danger_level_from,
                     basis="国家分级", inputs_label="威胁人数/财产"),),
    status_field="status", inactive_status=("已核销",),
    key_fields=("hazard_type", "danger_level", "threatened_people", "status", "monitor_level"),
    fields=(
        _f("hazard_type", "灾害类型", E, required=True, label_en="Hazard type",
           allowed=("滑坡", "崩塌(危岩)", "不稳定斜坡", "泥石流", "地面塌陷", "地裂缝", "塌岸"),
           aliases=("灾害类型", "隐患点类型", "隐患类型", "类型")),
        _f("scale", "灾害规模", E, label_en="Scale", allowed=("巨型", "特大型", "大型", "中型", "小型"),
           aliases=("灾害规模", "规模等级", "规模")),
        _f("threatened_households", "威胁户数", I, unit="户", min_value=0, label_en="Households threatened",
           aliases=("威胁户数", "威胁户数(户)", "威胁户数（户）")),
        _f("threatened_people", "威胁人数", I, unit="人", min_value=0, label_en="People threatened",
           aliases=("威胁人数", "威胁人数(人)", "威胁人数（人）", "威胁人口")),
        _f("threatened_property_wan", "威胁财产", F, unit="万元", min_value=0, label_en="Property threatened",
           aliases=("威胁财产", "威胁财产(万元)", "威胁财产（万元）", "潜在经济损失")),
        _f("danger_level", "险情等级", E, label_en="Danger level", allowed=tuple(v for v, _ in _LEVEL4),
           colors=_LEVEL4, aliases=("险情等级", "险情级别")),
        _f("monitor_level", "监测级别", E, label_en="Monitoring", allowed=("专业监测", "智能化监测", "群测群防"),
           aliases=("监测级别", "监测方法", "监测方式")),
        _f("status", "状态", E, label_en="Status", allowed=("监测中", "治理中", "已治理", "搬迁避让", "已核销"),
           aliases=("状态", "防治状态", "是否销号")),
        _f("threat_radius_m", "威胁半径", F, unit="m", min_value=0, label_en="Threat radius",
           aliases=("威胁半径", "威胁半径(m)", "威胁范围(m)")),
    ),
)

FLOOD_SPOT = LayerKind(
    id="flood_spot", label="内涝积水点", label_en="Flood-prone spots", roles=(Role.HAZARD,),
    shape="drop", color="#2166ac", style_field="remediation", id_prefix="NL", overview=True,
    hazard=HazardRule(type_field="spot_type", depth_field="max_depth_cm", source="assumed:type×depth"),
    key_fields=("spot_type", "max_depth_cm", "remediation", "has_sensor", "responsible_unit"),
    fields=(
        _f("spot_type", "积水点类型", E, required=True, label_en="Spot type",
           allowed=("城区低洼", "下穿通道", "桥涵", "河道沿岸", "集镇街道", "其他"),
           aliases=("积水点类型", "类型", "点位类型")),
        _f("max_depth_cm", "最大积水深度", F, unit="cm", min_value=0, label_en="Max depth",
           aliases=("最大积水深度", "最大积水深度(cm)", "积水深度", "积水深度(cm)")),
        _f("area_m2", "积水面积", F, unit="m²", min_value=0, label_en="Area",
           aliases=("积水面积", "积水面积(m2)", "积水面积(m²)")),
        _f("duration_h", "积水时长", F, unit="h", min_value=0, label_en="Duration",
           aliases=("积水时长", "积水时长(h)", "积水时间")),
        _f("has_sensor", "暴雨积涝自动监测", B, label_en="Sensor", aliases=("暴雨积涝自动监测", "是否有监测", "监测设备")),
        _f("remediation", "整治情况", E, label_en="Remediation", allowed=("未整治", "整治中", "已整治"),
           colors=(("未整治", "#b2182b"), ("整治中", "#ef8a62"), ("已整治", "#4393c3")),
           aliases=("整治情况", "整治状态")),
        _f("responsible_unit", "责任单位", label_en="Responsible unit", aliases=("责任单位", "管理单位")),
    ),
)

FERRY = LayerKind(
    id="ferry", label="渡口", label_en="Ferries", roles=(Role.EXPOSED,),
    shape="square", color="#01665e", style_field="status", id_prefix="DK", overview=True,
    key_fields=("river", "ferry_type", "passenger_capacity", "wind_rating", "status"),
    fields=(
        _f("river", "河流", label_en="River", aliases=("河流", "河流/水库", "所在河流", "水域")),
        _f("ferry_type", "渡口类型", E, required=True, label_en="Ferry type",
           allowed=("乡镇渡口", "学生渡口", "汽渡", "其他"), aliases=("渡口类型", "类型")),
        _f("boats", "渡船数", I, unit="艘", min_value=0, label_en="Boats", aliases=("渡船数", "渡船数量", "船舶数")),
        _f("passenger_capacity", "载客定额", I, unit="人", min_value=0, label_en="Passenger capacity",
           aliases=("载客定额", "核定载客", "载客人数")),
        _f("wind_rating", "抗风等级", I, unit="级", min_value=0, label_en="Wind rating (Beaufort)",
           aliases=("抗风等级", "抗风等级(级)")),
        _f("daily_passengers", "日渡运量", I, unit="人次", min_value=0, label_en="Daily passengers",
           aliases=("日渡运量", "日均渡运量", "日渡运量(人次)")),
        _f("has_anemometer", "气象测风仪", B, label_en="Anemometer", aliases=("气象测风仪", "测风仪")),
        _f("video_connected", "视频监控接入", B, label_en="Video connected", aliases=("视频监控接入", "视频监控")),
        _f("stop_water_level_m", "停渡水位", F, unit="m", label_en="Stop water level",
           aliases=("停渡水位", "停渡水位(m)")),
        _f("status", "状态", E, label_en="Status", allowed=("运营", "停渡", "撤渡"),
           colors=(("运营", "#01665e"), ("停渡", "#d95f02"), ("撤渡", "#7f7f7f")), aliases=("状态", "运营状态")),
    ),
)

GAS_RISK = LayerKind(
    id="gas_risk", label="燃气风险点", label_en="Gas risk points", roles=(Role.HAZARD,),
    shape="diamond", color="#e66101", style_field="risk_level", id_prefix="RQ", overview=True,
    hazard=HazardRule(type_field="facility_type", source="assumed:facility_type", pipe_type="管道段",
                      pipe_field="pressure_class", pipe_source="GB55009控制范围"),
    key_fields=("facility_type", "pressure_class", "risk_level", "operator", "iot_sensor"),
    fields=(
        _f("facility_type", "设施类型", E, required=True, label_en="Facility type",
           allowed=("调压站", "调压柜", "阀井", "储配站", "加气站", "液化气供应站", "管道段", "餐饮用户", "其他"),
           aliases=("设施类型", "类型", "风险点类型")),
        _f("pressure_class", "压力级制", E, label_en="Pressure class",
           allowed=("低压", "中压B", "中压A", "次高压B", "次高压A", "高压B", "高压A"), aliases=("压力级制", "压力等级")),
        _f("iot_sensor", "物联感知设备", B, label_en="IoT sensor", aliases=("物联感知设备", "是否安装物联感知设备")),
        _f("operator", "运营单位", label_en="Operator", aliases=("运营单位", "燃气企业", "经营单位")),
        _f("risk_level", "风险等级", E, label_en="Risk level", allowed=("重大", "较大", "一般", "低"),
           colors=(("重大", "#b2182b"), ("较大", "#e66101"), ("一般", "#fdb863"), ("低", "#b8e186")),
           aliases=("风险等级", "风险级别")),
    ),
)

FIRE_POOL = LayerKind(
    id="fire_pool", label="森林消防水池", label_en="Forest fire pools", roles=(Role.RESOURCE,),
    shape="hexagon", color="#1b7837", style_field="status", id_prefix="SC",
    service=ServiceRule(covers="forest"),
    key_fields=("capacity_m3", "forest_area", "status", "road_access"),
    fields=(
        _f("capacity_m3", "容积", F, unit="m³", min_value=0, label_en="Capacity",
           aliases=("容积", "容积(m3)", "容积(m³)", "蓄水量")),
        _f("forest_area", "所在林区", label_en="Forest area", aliases=("所在林区", "林区")),
        _f("status", "建设状态", E, label_en="Status", allowed=("已建", "在建", "规划"),
           colors=(("已建", "#1b7837"), ("在建", "#a6dba0"), ("规划", "#c2a5cf")), aliases=("建设状态", "状态")),
        _f("built_year", "建成年份", I, label_en="Year built", aliases=("建成年份", "建设年份")),
        _f("road_access", "道路可达", B, label_en="Road access", aliases=("道路可达", "车辆可达")),
    ),
)

SHELTER = LayerKind(
    id="shelter", label="应急避难场所", label_en="Emergency shelters", roles=(Role.EXPOSED, Role.RESOURCE),
    shape="house", color="#5e3c99", style_field="shelter_class", id_prefix="BN", overview=True,
    service=ServiceRule(covers="people", by_field="shelter_class", capacity_field="capacity_people"),
    key_fields=("shelter_class", "capacity_people", "effective_area_m2", "indoor", "status"),
    fields=(
        _f("shelter_class", "场所类别", E, required=True, label_en="Class",
           allowed=("紧急", "短期固定", "中期固定", "长期固定", "中心"),
           colors=(("紧急", "#b2abd2"), ("短期固定", "#8073ac"), ("中期固定", "#8073ac"),
                   ("长期固定", "#542788"), ("中心", "#2d004b")),
           aliases=("场所类别", "场所类型", "类别", "级别")),
        _f("indoor", "室内", B, label_en="Indoor", aliases=("室内", "室内/室外", "是否室内")),
        _f("area_m2", "占地面积", F, unit="m²", min_value=0, label_en="Area",
           aliases=("占地面积", "面积", "占地面积(m2)", "占地面积(m²)")),
        _f("effective_area_m2", "有效避难面积", F, unit="m²", min_value=0, label_en="Effective area",
           aliases=("有效避难面积", "有效避难面积(m2)", "有效避难面积(m²)", "有效面积")),
        _f("capacity_people", "可容纳人数", I, unit="人", min_value=0, label_en="Capacity",
           aliases=("可容纳人数", "容纳人数", "避难人数")),
        _f("status", "状态", E, label_en="Status", allowed=("可用", "维护中", "停用"), aliases=("状态", "使用状态")),
    ),
)

NINE_SMALL = LayerKind(
    id="nine_small", label="九小场所", label_en="Nine small places", roles=(Role.EXPOSED,),
    shape="circle", color="#8c510a", style_field="category", id_prefix="JX", marker_px=4,
    people_field="occupants",
    key_fields=("category", "occupants", "hazards_open", "last_inspection"),
    fields=(
        _f("category", "场所类别", E, required=True, label_en="Category",
           allowed=("小学校或幼儿园", "小医院", "小商店", "小餐饮", "小旅馆", "小歌舞娱乐", "小网吧", "小美容洗浴", "小生产加工"),
           colors=(("小学校或幼儿园", "#e41a1c"), ("小医院", "#377eb8"), ("小商店", "#4daf4a"),
                   ("小餐饮", "#984ea3"), ("小旅馆", "#ff7f00"), ("小歌舞娱乐", "#a65628"),
                   ("小网吧", "#f781bf"), ("小美容洗浴", "#999999"), ("小生产加工", "#66c2a5")),
           aliases=("场所类别", "类别", "场所类型", "行业类别")),
        _f("floor_area_m2", "建筑面积", F, unit="m²", min_value=0, label_en="Floor area",
           aliases=("建筑面积", "面积", "建筑面积(m2)", "建筑面积(m²)", "营业面积")),
        _f("occupants", "常驻人数", I, unit="人", min_value=0, label_en="Occupants",
           aliases=("常驻人数", "人数", "从业人员数", "容纳人数")),
        _f("hazards_open", "未整改隐患数", I, unit="处", min_value=0, label_en="Open hazards",
           aliases=("未整改隐患数", "隐患数")),
        _f("last_inspection", "最近检查日期", D, label_en="Last inspection",
           aliases=("最近检查日期", "检查日期", "最近检查时间")),
    ),
)

EMERGENCY_RESOURCE = LayerKind(
    id="emergency_resource", label="应急资源", label_en="Emergency resources", roles=(Role.RESOURCE,),
    shape="star", color="#c51b7d", style_field="category", id_prefix="YJ", overview=True,
    key_fields=("category", "staff", "vehicles", "status", "service_radius_m"),
    service=ServiceRule(covers="people", by_field="category", site_radius_field="service_radius_m"),
    status_field="status", inactive_status=("在建", "规划", "停用"),
    fields=(
        _f("category", "资源类别", E, required=True, label_en="Category",
           allowed=("应急消防服务站点", "专业救援队伍", "社会应急力量", "物资储备库", "无人机巢", "其他"),
           colors=(("应急消防服务站点", "#d73027"), ("专业救援队伍", "#c51b7d"), ("社会应急力量", "#f1b6da"),
                   ("物资储备库", "#762a83"), ("无人机巢", "#35978f"), ("其他", "#878787")),
           aliases=("资源类别", "类别", "资源类型", "类型", "队伍类型")),
        _f("staff", "人员数", I, unit="人", min_value=0, label_en="Staff",
           aliases=("人员数", "人数", "队员人数", "在岗人数", "人员数(人)")),
        _f("vehicles", "车辆数", I, unit="辆", min_value=0, label_en="Vehicles",
           aliases=("车辆数", "车辆", "车辆数(辆)", "消防车辆数")),
        _f("equipment", "主要装备", label_en="Equipment", aliases=("主要装备", "装备", "装备情况", "主要装备器材")),
        _f("reserve_items", "储备物资", label_en="Reserve items",
           aliases=("储备物资", "物资", "物资储备", "储备物资品种")),
        _f("service_radius_m", "服务半径", F, unit="m", min_value=0, label_en="Service radius",
           aliases=("服务半径", "服务半径(m)", "覆盖半径", "服务范围(m)")),
        _f("status", "状态", E, label_en="Status", allowed=("在用", "在建", "规划", "停用"),
           aliases=("状态", "建设状态", "使用状态")),
        _f("duty_phone", "值班电话", label_en="Duty phone", personal=True,
           aliases=("值班电话", "24小时值班电话", "应急值班电话")),
    ),
)

LAYER_KINDS: tuple[LayerKind, ...] = (
    GEOHAZARD, FLOOD_SPOT, FERRY, GAS_RISK, FIRE_POOL, SHELTER, NINE_SMALL, EMERGENCY_RESOURCE,
)
_BY_ID = {k.id: k for k in LAYER_KINDS}


def kind_ids() -> tuple[str, ...]:
    return tuple(_BY_ID)


def kinds_with(role: Role) -> tuple[LayerKind, ...]:
    """The kinds that have ``role``, in declaration order.

    >>> [k.label for k in kinds_with(Role.HAZARD)]
    ['地质灾害隐患点', '内涝积水点', '燃气风险点']
    """
    return tuple(k for k in LAYER_KINDS if role in k.roles)


def layer_ids_with(role: Role) -> tuple[str, ...]:
    return tuple(k.id for k in kinds_with(role))


def refuge_kinds() -> tuple[LayerKind, ...]:
    """Resource kinds that take people in (a capacity field): shelters."""
    return tuple(k for k in kinds_with(Role.RESOURCE) if k.service and k.service.capacity_field)


def get_kind(layer_id: str) -> LayerKind:
    """Look a kind up by its layer id; the error lists the valid ids.

    >>> get_kind("shelter").label
    '应急避难场所'
    """
    try:
        return _BY_ID[layer_id]
    except KeyError:
        valid = "、".join(f"{k.id}({k.label})" for k in LAYER_KINDS)
        raise UnknownKindError(f"未知图层 “{layer_id}”；可选图层：{valid}") from None
