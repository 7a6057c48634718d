from __future__ import annotations

import json
import re

from map_workspace import COUNTS_BY_TOWN, EAST_TOWN, XSS_NAME

from riskmap.cli.main import main


def test_map_command_writes_self_contained_html(ws, tmp_path, capsys):
    out = tmp_path / "map.html"
    code = main(["map", "--workspace", str(ws.root), "--out", str(out), "--township", EAST_TOWN, "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"] == COUNTS_BY_TOWN[EAST_TOWN]
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)
    assert XSS_NAME not in html


def test_map_command_bad_layer_is_one_line_exit_2(ws, tmp_path, capsys):
    code = main(["map", "--workspace", str(ws.root), "--out", str(tmp_path / "x.html"), "--layers", "nope"])
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and "geohazard" in err and "Traceback" not in err
    assert not (tmp_path / "x.html").exists()


def test_map_command_accepts_chinese_layer_labels_like_export(ws, tmp_path, capsys):
    """Bug 5: ``riskmap map --layers 地质灾害隐患点`` was refused while ``export`` accepted it."""
    from layers.kinds import LAYER_KINDS

    kind = LAYER_KINDS[0]
    out = tmp_path / "map.html"
    code = main(["map", "--workspace", str(ws.root), "--out", str(out), "--layers", kind.label,
                 "--no-analysis", "--no-hillshade", "--json"])
    assert code == 0, capsys.readouterr().err
    assert list(json.loads(capsys.readouterr().out)["counts"]) == [kind.id]
