"""Personal data masked by role: every field a kind marks ``personal=True``.

Shown in full only to roles whose :attr:`RoleSpec.personal` reaches the site's township (管理员 and
县级编辑 everywhere, a 乡镇编辑 in their own township); everyone else sees ``138****5678`` and ``张*``.
The same functions serve the map's popups and details, the tables and every export format.
"""

from __future__ import annotations

import re
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.access.roles import LOCAL_OPERATOR, Actor, Reach
from layers.kinds import LAYER_KINDS, LayerKind, get_kind

__all__ = ["is_masked_for", "mask_frame", "mask_sites", "mask_value", "masked_workspace", "personal_fields"]

_DIGITS = re.compile(r"[\d\-\s+()（）]+")


def personal_fields(kind: LayerKind) -> tuple[str, ...]:
    """The kind's personal fields, read from the kind (``Field.personal``)."""
    return tuple(f.name for f in kind.all_fields if f.personal)


def mask_value(value: object) -> object:
    """``13812345678`` → ``138****5678``; ``张三`` → ``张*``; missing stays missing.

    >>> mask_value("13812345678"), mask_value("张三丰"), mask_value(None)
    ('138****5678', '张*', None)
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return value
    text = str(value).strip()
    if not text:
        return value
    if _DIGITS.fullmatch(text) and sum(c.isdigit() for c in text) >= 7:
        return f"{text[:3]}****{text[-4:]}"
    return f"{text[0]}*"


def mask_frame(frame: pd.DataFrame, kind: LayerKind | str, actor: Actor) -> pd.DataFrame:
    """The frame with the personal fields masked where ``actor`` may not see them in full (a copy; the
    input is never changed). Rows of the actor's own township stay in full for a township-reach role."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    reach = actor.spec.personal
    cols = [c for c in personal_fields(kind) if c in frame.columns]
    if reach == Reach.ALL or not cols or not len(frame):
        return frame
    if reach == Reach.TOWNSHIP and "township" in frame.columns:
        hide = (frame["township"].astype(object) != actor.township).to_numpy()
    else:
        hide = np.ones(len(frame), dtype=bool)
    if not hide.any():
        return frame
    out = frame.copy(deep=False)
    for c in cols:
        col = out[c].astype(object).to_numpy(copy=True)
        col[hide] = [mask_value(v) for v in col[hide]]
        out[c] = pd.Series(col, index=out.index, dtype=object)
    return out


def mask_sites(sites: dict[str, gpd.GeoDataFrame], actor: Actor | None) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of a selection masked for ``actor`` (None: the local operator, nothing masked)."""
    actor = actor or LOCAL_OPERATOR
    return {lid: mask_frame(frame, lid, actor) for lid, frame in sites.items()}


def is_masked_for(actor: Actor | None, sites: dict[str, pd.DataFrame]) -> bool:
    """Whether any personal value of these sites is hidden from ``actor``."""
    actor = actor or LOCAL_OPERATOR
    if actor.spec.personal == Reach.ALL:
        return False
    for lid, frame in sites.items():
        kind = get_kind(lid)
        if not any(c in frame.columns for c in personal_fields(kind)) or not len(frame):
            continue
        if actor.spec.personal == Reach.NONE or (frame["township"].astype(object) != actor.township).any():
            return True
    return False


def masked_workspace(ws, actor: Actor | None):
    """A shallow copy of a :class:`~layers.workspace.Workspace` whose registries are masked for ``actor``
    (the map, details and tables read it); base layers are shared, never copied."""
    actor = actor or LOCAL_OPERATOR
    if actor.spec.personal == Reach.ALL:
        return ws
    known = {k.id for k in LAYER_KINDS}
    layers = {lid: (mask_frame(f, lid, actor) if lid in known else f) for lid, f in ws.layers.items()}
    return replace(ws, layers=layers)
