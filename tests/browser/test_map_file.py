"""The standalone file from ``riskmap map`` works with every non-local request blocked."""

from __future__ import annotations

import pytest

from layers.selection import Selection, select_sites
from layers.store.workspace import load_workspace
from riskmap.cli.main import main

pytestmark = pytest.mark.browser


def test_map_file_is_offline(browser_workspace, offline_page, tmp_path, xss_site):
    XSS_ID, XSS_NAME = xss_site
    out = tmp_path / "map.html"
    assert main(["map", "--workspace", str(browser_workspace), "--out", str(out), "--no-analysis"]) == 0
    ws = load_workspace(browser_workspace)
    want = {lid: len(f) for lid, f in select_sites(ws.layers, Selection()).items()}
    page, blocked = offline_page()
    page.goto(out.as_uri())
    page.wait_for_function(f"window.L && window.RM && Object.keys(RM.counts).length === {len(want)}")
    assert page.evaluate("L.version") == "1.9.3"
    drawn = page.evaluate(
        "Object.fromEntries(Object.keys(RM.layers).map(k => [k, RM.layers[k].getLayers().length]))"
    )
    assert drawn == want
    # open the XSS site's popup: text, no element, no dialog
    page.evaluate(
        """(id) => { const m = RM.layers.geohazard.getLayers().find(x => RM.siteId(x._rmd, x._rmi) === id);
                     m.fire('click', {latlng: m.getLatLng()}); }""",
        XSS_ID,
    )
    assert XSS_NAME in page.locator(".leaflet-popup-content").inner_text()
    assert page.locator("img[src='x']").count() == 0 and page.dialogs == []
    assert blocked == []
