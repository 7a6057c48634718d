"""Water-level scenario: a rise of H metres of the river → a flood-depth raster from the DEM.

Method ("bathtub with connectivity", deterministic):

1. river cells = the river line rasterised on the DEM grid (every touched cell);
2. water surface on a river cell = its DEM elevation (the bed) + H; every other cell takes the
   surface of its NEAREST river cell (Euclidean distance transform with indices);
3. a cell is flooded when it lies below its water surface but not below the bed of its nearest
   river cell (a cell lower than that bed drains elsewhere — "height above nearest drainage" < 0 —
   and is not this river's floodplain), AND belongs to a 4-connected region of such cells that
   touches a river cell (hydraulic connectivity: a closed hollow behind a ridge stays dry);
   so no depth exceeds H;
4. depth = surface − elevation on flooded cells, 0 elsewhere, NaN where the DEM has no data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.features import rasterize
from scipy import ndimage

from layers.store.io import atomic_write_bytes
from riskmodel.errors import RasterError, RiskModelError
from riskmodel.flood import depth_tiff_bytes

__all__ = [
    "river_mask",
    "water_level_depths",
    "water_level_label",
    "water_level_raster",
    "water_level_raster_name",
    "water_level_tiff_bytes",
]

_FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)


def water_level_depths(dem: np.ndarray, river: np.ndarray, rise_m: float) -> np.ndarray:
    """Flood depth (m) for a river rise of ``rise_m`` on a DEM grid.

    Parameters
    ----------
    dem : 2-D float array of elevations (m); NaN = no data.
    river : 2-D bool array, True on river cells (same shape).
    rise_m : rise of the water level above the river bed (m); ≤ 0 floods nothing.

    >>> dem = np.array([[5., 1., 5.], [5., 1., 2.], [5., 1., 9.]])
    >>> riv = np.zeros((3, 3), bool); riv[:, 1] = True
    >>> water_level_depths(dem, riv, 2.0).tolist()
    [[0.0, 2.0, 0.0], [0.0, 2.0, 1.0], [0.0, 2.0, 0.0]]
    >>> float(water_level_depths(dem, np.zeros((3, 3), bool), 2.0).sum())
    0.0
    """
    dem = np.asarray(dem, dtype="float64")
    river = np.asarray(river, dtype=bool) & np.isfinite(dem)
    depth = np.where(np.isfinite(dem), 0.0, np.nan)
    if rise_m <= 0 or not river.any():
        return depth
    bed = _nearest_bed(dem, river)
    surface = bed + rise_m
    below = np.isfinite(dem) & (dem < surface) & (dem >= bed)
    connected = _connected_to_river(below, river)
    depth[connected] = (surface - dem)[connected]
    return depth


def _nearest_bed(dem: np.ndarray, river: np.ndarray) -> np.ndarray:
    """River-bed elevation carried to every cell from its nearest river cell (Euclidean)."""
    _, (iy, ix) = ndimage.distance_transform_edt(~river, return_indices=True)
    return dem[iy, ix]


def _connected_to_river(below: np.ndarray, river: np.ndarray) -> np.ndarray:
    labels, _ = ndimage.label(below, structure=_FOUR_CONNECTED)
    keep = np.unique(labels[river & below])
    keep = keep[keep > 0]
    return np.isin(labels, keep)


def river_mask(river: gpd.GeoDataFrame, shape: tuple[int, int], transform, crs) -> np.ndarray:
    """Rasterise the river lines onto a grid: True on every cell the line touches."""
    geoms = [g for g in river.to_crs(crs).geometry if g is not None and not g.is_empty]
    if not geoms:
        return np.zeros(shape, dtype=bool)
    return rasterize(
        geoms, out_shape=shape, transform=transform, fill=0, default_value=1, all_touched=True, dtype="uint8"
    ).astype(bool)


def water_level_label(river: gpd.GeoDataFrame | None, rise_m: float) -> str:
    """Chinese description of the scenario, e.g. ``龙溪河、大沙河等河流水位上涨 3 m``."""
    names = (
        []
        if river is None
        else [str(n) for n in river.get("name", []) if str(n).strip() and "示意" not in str(n)]
    )
    names = list(dict.fromkeys(names))
    rivers = "、".join(names[:2]) + ("等河流" if len(names) > 2 else "") if names else "河流"
    return f"{rivers}水位上涨 {float(rise_m):g} m"


def water_level_raster_name(rise_m: float) -> str:
    """File name of a water-level scenario raster, e.g. ``water_level_3m.tif``."""
    return f"water_level_{float(rise_m):g}m.tif".replace("-", "minus")


def water_level_tiff_bytes(dem_path, river: gpd.GeoDataFrame | None, rise_m: float) -> bytes:
    """The depth GeoTIFF (on the DEM grid, float32, NaN nodata) for a river rise of ``rise_m`` m, as bytes.

    Raises
    ------
    RiskModelError
        No DEM, no river line, or the river misses the DEM.
    """
    if dem_path is None or not Path(dem_path).exists():
        raise RiskModelError(
            "工作区没有高程模型 dem.tif，无法计算水位情景；请提供 dem.tif 或改用 --flood-raster"
        )
    if river is None or river.empty:
        raise RiskModelError(
            "工作区没有河流图层 river.geojson，无法计算水位情景；请提供河流线或改用 --flood-raster"
        )
    prep = _prepared(dem_path, river)
    depth = _depths_from(prep, rise_m)
    return depth_tiff_bytes(depth, prep.transform, prep.crs)


@dataclass(frozen=True)
class _Prepared:
    """What every water level of one DEM and river shares: the grid, the river cells, the nearest bed."""

    dem: np.ndarray
    river: np.ndarray
    bed: np.ndarray
    transform: object
    crs: object


_CACHE: dict[tuple, _Prepared] = {}


def _prepared(dem_path, river: gpd.GeoDataFrame) -> _Prepared:
    """The DEM work done once per (DEM file, river lines): a new level only thresholds and labels."""
    path = Path(dem_path)
    key = (str(path.resolve()), path.stat().st_mtime_ns, hashlib.sha256(
        b"".join(shapely.to_wkb(river.geometry.values, output_dimension=2) if len(river) else [])
    ).hexdigest(), str(river.crs))
    if key in _CACHE:
        return _CACHE[key]
    with _open_dem(dem_path) as dem_ds:
        dem = dem_ds.read(1, masked=True).astype("float64").filled(np.nan)
        mask = river_mask(river, dem.shape, dem_ds.transform, dem_ds.crs) & np.isfinite(dem)
        if not mask.any():
            raise RiskModelError(f"{dem_path}: 河流线不在高程模型范围内，无法计算水位情景")
        prep = _Prepared(dem, mask, _nearest_bed(dem, mask), dem_ds.transform, dem_ds.crs)
    _CACHE.clear()  # one DEM at a time: it is the largest array the app holds
    _CACHE[key] = prep
    return prep


def _depths_from(prep: _Prepared, rise_m: float) -> np.ndarray:
    """``water_level_depths`` on a prepared grid (same result, without recomputing the nearest bed)."""
    depth = np.where(np.isfinite(prep.dem), 0.0, np.nan)
    if rise_m <= 0:
        return depth
    surface = prep.bed + rise_m
    with np.errstate(invalid="ignore"):
        below = np.isfinite(prep.dem) & (prep.dem < surface) & (prep.dem >= prep.bed)
    connected = _connected_to_river(below, prep.river)
    depth[connected] = (surface - prep.dem)[connected]
    return depth


def water_level_raster(dem_path, river: gpd.GeoDataFrame | None, rise_m: float, out_path) -> Path:
    """Build the depth raster for a river rise of ``rise_m`` m and write it atomically to ``out_path``."""
    atomic_write_bytes(out_path, water_level_tiff_bytes(dem_path, river, rise_m))
    return Path(out_path)


def _open_dem(path):
    try:
        ds = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError(f"{path}: 高程模型不是可读取的栅格文件（{str(exc)[:120]}）") from None
    if ds.crs is None:
        ds.close()
        raise RasterError(f"{path}: 高程模型没有坐标系（CRS）")
    return ds
