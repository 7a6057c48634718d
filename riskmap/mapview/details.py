"""What the site-details panel shows, as plain data (no streamlit): every field under its Chinese
label, what lies in the site's rings (or whose rings it lies in), and its nearest usable shelter."""

from __future__ import annotations

import pandas as pd

from layers.kinds import get_kind
from riskmap.mapview.encode import display_value

__all__ = ["RING_ZH", "find_site", "ring_contents", "site_fields"]

RING_ZH = {"danger": "危险区（内圈）", "watch": "关注区（外圈）"}
_ELEMENT_ZH = {"village": "村(社区)"}


def find_site(layers: dict, layer_id: str, site_id: str) -> pd.Series | None:
    frame = layers.get(layer_id)
    if frame is None:
        return None
    hit = frame[frame["id"].astype(str) == str(site_id)]
    return hit.iloc[0] if len(hit) else None


def site_fields(row: pd.Series, layer_id: str) -> list[tuple[str, str]]:
    """(Chinese header, shown value) for every field of the kind, then the location.

    >>> import pandas as pd, shapely
    >>> r = pd.Series({"id": "BN1", "name": "<b>", "indoor": True, "geometry": shapely.Point(107.3, 30.3)})
    >>> from layers.kinds import refuge_kinds
    >>> site_fields(r, refuge_kinds()[0].id)[:2]
    [('编号', 'BN1'), ('名称', '<b>')]
    """
    kind = get_kind(layer_id)
    out = [(f.header, display_value(row.get(f.name))) for f in kind.table_fields]
    geom = row.get("geometry")
    if geom is not None and not geom.is_empty:
        out.append(("经纬度(WGS 84)", f"{geom.x:.6f}, {geom.y:.6f}"))
    return out


def _label(layer: str) -> str:
    return _ELEMENT_ZH.get(layer) or get_kind(layer).label


def ring_contents(pairs: pd.DataFrame, layer_id: str, site_id: str) -> tuple[str, pd.DataFrame]:
    """("hazard"|"element", table): what lies in this hazard's rings, or whose rings this site lies in.

    Table columns (Chinese): 图层, 编号, 名称, 距离(m), 圈层 — nearest first.
    """
    cols = ["图层", "编号", "名称", "距离(m)", "圈层"]
    if pairs is None or not len(pairs):
        return "hazard", pd.DataFrame(columns=cols)
    own = pairs[(pairs["hazard_layer"] == layer_id) & (pairs["hazard_id"].astype(str) == str(site_id))]
    role, prefix = "hazard", "element"
    if not len(own):
        own = pairs[(pairs["element_layer"] == layer_id) & (pairs["element_id"].astype(str) == str(site_id))]
        role, prefix = "element", "hazard"
    own = own.sort_values("distance_m")
    table = pd.DataFrame(
        {
            "图层": [_label(v) for v in own[f"{prefix}_layer"]],
            "编号": own[f"{prefix}_id"].astype(str).to_numpy(),
            "名称": own.get(f"{prefix}_name", pd.Series([""] * len(own))).astype(str).to_numpy(),
            "距离(m)": own["distance_m"].round(0).to_numpy(),
            "圈层": [RING_ZH.get(r, r) for r in own["ring"]],
        }
    )
    return role, table
