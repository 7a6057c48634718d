"""Near-miss matching for imports: a header that resembles a field, a township that resembles one of the county's.

Pure functions on text; the importer and the validator call them to turn a silent mis-filing into a
message that names both the value given and the one probably meant.
"""

from __future__ import annotations

import difflib
import re

__all__ = ["header_key", "nearest", "resembles"]

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")",
                           "[": "(", "]": ")", "／": "/"})


def header_key(norm: str) -> str:
    """The one comparable form of a column header (applied to aliases and file headers alike).

    Brackets of every width become ``()``; a leading 所在/所属 and a 街道 qualifier — ``(街道)``,
    ``/街道``, a trailing ``街道`` after 乡镇 — are dropped, so 所在乡镇、所属乡镇、乡镇（街道）、
    乡镇/街道 and 乡镇街道 all read as 乡镇.

    >>> [header_key(h) for h in ("所在乡镇", "乡镇（街道）", "所属乡镇(街道)", "乡镇/街道", "乡镇街道", "街道")]
    ['乡镇', '乡镇', '乡镇', '乡镇', '乡镇', '街道']
    """
    s = norm.translate(_BRACKETS)
    s = re.sub(r"^(所在|所属)(?=.)", "", s)
    s = re.sub(r"(\(街道\)|/街道|(?<=乡镇)街道)", "", s)
    return s or norm


def _score(a: str, b: str) -> float:
    """Similarity of two short texts: sequence ratio, or the share of ``b``'s characters found in ``a``."""
    if not a or not b:
        return 0.0
    shared = sum(1 for ch in set(b) if ch in a) / len(set(b))
    return max(difflib.SequenceMatcher(None, a, b).ratio(), shared if len(set(b)) >= 2 else 0.0)


def resembles(header: str, candidates: dict[str, str], cutoff: float = 0.6) -> str | None:
    """The candidate value (e.g. a field name) whose key text is most like ``header``, if close enough.

    ``candidates`` maps comparable texts (aliases) to what they stand for.

    >>> resembles("威协人数", {"威胁人数": "threatened_people", "名称": "name"})
    'threatened_people'
    >>> resembles("巡查员", {"威胁人数": "threatened_people", "名称": "name"}) is None
    True
    """
    best, best_score = None, cutoff
    for text, target in candidates.items():
        sc = _score(header, text)
        if sc > best_score or (sc == best_score and best is None and sc > cutoff):
            best, best_score = target, sc
    return best


def nearest(value: str, names: tuple[str, ...] | list[str], cutoff: float = 0.5) -> str | None:
    """The name most like ``value`` (a township written as 桂溪、桂溪镇 or 贵溪街道), if any is close.

    >>> nearest("桂溪", ("桂溪街道", "桂阳街道", "新民镇"))
    '桂溪街道'
    >>> nearest("新民乡", ("桂溪街道", "桂阳街道", "新民镇"))
    '新民镇'
    >>> nearest("上海", ("桂溪街道", "新民镇")) is None
    True
    """
    v = str(value).strip()
    stem = re.sub(r"(街道|镇|乡|办事处)$", "", v)
    scored = []
    for n in names:
        n_stem = re.sub(r"(街道|镇|乡)$", "", n)
        ratio = max(difflib.SequenceMatcher(None, v, n).ratio(), difflib.SequenceMatcher(None, stem, n_stem).ratio())
        scored.append((ratio + (0.5 if stem and stem == n_stem else 0.0), n))
    if not scored:
        return None
    score, name = max(scored)
    return name if score >= cutoff else None
