"""The one CSV writer: every CSV the project writes (exports, rejects, analysis and scenario tables).

UTF-8 with a BOM so that Excel opens Chinese text, CRLF line ends (RFC 4180), minimal quoting.
"""

from __future__ import annotations

import csv

import pandas as pd

from layers.safety_text import neutralize_cell

__all__ = ["csv_bytes"]


def csv_bytes(frame: pd.DataFrame, *, neutralize: bool = True) -> bytes:
    r"""A table as CSV bytes; text cells that a spreadsheet would run as a formula get a leading ``'``
    (issue 12; numbers are never touched). ``neutralize=False`` for a frame whose text is already safe.

    >>> csv_bytes(pd.DataFrame({"名称": ["甲"], "n": [1]}))
    b'\xef\xbb\xbf\xe5\x90\x8d\xe7\xa7\xb0,n\r\n\xe7\x94\xb2,1\r\n'
    >>> csv_bytes(pd.DataFrame({"名称": ["=1+1"], "n": [-1]}))[3:]
    b"\xe5\x90\x8d\xe7\xa7\xb0,n\r\n'=1+1,-1\r\n"
    """
    if neutralize:
        text_cols = [c for c in frame.columns
                     if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)]
        if text_cols:
            frame = frame.assign(**{str(c): frame[c].map(neutralize_cell) for c in text_cols})
    text = frame.to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    return text.encode("utf-8-sig")
