from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from riskmap.mapview.hillshade import hillshade, shade


def test_shade_flat_and_slopes():
    flat = shade(np.zeros((5, 5)), 30, 30)
    assert np.allclose(flat, np.sin(np.radians(45)))
    west_up = np.tile(np.arange(5, dtype=float)[::-1] * 30, (5, 1))  # higher in the west: faces east
    east_up = west_up[:, ::-1]  # faces west, towards the default north-west light
    south_up = np.tile((np.arange(5, dtype=float) * 30)[:, None], (1, 5))  # rows run south: faces north
    assert shade(east_up, 30, 30)[2, 2] > shade(west_up, 30, 30)[2, 2]
    assert shade(south_up, 30, 30)[2, 2] > shade(south_up[::-1], 30, 30)[2, 2]
    # a 45° slope facing the light straight on is fully lit
    assert shade(east_up, 30, 30, azimuth_deg=270)[2, 2] == pytest.approx(1.0)


def test_hillshade_png_from_real_geotiff(ws):
    hs = hillshade(ws.dem_path, max_px=32)
    img = Image.open(io.BytesIO(hs.png))
    assert img.mode == "LA" and max(img.size) <= 40
    (s, w), (n, e) = hs.bounds
    assert (round(s, 4), round(w, 4), round(n, 4), round(e, 4)) == (30.30, 107.30, 30.34, 107.38)
    assert hillshade(ws.dem_path, max_px=32) is hs  # cached once per file version
    assert hs.data_url.startswith("data:image/png;base64,")
