"""Tables as shown on the pages: list values (a rule's statuses) as one readable cell, distances to 1 m."""

from __future__ import annotations

import pandas as pd

from riskmap.ui.tables import display_table


def test_list_values_are_one_readable_cell_and_distances_are_rounded():
    frame = pd.DataFrame({"key": ["geohazard.inactive"], "value": [("已核销", "已治理")], "distance_m": [1963.8947]})
    out = display_table(frame, "zh")
    assert out.iloc[0].tolist()[-2:] == ["已核销、已治理", 1964.0]
    assert not any(isinstance(v, tuple) for v in out.to_numpy().ravel())  # pyarrow cannot show a tuple
