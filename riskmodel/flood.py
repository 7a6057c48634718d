"""Flood-depth rasters: open and check, sample at points, flooded area per township, the overlay grid.

Compute functions take open ``rasterio`` datasets (a file or a ``MemoryFile``), never paths;
:func:`open_depth_raster` is the one entry that turns a path into a checked dataset.

Sampling (:func:`sample_depths`) makes ONE windowed read covering all the points and indexes it
with vectorised row/column arrays — not a per-point ``dataset.sample()`` loop (see
``bench/raster.py`` for the speed-up).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.errors import RasterioIOError
from rasterio.io import DatasetReader, MemoryFile
from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds
from rasterio.windows import Window

from layers.coords import METRIC_CRS
from riskmodel.errors import RasterError

__all__ = [
    "check_depth_raster",
    "depth_grid_3857",
    "depth_tiff_bytes",
    "flooded_area_by_township",
    "open_depth_raster",
    "sample_depths",
]


def open_depth_raster(path) -> DatasetReader:
    """Open a depth GeoTIFF; a file that is not a raster raises :class:`RasterError` naming it.

    The caller closes the dataset (use it as a context manager).
    """
    if not Path(path).exists():
        raise RasterError(f"{path}: 文件不存在；请检查水深栅格的路径")
    try:
        ds = rasterio.open(path)
    except (RasterioIOError, OSError) as exc:
        raise RasterError(f"{path}: 不是可读取的栅格文件（GeoTIFF）：{_short(exc)}") from None
    if ds.count < 1 or ds.width < 1 or ds.height < 1:
        ds.close()
        raise RasterError(f"{path}: 栅格没有数据波段；需要一个波段为水深（米）的 GeoTIFF")
    return ds


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def check_depth_raster(ds: DatasetReader, county: gpd.GeoDataFrame, *, name: str | None = None) -> None:
    """Check that a depth raster has a CRS and overlaps the county outline.

    Raises
    ------
    RasterError
        No CRS, or the raster's extent misses the county (the message names the file and both extents).
    """
    name = name or ds.name
    if ds.crs is None:
        raise RasterError(
            f"{name}: 栅格没有坐标系（CRS）；请在 GIS 软件中为其指定坐标系（如 EPSG:4545）后再导入"
        )
    w, s, e, n = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21)
    outline = shapely.union_all(county.to_crs("EPSG:4326").geometry.values)
    if not shapely.box(w, s, e, n).intersects(outline):
        cw, cs, ce, cn = outline.bounds
        raise RasterError(
            f"{name}: 栅格范围（经度 {w:.3f}–{e:.3f}，纬度 {s:.3f}–{n:.3f}）与县域（经度 {cw:.3f}–{ce:.3f}，"
            f"纬度 {cs:.3f}–{cn:.3f}）不重叠；请检查坐标系是否正确"
        )


def _rows_cols(ds: DatasetReader, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row/column of each lon/lat point (floor of the inverse affine), in the raster's CRS."""
    x, y = Transformer.from_crs("EPSG:4326", ds.crs, always_xy=True).transform(lon, lat)
    col_f, row_f = ~ds.transform @ (np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"))
    return np.floor(row_f), np.floor(col_f)


def sample_depths(ds: DatasetReader, lon, lat, *, band: int = 1) -> np.ndarray:
    """Depth (m) at each lon/lat point: NaN outside the raster or on nodata.

    One windowed read covering all inside points, then vectorised indexing.

    >>> from rasterio.transform import from_origin
    >>> with MemoryFile() as mem:
    ...     with mem.open(driver="GTiff", width=2, height=2, count=1, dtype="float32", crs="EPSG:4326",
    ...                   transform=from_origin(0, 2, 1, 1), nodata=-9999) as w:
    ...         w.write(np.array([[1, 2], [3, -9999]], dtype="float32"), 1)
    ...     with mem.open() as ds:
    ...         sample_depths(ds, [0.5, 1.5, 1.5, 5.0], [1.5, 1.5, 0.5, 0.5]).tolist()
    [1.0, 2.0, nan, nan]
    >>> with MemoryFile() as mem:
    ...     with mem.open(driver="GTiff", width=1, height=1, count=1, dtype="float32", crs="EPSG:4326",
    ...                   transform=from_origin(0, 1, 1, 1)) as w:
    ...         w.write(np.ones((1, 1), dtype="float32"), 1)
    ...     with mem.open() as ds:
    ...         sample_depths(ds, [], []).tolist()
    []
    """
    lon, lat = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    out = np.full(lon.shape, np.nan)
    if lon.size == 0:
        return out
    row, col = _rows_cols(ds, lon, lat)
    inside = (
        np.isfinite(row) & np.isfinite(col) & (row >= 0) & (col >= 0) & (row < ds.height) & (col < ds.width)
    )
    if not inside.any():
        return out
    r, c = row[inside].astype(np.int64), col[inside].astype(np.int64)
    r0, c0 = int(r.min()), int(c.min())
    window = Window(c0, r0, int(c.max()) - c0 + 1, int(r.max()) - r0 + 1)
    block = ds.read(band, window=window, masked=True)
    values = block[r - r0, c - c0]
    out[inside] = np.ma.filled(values.astype("float64"), np.nan)
    return out


def _metric_grid(ds: DatasetReader, metric_crs: str) -> tuple[np.ndarray, Affine]:
    """Depth array in the metric CRS (warped with nearest neighbour when the raster is in another CRS)."""
    data = ds.read(1, masked=True).astype("float64").filled(np.nan)
    if ds.crs is not None and ds.crs.to_string() == rasterio.crs.CRS.from_user_input(metric_crs).to_string():
        return data, ds.transform
    dst_transform, width, height = calculate_default_transform(
        ds.crs, metric_crs, ds.width, ds.height, *ds.bounds
    )
    dst = _warp(ds, data, (height, width), dst_transform, metric_crs, Resampling.nearest)
    return dst, dst_transform


def _warp(ds: DatasetReader, data: np.ndarray, shape: tuple[int, int], transform: Affine, crs,
          resampling: Resampling) -> np.ndarray:
    """``data`` (band 1 of ``ds``, NaN for nodata) warped onto a grid; cells it doesn't reach are NaN."""
    dst = np.full(shape, np.nan, dtype=data.dtype)
    reproject(data, dst, src_transform=ds.transform, src_crs=ds.crs, src_nodata=np.nan,
              dst_transform=transform, dst_crs=crs, dst_nodata=np.nan, resampling=resampling)
    return dst


def flooded_area_by_township(
    ds: DatasetReader,
    townships: gpd.GeoDataFrame,
    *,
    metric_crs: str = METRIC_CRS,
    min_depth_m: float = 0.0,
    channel: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Flooded area (m²) per township: exact cell-coverage fractions (exactextract) of cells deeper
    than ``min_depth_m``, in the metric CRS.

    Returns one row per township (none dropped): ``name, flooded_area_m2, max_depth_m``.
    A raster in another CRS is first warped to ``metric_crs`` (nearest neighbour).
    ``channel`` (the river lines) is left out of ``max_depth_m``: on the channel itself a water-level
    raster's depth is the rise everywhere, which says nothing about the land flooded.
    """
    from exactextract import exact_extract  # heavy import, only where used

    depth, transform = _metric_grid(ds, metric_crs)
    wet = np.where(np.isfinite(depth), (depth > min_depth_m).astype("float64"), np.nan)
    if channel is not None and len(channel):
        from rasterio.features import rasterize

        geoms = [g for g in channel.to_crs(metric_crs).geometry if g is not None and not g.is_empty]
        if geoms:
            on_channel = rasterize(geoms, out_shape=depth.shape, transform=transform, fill=0,
                                   default_value=1, all_touched=True, dtype="uint8").astype(bool)
            depth = np.where(on_channel, np.nan, depth)
    cell_area_m2 = abs(transform.a * transform.e - transform.b * transform.d)
    zones = townships[["name", "geometry"]].to_crs(metric_crs).reset_index(drop=True)
    with _mem_raster(np.stack([wet, depth]), transform, metric_crs) as src:
        # max over cells at least half inside: a sliver of a neighbour's cell must not set the maximum
        stats = exact_extract(
            src, zones, ["sum", "max(min_coverage_frac=0.5)"], include_cols=["name"], output="pandas"
        )
    wet_col, max_col = _stat_columns(stats)
    out = pd.DataFrame(
        {
            "name": zones["name"].astype(str),
            "flooded_area_m2": stats[wet_col].fillna(0.0).to_numpy() * cell_area_m2,
            "max_depth_m": stats[max_col].to_numpy(dtype="float64"),
        }
    )
    out["max_depth_m"] = out["max_depth_m"].where(out["max_depth_m"] > 0, 0.0).fillna(0.0)
    return out


def _stat_columns(stats: pd.DataFrame) -> tuple[str, str]:
    """exactextract names the columns of a two-band source ``band_1_sum`` … ``band_2_max``."""
    return "band_1_sum", "band_2_max"


class _mem_raster:
    """An in-memory float64 GeoTIFF of ``bands`` (NaN = nodata), opened for reading."""

    def __init__(self, bands: np.ndarray, transform, crs):
        self._mem = MemoryFile()
        with self._mem.open(
            driver="GTiff",
            width=bands.shape[2],
            height=bands.shape[1],
            count=bands.shape[0],
            dtype="float64",
            crs=crs,
            transform=transform,
            nodata=np.nan,
        ) as w:
            w.write(bands)

    def __enter__(self):
        self._ds = self._mem.open()
        return self._ds

    def __exit__(self, *exc):
        self._ds.close()
        self._mem.close()


def depth_tiff_bytes(depth: np.ndarray, transform, crs) -> bytes:
    """A float32 GeoTIFF (nodata NaN, deflate) of a depth array, as bytes for an atomic write."""
    with MemoryFile() as mem:
        with mem.open(
            driver="GTiff",
            width=depth.shape[1],
            height=depth.shape[0],
            count=1,
            dtype="float32",
            crs=crs,
            transform=transform,
            nodata=np.nan,
            compress="deflate",
        ) as w:
            w.write(depth.astype("float32"), 1)
            w.update_tags(1, units="m", quantity="flood depth")
        return mem.read()


def depth_grid_3857(ds: DatasetReader, *, max_px: int = 1024) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The depth raster warped onto a Web-Mercator grid of at most ``max_px`` (the map overlay's data).

    Returns the float32 depths (NaN for nodata) and the grid's ``(west, south, east, north)`` in
    EPSG:3857 metres. Leaflet draws an image overlay stretched between its corner lat/lons in Web
    Mercator, so a colourised copy of this grid (``riskmap.render.overlay``) lines up exactly.
    """
    dst, transform = _warp_3857(ds, max_px)
    h, w = dst.shape
    left, top = transform @ (0, 0)
    right, bottom = transform @ (w, h)
    return dst, (left, bottom, right, top)


def _warp_3857(ds: DatasetReader, max_px: int) -> tuple[np.ndarray, Affine]:
    transform, width, height = calculate_default_transform(
        ds.crs, "EPSG:3857", ds.width, ds.height, *ds.bounds
    )
    scale = max(width / max_px, height / max_px, 1.0)
    width, height = max(1, int(width / scale)), max(1, int(height / scale))
    transform = transform @ transform.scale(scale, scale)
    src = ds.read(1, masked=True).astype("float32").filled(np.nan)
    resampling = Resampling.max if scale > 1 else Resampling.nearest  # keep thin flood strips visible
    return _warp(ds, src, (height, width), transform, "EPSG:3857", resampling), transform


