"""XLSX print layout (issue 14): A4, fit to one page wide, header row repeated, landscape when wide;
the export time is Asia/Shanghai whatever the time given."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl

from layers.export import collect_export, render_export
from layers.selection import Selection


def test_xlsx_sheets_print_on_a4_fit_to_width_with_repeated_header(export_ws):
    bundle = collect_export(export_ws, Selection(), now=datetime(2026, 12, 1, 7, 32, 4, tzinfo=UTC))
    wb = openpyxl.load_workbook(io.BytesIO(render_export(bundle, "xlsx")))
    cover = {r[0].value: r[1].value for r in wb["说明"].iter_rows(min_row=2) if r[0].value}
    assert cover["导出时间"] == "2026-12-01 15:32:04 (UTC+08:00)"
    orientations = set()
    for sheet in wb.worksheets[1:]:
        ps = sheet.page_setup
        assert str(ps.paperSize) == sheet.PAPERSIZE_A4 == "9"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth == 1 and ps.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$1"
        orientations.add(ps.orientation)
    assert "landscape" in orientations  # the registries are wider than a portrait A4
