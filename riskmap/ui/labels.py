"""Chinese column labels for the risk-model tables shown in the app."""

from __future__ import annotations

import pandas as pd

from layers.errors import UnknownKindError
from layers.kinds import get_kind

__all__ = ["TOWNSHIP_COLUMNS", "township_table_zh"]

TOWNSHIP_COLUMNS: dict[str, str] = {
    "code": "代码",
    "name": "乡镇(街道)",
    "risk_index": "风险指数",
    "threatened_people": "地灾威胁人数",
    "exposed_people_danger": "危险区内人数",
    "exposed_people_watch": "关注区内人数",
    "exposed_nine_small_danger": "危险区内九小场所",
    "exposed_nine_small_watch": "关注区内九小场所",
    "exposed_shelter_danger": "危险区内避难场所",
    "exposed_shelter_watch": "关注区内避难场所",
    "exposed_village_danger": "危险区内村(社区)",
    "exposed_village_watch": "关注区内村(社区)",
    "exposed_ferry_danger": "危险区内渡口",
    "exposed_ferry_watch": "关注区内渡口",
    "geohazard_active": "在册地灾点",
    "n_village": "村(社区)数",
    "shelter_usable": "可用避难场所",
    "shelter_capacity_people": "避难容量(人)",
    "shelter_need_people": "避难需求(人)",
    "shelter_assigned_people": "分配人数",
    "shelter_overflow_people": "超容人数",
    "capacity_deficit_people": "容量缺口(人)",
    "villages_uncovered": "未覆盖村(社区)",
    "people_uncovered": "未覆盖人口",
    "nine_small_uncovered": "未覆盖九小场所",
    "population_covered_pct": "人口覆盖率(%)",
    "violations": "安全距离问题",
    "forest_km2": "重点林区(km²)",
    "forest_uncovered_km2": "林区未覆盖(km²)",
    "forest_uncovered_all_pools_km2": "林区未覆盖-含规划水池(km²)",
    "forest_uncovered_pct": "林区未覆盖率(%)",
}


# Per-kind columns of the township table, by suffix (the kind's label goes in front):
# riskmodel.aggregate names them <layer id><suffix>.
_KIND_COLUMN_SUFFIXES = {
    "_villages_uncovered": "服务半径外村(社区)",
    "_people_uncovered": "服务半径外人口",
    "_people_covered_pct": "人口覆盖率(%)",
    "_uncovered": "未覆盖(避难场所)",
    "_active": "(参与计算)",
}


def _kind_column(col: str) -> str | None:
    for ring, zone in (("_danger", "危险区内"), ("_watch", "关注区内")):
        if col.startswith("exposed_") and col.endswith(ring):
            try:
                return zone + get_kind(col[len("exposed_") : -len(ring)]).label
            except UnknownKindError:
                return None
    for suffix, text in _KIND_COLUMN_SUFFIXES.items():
        if col.endswith(suffix):
            try:
                return get_kind(col[: -len(suffix)]).label + text
            except UnknownKindError:
                continue
    return None


def _label(col: str, lang: str = "zh") -> str:
    if lang == "en":
        return _label_en(col)
    if col in TOWNSHIP_COLUMNS:
        return TOWNSHIP_COLUMNS[col]
    if col.startswith("n_"):
        try:
            return get_kind(col[2:]).label + "数"
        except UnknownKindError:  # an unknown count column keeps its name
            return col
    return _kind_column(col) or col


def _label_en(col: str) -> str:
    if col.startswith("n_"):
        try:
            return get_kind(col[2:]).label_en
        except UnknownKindError:
            pass
    return col.replace("_", " ")


def township_table_zh(towns: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The township table with Chinese (or, for ``lang="en"``, English) headers, rounded for display
    (the values themselves are unrounded upstream)."""
    out = towns.copy()
    num = out.select_dtypes("number").columns
    out[num] = out[num].round(1)
    return out.rename(columns={c: _label(c, lang) for c in out.columns})
