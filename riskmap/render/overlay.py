"""The flood-depth overlay of the web map and the briefing: the depth grid, coloured by class."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from rasterio.io import DatasetReader
from rasterio.warp import transform_bounds

from riskmap.render.palettes import colorize_depth, outline_wet
from riskmodel.flood import depth_grid_3857
from riskmodel.scenario import depth_breaks

__all__ = ["Overlay", "depth_overlay"]


@dataclass(frozen=True)
class Overlay:
    """A depth overlay for a web map: PNG bytes on a Web-Mercator grid and its lat/lon bounds."""

    png: bytes
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east))
    rgba: np.ndarray
    extent_3857: tuple[float, float, float, float]  # left, right, bottom, top (for matplotlib)


def depth_overlay(
    ds: DatasetReader, *, max_px: int = 1024, config: dict | None = None, outline: bool = False
) -> Overlay:
    """Colour the depth raster by the workspace's depth classes (dry and nodata transparent).

    ``outline`` draws a dark line on the dry pixels bordering the flood (the app's map at county zoom).
    """
    depth, (left, bottom, right, top) = depth_grid_3857(ds, max_px=max_px)
    rgba = colorize_depth(depth, depth_breaks(config))
    if outline:
        outline_wet(rgba)
    west, south, east, north = transform_bounds("EPSG:3857", "EPSG:4326", left, bottom, right, top)
    return Overlay(
        png=_png_bytes(rgba),
        bounds=((south, west), (north, east)),
        rgba=rgba,
        extent_3857=(left, right, bottom, top),
    )


def _png_bytes(rgba: np.ndarray) -> bytes:
    from matplotlib.image import imsave  # Agg-only helper, no pyplot state

    buf = io.BytesIO()
    imsave(buf, rgba, format="png")
    return buf.getvalue()
