"""One selection model for the map's filters and every export: townships × layers × attribute values × text.

The map, its counts, its table and the exports all call :func:`select_sites`, so "export what I
see" holds by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import SelectionError
from layers.kinds import LAYER_KINDS, FieldType, get_kind

__all__ = ["Filter", "Selection", "parse_where", "resolve_townships", "select_sites"]

_SEARCH_FIELDS = ("name", "id", "village", "address")


@dataclass(frozen=True)
class Filter:
    """Keep sites whose ``field`` is one of ``values`` (in every selected layer that has the field,
    or only in ``layer`` when given)."""

    field: str
    values: tuple[str, ...]
    layer: str | None = None


@dataclass(frozen=True)
class Selection:
    """What to show or export. Empty tuples mean "all"."""

    townships: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    text: str = ""

    def layer_ids(self) -> tuple[str, ...]:
        return self.layers or tuple(k.id for k in LAYER_KINDS)

    def describe(self) -> str:
        """Human-readable Chinese description, written into every export."""
        parts = ["乡镇：" + ("、".join(self.townships) if self.townships else "全部"),
                 "图层：" + ("、".join(get_kind(i).label for i in self.layers) if self.layers else "全部")]
        parts += [f"{_label(f)}：{'、'.join(f.values)}" for f in self.filters]
        if self.text:
            parts.append(f"搜索：{self.text}")
        return "；".join(parts)


def _label(f: Filter) -> str:
    for kind in LAYER_KINDS:
        if f.field in kind.field_names and (f.layer in (None, kind.id)):
            return kind.field(f.field).label
    return f.field


def resolve_townships(tokens, townships: pd.DataFrame) -> tuple[str, ...]:
    """Township names from names or codes (12- or 9-digit); ``all`` → every township.

    Raises SelectionError naming the unknown token and the valid names.
    """
    names = list(townships["name"].astype(str))
    codes = {str(c): n for c, n in zip(townships["code"], names, strict=True)}
    codes.update({c[:9]: n for c, n in list(codes.items())})
    out: list[str] = []
    for tok in tokens:
        tok = str(tok).strip()
        if tok.lower() == "all":
            return tuple(names)
        if tok in names:
            out.append(tok)
        elif tok in codes:
            out.append(codes[tok])
        else:
            raise SelectionError(f"未知乡镇“{tok}”；可填名称或代码，可选：{'、'.join(names)}")
    return tuple(dict.fromkeys(out))


def _field_name(token: str, layer_ids) -> str:
    for lid in layer_ids:
        for f in get_kind(lid).all_fields:
            if token in (f.name, f.label):
                return f.name
    fields = sorted({f.name for lid in layer_ids for f in get_kind(lid).all_fields})
    raise SelectionError(f"未知字段“{token}”（所选图层中没有）；可选字段：{', '.join(fields)}")


def parse_where(items, layer_ids) -> tuple[Filter, ...]:
    """Parse ``FIELD=V1,V2`` strings (field by id or Chinese label) into filters.

    Enumerated values are checked against the allowed set.
    """
    out = []
    for item in items:
        if "=" not in item:
            raise SelectionError(f"筛选条件“{item}”格式应为 字段=值（多个值用逗号分隔），如 danger_level=大型,中型")
        token, raw = item.split("=", 1)
        name = _field_name(token.strip(), layer_ids)
        values = tuple(v.strip() for v in raw.replace("，", ",").split(",") if v.strip())
        for lid in layer_ids:
            kind = get_kind(lid)
            if name in kind.field_names and kind.field(name).type == FieldType.ENUM:
                allowed = set().union(*(get_kind(x).field(name).allowed for x in layer_ids
                                        if name in get_kind(x).field_names))
                bad = [v for v in values if v not in allowed]
                if bad:
                    raise SelectionError(f"字段 {name} 的值“{'、'.join(bad)}”无效；可选值：{'、'.join(sorted(allowed))}")
        out.append(Filter(name, values))
    return tuple(out)


def _value_mask(col: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    as_text = col.map(lambda v: "" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else (
        ("是" if v else "否") if isinstance(v, bool | np.bool_) else str(v)))
    wanted = set(values) | {{"true": "是", "false": "否"}.get(v.lower(), v) for v in values}
    return as_text.isin(wanted).to_numpy()


def _text_mask(frame: pd.DataFrame, text: str) -> np.ndarray:
    mask = np.zeros(len(frame), dtype=bool)
    needle = text.strip().lower()
    for col in _SEARCH_FIELDS:
        if col in frame.columns:
            mask |= frame[col].astype(str).str.lower().str.contains(needle, regex=False, na=False).to_numpy()
    return mask


def _select_one(frame: gpd.GeoDataFrame, layer_id: str, sel: Selection) -> gpd.GeoDataFrame:
    mask = np.ones(len(frame), dtype=bool)
    if sel.townships:
        mask &= frame["township"].isin(sel.townships).to_numpy()
    for f in sel.filters:
        if f.layer not in (None, layer_id):
            continue
        if f.field not in get_kind(layer_id).field_names and f.field not in frame.columns:
            mask[:] = False  # an unscoped filter on a field this layer lacks: no site matches it
            continue
        mask &= _value_mask(frame[f.field], f.values)
    if sel.text.strip():
        mask &= _text_mask(frame, sel.text)
    return frame[mask]


def select_sites(layers: dict[str, gpd.GeoDataFrame], sel: Selection) -> dict[str, gpd.GeoDataFrame]:
    """Exactly the selected sites, per layer id (every selected layer present, maybe empty).

    An unscoped filter on a field that a layer does not have selects nothing from that layer
    (a nine-small place has no 险情等级); a filter scoped with ``layer`` applies to that layer only.
    """
    for lid in sel.layer_ids():
        get_kind(lid)
    return {lid: _select_one(layers[lid], lid, sel) for lid in sel.layer_ids() if lid in layers}
