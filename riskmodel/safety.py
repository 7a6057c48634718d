"""Safety-distance rules (pairwise, configurable in ``[rules.safety.<id>]``).

Each :class:`~riskmodel.rules.SafetyRule` flags every element of one layer that lies within a
hazard layer's danger (or watch) ring, or within a fixed distance. Each violation names both
sites and the exact distance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.labels import layer_label
from riskmodel.exposure import pairs_frame
from riskmodel.rules import Rules, SafetyRule

__all__ = ["VIOLATION_COLUMNS", "check_safety"]

VIOLATION_COLUMNS = [
    "rule",
    "rule_label",
    "hazard_layer",
    "hazard_id",
    "hazard_name",
    "element_layer",
    "element_id",
    "element_name",
    "township",
    "distance_m",
    "limit_m",
    "basis",
    "clause",
    "message",
]
_RING_ZH = {"danger": "危险区", "watch": "关注区"}


def _message(row, rule: SafetyRule) -> str:
    zone = f"{rule.distance_m:g} m 安全距离" if rule.distance_m > 0 else _RING_ZH.get(rule.ring, rule.ring)
    return (
        f"{layer_label(row.element_layer)}“{row.element_name}”（{row.element_id}）距{layer_label(row.hazard_layer)}"
        f"“{row.hazard_name}”（{row.hazard_id}）{row.distance_m:.1f} m，位于其{zone}（≤ {row.limit_m:.1f} m）内"
    )


def _rule_violations(rule: SafetyRule, hazards: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    hz = hazards[hazards["layer"] == rule.hazard].copy()
    el = sites[sites["layer"] == rule.element]
    if rule.distance_m > 0:
        hz["limit_m"] = rule.distance_m
    else:
        hz["limit_m"] = hz["danger_radius_m" if rule.ring == "danger" else "watch_radius_m"]
    pairs = pairs_frame(hz, el, radius="limit_m")
    if pairs.empty:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    out = pairs.rename(columns={"element_township": "township", "query_radius_m": "limit_m"})
    out["rule"], out["rule_label"], out["basis"], out["clause"] = rule.id, rule.label, rule.basis, rule.clause
    out["message"] = [_message(r, rule) for r in out.itertuples(index=False)]
    return out[VIOLATION_COLUMNS]


def check_safety(hazards: pd.DataFrame, sites: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """All violations of every enabled safety rule, sorted by rule, then distance.

    ``hazards`` comes from :func:`riskmodel.exposure.hazard_table`, ``sites`` from
    :func:`riskmodel.sites.workspace_sites`. No rule or no site gives an empty frame with
    :data:`VIOLATION_COLUMNS`.
    """
    parts = [_rule_violations(rule, hazards, sites) for rule in rules.safety]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c.endswith("_m") else object) for c in VIOLATION_COLUMNS}
        )
    out = pd.concat(parts, ignore_index=True)
    order = {r.id: i for i, r in enumerate(rules.safety)}
    out["_o"] = out["rule"].map(order).astype(np.int64)
    return out.sort_values(["_o", "distance_m"], kind="stable", ignore_index=True).drop(columns="_o")
