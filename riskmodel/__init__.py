"""The risk model: exposure rings, safety distances, coverage, township aggregation, flood and warning
scenarios. Objects in, objects out; never imports streamlit."""

from riskmodel.analysis import Analysis, analyze_workspace, unsafe_shelters, write_outputs
from riskmodel.errors import RasterError, RiskModelError, RuleConfigError
from riskmodel.rules import Rules, load_rules

__all__ = [
    "Analysis",
    "RasterError",
    "RiskModelError",
    "RuleConfigError",
    "Rules",
    "analyze_workspace",
    "load_rules",
    "unsafe_shelters",
    "write_outputs",
]
