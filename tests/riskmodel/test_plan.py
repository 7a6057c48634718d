"""Work-plan targets: the hand-checked fixture (count, rate, sum, manual, 滞后), bad plan.toml, progress log."""

from __future__ import annotations

import json
import tomllib
from datetime import date

import pytest

from layers.access import Actor
from layers.store.workspace import load_workspace
from riskmap.cli.main import main
from riskmodel.plan import PlanError, parse_plan
from riskmodel.planfile import (
    compute_workspace_plan,
    kinds_by_id,
    load_plan,
    local_operator,
    read_progress,
    set_progress,
)
from tests.riskmodel.plan_fixture import AS_OF, PLAN_TOML, write_plan_workspace


@pytest.fixture
def plan_ws(tmp_path):
    return write_plan_workspace(tmp_path / "ws")


def _result(root, **kw):
    return compute_workspace_plan(load_workspace(root), as_of=date.fromisoformat(AS_OF), **kw)


def _row(result, tid):
    return result.targets.set_index("id").loc[tid]


def test_hand_checked_count_rate_sum_and_behind(plan_ws):
    set_progress(plan_ws, load_plan(plan_ws), "pipe_km", 54, "验收单 1 号", actor=Actor("测试员", "县级编辑"))
    r = _result(plan_ws)
    a = _row(r, "anemometer")
    assert (a.value, a.percent, a.status, a.counted, a.pending, a.missing) == (2, 50, "滞后", 2, 2, 1)
    assert a.time_share == pytest.approx(273 / 364) and a.holding_back == "乙镇"
    v = _row(r, "video")
    assert (v.value, v.denominator, v.status) == (80, 5, "进行中")
    s = _row(r, "relocated")
    assert (s.value, s.status, s.missing, s.holding_back) == (15, "滞后", 1, "乙镇")
    assert (_row(r, "pipe_km").value, _row(r, "pipe_km").status) == (54, "滞后")
    assert (_row(r, "done_one").status, _row(r, "done_one").holding_back) == ("已完成", "")  # F2 is not needed
    sites = r.sites[r.sites["target_id"].eq("anemometer")].set_index("id")["state"].to_dict()
    assert sites == {"F1": "计入", "F2": "未完成", "F3": "计入", "F4": "数据缺失", "F6": "未完成"}
    missing = r.sites[r.sites["state"].eq("数据缺失")].set_index("id")["missing_field"].to_dict()
    assert missing == {"F4": "has_anemometer", "G2": "threatened_people"}
    towns = r.townships[r.townships["target_id"].eq("video")].set_index("township")
    assert towns.loc["甲街道", "percent"] == 100 and towns.loc["乙镇", "percent"] == pytest.approx(200 / 3)
    head = r.headline()
    assert (head["done"], head["total"]) == (1, 5)
    assert [m["id"] for m in head["most_behind"]] == ["anemometer", "pipe_km", "relocated"]


def test_margin_and_township_filter(plan_ws):
    text = PLAN_TOML.replace("behind_margin = 0.1", "behind_margin = 0.3")
    (plan_ws / "plan.toml").write_text(text, encoding="utf-8")
    r = _result(plan_ws)
    assert _row(r, "anemometer").status == "进行中"  # 0.75 − 0.5 ≤ 0.3
    west = _result(plan_ws, township="500231001000")  # by code: 甲街道
    assert _row(west, "anemometer").value == 1 and set(west.sites["township"].dropna()) == {"甲街道"}


@pytest.mark.parametrize(("old", "new", "needle"), [
    ('layer = "geohazard"', 'layer = "volcano"', "目标 relocated: layer: 未知图层 “volcano”"),
    ('done = { video_connected = true }', 'done = { camera = true }', "目标 video: done.camera: 图层 ferry 没有字段"),
    ('scope = { status = ["运营", "停渡"] }\ndone = { has', 'scope = { status = ["开放"] }\ndone = { has',
     "目标 anemometer: scope.status: “开放”不在允许值中"),
    ("target = 108", "target = 0", "目标 pipe_km: target: 目标值“0”应为大于 0 的数"),
    ("target = 30", "target = -5", "目标 relocated: target:"),
    ('id = "video"', 'id = "anemometer"', "目标 anemometer: id: 目标编号重复"),
    ('field = "threatened_people"', 'field = "hazard_type"', "目标 relocated: field: 字段 “hazard_type” 不是数值"),
])
def test_bad_plan_is_one_line_naming_target_and_key(plan_ws, capsys, old, new, needle):
    assert old in PLAN_TOML
    (plan_ws / "plan.toml").write_text(PLAN_TOML.replace(old, new, 1), encoding="utf-8")
    assert main(["plan", "--workspace", str(plan_ws)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_unknown_layer_is_an_error_only_against_the_kinds():
    doc = tomllib.loads(PLAN_TOML.replace('layer = "geohazard"', 'layer = "future_registry"'))
    assert parse_plan(doc).target("relocated").layer == "future_registry"  # form only
    with pytest.raises(PlanError, match="relocated: layer"):
        parse_plan(doc, kinds_by_id())


def test_manual_progress_is_append_only_chained_and_refuses_measured_targets(plan_ws, capsys):
    assert main(["plan", "set", "pipe_km", "20", "--note", "一期", "--workspace", str(plan_ws)]) == 0
    assert main(["plan", "set", "pipe_km", "54", "--note", "二期", "-w", str(plan_ws)]) == 0
    entries = read_progress(plan_ws)
    assert [(e["version"], e["value"], e["previous"], e["note"]) for e in entries] == [
        (1, 20.0, None, "一期"), (2, 54.0, 20.0, "二期")]
    assert entries[1]["actor"] == local_operator() and entries[1]["time"].endswith("+08:00")  # no accounts
    before = (plan_ws / "plan_progress.jsonl").read_bytes()
    capsys.readouterr()
    assert main(["plan", "set", "anemometer", "3", "--note", "x", "-w", str(plan_ws)]) == 2
    assert "不能手工填报" in capsys.readouterr().err
    assert main(["plan", "set", "pipe_km", "-1", "--note", "x", "-w", str(plan_ws)]) == 2
    assert main(["plan", "set", "pipe_km", "5", "-w", str(plan_ws)]) == 2  # no note
    assert (plan_ws / "plan_progress.jsonl").read_bytes() == before  # nothing written
    lines = before.decode().splitlines()
    (plan_ws / "plan_progress.jsonl").write_text(lines[0].replace("20.0", "99.0") + "\n" + lines[1] + "\n",
                                                 encoding="utf-8")
    with pytest.raises(PlanError, match="第 2 行的校验链断开"):
        read_progress(plan_ws)


def test_plan_json_follows_the_documented_schema(plan_ws, tmp_path, capsys):
    assert main(["plan", "--json", "--as-of", AS_OF, "--out", str(tmp_path / "out"), "-w", str(plan_ws)]) == 0
    doc = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert set(doc) >= {"plan", "as_of", "township", "sample", "summary", "targets", "warnings", "outputs"}
    assert set(doc["plan"]) == {"year", "document", "title", "source", "behind_margin"}
    assert set(doc["summary"]) == {"done", "total", "behind", "most_behind"}
    t = doc["targets"][0]
    assert set(t) >= {"id", "name", "measure", "layer", "value", "target", "unit", "percent", "status",
                      "time_share", "done_share", "gap", "deadline", "counted", "pending", "missing",
                      "denominator", "holding_back", "wording", "clause", "units", "note", "townships", "sites"}
    assert t["units"] == ["交通局"] and t["status"] == "滞后" and t["denominator"] is None
    assert doc["targets"][1]["denominator"] == 5 and isinstance(doc["targets"][1]["denominator"], int)
    assert set(t["townships"][0]) == {"township", "value", "counted", "pending", "missing", "denominator", "percent"}
    assert set(t["sites"][0]) == {"layer", "id", "name", "township", "village", "state", "amount", "missing_field"}
    assert json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))["targets"][0]["id"] == "anemometer"
    assert (tmp_path / "out" / "plan_sites.csv").read_bytes().startswith(b"\xef\xbb\xbf")
