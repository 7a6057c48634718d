"""KML 2.2 export for Google Earth and 奥维互动地图 (Ovital Map).

A ``Document`` whose description and ``ExtendedData`` name the selection and time; one shared
``Style`` per layer (an ``IconStyle`` tinted with the layer colour); one ``Folder`` per layer; one
``Placemark`` per site: ``name`` = site name, ``description`` = the layer's key fields (registry
text HTML-escaped, then XML-escaped by the serializer), ``ExtendedData`` = every field (so
nothing is lost and ids can be read back), ``Point`` at lon,lat (7 decimals).
Sites without a location stay in their folder as a Placemark without geometry.

The icon is Google Earth's built-in ``placemark_circle`` (white, so that the tint shows the
layer colour); viewers without it fall back to their default symbol with the same colour.
"""

from __future__ import annotations

import html
import io
import xml.etree.ElementTree as ET
import zipfile

import numpy as np

from layers.exports.bundle import ExportBundle, key_items, site_coords, site_records, text_value
from layers.kinds import LayerKind, get_kind

__all__ = ["KML_NS", "icon_path", "kml_color", "layer_icon_png", "render_kml", "render_kmz"]

KML_NS = "http://www.opengis.net/kml/2.2"
ICON_PX = 32  # icon images carried inside a KMZ, one per layer


def icon_path(layer_id: str) -> str:
    """Where a layer's icon lies inside a KMZ (KMZ convention: a ``files/`` folder)."""
    return f"files/{layer_id}.png"
ET.register_namespace("", KML_NS)


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def kml_color(hex_rgb: str, alpha: str = "ff") -> str:
    """``#rrggbb`` → KML's ``aabbggrr``.

    >>> kml_color("#b2182b")
    'ff2b18b2'
    """
    h = hex_rgb.lstrip("#")
    return f"{alpha}{h[4:6]}{h[2:4]}{h[0:2]}".lower()


def render_kml(bundle: ExportBundle, *, icons: bool = False) -> bytes:
    """The whole selection as one KML 2.2 document (UTF-8).

    A plain KML names no icon file, so the viewer draws its own default icon in the layer colour and
    nothing is fetched from the network. With ``icons`` (for a KMZ) each style points at the layer's
    icon image packed beside the document.
    """
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _el(root, "Document")
    _el(doc, "name", f"{bundle.place} 安全风险点")
    _el(doc, "description", _document_text(bundle))
    for lid in bundle.sites:  # KML 2.2 schema order: styles before ExtendedData before features
        _style(doc, get_kind(lid), icons)
    _extended(
        doc,
        {
            "selection": ("筛选条件", bundle.selection.describe()),
            "exported_at": ("导出时间", bundle.stamp),
            "sample": ("样例数据", "是" if bundle.is_sample else "否"),
        },
    )
    for lid, frame in bundle.sites.items():
        _folder(doc, get_kind(lid), frame)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _document_text(bundle: ExportBundle) -> str:
    counts = "，".join(f"{get_kind(lid).label} {n} 处" for lid, n in bundle.counts.items())
    sample = "；样例数据（合成，非官方登记）" if bundle.is_sample else ""
    return f"筛选条件：{bundle.selection.describe()}；导出时间：{bundle.stamp}；{counts}{sample}"


def _extended(parent, items: dict[str, tuple[str, str]]) -> None:
    ext = _el(parent, "ExtendedData")
    for name, (label, value) in items.items():
        data = _el(ext, "Data", name=name)
        _el(data, "displayName", label)
        _el(data, "value", value)


def _style(doc, kind: LayerKind, icons: bool) -> None:
    style = _el(doc, "Style", id=f"style-{kind.id}")
    icon_style = _el(style, "IconStyle")
    if icons:  # the image already has the layer colour
        _el(icon_style, "scale", "1.0")
        _el(_el(icon_style, "Icon"), "href", icon_path(kind.id))
    else:
        _el(icon_style, "color", kml_color(kind.color))
        _el(icon_style, "scale", "1.1")
    label = _el(style, "LabelStyle")
    _el(label, "scale", "0.8")


def _folder(doc, kind: LayerKind, frame) -> None:
    folder = _el(doc, "Folder")
    _el(folder, "name", f"{kind.label}（{len(frame)} 处）")
    lon, lat = site_coords(frame)
    types = {f.name: f for f in kind.all_fields}
    for row, x, y in zip(site_records(frame), lon, lat, strict=True):
        _placemark(folder, kind, row, x, y, types)


def _placemark(folder, kind: LayerKind, row: dict, x: float, y: float, types: dict) -> None:
    pm = _el(folder, "Placemark")
    _el(pm, "name", text_value(row.get("name")) or text_value(row.get("id")))
    lines = [f"{html.escape(h)}：{html.escape(v)}" for h, v in key_items(row, kind)]
    lines.append(f"编号：{html.escape(text_value(row.get('id')))}")
    _el(pm, "description", "<br/>".join(lines))
    _el(pm, "styleUrl", f"#style-{kind.id}")
    fields = {
        name: (
            types[name].header if name in types else name,
            text_value(value, types[name].type if name in types else None),
        )
        for name, value in row.items()
    }
    _extended(pm, {"layer": ("图层", kind.label), **fields})
    if not (np.isnan(x) or np.isnan(y)):
        point = _el(pm, "Point")
        _el(point, "coordinates", f"{x:.7f},{y:.7f}")


def render_kmz(bundle: ExportBundle) -> bytes:
    """A KMZ: ``doc.kml`` plus one icon image per layer, so the symbols show offline too."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", render_kml(bundle, icons=True))  # first entry: what viewers open
        for lid in bundle.sites:
            zf.writestr(icon_path(lid), layer_icon_png(get_kind(lid)))
    return buf.getvalue()


def layer_icon_png(kind: LayerKind) -> bytes:
    """A round marker in the layer colour with a white rim, as PNG."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (ICON_PX, ICON_PX), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((3, 3, ICON_PX - 4, ICON_PX - 4), fill=kind.color, outline="white", width=3)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
