"""The model context: what every risk-model step needs from one loaded workspace, derived once.

``build_context(ws)`` projects every site and village to the metric CRS once (``sites``) and
sizes every active hazard's rings once (``hazards``); the safety check and the unsafe shelters
derived from them are computed on first use and kept. The analysis, the scenario, the rings on
the map and the details panel all take the same context, and the app caches one per workspace
stamp. Treat it as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from layers.kinds import Role, kinds_with, refuge_kinds
from riskmodel.exposure import hazard_table
from riskmodel.rules import Rules, load_rules
from riskmodel.safety import check_safety
from riskmodel.sites import workspace_sites

__all__ = ["ModelContext", "build_context", "forest_layer", "refuge_layer", "township_names"]


def refuge_layer() -> str:
    """The layer id of the refuge kind (people are sheltered there: a capacity field)."""
    return refuge_kinds()[0].id


def forest_layer() -> str:
    """The layer id of the resource kind whose coverage is measured on the forest area."""
    return next(k.id for k in kinds_with(Role.RESOURCE) if k.service and k.service.covers == "forest")


def township_names(sites: pd.DataFrame, townships: pd.DataFrame) -> pd.DataFrame:
    """Sites may carry a township code (villages do in some sources): turn it into the name."""
    by_code = dict(zip(townships["code"].astype(str), townships["name"].astype(str), strict=True))
    sites["township"] = sites["township"].map(lambda t: by_code.get(str(t), t) if t is not None else None)
    return sites


@dataclass
class ModelContext:
    """One workspace's sites and hazard rings in the metric CRS, with the rules in force."""

    ws: Any  # the layers.workspace.Workspace
    rules: Rules
    sites: pd.DataFrame  # workspace_sites (every kind and the villages), township names resolved
    hazards: pd.DataFrame  # hazard_table (active hazards with their radii), township names resolved
    _by_layer: dict = field(default_factory=dict, repr=False)

    @property
    def metric_crs(self) -> str:
        return self.ws.metric_crs

    def layer_sites(self, layer: str) -> pd.DataFrame:
        """The site rows of one layer, aligned (0..n-1) with that layer's frame in the workspace."""
        if layer not in self._by_layer:
            self._by_layer[layer] = self.sites[self.sites["layer"] == layer].reset_index(drop=True)
        return self._by_layer[layer]

    def layer_xy(self, layer: str) -> np.ndarray:
        """(n, 2) metric coordinates of one layer's sites, aligned with its frame."""
        return self.layer_sites(layer)[["x_m", "y_m"]].to_numpy(dtype="float64")

    @cached_property
    def violations(self) -> pd.DataFrame:
        return check_safety(self.hazards, self.sites, self.rules)

    @cached_property
    def unsafe_shelters(self) -> dict[str, str]:
        """Shelter id → the first rule (label) in ``shelter.unusable_rules`` that flags its site."""
        v = self.violations
        v = v[v["rule"].isin(self.rules.get(f"{refuge_layer()}.unusable_rules")) & v["element_layer"].eq(refuge_layer())]
        return v.groupby("element_id")["rule_label"].first().to_dict()


def build_context(ws, rules: Rules | None = None) -> ModelContext:
    """Project the workspace's sites and size its hazards' rings, once."""
    rules = rules or load_rules(ws.config)
    sites = township_names(workspace_sites(ws), ws.townships)
    hazards = township_names(hazard_table(ws, rules), ws.townships)
    return ModelContext(ws, rules, sites, hazards)
