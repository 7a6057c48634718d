"""The app's server: ``app.py`` plus the login routes (``riskmap serve`` runs this with ``streamlit run``).

``st.App`` serves the Streamlit script with our own ``/login`` and ``/logout`` routes and a middleware
that sends page requests without a valid session to the login form (``riskmap/ui/login_routes.py``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from riskmap.ui.login_routes import auth_middleware, auth_routes

app = st.App(Path(__file__).resolve().parent / "app.py", routes=auth_routes(), middleware=auth_middleware())
