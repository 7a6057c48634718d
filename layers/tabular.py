"""The one CSV writer: every CSV the project writes (exports, rejects, analysis and scenario tables).

UTF-8 with a BOM so that Excel opens Chinese text, CRLF line ends (RFC 4180), minimal quoting.
"""

from __future__ import annotations

import csv

import pandas as pd

__all__ = ["csv_bytes"]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    r"""A table as CSV bytes.

    >>> csv_bytes(pd.DataFrame({"名称": ["甲"], "n": [1]}))
    b'\xef\xbb\xbf\xe5\x90\x8d\xe7\xa7\xb0,n\r\n\xe7\x94\xb2,1\r\n'
    """
    text = frame.to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    return text.encode("utf-8-sig")
