"""Township table: every township, zero-filled, totals from unrounded values, the risk index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskmodel.aggregate import county_totals
from riskmodel.analysis import analyze_workspace

X0, Y0 = 500_000.0, 3_350_000.0


def test_zoo_township_rows_by_hand(zoo):
    t = analyze_workspace(zoo).townships.set_index("name")
    assert list(t.index) == ["甲镇", "乙镇"] and t["code"].tolist() == ["500231001000", "500231002000"]
    assert t["threatened_people"].tolist() == [120.0, 0.0]  # DZ-OLD (已核销) takes no part
    assert t["exposed_people_danger"].tolist() == [30.0, 7.0]  # JX-EDGE-D 10 + JX-IN-D 20; JX-GAS 7
    assert t["exposed_nine_small_watch"].tolist() == [3.0, 0.0]
    assert t["shelter_usable"].tolist() == [1.0, 1.0]  # BN-S3 unsafe, BN-S4 停用
    assert t["shelter_capacity_people"].tolist() == [400.0, 50.0]
    assert t["shelter_overflow_people"].tolist() == [0.0, 30.0]
    assert t["capacity_deficit_people"].tolist() == [0.0, 30.0]
    assert t["violations"].tolist() == [1.0, 2.0]
    assert t["forest_uncovered_pct"].tolist() == pytest.approx([0.0, 100.0])
    # risk index: A = 100·(0.30·1 + 0.25·1 + 0.10·½) = 60; B = 100·(0.25·7/30 + 0.15·1 + 0.10·1)
    assert t["risk_index"].tolist() == pytest.approx([60.0, 100 * (0.25 * 7 / 30 + 0.25)])


def test_a_township_with_nothing_keeps_its_row_with_zeros(make_ws):
    t = analyze_workspace(make_ws(layers={}, villages=[], forest=False)).townships
    assert len(t) == 2
    numbers = t.drop(columns=["code", "name"])
    assert (numbers.to_numpy() == 0).all()


@st.composite
def random_sites(draw):
    n = draw(st.integers(0, 12))
    xs = draw(st.lists(st.floats(1, 1999), min_size=n, max_size=n))
    ys = draw(st.lists(st.floats(1, 999), min_size=n, max_size=n))
    occ = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    hz = draw(
        st.lists(
            st.tuples(st.floats(1, 1999), st.floats(1, 999), st.floats(10, 800), st.integers(0, 2000)),
            max_size=4,
        )
    )
    return xs, ys, occ, hz


def _town(x):
    return "甲镇" if x < 1000 else "乙镇"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(random_sites())  # make_ws is a stateless factory function, safe to share between examples
def test_township_totals_add_up_to_the_county_total(make_ws, scene):
    xs, ys, occ, hz = scene
    nine = [
        dict(id=f"J{i}", name=f"j{i}", township=_town(x), category="小商店", occupants=o, xy=(X0 + x, Y0 + y))
        for i, (x, y, o) in enumerate(zip(xs, ys, occ, strict=True))
    ]
    geo = [
        dict(
            id=f"G{i}",
            name=f"g{i}",
            township=_town(x),
            hazard_type="滑坡",
            threat_radius_m=r,
            threatened_people=p,
            status="监测中",
            xy=(X0 + x, Y0 + y),
        )
        for i, (x, y, r, p) in enumerate(hz)
    ]
    a = analyze_workspace(make_ws(layers={"nine_small": nine, "geohazard": geo}, villages=[], forest=False))
    totals = a.summary["totals"]
    assert totals == county_totals(a.townships)
    # the county figures computed independently of the township table
    pairs = a.pairs[a.pairs["ring"] == "danger"]
    exposed = {e: o for e, o in zip(pairs["element_id"], pairs["people"], strict=True)}
    assert totals["exposed_people_danger"] == pytest.approx(sum(exposed.values()))
    assert totals["threatened_people"] == sum(p for *_, p in hz)
    assert totals["n_nine_small"] == len(xs)
    assert a.townships["risk_index"].min() >= 0.0 and a.townships["risk_index"].max() <= 100.0 + 1e-9


def test_totals_come_from_unrounded_values(zoo):
    a = analyze_workspace(zoo)
    t = a.townships.copy()
    t.loc[:, "forest_km2"] = [1 / 3, 1 / 3]
    assert county_totals(t)["forest_km2"] == pytest.approx(2 / 3, abs=1e-15)
    assert not np.isclose(county_totals(t)["forest_km2"], round(1 / 3, 3) * 2, atol=1e-6)
