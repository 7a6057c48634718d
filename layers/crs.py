"""Source coordinate systems of imported files: parse ``--crs`` and convert to WGS 84.

Next to :mod:`layers.coords` (the WGS 84 ⇄ GCJ-02 ⇄ BD-09 formulas and the metric projection).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj

from layers.coords import METRIC_CRS, bd09_to_wgs84, gcj02_to_wgs84
from layers.errors import ImportRefusedError

__all__ = ["CRS_CHOICES", "CrsChoice", "parse_crs", "to_wgs84"]


@dataclass(frozen=True)
class CrsChoice:
    """A source coordinate system: ``wgs84``/``cgcs2000`` (as is), ``gcj02``, ``bd09`` or a pyproj CRS."""

    key: str
    label: str
    crs: str | None = None  # pyproj definition when key == "proj"

    @property
    def is_geographic(self) -> bool:
        return self.key != "proj" or pyproj.CRS.from_user_input(self.crs).is_geographic


CRS_CHOICES: dict[str, str] = {
    "wgs84": "WGS 84（GPS、奥维、Google Earth）",
    "cgcs2000": "CGCS2000（国家2000，天地图；按 WGS 84 处理）",
    "gcj02": "GCJ-02（高德、腾讯）",
    "bd09": "BD-09（百度）",
    METRIC_CRS: f"{METRIC_CRS}（CGCS2000 3度带 108°E，米）",
}
_AS_IS = {"wgs84", "wgs 84", "wgs-84", "epsg:4326", "4326", "cgcs2000", "epsg:4490", "4490", "crs84"}
_CRS_ALIASES = {
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "百度": "bd09",
}


def parse_crs(text: str | None) -> CrsChoice:
    """Parse ``--crs``: wgs84, cgcs2000, gcj02, bd09 or EPSG:n; the error lists the options.

    >>> parse_crs("EPSG:4545").key, parse_crs("高德").key, parse_crs(None).key
    ('proj', 'gcj02', 'wgs84')
    """
    t = (text or "wgs84").strip()
    low = t.lower()
    if low in _AS_IS:
        return CrsChoice(
            "cgcs2000" if "2000" in low or "4490" in low else "wgs84",
            "CGCS2000" if "2000" in low or "4490" in low else "WGS 84",
        )
    if low in _CRS_ALIASES:
        key = _CRS_ALIASES[low]
        return CrsChoice(key, "GCJ-02" if key == "gcj02" else "BD-09")
    try:
        crs = pyproj.CRS.from_user_input(t.upper() if low.startswith("epsg:") else t)
    except pyproj.exceptions.CRSError:
        raise ImportRefusedError(
            f"坐标系“{text}”无法识别；可选：wgs84、cgcs2000、gcj02、bd09 或 EPSG:编号（如 EPSG:4545）"
        ) from None
    epsg = crs.to_epsg()
    if epsg in (4326, 4490):
        return parse_crs(f"EPSG:{epsg}")
    return CrsChoice("proj", f"EPSG:{epsg}" if epsg else crs.name, f"EPSG:{epsg}" if epsg else crs.to_wkt())


def to_wgs84(x: np.ndarray, y: np.ndarray, choice: CrsChoice) -> tuple[np.ndarray, np.ndarray]:
    """Convert source coordinates to WGS 84 lon/lat (NaN stays NaN)."""
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    if choice.key in ("wgs84", "cgcs2000"):
        return x, y
    if choice.key == "gcj02":
        return gcj02_to_wgs84(x, y)
    if choice.key == "bd09":
        return bd09_to_wgs84(x, y)
    tr = pyproj.Transformer.from_crs(choice.crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    lon, lat = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    lon[bad], lat[bad] = np.nan, np.nan
    return lon, lat
