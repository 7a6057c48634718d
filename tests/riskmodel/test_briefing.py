"""The one-page briefing: PDF with an embedded CJK font, PNG, no personal data (issue 6)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from test_flood_fixtures import depth_grid, make_workspace, write_raster

from layers.kinds import LAYER_KINDS
from layers.store.workspace import load_workspace
from riskmap.render.briefing import PERSONAL_FIELDS, render_briefing, strip_personal
from riskmap.render.overlay import depth_overlay
from riskmodel.flood import open_depth_raster
from riskmodel.scenario import run_scenario
from riskmodel.warning import WarningColor


@pytest.fixture(scope="module")
def briefing(tmp_path_factory):
    root = tmp_path_factory.mktemp("brief")
    ws = load_workspace(make_workspace(root / "ws"))
    assert ws.layers["geohazard"]["contact_phone"].eq("13812345678").any()  # the fixture does hold a phone
    with open_depth_raster(write_raster(root / "d.tif", depth_grid())) as ds:
        result = run_scenario(ws, ds, {"甲镇": WarningColor.RED}, source="测试水深")
        overlay = depth_overlay(ds)
    pdf, png = render_briefing(ws, result, overlay)
    (root / "b.pdf").write_bytes(pdf)
    return root / "b.pdf", png


def _pdftotext(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_briefing_text_has_facts_but_no_personal_data(briefing):
    text = _pdftotext(briefing[0])
    assert "甲镇一号滑坡" in text and "转移" in text and "1,500" in text  # actions and KPIs are there
    assert "13812345678" not in text and "张三" not in text


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_briefing_embeds_a_cjk_font(briefing):
    fonts = subprocess.run(["pdffonts", str(briefing[0])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in r[-5:-2] for r in rows)
    assert any("CJK" in r[0] for r in rows)


def test_png_is_an_a4_page(briefing):
    png = briefing[1]
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert height / width == pytest.approx(297 / 210, rel=0.02)


def test_personal_fields_come_from_the_registry():
    assert {"contact_name", "contact_phone"} <= PERSONAL_FIELDS
    declared = {f.name for k in LAYER_KINDS for f in k.all_fields if f.personal}
    assert declared == PERSONAL_FIELDS  # every field a kind marks personal, whichever kind
    import pandas as pd

    assert list(strip_personal(pd.DataFrame(columns=["id", "contact_phone", "detail"])).columns) == [
        "id",
        "detail",
    ]
