"""AppTest interaction tests for 图层浏览: a filter changes the counts and the table as expected."""

from __future__ import annotations

from map_workspace import COUNTS, COUNTS_BY_TOWN, EAST_TOWN, XSS_NAME
from streamlit.testing.v1 import AppTest

from layers.kinds import get_kind
from riskmap.ui.browse import SHOW_TABLES_KEY, TABLES_KEY
from riskmap.ui.filters import ATTR_LAYER_KEY


def _browse() -> AppTest:
    return AppTest.from_string("from riskmap.ui import browse\nbrowse.render()\n", default_timeout=90).run()


def _counts(at) -> dict[str, int]:
    labels = {get_kind(lid).label: lid for lid in COUNTS}
    return {labels[m.label]: int(m.value.replace(",", "")) for m in at.metric if m.label in labels}


def _tables(at) -> dict[str, object]:
    """Each layer's table under the map: only the open tab is built, so open each tab in turn."""
    out = {}
    if not at.toggle(key=SHOW_TABLES_KEY).value:
        at.toggle(key=SHOW_TABLES_KEY).set_value(True).run()
    for label in [tab.label for tab in at.tabs if "（" in tab.label]:
        at.session_state[TABLES_KEY] = label
        at.run()
        tab = next(tab for tab in at.tabs if tab.label == label)
        assert len(tab.dataframe) == 1, label  # the open tab holds its table
        out[label.split("（")[0]] = tab.dataframe[0].value
        assert sum(len(t.dataframe) for t in at.tabs if "（" in t.label) == 1  # the others are not built
    return out


def _table_rows(at) -> dict[str, int]:
    return {label: len(frame) for label, frame in _tables(at).items()}


def test_counts_and_tables_match_all_sites(map_ws):
    at = _browse()
    assert not at.exception
    assert _counts(at) == COUNTS
    assert _table_rows(at) == {get_kind(lid).label: n for lid, n in COUNTS.items()}


def test_township_filter_changes_counts_and_table(map_ws):
    at = _browse()
    at.multiselect(key="flt_townships").set_value([EAST_TOWN]).run()
    assert not at.exception
    assert _counts(at) == COUNTS_BY_TOWN[EAST_TOWN]
    assert _table_rows(at) == {get_kind(lid).label: n for lid, n in COUNTS_BY_TOWN[EAST_TOWN].items()}
    for frame in _tables(at).values():
        if len(frame):
            assert set(frame["所在乡镇(街道)"]) == {EAST_TOWN}


def test_layer_and_attribute_filters(map_ws):
    at = _browse()
    at.multiselect(key="flt_layers").set_value(["geohazard", "nine_small"]).run()
    assert _counts(at) == {"geohazard": COUNTS["geohazard"], "nine_small": COUNTS["nine_small"]}
    at.selectbox(key=ATTR_LAYER_KEY).set_value("nine_small").run()
    at.multiselect(key="flt_nine_small_category").set_value(["小餐饮"]).run()
    assert not at.exception
    assert _counts(at) == {"geohazard": COUNTS["geohazard"], "nine_small": 3}
    rows = _tables(at)["九小场所"]
    assert set(rows["场所类别"]) == {"小餐饮"}


def test_text_search_and_xss_name_is_plain_text(map_ws):
    at = _browse()
    at.text_input(key="flt_text").set_value("onerror").run()
    assert not at.exception
    assert _counts(at)["geohazard"] == 1 and sum(_counts(at).values()) == 1
    table = _tables(at)["地质灾害隐患点"]
    assert list(table["名称"]) == [XSS_NAME]


def test_selection_is_stored_for_the_export_page(map_ws):
    at = _browse()
    at.multiselect(key="flt_townships").set_value([EAST_TOWN]).run()
    sel = at.session_state["riskmap_view"].selection
    assert sel.townships == (EAST_TOWN,)


def test_selected_site_shows_details_rings_and_shelter(map_ws):
    at = AppTest.from_string(
        "from riskmap.ui import browse\nfrom riskmap.ui.state import view_state\n"
        "view_state().selected_site = ('geohazard', 'DZ0001')\nbrowse.render()\n",
        default_timeout=90,
    ).run()
    assert not at.exception
    assert any("img src" in md.value for md in at.markdown)  # the XSS name, escaped markdown
    fields = at.dataframe[0].value
    assert dict(zip(fields.iloc[:, 0], fields.iloc[:, 1], strict=True))["险情等级"] == "大型"
    assert any("最近可用避难场所" in md.value and "BN0001" in md.value for md in at.markdown)


def test_site_list_is_shown_on_demand(map_ws):
    at = _browse()
    assert not [tab for tab in at.tabs if "（" in tab.label] and not at.dataframe  # the map first
    at.toggle(key=SHOW_TABLES_KEY).set_value(True).run()
    assert len([tab for tab in at.tabs if "（" in tab.label]) == len(COUNTS) and len(at.dataframe) == 1


def test_open_tab_stays_on_its_layer_when_a_filter_changes_its_count(map_ws):
    at = _browse()
    at.toggle(key=SHOW_TABLES_KEY).set_value(True).run()
    nine = next(tab.label for tab in at.tabs if tab.label.startswith("九小场所"))
    at.session_state[TABLES_KEY] = nine
    at.run()
    at.multiselect(key="flt_townships").set_value([EAST_TOWN]).run()
    assert not at.exception
    open_tab = next(tab for tab in at.tabs if len(tab.dataframe))
    assert open_tab.label == f"九小场所（{COUNTS_BY_TOWN[EAST_TOWN]['nine_small']}）"


def test_attribute_filter_is_kept_when_another_layers_filters_are_opened(map_ws):
    at = _browse()
    at.selectbox(key=ATTR_LAYER_KEY).set_value("nine_small").run()
    at.multiselect(key="flt_nine_small_category").set_value(["小餐饮"]).run()
    other = next(o for o in at.selectbox(key=ATTR_LAYER_KEY).options if o not in ("选择图层…", "九小场所"))
    at.selectbox(key=ATTR_LAYER_KEY).select(other).run()
    assert not at.exception
    assert _counts(at)["nine_small"] == 3  # still filtered
    assert any("九小场所·场所类别 = 小餐饮" in c.value for c in at.caption)
    assert len(at.multiselect) < 8  # only the open layer's filters are widgets
