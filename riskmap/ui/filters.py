"""The selection widgets of 图层浏览: townships, layers, attribute values per layer, text search.

Each widget's state is seeded from ``view_state().selection`` (so leaving and returning to the
page, or the export page, sees the same selection) and the result is one :class:`Selection`.
"""

from __future__ import annotations

import streamlit as st

from layers.kinds import FieldType, get_kind, kind_ids
from layers.labels import layer_label
from layers.selection import Filter, Selection
from riskmap.ui.state import t, view_state

__all__ = ["ATTR_LAYER_KEY", "FILTER_FIELD_TYPES", "attribute_fields", "selection_widgets"]

FILTER_FIELD_TYPES = (FieldType.ENUM, FieldType.BOOL)
_BOOL_VALUES = ("是", "否")


def attribute_fields(layer_id: str) -> list:
    """The fields of a layer offered as attribute filters (closed value sets)."""
    return [f for f in get_kind(layer_id).fields if f.type in FILTER_FIELD_TYPES]


def _seed(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _kind_label(lid: str) -> str:
    return layer_label(lid, view_state().lang)


ATTR_LAYER_KEY = "flt_attr_layer"  # which layer's attribute filters are open


def _value_filters(lid: str, chosen: dict) -> list[Filter]:
    out = []
    for f in attribute_fields(lid):
        key = f"flt_{lid}_{f.name}"
        _seed(key, list(chosen.get((lid, f.name), ())))
        options = list(f.allowed) if f.type == FieldType.ENUM else list(_BOOL_VALUES)
        values = st.multiselect(
            f.label if t("zh", "en") == "zh" else (f.label_en or f.label), options, key=key,
            placeholder=t("全部", "All"),
        )
        if values:
            out.append(Filter(f.name, tuple(values), layer=lid))
    return out


def _attribute_filters(layer_ids, current: Selection) -> tuple[Filter, ...]:
    """One layer's attribute filters at a time (a layer chosen in a box); the filters set on the
    other layers are kept from ``current`` and listed, so nothing chosen is lost by switching.
    (Rendering every layer's filters at once put 26 multi-selects on the page: a second of the
    first page's time in the browser.)"""
    with_fields = [lid for lid in layer_ids if attribute_fields(lid)]
    if not with_fields:
        return ()
    chosen = {(f.layer, f.field): f.values for f in current.filters}
    if st.session_state.get(ATTR_LAYER_KEY) not in (None, *with_fields):
        del st.session_state[ATTR_LAYER_KEY]
    lid = st.selectbox(
        t("属性筛选", "Attribute filters"), [None, *with_fields], key=ATTR_LAYER_KEY,
        format_func=lambda x: t("选择图层…", "Choose a layer…") if x is None else _kind_label(x),
    )
    kept = [f for f in current.filters if f.layer != lid and f.layer in with_fields]
    if kept:
        st.caption(t("其他图层的属性筛选：", "Filters on other layers: ")
                   + "；".join(f"{_kind_label(f.layer)}·{_field_label(f)} = {'、'.join(map(str, f.values))}"
                               for f in kept))
    return tuple(kept + (_value_filters(lid, chosen) if lid else []))


def _field_label(flt: Filter) -> str:
    f = next((f for f in attribute_fields(flt.layer) if f.name == flt.field), None)
    return flt.field if f is None else (f.label if t("zh", "en") == "zh" else (f.label_en or f.label))


def selection_widgets(ws, current: Selection) -> Selection:
    """Render the filters; return the Selection they describe."""
    names = [str(n) for n in ws.townships["name"]]
    _seed("flt_townships", [n for n in current.townships if n in names])
    towns = st.multiselect(
        t("乡镇(街道)", "Townships"), names, key="flt_townships", placeholder=t("全部乡镇", "All townships")
    )
    ids = [i for i in kind_ids() if i in ws.layers]
    _seed("flt_layers", list(current.layers or ids))
    layers = st.multiselect(t("图层", "Layers"), ids, key="flt_layers", format_func=_kind_label,
                            placeholder=t("全部图层", "All layers"))
    _seed("flt_text", current.text)
    text = st.text_input(
        t("搜索（名称、编号、村、地址）", "Search (name, ID, village, address)"), key="flt_text"
    )
    if not layers:
        st.caption(t("未选择图层时显示全部图层。", "No layer ticked: all layers are shown."))
    filters = _attribute_filters(layers or ids, current)
    chosen = tuple(layers) if layers and len(layers) < len(ids) else ()
    return Selection(townships=tuple(towns), layers=chosen, filters=filters, text=text.strip())
