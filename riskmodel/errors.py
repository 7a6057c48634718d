"""The one error hierarchy of ``riskmodel``."""

from __future__ import annotations

__all__ = ["OutputError", "RasterError", "RiskModelError", "RuleConfigError"]


class RiskModelError(Exception):
    """Root of every error raised by ``riskmodel``."""

    exit_code = 2


class RuleConfigError(RiskModelError, ValueError):
    """A rule override in workspace.toml is malformed (the message names the key and the allowed form)."""


class RasterError(RiskModelError, ValueError):
    """A raster is missing its CRS, misses the county, or is not a raster."""


class OutputError(RiskModelError, OSError):
    """An output folder or file cannot be written (the message names the path and the reason)."""
