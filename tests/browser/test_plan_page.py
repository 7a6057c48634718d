"""Browser test of the 年度任务 page: the progress chart and the per-township table render offline;
screenshots are always saved as ``test-artifacts/plan_page.png`` (top) and
``plan_page_townships.png`` (the per-township chart and table). Workspace: the hand-checked plan
fixture (tests/riskmodel/plan_fixture.py)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.riskmodel.plan_fixture import write_plan_workspace

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def plan_url(streamlit_server, tmp_path_factory):
    ws = write_plan_workspace(tmp_path_factory.mktemp("plan_browser") / "ws")
    return streamlit_server(ws) + "/plan"


def test_plan_page_chart_township_table_and_click_through(plan_url, offline_page):
    page, blocked = offline_page()
    page.goto(plan_url)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="已完成目标").first
    metric.wait_for(timeout=90_000)
    assert metric.locator('[data-testid="stMetricValue"]').inner_text() == "1/5"
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(1).wait_for(timeout=60_000)
    assert charts.count() == 2
    for i in range(2):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
        assert charts.nth(i).locator("canvas, svg").count() >= 1
    assert page.get_by_text("各乡镇", exact=True).count() == 1
    tables = page.locator('[data-testid="stDataFrame"]')
    assert tables.count() == 3  # targets, per township, sites
    page.wait_for_timeout(1500)  # let the charts finish drawing
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plan_page.png"), full_page=True)
    page.get_by_text("各乡镇", exact=True).scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "plan_page_townships.png"))
    # selecting a site opens it on the map page
    sites = tables.nth(2)
    box = sites.bounding_box()
    assert box
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first row's selection box (F1)
    page.wait_for_url("**/map", timeout=60_000)
    page.get_by_text("F1渡口").first.wait_for(timeout=90_000)  # the site's details on the map page
    assert blocked == [], blocked[:5]

