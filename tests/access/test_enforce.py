"""The library refuses what a role does not allow (import, save, rollback, export), one message each,
and a 乡镇编辑's import keeps their own township's rows and rejects the others as 非本乡镇数据."""

from __future__ import annotations

import json

import pytest

from layers.access import AccessDeniedError, find_user
from layers.access.guard import NOT_OWN_TOWNSHIP
from layers.exports import export_bytes
from layers.imports.importer import apply_import, plan_import
from layers.selection import Selection
from layers.store.workspace import layer_history, layer_path, load_workspace, rollback_layer, save_layer
from tests.access.conftest import BAIJIA, TAIPING


def _actor(root, name):
    return find_user(root, name).actor


def write_mixed_import(root, path):
    """Two changed sites (one per township) and two new ones (one per township) of nine_small."""
    doc = json.loads(layer_path(root, "nine_small").read_text(encoding="utf-8"))
    feats = doc["features"]
    tp = next(f for f in feats if f["properties"]["township"] == TAIPING)
    bj = next(f for f in feats if f["properties"]["township"] == BAIJIA)
    out = []
    for f, new_id in ((tp, "JX9001"), (bj, "JX9002")):
        changed = json.loads(json.dumps(f))
        changed["properties"]["contact_phone"] = "13900000000"
        added = json.loads(json.dumps(f))
        added["properties"]["id"] = new_id
        out += [changed, added]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": out}, ensure_ascii=False), encoding="utf-8")
    return tp["properties"]["id"], bj["properties"]["id"]


def test_township_editor_import_mixed_townships(with_users, tmp_path):
    tp_id, bj_id = write_mixed_import(with_users, tmp_path / "mixed.geojson")
    ws = load_workspace(with_users)
    plan = plan_import(ws, "nine_small", tmp_path / "mixed.geojson", actor=_actor(with_users, "tp"))
    assert plan.accepted == 2 and {r.id for r in plan.rejected} == {bj_id, "JX9002"}
    assert all(NOT_OWN_TOWNSHIP in "；".join(r.reasons) for r in plan.rejected)
    version = apply_import(plan)
    assert version.user == "tp" and layer_history(with_users, "nine_small")[-1].user == "tp"
    after = {f["properties"]["id"]: f["properties"] for f in
             json.loads(layer_path(with_users, "nine_small").read_text(encoding="utf-8"))["features"]}
    assert after[tp_id]["contact_phone"] == "13900000000" and "JX9001" in after
    assert after[bj_id]["contact_phone"] != "13900000000" and "JX9002" not in after


def test_township_editor_cannot_move_a_site_into_their_township(with_users, tmp_path):
    doc = json.loads(layer_path(with_users, "nine_small").read_text(encoding="utf-8"))
    bj = next(f for f in doc["features"] if f["properties"]["township"] == BAIJIA)
    bj["properties"]["township"] = TAIPING  # claims another township's site
    (tmp_path / "move.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [bj]},
                                                      ensure_ascii=False), encoding="utf-8")
    plan = plan_import(load_workspace(with_users), "nine_small", tmp_path / "move.geojson",
                       actor=_actor(with_users, "tp"))
    assert plan.accepted == 0 and NOT_OWN_TOWNSHIP in plan.rejected[0].reasons[-1]


@pytest.mark.parametrize("who", ["viewer", "boss"])
def test_read_only_roles_cannot_import(with_users, tmp_path, who):
    write_mixed_import(with_users, tmp_path / "mixed.geojson")
    with pytest.raises(AccessDeniedError, match="无权导入"):
        plan_import(load_workspace(with_users), "nine_small", tmp_path / "mixed.geojson",
                    actor=_actor(with_users, who))


def test_township_editor_cannot_replace_a_layer(with_users, tmp_path):
    write_mixed_import(with_users, tmp_path / "mixed.geojson")
    with pytest.raises(AccessDeniedError, match="不能整体替换"):
        plan_import(load_workspace(with_users), "nine_small", tmp_path / "mixed.geojson", mode="replace",
                    actor=_actor(with_users, "tp"))


def test_save_by_township_editor_touching_another_township_writes_nothing(with_users):
    ws = load_workspace(with_users)
    before = layer_path(with_users, "shelter").read_bytes()
    frame = ws.layers["shelter"].copy()
    frame.loc[frame["township"] == BAIJIA, "capacity_people"] = 1
    with pytest.raises(AccessDeniedError, match=NOT_OWN_TOWNSHIP):
        save_layer(with_users, "shelter", frame, actor=_actor(with_users, "tp"))
    assert layer_path(with_users, "shelter").read_bytes() == before and not layer_history(with_users, "shelter")
    frame = ws.layers["shelter"].copy()
    frame.loc[frame["township"] == TAIPING, "capacity_people"] = 1
    assert save_layer(with_users, "shelter", frame, actor=_actor(with_users, "tp")).user == "tp"
    with pytest.raises(AccessDeniedError, match="无权修改"):
        save_layer(with_users, "shelter", ws.layers["shelter"], actor=_actor(with_users, "viewer"))


def test_rollback_is_for_admins_only(with_users):
    ws = load_workspace(with_users)
    save_layer(with_users, "ferry", ws.layers["ferry"], actor=_actor(with_users, "county"))
    for who in ("county", "tp", "viewer"):
        with pytest.raises(AccessDeniedError, match="回滚只限管理员"):
            rollback_layer(with_users, "ferry", 1, actor=_actor(with_users, who))
    assert rollback_layer(with_users, "ferry", 1, actor=_actor(with_users, "admin")).user == "admin"


def test_leadership_cannot_export(with_users):
    with pytest.raises(AccessDeniedError, match="无权导出"):
        export_bytes(load_workspace(with_users), Selection(), "csv", actor=_actor(with_users, "boss"))
