"""Risk-model tables as shown on a page: headers, layer ids and enum keys in the UI language, numbers
rounded for display (distances to 1 m). The frames themselves stay unrounded (files, CLI).
"""

from __future__ import annotations

import re

import pandas as pd

from layers.errors import UnknownKindError
from layers.kinds import LAYER_KINDS, get_kind
from riskmap.render.labels import TOWNSHIP_COLUMNS

__all__ = ["column_label", "display_table", "layer_name"]

# Columns of the hazards, violations, shelters, coverage, rules and pairs frames: (zh, en).
COLUMNS: dict[str, tuple[str, str]] = {
    "layer": ("图层", "Layer"),
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "township": ("乡镇(街道)", "Township"),
    "danger_radius_m": ("危险圈半径(m)", "Danger radius (m)"),
    "watch_radius_m": ("关注圈半径(m)", "Watch radius (m)"),
    "radius_source": ("半径依据", "Radius from"),
    "threatened_people": ("威胁人数", "People threatened"),
    "people_danger": ("危险区内人数", "People in danger ring"),
    "people_watch": ("关注区内人数", "People in watch ring"),
    "rule": ("规则", "Rule"),
    "rule_label": ("规则", "Rule"),
    "hazard_layer": ("隐患图层", "Hazard layer"),
    "hazard_id": ("隐患点编号", "Hazard ID"),
    "hazard_name": ("隐患点名称", "Hazard name"),
    "hazard_township": ("隐患点乡镇", "Hazard township"),
    "element_layer": ("对象图层", "Element layer"),
    "element_id": ("对象编号", "Element ID"),
    "element_name": ("对象名称", "Element name"),
    "element_township": ("对象乡镇", "Element township"),
    "distance_m": ("距离(m)", "Distance (m)"),
    "limit_m": ("限值(m)", "Limit (m)"),
    "basis": ("依据类型", "Basis"),
    "clause": ("条文/来源", "Clause or source"),
    "message": ("说明", "Message"),
    "shelter_class": ("场所类别", "Class"),
    "status": ("状态", "Status"),
    "usable": ("可用", "Usable"),
    "unusable_reason": ("不可用原因", "Why unusable"),
    "capacity_people": ("容量(人)", "Capacity (people)"),
    "assigned_people": ("分配人数", "Assigned people"),
    "overflow_people": ("超容人数", "Overflow people"),
    "people": ("人数", "People"),
    "shelter_id": ("最近避难场所编号", "Nearest shelter ID"),
    "shelter_name": ("最近避难场所", "Nearest shelter"),
    "service_radius_m": ("服务半径(m)", "Service radius (m)"),
    "covered": ("在最近场所服务半径内", "Within nearest's radius"),
    "covered_any": ("在任一场所服务半径内", "Within any radius"),
    "key": ("参数键（工作区覆盖用）", "Rule key (for overrides)"),
    "label": ("参数", "Parameter"),
    "value": ("取值", "Value"),
    "unit": ("单位", "Unit"),
    "ring": ("圈层", "Ring"),
    "applies_to": ("适用对象", "Applies to"),
}
VALUES: dict[str, tuple[str, str]] = {
    "standard": ("标准条文", "standard"),
    "assumed": ("假设值", "assumed"),
    "workspace": ("工作区覆盖", "workspace"),
    "danger": ("危险圈", "danger"),
    "watch": ("关注圈", "watch"),
    "site": ("点位字段", "site field"),
}
_RING_SUFFIX = re.compile(r"^(.+)_(danger|watch)$")
_LAYER_COLUMNS = ("layer", "hazard_layer", "element_layer")


def layer_name(layer_id: object, lang: str = "zh") -> str:
    """A layer id as people read it: the kind's label (村(社区) for villages); unknown ids unchanged."""
    text = str(layer_id)
    if text == "village":
        return "村(社区)" if lang == "zh" else "Villages"
    try:
        kind = get_kind(text)
    except UnknownKindError:
        return text
    return kind.label if lang == "zh" else kind.label_en


def column_label(col: str, lang: str = "zh") -> str:
    zh = lang != "en"
    if col in COLUMNS:
        return COLUMNS[col][0 if zh else 1]
    if zh and col in TOWNSHIP_COLUMNS:
        return TOWNSHIP_COLUMNS[col]
    if m := _RING_SUFFIX.match(col):
        ring = VALUES[m.group(2)][0 if zh else 1]
        return f"{ring}内{layer_name(m.group(1), lang)}" if zh else f"{layer_name(m.group(1), lang)} in {ring} ring"
    return col if zh else col.replace("_", " ")


def _value(v: object, lang: str) -> object:
    if isinstance(v, str) and v in VALUES:
        return VALUES[v][0 if lang != "en" else 1]
    return v


def _radius_source(v: object, lang: str) -> object:
    """``site:threat_radius_m`` / ``assumed:facility_type`` → 点位字段：threat_radius_m → readable."""
    if not isinstance(v, str) or ":" not in v:
        return v
    head, rest = v.split(":", 1)
    for kind in LAYER_KINDS:
        if rest in kind.field_names:
            f = kind.field(rest)
            rest = f.label if lang != "en" else (f.label_en or rest)
            break
    return f"{_value(head, lang)}：{rest}"


def _rule_target(key: object, lang: str) -> str:
    head = str(key).split(".", 1)[0]
    name = layer_name(head, lang)
    if name != head:
        return name
    return {"safety": ("安全距离", "Safety distance"), "risk_index": ("风险指数", "Risk index")}.get(
        head, (head, head)
    )[0 if lang != "en" else 1]


def display_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A copy for display: ids of layers and enum keys translated, booleans 是/否, distances to 1 m,
    other floats to 0.1, headers in the UI language."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if col in _LAYER_COLUMNS:
            out[col] = s.map(lambda v: layer_name(v, lang))
        elif col in ("basis", "ring"):
            out[col] = s.map(lambda v: _value(v, lang))
        elif col == "radius_source":
            out[col] = s.map(lambda v: _radius_source(v, lang))
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.map(lambda v: ("是" if v else "否") if lang != "en" else ("yes" if v else "no"))
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.round(0 if col.endswith("_m") else 1)
        elif s.map(lambda v: isinstance(v, list | tuple | set)).any():  # e.g. a rule's ('已核销',)
            out[col] = s.map(lambda v: "、".join(map(str, v)) if isinstance(v, list | tuple | set) else v)
    if "key" in out.columns:
        out.insert(0, "applies_to", out["key"].map(lambda k: _rule_target(k, lang)))
    if "rule" in out.columns and "rule_label" in out.columns:
        out = out.drop(columns=["rule"])
    return out.rename(columns={c: column_label(c, lang) for c in out.columns})
