"""AppTest of the 数据管理 page: upload, preview the diff and rejects, apply, history, rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers.store.workspace import layer_history, layer_path
from tests.layers.import_fixtures import shelter_rows, write_csv, write_workspace

SCRIPT = "from riskmap.ui import data\ndata.render()\n"


@pytest.fixture
def page(tmp_path, monkeypatch):
    root = write_workspace(tmp_path / "ws")
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(root))
    at = AppTest.from_string(SCRIPT, default_timeout=30)
    at.run()
    assert not at.exception
    return at, root


def _csv_bytes(tmp_path: Path, *, bad_row: bool) -> bytes:
    rows = shelter_rows(4)
    if bad_row:
        rows[1]["场所名称"] = None
    return write_csv(tmp_path / "up.csv", rows, "gb18030").read_bytes()


def _upload_and_preview(at, data: bytes, name: str = "台账.csv"):
    at.file_uploader(key="dm_upload").set_value((name, data, "text/csv"))
    at.run()
    at.button(key="dm_preview").click()
    at.run()
    assert not at.exception
    return at


def test_page_renders_without_upload(page):
    at, _ = page
    assert at.title[0].value == "数据管理"
    assert at.selectbox(key="dm_layer").value == "geohazard"
    assert len(at.get("download_button")) == 1  # the import template of the chosen layer


def test_preview_shows_rejects_and_writes_nothing(page, tmp_path):
    at, root = page
    at.selectbox(key="dm_layer").set_value("shelter")
    at.run()
    _upload_and_preview(at, _csv_bytes(tmp_path, bad_row=True))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["接受"] == "3" and metrics["拒绝"] == "1"
    shown = at.dataframe[-1].value
    assert list(shown["行号"]) == [3] and "名称" in shown["原因"].iat[0]
    assert len(at.get("download_button")) == 2  # the import template, and the rejects
    assert not layer_path(root, "shelter").exists()


def test_apply_then_history_then_rollback(page, tmp_path):
    at, root = page
    at.selectbox(key="dm_layer").set_value("shelter")
    at.run()
    _upload_and_preview(at, _csv_bytes(tmp_path, bad_row=False))
    at.button(key="dm_apply").click()
    at.run()
    assert not at.exception
    assert [v.count for v in layer_history(root, "shelter")] == [4]
    assert any("版本 1" in s.value for s in at.success)
    at.selectbox(key="dm_hist_layer").set_value("shelter")
    at.run()
    at.button(key="dm_rollback").click()
    at.run()
    assert not at.exception
    assert [v.source for v in layer_history(root, "shelter")] == ["import:台账.csv", "rollback:v1"]


def test_oversized_upload_refused_with_message(page, monkeypatch):
    at, root = page
    import riskmap.ui.data as data_page

    monkeypatch.setattr(data_page, "DEFAULT_MAX_BYTES", 10)
    at.selectbox(key="dm_layer").set_value("shelter")
    at.run()
    _upload_and_preview(at, b"x" * 100)
    assert any("超过上限" in e.value for e in at.error)
    assert not layer_path(root, "shelter").exists()
