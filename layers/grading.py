"""National geohazard 险情 grading (国家突发地质灾害应急预案), lower bounds inclusive.

| grade | threatened people | potential loss |
|---|---|---|
| 特大型 | ≥ 1000 | ≥ 10000 万元 |
| 大型 | 500–1000 | 5000–10000 万元 |
| 中型 | 100–500 | 500–5000 万元 |
| 小型 | < 100 | < 500 万元 |
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

__all__ = ["DANGER_LEVEL_ORDER", "DangerLevel", "danger_level_from"]


class DangerLevel(StrEnum):
    HUGE = "特大型"
    LARGE = "大型"
    MEDIUM = "中型"
    SMALL = "小型"


DANGER_LEVEL_ORDER = (DangerLevel.SMALL, DangerLevel.MEDIUM, DangerLevel.LARGE, DangerLevel.HUGE)
_PEOPLE_BOUNDS = (100, 500, 1000)
_PROPERTY_WAN_BOUNDS = (500.0, 5000.0, 10000.0)


def danger_level_from(people, property_wan) -> pd.Series:
    """Grade each site by the higher of its people and property grades.

    Missing values count as zero.

    >>> list(danger_level_from([0, 100, 499, 500, 1000], [0, 0, 0, 0, 0]))
    ['小型', '中型', '中型', '大型', '特大型']
    >>> list(danger_level_from([10], [5000.0]))
    ['大型']
    """
    p = np.nan_to_num(np.asarray(people, dtype="float64"), nan=0.0)
    w = np.nan_to_num(np.asarray(property_wan, dtype="float64"), nan=0.0)
    grade = np.maximum(np.searchsorted(_PEOPLE_BOUNDS, p, side="right"),
                       np.searchsorted(_PROPERTY_WAN_BOUNDS, w, side="right"))
    labels = np.array([str(level) for level in DANGER_LEVEL_ORDER], dtype=object)
    return pd.Series(labels[grade])
