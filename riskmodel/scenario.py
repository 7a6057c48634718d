"""Flood and warning scenario: depths at every site and village, the township table, actions, KPIs.

Depth classes (SPEC §4, ``min < d ≤ max``): 0 → 未淹没; ≤ 0.15 m 注意; 0.15–0.5 低; 0.5–1.5 中;
> 1.5 m 高. Override the breaks in ``workspace.toml``::

    [rules.flood]
    depth_breaks_m = [0.15, 0.5, 1.5]

KPIs: people exposed = population of the villages whose point is flooded (depth > 0); sites
flooded = sites with depth > 0; shelters unusable = flooded shelters; ferries to stop = operating
ferries that are flooded or whose township has a stop-ferry warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio.io import DatasetReader

from layers.kinds import LAYER_KINDS
from layers.labels import VILLAGE_LAYER
from layers.outputs import write_output
from layers.tabular import csv_bytes
from riskmodel.analysis import unsafe_shelters
from riskmodel.context import ModelContext, refuge_layer
from riskmodel.errors import RuleConfigError
from riskmodel.flood import flooded_area_by_township, sample_depths
from riskmodel.warning import ACTION_COLUMNS, WarningColor, action_rules, warning_actions

__all__ = [
    "DEFAULT_DEPTH_BREAKS_M",
    "SITE_DEPTH_COLUMNS",
    "DepthClass",
    "ScenarioResult",
    "classify_depths",
    "depth_breaks",
    "run_scenario",
    "write_outputs",
]

SITE_DEPTH_COLUMNS = ("layer", "id", "township", "depth_m", "depth_class")
DEFAULT_DEPTH_BREAKS_M: tuple[float, float, float] = (0.15, 0.5, 1.5)


class DepthClass(StrEnum):
    """Flood-depth class of a site (values are the stored Chinese text)."""

    DRY = "未淹没"
    WATCH = "注意"
    LOW = "低"
    MEDIUM = "中"
    HIGH = "高"


def depth_breaks(config: dict | None = None) -> tuple[float, float, float]:
    """Upper bounds (m) of 注意/低/中 from ``[rules.flood] depth_breaks_m`` or the defaults."""
    raw = (((config or {}).get("rules", {}) or {}).get("flood", {}) or {}).get("depth_breaks_m")
    if raw is None:
        return DEFAULT_DEPTH_BREAKS_M
    try:
        values = tuple(float(v) for v in raw)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 3 or not (0 < values[0] < values[1] < values[2]):
        raise RuleConfigError(
            f"workspace.toml [rules.flood] depth_breaks_m = {raw!r} 无效；"
            "应为三个递增的正数（米），如 [0.15, 0.5, 1.5]"
        )
    return values


def classify_depths(depth_m, breaks=DEFAULT_DEPTH_BREAKS_M) -> np.ndarray:
    """Depth class per depth (``min < d ≤ max``; ≤ 0 or NaN → 未淹没).

    >>> classify_depths([0, 0.15, 0.16, 0.5, 1.5, 1.51, float("nan")]).tolist()
    ['未淹没', '注意', '低', '低', '中', '高', '未淹没']
    """
    d = np.nan_to_num(np.asarray(depth_m, dtype="float64"), nan=0.0)
    labels = np.array([DepthClass.WATCH, DepthClass.LOW, DepthClass.MEDIUM, DepthClass.HIGH], dtype=object)
    out = labels[np.searchsorted(np.asarray(breaks, dtype="float64"), d, side="left")]
    out[d <= 0] = DepthClass.DRY
    return np.array([str(v) for v in out], dtype=object)


@dataclass
class ScenarioResult:
    """Everything a scenario produces; frames are ready to write or show."""

    site_depths: pd.DataFrame
    townships: pd.DataFrame
    actions: pd.DataFrame
    summary: dict
    warnings: dict[str, WarningColor] = field(default_factory=dict)
    sites: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)


def run_scenario(
    ws,
    depth: DatasetReader | None,
    warnings: dict[str, WarningColor] | None = None,
    *,
    source: str = "",
    context: ModelContext | None = None,
) -> ScenarioResult:
    """Run a flood (``depth`` raster, or no flood when None) and warning scenario on a workspace.

    ``context`` (the model context of ``ws``, e.g. the app's cached one) gives the unsafe shelters
    without re-deriving sites, hazards and safety.
    """
    warnings = dict(warnings or {})
    breaks = depth_breaks(ws.config)
    sites = _sites_with_depths(ws, depth)
    refuge = refuge_layer()
    if refuge in sites:
        unsafe = unsafe_shelters(context if context is not None else ws)
        sites[refuge]["unsafe_reason"] = [unsafe.get(str(i), "") for i in sites[refuge]["id"]]
    site_depths = _site_depth_table(sites, breaks)
    areas = _flooded_areas(ws, depth)
    actions = warning_actions(
        {k: v for k, v in sites.items() if k != VILLAGE_LAYER},
        warnings,
        rules=action_rules(ws.config),
        metric_crs=ws.metric_crs,
    )
    townships = _township_table(ws, sites, areas, actions, warnings)
    summary = _summary(townships, sites, source, warnings)
    return ScenarioResult(site_depths, townships, actions, summary, warnings, sites)


def _point_frames(ws) -> dict[str, gpd.GeoDataFrame]:
    frames = {k.id: ws.layers[k.id] for k in LAYER_KINDS if k.id in ws.layers}
    villages = ws.villages.rename(columns={"code": "id"}).copy()
    villages["id"] = villages["id"].astype(str)
    frames[VILLAGE_LAYER] = villages
    return frames


def _sites_with_depths(ws, depth: DatasetReader | None) -> dict[str, gpd.GeoDataFrame]:
    """Every registry site and village with ``depth_m`` (0 when dry, outside the raster or nodata)."""
    frames = _point_frames(ws)
    lon = np.concatenate([f.geometry.x.to_numpy() for f in frames.values()]) if frames else np.empty(0)
    lat = np.concatenate([f.geometry.y.to_numpy() for f in frames.values()]) if frames else np.empty(0)
    values = sample_depths(depth, lon, lat) if depth is not None else np.zeros(lon.size)
    values = np.clip(np.nan_to_num(values, nan=0.0), 0.0, None)
    out, start = {}, 0
    for lid, frame in frames.items():
        frame = frame.copy()
        frame["depth_m"] = values[start : start + len(frame)]
        start += len(frame)
        out[lid] = frame
    return out


def _site_depth_table(sites: dict[str, gpd.GeoDataFrame], breaks) -> pd.DataFrame:
    parts = []
    for lid, frame in sites.items():
        parts.append(
            pd.DataFrame(
                {
                    "layer": lid,
                    "id": frame["id"].astype(str).to_numpy(),
                    "township": frame["township"].fillna("").astype(str).to_numpy(),
                    "depth_m": frame["depth_m"].round(3).to_numpy(),
                    "depth_class": classify_depths(frame["depth_m"].to_numpy(), breaks),
                    "name": frame["name"].astype(str).to_numpy(),
                }
            )
        )
    return (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*SITE_DEPTH_COLUMNS, "name"])
    )


def _flooded_areas(ws, depth: DatasetReader | None) -> pd.DataFrame:
    if depth is None:
        return pd.DataFrame(
            {"name": ws.townships["name"].astype(str), "flooded_area_m2": 0.0, "max_depth_m": 0.0}
        )
    return flooded_area_by_township(depth, ws.townships, metric_crs=ws.metric_crs, channel=ws.river)


def _count_by_township(frame: pd.DataFrame, mask, weights=None) -> pd.Series:
    sel = frame[np.asarray(mask, dtype=bool)]
    if weights is None:
        return sel.groupby("township").size()
    return pd.to_numeric(sel[weights], errors="coerce").fillna(0).groupby(sel["township"]).sum()


def _ferries_to_stop(sites, actions: pd.DataFrame, rules) -> pd.DataFrame:
    """Sites of the ``stop_ferry`` action's layer that its filter selects (operating) and that are
    flooded or in a township warned enough to stop them."""
    rule = next((r for r in rules if r.key == "stop_ferry"), None)
    ferries = sites.get(rule.layer) if rule is not None else None
    if rule is None or ferries is None or ferries.empty:
        return pd.DataFrame(columns=["id", "township"])
    operating = np.ones(len(ferries), dtype=bool)
    for name, allowed in rule.where:
        if name in ferries.columns:
            operating &= ferries[name].fillna("").astype(str).isin(allowed).to_numpy()
    warned = ferries["id"].isin(actions.loc[actions["key"] == rule.key, "id"]).to_numpy()
    return ferries[operating & ((ferries["depth_m"].to_numpy() > 0) | warned)]


def _township_table(ws, sites, areas, actions, warnings) -> pd.DataFrame:
    t = pd.DataFrame(
        {
            "code": ws.townships["code"].astype(str).to_numpy(),
            "name": ws.townships["name"].astype(str).to_numpy(),
        }
    )
    t["warning"] = t["name"].map(lambda n: warnings[n].value if n in warnings else "")
    t = t.merge(areas, on="name", how="left")
    area_m2 = ws.townships.to_crs(ws.metric_crs).area.to_numpy()
    t["flooded_share"] = np.where(area_m2 > 0, t["flooded_area_m2"].to_numpy() / area_m2, 0.0)
    villages = sites[VILLAGE_LAYER]
    t["people_exposed"] = t["name"].map(_count_by_township(villages, villages["depth_m"] > 0, "population"))
    for lid, frame in sites.items():
        t[f"flooded_{lid}"] = t["name"].map(_count_by_township(frame, frame["depth_m"] > 0))
    t["shelters_unusable"] = t.get(f"flooded_{refuge_layer()}", 0)
    stop = _ferries_to_stop(sites, actions, action_rules(ws.config))
    t["ferries_to_stop"] = t["name"].map(stop.groupby("township").size())
    evac = actions[actions["key"] == "evacuate"].groupby("township")["people"].sum()
    over = actions[actions["key"] == "evacuate_overflow"].groupby("township")["people"].sum()
    t["evacuate_people"], t["overflow_people"] = t["name"].map(evac), t["name"].map(over)
    t["actions"] = t["name"].map(actions.groupby("township").size())
    counts = [
        c
        for c in t.columns
        if c not in ("code", "name", "warning", "flooded_area_m2", "max_depth_m", "flooded_share")
    ]
    t = t.fillna(0.0)
    t[counts] = t[counts].astype("int64")
    return _sort_by_severity(t)


def _sort_by_severity(t: pd.DataFrame) -> pd.DataFrame:
    """Most severe first: warning colour, then people exposed, flooded area, code."""
    rank = t["warning"].map(lambda w: WarningColor(w).rank if w else 0)
    t = t.assign(severity=rank).sort_values(
        ["severity", "people_exposed", "flooded_area_m2", "code"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    return t.reset_index(drop=True)


def _summary(townships: pd.DataFrame, sites, source: str, warnings) -> dict:
    flooded = {lid: int((f["depth_m"] > 0).sum()) for lid, f in sites.items()}
    return {
        "source": source,
        "people_exposed": int(townships["people_exposed"].sum()),
        "sites_flooded": flooded,
        "shelters_unusable": int(townships["shelters_unusable"].sum()),
        "ferries_to_stop": int(townships["ferries_to_stop"].sum()),
        "evacuate_people": int(townships["evacuate_people"].sum()),
        "overflow_people": int(townships["overflow_people"].sum()),
        "flooded_area_m2": float(townships["flooded_area_m2"].sum()),
        "max_depth_m": float(max((f["depth_m"].max() for f in sites.values() if len(f)), default=0.0)),
        "warnings": {name: c.value for name, c in sorted(warnings.items(), key=lambda kv: -kv[1].rank)},
        "actions": int(townships["actions"].sum()),
    }


# ---------------------------------------------------------------- output files


def township_csv_frame(result: ScenarioResult) -> pd.DataFrame:
    """The township table with ``code, name`` first and rounded areas/depths (totals stay unrounded)."""
    t = result.townships.copy()
    t["flooded_area_m2"] = t["flooded_area_m2"].round(1)
    t["flooded_share"] = t["flooded_share"].round(5)
    t["max_depth_m"] = t["max_depth_m"].round(3)
    return t


def write_outputs(
    result: ScenarioResult,
    out_dir,
    *,
    briefing: tuple[bytes, bytes] | None = None,
    depth_tiff: bytes | None = None,
) -> dict[str, str]:
    """Write ``site_depths.csv``, ``townships.csv``, ``actions.csv`` (+ briefing, depth raster) atomically."""
    out_dir = Path(out_dir)
    files = {
        "site_depths": ("site_depths.csv", csv_bytes(result.site_depths[list(SITE_DEPTH_COLUMNS)])),
        "townships": ("townships.csv", csv_bytes(township_csv_frame(result))),
        "actions": ("actions.csv", actions_csv_bytes(result)),
    }
    if depth_tiff is not None:
        files["depth_raster"] = ("depth.tif", depth_tiff)
    if briefing is not None:
        files["briefing_pdf"], files["briefing_png"] = (
            ("briefing.pdf", briefing[0]),
            ("briefing.png", briefing[1]),
        )
    for name, data in files.values():
        write_output(out_dir / name, data)
    return {key: str(out_dir / name) for key, (name, _) in files.items()}


def actions_csv_bytes(result: ScenarioResult) -> bytes:
    """``actions.csv`` as the CLI writes it and the briefing names it (the page offers the same bytes)."""
    return csv_bytes(result.actions[[*ACTION_COLUMNS, "name", "people"]])


