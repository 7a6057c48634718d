"""Import header fidelity (issue 14): county header variants, near-miss columns and townships, the preview's values."""

from __future__ import annotations

import pytest

from layers.imports.importer import apply_import, plan_import
from layers.imports.preview import diff_rows
from layers.store.workspace import load_workspace
from tests.layers.import_fixtures import EAST_NAME, WEST_NAME, shelter_rows, write_csv, write_workspace


@pytest.fixture
def ws(tmp_path):
    return load_workspace(write_workspace(tmp_path / "ws"), layers=())


def _with_header(rows: list[dict], header: str, township=None) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        value = r.pop("所在乡镇(街道)")
        r[header] = value if township is None else township
        out.append(r)
    return out


@pytest.mark.parametrize(
    "header", ["所在乡镇", "乡镇", "镇街", "乡镇（街道）", "所属乡镇", "所属乡镇（街道）", "乡镇/街道", "所在街道"]
)
def test_township_header_variants_recognised(ws, tmp_path, header):
    # Every township given is the wrong one for the location: the file's value is kept (a warning),
    # never replaced by the township derived from the coordinates.
    rows = _with_header(shelter_rows(2), header, township=EAST_NAME)
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "t.csv", rows))
    assert plan.headers.fields[header] == "township"
    assert header not in plan.headers.unknown
    assert [f["properties"]["township"] for f in plan.features] == [EAST_NAME, EAST_NAME]
    assert any(EAST_NAME in w and WEST_NAME in w for w in plan.warnings)


def test_bad_township_rejected_with_suggestion(ws, tmp_path):
    rows = _with_header(shelter_rows(2), "所在乡镇", township="甲街")
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "t.csv", rows))
    assert plan.accepted == 0 and len(plan.rejected) == 2
    reason = plan.rejected[0].reasons[0]
    assert "甲街" in reason and f"是否应为“{WEST_NAME}”" in reason


def test_resembling_column_is_a_warning_naming_both(ws, tmp_path):
    rows = [{**r, "可容纳人员数": r["可容纳人数"]} for r in shelter_rows(2)]
    for r in rows:
        del r["可容纳人数"]
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "t.csv", rows))
    assert "可容纳人员数" in plan.headers.unknown
    assert any("可容纳人员数" in h and "可容纳人数" in h and "capacity_people" in h for h in plan.hints)


def test_preview_shows_values_of_new_and_changed_rows(ws, tmp_path):
    apply_import(plan_import(ws, "shelter", write_csv(tmp_path / "a.csv", shelter_rows(2))))
    rows = shelter_rows(3)
    rows[0]["可容纳人数"] = 999
    plan = plan_import(ws, "shelter", write_csv(tmp_path / "b.csv", rows))
    table = {r["编号"]: r for r in diff_rows(plan)}
    assert set(table) == {"BN-0001", "BN-0003"}
    new = table["BN-0003"]
    assert new["变更"] == "新增" and new["名称"] == "避难场所3" and new["所在乡镇(街道)"] == WEST_NAME
    assert new["场所类别"] == "紧急" and new["可容纳人数"] == "102" and new["位置"].startswith("107.3")
    changed = table["BN-0001"]
    assert changed["变更"] == "更新" and changed["可容纳人数"] == "100 → 999"
    assert changed["名称"] == "避难场所1" and "可容纳人数: 100 → 999" in changed["变化"]


def test_dry_run_prints_the_values(ws, tmp_path, capsys):
    from riskmap.cli.main import main

    path = write_csv(tmp_path / "a.csv", shelter_rows(1))
    code = main(["import", "shelter", str(path), "--dry-run", "--workspace", str(ws.root)])
    out = capsys.readouterr().out
    assert code == 0
    assert "新增 BN-0001：名称=避难场所1" in out and "场所类别=紧急" in out and "可容纳人数=100" in out
