"""The app's server: ``app.py`` plus the login routes (``riskmap serve`` runs this with ``streamlit run``).

``st.App`` serves the Streamlit script with our own ``/login`` and ``/logout`` routes and a middleware
that sends page requests without a valid session to the login form (``riskmap/ui/login_routes.py``).
Its startup warms the caches of the first pages (``riskmap/ui/warmup.py``) before the server takes
a visitor, so the first visit after a restart is as fast as a later one.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

from riskmap.ui.login_routes import auth_middleware, auth_routes
from riskmap.ui.warmup import warm_caches


@asynccontextmanager
async def _warm_first(_app):
    print("正在加载工作区、计算风险分析并预先生成首页地图…", file=sys.stderr, flush=True)
    took_s = await asyncio.to_thread(warm_caches)
    print(f"预热完成（{took_s:.1f} 秒）", file=sys.stderr, flush=True)
    yield


app = st.App(Path(__file__).resolve().parent / "app.py", routes=auth_routes(), middleware=auth_middleware(),
             lifespan=_warm_first)
