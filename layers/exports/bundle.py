"""The export bundle: exactly the selected sites and what every format needs to write them.

One selection (:class:`layers.selection.Selection`), one function (:func:`select_sites`, which the
map's filters also call). The formats (``layers.exports.registry``) render a bundle to bytes, so a
file holds exactly what the map shows for the same selection. Column order is the kinds' own
(:attr:`LayerKind.table_fields`), the same as the app's tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.access.guard import check_export
from layers.access.masking import is_masked_for, mask_sites
from layers.access.roles import Actor
from layers.clock import SHANGHAI, to_shanghai
from layers.errors import SelectionError
from layers.kinds import FieldType, LayerKind, get_kind
from layers.safety_text import neutralize_cell, xml_safe
from layers.selection import Selection, select_sites
from layers.store.workspace import empty_layer

__all__ = [
    "ExportBundle",
    "collect_export",
    "date_or_text",
    "export_stem",
    "is_missing",
    "key_items",
    "layer_table",
    "site_coords",
    "site_records",
    "table_fields",
    "text_value",
]

LON_HEADER, LAT_HEADER, LAYER_HEADER = "经度", "纬度", "图层"
COORD_DECIMALS = 7


# ---------------------------------------------------------------- the selection, collected once


@dataclass(frozen=True)
class ExportBundle:
    """Everything an export writes: the selection, its sites and where they come from.

    ``sites`` maps every selected layer id to its selected rows (possibly empty).
    """

    selection: Selection
    sites: dict[str, gpd.GeoDataFrame]
    exported_at: datetime
    workspace_name: str
    is_sample: bool
    townships: gpd.GeoDataFrame  # polygons of the selected townships (all when none named)
    context: dict = field(default_factory=dict, compare=False)  # base layers for the PDF map
    masked: bool = False  # personal fields masked for the acting user (layers.access)

    @property
    def counts(self) -> dict[str, int]:
        return {lid: len(frame) for lid, frame in self.sites.items()}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def stamp(self) -> str:
        """Export time as written into files, e.g. ``2026-05-01 09:30:00 (UTC+08:00)``."""
        offset = self.exported_at.strftime("%z")
        tz = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
        return self.exported_at.strftime("%Y-%m-%d %H:%M:%S") + tz

    @property
    def place(self) -> str:
        """Where, in words: the township names, or the county."""
        names = self.selection.townships
        if not names:
            return f"{self.workspace_name}（全部乡镇）"
        return "、".join(names) if len(names) <= 3 else f"{names[0]}等{len(names)}个乡镇"

    def source_text(self) -> str:
        """数据来源 line: the workspace and the ``source`` values of the exported records."""
        values = pd.concat(
            [f["source"] for f in self.sites.values() if "source" in f.columns]
            or [pd.Series([], dtype=object)]
        )
        counted = values.fillna("未注明").astype(str).value_counts()
        records = "、".join(f"{v} {n} 条" for v, n in counted.items()) or "无记录"
        sample = "（样例数据，非官方登记）" if self.is_sample else ""
        return f"工作区：{self.workspace_name}{sample}；记录来源：{records}"


def collect_export(ws, selection: Selection, *, now: datetime | None = None,
                   actor: Actor | None = None) -> ExportBundle:
    """Select the sites (with the map's :func:`select_sites`) and gather what every format needs.

    Raises
    ------
    SelectionError
        The selection names a township the workspace does not have.
    """
    check_export(actor)
    _check_townships(selection, ws.townships)
    sites = {lid: _xml_safe_frame(frame) for lid, frame in select_sites(ws.layers, selection).items()}
    masked = is_masked_for(actor, sites)
    sites = mask_sites(sites, actor)  # personal fields by role (layers.access), for every format
    for lid in selection.layer_ids():  # a layer missing from the workspace exports as empty
        sites.setdefault(lid, empty_layer(get_kind(lid)))
    chosen = ws.townships
    if selection.townships:
        chosen = ws.townships[ws.townships["name"].isin(selection.townships)]
    when = to_shanghai(now or datetime.now(SHANGHAI))
    context = {"villages": ws.villages, "river": ws.river, "roads": getattr(ws, "roads", None),
               "all_townships": ws.townships,
               "workspace_root": getattr(ws, "root", None)}
    return ExportBundle(
        selection=selection,
        sites=sites,
        exported_at=when,
        workspace_name=ws.name,
        is_sample=ws.is_sample,
        townships=chosen,
        context=context,
        masked=masked,
    )


def _xml_safe_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Text columns without the characters XML cannot hold, so no stored value breaks a KML, GPX or
    XLSX file (issue 12); frames with none are returned as they are."""
    cols = [c for c in frame.columns if c != frame.geometry.name
            and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype))]
    dirty = [c for c in cols if frame[c].map(lambda v: isinstance(v, str) and xml_safe(v) != v).any()]
    if not dirty:
        return frame
    frame = frame.copy()
    for c in dirty:
        frame[c] = frame[c].map(xml_safe)
    return frame


def _check_townships(selection: Selection, townships: pd.DataFrame) -> None:
    names = set(townships["name"].astype(str))
    unknown = [t for t in selection.townships if t not in names]
    if unknown:
        raise SelectionError(
            f"未知乡镇“{'、'.join(unknown)}”；可选：{'、'.join(townships['name'].astype(str))}"
        )


# ---------------------------------------------------------------- values and tables


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def text_value(value, ftype: FieldType | None = None) -> str:
    """A cell as text: booleans 是/否, whole numbers without ``.0``, missing → ``""``.

    >>> text_value(True), text_value(3.0, FieldType.FLOAT), text_value(None), text_value(12.5)
    ('是', '3', '', '12.5')
    """
    if is_missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, float | np.floating):
        return f"{float(value):.10g}"
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    return str(value)


def site_coords(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude arrays (NaN where a site has no location)."""
    geoms = frame.geometry.array
    ok = ~(geoms.isna() | geoms.is_empty) if len(frame) else np.zeros(0, dtype=bool)
    lon, lat = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    if ok.any():
        lon[ok], lat[ok] = geoms[ok].x, geoms[ok].y
    return lon, lat


def table_fields(kind: LayerKind) -> list:
    """Fields in table order — the kind's :attr:`LayerKind.table_fields`, as in the app's tables."""
    return list(kind.table_fields)


def _csv_text(value, ftype: FieldType | None = None) -> str:
    """:func:`text_value` for a CSV cell: text that a spreadsheet would run gets ``'`` (numbers never)."""
    text = text_value(value, ftype)
    return neutralize_cell(text) if isinstance(value, str) else text


def layer_table(frame: gpd.GeoDataFrame, kind: LayerKind, *, as_text: bool = False) -> pd.DataFrame:
    """One layer as a table with Chinese headers and 经度/纬度 after 村(社区).

    Extra columns a registry carries beyond its kind's fields follow under their own names.
    ``as_text`` formats every value with :func:`text_value` (CSV), text that would run as a formula
    neutralised (:func:`layers.safety_text.neutralize_cell`); otherwise values stay typed.
    """
    lon, lat = site_coords(frame)
    fields = table_fields(kind)
    out: dict[str, object] = {}
    for f in fields:
        col = frame[f.name] if f.name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        out[f.header] = [_csv_text(v, f.type) for v in col] if as_text else list(col)
        if f.name == "village":
            out[LON_HEADER] = _coord_column(lon, as_text)
            out[LAT_HEADER] = _coord_column(lat, as_text)
    known = set(kind.field_names) | {frame.geometry.name}
    for col in (c for c in frame.columns if c not in known and c not in out):
        out[col] = [_csv_text(v) for v in frame[col]] if as_text else list(frame[col])
    return pd.DataFrame(out, index=range(len(frame)))


def _coord_column(values: np.ndarray, as_text: bool) -> list:
    rounded = np.round(values, COORD_DECIMALS)
    if as_text:
        return ["" if math.isnan(v) else f"{v:.{COORD_DECIMALS}f}" for v in rounded]
    return [None if math.isnan(v) else float(v) for v in rounded]


def key_items(row: dict, kind: LayerKind) -> list[tuple[str, str]]:
    """(header, text) of a site's key fields that have a value (KML/GPX descriptions)."""
    items = []
    for name in kind.key_fields:
        text = text_value(row.get(name), kind.field(name).type)
        if text:
            items.append((kind.field(name).header, text))
    return items


def site_records(frame: gpd.GeoDataFrame) -> list[dict]:
    """Rows as plain dicts (geometry dropped) — one conversion shared by KML, GPX and PDF."""
    cols = [c for c in frame.columns if c != frame.geometry.name]
    columns = {c: frame[c].tolist() for c in cols}
    return [{c: columns[c][i] for c in cols} for i in range(len(frame))]


def export_stem(selection: Selection, county: str = "全县") -> str:
    """File name stem: the township (or ``X等N个乡镇``, or the county), then the layer when only one.

    >>> export_stem(Selection(townships=("太平镇",), layers=("ferry",)))
    '太平镇_渡口'
    """
    names = selection.townships
    place = (
        county if not names else ("_".join(names) if len(names) <= 3 else f"{names[0]}等{len(names)}个乡镇")
    )
    if len(selection.layers) == 1:
        place += "_" + get_kind(selection.layers[0]).label
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in place)



def date_or_text(value) -> date | str | None:
    """ISO date text → ``date`` (XLSX cells); anything else unchanged."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value
