"""Text that cannot execute or break a format (issue 12).

- :func:`neutralize_cell` — a CSV/XLSX text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR
  gets a leading ``'`` (OWASP CSV-injection guidance); numbers are never touched.
- :func:`control_char_problem` — control characters (NUL, ``\\x01`` …, DEL, C1) are refused on
  import; tab and newline only in long text fields.
- :func:`normalize_id` — the form of an id used for comparison: NFKC (full-width → ASCII),
  zero-width characters removed, whitespace (incl. no-break space) trimmed.
- :func:`shape_problem` — lists, objects and other non-scalars are refused, never stored as repr.
- :func:`xml_safe` / :func:`xlsx_safe` — characters XML 1.0 (KML, GPX, XLSX) cannot hold are dropped
  from exported text, so a stored value never breaks a file.
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = [
    "CONTROL_PATTERN",
    "CONTROL_PATTERN_LONG",
    "FORMULA_PREFIXES",
    "LONG_TEXT_FIELDS",
    "control_char_problem",
    "neutralize_cell",
    "normalize_id",
    "shape_problem",
    "xlsx_safe",
    "xml_safe",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LONG_TEXT_FIELDS = frozenset({"note", "address", "description", "remediation", "detail"})
CONTROL_PATTERN_LONG = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # tab, LF, CR allowed
CONTROL_PATTERN = r"[\x00-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_PATTERN_LONG)
_CONTROL_SHORT = re.compile(CONTROL_PATTERN)
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e]")
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralize_cell(value):
    """A cell value safe for CSV/XLSX: text that a spreadsheet would run as a formula gets ``'``.

    >>> neutralize_cell('=HYPERLINK("http://example.invalid","x")')
    '\\'=HYPERLINK("http://example.invalid","x")'
    >>> neutralize_cell("-3"), neutralize_cell(-3), neutralize_cell("滑坡"), neutralize_cell(None)
    ("'-3", -3, '滑坡', None)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def control_char_problem(value, field: str) -> str | None:
    """Why ``value`` may not be stored in ``field`` (a control character), or None.

    >>> control_char_problem("a\\x00b", "name")
    '含有控制字符 U+0000（第 2 个字符）；请删除后重新导入'
    >>> control_char_problem("第一行\\n第二行", "note") is None, control_char_problem("a\\tb", "name") is None
    (True, False)
    """
    if not isinstance(value, str):
        return None
    pattern = _CONTROL if field in LONG_TEXT_FIELDS else _CONTROL_SHORT
    m = pattern.search(value)
    if not m:
        return None
    return f"含有控制字符 U+{ord(m.group()):04X}（第 {m.start() + 1} 个字符）；请删除后重新导入"


def normalize_id(value):
    """The comparison form of an id: NFKC, zero-width characters removed, trimmed.

    >>> normalize_id("ＢＮ０００２"), normalize_id("BN\\u200b0002"), normalize_id("\\u00a0BN0002 ")
    ('BN0002', 'BN0002', 'BN0002')
    """
    if not isinstance(value, str):
        return value
    return _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", value)).strip()


def shape_problem(value, *, numeric: bool = False) -> str | None:
    """Why ``value`` is of the wrong shape for a field (list, object, NaN/Inf, beyond int64), or None.

    >>> shape_problem([1, 2]), shape_problem({"a": 1}), shape_problem(float("inf")), shape_problem(3)
    ('应为单个值，现为列表', '应为单个值，现为对象', '应为有限数字，现为 inf', None)
    >>> shape_problem(10**20, numeric=True)
    '数值 100000000000000000000 超出范围（整数不能超过 ±9223372036854775807）'
    """
    if isinstance(value, list | tuple | set):
        return "应为单个值，现为列表"
    if isinstance(value, dict):
        return "应为单个值，现为对象"
    if isinstance(value, float) and not math.isfinite(value):
        return f"应为有限数字，现为 {value}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63 - 1:
        return f"数值 {value} 超出范围（整数不能超过 ±{2**63 - 1}）"
    if isinstance(value, bytes | bytearray):
        return "应为文字或数字，现为二进制数据"
    return None


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (KML, GPX, XLSX)."""
    return _XML_BAD.sub("", text) if isinstance(text, str) else text


def xlsx_safe(value):
    """An XLSX text cell: XML-safe and at most 32,767 characters (Excel's cell limit)."""
    if isinstance(value, str):
        return xml_safe(value)[:32767]
    return value
