"""The one error hierarchy of the ``layers`` package.

Each message says what is wrong, where (file, layer, id or row, field), what is allowed and how to fix it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = [
    "BaseImportError",
    "CountyNotFoundError",
    "ImportConflictError",
    "ImportRefusedError",
    "LayerError",
    "LayerFileError",
    "LayerLockError",
    "LayerValidationError",
    "PhotoRejected",
    "Problem",
    "SelectionError",
    "UnknownKindError",
    "WorkspaceError",
]


@dataclass(frozen=True)
class Problem:
    """One validation finding: ``layer:id-or-row:field: message``."""

    severity: str  # "error" | "warning"
    layer: str
    id: str | None
    row: int | None
    field: str | None
    message: str

    def line(self) -> str:
        where = self.id if self.id not in (None, "") else (f"第{self.row}行" if self.row is not None else "-")
        return f"{self.layer}:{where}:{self.field or '-'}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


class LayerError(Exception):
    """Root of every error raised by ``layers``."""


class UnknownKindError(LayerError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class WorkspaceError(LayerError, OSError):
    """A workspace folder or its ``workspace.toml`` is missing or malformed."""


class LayerFileError(LayerError, OSError):
    """A layer file cannot be read or written (bad JSON, wrong encoding, not a FeatureCollection)."""


class LayerLockError(LayerError, TimeoutError):
    """Another process holds the layer's lock for too long."""


class SelectionError(LayerError, ValueError):
    """A selection names an unknown township, layer, field or value."""


class LayerValidationError(LayerError, ValueError):
    """A layer has validation errors; nothing was saved."""

    def __init__(self, problems: list[Problem], message: str | None = None):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(message or "；".join(p.line() for p in errors[:5]) + (
            f" 等共 {len(errors)} 处错误" if len(errors) > 5 else ""))


class ImportRefusedError(LayerError, ValueError):
    """Nothing can be imported (every row rejected, or no data rows); nothing was written."""

    exit_code = 2


class ImportConflictError(LayerError, RuntimeError):
    """The layer changed since the plan in a way the plan cannot be applied on top of; nothing written."""

    exit_code = 2


class PhotoRejected(LayerError, ValueError):
    """One photo of an inspection record was not stored; the message says why (the record is kept)."""


class CountyNotFoundError(LayerError, LookupError):
    """``riskmap init``: no county (or more than one) matches the adcode or name, or the folder is taken."""


class BaseImportError(LayerError, ValueError):
    """A township or village file has errors; nothing was written."""

    exit_code = 2
