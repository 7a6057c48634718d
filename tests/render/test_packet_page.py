"""The PDF packet's first page, as a field team prints it: rendered from the sample for 太平镇 and
converted with poppler's ``pdftoppm`` to ``test-artifacts/packet-page1.png`` (the picture looked at
in review). Checked on the picture: A4 portrait, roads in the highway colour, the geohazard symbols
in their kind's colour, and the title and sample note as text."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from layers.exports.bundle import collect_export
from layers.kinds import Role, kinds_with
from layers.roads import road_grade
from layers.selection import Selection
from layers.store.workspace import load_workspace
from riskmap.render.packet import render_pdf

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOWN = "太平镇"

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


def _share_of(rgb: np.ndarray, hex_color: str) -> float:
    want = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])
    return float((np.abs(rgb.astype(int) - want).max(axis=1) <= 8).mean())


@pytest.fixture(scope="module")
def page_one(tmp_path_factory):
    pdf = render_pdf(collect_export(load_workspace(), Selection(townships=(TOWN,))))
    path = tmp_path_factory.mktemp("packet") / "packet.pdf"
    path.write_bytes(pdf)
    png = subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(path)],
                         check=True, capture_output=True).stdout
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "packet-page1.png").write_bytes(png)
    return Image.open(io.BytesIO(png)).convert("RGB"), text


def test_first_page_is_a4_portrait_with_title_and_sample_note(page_one):
    image, text = page_one
    w, h = image.size
    assert abs(h / w - 297 / 210) < 0.01
    assert f"{TOWN} 安全风险点巡查清单" in text
    assert "样例数据" in text


def test_first_page_map_shows_roads_and_the_hazard_sites(page_one):
    image, _ = page_one
    rgb = np.asarray(image).reshape(-1, 3)
    assert _share_of(rgb, road_grade("高速公路").color) > 0.0005
    hazard = kinds_with(Role.HAZARD)[0]  # the geohazards: 3 in 太平镇, drawn large
    assert _share_of(rgb, hazard.color) > 0.0001
