"""两卡 for 太平镇 on the sample: names, monitor, assigned shelter and distance, page count, fonts embedded."""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest

from layers.store.workspace import load_workspace
from riskmap.cli.main import main
from riskmodel.analysis import unsafe_shelters
from riskmodel.cards import card_sets

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                reason="poppler-utils not installed")


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))


@pytest.fixture(scope="module")
def sample():
    return load_workspace()


def _nearest_safe_shelter(ws, site_id: str) -> tuple[str, float]:
    """By brute force: every shelter that is 可用 and not flagged unsafe, exact metres in EPSG:4545."""
    site = ws.layers["geohazard"].set_index("id").loc[[site_id]].to_crs(ws.metric_crs).geometry.iloc[0]
    sh = ws.layers["shelter"]
    sh = sh[sh["status"].eq("可用") & ~sh["id"].isin(list(unsafe_shelters(ws)))].to_crs(ws.metric_crs)
    d = np.hypot(sh.geometry.x - site.x, sh.geometry.y - site.y).to_numpy()
    return str(sh["name"].iloc[int(d.argmin())]), float(d.min())


def test_taiping_cards(sample, tmp_path, capsys):
    assert main(["cards", "--township", "太平镇", "--out", str(tmp_path)]) == 0
    pdf = tmp_path / "太平镇_两卡.pdf"
    text = _text(pdf)
    site = sample.layers["geohazard"].set_index("id").loc["DZ0001"]
    assert site["name"] == "太平镇九龙村滑坡"
    name, dist = _nearest_safe_shelter(sample, "DZ0001")
    assert "太平镇九龙村滑坡" in text and site["contact_name"] in text and site["contact_phone"] in text
    assert f"{name}（距隐患点 {dist:,.0f} m）" in text
    for label in ("防灾工作明白卡", "防灾避险明白卡", "监测人", "临灾预报判据", "预定避灾地点", "户主签名",
                  "本户与隐患点的位置关系", "医疗救护单位", "发放单位"):
        assert label in text
    assert "None" not in text and "nan" not in text
    towns = sample.layers["geohazard"]
    mine = towns[towns["township"].eq("太平镇")]
    households = int(mine["threatened_households"].sum())
    assert _pages(pdf) == len(mine) + math.ceil(households / 2)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [ln.split() for ln in fonts.splitlines()[2:] if ln.strip()]
    assert rows and all(r[-5] == "yes" for r in rows), fonts  # emb column
    assert "NotoSansCJK" in fonts


def test_household_table_fills_cards_and_masking(sample, tmp_path):
    from layers.imports.households import read_households
    from riskmap.render.cards import render_cards

    table = tmp_path / "户.csv"
    table.write_bytes("隐患点编号,户主,家庭人数,住址,房屋类别,电话\nDZ0001,王大明,4,九龙村3组,砖混,13812345678\n"
                      "DZ0001,李小红,,九龙村4组,土木,\n".encode("gb18030"))
    households = read_households(table, sample.layers["geohazard"]["id"])
    (cs,) = card_sets(sample, ["太平镇"], households)
    by_id = {c.site["id"]: c for c in cs.cards}
    assert [h.head_name for h in by_id["DZ0001"].households] == ["王大明", "李小红"]
    assert by_id["DZ0001"].households[1].people is None  # a blank to write on, not 0
    other = next(c for i, c in by_id.items() if i != "DZ0001")  # not in the table: blank cards by count
    assert len(other.households) == other.site["threatened_households"] and not other.households_from_table
    cs.cards = [by_id["DZ0001"]]
    path = tmp_path / "a.pdf"
    path.write_bytes(render_cards(cs))
    text = _text(path)
    assert "王大明" in text and "13812345678" in text and "砖混" in text and _pages(path) == 1 + 1
    path.write_bytes(render_cards(cs, mask_personal=True))
    masked = _text(path)
    assert "王大明" not in masked and "王某某" in masked and "138****5678" in masked


def test_bad_household_row_names_file_row_and_column(tmp_path, capsys):
    table = tmp_path / "户.csv"
    table.write_text("隐患点编号,户主,家庭人数\nDZ9999,甲,2\nDZ0001,乙,两\n", encoding="utf-8")
    assert main(["cards", "-t", "太平镇", "--out", str(tmp_path / "o"), "--households", str(table)]) == 2
    err = capsys.readouterr().err
    assert "户.csv:第2行:隐患点编号" in err and "户.csv:第3行:家庭人数" in err
    assert not (tmp_path / "o").exists()


def test_township_without_geohazard_sites_gets_an_empty_set_and_a_note(sample, tmp_path, capsys):
    empty = sorted(set(sample.townships["name"]) - set(sample.layers["geohazard"]["township"]))[0]
    assert main(["cards", "--township", empty, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert f"{empty}没有登记地质灾害隐患点" in out.err
    assert list(tmp_path.iterdir()) == []


def test_extra_columns_fill_their_fields_and_missing_ones_stay_blank(tmp_path):
    from riskmap.render.cards import render_cards
    from riskmodel.cards import CardSet, Household, SiteCard

    site = {"id": "DZ7", "name": "测试滑坡", "township": "甲镇", "hazard_type": "滑坡", "scale": None,
            "threatened_households": 3, "contact_name": None, "诱发因素": "强降雨", "monitor_chief": "王主任"}
    card = SiteCard(site, 107.3, 30.3, households=[Household(head_name="赵一", people=3), Household()])
    pdf = render_cards(CardSet("甲镇", [card], "测试县"))
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    text = _text(path)
    assert "强降雨" in text and "王主任" in text and "赵一" in text and "测试滑坡" in text
    assert "None" not in text and "nan" not in text and "____ 万元" in text  # blanks to write on
    assert _pages(path) == 1 + 1
