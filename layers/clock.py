"""The county's clock: every time a person reads is Asia/Shanghai (北京时间), whatever the server's zone.

Stored times keep their offset (ISO 8601); :func:`shown` is the display form, ``2026-12-01 15:32``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "now", "shown", "to_shanghai"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current time in Asia/Shanghai."""
    return datetime.now(SHANGHAI)


def to_shanghai(when: datetime) -> datetime:
    """An aware time in Asia/Shanghai; a naive one is taken as the server's local time."""
    return (when if when.tzinfo is not None else when.astimezone()).astimezone(SHANGHAI)


def shown(when: datetime | str | None) -> str:
    """A time as people read it: Asia/Shanghai, to the minute.

    >>> shown("2026-12-01T07:32:04+00:00")
    '2026-12-01 15:32'
    >>> shown(None)
    ''
    """
    if when is None or when == "":
        return ""
    if isinstance(when, str):
        try:
            parsed = datetime.fromisoformat(when)
        except ValueError:
            return when
        return to_shanghai(parsed).strftime("%Y-%m-%d %H:%M")
    return to_shanghai(when).strftime("%Y-%m-%d %H:%M")
