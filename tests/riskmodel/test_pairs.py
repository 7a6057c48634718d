"""The exact pair finder against hand-checked edges and a brute-force reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from riskmodel.exposure import brute_force_pairs, pairs_within


def as_set(h, e, d=None):
    return set(zip(h.tolist(), e.tolist(), strict=True))


def test_ring_edge_counts_inside_and_neighbours_do_not_leak():
    hazard = [[0.0, 0.0]]
    elements = [[100.0, 0.0], [60.0, 80.0], [99.999, 0.0], [100.001, 0.0], [0.0, -100.0000001]]
    h, e, d = pairs_within(hazard, [100.0], elements)
    assert as_set(h, e) == {(0, 0), (0, 1), (0, 2)}
    assert sorted(d.tolist()) == [99.999, 100.0, 100.0]


def test_radius_per_hazard_is_used():
    hazards = [[0.0, 0.0], [1000.0, 0.0]]
    elements = [[150.0, 0.0], [1150.0, 0.0]]
    h, e, _ = pairs_within(hazards, [100.0, 200.0], elements)
    assert as_set(h, e) == {(1, 1)}


def test_missing_coordinates_and_bad_radii_never_pair():
    hazards = [[0.0, 0.0], [np.nan, 0.0], [5.0, 5.0], [9.0, 9.0]]
    elements = [[1.0, 0.0], [np.nan, np.nan], [5.0, 5.0]]
    h, e, _ = pairs_within(hazards, [10.0, 10.0, np.nan, -1.0], elements)
    assert as_set(h, e) == {(0, 0), (0, 2)}


def test_empty_inputs_give_empty_arrays():
    for args in (([], [], [[0, 0]]), ([[0, 0]], [1.0], [])):
        assert [a.size for a in pairs_within(*args)] == [0, 0, 0]


def test_zero_radius_keeps_only_coincident_points():
    h, e, d = pairs_within([[3.0, 4.0]], [0.0], [[3.0, 4.0], [3.0, 4.0000001]])
    assert as_set(h, e) == {(0, 0)} and d.tolist() == [0.0]


coords = st.floats(min_value=-2000, max_value=2000, allow_nan=False, allow_infinity=False)
grid_coords = st.integers(min_value=-40, max_value=40).map(lambda v: v * 25.0)  # exact edges happen often


@st.composite
def scenes(draw):
    n = draw(st.integers(0, 25))
    m = draw(st.integers(0, 60))
    c = draw(st.sampled_from([coords, grid_coords]))
    hxy = draw(arrays(np.float64, (n, 2), elements=c))
    exy = draw(arrays(np.float64, (m, 2), elements=c))
    radii = draw(arrays(np.float64, (n,), elements=st.sampled_from([0.0, 25.0, 50.0, 100.0, 333.3, 700.0])))
    cell = draw(st.one_of(st.none(), st.floats(min_value=1.0, max_value=900.0)))
    return hxy, radii, exy, cell


@settings(max_examples=60, deadline=None)
@given(scenes())
def test_pairs_equal_brute_force(scene):
    hxy, radii, exy, cell = scene
    h, e, d = pairs_within(hxy, radii, exy, cell_m=cell)
    bh, be, bd = brute_force_pairs(hxy, radii, exy)
    assert as_set(h, e) == as_set(bh, be)
    got = dict(zip(zip(h.tolist(), e.tolist(), strict=True), d.tolist(), strict=True))
    want = dict(zip(zip(bh.tolist(), be.tolist(), strict=True), bd.tolist(), strict=True))
    assert got == want


@settings(max_examples=50, deadline=None)
@given(scenes(), st.floats(min_value=0.0, max_value=500.0))
def test_no_count_decreases_when_a_radius_grows(scene, grow):
    hxy, radii, exy, cell = scene
    h1, e1, _ = pairs_within(hxy, radii, exy, cell_m=cell)
    h2, e2, _ = pairs_within(hxy, radii + grow, exy, cell_m=cell)
    assert as_set(h1, e1) <= as_set(h2, e2)
    per1 = np.bincount(h1, minlength=len(hxy))
    per2 = np.bincount(h2, minlength=len(hxy))
    assert (per2 >= per1).all()


def test_large_random_scene_matches_brute_force_on_a_sample():
    rng = np.random.default_rng(7)
    exy = rng.uniform(0, 20_000, (200_000, 2))
    hxy = rng.uniform(0, 20_000, (2_000, 2))
    radii = rng.uniform(50, 500, 2_000)
    h, e, _ = pairs_within(hxy, radii, exy)
    sample = rng.choice(2_000, 40, replace=False)
    bh, be, _ = brute_force_pairs(hxy[sample], radii[sample], exy)
    keep = np.isin(h, sample)
    assert as_set(h[keep], e[keep]) == as_set(sample[bh], be)
