"""The whole risk analysis of a workspace, and its output files (SPEC §6 ``riskmap analyze``).

``analyze_workspace`` runs, in order: sites and hazard rings → exposure pairs → safety-distance
violations → usable shelters (status and the ``shelter.unusable_rules``) → nearest-shelter
coverage and shelter load → forest outside fire-pool reach → per-hazard and per-element counts →
the township table and a summary. Objects in, objects out; ``write_outputs`` writes the CSV
files (UTF-8 with BOM, so that Excel opens them) and ``summary.json``, each atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.kinds import LAYER_KINDS, get_kind
from layers.store.io import atomic_write_bytes
from layers.store.workspace import empty_layer
from layers.tabular import csv_bytes
from riskmodel.aggregate import INDEX_INDICATORS, county_totals, township_table
from riskmodel.context import ModelContext, build_context, forest_layer, refuge_layer
from riskmodel.coverage import forest_coverage, nearest_shelter, resource_coverage, shelter_load
from riskmodel.exposure import PAIR_COLUMNS, pairs_frame
from riskmodel.rules import Rules
from riskmodel.sites import ELEMENT_LAYERS, PEOPLE_LAYERS, VILLAGE

__all__ = ["Analysis", "analyze_workspace", "risk_index_formula", "write_outputs"]

_INDICATOR_ZH = {
    "threatened_people": "地灾威胁人数",
    "exposed_people_danger": "危险区内人数（九小场所常驻人数+村人口）",
    "people_uncovered": "避难场所服务半径外人口",
    "capacity_deficit_people": "避难容量缺口",
    "violations": "安全距离违规数",
}
_INDICATOR_EN = {
    "threatened_people": "people threatened by geohazards",
    "exposed_people_danger": "people in danger rings (nine-small occupants + village population)",
    "people_uncovered": "population outside every usable shelter's radius",
    "capacity_deficit_people": "shelter capacity deficit",
    "violations": "safety-distance violations",
}
_HAZARD_COLUMNS = [
    "layer",
    "id",
    "township",
    "danger_radius_m",
    "watch_radius_m",
    "radius_source",
    "name",
    "threatened_people",
]


@dataclass
class Analysis:
    """Everything ``riskmap analyze`` writes; the 风险分析 page shows the same frames."""

    pairs: pd.DataFrame
    hazards: pd.DataFrame
    townships: pd.DataFrame
    coverage: pd.DataFrame
    violations: pd.DataFrame
    summary: dict
    shelters: pd.DataFrame = field(default_factory=pd.DataFrame)
    elements: pd.DataFrame = field(default_factory=pd.DataFrame)
    rules: pd.DataFrame = field(default_factory=pd.DataFrame)


def risk_index_formula(rules: Rules, lang: str = "zh") -> str:
    """The risk-index formula with the weights in force (shown in the app and summary.json); zh or en."""
    names, sep = (_INDICATOR_EN, "; ") if lang == "en" else (_INDICATOR_ZH, "、")
    terms = sep.join(f"{names[k]} {float(rules.get(f'risk_index.weight.{k}')):g}" for k in INDEX_INDICATORS)
    if lang == "en":
        return ("risk index = 100 × Σ w_k·(x_k ÷ max over townships of x_k) ÷ Σ w_k (0–100, relative within "
                f"the county); x_k and weight w_k: {terms}")
    return f"风险指数 = 100 × Σ w_k·(x_k ÷ 各乡镇 x_k 的最大值) ÷ Σ w_k（0–100，县内相对值）；x_k 与权重 w_k：{terms}"


def _layer(ws, layer_id: str) -> gpd.GeoDataFrame:
    frame = ws.layers.get(layer_id)
    return empty_layer(get_kind(layer_id)) if frame is None else frame


def _hazard_counts(hazards: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """hazards.csv: the ring columns, then per element layer and ring the number of sites, then people."""
    out = hazards[_HAZARD_COLUMNS].copy()
    key = pd.MultiIndex.from_frame(hazards[["layer", "id"]])
    for layer in ELEMENT_LAYERS:
        for ring in ("danger", "watch"):
            sel = pairs[(pairs["element_layer"] == layer) & (pairs["ring"] == ring)]
            n = sel.groupby(["hazard_layer", "hazard_id"]).size()
            out[f"{layer}_{ring}"] = n.reindex(key).fillna(0).to_numpy(dtype=np.int64)
    for ring in ("danger", "watch"):
        sel = pairs[pairs["ring"].eq(ring) & pairs["element_layer"].isin(PEOPLE_LAYERS)]
        out[f"people_{ring}"] = (
            sel.groupby(["hazard_layer", "hazard_id"])["people"].sum().reindex(key).fillna(0.0).to_numpy()
        )
    return out


def _element_counts(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per exposed element: how many hazards reach it (danger / watch) and which hazard layers."""
    cols = [
        "element_layer",
        "element_id",
        "element_name",
        "element_township",
        "people",
        "hazards_danger",
        "hazards_watch",
        "hazard_layers",
        "nearest_hazard_m",
    ]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    g = pairs.assign(d=pairs["ring"].eq("danger"), w=pairs["ring"].eq("watch")).groupby(
        ["element_layer", "element_id"], sort=True
    )
    out = g.agg(
        element_name=("element_name", "first"),
        element_township=("element_township", "first"),
        people=("people", "first"),
        hazards_danger=("d", "sum"),
        hazards_watch=("w", "sum"),
        hazard_layers=("hazard_layer", lambda s: ",".join(sorted(set(s)))),
        nearest_hazard_m=("distance_m", "min"),
    ).reset_index()
    return out[cols]


def _coverage(ctx: ModelContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    ws, rules, unusable = ctx.ws, ctx.rules, ctx.unsafe_shelters
    refuge = refuge_layer()
    shelters = _layer(ws, refuge)
    parts, village_near = [], None
    for layer in (VILLAGE, *(lid for lid in PEOPLE_LAYERS if lid != VILLAGE)):
        points = ws.villages if layer == VILLAGE else _layer(ws, layer)
        if points is None or not len(points):
            continue
        near = nearest_shelter(
            points, shelters, rules, ws.metric_crs, unusable_ids=unusable,
            points_xy=ctx.layer_xy(layer), shelters_xy=ctx.layer_xy(refuge),
        ).reset_index(drop=True)
        sites = ctx.layer_sites(layer)
        parts.append(pd.concat([sites[["layer", "id", "name", "township", "people"]], near], axis=1))
        village_near = parts[-1] if layer == VILLAGE else village_near
    coverage = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            columns=["layer", "id", "name", "township", "people", "shelter_id", "covered", "covered_any"]
        )
    )
    if village_near is None:
        village_near = pd.DataFrame({"shelter_id": pd.Series(dtype=object), "people": pd.Series(dtype=float)})
    load = shelter_load(shelters, village_near, village_near["people"], rules, unusable)
    return coverage, load


def unsafe_shelters(ws, rules: Rules | None = None) -> dict[str, str]:
    """Shelter id → why its site is unsafe (inside a geohazard danger zone or a flood-spot zone, …).

    Such shelters give no coverage and take no evacuees (FACTS §4.1: shelter sites must avoid them).
    ``ws`` is a workspace or, to reuse what is already derived, its :class:`ModelContext`.
    """
    ctx = ws if isinstance(ws, ModelContext) else build_context(ws, rules)
    return dict(ctx.unsafe_shelters)


def analyze_workspace(
    ws, rules: Rules | None = None, *, context: ModelContext | None = None, finder=None
) -> Analysis:
    """Run the whole risk model on a loaded workspace (see the module docstring for the steps).

    ``context`` (from :func:`riskmodel.context.build_context` on the same workspace) is reused
    instead of being derived again. ``finder`` computes the exposure pairs instead of the
    single-process :func:`pairs_within` (``riskmodel.distributed.DaskPairFinder``); the result is the same.
    """
    ctx = context or build_context(ws, rules)
    rules = ctx.rules
    sites, hazards = ctx.sites, ctx.hazards
    pairs = pairs_frame(hazards, sites, finder=finder).drop(columns="query_radius_m")
    violations = ctx.violations
    coverage, shelters = _coverage(ctx)
    forest = forest_coverage(ws.forest, _layer(ws, forest_layer()), ws.townships, rules, ws.metric_crs)
    results = {
        "sites": sites,
        "hazards": hazards,
        "pairs": pairs,
        "coverage": coverage,
        "shelters": shelters,
        "violations": violations,
        "forest": forest,
        "resources": resource_coverage(ctx, LAYER_KINDS),
    }
    towns = township_table(ws, results, rules)
    summary = _summary(ws, rules, results, towns)
    return Analysis(
        pairs=pairs,
        hazards=_hazard_counts(hazards, pairs),
        townships=towns,
        coverage=coverage,
        violations=violations,
        summary=summary,
        shelters=shelters,
        elements=_element_counts(pairs),
        rules=pd.DataFrame(rules.describe()),
    )


def _summary(ws, rules: Rules, results: dict, towns: pd.DataFrame) -> dict:
    sites, pairs, viol = results["sites"], results["pairs"], results["violations"]
    names = set(ws.townships["name"].astype(str))
    shelters = results["shelters"]
    return {
        "workspace": str(ws.root),
        "county": ws.name,
        "sample": ws.is_sample,
        "metric_crs": ws.metric_crs,
        "sites": {k: int(v) for k, v in sites["layer"].value_counts().sort_index().items()},
        "hazards_active": {
            k: int(v) for k, v in results["hazards"]["layer"].value_counts().sort_index().items()
        },
        "pairs": len(pairs),
        "pairs_danger": int(pairs["ring"].eq("danger").sum()),
        "violations": {k: int(v) for k, v in viol["rule"].value_counts().sort_index().items()},
        "shelters_unusable": int((~shelters["usable"].astype(bool)).sum()) if len(shelters) else 0,
        "shelters_over_capacity": int((shelters["overflow_people"] > 0).sum()) if len(shelters) else 0,
        "unassigned_sites": int((~sites["township"].isin(names)).sum()),
        "totals": county_totals(towns),
        "risk_index_formula": risk_index_formula(rules),
        "risk_index_formula_en": risk_index_formula(rules, "en"),
        "top_risk_townships": towns.nlargest(5, "risk_index")[["name", "risk_index"]].to_dict("records"),
        "rules_overridden": [e.key for e in rules.entries if e.basis == "workspace"],
        "workspace_problems": {"errors": len(ws.errors), "warnings": len(ws.problems) - len(ws.errors)},
    }


def _rounded_csv_bytes(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            vals = out[col].to_numpy()
            whole = np.isfinite(vals) & (vals == np.round(vals))
            out[col] = out[col].astype("Int64") if whole.all() and len(vals) else out[col].round(3)
    return csv_bytes(out)


def write_outputs(analysis: Analysis, out_dir: str | Path) -> dict[str, str]:
    """Write the analysis to ``out_dir``: the six SPEC files plus shelters/elements/rules CSVs.

    Returns ``{name: path}``. Each file is written atomically (a crash leaves the old or the new
    file, never a torn one). ``pairs.csv`` starts with the SPEC columns.
    """
    out_dir = Path(out_dir)
    frames = {
        "pairs": analysis.pairs[PAIR_COLUMNS + [c for c in analysis.pairs.columns if c not in PAIR_COLUMNS]],
        "hazards": analysis.hazards,
        "townships": analysis.townships,
        "coverage": analysis.coverage,
        "violations": analysis.violations,
        "shelters": analysis.shelters,
        "elements": analysis.elements,
        "rules": analysis.rules,
    }
    data = {f"{name}.csv": _rounded_csv_bytes(frame) for name, frame in frames.items()}  # encode all before writing
    data["summary.json"] = (
        json.dumps(analysis.summary, ensure_ascii=False, indent=2, default=str) + "\n"
    ).encode()
    paths = {}
    for filename, payload in data.items():
        path = out_dir / filename
        atomic_write_bytes(path, payload)  # an unwritable path is one LayerFileError naming it
        paths[filename.rsplit(".", 1)[0]] = str(path)
    return paths
