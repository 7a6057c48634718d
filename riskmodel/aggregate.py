"""Township aggregation: one row per township (all of them, zero-filled), plus a risk index.

Risk index (0–100, relative between the county's townships)::

    risk_index = 100 × Σ_k w_k · x_k / max_t(x_k)  /  Σ_k w_k

over five indicators x_k of the township (a term is 0 when the county maximum is 0):

    threatened_people         people threatened by active geohazard sites (registry)   w = 0.30
    exposed_people_danger     九小场所 occupants + village population in any danger ring  w = 0.25
    people_uncovered          village population outside every usable shelter's radius  w = 0.20
    capacity_deficit_people   max(0, village population − usable shelter capacity)      w = 0.15
    violations                safety-distance violations (by the element's township)    w = 0.10

Weights are ``risk_index.weight.*`` in the rules (assumed; overridable in workspace.toml).
Every figure is summed from unrounded values; :func:`county_totals` adds the rows up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.kinds import LAYER_KINDS, Role, kind_ids, layer_ids_with
from riskmodel.rules import Rules, load_rules
from riskmodel.sites import PEOPLE_LAYERS, VILLAGE

__all__ = ["INDEX_INDICATORS", "county_totals", "risk_index", "township_table"]

INDEX_INDICATORS = (
    "threatened_people",
    "exposed_people_danger",
    "people_uncovered",
    "capacity_deficit_people",
    "violations",
)
_EXPOSED_LAYERS = (*layer_ids_with(Role.EXPOSED), VILLAGE)
_RATIO_COLUMNS = ("population_covered_pct", "forest_uncovered_pct", "risk_index")


def _by_township(values, townships, names: pd.Index) -> pd.Series:
    """Sum ``values`` (a Series) by township name, reindexed on every township, zero-filled."""
    return (
        pd.Series(values, dtype="float64")
        .groupby(pd.Series(townships, index=values.index))
        .sum()
        .reindex(names)
        .fillna(0.0)
    )


def _count(frame: pd.DataFrame, names: pd.Index, col: str = "township") -> pd.Series:
    return (
        _by_township(pd.Series(1.0, index=frame.index), frame[col], names)
        if len(frame)
        else pd.Series(0.0, index=names)
    )


def _worst_ring(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per exposed element: its township, people and the innermost ring it lies in."""
    if pairs.empty:
        return pd.DataFrame(columns=["element_layer", "element_id", "township", "people", "danger"])
    danger = pairs["ring"].eq("danger")
    g = pairs.assign(danger=danger).groupby(["element_layer", "element_id"], sort=False)
    return g.agg(
        township=("element_township", "first"), people=("people", "first"), danger=("danger", "any")
    ).reset_index()


def _exposure_columns(pairs: pd.DataFrame, names: pd.Index) -> dict[str, pd.Series]:
    worst = _worst_ring(pairs)
    cols = {}
    for layer in _EXPOSED_LAYERS:
        w = worst[worst["element_layer"] == layer]
        cols[f"exposed_{layer}_danger"] = _count(w[w["danger"]], names)
        cols[f"exposed_{layer}_watch"] = _count(w[~w["danger"].astype(bool)], names)
    people = worst[worst["element_layer"].isin(PEOPLE_LAYERS)]
    cols["exposed_people_danger"] = _by_township(
        people["people"][people["danger"]], people["township"], names
    )
    cols["exposed_people_watch"] = _by_township(
        people["people"][~people["danger"].astype(bool)], people["township"], names
    )
    return cols


def _site_counts(sites: pd.DataFrame, hazards: pd.DataFrame, names: pd.Index) -> dict[str, pd.Series]:
    cols = {f"n_{layer}": _count(sites[sites["layer"] == layer], names) for layer in (*kind_ids(), VILLAGE)}
    for kind in LAYER_KINDS:  # kinds with inactive statuses: how many take part in the model
        if kind.inactive_status and kind.has(Role.HAZARD):
            cols[f"{kind.id}_active"] = _count(hazards[hazards["layer"] == kind.id], names)
    threat = hazards[hazards["layer"].isin([k.id for k in LAYER_KINDS if k.hazard and k.hazard.threatened_field])]
    cols["threatened_people"] = (
        _by_township(threat["threatened_people"], threat["township"], names)
        if len(threat)
        else (pd.Series(0.0, index=names))
    )
    return cols


def _shelter_columns(coverage: pd.DataFrame, shelters: pd.DataFrame, names: pd.Index) -> dict[str, pd.Series]:
    usable = shelters[shelters["usable"].astype(bool)]
    vil = coverage[coverage["layer"] == VILLAGE]
    unc = ~vil["covered_any"].astype(bool)
    cols = {
        "shelter_usable": _count(usable, names),
        "shelter_capacity_people": _by_township(usable["capacity_people"], usable["township"], names),
        "shelter_need_people": _by_township(vil["people"], vil["township"], names),
        "shelter_assigned_people": _by_township(usable["assigned_people"], usable["township"], names),
        "shelter_overflow_people": _by_township(usable["overflow_people"], usable["township"], names),
        "villages_uncovered": _count(vil[unc], names),
        "people_uncovered": _by_township(vil["people"][unc], vil["township"][unc], names),
    }
    for layer in PEOPLE_LAYERS:  # people-bearing registry sites outside every usable shelter's reach
        if layer != VILLAGE:
            sites = coverage[coverage["layer"] == layer]
            cols[f"{layer}_uncovered"] = _count(sites[~sites["covered_any"].astype(bool)], names)
    cols["capacity_deficit_people"] = np.maximum(
        cols["shelter_need_people"] - cols["shelter_capacity_people"], 0.0
    )
    return cols


def _resource_columns(resources: pd.DataFrame | None, names: pd.Index) -> dict[str, pd.Series]:
    """Per plain people-serving resource layer: villages and people outside its reach, and the share covered."""
    cols: dict[str, pd.Series] = {}
    if resources is None or not len(resources):
        return cols
    for layer in pd.unique(resources["layer"]):
        r = resources[resources["layer"] == layer]
        unc = ~r["covered"].astype(bool)
        need = _by_township(r["people"], r["township"], names)
        out = _by_township(r["people"][unc], r["township"][unc], names)
        cols[f"{layer}_villages_uncovered"] = _count(r[unc], names)
        cols[f"{layer}_people_uncovered"] = out
        cols[f"{layer}_people_covered_pct"] = pd.Series(
            np.where(need > 0, 100.0 * (need - out) / need.where(need > 0, 1.0), 0.0), index=names
        )
    return cols


def _ratios(table: pd.DataFrame) -> pd.DataFrame:
    need = table["shelter_need_people"]
    table["population_covered_pct"] = np.where(
        need > 0, 100.0 * (need - table["people_uncovered"]) / need.where(need > 0, 1.0), 0.0
    )
    forest = table["forest_km2"]
    table["forest_uncovered_pct"] = np.where(
        forest > 0, 100.0 * table["forest_uncovered_km2"] / forest.where(forest > 0, 1.0), 0.0
    )
    return table


def risk_index(table: pd.DataFrame, rules: Rules) -> pd.Series:
    """The township risk index (formula in the module docstring); 0 for every row when all x_k are 0."""
    weights = {k: float(rules.get(f"risk_index.weight.{k}")) for k in INDEX_INDICATORS}
    total_w = sum(weights.values()) or 1.0
    score = pd.Series(0.0, index=table.index)
    for k, w in weights.items():
        top = float(table[k].max()) if len(table) else 0.0
        if top > 0:
            score += w * table[k] / top
    return 100.0 * score / total_w


def township_table(ws, results: dict, rules: Rules | None = None) -> pd.DataFrame:
    """One row per township of ``ws.townships`` (26 for 垫江), ``code, name``, then the aggregates.

    ``results`` holds the model's frames: ``sites``, ``hazards``, ``pairs``, ``coverage``,
    ``shelters``, ``violations`` and ``forest`` (aligned to ``ws.townships``). Sites whose
    township is not one of the workspace's are left out of every row (see ``summary.unassigned``).
    """
    rules = rules or load_rules(ws.config)
    towns = ws.townships.reset_index(drop=True)
    names = pd.Index(towns["name"].astype(str))
    cols = {"code": towns["code"].astype(str).to_numpy(), "name": names.to_numpy()}
    cols |= {k: v.to_numpy() for k, v in _site_counts(results["sites"], results["hazards"], names).items()}
    cols |= {k: v.to_numpy() for k, v in _exposure_columns(results["pairs"], names).items()}
    cols |= {
        k: np.asarray(v) for k, v in _shelter_columns(results["coverage"], results["shelters"], names).items()
    }
    cols |= {k: v.to_numpy() for k, v in _resource_columns(results.get("resources"), names).items()}
    cols["violations"] = _count(results["violations"], names).to_numpy()
    forest = results["forest"].reset_index(drop=True)
    cols |= {c: forest[c].to_numpy() for c in forest.columns}
    table = _ratios(pd.DataFrame(cols))
    table["risk_index"] = risk_index(table, rules)
    return table


def county_totals(table: pd.DataFrame) -> dict[str, float]:
    """Column sums of the township table (unrounded), with the ratios recomputed from the sums."""
    pct = [c for c in table.columns if c.endswith("_people_covered_pct")]
    num = table.drop(columns=["code", "name", *_RATIO_COLUMNS, *pct], errors="ignore").select_dtypes("number")
    tot = {k: float(v) for k, v in num.sum().items()}
    for c in pct:  # resource coverage shares, recomputed from the sums
        layer = c[: -len("_people_covered_pct")]
        unc = tot.get(f"{layer}_people_uncovered", 0.0)
        need = tot.get("shelter_need_people", 0.0)
        tot[c] = 100.0 * (need - unc) / need if need else 0.0
    need = tot.get("shelter_need_people", 0.0)
    tot["population_covered_pct"] = 100.0 * (need - tot.get("people_uncovered", 0.0)) / need if need else 0.0
    forest = tot.get("forest_km2", 0.0)
    tot["forest_uncovered_pct"] = 100.0 * tot.get("forest_uncovered_km2", 0.0) / forest if forest else 0.0
    return tot
