"""AppTest of the 汛期态势 page on the small map workspace (tests/map_workspace.py: DEM + river)."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from riskmap.ui.flood import township_view, warnings_from_lists
from riskmodel.warning import WarningColor


def _page() -> AppTest:
    return AppTest.from_string("from riskmap.ui import flood\nflood.render()\n", default_timeout=120)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_changing_the_water_level_changes_the_kpis(map_ws):
    at = _page()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.slider(key="flood_level").set_value(0.0).run()
    dry = _metrics(at)
    at.slider(key="flood_level").set_value(8.0).run()
    wet = _metrics(at)
    assert not at.exception
    assert dry["淹没面积(km²)"] == "0.00" and float(wet["淹没面积(km²)"]) > 0
    assert dry != wet


def test_warnings_produce_actions_and_table_order(map_ws):
    at = _page()
    at.run()
    name = at.multiselect(key="flood_warn_red").options[-1]
    at.multiselect(key="flood_warn_red").set_value([name]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.iloc[0]["乡镇(街道)"] == name and table.iloc[0]["预警"] == "红"


def test_no_flood_source_shows_zero(map_ws):
    at = _page()
    at.run()
    at.radio(key="flood_source").set_value("none").run()
    assert not at.exception and _metrics(at)["受影响人口"] == "0"


def test_most_severe_colour_wins():
    got = warnings_from_lists({"蓝": ["A", "B"], "红": ["A"], "橙": [], "黄": ["B"]})
    assert got == {"A": WarningColor.RED, "B": WarningColor.YELLOW}


def test_township_view_headers():
    t = pd.DataFrame(
        {
            "code": ["1"],
            "name": ["A"],
            "warning": ["红"],
            "people_exposed": [5],
            "flooded_area_m2": [2_500_000.0],
            "flooded_share": [0.25],
            "max_depth_m": [1.234],
            "flooded_geohazard": [1],
            "flooded_shelter": [2],
            "shelters_unusable": [2],
            "ferries_to_stop": [0],
            "evacuate_people": [0],
            "overflow_people": [0],
            "actions": [3],
        }
    )
    v = township_view(t)
    assert v.loc[0, "淹没面积(km²)"] == 2.5 and v.loc[0, "淹没站点"] == 3 and v.loc[0, "淹没比例"] == "25.0%"
