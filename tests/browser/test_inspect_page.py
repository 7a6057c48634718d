"""Browser test of the phone page 巡查上报 at 390×844: submit a record with a photo; it shows in the details."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import ARTIFACTS, _is_local

pytestmark = pytest.mark.browser


def _jpeg(path):
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), (20, 120, 200)).save(buf, format="JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_phone_page_submits_record_with_photo(streamlit_server, browser_workspace, browser, tmp_path):
    from layers.records import INSPECTIONS, read_records

    url = streamlit_server(browser_workspace) + "/inspect"
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    blocked: list[str] = []
    context.route("**/*", lambda r: r.continue_() if _is_local(r.request.url) else (blocked.append(r.request.url),
                                                                                    r.abort()))
    page = context.new_page()
    try:
        page.goto(url)
        search = page.get_by_label("搜索点位（名称、编号、村）")
        search.wait_for(timeout=90_000)
        search.fill("DZ0001")
        search.press("Enter")
        page.get_by_label("裂缝宽度(mm)").wait_for(timeout=60_000)  # the geohazard site DZ0001 is picked
        page.locator('[data-testid="stRadio"]').filter(has_text="巡查结果").get_by_text("发现隐患").click()
        page.get_by_label("发现问题").fill("后缘出现新裂缝")
        page.get_by_label("裂缝宽度(mm)").fill("6")
        page.locator('input[type="file"]').set_input_files(str(_jpeg(tmp_path / "现场.jpg")))
        page.get_by_text("现场.jpg").wait_for(timeout=30_000)
        page.get_by_role("button", name="提交巡查记录").click()
        page.get_by_text("巡查记录：新增 1 条").wait_for(timeout=60_000)
        page.get_by_text("最近巡查").first.wait_for(timeout=30_000)
        page.get_by_text("发现隐患，尚未整改").first.wait_for(timeout=30_000)
        page.locator('img[src*="/media/"]').first.wait_for(timeout=30_000)  # the stored photo in the details
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1  # nothing wider than the phone screen
    except (AssertionError, PlaywrightError):  # keep a picture of the failure, then fail
        page.screenshot(path=str(ARTIFACTS / "inspect_page_failure.png"), full_page=True)
        raise
    finally:
        context.close()
    recs = [r for r in read_records(browser_workspace, INSPECTIONS) if r["site_id"] == "DZ0001"]
    assert len(recs) == 1 and recs[0]["result"] == "发现隐患" and recs[0]["m_crack_width_mm"] == 6.0
    assert len(recs[0]["photos"]) == 1 and recs[0]["source"] == "phone"
    assert blocked == []


def _frame_with(page, selector, timeout_s):
    """The first child frame holding `selector`, polled until it loads (None after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for f in page.frames:
            try:
                if f != page.main_frame and f.locator(selector).count():
                    return f
            except PlaywrightError:  # a frame detached while we looked
                continue
        page.wait_for_timeout(250)
    return None


def test_phone_page_nearest_site_from_browser_location(streamlit_server, browser_workspace, browser):
    url = streamlit_server(browser_workspace) + "/inspect"
    # standing at DZ0002 (永安镇张家湾危岩, not first in the list): it must come first, 0 m away
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  geolocation={"latitude": 30.359791, "longitude": 107.5762146},
                                  permissions=["geolocation"])
    context.route("**/*", lambda r: r.continue_() if _is_local(r.request.url) else r.abort())
    page = context.new_page()
    try:
        page.goto(url)
        page.get_by_label("搜索点位（名称、编号、村）").wait_for(timeout=90_000)
        frame = _frame_with(page, "#b", timeout_s=60)  # the location component loads after the page
        assert frame is not None, "the 用我的位置 component never loaded"
        frame.locator("#b").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('input')].some(i => i.value.startsWith('107.576215,30.359791'))",
            timeout=30_000)
        page.get_by_text("点位").first.wait_for(timeout=60_000)
        shown = """() => [...document.querySelectorAll('[data-testid="stSelectbox"]')].map(
            e => e.textContent + ' ' + [...e.querySelectorAll('input')].map(i => i.value + ' ' +
            (i.getAttribute('aria-label') || '')).join(' ')).join(' ')"""
        page.wait_for_function(f"() => ({shown})().includes('DZ0002')", timeout=60_000)
        texts = page.evaluate(shown)
        assert "DZ0002 永安镇张家湾危岩" in texts and "· 0 m" in texts, texts
    except (AssertionError, PlaywrightError):  # keep a picture of the failure, then fail
        page.screenshot(path=str(ARTIFACTS / "inspect_page_geo_failure.png"), full_page=True)
        raise
    finally:
        context.close()
