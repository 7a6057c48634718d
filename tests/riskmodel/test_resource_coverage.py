"""A plain people-serving resource kind (a ServiceRule, no capacity) gets coverage columns by declaration alone."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import geopandas as gpd
import pandas as pd
import shapely

from layers.kinds import Field, FieldType, LayerKind, Role, ServiceRule
from riskmodel.aggregate import county_totals, township_table
from riskmodel.analysis import analyze_workspace
from riskmodel.context import build_context
from riskmodel.coverage import resource_coverage
from riskmodel.rules import load_rules
from riskmodel.sites import site_table

X0, Y0 = 500_000.0, 3_350_000.0  # the zoo origin (conftest)

DEPOT = LayerKind(
    id="test_depot", label="测试站点", label_en="Test depots", roles=(Role.RESOURCE,), shape="star",
    color="#123456", service=ServiceRule(covers="people", site_radius_field="radius_m"), status_field="status",
    inactive_status=("停用",),
    fields=(Field("radius_m", "半径", FieldType.FLOAT), Field("status", "状态", FieldType.ENUM, allowed=("在用", "停用"))),
)


def _with_depots(zoo):
    """甲村 is at (500, 900) of township A, 乙村 at (1500, 900) of B (metres from the zoo origin)."""
    depots = gpd.GeoDataFrame(
        {"id": ["D1", "D2"], "name": ["甲站", "乙站"], "township": ["甲镇", "乙镇"],
         "radius_m": [150.0, 500.0], "status": ["在用", "停用"]},
        geometry=[shapely.Point(X0 + 500, Y0 + 800), shapely.Point(X0 + 1500, Y0 + 800)], crs="EPSG:4545",
    )
    zoo.layers[DEPOT.id] = depots
    base = load_rules()
    rules = dataclasses.replace(
        base, values=MappingProxyType({**base.values, f"{DEPOT.id}.exclude_status": ("停用",)})
    )
    ctx = build_context(zoo, rules)
    ctx.sites = pd.concat([ctx.sites, site_table(DEPOT.id, depots, zoo.metric_crs)], ignore_index=True)
    return ctx


def test_villages_covered_only_by_active_sites_within_their_radius(zoo):
    cov = resource_coverage(_with_depots(zoo), [DEPOT])
    assert dict(zip(cov["id"], cov["covered"], strict=True)) == {"500231001201": True, "500231002201": False}


def test_township_table_gets_the_kinds_coverage_columns(zoo):
    ctx = _with_depots(zoo)
    analysis = analyze_workspace(zoo, context=ctx)
    results = {"sites": ctx.sites, "hazards": ctx.hazards, "pairs": analysis.pairs, "coverage": analysis.coverage,
               "shelters": analysis.shelters, "violations": analysis.violations,
               "forest": analysis.townships[["forest_km2", "forest_uncovered_km2", "forest_uncovered_all_pools_km2"]],
               "resources": resource_coverage(ctx, [DEPOT])}
    t = township_table(zoo, results, ctx.rules).set_index("name")
    assert t.loc["甲镇", "test_depot_people_uncovered"] == 0 and t.loc["乙镇", "test_depot_people_uncovered"] == 80
    assert t.loc["甲镇", "test_depot_people_covered_pct"] == 100 and t.loc["乙镇", "test_depot_villages_uncovered"] == 1
    assert county_totals(t.reset_index())["test_depot_people_covered_pct"] == 100 * 300 / 380
