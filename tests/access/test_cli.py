"""``riskmap users …``, ``--user`` / ``RISKMAP_USER`` on the data commands: one stderr line per refusal."""

from __future__ import annotations

import io
import json

import pytest

from riskmap.cli.main import main
from tests.access.conftest import PASSWORD
from tests.access.test_enforce import write_mixed_import


def _run(capsys, monkeypatch, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_users_add_list_passwd_disable_enable_remove(access_ws, capsys, monkeypatch):
    w = ["-w", str(access_ws)]
    assert "还没有账户" in _run(capsys, monkeypatch, ["users", "list", *w])[1]
    code, out, _ = _run(capsys, monkeypatch, ["users", "add", "root", "--role", "管理员", *w], PASSWORD + "\n")
    assert code == 0 and "已添加用户 root" in out
    code, out, _ = _run(capsys, monkeypatch, ["users", "add", "tp", "--role", "乡镇编辑", "--township", "太平镇",
                                              "--display-name", "太平编辑", *w], PASSWORD + "\n")
    assert code == 0
    code, out, _ = _run(capsys, monkeypatch, ["users", "list", "--json", *w])
    listed = json.loads(out)
    assert [u["name"] for u in listed] == ["root", "tp"] and all("password_hash" not in u for u in listed)
    assert _run(capsys, monkeypatch, ["users", "passwd", "tp", *w], "a-new-password\n")[0] == 0
    assert _run(capsys, monkeypatch, ["users", "disable", "tp", *w])[0] == 0
    assert "停用" in _run(capsys, monkeypatch, ["users", "list", *w])[1]
    assert _run(capsys, monkeypatch, ["users", "enable", "tp", *w])[0] == 0
    assert _run(capsys, monkeypatch, ["users", "remove", "tp", *w])[0] == 0
    code, _, err = _run(capsys, monkeypatch, ["users", "remove", "tp", *w])
    assert code == 2 and err.count("\n") == 1 and "没有用户" in err


@pytest.mark.parametrize("argv,stdin,message", [
    (["users", "add", "a b", "--role", "查看"], PASSWORD + "\n", "不能有空格"),
    (["users", "add", "ok", "--role", "查看"], "\n", "密码不能为空"),
    (["users", "add", "ok", "--role", "乡镇编辑", "--township", "火星镇"], PASSWORD + "\n", "不在本工作区"),
    (["users", "passwd", "ghost"], PASSWORD + "\n", "没有用户"),
])
def test_users_bad_input_is_one_line_exit_2(with_users, capsys, monkeypatch, argv, stdin, message):
    code, _, err = _run(capsys, monkeypatch, [*argv, "-w", str(with_users)], stdin)
    assert code == 2 and err.count("\n") == 1 and message in err and "Traceback" not in err


def test_data_commands_act_as_the_named_user(with_users, tmp_path, capsys, monkeypatch):
    w = ["-w", str(with_users)]
    src = tmp_path / "mixed.geojson"
    write_mixed_import(with_users, src)
    code, _, err = _run(capsys, monkeypatch, ["import", "nine_small", str(src), *w])
    assert code == 2 and "--user" in err and err.count("\n") == 1
    code, _, err = _run(capsys, monkeypatch, ["import", "nine_small", str(src), "--user", "tp", "--json", *w])
    assert code == 3 and "非本乡镇数据" in err
    monkeypatch.setenv("RISKMAP_USER", "viewer")
    code, _, err = _run(capsys, monkeypatch, ["rollback", "nine_small", "1", *w])
    assert code == 2 and "回滚只限管理员" in err
    out = tmp_path / "x.csv"
    assert _run(capsys, monkeypatch, ["export", "--township", "all", "--format", "csv", "--out", str(tmp_path / "t"),
                                      *w])[0] == 0
    assert _run(capsys, monkeypatch, ["export", "--township", "太平镇", "--format", "csv", "--out", str(out), *w])[0] == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "138****" in text and "1381234" not in text
    monkeypatch.setenv("RISKMAP_USER", "admin")
    assert "  tp  " in _run(capsys, monkeypatch, ["history", "nine_small", *w])[1]
    code, _, err = _run(capsys, monkeypatch, ["export", "--township", "太平镇", "--format", "csv", "--out",
                                              str(out), "--user", "ghost", *w])
    assert code == 2 and "没有用户" in err
