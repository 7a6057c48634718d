"""AppTest: the 年度任务 page (chart, per-township table, sites), the overview headline, the 两卡 download."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from layers.access import Actor
from riskmodel.planfile import load_plan, set_progress
from tests.riskmodel.plan_fixture import write_plan_workspace


@pytest.fixture
def plan_ws(tmp_path, monkeypatch):
    root = write_plan_workspace(tmp_path / "ws")
    set_progress(root, load_plan(root), "pipe_km", 54, "验收单", actor=Actor("测试员", "县级编辑"))
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(root))
    return root


def _page(module: str, fn: str = "render") -> AppTest:
    return AppTest.from_string(f"from riskmap.ui import {module}\n{module}.{fn}()\n", default_timeout=90)


def test_plan_page_shows_chart_targets_and_township_table(plan_ws):
    at = _page("plan").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "年度任务"
    assert len(at.get("vega_lite_chart")) == 2  # progress per target; per township
    targets = at.dataframe[0].value
    assert list(targets["目标"]) == ["渡口测风仪", "视频接入率", "避险搬迁", "消防管网", "一处测风仪"]
    assert "滞后" in list(targets["状态"]) and targets["主要差距乡镇"].iloc[0] == "乙镇"
    towns = at.dataframe[1].value
    assert list(towns["乡镇(街道)"]) == ["甲街道", "乙镇"] and list(towns["计入"]) == [1, 1]
    sites = at.dataframe[2].value
    assert set(sites["状态"]) == {"计入", "未完成", "数据缺失"}
    at.selectbox(key="plan_target").set_value("video").run()
    towns = at.dataframe[1].value
    assert [round(v, 1) for v in towns["比例(%)"]] == [100.0, 66.7]
    at.selectbox(key="plan_target").set_value("pipe_km").run()
    assert any("手工填报" in i.value for i in at.info)


def test_plan_page_for_one_township(plan_ws):
    at = _page("plan").run()
    at.selectbox(key="plan_township").set_value("甲街道").run()
    assert not at.exception
    targets = at.dataframe[0].value
    assert targets["完成值"].iloc[0] == "1 套"


def test_overview_headline_and_no_plan_message(plan_ws):
    at = _page("overview").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value == "2026 年度任务：已完成 1/5 项" for s in at.subheader)
    text = "\n".join(m.value for m in at.markdown)
    assert "渡口测风仪" in text and "主要差距：乙镇" in text
    (plan_ws / "plan.toml").unlink()
    at = _page("plan").run()
    assert not at.exception and any("plan.toml" in i.value for i in at.info)


def test_export_page_offers_the_cards_download(plan_ws):
    at = _page("export_page").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value == "地灾“两卡”" for s in at.subheader)
    assert any("2 个隐患点" in c.value for c in at.caption)
