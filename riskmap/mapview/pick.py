"""Which site was clicked: map the click reported by the map component back to a site."""

from __future__ import annotations

import numpy as np
import shapely

from layers.coords import wgs84_to_gcj02

__all__ = ["resolve_click"]

_TOLERANCE_DEG = 2e-6  # the runtime sends micro-degree coordinates


def resolve_click(
    sites: dict, clicked: dict | None, *, popup_text: str | None = None, gaode: bool = False
) -> tuple[str, str] | None:
    """(layer id, site id) at the clicked position, or None.

    ``clicked`` is ``{"lat": …, "lng": …}`` (streamlit-folium's ``last_object_clicked``; for a site
    marker it is the marker's own position). When several sites share the position, the one whose
    id appears in ``popup_text`` wins, else the first.

    >>> resolve_click({}, None) is None
    True
    """
    if not clicked or clicked.get("lat") is None:
        return None
    lat, lng = float(clicked["lat"]), float(clicked["lng"])
    hits = []
    for lid, frame in sites.items():
        if not len(frame):
            continue
        x, y = shapely.get_x(frame.geometry.values), shapely.get_y(frame.geometry.values)
        if gaode:
            x, y = wgs84_to_gcj02(x, y)
        near = np.flatnonzero((np.abs(x - lng) <= _TOLERANCE_DEG) & (np.abs(y - lat) <= _TOLERANCE_DEG))
        hits += [(lid, str(frame["id"].iloc[i])) for i in near]
    if popup_text:
        for hit in hits:
            if hit[1] in popup_text:
                return hit
    return hits[0] if hits else None
