"""The printable A4 packet for a township: a numbered map, then one checklist table per layer.

Rendered with fpdf2, which embeds a subset of an OpenType/CFF CJK font (Noto Sans CJK SC from
Debian's fonts-noto-cjk) so that the packet prints anywhere and its text can be searched and
copied (reportlab's TTFont reads only TrueType outlines). Every page's footer names the
selection, the export time and the page number.

Tables: 序号 (the number on the map) · 编号 · 名称 · 村(社区) · the layer's key fields ·
联系人 · 联系电话 · an empty 巡查 column to tick in the field.
"""

from __future__ import annotations

import io

import numpy as np
from fpdf import FPDF

from layers.coords import wgs84_to_gcj02
from layers.exports.bundle import ExportBundle, site_coords, site_records, text_value
from layers.kinds import LayerKind, Role, get_kind
from riskmap.render.fonts import packet_font
from riskmap.render.printmap import NumberedSite, render_map_png

__all__ = ["CHECK_HEADER", "FONT_FAMILY", "legible_labels", "packet_columns", "render_pdf"]

FONT_FAMILY = "NotoSansCJK"
CHECK_HEADER = "巡查"
_CONTACT = ("contact_name", "contact_phone")
_NO_LINE_START = set("）)】」』，。、；：！？%")
_TABLE_PT, _LINE_MM, _PAD_MM, _BASELINE_MM, _MAX_LINES = 7, 3.0, 0.8, 2.4, 3
HAZARD_NUMBER_PT = 7.5  # hazard numbers on the map: larger than the others, placed first


class _Packet(FPDF):
    def __init__(self, footer_text: str, chars: set[str]):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self._widths: dict[tuple[float, str], float] = {}
        self.add_font(FONT_FAMILY, fname=str(packet_font(chars | set(footer_text))))
        for font in self.fonts.values():  # skip recomputing every glyph's bounding box on save:
            ttfont = getattr(font, "ttfont", None)  # the subset keeps the source font's boxes,
            if ttfont is not None:  # and this halves the time to write a packet
                ttfont.recalcBBoxes = False
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(10, 10, 10)

    def char_width(self, ch: str) -> float:
        """Width of one character in the current font (cached per size)."""
        key = (self.font_size_pt, ch)
        if key not in self._widths:
            self._widths[key] = self.get_string_width(ch)
        return self._widths[key]

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT_FAMILY, size=6.5)
        self.set_text_color(90, 90, 90)
        self.multi_cell(0, 3.2, f"{self.footer_text}　第 {self.page_no()}/{{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)


def render_pdf(bundle: ExportBundle) -> bytes:
    """A4 packet: page 1 title and map, then a checklist table per selected layer."""
    sample = "　样例数据（合成，非官方登记）" if bundle.is_sample else ""
    pdf = _Packet(
        f"{bundle.place}　筛选条件：{bundle.selection.describe()}　导出时间：{bundle.stamp}{sample}",
        _text_chars(bundle),
    )
    pdf.set_title(f"{bundle.place} 安全风险点巡查清单")
    pdf.set_creator("riskmap 垫江县安全风险一张图")
    numbered = _number_sites(bundle)
    _cover_page(pdf, bundle, numbered)
    start = 1
    for lid, frame in bundle.sites.items():
        _layer_table(pdf, get_kind(lid), frame, start)
        start += len(frame)
    buf = io.BytesIO()
    pdf.output(buf)
    return buf.getvalue()


def _text_chars(bundle: ExportBundle) -> set[str]:
    """Every character the packet may print (the font must hold them all)."""
    texts = [bundle.place, bundle.source_text(), bundle.workspace_name, COORDS_HEADER, "WG 0123456789.,无坐标"]
    for lid, frame in bundle.sites.items():
        kind = get_kind(lid)
        texts += [kind.label] + [f.header for f in kind.all_fields]
        cols = [c for c in frame.columns if c != frame.geometry.name]
        texts.append("".join(map(str, frame[cols].to_numpy().ravel())))
    return set("".join(texts))


def _number_sites(bundle: ExportBundle) -> list[NumberedSite]:
    """Number every site 1..N in layer order (the tables use the same numbers)."""
    out, n = [], 0
    for lid, frame in bundle.sites.items():
        lon, lat = site_coords(frame)
        for x, y in zip(lon, lat, strict=True):
            n += 1
            if x == x and y == y:  # NaN-safe: unlocated sites keep their number, not a dot
                out.append((lid, float(x), float(y), n))
    return out


def _cover_page(pdf: _Packet, bundle: ExportBundle, numbered: list[NumberedSite]) -> None:
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=16)
    pdf.multi_cell(0, 8, f"{bundle.place} 安全风险点巡查清单", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=8.5)
    counts = "，".join(f"{get_kind(lid).label} {n} 处" for lid, n in bundle.counts.items())
    for line in (
        f"筛选条件：{bundle.selection.describe()}",
        f"导出时间：{bundle.stamp}",
        f"点位数量：{counts}；合计 {bundle.total} 处",
        f"数据来源：{bundle.source_text()}",
    ):
        pdf.multi_cell(0, 4.2, line, new_x="LMARGIN", new_y="NEXT")
    if bundle.is_sample:
        pdf.set_text_color(180, 0, 0)
        pdf.multi_cell(
            0,
            4.2,
            "注意：本清单由合成样例数据生成，并非官方登记数据，仅供演示与测试。",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(0, 0, 0)
    if not bundle.total:
        pdf.multi_cell(0, 5, "无符合条件的点位。", new_x="LMARGIN", new_y="NEXT")
    png, where = render_map_png(bundle, numbered)
    space = pdf.h - pdf.get_y() - 22
    width_mm = min(190.0, space * 7.4 / 6.9)
    left, top, height_mm = pdf.l_margin + (190.0 - width_mm) / 2, pdf.get_y() + 1, width_mm * 6.9 / 7.4
    pdf.image(io.BytesIO(png), x=left, y=top, w=width_mm)
    hidden = _map_numbers(pdf, numbered, [(left + fx * width_mm, top + fy * height_mm) for fx, fy in where])
    pdf.set_y(top + height_mm + 1)
    pdf.set_font(FONT_FAMILY, size=7)
    dense = f"点位密集处有 {hidden} 个序号未在图上标注（点仍画出），请按后附各表查找；" if hidden else ""
    pdf.multi_cell(
        0,
        3.5,
        f"图中数字为点位序号，与后附各表“序号”一致；{dense}坐标为 WGS 84 经纬度。",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _map_numbers(pdf: _Packet, numbered: list[NumberedSite], xy_mm: list[tuple[float, float]]) -> int:
    """Each site's number next to its dot, in the layer colour (vector text on the map image).

    Where numbers would overlap, the later one (layer order: hazards first, 九小场所 last) is left
    out so every printed number stays legible; returns how many were left out.
    """
    base_pt = 4.5 if len(numbered) > 150 else 6
    sizes = [HAZARD_NUMBER_PT if get_kind(lid).has(Role.HAZARD) else base_pt for lid, *_ in numbered]
    boxes = [_label_box(x + 0.9, y - 0.9, len(str(n)), size) for (*_, n), (x, y), size in zip(numbered, xy_mm, sizes,
                                                                                            strict=True)]
    shown = legible_labels(boxes)
    for (lid, _x, _y, n), (x, y), ok, size in zip(numbered, xy_mm, shown, sizes, strict=True):
        if ok:
            pdf.set_font(FONT_FAMILY, size=size)
            pdf.set_text_color(*_rgb(get_kind(lid).color))
            pdf.text(x + 0.9, y - 0.9, str(n))
    pdf.set_text_color(0, 0, 0)
    return shown.count(False)


_PT_TO_MM = 25.4 / 72


def _label_box(x_mm: float, baseline_mm: float, digits: int, size_pt: float) -> tuple[float, float, float, float]:
    height = size_pt * _PT_TO_MM
    return x_mm, baseline_mm - height * 0.8, x_mm + digits * height * 0.55, baseline_mm + height * 0.2


def legible_labels(boxes: list[tuple[float, float, float, float]], cell_mm: float = 3.0) -> list[bool]:
    """Greedily keep labels, in order, whose box overlaps no label kept before (grid-hashed).

    >>> legible_labels([(0, 0, 2, 1), (1, 0.5, 3, 1.5), (5, 5, 6, 6)])
    [True, False, True]
    """
    grid: dict[tuple[int, int], list[int]] = {}
    keep = [False] * len(boxes)
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        cells = [(cx, cy) for cx in range(int(x0 // cell_mm), int(x1 // cell_mm) + 1)
                 for cy in range(int(y0 // cell_mm), int(y1 // cell_mm) + 1)]
        near = {j for c in cells for j in grid.get(c, ())}
        if any(x0 < boxes[j][2] and boxes[j][0] < x1 and y0 < boxes[j][3] and boxes[j][1] < y1 for j in near):
            continue
        keep[i] = True
        for c in cells:
            grid.setdefault(c, []).append(i)
    return keep


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def packet_columns(kind: LayerKind) -> list[tuple[str, str, float]]:
    """(field name or marker, header, relative width) of one layer's checklist table."""
    cols = [("#", "序号", 0.9), ("id", "编号", 1.8), ("name", "名称", 3.3), ("village", "村(社区)", 1.9)]
    cols += [(n, kind.field(n).header, 1.8) for n in kind.key_fields if n not in _CONTACT]
    cols += [(COORDS, COORDS_HEADER, 4.4)]
    cols += [("contact_name", "联系人", 1.4), ("contact_phone", "联系电话", 2.6), ("", CHECK_HEADER, 1.3)]
    return cols


COORDS = "__coords__"
COORDS_HEADER = "坐标（WGS 84 / 高德 GCJ-02）"


def coords_text(lon: float, lat: float) -> str:
    """A site's position for a field phone: WGS 84 and GCJ-02 (高德), lon,lat to 5 decimals (≈ 1 m).

    >>> coords_text(107.35, 30.33)
    'W 107.35000,30.33000\\nG 107.35460,30.32751'
    """
    if not (lon == lon and lat == lat):
        return "无坐标"
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    return f"W {lon:.5f},{lat:.5f}\nG {float(glon[0]):.5f},{float(glat[0]):.5f}"


def _layer_table(pdf: _Packet, kind: LayerKind, frame, start: int) -> None:
    if pdf.get_y() > pdf.h - 60 or pdf.page_no() == 1:
        pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=11)
    pdf.cell(0, 8, f"{kind.label}（{len(frame)} 处）", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=_TABLE_PT)
    if not len(frame):
        pdf.cell(0, 6, "无符合条件的点位", new_x="LMARGIN", new_y="NEXT")
        return
    cols = packet_columns(kind)
    scale = (pdf.w - pdf.l_margin - pdf.r_margin) / sum(c[2] for c in cols)
    widths = [c[2] * scale for c in cols]
    header = [_wrap(pdf, h, w) for (_n, h, _w), w in zip(cols, widths, strict=True)]
    _draw_row(pdf, header, widths, fill=True)
    lon, lat = site_coords(frame)
    for i, rec in enumerate(site_records(frame)):
        rec[COORDS] = coords_text(float(lon[i]), float(lat[i]))
        cells = [
            _wrap(pdf, _cell_text(kind, rec, name, start + i), w)
            for (name, _h, _w), w in zip(cols, widths, strict=True)
        ]
        if pdf.get_y() + _row_height(cells) > pdf.page_break_trigger:
            pdf.add_page()
            _draw_row(pdf, header, widths, fill=True)  # the header repeats on every page
        _draw_row(pdf, cells, widths)
    pdf.ln(4)


def _row_height(cells: list[list[str]]) -> float:
    return max(len(lines) for lines in cells) * _LINE_MM + 2 * _PAD_MM


def _draw_row(pdf: _Packet, cells: list[list[str]], widths: list[float], *, fill: bool = False) -> None:
    """One table row drawn with rect/text primitives (fpdf2's table() is ~50× slower on 1,000s of rows)."""
    x, y, height = pdf.l_margin, pdf.get_y(), _row_height(cells)
    pdf.set_fill_color(221, 235, 247)
    for lines, width in zip(cells, widths, strict=True):
        pdf.rect(x, y, width, height, style="DF" if fill else "D")
        for k, line in enumerate(lines):
            if line:
                pdf.text(x + _PAD_MM, y + _PAD_MM + k * _LINE_MM + _BASELINE_MM, line)
        x += width
    pdf.set_xy(pdf.l_margin, y + height)


def _wrap(pdf: _Packet, text: str, width_mm: float) -> list[str]:
    """Break ``text`` into lines that fit the cell (by character: CJK has no spaces); at most 3."""
    if "\n" in text:  # explicit lines (coordinates), each wrapped on its own
        parts = [line for part in text.split("\n") for line in _wrap(pdf, part, width_mm)]
        return parts[:_MAX_LINES]
    room = width_mm - 2 * _PAD_MM
    if not text or sum(pdf.char_width(ch) for ch in text) <= room:
        return [text]
    lines, current, used = [], "", 0.0
    for ch in text:
        w = pdf.char_width(ch)
        if current and used + w > room and ch not in _NO_LINE_START:
            lines.append(current)
            current, used = "", 0.0
        current, used = current + ch, used + w
    lines.append(current)
    if len(lines) > _MAX_LINES:
        lines = lines[:_MAX_LINES]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _cell_text(kind: LayerKind, rec: dict, name: str, number: int) -> str:
    if name == "#":
        return str(number)
    if not name:
        return ""
    if name == COORDS:
        return str(rec[COORDS])
    ftype = kind.field(name).type if name in kind.field_names else None
    return text_value(rec.get(name), ftype)
