"""zh/en column labels of the risk-model tables shown in the app and written for people.

Columns named after a layer (``n_<layer>``, ``exposed_<layer>_<ring>``) are labelled from the layer's
own label (:func:`layers.labels.layer_label`), so a new kind needs no entry here.
"""

from __future__ import annotations

import pandas as pd

from layers.errors import UnknownKindError
from layers.labels import layer_label

__all__ = ["TOWNSHIP_COLUMNS", "township_table_zh"]

TOWNSHIP_COLUMNS: dict[str, str] = {
    "code": "代码",
    "name": "乡镇(街道)",
    "risk_index": "风险指数",
    "threatened_people": "地灾威胁人数",
    "exposed_people_danger": "危险区内人数",
    "exposed_people_watch": "关注区内人数",
    "geohazard_active": "在册地灾点",
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


_RINGS = {"danger": ("危险区内", "in danger zone"), "watch": ("关注区内", "in watch zone")}


def _layer_column(col: str, lang: str) -> str | None:
    """``n_<layer>`` → 渡口数 / Ferries; ``exposed_<layer>_<ring>`` → 危险区内渡口; else None."""
    zh = lang != "en"
    try:
        if col.startswith("n_"):
            label = layer_label(col[2:], lang)
            return label + "数" if zh else label
        if col.startswith("exposed_") and col.rsplit("_", 1)[-1] in _RINGS:
            layer, ring = col[len("exposed_"):].rsplit("_", 1)
            if layer == "people":
                return None
            zone_zh, zone_en = _RINGS[ring]
            return f"{zone_zh}{layer_label(layer, lang)}" if zh else f"{layer_label(layer, lang)} {zone_en}"
    except UnknownKindError:  # not a layer: the column keeps its own label
        return None
    return None


# Per-kind coverage columns of the township table (riskmodel.aggregate names them <layer id><suffix>).
_KIND_COLUMN_SUFFIXES = {
    "_villages_uncovered": "服务半径外村(社区)",
    "_people_uncovered": "服务半径外人口",
    "_people_covered_pct": "人口覆盖率(%)",
    "_uncovered": "未覆盖(避难场所)",
    "_active": "(参与计算)",
}


def _kind_suffix_column(col: str) -> str | None:
    """``<layer>_people_uncovered`` → 应急资源服务半径外人口, …; None when ``col`` is not one."""
    for suffix, text in _KIND_COLUMN_SUFFIXES.items():
        if col.endswith(suffix):
            try:
                return layer_label(col[: -len(suffix)]) + text
            except UnknownKindError:
                continue
    return None


def _label(col: str, lang: str = "zh") -> str:
    """Display label of a column.

    >>> _label("exposed_village_danger"), _label("n_village"), _label("exposed_people_watch")
    ('危险区内村(社区)', '村(社区)数', '关注区内人数')
    """
    by_layer = _layer_column(col, lang)
    if by_layer:
        return by_layer
    if lang == "en":
        return col.replace("_", " ")
    return TOWNSHIP_COLUMNS.get(col) or _kind_suffix_column(col) or col


def township_table_zh(towns: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The township table with Chinese (or, for ``lang="en"``, English) headers, rounded for display
    (the values themselves are unrounded upstream)."""
    out = towns.copy()
    num = out.select_dtypes("number").columns
    out[num] = out[num].round(1)
    return out.rename(columns={c: _label(c, lang) for c in out.columns})
