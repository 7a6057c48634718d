"""The audit log: one line per changed site with old and new values; the hash chain finds an edited,
removed or swapped line (``riskmap audit verify`` exits 1 naming it); never a password, hash or token."""

from __future__ import annotations

import json

import pytest

from layers.access import audit_path, authenticate, create_session, find_user, read_audit, verify_audit
from layers.imports.importer import apply_import, plan_import
from layers.store.workspace import load_workspace
from riskmap.cli.main import main
from tests.access.conftest import PASSWORD
from tests.access.test_enforce import write_mixed_import


def test_import_writes_one_line_per_changed_site_with_old_and_new(with_users, tmp_path):
    tp_id, bj_id = write_mixed_import(with_users, tmp_path / "mixed.geojson")
    old_phone = next(f for f in load_workspace(with_users).layers["nine_small"].itertuples()
                     if f.id == tp_id).contact_phone
    county = find_user(with_users, "county").actor
    apply_import(plan_import(load_workspace(with_users), "nine_small", tmp_path / "mixed.geojson", actor=county))
    changes = read_audit(with_users, action="change")
    assert sorted(e["target"] for e in changes) == sorted([f"nine_small/{tp_id}", f"nine_small/{bj_id}"])
    first = next(e for e in changes if e["target"] == f"nine_small/{tp_id}")
    assert first["user"] == "county" and first["role"] == "县级编辑"
    assert first["detail"]["changes"] == [{"field": "contact_phone", "old": old_phone, "new": "13900000000"}]
    assert [e["target"] for e in read_audit(with_users, action="add")] == ["nine_small/JX9001", "nine_small/JX9002"]
    (imp,) = read_audit(with_users, action="import")
    assert imp["detail"]["accepted"] == 4 and imp["detail"]["rejected"] == 0 and imp["detail"]["updated"] == 2
    assert verify_audit(with_users).ok


def _lines(root):
    return audit_path(root).read_bytes().split(b"\n")[:-1]


def _write(root, lines):
    audit_path(root).write_bytes(b"".join(line + b"\n" for line in lines))


def _edit(lines):
    e = json.loads(lines[2])
    e["user"] = "someone-else"
    lines[2] = json.dumps(e, ensure_ascii=False).encode()
    return lines, 3


def _delete(lines):
    del lines[2]
    return lines, 3


def _swap(lines):
    lines[2], lines[3] = lines[3], lines[2]
    return lines, 3


def _drop_last(lines):
    return lines[:-1], len(lines)


@pytest.mark.parametrize("tamper", [_edit, _delete, _swap, _drop_last], ids=["edit", "delete", "swap", "drop-last"])
def test_verify_names_the_first_bad_line(with_users, capsys, tamper):
    assert main(["audit", "verify", "-w", str(with_users)]) == 0
    lines, bad = tamper(_lines(with_users))
    _write(with_users, lines)
    assert main(["audit", "verify", "-w", str(with_users)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and (f"第 {bad} 行" in err or "末尾" in err)
    check = verify_audit(with_users)
    assert not check.ok and check.bad_line == bad


def test_no_secret_reaches_the_log(with_users):
    authenticate(with_users, "admin", PASSWORD, client="10.0.0.7")
    cookie, _ = create_session(with_users, "admin")
    with pytest.raises(Exception, match="错误"):
        authenticate(with_users, "admin", "not-the-password-xyz")
    text = audit_path(with_users).read_text(encoding="utf-8")
    assert PASSWORD not in text and "not-the-password-xyz" not in text
    assert "$argon2" not in text and cookie.split(".")[0] not in text
    actions = [e["action"] for e in read_audit(with_users)]
    assert actions.count("user_add") == 5 and "login" in actions and "login_failed" in actions
    assert read_audit(with_users, action="login")[0]["client"] == "10.0.0.7"
    assert read_audit(with_users, action="login")[0]["time"].endswith("+08:00")


def test_audit_list_filters(with_users, capsys):
    authenticate(with_users, "tp", PASSWORD)
    assert main(["audit", "-w", str(with_users), "--user", "tp", "--action", "login"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "tp（乡镇编辑）登录" in out[0]
    assert main(["audit", "-w", str(with_users), "--since", "2999-01-01"]) == 0
    assert "没有符合条件" in capsys.readouterr().out
    assert main(["audit", "-w", str(with_users), "--action", "nope"]) == 2
