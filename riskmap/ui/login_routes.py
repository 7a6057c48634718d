"""The login page and sign-out, served by the app's own server (``app_server.py``, an ``st.App``).

* ``GET /login`` — a plain form (用户名, 密码, 登录); nothing from the registries is in it.
* ``POST /login`` — checks the password (``layers.access.authenticate``: lockout, audit), opens a
  server-side session and sets it as a signed, expiring, HttpOnly, SameSite cookie; then to the app.
* ``GET|POST /logout`` — ends the session on the server (a copied cookie stops working) and clears it.
* A middleware sends every page request without a valid session to ``/login``; the app script checks
  the session again on every rerun, so no registry data reaches a browser that is not signed in.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from urllib.parse import quote, urlparse

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from layers.access import (
    COOKIE_NAME,
    AccessError,
    authenticate,
    create_session,
    end_session,
    login_required,
    record,
    session_actor,
)
from layers.store.workspace import DEFAULT_WORKSPACE

__all__ = ["ACTIVE", "auth_middleware", "auth_routes"]

ACTIVE = {"routes": False}  # set when app_server.py serves these routes (the app script checks it)
_OPEN_PREFIXES = ("/_stcore", "/static/", "/app/static", "/component", "/media", "/login", "/logout",
                  "/favicon", "/manifest", "/-/")

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>登录 · 垫江县安全风险一张图</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f4f6f8;margin:0}}
main{{max-width:360px;margin:12vh auto;background:#fff;padding:32px;border-radius:8px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}}
h1{{font-size:20px;margin:0 0 20px}} label{{display:block;margin:14px 0 6px;font-size:14px}}
input{{width:100%;box-sizing:border-box;padding:8px;font-size:15px;border:1px solid #ccd;border-radius:4px}}
button{{margin-top:22px;width:100%;padding:10px;font-size:16px;background:#c62828;color:#fff;border:0;
border-radius:4px;cursor:pointer}} .err{{color:#b00020;margin-top:14px;font-size:14px}}
.note{{color:#667;font-size:12px;margin-top:18px}}
</style></head><body><main>
<h1>垫江县安全风险一张图</h1>
<form method="post" action="/login" autocomplete="off">
<label for="username">用户名</label><input id="username" name="username" maxlength="64" required autofocus>
<label for="password">密码</label><input id="password" name="password" type="password" required>
<input type="hidden" name="next" value="{next}">
<button type="submit">登录</button>
</form>{error}
<p class="note">账户由管理员在服务器上用 riskmap users add 创建。</p>
</main></body></html>"""


def _root() -> Path:
    return Path(os.environ.get("RISKMAP_WORKSPACE", DEFAULT_WORKSPACE))


def _safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _page(next_url: str = "/", error: str = "", status: int = 200) -> HTMLResponse:
    err = f'<p class="err" role="alert">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(_PAGE.format(next=html.escape(next_url, quote=True), error=err), status_code=status,
                        headers={"Cache-Control": "no-store"})


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


async def login_page(request: Request) -> Response:
    if not login_required(_root()):
        return RedirectResponse("/", status_code=303)
    return _page(_safe_next(request.query_params.get("next")))


async def login_submit(request: Request) -> Response:
    form = await request.form(max_fields=10, max_part_size=64 * 1024)
    name, password = str(form.get("username") or ""), str(form.get("password") or "")
    next_url = _safe_next(str(form.get("next") or "/"))
    root = _root()
    try:
        actor = authenticate(root, name.strip(), password, client=_client(request))
    except AccessError as exc:
        return _page(next_url, str(exc), status=401)
    cookie, max_age = create_session(root, actor.name, client=_client(request))
    resp = RedirectResponse(next_url, status_code=303)
    resp.set_cookie(COOKIE_NAME, cookie, max_age=max_age, path="/", httponly=True, samesite="lax",
                    secure=request.url.scheme == "https")
    return resp


async def logout(request: Request) -> Response:
    root = _root()
    cookie = request.cookies.get(COOKIE_NAME)
    actor = session_actor(root, cookie)
    if end_session(root, cookie) and actor is not None:
        record(root, actor, "logout", "app", client=_client(request))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE_NAME, path="/")
    return resp


def auth_routes() -> list[Route]:
    ACTIVE["routes"] = True
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["GET", "POST"]),
    ]


class _LoginRedirect:
    """Pure ASGI middleware: a page request without a valid session goes to ``/login``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") == "GET":
            request = Request(scope)
            path = request.url.path
            wants_page = "text/html" in request.headers.get("accept", "")
            if wants_page and not path.startswith(_OPEN_PREFIXES):
                root = _root()
                if login_required(root) and session_actor(root, request.cookies.get(COOKIE_NAME)) is None:
                    target = path + (f"?{request.url.query}" if request.url.query else "")
                    resp = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
                    await resp(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def auth_middleware() -> list[Middleware]:
    return [Middleware(_LoginRedirect)]


