"""Import templates: an Excel workbook per registry kind that `riskmap import` reads back as is.

Sheet 1 (the kind's Chinese label) has the Chinese headers the importer recognises, 经度/纬度 after
the village, drop-down lists for every enumerated field and for 是/否 fields, and required headers
in red. Sheet 2 (填写说明) lists each column: field, type, unit, required, allowed values.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from layers.kinds import Field, FieldType, LayerKind

__all__ = ["TEMPLATE_ROWS", "import_template_xlsx", "template_headers"]

TEMPLATE_ROWS = 2000  # rows the drop-down lists cover
_TYPE_ZH = {FieldType.STR: "文本", FieldType.INT: "整数", FieldType.FLOAT: "数字", FieldType.BOOL: "是/否",
            FieldType.DATE: "日期 YYYY-MM-DD", FieldType.ENUM: "选项"}
_COORDS = (("经度", "WGS 84 / CGCS2000 经度，十进制度（如 107.3441）或度分秒"),
           ("纬度", "WGS 84 / CGCS2000 纬度，十进制度（如 30.3325）或度分秒"))


def template_headers(kind: LayerKind) -> list[str]:
    """Column headers in template order: who and where, 经度/纬度, the key fields, the rest."""
    fields = [f for f in kind.table_fields if f.name != "source"]  # the importer sets the source
    names = [f.header for f in fields]
    at = names.index(kind.field("village").header) + 1
    return [*names[:at], *(c for c, _ in _COORDS), *names[at:]]


def import_template_xlsx(kind: LayerKind, township_names: tuple[str, ...] = ()) -> bytes:
    """The template workbook for ``kind`` as XLSX bytes (township drop-down when names are given)."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = kind.label
    headers = template_headers(kind)
    by_header = {f.header: f for f in kind.all_fields}
    _header_row(sheet, headers, by_header)
    for col, header in enumerate(headers, start=1):
        choices = _choices(by_header.get(header), township_names)
        if choices:
            _drop_down(sheet, col, choices)
    _notes_sheet(wb.create_sheet("填写说明"), kind, headers, by_header)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header_row(sheet, headers: list[str], by_header: dict[str, Field]) -> None:
    sheet.append(headers)
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col)
        required = header in ("经度", "纬度") or (header in by_header and by_header[header].required)
        cell.font = Font(bold=True, color="C00000" if required else "000000")
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        sheet.column_dimensions[get_column_letter(col)].width = max(10, 2 * len(header) + 2)
    sheet.freeze_panes = "A2"


def _choices(f: Field | None, township_names: tuple[str, ...]) -> tuple[str, ...]:
    if f is None:
        return ()
    if f.name == "township":
        return township_names
    if f.type == FieldType.BOOL:
        return ("是", "否")
    return f.allowed if f.type == FieldType.ENUM else ()


def _drop_down(sheet, col: int, choices: tuple[str, ...]) -> None:
    letter = get_column_letter(col)
    dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="取值无效", error="请从下拉列表中选择")
    dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(dv)


def _notes_sheet(sheet, kind: LayerKind, headers: list[str], by_header: dict[str, Field]) -> None:
    sheet.append(["列名", "字段", "类型", "单位", "必填", "可选值 / 说明"])
    notes = dict(_COORDS)
    for header in headers:
        f = by_header.get(header)
        if f is None:
            sheet.append([header, "", "数字", "度", "是", notes[header]])
            continue
        extra = "、".join(f.allowed) if f.allowed else ("个人信息：简报中不出现" if f.personal else "")
        sheet.append([header, f.name, _TYPE_ZH[f.type], f.unit, "是" if f.required else "", extra])
    sheet.append([])
    sheet.append([f"{kind.label}导入模板：填写后在“数据管理”页上传，或运行 riskmap import {kind.id} 文件.xlsx"])
    for col, width in zip("ABCDEF", (22, 24, 16, 8, 6, 60), strict=True):
        sheet.column_dimensions[col].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
