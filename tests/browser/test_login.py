"""Login in the running app (Debian chromium): only the login form before signing in, lockout after five
wrong passwords, the session survives a reload, and 退出登录 ends it on the server."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from layers.access import COOKIE_NAME, accounts
from tests.access.conftest import PASSWORD, TAIPING, write_access_workspace
from tests.browser.test_map_app import _map_frame

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def login_ws(tmp_path_factory):
    root = write_access_workspace(tmp_path_factory.mktemp("login") / "ws")
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # still argon2id; the server verifies it
    saved, accounts.HASHER = accounts.HASHER, fast
    try:
        accounts.add_user(root, "admin", PASSWORD, "管理员", display_name="王管理")
        accounts.add_user(root, "tp", PASSWORD, "乡镇编辑", TAIPING)
        accounts.add_user(root, "locky", PASSWORD, "查看")
    finally:
        accounts.HASHER = saved
    return root


def _sign_in(page, url, name, password):
    page.goto(url)
    page.wait_for_url(re.compile(r"/login"))
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("button[type=submit]")


def _signed_in(page, who: str, timeout_ms: float = 60_000) -> None:
    page.get_by_text(f"当前用户：{who}", exact=False).first.wait_for(timeout=timeout_ms)


def test_anonymous_visit_shows_only_the_login_form(streamlit_server, login_ws, offline_page):
    url = streamlit_server(login_ws)
    page, blocked = offline_page()
    for path in ("/", "/map", "/data"):
        page.goto(url + path)
        page.wait_for_url(re.compile(r"/login"))
        html = page.content()
        for label in ("用户名", "密码", "登录"):
            assert label in html
        assert "张三丰" not in html and "13812340" not in html and "DZ0001" not in html
    assert blocked == []


def test_wrong_password_then_lockout_on_the_sixth_try(streamlit_server, login_ws, offline_page):
    url = streamlit_server(login_ws)
    page, _ = offline_page()
    for i in range(5):
        _sign_in(page, url, "locky", f"wrong-password-{i}")
        err = page.locator(".err").inner_text()
        assert ("用户名或密码错误" in err) if i < 4 else ("已锁定" in err)
    _sign_in(page, url, "locky", PASSWORD)  # the right password, but locked
    assert "已锁定" in page.locator(".err").inner_text()
    assert "/login" in page.url and not [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]


def test_login_shows_the_map_reload_keeps_it_logout_kills_the_cookie(
    streamlit_server, login_ws, offline_page
):
    url = streamlit_server(login_ws)
    page, blocked = offline_page()
    _sign_in(page, url, "admin", PASSWORD)
    _signed_in(page, "王管理（管理员 · 全县）")
    assert _map_frame(page).evaluate("Object.keys(RM.counts).length") > 0  # the overview's map drew
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["httpOnly"]
    page.reload()
    _signed_in(page, "王管理（管理员 · 全县）")
    assert "/login" not in page.url
    page.get_by_role("button", name="退出登录").click()
    page.get_by_text("已退出登录").wait_for(timeout=30_000)
    other, _ = offline_page()  # a new browser with the copied cookie
    other.context.add_cookies([cookie])
    other.goto(url + "/map")
    other.wait_for_url(re.compile(r"/login"))
    assert "张三丰" not in other.content()
    assert blocked == []
