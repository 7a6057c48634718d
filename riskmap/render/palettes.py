"""Every colour the map, the briefing and the pages use for the model's classes — once.

Warning colours (红/橙/黄/蓝), the risk-index ramp and the flood-depth classes. The depth classes
read their breaks from the rules (``[rules.flood] depth_breaks_m`` via
:func:`riskmodel.scenario.depth_breaks`), so an override shows in every legend and overlay.
"""

from __future__ import annotations

import math

import numpy as np

from riskmodel.scenario import DepthClass, depth_breaks
from riskmodel.warning import WarningColor

__all__ = [
    "DEPTH_RGBA",
    "RISK_RAMP",
    "WARNING_HEX",
    "colorize_depth",
    "depth_legend",
    "outline_wet",
    "warning_hex",
]

# 突发事件预警信号 colours; ColorBrewer-like values readable on a light map
WARNING_HEX: dict[WarningColor, str] = {
    WarningColor.RED: "#e31a1c",
    WarningColor.ORANGE: "#ff7f00",
    WarningColor.YELLOW: "#ffd92f",
    WarningColor.BLUE: "#1f78b4",
}
RISK_RAMP: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
# one RGBA per wet depth class, light to dark red-purple: 注意, 低, 中, 高 — not blue: the river is drawn
# blue, and the overlay must read apart from it at county zoom
DEPTH_RGBA: tuple[tuple[int, int, int, int], ...] = (
    (250, 159, 181, 255),
    (247, 104, 161, 255),
    (197, 27, 138, 255),
    (73, 0, 106, 255),
)
OUTLINE_RGBA = (45, 0, 60, 255)  # a line just outside the flooded extent
_WET_CLASSES = (DepthClass.WATCH, DepthClass.LOW, DepthClass.MEDIUM, DepthClass.HIGH)


def warning_hex(color: WarningColor | str) -> str:
    """Hex colour of a warning level (accepts the enum or its text, e.g. ``"红"``).

    >>> warning_hex("红")
    '#e31a1c'
    """
    return WARNING_HEX[WarningColor(color)]


def _metres(v: float) -> str:
    return f"{v:g}"


def depth_legend(config: dict | None = None) -> list[tuple[DepthClass, str, tuple[int, int, int, int]]]:
    """(class, bounds in words, RGBA) of each wet depth class, from the workspace's rules.

    >>> [b for _, b, _ in depth_legend({"rules": {"flood": {"depth_breaks_m": [0.3, 1, 2]}}})]
    ['≤0.3 m', '0.3–1 m', '1–2 m', '>2 m']
    """
    b1, b2, b3 = depth_breaks(config)
    bounds = [f"≤{_metres(b1)} m", f"{_metres(b1)}–{_metres(b2)} m", f"{_metres(b2)}–{_metres(b3)} m",
              f">{_metres(b3)} m"]
    return list(zip(_WET_CLASSES, bounds, DEPTH_RGBA, strict=True))


def colorize_depth(depth: np.ndarray, breaks) -> np.ndarray:
    """RGBA uint8 image: one colour per depth class (``min < d ≤ max``); dry (≤ 0) and nodata transparent."""
    uppers = [*list(breaks), math.inf]
    colors = np.array(DEPTH_RGBA, dtype=np.uint8)
    rgba = np.zeros((*depth.shape, 4), dtype=np.uint8)
    wet = np.isfinite(depth) & (depth > 0)
    idx = np.searchsorted(np.asarray(uppers[:-1], dtype="float64"), depth[wet], side="left")
    rgba[wet] = colors[np.minimum(idx, len(colors) - 1)]
    return rgba


def outline_wet(rgba: np.ndarray) -> None:
    """Draw :data:`OUTLINE_RGBA` just outside the flooded extent, so thin strips show at county zoom."""
    from scipy import ndimage

    wet = rgba[..., 3] > 0
    rgba[ndimage.binary_dilation(wet) & ~wet] = OUTLINE_RGBA
