"""A selection with a note in its description (e.g. 逾期未巡查), so that exports name every narrowing."""

from __future__ import annotations

from dataclasses import dataclass

from layers.selection import Selection

__all__ = ["NotedSelection"]


@dataclass(frozen=True)
class NotedSelection(Selection):
    """:class:`Selection` + ``note`` appended to :meth:`describe`.

    >>> NotedSelection(townships=("太平镇",), note="逾期未巡查").describe()
    '乡镇：太平镇；图层：全部；逾期未巡查'
    """

    note: str = ""

    def describe(self) -> str:
        return super().describe() + (f"；{self.note}" if self.note else "")
