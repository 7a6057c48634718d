"""Warm the server before its first visitor: the workspace, the risk analysis and the first maps.

``app_server.py`` runs :func:`warm_caches` in the server's startup (the ``st.App`` lifespan), so
the server answers its health check only once the caches the pages read are filled: the first
visit after a restart costs what a later one does. It fills the same ``st.cache_resource``
entries the pages ask for (``riskmap.ui.state``) and builds the 图层浏览 map once, which
also fills the in-process caches under them (hillshade, vendor assets, imports). A workspace that
cannot be loaded is left to the pages, which say why.

It also imports the page modules (0.7 s of the first visit). A Streamlit component (``st_folium``)
registers with the runtime only when it is declared inside a script run; declared here, outside
any run, it would be unknown to the server and the browser would show "trouble loading the
component" — so every component the imports declared is then registered with the running
runtime (:func:`_register_declared_components`).
"""

from __future__ import annotations

import logging
import time

__all__ = ["warm_caches"]

_LOG = logging.getLogger(__name__)


def warm_caches() -> float:
    """Fill the caches of the first pages; returns the seconds it took (0 if nothing was warmed)."""
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "missing ScriptRunContext": expected here, outside any script run
    try:
        return _warm()
    finally:
        quiet.setLevel(level)


def _warm() -> float:
    t0 = time.perf_counter()
    from layers.access import login_required
    from layers.errors import LayerError
    from riskmap.ui import state

    _import_pages()
    from riskmap.ui.auth import LOCAL_OPERATOR

    root = state.workspace_root()
    if not root.is_dir():
        return 0.0
    try:
        stamp = state._files_stamp(root)
        ws = state._load(str(root), stamp)
        res = state._analyse(state.workspace_stamp())
        if not login_required(root):  # the local operator is who the pages will ask for
            ws = state._masked(str(root), stamp, LOCAL_OPERATOR.role, LOCAL_OPERATOR.township, ws)
        _build_first_map(ws, res)
    except (LayerError, OSError, ValueError) as exc:  # the page shows the message; start anyway
        _LOG.warning("warm-up skipped: %s", exc)
        return 0.0
    return time.perf_counter() - t0


def _build_first_map(ws, res) -> None:
    """Build and render the default 图层浏览 map once: fills the caches under every page's map
    (hillshade, vendor assets, payload encoders)."""
    from riskmap.mapview import MapView, build_map

    build_map(ws, MapView(), township_values=res.risk_values, asset_base="/app/static/").get_root().render()


def _import_pages() -> None:
    import importlib
    import pkgutil

    import riskmap.ui

    for mod in pkgutil.iter_modules(riskmap.ui.__path__):
        importlib.import_module(f"riskmap.ui.{mod.name}")
    _register_declared_components()


def _register_declared_components() -> int:
    """Register with the running Streamlit runtime every component declared by an imported module."""
    import sys

    from streamlit import runtime
    from streamlit.components.v1.custom_component import CustomComponent

    if not runtime.exists():
        return 0
    registry = runtime.get_instance().component_registry
    found = {id(v): v for mod in list(sys.modules.values()) if mod is not None
             for v in list(getattr(mod, "__dict__", {}).values()) if isinstance(v, CustomComponent)}
    for component in found.values():
        registry.register_component(component)
    return len(found)
