"""Import templates: every header maps back to its field, drop-downs hold the allowed values, and a
filled-in template imports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from import_fixtures import write_workspace

from layers.imports.importer import apply_import, plan_import
from layers.imports.readers import map_headers
from layers.imports.template import import_template_xlsx, template_headers
from layers.kinds import LAYER_KINDS, get_kind
from layers.store.workspace import load_workspace


@pytest.mark.parametrize("kind", LAYER_KINDS, ids=lambda k: k.id)
def test_every_template_header_maps_to_its_field(kind):
    book = openpyxl.load_workbook(io.BytesIO(import_template_xlsx(kind, ("甲街道", "乙镇"))))
    sheet = book[kind.label]
    headers = [c.value for c in sheet[1]]
    assert headers == template_headers(kind)
    mapped = map_headers(headers, kind)
    assert mapped.unknown == () and mapped.lon == "经度" and mapped.lat == "纬度"
    assert set(mapped.fields.values()) == set(kind.field_names) - {"source"}
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
             for dv in sheet.data_validations.dataValidation}
    for col, header in enumerate(headers, start=1):
        f = next((f for f in kind.all_fields if f.header == header), None)
        letter = openpyxl.utils.get_column_letter(col)
        if f is not None and f.allowed:
            assert lists[letter] == '"' + ",".join(f.allowed) + '"', header
    assert "填写说明" in book.sheetnames


def test_a_filled_in_template_imports(tmp_path):
    root = write_workspace(tmp_path / "ws")
    ws = load_workspace(root)
    kind = get_kind("shelter")
    book = openpyxl.load_workbook(io.BytesIO(import_template_xlsx(kind, ("甲街道", "乙镇"))))
    sheet = book[kind.label]
    row = {"编号": "BN-9", "名称": "模板广场", "所在乡镇(街道)": "甲街道", "经度": 107.31, "纬度": 30.31,
           "场所类别": "紧急", "可容纳人数(人)": 800, "室内": "否", "状态": "可用"}
    sheet.append([row.get(h) for h in template_headers(kind)])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    plan = plan_import(ws, "shelter", path)
    assert (plan.accepted, len(plan.rejected)) == (1, 0)
    apply_import(plan)
    stored = load_workspace(root).layers["shelter"].iloc[0]
    assert (stored["id"], stored["capacity_people"], bool(stored["indoor"])) == ("BN-9", 800, False)


def test_cli_writes_the_template(tmp_path, capsys):
    from riskmap.cli.main import main

    root = write_workspace(tmp_path / "ws")
    out = tmp_path / "t.xlsx"
    assert main(["template", "ferry", "--out", str(out), "--workspace", str(root)]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["渡口", "填写说明"]
    township_list = [dv.formula1 for dv in book["渡口"].data_validations.dataValidation
                     if str(dv.sqref).startswith("C2:")]
    assert township_list == ['"甲街道,乙镇"']
