"""Warm the server before its first visitor: the workspace, the risk analysis and the first maps.

``app_server.py`` runs :func:`warm_caches` in the server's startup (the ``st.App`` lifespan), so
the server answers its health check only once the caches the pages read are filled: the first
visit after a restart costs what a later one does. It fills the same ``st.cache_resource``
entries the pages ask for (``riskmap.ui.state``) and builds the 概览 and 图层浏览 maps once, which
also fills the in-process caches under them (hillshade, vendor assets, imports). A workspace that
cannot be loaded is left to the pages, which say why.

It must not import a page module: a Streamlit component (``st_folium``, the location button)
registers with the runtime only when declared inside a script run, so importing one here, outside
any run, leaves the browser with "trouble loading the component".
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
        _build_first_maps(ws, res)
    except (LayerError, OSError, ValueError) as exc:  # the page shows the message; start anyway
        _LOG.warning("warm-up skipped: %s", exc)
        return 0.0
    return time.perf_counter() - t0


def _build_first_maps(ws, res) -> None:
    from layers.kinds import LAYER_KINDS
    from layers.selection import Selection
    from riskmap.mapview import MapView, build_map

    overview_layers = tuple(k.id for k in LAYER_KINDS if k.overview)  # as riskmap.ui.overview shows

    values = None
    if res.analysis is not None:
        towns = res.analysis.townships
        values = dict(zip(towns["name"], towns["risk_index"], strict=True))
    for view in (MapView(selection=Selection(layers=overview_layers), show_villages=False), MapView()):
        build_map(ws, view, township_values=values, asset_base="/app/static/").get_root().render()
