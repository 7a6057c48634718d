"""AppTest smoke test for every page, and the app's composition."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = ["overview", "browse", "export_page", "flood", "analysis", "data", "plan"]


def _page(name: str) -> AppTest:
    return AppTest.from_string(f"from riskmap.ui import {name}\n{name}.render()\n", default_timeout=90)


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_exception(map_ws, name):
    at = _page(name).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"


def test_app_runs_overview_by_default(map_ws):
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "概览" in at.title[0].value


def test_sample_banner_only_for_sample(tmp_path, monkeypatch):
    from map_workspace import write_map_workspace

    sample = write_map_workspace(tmp_path / "sample", sample=True)
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(sample))
    at = _page("browse").run()
    assert any("样例数据" in w.value for w in at.warning)
    plain = write_map_workspace(tmp_path / "plain")
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(plain))
    at = _page("browse").run()
    assert not any("样例数据" in w.value for w in at.warning)


def test_english_switch(map_ws):
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    at.radio(key="lang_choice").set_value("English").run()
    assert not at.exception
    assert "overview" in at.title[0].value.lower()
    worst = at.dataframe[0].value
    assert "risk index" in worst.columns and "风险指数" not in worst.columns
    assert any(c.value.startswith("risk index = 100") for c in at.caption)


@pytest.mark.parametrize("name", PAGES)
def test_a_broken_layer_file_is_shown_not_hidden(map_ws, name):
    (map_ws / "ferry.geojson").write_bytes(b'{"type": "FeatureCollection", "features": [')
    at = _page(name).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("工作区有 1 处错误（图层：ferry）" in e.value for e in at.error)


@pytest.mark.parametrize("name", PAGES)
def test_a_missing_workspace_is_one_message_not_a_traceback(tmp_path, monkeypatch, name):
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(tmp_path / "nowhere"))
    at = _page(name).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [f"无法加载工作区：{tmp_path / 'nowhere'}: 工作区文件夹不存在；用 --workspace 指定包含 workspace.toml 的文件夹"]
