"""Photos of inspection records: checked, stripped of EXIF, stored under ``attachments/<layer>/<site_id>/``.

Only JPEG, PNG and WebP files that Pillow actually decodes are kept, at most ``max_mb`` each and
``per_record`` per record (``[inspections] photo_max_mb`` / ``photos_per_record`` in
``workspace.toml``; defaults 10 MB and 5). Images larger than :data:`MAX_PIXELS` are refused
(decompression bombs). The stored copy carries no EXIF; its time and GPS position, when present,
are returned so that they are kept as record fields. A bad photo is rejected with its reason; the
record is kept.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from layers.errors import PhotoRejected
from layers.store.io import atomic_write_bytes

__all__ = [
    "MAX_PIXELS",
    "PhotoLimits",
    "PhotoRejected",
    "attachment_path",
    "photo_limits",
    "store_photo",
]

MAX_PIXELS = 40_000_000  # 40 MP: a bigger phone photo is not a phone photo
_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = 10 * 1024 * 1024
    per_record: int = 5


def photo_limits(config: dict | None) -> PhotoLimits:
    """Limits from ``[inspections]`` of ``workspace.toml`` (defaults 10 MB, 5 photos)."""
    table = (config or {}).get("inspections", {}) or {}
    mb = table.get("photo_max_mb", 10)
    n = table.get("photos_per_record", 5)
    if isinstance(mb, bool) or not isinstance(mb, int | float) or mb <= 0 or isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise PhotoRejected("workspace.toml [inspections] photo_max_mb 应为正数、photos_per_record 应为非负整数")
    return PhotoLimits(int(mb * 1024 * 1024), n)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", Path(name).name)[:80] or "photo"


def attachment_path(root: str | Path, layer: str, site_id: str, stored_name: str) -> Path:
    return Path(root) / "attachments" / _safe(layer) / _safe(site_id) / _safe(stored_name)


def _decode(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        old = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            img = Image.open(io.BytesIO(data))
            if img.format not in _FORMATS:
                raise PhotoRejected(f"格式 {img.format} 不是 JPEG/PNG/WebP")
            img.load()
            return img
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(f"图像尺寸过大（超过 {MAX_PIXELS // 1_000_000} 百万像素），疑似解压炸弹") from None
        except UnidentifiedImageError:
            raise PhotoRejected("不是可识别的 JPEG/PNG/WebP 图像（可能是网页、压缩包或损坏的文件）") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise PhotoRejected(f"图像无法解码（{exc}）") from None
        finally:
            Image.MAX_IMAGE_PIXELS = old


def _dms(values, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in values)
    except (TypeError, ValueError):
        return None
    deg = d + m / 60 + s / 3600
    return round(-deg if ref in ("S", "W") else deg, 7)


def _exif_meta(img: Image.Image) -> dict:
    """Time and GPS position from EXIF (DateTimeOriginal, GPSInfo)."""
    exif = img.getexif()
    meta: dict = {}
    taken = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)
    if taken:
        meta["photo_taken_at"] = str(taken).replace(":", "-", 2)
    gps = exif.get_ifd(0x8825)
    if gps and 2 in gps and 4 in gps:
        lat, lon = _dms(gps[2], gps.get(1)), _dms(gps[4], gps.get(3))
        if lat is not None and lon is not None:
            meta["photo_lat"], meta["photo_lon"] = lat, lon
    return meta


def _stripped(img: Image.Image) -> bytes:
    fmt = img.format or "JPEG"
    clean = ImageOps.exif_transpose(img)  # keep how it looks, drop the orientation tag with the rest
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    buf = io.BytesIO()
    clean.save(buf, format=fmt, **({"quality": 92} if fmt in ("JPEG", "WEBP") else {}))
    return buf.getvalue()


def store_photo(root: str | Path, layer: str, site_id: str, stored_name: str, data: bytes,
                limits: PhotoLimits = PhotoLimits()) -> tuple[str, dict]:
    """Check and store one photo; returns (stored file name, EXIF time/position). Raises PhotoRejected."""
    if len(data) > limits.max_bytes:
        raise PhotoRejected(f"文件 {len(data) / 1048576:.1f} MB，超过 {limits.max_bytes / 1048576:.0f} MB 上限")
    img = _decode(data)
    meta = _exif_meta(img)
    name = Path(_safe(stored_name)).stem + _FORMATS[img.format or "JPEG"]
    atomic_write_bytes(attachment_path(root, layer, site_id, name), _stripped(img))
    return name, meta
