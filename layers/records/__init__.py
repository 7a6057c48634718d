"""Field records that come back into the workspace: inspections (巡查) and warning-task updates."""

from layers.records.schema import (
    INSPECTIONS,
    MEASURES,
    RECORD_KINDS,
    TASK_UPDATES,
    InspectionResult,
    RecordKind,
    TaskStatus,
    get_record_kind,
    measures_for,
)
from layers.records.store import DEFAULT_ACTOR, UpsertResult, audit_log, read_records, upsert_records

__all__ = [
    "DEFAULT_ACTOR",
    "INSPECTIONS",
    "MEASURES",
    "RECORD_KINDS",
    "TASK_UPDATES",
    "InspectionResult",
    "RecordKind",
    "TaskStatus",
    "UpsertResult",
    "audit_log",
    "get_record_kind",
    "measures_for",
    "read_records",
    "upsert_records",
]
