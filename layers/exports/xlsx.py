"""XLSX export: a 说明 cover sheet, then one sheet per layer with Chinese headers.

Cells are typed (numbers stay numbers, dates are dates, booleans 是/否); each layer sheet has a
frozen, bold header row, an auto-filter and column widths fitted to the text (CJK counted double).
"""

from __future__ import annotations

import io
import math
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from layers.exports.bundle import ExportBundle, date_or_text, is_missing, layer_table
from layers.kinds import get_kind
from layers.records.packet import add_field_sheets
from layers.safety_text import xlsx_safe

__all__ = ["COVER_SHEET", "force_text_cells", "render_xlsx"]

COVER_SHEET = "说明"
_MAX_WIDTH, _MIN_WIDTH, _SAMPLE_ROWS = 48, 6, 400
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)


def render_xlsx(bundle: ExportBundle) -> bytes:
    """Cover sheet plus one sheet per selected layer (empty layers keep their header row)."""
    wb = Workbook()
    _write_cover(wb.active, bundle)
    for lid, frame in bundle.sites.items():
        kind = get_kind(lid)
        _write_layer(wb.create_sheet(_sheet_title(kind.label)), layer_table(frame, kind))
    add_field_sheets(wb, bundle)  # 巡查记录 (+ 行动任务): filled in the field, imported back
    for sheet in wb.worksheets:  # every sheet, whoever wrote it: text is never a live formula (issue 12)
        for row in sheet.iter_rows():
            force_text_cells(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(label: str) -> str:
    return "".join(ch for ch in label if ch not in "[]:*?/\\")[:31]


def cover_rows(bundle: ExportBundle) -> list[tuple[str, object]]:
    """The cover sheet's (label, value) rows — also what tests check."""
    rows: list[tuple[str, object]] = [
        ("乡镇", bundle.place),
        ("导出时间", bundle.stamp),
        ("筛选条件", bundle.selection.describe()),
    ]
    rows += [(f"{get_kind(lid).label}（处）", n) for lid, n in bundle.counts.items()]
    rows += [
        ("合计（处）", bundle.total),
        ("数据来源", bundle.source_text()),
        ("样例数据", "是：合成样例，非官方登记数据，仅供演示与测试" if bundle.is_sample else "否"),
        ("坐标", "WGS 84 经纬度（EPSG:4326），与 CGCS2000 在地图比例尺下视为一致"),
    ]
    return rows


def _write_cover(ws, bundle: ExportBundle) -> None:
    ws.title = COVER_SHEET
    ws.append([f"{bundle.place} 安全风险点导出"])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in cover_rows(bundle):
        ws.append([xlsx_safe(label), xlsx_safe(value)])
        force_text_cells(ws[ws.max_row])
        ws.cell(ws.max_row, 1).font = _BOLD
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 90
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _write_layer(ws, table) -> None:
    ws.append(list(table.columns))
    for cell in ws[1]:
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for values in table.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in values])
        force_text_cells(ws[ws.max_row])
    ws.freeze_panes = "A2"
    if len(table.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(ws.max_row, 1)}"
    _fit_widths(ws, table)
    _format_dates(ws, table)
    print_setup(ws)


A4_LANDSCAPE_OVER = 110  # total column width (characters) above which a sheet prints landscape
A4_LANDSCAPE_CHARS = 150  # column-width characters across a landscape A4 at 100 % (portrait: 105)
MIN_PRINT_SCALE = 0.7  # fit to as many pages wide as keep the text at least this size (8 pt of 11)


def pages_wide(total_chars: float, landscape: bool) -> int:
    """Pages across that keep the print scale at or above :data:`MIN_PRINT_SCALE`.

    >>> pages_wide(200, True), pages_wide(300, True), pages_wide(500, True), pages_wide(160, False)
    (1, 2, 3, 2)
    """
    per_page = (A4_LANDSCAPE_CHARS if landscape else 105) / MIN_PRINT_SCALE
    return max(1, math.ceil(total_chars / per_page))


def print_setup(ws) -> None:
    """A4, landscape when the columns are wide, header row repeated; fit to one page wide, or to as
    many as keep the text readable (a 27-column registry on one page printed at 4 pt), with the id
    and name columns repeated on each page across."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    total = sum((ws.column_dimensions[get_column_letter(i)].width or 8.43) for i in range(1, ws.max_column + 1))
    landscape = total > A4_LANDSCAPE_OVER
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = pages_wide(total, landscape)
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    if ws.page_setup.fitToWidth > 1 and ws.max_column > 2:
        ws.print_title_cols = "A:B"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def force_text_cells(cells) -> None:
    """Text is stored as text: openpyxl would make a string starting with ``=`` a live formula."""
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"


def _cell(value):
    if is_missing(value):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "是" if value else "否"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars → Python
        value = value.item()
    return xlsx_safe(date_or_text(value))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit_widths(ws, table) -> None:
    """Width of each column: its longest header/value over the first rows, within bounds."""
    head = table.head(_SAMPLE_ROWS)
    for i, col in enumerate(table.columns, start=1):
        texts = [str(col)] + ["" if is_missing(v) else str(v) for v in head[col]]
        width = max(_display_width(t) for t in texts) + 2
        ws.column_dimensions[get_column_letter(i)].width = max(_MIN_WIDTH, min(_MAX_WIDTH, width))


def _format_dates(ws, table) -> None:
    for i, col in enumerate(table.columns, start=1):
        if str(col).endswith("日期") and ws.max_row > 1:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "yyyy-mm-dd"
