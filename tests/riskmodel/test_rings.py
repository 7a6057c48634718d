"""Ring polygons for display, and the ordered ring classes."""

from __future__ import annotations

import math

import numpy as np

from riskmodel.rings import classify_ring, ring_polygons
from riskmodel.rules import load_rules


def test_classify_ring_edges_belong_to_inner_class():
    got = classify_ring(
        [0.0, 100.0, np.nextafter(100.0, 200.0), 200.0, np.nextafter(200.0, 300.0)], 100.0, 200.0
    )
    assert got.tolist() == ["danger", "danger", "watch", "watch", "none"]


def test_ring_polygons_are_wgs84_with_areas_of_the_radii(make_layer, zoo_rows):
    frame = make_layer("geohazard", zoo_rows["geohazard"], crs="EPSG:4326")
    rings = ring_polygons(frame, "geohazard", load_rules(), ids=["DZ-G1"])
    assert rings.crs.to_epsg() == 4326
    assert list(rings.columns) == ["layer", "id", "ring", "radius_m", "geometry"]
    assert rings["ring"].tolist() == ["danger", "watch"] and rings["radius_m"].tolist() == [100.0, 200.0]
    area = rings.to_crs("EPSG:4545").area.to_numpy()
    assert math.isclose(area[0], math.pi * 100**2, rel_tol=0.01)
    assert math.isclose(area[1], math.pi * (200**2 - 100**2), rel_tol=0.01)  # annulus


def test_ring_polygons_skip_sites_without_location(make_layer, zoo_rows):
    frame = make_layer("geohazard", zoo_rows["geohazard"])
    frame.loc[0, "geometry"] = None
    rings = ring_polygons(frame, "geohazard", load_rules({"rules": {"geohazard": {"exclude_status": []}}}))
    assert set(rings["id"]) == {"DZ-OLD"}


def test_ring_polygons_leave_out_sites_the_model_ignores(make_layer, zoo_rows):
    """Bug 1: a written-off (已核销) geohazard gets no rings on the map, as it gets none in the model."""
    frame = make_layer("geohazard", zoo_rows["geohazard"])
    assert set(ring_polygons(frame, "geohazard", load_rules())["id"]) == {"DZ-G1"}
    assert ring_polygons(frame, "geohazard", load_rules(), ids=["DZ-OLD"]).empty
