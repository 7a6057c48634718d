"""Exposure: every (hazard, element) pair within the hazard's watch radius, exactly.

Distances are point-to-point metres in the metric CRS (EPSG:4545), found in one vectorised
query per hazard layer with a radius per site (:func:`pairs_within`, a numpy grid hash); no
polygon buffer is used anywhere in the counting path. Elements are every other registry's
sites and the villages (an element layer never pairs with its own hazard layer).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.kinds import get_kind
from riskmodel._pairs import distance_m, pairs_within
from riskmodel.rings import classify_ring, hazard_radii
from riskmodel.rules import HAZARD_LAYERS, Rules, load_rules
from riskmodel.sites import active_hazards, site_table, workspace_sites

__all__ = ["PAIR_COLUMNS", "distance_m", "exposure_pairs", "hazard_table", "pairs_frame", "pairs_within"]

PAIR_COLUMNS = ["hazard_layer", "hazard_id", "element_layer", "element_id", "distance_m", "ring"]
_MORE_COLUMNS = [
    "hazard_name",
    "hazard_township",
    "element_name",
    "element_township",
    "people",
    "danger_radius_m",
    "watch_radius_m",
]


def hazard_table(ws, rules: Rules) -> pd.DataFrame:
    """Every active hazard site with its rings: site columns plus the three radius columns."""
    parts = []
    for layer in HAZARD_LAYERS:
        frame = ws.layers.get(layer)
        if frame is None or not len(frame):
            continue
        frame = active_hazards(layer, frame, rules)
        sites = site_table(layer, frame, ws.metric_crs)
        radii = hazard_radii(layer, frame, rules).reset_index(drop=True)
        spec = get_kind(layer).hazard
        threatened = spec.threatened_field if spec else None
        sites["threatened_people"] = (
            pd.to_numeric(frame[threatened], errors="coerce").fillna(0.0).to_numpy(dtype="float64")
            if threatened and threatened in frame
            else 0.0
        )
        parts.append(pd.concat([sites, radii], axis=1))
    if not parts:
        cols = [
            "layer",
            "id",
            "name",
            "township",
            "people",
            "x_m",
            "y_m",
            "threatened_people",
            "danger_radius_m",
            "watch_radius_m",
            "radius_source",
        ]
        return pd.DataFrame({c: [] for c in cols})
    return pd.concat(parts, ignore_index=True)


def _layer_pairs(hz: pd.DataFrame, el: pd.DataFrame, radius: str, finder=pairs_within) -> pd.DataFrame:
    hi, ei, d = finder(
        hz[["x_m", "y_m"]].to_numpy(), hz[radius].to_numpy(), el[["x_m", "y_m"]].to_numpy()
    )
    h, e = hz.iloc[hi], el.iloc[ei]
    danger, watch = h["danger_radius_m"].to_numpy(), h["watch_radius_m"].to_numpy()
    return pd.DataFrame(
        {
            "hazard_layer": h["layer"].to_numpy(),
            "hazard_id": h["id"].to_numpy(),
            "element_layer": e["layer"].to_numpy(),
            "element_id": e["id"].to_numpy(),
            "distance_m": d,
            "ring": classify_ring(d, danger, watch),
            "hazard_name": h["name"].to_numpy(),
            "hazard_township": h["township"].to_numpy(),
            "element_name": e["name"].to_numpy(),
            "element_township": e["township"].to_numpy(),
            "people": e["people"].to_numpy(),
            "danger_radius_m": danger,
            "watch_radius_m": watch,
            "query_radius_m": h[radius].to_numpy(),
        }
    )


def pairs_frame(
    hazards: pd.DataFrame, elements: pd.DataFrame, *, radius: str = "watch_radius_m", finder=None
) -> pd.DataFrame:
    """Pairs between a hazard table and an element table, one grid query per hazard layer.

    Elements of the hazard's own layer are skipped. ``finder`` replaces :func:`pairs_within` (same
    signature and result), e.g. the Dask engine of :mod:`riskmodel.distributed`. Sorted by hazard layer, hazard id, distance.
    """
    parts = []
    for layer in pd.unique(hazards["layer"]):
        hz = hazards[hazards["layer"] == layer]
        el = elements[elements["layer"] != layer]
        if len(hz) and len(el):
            parts.append(_layer_pairs(hz, el, radius, finder or pairs_within))
    if not parts:
        return pd.DataFrame({c: [] for c in [*PAIR_COLUMNS, *_MORE_COLUMNS, "query_radius_m"]})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(
        ["hazard_layer", "hazard_id", "distance_m", "element_layer", "element_id"],
        kind="stable",
        ignore_index=True,
    )


def exposure_pairs(ws, rules: Rules | None = None) -> pd.DataFrame:
    """Every (hazard, element) pair with ``distance_m ≤`` the hazard's watch radius (SPEC §6 pairs.csv).

    Columns: ``hazard_layer, hazard_id, element_layer, element_id, distance_m, ring`` (``danger``:
    d ≤ R, ``watch``: R < d ≤ W), then ``hazard_name, hazard_township, element_name,
    element_township, people, danger_radius_m, watch_radius_m``. An empty workspace gives an
    empty frame with these columns.
    """
    rules = rules or load_rules(ws.config)
    return pairs_frame(hazard_table(ws, rules), workspace_sites(ws)).drop(columns="query_radius_m")


def brute_force_pairs(hazard_xy_m, radius_m, element_xy_m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference implementation (all n × m distances) for tests and the bench's sample check."""
    h = np.asarray(hazard_xy_m, dtype="float64").reshape(-1, 2)
    e = np.asarray(element_xy_m, dtype="float64").reshape(-1, 2)
    r = np.broadcast_to(np.asarray(radius_m, dtype="float64"), (h.shape[0],))
    d = distance_m(e[None, :, 0] - h[:, None, 0], e[None, :, 1] - h[:, None, 1])
    hi, ei = np.nonzero(d <= r[:, None])
    return hi, ei, d[hi, ei]
