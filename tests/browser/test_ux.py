"""What the three users hit first (issue 14), in Debian's chromium on the sample: screenshots of every page
at 1440×900 and 390×844 into ``test-artifacts/``, the first click, the layer control under an open legend,
no horizontal scroll on a phone, Chinese headers on 风险分析. One server for all (``streamlit_server``)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_map_app import _map_frame

pytestmark = pytest.mark.browser
PAGES = ("overview", "map", "export", "flood", "analysis", "data")
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
    context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url or r.request.url.startswith(("data:", "blob:", "about:")) else r.abort())
    return context, context.new_page()


READY = {"data": "stFileUploader", "analysis": "stDataFrame", "export": "stDownloadButton"}


def _settle(page, path):
    page.locator("h1").first.wait_for(timeout=60_000)
    if path in ("overview", "map", "flood"):
        _map_frame(page)
    else:
        page.get_by_test_id(READY[path]).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stSkeleton]')"
        " && !document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
    page.wait_for_timeout(600)


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_every_page(streamlit_server, browser_workspace, browser, name, viewport):
    url = streamlit_server(browser_workspace)
    context, page = _page(browser, viewport)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        overflow = {}
        for path in PAGES:
            page.goto(f"{url}/{path}")
            _settle(page, path)
            page.screenshot(path=str(ARTIFACTS / f"page-{path}-{name}.png"))
            overflow[path] = page.evaluate(
                "() => { const m = document.querySelector('[data-testid=stMain]') || document.documentElement;"
                " return Math.max(document.documentElement.scrollWidth - window.innerWidth, m.scrollWidth - m.clientWidth); }"
            )
            assert "Page not found" not in page.content()
        if name == "phone":
            assert overflow == dict.fromkeys(PAGES, 0)
    finally:
        context.close()
