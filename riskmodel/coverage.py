"""Coverage: nearest usable shelter, shelter load against capacity, forest outside fire-pool reach.

A shelter is usable when its ``status`` is in ``shelter.usable_status`` (可用) and no rule in
``shelter.unusable_rules`` flags it (inside a geohazard danger zone or a flood-spot zone,
FACTS §4.1: an unsafe site gives no coverage). Distances and counts are exact point distances;
the forest figure is an AREA, so it is computed by polygon difference (forest minus pool disks).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from layers.kinds import LayerKind, Role
from riskmodel._pairs import distance_m, pairs_within
from riskmodel.rules import Rules
from riskmodel.sites import VILLAGE, active_sites, metric_xy

__all__ = [
    "RESOURCE_COVERAGE_COLUMNS",
    "forest_coverage",
    "nearest_shelter",
    "resource_coverage",
    "service_radius_m",
    "shelter_capacity",
    "shelter_load",
    "usable_mask",
]
RESOURCE_COVERAGE_COLUMNS = ["layer", "id", "township", "people", "covered"]

_NEAREST_COLUMNS = [
    "shelter_id",
    "shelter_name",
    "shelter_class",
    "distance_m",
    "service_radius_m",
    "covered",
    "covered_any",
]


def usable_mask(shelters: pd.DataFrame, rules: Rules, unusable_ids=()) -> np.ndarray:
    """True for shelters whose status is usable and whose id is not flagged unsafe."""
    status_ok = shelters["status"].isin(rules.get("shelter.usable_status")) if "status" in shelters else True
    ids = shelters["id"].astype(str)
    return (np.asarray(status_ok) & ~ids.isin([str(i) for i in unusable_ids])).to_numpy(dtype=bool)


def _service_radius(shelters: pd.DataFrame, rules: Rules) -> np.ndarray:
    table = rules.shelter_radius_m
    cls = shelters["shelter_class"] if "shelter_class" in shelters else pd.Series([None] * len(shelters))
    return cls.map(lambda c: table.get(str(c), np.nan)).to_numpy(dtype="float64")


def _empty_nearest(n: int, index) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "shelter_id": None,
            "shelter_name": None,
            "shelter_class": None,
            "distance_m": np.nan,
            "service_radius_m": np.nan,
            "covered": False,
            "covered_any": False,
        },
        index=range(n),
        columns=_NEAREST_COLUMNS,
    )
    out.index = index
    return out


def nearest_shelter(
    points: gpd.GeoDataFrame,
    shelters: gpd.GeoDataFrame,
    rules: Rules,
    metric_crs: str,
    *,
    unusable_ids=(),
    points_xy: np.ndarray | None = None,
    shelters_xy: np.ndarray | None = None,
) -> pd.DataFrame:
    """Nearest usable shelter of every point, aligned to ``points``.

    Columns: ``shelter_id, shelter_name, shelter_class, distance_m, service_radius_m``;
    ``covered`` — inside that nearest shelter's service radius (by its class);
    ``covered_any`` — inside the service radius of at least one usable shelter (a farther
    固定 shelter may cover a point its nearest 紧急 shelter does not). Points with no location,
    or no usable shelter at all, get NaN distance and ``covered = False``.
    ``points_xy`` / ``shelters_xy`` are their metric coordinates when already projected (the
    model context's), aligned with the frames.
    """
    out = _empty_nearest(len(points), points.index)
    mask = usable_mask(shelters, rules, unusable_ids) if len(shelters) else np.zeros(0, dtype=bool)
    usable = shelters[mask] if len(shelters) else shelters
    sxy = metric_xy(usable, metric_crs) if shelters_xy is None else np.asarray(shelters_xy)[mask]
    pxy = metric_xy(points, metric_crs) if points_xy is None else np.asarray(points_xy)
    sok, pok = np.isfinite(sxy).all(axis=1), np.flatnonzero(np.isfinite(pxy).all(axis=1))
    usable, sxy = usable[sok], sxy[sok]
    if len(usable) == 0 or pok.size == 0:
        return out
    _, nearest = cKDTree(sxy).query(pxy[pok], k=1)
    radius = _service_radius(usable, rules)
    d = distance_m(pxy[pok, 0] - sxy[nearest, 0], pxy[pok, 1] - sxy[nearest, 1])
    rows = out.index[pok]
    out.loc[rows, "shelter_id"] = usable["id"].astype(str).to_numpy()[nearest]
    out.loc[rows, "shelter_name"] = usable["name"].to_numpy()[nearest]
    out.loc[rows, "shelter_class"] = usable["shelter_class"].to_numpy()[nearest]
    out.loc[rows, "distance_m"] = d
    out.loc[rows, "service_radius_m"] = radius[nearest]
    out.loc[rows, "covered"] = d <= radius[nearest]
    _, covered, _ = pairs_within(sxy, radius, pxy)
    out.iloc[np.unique(covered), out.columns.get_loc("covered_any")] = True
    out["covered"] = out["covered"].astype(bool)
    return out.astype({"distance_m": "float64", "service_radius_m": "float64"})


def shelter_capacity(shelters: pd.DataFrame, rules: Rules) -> np.ndarray:
    """``capacity_people``; where missing, ``effective_area_m2`` / per-capita area of the class."""
    per = rules.table("shelter.area_per_person_m2")
    cap = pd.to_numeric(shelters.get("capacity_people"), errors="coerce")
    area = pd.to_numeric(shelters.get("effective_area_m2"), errors="coerce")
    per_cap = shelters.get("shelter_class", pd.Series([None] * len(shelters))).map(
        lambda c: per.get(str(c), np.nan)
    )
    derived = np.floor(area.to_numpy(dtype="float64") / per_cap.to_numpy(dtype="float64"))
    cap = cap.to_numpy(dtype="float64") if cap is not None else np.full(len(shelters), np.nan)
    return np.nan_to_num(np.where(np.isfinite(cap), cap, derived), nan=0.0)


def shelter_load(
    shelters: gpd.GeoDataFrame,
    villages_nearest: pd.DataFrame,
    village_people,
    rules: Rules,
    unusable: dict[str, str],
) -> pd.DataFrame:
    """Per shelter: usable or why not, capacity, people assigned (villages whose nearest it is), overflow.

    ``unusable`` maps a shelter id to the reason it is unsafe (rule label); status is checked here.
    """
    ids = shelters["id"].astype(str).to_numpy()
    usable = usable_mask(shelters, rules, unusable)
    status = shelters["status"] if "status" in shelters else pd.Series([None] * len(shelters))
    reason = [
        ("" if ok else unusable.get(i) or f"状态为“{s}”")
        for i, ok, s in zip(ids, usable, status, strict=True)
    ]
    people = pd.Series(np.asarray(village_people, dtype="float64"), index=villages_nearest.index)
    assigned = people.groupby(villages_nearest["shelter_id"]).sum()
    cap = shelter_capacity(shelters, rules)
    got = assigned.reindex(ids).fillna(0.0).to_numpy()
    return pd.DataFrame(
        {
            "id": ids,
            "name": shelters["name"].to_numpy(),
            "township": shelters["township"].to_numpy(),
            "shelter_class": shelters["shelter_class"].to_numpy(),
            "status": status.to_numpy(),
            "usable": usable,
            "unusable_reason": reason,
            "capacity_people": cap,
            "assigned_people": got,
            "overflow_people": np.maximum(got - cap, 0.0),
        }
    )


def _disks(pools: gpd.GeoDataFrame, radius_m: float, metric_crs: str):
    xy = metric_xy(pools, metric_crs)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if xy.size == 0 or radius_m <= 0:
        return shapely.Polygon()
    return shapely.union_all(shapely.buffer(shapely.points(xy), radius_m, quad_segs=64))


def forest_coverage(
    forest: gpd.GeoDataFrame | None,
    pools: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
    rules: Rules,
    metric_crs: str,
) -> pd.DataFrame:
    """Forest area per township and the part outside every fire pool's radius, in km².

    Columns (aligned to ``townships``): ``forest_km2``, ``forest_uncovered_km2`` (pools whose
    status is in ``fire_pool.covering_status``, i.e. 已建), ``forest_uncovered_all_pools_km2``
    (if every planned pool were built). No forest layer gives zeros.
    """
    cols = ["forest_km2", "forest_uncovered_km2", "forest_uncovered_all_pools_km2"]
    out = pd.DataFrame(0.0, index=townships.index, columns=cols)
    if forest is None or len(forest) == 0:
        return out
    wood = shapely.union_all(forest.to_crs(metric_crs).geometry.values)
    radius = rules.fire_pool_radius_m
    built = pools[pools["status"].isin(rules.get("fire_pool.covering_status"))] if len(pools) else pools
    pieces = {
        "forest_km2": wood,
        "forest_uncovered_km2": wood.difference(_disks(built, radius, metric_crs)),
        "forest_uncovered_all_pools_km2": wood.difference(_disks(pools, radius, metric_crs)),
    }
    towns = townships.to_crs(metric_crs).geometry.values
    for col, geom in pieces.items():
        out[col] = shapely.area(shapely.intersection(towns, geom)) / 1e6
    return out


def service_radius_m(kind: LayerKind, frame: pd.DataFrame, rules: Rules) -> np.ndarray:
    """Service radius of every site of a resource kind (its :class:`~layers.kinds.ServiceRule`).

    ``<id>.service_radius_m.<by_field value>`` (or the one ``<id>.service_radius_m``), a positive
    ``site_radius_field`` value winning; NaN where no rule applies.
    """
    spec = kind.service
    n = len(frame)
    if spec is None:
        return np.full(n, np.nan)
    if spec.by_field:
        table = rules.table(f"{kind.id}.service_radius_m")
        col = frame[spec.by_field] if spec.by_field in frame else pd.Series([None] * n, index=frame.index)
        radius = col.map(lambda c: table.get(str(c), np.nan)).to_numpy(dtype="float64")
    else:
        radius = np.full(n, float(rules.values.get(f"{kind.id}.service_radius_m", np.nan)))
    if spec.site_radius_field and spec.site_radius_field in frame:
        given = pd.to_numeric(frame[spec.site_radius_field], errors="coerce").to_numpy(dtype="float64")
        radius = np.where(np.isfinite(given) & (given > 0), given, radius)
    return radius


def resource_coverage(ctx, kinds) -> pd.DataFrame:
    """Villages within reach of the plain people-serving resources (no capacity; e.g. 应急资源).

    One row per (resource layer, village): ``layer`` (the resource kind), ``id`` (village code),
    ``township``, ``people``, ``covered`` (inside the service radius of at least one of that
    layer's active sites). Shelters (a capacity: load and nearest) and forest resources are not here.
    """
    parts = []
    villages = ctx.layer_sites(VILLAGE)
    vxy = villages[["x_m", "y_m"]].to_numpy(dtype="float64")
    vok = np.flatnonzero(np.isfinite(vxy).all(axis=1))
    for kind in kinds:
        spec = kind.service
        if not kind.has(Role.RESOURCE) or spec is None or spec.covers != "people" or spec.capacity_field:
            continue
        frame = ctx.ws.layers.get(kind.id)
        covered = np.zeros(len(villages), dtype=bool)
        if frame is not None and len(frame):
            frame = frame.reset_index(drop=True)
            active = active_sites(kind, frame, ctx.rules)
            rxy = ctx.layer_xy(kind.id)[active.index.to_numpy()]
            radius = service_radius_m(kind, active, ctx.rules)
            ok = np.isfinite(rxy).all(axis=1) & np.isfinite(radius)
            if ok.any() and vok.size:
                _, hit, _ = pairs_within(rxy[ok], radius[ok], vxy[vok])
                covered[vok[np.unique(hit)]] = True
        parts.append(
            pd.DataFrame(
                {
                    "layer": kind.id,
                    "id": villages["id"].to_numpy(),
                    "township": villages["township"].to_numpy(),
                    "people": villages["people"].to_numpy(),
                    "covered": covered,
                },
                columns=RESOURCE_COVERAGE_COLUMNS,
            )
        )
    if not parts:
        return pd.DataFrame({c: [] for c in RESOURCE_COVERAGE_COLUMNS})
    return pd.concat(parts, ignore_index=True)
