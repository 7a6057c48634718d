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
from layers.kinds import LayerKind, get_kind
from riskmodel.errors import RiskModelError
from riskmodel.rules import HAZARD_LAYERS, Rules
from riskmodel.sites import active_sites

__all__ = ["RING_LABELS", "classify_ring", "context_rings", "hazard_radii", "ring_polygons"]

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


def _radius(kind: LayerKind, frame: pd.DataFrame, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """R of every site, as the kind's :class:`~layers.kinds.HazardRule` says, with its source label."""
    spec, lid = kind.hazard, kind.id
    assert spec is not None, "only hazard kinds get here"
    kind_type = _col(frame, spec.type_field)
    radius = _lookup(kind_type, rules.table(f"{lid}.radius_m"))
    src = np.full(len(frame), spec.source, dtype=object)
    if spec.scale_field:
        radius = radius * _lookup(_col(frame, spec.scale_field), rules.table(f"{lid}.scale_factor"), 1.0)
    if spec.depth_field:
        depth = pd.to_numeric(_col(frame, spec.depth_field), errors="coerce").to_numpy(dtype="float64")
        bounds = np.asarray(rules.get(f"{lid}.depth_bounds_cm"), dtype="float64")
        factors = np.asarray(rules.get(f"{lid}.depth_factor"), dtype="float64")
        radius = radius * np.where(
            np.isfinite(depth), factors[np.searchsorted(bounds, np.nan_to_num(depth), side="left")], 1.0
        )
    if spec.pipe_type and spec.pipe_field:
        table = f"{lid}.pipe_radius_m"
        pipe = _lookup(_col(frame, spec.pipe_field), rules.table(table))
        is_pipe = (kind_type == spec.pipe_type).to_numpy() & np.isfinite(pipe)
        basis = {e.key: e.basis for e in rules.entries if e.key.startswith(table + ".")}
        pipe_src = _col(frame, spec.pipe_field).map(
            lambda c: f"{basis.get(f'{table}.{c}', 'assumed')}:{spec.pipe_source}"
        )
        src = np.where(is_pipe, pipe_src.to_numpy(dtype=object), src)
        radius = np.where(is_pipe, pipe, radius)
    if spec.site_radius_field:
        given = pd.to_numeric(_col(frame, spec.site_radius_field), errors="coerce").to_numpy(dtype="float64")
        has = np.isfinite(given) & (given > 0)
        src = np.where(has, f"site:{spec.site_radius_field}", src)
        radius = np.where(has, given, radius)
    return radius, src


def hazard_radii(layer_id: str, frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Danger and watch radius of every site of a hazard layer, aligned to ``frame``.

    ``radius_source`` says where R came from: ``site:threat_radius_m`` (the registry),
    ``standard:…`` (a clause) or ``assumed:…`` (a labelled assumption). A site whose type is
    missing gets NaN radii (it pairs with nothing) and source ``missing``.

    >>> from riskmodel.rules import load_rules
    >>> f = pd.DataFrame({"hazard_type": ["滑坡", "滑坡", None], "scale": ["大型", None, None],
    ...                   "threat_radius_m": [None, 80.0, None]})
    >>> hazard_radii(HAZARD_LAYERS[0], f, load_rules()).to_dict("list")["danger_radius_m"]  # 地质灾害隐患点
    [400.0, 80.0, nan]
    """
    kind = get_kind(layer_id)
    if kind.hazard is None:
        raise RiskModelError(f"图层 {layer_id} 不是危险源图层；危险源图层：{'、'.join(HAZARD_LAYERS)}")
    danger, src = _radius(kind, frame, rules)
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


def _rings_frame(layer_id: str, ident, xy: np.ndarray, r: np.ndarray, w: np.ndarray, metric_crs: str):
    pts = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=metric_crs)
    inner = pts.buffer(r, quad_segs=16)
    outer = pts.buffer(w, quad_segs=16).difference(inner)
    ident = np.asarray(ident, dtype=str)
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


def ring_polygons(
    frame: gpd.GeoDataFrame, layer_id: str, rules: Rules, *, ids=None, metric_crs: str = METRIC_CRS
) -> gpd.GeoDataFrame:
    """Danger and watch rings as WGS 84 polygons, for display only (buffers in the metric CRS).

    Columns: ``layer, id, ring ("danger"/"watch"), radius_m, geometry``; watch rings are
    annuli (the danger disk cut out), so both can be drawn together. Sites the model leaves out
    (a status in ``<layer>.exclude_status``, e.g. 已核销) get no rings, as they get none in the counts.
    """
    frame = active_sites(layer_id, frame, rules)
    if ids is not None:
        frame = frame[frame["id"].isin(list(ids))]
    radii = hazard_radii(layer_id, frame, rules)
    ok = frame.geometry.notna().to_numpy() & np.isfinite(radii["danger_radius_m"].to_numpy())
    pts = frame.loc[ok].to_crs(metric_crs).geometry
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]) if len(pts) else np.empty((0, 2))
    r, w = radii.loc[ok, "danger_radius_m"].to_numpy(), radii.loc[ok, "watch_radius_m"].to_numpy()
    return _rings_frame(layer_id, frame.loc[ok, "id"].astype(str).to_numpy(), xy, r, w, metric_crs)


def context_rings(ctx, layer_id: str, *, ids=None) -> gpd.GeoDataFrame:
    """:func:`ring_polygons` from a model context's hazard table: the very sites and radii the counts use."""
    hz = ctx.hazards[ctx.hazards["layer"] == layer_id]
    if ids is not None:
        hz = hz[hz["id"].isin([str(i) for i in ids])]
    xy = hz[["x_m", "y_m"]].to_numpy(dtype="float64")
    hz = hz[np.isfinite(xy).all(axis=1) & np.isfinite(hz["danger_radius_m"].to_numpy())]
    xy = hz[["x_m", "y_m"]].to_numpy(dtype="float64")
    r, w = hz["danger_radius_m"].to_numpy(), hz["watch_radius_m"].to_numpy()
    return _rings_frame(layer_id, hz["id"].to_numpy(), xy, r, w, ctx.metric_crs)
