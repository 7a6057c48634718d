"""Exposure rings: each hazard site's danger radius R (内圈) and watch radius (外圈, R × watch factor).

Rings are ordered classes ``min < d ≤ max`` (InaSAFE style): ``danger`` is ``0 ≤ d ≤ R``,
``watch`` is ``R < d ≤ W``, anything farther is 未暴露. :func:`ring_polygons` draws them for the
map only; no count ever comes from a polygon (see :mod:`riskmodel.exposure`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.coords import METRIC_CRS
from riskmodel.errors import RiskModelError
from riskmodel.rules import HAZARD_LAYERS, Rules

__all__ = ["RING_LABELS", "classify_ring", "hazard_radii", "ring_polygons"]

RING_LABELS = {"danger": "危险区（内圈）", "watch": "关注区（外圈）", "none": "未暴露"}
_COLUMNS = ["danger_radius_m", "watch_radius_m", "radius_source"]


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([None] * len(frame), dtype=object)


def _lookup(values: pd.Series, table: dict, default: float = np.nan) -> np.ndarray:
    return values.map(lambda v: table.get(str(v), default) if v is not None and v == v else default).to_numpy(
        dtype="float64"
    )


def _geohazard(frame: pd.DataFrame, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    base = _lookup(_col(frame, "hazard_type"), rules.table("geohazard.radius_m"))
    factor = _lookup(_col(frame, "scale"), rules.table("geohazard.scale_factor"), 1.0)
    given = pd.to_numeric(_col(frame, "threat_radius_m"), errors="coerce").to_numpy(dtype="float64")
    has = np.isfinite(given) & (given > 0)
    src = np.where(has, "site:threat_radius_m", "assumed:type×scale")
    return np.where(has, given, base * factor), src


def _gas_risk(frame: pd.DataFrame, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    ftype = _col(frame, "facility_type")
    station = _lookup(ftype, rules.table("gas_risk.radius_m"))
    pipe = _lookup(_col(frame, "pressure_class"), rules.table("gas_risk.pipe_radius_m"))
    is_pipe = (ftype == "管道段").to_numpy() & np.isfinite(pipe)
    pipe_basis = {k: e.basis for e in rules.entries if (k := e.key).startswith("gas_risk.pipe_radius_m.")}
    pipe_src = _col(frame, "pressure_class").map(
        lambda c: f"{pipe_basis.get(f'gas_risk.pipe_radius_m.{c}', 'assumed')}:GB55009控制范围"
    )
    src = np.where(is_pipe, pipe_src.to_numpy(dtype=object), "assumed:facility_type")
    return np.where(is_pipe, pipe, station), src


def _flood_spot(frame: pd.DataFrame, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    base = _lookup(_col(frame, "spot_type"), rules.table("flood_spot.radius_m"))
    depth = pd.to_numeric(_col(frame, "max_depth_cm"), errors="coerce").to_numpy(dtype="float64")
    bounds = np.asarray(rules.get("flood_spot.depth_bounds_cm"), dtype="float64")
    factors = np.asarray(rules.get("flood_spot.depth_factor"), dtype="float64")
    factor = np.where(
        np.isfinite(depth), factors[np.searchsorted(bounds, np.nan_to_num(depth), side="left")], 1.0
    )
    return base * factor, np.full(len(frame), "assumed:type×depth", dtype=object)


_RADIUS_BY_LAYER = {"geohazard": _geohazard, "gas_risk": _gas_risk, "flood_spot": _flood_spot}


def hazard_radii(layer_id: str, frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Danger and watch radius of every site of a hazard layer, aligned to ``frame``.

    ``radius_source`` says where R came from: ``site:threat_radius_m`` (the registry),
    ``standard:…`` (a clause) or ``assumed:…`` (a labelled assumption). A site whose type is
    missing gets NaN radii (it pairs with nothing) and source ``missing``.

    >>> from riskmodel.rules import load_rules
    >>> f = pd.DataFrame({"hazard_type": ["滑坡", "滑坡", None], "scale": ["大型", None, None],
    ...                   "threat_radius_m": [None, 80.0, None]})
    >>> hazard_radii("geohazard", f, load_rules()).to_dict("list")["danger_radius_m"]
    [400.0, 80.0, nan]
    """
    if layer_id not in _RADIUS_BY_LAYER:
        raise RiskModelError(f"图层 {layer_id} 不是危险源图层；危险源图层：{'、'.join(HAZARD_LAYERS)}")
    danger, src = _RADIUS_BY_LAYER[layer_id](frame, rules)
    src = np.where(np.isfinite(danger), src, "missing")
    out = pd.DataFrame(
        {
            "danger_radius_m": danger,
            "watch_radius_m": danger * rules.watch_factor(layer_id),
            "radius_source": src,
        },
        columns=_COLUMNS,
    )
    out.index = frame.index
    return out


def classify_ring(distance_m, danger_radius_m, watch_radius_m) -> np.ndarray:
    """``danger`` (d ≤ R), ``watch`` (R < d ≤ W) or ``none``; the edge belongs to the inner class.

    >>> list(classify_ring([0.0, 100.0, 100.5, 200.0, 200.1], 100.0, 200.0))
    ['danger', 'danger', 'watch', 'watch', 'none']
    """
    d = np.asarray(distance_m, dtype="float64")
    return np.select([d <= danger_radius_m, d <= watch_radius_m], ["danger", "watch"], "none").astype(object)


def ring_polygons(
    frame: gpd.GeoDataFrame, layer_id: str, rules: Rules, *, ids=None, metric_crs: str = METRIC_CRS
) -> gpd.GeoDataFrame:
    """Danger and watch rings as WGS 84 polygons, for display only (buffers in the metric CRS).

    Columns: ``layer, id, ring ("danger"/"watch"), radius_m, geometry``; watch rings are
    annuli (the danger disk cut out), so both can be drawn together.
    """
    if ids is not None:
        frame = frame[frame["id"].isin(list(ids))]
    radii = hazard_radii(layer_id, frame, rules)
    ok = frame.geometry.notna().to_numpy() & np.isfinite(radii["danger_radius_m"].to_numpy())
    pts = frame.loc[ok].to_crs(metric_crs).geometry
    r, w = radii.loc[ok, "danger_radius_m"].to_numpy(), radii.loc[ok, "watch_radius_m"].to_numpy()
    inner = pts.buffer(r, quad_segs=16)
    outer = pts.buffer(w, quad_segs=16).difference(inner)
    ident = frame.loc[ok, "id"].astype(str).to_numpy()
    rings = gpd.GeoDataFrame(
        {
            "layer": layer_id,
            "id": np.concatenate([ident, ident]),
            "ring": ["danger"] * len(r) + ["watch"] * len(w),
            "radius_m": np.concatenate([r, w]),
        },
        geometry=pd.concat([inner, outer], ignore_index=True).values,
        crs=metric_crs,
    )
    return rings.to_crs("EPSG:4326")
