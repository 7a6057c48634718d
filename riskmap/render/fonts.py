"""The one CJK font lookup (``$RISKMAP_CJK_FONT``, else Debian's fonts-noto-cjk) for every printed
product, and the PDF packets' font cut down once to the characters packets use.

Noto Sans CJK holds ~65,000 glyphs; parsing and subsetting it for every packet took most of a
packet's time. So the Simplified-Chinese face is subset ONCE to a base set (ASCII, GB2312 —
6,763 hanzi and the usual symbols — plus a few unit signs) and to any other character a packet
needs, saved as a small OpenType file in the temporary folder (reused across processes, named by
a hash of font and characters). fpdf2 then embeds, per packet, only the glyphs that packet uses.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from layers.errors import LayerFileError
from layers.store.io import atomic_write_bytes

__all__ = ["CJK_FONT_CANDIDATES", "base_chars", "cjk_font_path", "collection_index", "matplotlib_family", "packet_font"]

CJK_FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)

@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """An installed CJK font: ``$RISKMAP_CJK_FONT`` or Debian's fonts-noto-cjk.

    Raises
    ------
    LayerFileError
        No CJK font is installed (the message names the package to install).
    """
    env = os.environ.get("RISKMAP_CJK_FONT")
    for cand in ((env,) if env else ()) + CJK_FONT_CANDIDATES:
        if Path(cand).is_file():
            return Path(cand)
    raise LayerFileError(
        "未找到中文字体：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk），"
        "或用环境变量 RISKMAP_CJK_FONT 指定一个 .ttc/.otf/.ttf 字体文件"
    )


def matplotlib_family() -> str:
    """Family name of :func:`cjk_font_path` registered with matplotlib; '' when no CJK font is found."""
    from matplotlib import font_manager

    try:
        path = str(cjk_font_path())
    except LayerFileError:
        return ""
    font_manager.fontManager.addfont(path)
    names = [f.name for f in font_manager.fontManager.ttflist if f.fname == path]
    return next((n for n in names if n.endswith(" SC")), names[0] if names else "")


# desubroutinized: fpdf2's per-packet subset then skips walking CFF subroutines (faster)
_OPTIONS = {
    "notdef_outline": True,
    "recommended_glyphs": True,
    "layout_features": [],
    "name_IDs": ["*"],
    "name_languages": ["*"],
    "desubroutinize": True,
}
_EXTRA = "²³°±×÷·—…‘’“”　、。《》「」『』【】〔〕①②③④⑤⑥⑦⑧⑨⑩№□✓■●○▲△"


@lru_cache(maxsize=1)
def base_chars() -> frozenset[str]:
    """ASCII, every GB2312 character and a few signs (m², m³, ✓)."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | set(_EXTRA)
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


@lru_cache(maxsize=4)
def collection_index(path: str) -> int:
    """Index of the Simplified-Chinese face in a font collection (0 for single fonts)."""
    if not path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection

    names = [f["name"].getDebugName(1) or "" for f in TTCollection(path, lazy=True).fonts]
    for want in (" SC", "SC", "GB", ""):
        for i, name in enumerate(names):
            if want in name and "Mono" not in name:
                return i
    return 0


def packet_font(text_chars: set[str]) -> Path:
    """A font file holding every base character and every character of ``text_chars``."""
    extra = frozenset(ch for ch in text_chars if ch not in base_chars() and ch.isprintable())
    return _subset_file(str(cjk_font_path()), extra)


@lru_cache(maxsize=8)
def _subset_file(source: str, extra: frozenset[str]) -> Path:
    stat = Path(source).stat()
    key = f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{sorted(_OPTIONS.items())}|{''.join(sorted(extra))}"
    path = Path(tempfile.gettempdir()) / f"riskmap-cjk-{hashlib.sha1(key.encode()).hexdigest()[:16]}.otf"
    if not path.exists():
        atomic_write_bytes(path, _subset_bytes(source, base_chars() | extra))
    return path


def _subset_bytes(source: str, chars: frozenset[str]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=collection_index(source), recalcBBoxes=False, lazy=True)
    options = subset.Options(**_OPTIONS)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()
