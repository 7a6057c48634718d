"""XLSX print layout (issue 14): A4, fit to one page wide, header row repeated, landscape when wide;
the export time is Asia/Shanghai whatever the time given."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import openpyxl

from layers.exports.bundle import collect_export
from layers.exports.registry import render_export
from layers.selection import Selection


def test_xlsx_sheets_print_on_a4_fit_to_width_with_repeated_header(export_ws):
    bundle = collect_export(export_ws, Selection(), now=datetime(2026, 12, 1, 7, 32, 4, tzinfo=UTC))
    wb = openpyxl.load_workbook(io.BytesIO(render_export(bundle, "xlsx")))
    cover = {r[0].value: r[1].value for r in wb["说明"].iter_rows(min_row=2) if r[0].value}
    assert cover["导出时间"] == "2026-12-01 15:32:04 (UTC+08:00)"
    orientations, widths = set(), set()
    from layers.kinds import LAYER_KINDS

    labels = {k.label for k in LAYER_KINDS}
    for sheet in [ws for ws in wb.worksheets if ws.title in labels]:  # the registry sheets
        ps = sheet.page_setup
        assert str(ps.paperSize) == sheet.PAPERSIZE_A4 == "9"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and ps.fitToHeight == 0
        total = sum(sheet.column_dimensions[c].width or 8.43 for c in _letters(sheet))
        across = (150 if ps.orientation == "landscape" else 105) * ps.fitToWidth  # characters at 100 %
        assert min(1.0, across / total) >= 0.7  # the text never prints below 70 %
        per_page = across / ps.fitToWidth / 0.7
        assert ps.fitToWidth == 1 or total > per_page * (ps.fitToWidth - 1)  # and no page more than needed
        assert sheet.print_title_rows == "$1:$1"
        if ps.fitToWidth > 1:
            assert sheet.print_title_cols == "$A:$B"  # id and name on every page across
        orientations.add(ps.orientation)
        widths.add(ps.fitToWidth)
    assert "landscape" in orientations  # the registries are wider than a portrait A4
    assert max(widths) > 1  # a wide registry prints two pages across instead of at 4 pt


def _letters(sheet):
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, sheet.max_column + 1)]


def test_pdf_checklist_gives_wgs84_and_gcj02_coordinates(export_ws):
    from layers.coords import wgs84_to_gcj02
    from layers.kinds import get_kind
    from riskmap.render.packet import COORDS_HEADER, coords_text, packet_columns

    assert COORDS_HEADER in [h for _n, h, _w in packet_columns(get_kind("geohazard"))]
    glon, glat = wgs84_to_gcj02(np.array([107.31]), np.array([30.32]))
    w, g = coords_text(107.31, 30.32).split("\n")
    assert w == "W 107.31000,30.32000" and g == f"G {glon[0]:.5f},{glat[0]:.5f}"
