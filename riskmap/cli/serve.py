"""``riskmap serve``: start the web app (``streamlit run app.py``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app_server.py"  # app.py with the login routes


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="启动网页应用")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--workspace", "-w", type=Path, default=None, help="工作区文件夹（默认：内置样例）")
    p.set_defaults(func=run)


def run(args) -> int:
    env = dict(os.environ)
    if args.workspace is not None:
        env["RISKMAP_WORKSPACE"] = str(args.workspace.resolve())
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(args.port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.enableStaticServing", "true"]  # the map's Leaflet is served from static/
    os.execvpe(cmd[0], cmd, env)
    return 0  # pragma: no cover
