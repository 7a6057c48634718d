"""Sites as flat tables with metric coordinates: the common input of exposure, rules and coverage.

Every registry site and every village becomes one row ``layer, id, name, township, people, x_m,
y_m`` where ``people`` is the weight counted when the site is exposed: the kind's
``people_field`` (九小场所 ``occupants``), villages ``population``, 0 for kinds without one. Coordinates are in the workspace's metric
CRS (EPSG:4545), projected from whatever CRS the frame carries.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import UnknownKindError
from layers.kinds import LAYER_KINDS, LayerKind, get_kind
from layers.labels import VILLAGE_LAYER
from riskmodel.rules import Rules

__all__ = [
    "ELEMENT_LAYERS",
    "PEOPLE_LAYERS",
    "VILLAGE",
    "active_hazards",
    "active_sites",
    "people_field",
    "site_table",
    "workspace_sites",
]

VILLAGE = VILLAGE_LAYER  # the villages base layer, an element with people (not a registry kind)
VILLAGE_PEOPLE_FIELD = "population"
ELEMENT_LAYERS = (*(k.id for k in LAYER_KINDS), VILLAGE)
PEOPLE_LAYERS = (*(k.id for k in LAYER_KINDS if k.people_field), VILLAGE)  # elements that carry people


def people_field(layer: str) -> str | None:
    """The field counted as people when a site of ``layer`` is exposed (None: it counts no people)."""
    if layer == VILLAGE:
        return VILLAGE_PEOPLE_FIELD
    try:
        return get_kind(layer).people_field
    except UnknownKindError:
        return None
_COLUMNS = ["layer", "id", "name", "township", "people", "x_m", "y_m"]


def _text(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    col = frame[name].astype(object)
    return col.where(col.notna(), None).to_numpy(dtype=object)


def metric_xy(frame: gpd.GeoDataFrame, metric_crs: str) -> np.ndarray:
    """(n, 2) metric coordinates of point geometries; NaN where the geometry is missing."""
    if len(frame) == 0:
        return np.empty((0, 2))
    geom = frame.geometry
    if geom.crs is not None and not geom.crs.equals(metric_crs):
        geom = geom.to_crs(metric_crs)
    ok = geom.notna().to_numpy() & ~geom.is_empty.to_numpy()
    xy = np.full((len(frame), 2), np.nan)
    xy[ok, 0], xy[ok, 1] = geom[ok].x.to_numpy(), geom[ok].y.to_numpy()
    return xy


def site_table(layer: str, frame: gpd.GeoDataFrame, metric_crs: str) -> pd.DataFrame:
    """One row per site: ``layer, id, name, township, people, x_m, y_m`` (index 0..n-1).

    >>> import shapely
    >>> f = gpd.GeoDataFrame({"id": ["A"], "name": ["甲"], "township": ["桂溪街道"], "occupants": [12]},
    ...                      geometry=[shapely.Point(500000, 3350000)], crs="EPSG:4545")
    >>> t = site_table(VILLAGE, f.rename(columns={"occupants": "population"}), "EPSG:4545")
    >>> t[["layer", "id", "township"]].iloc[0].tolist(), float(t["people"][0]), float(t["x_m"][0])
    (['village', 'A', '桂溪街道'], 12.0, 500000.0)
    """
    xy = metric_xy(frame, metric_crs)
    pfield = people_field(layer)
    people = (
        pd.to_numeric(frame[pfield], errors="coerce").fillna(0).to_numpy(dtype="float64")
        if pfield and pfield in frame.columns
        else np.zeros(len(frame))
    )
    ident = frame["id"] if "id" in frame.columns else frame["code"]
    return pd.DataFrame(
        {
            "layer": layer,
            "id": ident.astype(str).to_numpy(),
            "name": _text(frame, "name"),
            "township": _text(frame, "township"),
            "people": people,
            "x_m": xy[:, 0],
            "y_m": xy[:, 1],
        },
        columns=_COLUMNS,
    )


def active_sites(layer: str | LayerKind, frame: gpd.GeoDataFrame, rules: Rules) -> gpd.GeoDataFrame:
    """The sites that take part in the model: those whose status is not in ``<layer>.exclude_status``
    (e.g. geohazards written off, 已核销). ``layer`` is a layer id or its kind."""
    kind = layer if isinstance(layer, LayerKind) else None
    excluded = rules.excluded_status(kind.id if kind else str(layer))
    if not excluded:
        return frame
    status = (kind or get_kind(str(layer))).status_field
    if status and status in frame.columns:
        frame = frame[~frame[status].isin(excluded)]
    return frame


active_hazards = active_sites  # the name the exposure code knows it by


def workspace_sites(ws, layers=ELEMENT_LAYERS) -> pd.DataFrame:
    """All sites of the given layers (``village`` = the villages base layer), stacked."""
    parts = []
    for layer in layers:
        frame = ws.villages if layer == VILLAGE else ws.layers.get(layer)
        if frame is not None and len(frame):
            parts.append(site_table(layer, frame, ws.metric_crs))
    if not parts:
        return pd.DataFrame({c: [] for c in _COLUMNS})
    return pd.concat(parts, ignore_index=True)
