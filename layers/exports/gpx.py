"""GPX 1.1 export for handheld GPS units (gpxpy).

One waypoint per located site: ``name`` = site name, ``desc`` = the layer's key fields, ``type``
= the layer's Chinese label, ``sym`` = a generic symbol; every field is kept under
``<extensions><rm:site>`` (namespace :data:`EXT_NS`), with ``rm:layer`` and ``rm:id`` first.
``metadata`` holds the selection (desc), the export time and a keyword per selected layer.
A GPX waypoint needs coordinates: sites without a location are left out and counted in the
metadata description.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import gpxpy.gpx
import numpy as np

from layers.exports.bundle import ExportBundle, key_items, site_coords, site_records, text_value
from layers.kinds import LayerKind, get_kind

__all__ = ["EXT_NS", "render_gpx"]

EXT_NS = "urn:dianjiang-riskmap:gpx-site:1"
_SYMBOL = "Flag, Red"


def render_gpx(bundle: ExportBundle) -> bytes:
    """The selection as GPX 1.1 waypoints (UTF-8)."""
    gpx = gpxpy.gpx.GPX()
    gpx.nsmap["rm"] = EXT_NS
    gpx.creator = "riskmap 垫江县安全风险一张图"
    gpx.name = f"{bundle.place} 安全风险点"
    gpx.time = bundle.exported_at
    gpx.keywords = ",".join(get_kind(lid).label for lid in bundle.sites)
    skipped = 0
    for lid, frame in bundle.sites.items():
        skipped += _add_layer(gpx, get_kind(lid), frame)
    note = f"；{skipped} 处无坐标未写入" if skipped else ""
    sample = "；样例数据（合成，非官方登记）" if bundle.is_sample else ""
    gpx.description = f"筛选条件：{bundle.selection.describe()}；导出时间：{bundle.stamp}{sample}{note}"
    return gpx.to_xml(version="1.1").encode("utf-8")


def _add_layer(gpx, kind: LayerKind, frame) -> int:
    lon, lat = site_coords(frame)
    skipped = 0
    for row, x, y in zip(site_records(frame), lon, lat, strict=True):
        if np.isnan(x) or np.isnan(y):
            skipped += 1
            continue
        gpx.waypoints.append(_waypoint(kind, row, x, y))
    return skipped


def _waypoint(kind: LayerKind, row: dict, x: float, y: float) -> gpxpy.gpx.GPXWaypoint:
    desc = "；".join(f"{h}：{v}" for h, v in key_items(row, kind))
    wpt = gpxpy.gpx.GPXWaypoint(
        latitude=round(float(y), 7),
        longitude=round(float(x), 7),
        name=text_value(row.get("name")) or text_value(row.get("id")),
        description=desc,
        symbol=_SYMBOL,
        type=kind.label,
    )
    wpt.comment = text_value(row.get("id"))
    wpt.extensions.append(_extension(kind, row))
    return wpt


def _extension(kind: LayerKind, row: dict) -> ET.Element:
    """Every field under ``rm:site``.

    gpxpy writes extension text and attributes verbatim (no XML escaping), so they are
    escaped here; the round-trip test with ``<b>&"`` in a name holds this.
    """
    site = ET.Element(f"{{{EXT_NS}}}site")
    ET.SubElement(site, f"{{{EXT_NS}}}layer").text = kind.id
    types = {f.name: f.type for f in kind.all_fields}
    for name, value in row.items():
        tag = name if name.isidentifier() else "field"
        child = ET.SubElement(site, f"{{{EXT_NS}}}{tag}")
        if tag == "field":
            child.set("name", escape(name, {'"': "&quot;"}))
        child.text = escape(text_value(value, types.get(name)))
    return site
