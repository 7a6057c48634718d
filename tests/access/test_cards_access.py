"""两卡 as the acting user may have them: masked for whoever may not see the township's personal data,
refused for a role without export, one audit line per PDF (``riskmap cards --user``)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from layers.access import read_audit
from riskmap.cli.main import main
from tests.access.conftest import BAIJIA, TAIPING

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

HOUSEHOLDS = "隐患点编号,户主,家庭人数,住址,房屋类别,电话\n{site},王大明,4,九龙村3组,砖混,13812345678\n"


def _households(ws, tmp_path):
    import geopandas as gpd

    sites = gpd.read_file(ws / "geohazard.geojson")
    site = str(sites.loc[sites["township"] == TAIPING, "id"].iloc[0])
    path = tmp_path / "户.csv"
    path.write_text(HOUSEHOLDS.format(site=site), encoding="utf-8")
    return path


def _cards(ws, tmp_path, user: str) -> tuple[int, str]:
    out = tmp_path / f"out_{user}"
    code = main(["cards", "--township", TAIPING, "--out", str(out), "--households", str(_households(ws, tmp_path)),
                 "-w", str(ws), "--user", user])
    pdf = out / f"{TAIPING}_两卡.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout \
        if pdf.exists() else ""
    return code, text


@pytest.mark.parametrize("user", ["admin", "tp"])
def test_who_sees_the_township_in_full_gets_names_and_phones(with_users, tmp_path, user):
    code, text = _cards(with_users, tmp_path, user)
    assert code == 0
    assert "王大明" in text and "13812345678" in text and "张三丰" in text


def test_viewer_gets_every_name_and_phone_masked_and_it_is_audited(with_users, tmp_path):
    code, text = _cards(with_users, tmp_path, "viewer")
    assert code == 0 and text
    assert "王大明" not in text and "13812345678" not in text and "张三丰" not in text
    assert "王某某" in text and "138****5678" in text
    line = [e for e in read_audit(with_users, user="viewer") if e["action"] == "export"][-1]
    assert line["target"].startswith(TAIPING) and line["detail"]["masked"] is True


def test_editor_of_another_township_gets_them_masked(with_users, tmp_path):
    from layers.access import accounts
    from tests.access.conftest import PASSWORD

    accounts.add_user(with_users, "bj", PASSWORD, "乡镇编辑", BAIJIA)
    code, text = _cards(with_users, tmp_path, "bj")
    assert code == 0 and "王大明" not in text and "王某某" in text


def test_leadership_may_not_export_cards(with_users, tmp_path, capsys):
    code, text = _cards(with_users, tmp_path, "boss")
    assert code != 0 and text == ""
    assert "无权导出" in capsys.readouterr().err
