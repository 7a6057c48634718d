"""analyze_workspace / write_outputs / riskmap analyze: files, columns, read back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import LayerFileError
from layers.store.workspace import DEFAULT_WORKSPACE
from riskmap.cli.main import main
from riskmodel.analysis import analyze_workspace, write_outputs
from riskmodel.rules import load_rules

SPEC_COLUMNS = {
    "pairs": ["hazard_layer", "hazard_id", "element_layer", "element_id", "distance_m", "ring"],
    "hazards": ["layer", "id", "township", "danger_radius_m", "watch_radius_m", "radius_source"],
    "townships": ["code", "name"],
}


def test_write_outputs_round_trip_with_bom(zoo, tmp_path):
    a = analyze_workspace(zoo)
    paths = write_outputs(a, tmp_path / "out")
    assert {"pairs", "hazards", "townships", "coverage", "violations", "summary"} <= set(paths)
    for name, cols in SPEC_COLUMNS.items():
        raw = Path(paths[name]).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        back = pd.read_csv(paths[name], encoding="utf-8-sig", dtype={"code": str})
        assert list(back.columns[: len(cols)]) == cols
        assert len(back) == len(getattr(a, name))
    back = pd.read_csv(paths["pairs"], encoding="utf-8-sig")
    assert sorted(back["distance_m"].round(3)) == sorted(a.pairs["distance_m"].round(3))
    hz = pd.read_csv(paths["hazards"], encoding="utf-8-sig").set_index("id")
    assert hz.loc["DZ-G1", "nine_small_danger"] == 2 and hz.loc["DZ-G1", "nine_small_watch"] == 3
    summary = json.loads(Path(paths["summary"]).read_text(encoding="utf-8"))
    assert summary["pairs"] == 9 and summary["violations"]["ferry_in_flood_zone"] == 1
    assert "风险指数" in summary["risk_index_formula"]


def test_elements_count_multi_hazard_exposure(make_ws, zoo_rows):
    zoo_rows["geohazard"].append(
        dict(
            id="DZ-G2",
            name="第二处",
            township="甲镇",
            hazard_type="滑坡",
            threat_radius_m=300.0,
            status="监测中",
            xy=(500_400.0, 3_350_500.0),
        )
    )
    e = analyze_workspace(make_ws(layers=zoo_rows)).elements.set_index("element_id")
    assert e.loc["JX-IN-D", "hazards_danger"] == 2  # within 100 m of G1 and 300 m of G2
    assert e.loc["JX-GAS", "hazard_layers"] == "gas_risk"


def test_unusable_shelter_reason_is_the_rule(zoo):
    s = analyze_workspace(zoo).shelters.set_index("id")
    assert (
        not s.loc["BN-S3", "usable"] and s.loc["BN-S3", "unusable_reason"] == "避难场所位于地灾隐患点危险区"
    )
    assert "停用" in s.loc["BN-S4", "unusable_reason"] and s.loc["BN-S1", "usable"]


def test_overrides_from_the_workspace_config_are_used(make_ws):
    ws = make_ws(config={"rules": {"geohazard": {"watch_factor": 1.0}}})
    a = analyze_workspace(ws)
    assert set(a.pairs.loc[a.pairs["hazard_id"] == "DZ-G1", "ring"]) == {"danger"}
    assert a.summary["rules_overridden"] == ["geohazard.watch_factor"]
    assert analyze_workspace(ws, load_rules({})).summary["rules_overridden"] == []


def test_cli_analyze_on_bundled_sample_json(tmp_path, capsys):
    assert main(["analyze", "--out", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"outputs", "summary"}
    towns = pd.read_csv(doc["outputs"]["townships"], encoding="utf-8-sig", dtype={"code": str})
    assert len(towns) == 26 and towns["code"].str.len().eq(12).all()
    pairs = pd.read_csv(doc["outputs"]["pairs"], encoding="utf-8-sig")
    assert set(pairs["ring"]) <= {"danger", "watch"}
    assert doc["summary"]["totals"]["n_village"] == 301


def test_cli_bad_rule_override_is_one_line_exit_2(tmp_path, capsys):
    ws = tmp_path / "ws"
    shutil.copytree(DEFAULT_WORKSPACE, ws, ignore=shutil.ignore_patterns(".history", ".locks", "flood"))
    toml = ws / "workspace.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "[rules]", '[rules]\nshelter = { service_radius_m = { "紧急" = "很远" } }'
        ),
        encoding="utf-8",
    )
    assert main(["analyze", "--workspace", str(ws), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "shelter.service_radius_m.紧急" in err[0] and "非负数字" in err[0]
    assert not (tmp_path / "out").exists()


def test_unwritable_out_is_one_clear_error(zoo, tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(LayerFileError, match="无法写入"):
        write_outputs(analyze_workspace(zoo), blocker / "out")


def test_sites_with_missing_location_or_type_are_skipped_not_fatal(make_ws, zoo_rows):
    zoo_rows["geohazard"].append(
        dict(id="DZ-NOTYPE", name="无类型", township="甲镇", xy=(500_500.0, 3_350_500.0))
    )
    ws = make_ws(layers=zoo_rows)
    ws.layers["nine_small"].loc[0, "geometry"] = None  # JX-EDGE-D lost its location
    ws.layers["shelter"].loc[1, "geometry"] = None  # BN-S2 too
    a = analyze_workspace(ws)
    assert "JX-EDGE-D" not in set(a.pairs["element_id"]) and "DZ-NOTYPE" not in set(a.pairs["hazard_id"])
    hz = a.hazards.set_index("id")
    assert hz.loc["DZ-NOTYPE", "radius_source"] == "missing"
    cov = a.coverage.set_index("id")
    assert pd.isna(cov.loc["JX-EDGE-D", "distance_m"]) and not cov.loc["JX-EDGE-D", "covered_any"]
    assert cov.loc["500231002201", "shelter_id"] == "BN-S1"  # BN-S2 has no location, BN-S4 is 停用
    assert not cov.loc["500231002201", "covered_any"]
