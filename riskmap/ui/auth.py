"""Who is using the app: the login gate every page passes, the sidebar's user line, the masked workspace.

With no accounts (and no ``[auth] required = true``) the app runs as the local operator, with a notice
that login is off. Otherwise the session cookie (set by ``/login``, see ``login_routes``) is checked on
every rerun against the server-side session store: a signed-out, disabled or removed user sees only the
way to the login form, and no registry data is sent.
"""

from __future__ import annotations

import streamlit as st

from layers.access import (
    COOKIE_NAME,
    LOCAL_OPERATOR,
    Actor,
    end_session,
    login_required,
    record,
    session_actor,
)
from riskmap.ui.login_routes import ACTIVE
from riskmap.ui.state import t, workspace_root

__all__ = ["ACTOR_KEY", "current_actor", "login_gate"]

ACTOR_KEY = "riskmap_actor"


def _client() -> str | None:
    return getattr(st.context, "ip_address", None)


def _to_login(message: str) -> None:
    st.title(t("垫江县安全风险一张图", "Dianjiang safety-risk map"))
    st.warning(message)
    st.markdown(f'<a href="/login" target="_self">{t("前往登录", "Sign in")}</a>', unsafe_allow_html=True)
    st.session_state.pop(ACTOR_KEY, None)
    st.stop()


def login_gate() -> Actor:
    """The acting user for this rerun, or stop the page at the way to the login form."""
    root = workspace_root()
    if not login_required(root):
        st.session_state[ACTOR_KEY] = LOCAL_OPERATOR
        st.sidebar.caption(t("未启用登录：本工作区没有账户，以本机操作员身份使用（管理员可用 riskmap users add 添加）",
                             "Login is off: this workspace has no accounts."))
        return LOCAL_OPERATOR
    if not ACTIVE["routes"]:
        st.error(t("此工作区已配置账户，需要登录：请用 riskmap serve 启动应用（它提供登录页）。",
                   "This workspace has accounts: start the app with riskmap serve (it serves the login page)."))
        st.stop()
    cookie = st.context.cookies.get(COOKIE_NAME)
    actor = session_actor(root, cookie)
    if actor is None:
        _to_login(t("请先登录（或登录已失效）。", "Please sign in (or your session has ended)."))
    assert actor is not None
    st.session_state[ACTOR_KEY] = actor
    with st.sidebar:
        st.markdown(t(f"**当前用户**：{actor.label}", f"**Signed in**: {actor.label}"))
        if st.button(t("退出登录", "Sign out"), key="auth_logout"):
            if end_session(root, cookie):
                record(root, actor, "logout", "app", client=_client())
            _to_login(t("已退出登录。", "Signed out."))
    return actor


def current_actor() -> Actor:
    """The user the gate let in on this rerun (pages pass it to every library call)."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:  # fail closed: a page reached without the gate
        if login_required(workspace_root()):
            st.stop()
        return LOCAL_OPERATOR
    return actor
