"""Accounts: bad input is one clear message with nothing half-written; login, lockout, sessions."""

from __future__ import annotations

import threading

import pytest

from layers.access import (
    AccessError,
    accounts,
    add_user,
    authenticate,
    create_session,
    end_session,
    find_user,
    remove_user,
    session_actor,
    set_disabled,
    set_password,
)
from layers.access.store import access_dir
from tests.access.conftest import PASSWORD, TAIPING

USERS = "users.json"


def _snapshot(root):
    path = access_dir(root) / USERS
    return path.read_bytes() if path.exists() else None


@pytest.mark.parametrize("name,password,role,township,message", [
    ("with space", PASSWORD, "查看", None, "不能有空格"),
    ("<script>alert(1)</script>", PASSWORD, "查看", None, "无效"),
    ("x" * 200, PASSWORD, "查看", None, "用户名过长"),
    ("", PASSWORD, "查看", None, "用户名不能为空"),
    ("empty", "", "查看", None, "密码不能为空"),
    ("long", "p" * 10_000, "查看", None, "密码过长"),
    ("short", "abc", "查看", None, "密码过短"),
    ("nowhere", PASSWORD, "乡镇编辑", "不存在镇", "不在本工作区的乡镇中"),
    ("noreal", PASSWORD, "乡镇编辑", None, "必须指定乡镇"),
    ("admin2", PASSWORD, "管理员", TAIPING, "范围是全县"),
    ("role", PASSWORD, "超级用户", None, "未知角色"),
    ("admin", PASSWORD, "查看", None, "已存在"),
])
def test_bad_account_input_is_one_message_and_nothing_written(with_users, name, password, role, township, message):
    before = _snapshot(with_users)
    with pytest.raises(AccessError, match=message) as info:
        add_user(with_users, name, password, role, township)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300
    assert _snapshot(with_users) == before


def test_passwords_are_argon2id_never_plain(with_users):
    text = (access_dir(with_users) / USERS).read_text(encoding="utf-8")
    assert PASSWORD not in text and text.count("$argon2id$") == 5


def test_login_lockout_after_five_wrong_passwords(with_users):
    for i in range(4):
        with pytest.raises(AccessError, match=f"再错 {4 - i} 次"):
            authenticate(with_users, "viewer", f"wrong-{i}-password", now=1000.0)
    with pytest.raises(AccessError, match="已锁定 15 分钟"):
        authenticate(with_users, "viewer", "wrong-5-password", now=1000.0)
    with pytest.raises(AccessError, match="已锁定"):
        authenticate(with_users, "viewer", PASSWORD, now=1000.0 + 14 * 60)  # the right one, still locked
    assert authenticate(with_users, "viewer", PASSWORD, now=1000.0 + 16 * 60).name == "viewer"


def test_lockout_is_configurable(with_users):
    toml = with_users / "workspace.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[auth]\nmax_failed = 2\nlockout_minutes = 1\n",
                    encoding="utf-8")
    with pytest.raises(AccessError, match="再错 1 次"):
        authenticate(with_users, "viewer", "wrong-password-1", now=0.0)
    with pytest.raises(AccessError, match="已锁定 1 分钟"):
        authenticate(with_users, "viewer", "wrong-password-2", now=0.0)


@pytest.mark.parametrize("password,message", [("", "请输入"), ("p" * 10_000, "密码过长")])
def test_login_with_empty_or_huge_password(with_users, password, message):
    with pytest.raises(AccessError, match=message):
        authenticate(with_users, "admin", password)


def test_unknown_and_disabled_users(with_users):
    with pytest.raises(AccessError, match="用户名或密码错误"):
        authenticate(with_users, "ghost", PASSWORD)
    set_disabled(with_users, "viewer", True)
    with pytest.raises(AccessError, match="已停用"):
        authenticate(with_users, "viewer", PASSWORD)
    set_disabled(with_users, "viewer", False)
    assert authenticate(with_users, "viewer", PASSWORD).role == "查看"


def test_sessions_end_on_logout_disable_remove_and_new_password(with_users):
    cookie, _ = create_session(with_users, "tp")
    assert session_actor(with_users, cookie).township == TAIPING
    assert session_actor(with_users, cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) is None  # forged
    assert end_session(with_users, cookie) == "tp" and session_actor(with_users, cookie) is None
    for end in (lambda: set_disabled(with_users, "tp", True), lambda: remove_user(with_users, "tp")):
        cookie, _ = create_session(with_users, "tp")
        end()  # a user disabled or removed while signed in: the next rerun's check signs them out
        assert session_actor(with_users, cookie) is None
    cookie, _ = create_session(with_users, "viewer")
    set_password(with_users, "viewer", "another-password-9")
    assert session_actor(with_users, cookie) is None


def test_the_last_admin_cannot_be_removed(with_users):
    with pytest.raises(AccessError, match="最后一个可用的管理员"):
        remove_user(with_users, "admin")


def test_two_admins_editing_the_same_user_at_once(with_users):
    errors = []

    def work(fn):
        try:
            fn()
        except Exception as exc:  # collected, then asserted empty
            errors.append(exc)

    jobs = [lambda: set_password(with_users, "viewer", "first-new-password"),
            lambda: set_disabled(with_users, "viewer", True)] * 3
    threads = [threading.Thread(target=work, args=(j,)) for j in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    user = find_user(with_users, "viewer")
    assert user.rev == 7 and user.disabled  # every change applied, none lost; the file is whole
    assert accounts.HASHER.verify(user.password_hash, "first-new-password")


def test_an_edit_based_on_a_stale_read_is_refused(with_users):
    seen = find_user(with_users, "viewer").rev
    set_disabled(with_users, "viewer", True)  # the other admin
    before = _snapshot(with_users)
    with pytest.raises(AccessError, match="已被另一位管理员修改"):
        set_disabled(with_users, "viewer", False, expect_rev=seen)
    assert _snapshot(with_users) == before
