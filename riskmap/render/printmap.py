"""The PDF packet's map: selected township(s), roads, villages, the river and the numbered sites (PNG).

Drawn with matplotlib's object API (no pyplot state, safe in the app's download thread) in
lon/lat with the aspect corrected by 1/cos(latitude), so that shapes are not stretched.
"""

from __future__ import annotations

import io
import math

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D

from layers.exports.bundle import ExportBundle
from layers.kinds import LAYER_KINDS, Role, get_kind
from layers.roads import ROAD_GRADES
from riskmap.render.fonts import cjk_font_path

__all__ = ["NumberedSite", "map_figure", "render_map_png"]

NumberedSite = tuple[str, float, float, int]  # layer id, lon, lat, number in the packet


def _font(size: float) -> FontProperties:
    return FontProperties(fname=str(cjk_font_path()), size=size)


def render_map_png(
    bundle: ExportBundle, sites: list[NumberedSite], *, dpi: int = 150
) -> tuple[bytes, list[tuple[float, float]]]:
    """A map of the selected townships with every located site drawn as a dot.

    Returns the PNG and, per site, its position as fractions of the image (from the left, from
    the top): the PDF writes the site numbers there as text — crisp, searchable, and far faster
    than 1,000s of matplotlib labels.
    """
    fig, ax = map_figure(bundle, sites, dpi=dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue(), _fractions(fig, ax, sites)


def map_figure(bundle: ExportBundle, sites: list[NumberedSite], *, dpi: int = 150) -> tuple[Figure, object]:
    """The packet map as a matplotlib figure and its axes (what :func:`render_map_png` saves)."""
    fig = Figure(figsize=(7.4, 6.9), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    bounds = _extent(bundle, sites)
    _draw_base(ax, bundle, bounds)
    roads = _draw_roads(ax, bundle, bounds)
    _draw_sites(ax, bundle, sites, _road_keys(roads))
    _frame(ax, bounds)
    _label_places(ax, bundle, roads, sites)
    return fig, ax


def _fractions(fig, ax, sites: list[NumberedSite]) -> list[tuple[float, float]]:
    if not sites:
        return []
    xy = ax.transData.transform(np.array([(s[1], s[2]) for s in sites]))
    width, height = fig.canvas.get_width_height()
    return [(float(x / width), float(1 - y / height)) for x, y in xy]


def _extent(bundle: ExportBundle, sites: list[NumberedSite]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bundle.townships.total_bounds if len(bundle.townships) else (np.nan,) * 4
    if sites:
        xs, ys = [s[1] for s in sites], [s[2] for s in sites]
        x0, y0 = np.nanmin([x0, *xs]), np.nanmin([y0, *ys])
        x1, y1 = np.nanmax([x1, *xs]), np.nanmax([y1, *ys])
    if not np.all(np.isfinite([x0, y0, x1, y1])):
        x0, y0, x1, y1 = 107.2, 30.1, 107.6, 30.5  # no geometry at all: the county's rough box
    pad = max(x1 - x0, y1 - y0, 0.004) * 0.05
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _draw_base(ax, bundle: ExportBundle, bounds) -> None:
    others = bundle.context.get("all_townships")
    if others is not None and len(others):
        others.boundary.plot(ax=ax, color="#bbbbbb", linewidth=0.5)
    if len(bundle.townships):
        bundle.townships.plot(ax=ax, facecolor="#f4f1e8", edgecolor="#444444", linewidth=1.0)
    river = bundle.context.get("river")
    if river is not None and len(river):
        river.plot(ax=ax, color="#3b7fc4", linewidth=1.4)
    _draw_villages(ax, bundle, bounds)


def _draw_villages(ax, bundle: ExportBundle, bounds) -> None:
    villages = bundle.context.get("villages")
    if villages is None or not len(villages):
        return
    if bundle.selection.townships and "township" in villages.columns:
        villages = villages[villages["township"].isin(bundle.selection.townships)]
    pts = villages[~(villages.geometry.isna() | villages.geometry.is_empty)]
    ax.scatter(pts.geometry.x, pts.geometry.y, s=6, c="#777777", marker="s", zorder=3)
    if len(pts) <= 80:
        font = _font(5.5)
        for name, x, y in zip(pts["name"], pts.geometry.x, pts.geometry.y, strict=True):
            ax.annotate(
                str(name),
                (x, y),
                xytext=(2, -6),
                textcoords="offset points",
                fontproperties=font,
                color="#555555",
                zorder=5,  # above faint 九小场所, under the other sites
                path_effects=_HALO,
                gid=_PLACE_LABEL,
            )
    elif len(bundle.townships):  # too many villages to name: name the townships instead
        font = _font(7)
        at = shapely.point_on_surface(bundle.townships.geometry.values)
        for name, p in zip(bundle.townships["name"], at, strict=True):
            ax.annotate(str(name), (p.x, p.y), ha="center", va="center", fontproperties=font, color="#333333",
                        zorder=8, path_effects=_HALO, gid=_PLACE_LABEL)


_HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]
_HALO_WIDE = [patheffects.withStroke(linewidth=3.0, foreground="white")]  # under hazard symbols
_PLACE_LABEL = "place-label"  # gid of the settlement names: kept before any road name


def _draw_roads(ax, bundle: ExportBundle, bounds) -> list[tuple]:
    """Roads inside the map's box, lowest grade first; highways thick with a darker casing.

    Above the township fill and the river, under the villages and sites. Returns, per grade drawn,
    ``(grade, [(name, metric-free lon/lat line), ...])`` for the legend and the labels.
    """
    roads = bundle.context.get("roads")
    if roads is None or not len(roads):
        return []
    box = shapely.box(*bounds)
    drawn = []
    for rank, grade in enumerate(reversed(ROAD_GRADES)):
        mine = roads[roads["grade"] == grade.value]
        parts = []
        for name, geom in zip(mine["name"], shapely.intersection(mine.geometry.values, box), strict=True):
            lines = [g for g in shapely.get_parts(geom) if g.geom_type == "LineString" and not g.is_empty]
            parts += [(str(name), g) for g in lines]
        if not parts:
            continue
        segs = [np.asarray(g.coords)[:, :2] for _, g in parts]
        z = 2.2 + rank * 0.02
        if grade.casing:
            ax.add_collection(LineCollection(segs, colors=grade.casing, linewidths=grade.print_width_pt + 1.0,
                                             capstyle="round", joinstyle="round", zorder=z))
        ax.add_collection(LineCollection(segs, colors=grade.color, linewidths=grade.print_width_pt,
                                         linestyles=(0, (3, 2)) if grade.dashed else "solid",
                                         capstyle="round", joinstyle="round", zorder=z + 0.01))
        drawn.append((grade, parts))
    return drawn


def _road_keys(roads: list[tuple]) -> list[tuple]:
    """Legend entries for the grades drawn, highest first."""
    keys = []
    for grade, _parts in reversed(roads):
        line = Line2D([], [], color=grade.color, linewidth=grade.print_width_pt,
                      linestyle=(0, (3, 2)) if grade.dashed else "solid",
                      path_effects=[patheffects.Stroke(linewidth=grade.print_width_pt + 1.0,
                                                       foreground=grade.casing), patheffects.Normal()]
                      if grade.casing else None)
        keys.append((line, grade.value))
    return keys


def _label_places(ax, bundle: ExportBundle, roads: list[tuple], sites: list[NumberedSite]) -> None:
    """Name the higher-grade roads (one label per road, along its longest visible part), then drop
    every label that would overlap a label kept before it: settlements first, then roads by grade."""
    ax.apply_aspect()  # the final axes box, so data → pixel is what the PNG will show
    renderer = ax.figure.canvas.get_renderer()
    kept: list = []  # display boxes of the labels kept so far
    for text in [t for t in ax.texts if t.get_gid() == _PLACE_LABEL]:
        box = text.get_window_extent(renderer)
        if any(box.overlaps(k) for k in kept):
            text.remove()
        else:
            kept.append(box)
    site_px = ax.transData.transform(np.array([(s[1], s[2]) for s in sites]).reshape(-1, 2))
    hazard = np.array([get_kind(s[0]).has(Role.HAZARD) for s in sites], dtype=bool)
    font = _font(5.5)
    for grade, parts in reversed(roads):  # highest grade first
        if not grade.labelled:
            continue
        longest: dict[str, shapely.LineString] = {}
        for name, line in parts:
            if name and (name not in longest or line.length > longest[name].length):
                longest[name] = line
        for name, line in longest.items():
            _road_label(ax, renderer, name, line, font, kept, site_px, hazard)


def _road_label(ax, renderer, name: str, line, font, kept: list, site_px: np.ndarray, hazard: np.ndarray) -> None:
    """One name along ``line``, where it covers no hazard, no kept label and the fewest other sites."""
    px = shapely.LineString(ax.transData.transform(np.asarray(line.coords)[:, :2]))
    text = ax.text(0, 0, name, fontproperties=font, color="#5a4520", ha="center", va="center",
                   rotation_mode="anchor", zorder=8, path_effects=_HALO)
    width = text.get_window_extent(renderer).width
    best = None
    for frac in (0.5, 0.35, 0.65, 0.2, 0.8) if px.length >= 2.5 * width else ():  # else: too short to name
        mid = px.interpolate(frac, normalized=True)
        a = px.interpolate(max(frac * px.length - width / 2, 0))
        b = px.interpolate(min(frac * px.length + width / 2, px.length))
        angle = math.degrees(math.atan2(b.y - a.y, b.x - a.x))
        angle = angle - 180 if angle > 90 else (angle + 180 if angle < -90 else angle)
        text.set_position(ax.transData.inverted().transform((mid.x, mid.y)))
        text.set_rotation(angle)
        box = text.get_window_extent(renderer)
        under = ((site_px[:, 0] > box.x0 - 4) & (site_px[:, 0] < box.x1 + 4)
                 & (site_px[:, 1] > box.y0 - 4) & (site_px[:, 1] < box.y1 + 4))
        if under[hazard].any() or any(box.overlaps(k) for k in kept):
            continue
        if best is None or under.sum() < best[0]:
            best = (int(under.sum()), text.get_position(), angle, box)
    if best is None:
        text.remove()
        return
    text.set_position(best[1])
    text.set_rotation(best[2])
    kept.append(best[3])


_MARKERS = {Role.HAZARD: ("^", "D", "v", "P"), Role.RESOURCE: ("s", "h", "p", "8"), Role.EXPOSED: ("o", "X", "*")}
FAINT_OVER = 200  # a layer with more sites than this is drawn small and faint, under the others
FAINT_EXPOSED_OVER = 50  # ... an exposed-only layer (九小场所) already from this many, so hazards stand out


def _main_role(kind) -> Role:
    """The role that decides a kind's print symbol: hazard first, then resource, else exposed."""
    for role in (Role.HAZARD, Role.RESOURCE):
        if kind.has(role):
            return role
    return Role.EXPOSED


def site_marker(kind) -> str:
    """A matplotlib marker per kind, distinct within its role (hazards are triangles, diamonds, ...)."""
    same = [k.id for k in LAYER_KINDS if _main_role(k) == _main_role(kind)]
    shapes = _MARKERS.get(_main_role(kind), ("o",))
    return shapes[same.index(kind.id) % len(shapes)] if kind.id in same else "o"


def _draw_sites(ax, bundle: ExportBundle, sites: list[NumberedSite], extra_keys: tuple | list = ()) -> None:
    """Large layers (九小场所) faint dots underneath; hazards on top as large distinct symbols."""
    rank = {Role.EXPOSED: 0, Role.RESOURCE: 1, Role.HAZARD: 2}
    for lid in sorted(bundle.sites, key=lambda k: rank.get(_main_role(get_kind(k)), 1)):
        mine = [s for s in sites if s[0] == lid]
        kind = get_kind(lid)
        hazard = kind.has(Role.HAZARD)
        faint = len(mine) > FAINT_OVER or (_main_role(kind) == Role.EXPOSED and len(mine) > FAINT_EXPOSED_OVER)
        ax.scatter(
            [s[1] for s in mine],
            [s[2] for s in mine],
            s=4 if faint else (62 if hazard else 22),
            c=kind.color,
            marker="o" if faint else site_marker(kind),
            alpha=0.35 if faint else 1.0,
            edgecolors="none" if faint else ("black" if hazard else "white"),
            linewidths=0 if faint else (0.7 if hazard else 0.6),
            zorder=4 if faint else (7 if hazard else 6),
            path_effects=_HALO_WIDE if hazard and not faint else None,
            label=f"{kind.label}（{len(bundle.sites[lid])}）",
        )
    handles, labels = [], []
    if bundle.sites:
        got_h, got_l = ax.get_legend_handles_labels()
        order = [got_l.index(f"{get_kind(k).label}（{len(bundle.sites[k])}）") for k in bundle.sites]
        handles, labels = [got_h[i] for i in order], [got_l[i] for i in order]
    handles += [h for h, _ in extra_keys]
    labels += [lab for _, lab in extra_keys]
    if handles:
        ax.legend(handles, labels, loc="lower left", prop=_font(7), framealpha=0.85, markerscale=1.0)


def _frame(ax, bounds) -> None:
    x0, y0, x1, y1 = bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.tick_params(labelsize=6)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.annotate("N ↑", xy=(0.97, 0.96), xycoords="axes fraction", ha="right", fontproperties=_font(9))
    ax.annotate(
        "WGS 84 经纬度",
        xy=(0.97, 0.015),
        xycoords="axes fraction",
        ha="right",
        fontproperties=_font(6),
        color="#666666",
    )
