"""Record kinds: what comes back from the field, declared once as data, like the registries.

Two record kinds live beside the registries of a workspace:

- :data:`INSPECTIONS` (巡查记录): one check of one site — who, when, the result, findings, the
  check-in position, photos, and the measured values of that site's kind (:data:`MEASURES`);
- :data:`TASK_UPDATES` (任务反馈): one status report on one task of an issued warning event.

The measured values per registry kind are data here (``MEASURES``), keyed by layer id, so the
generic code (importer, packet sheet, XLSForm, phone page) asks this table and names no kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from layers.errors import UnknownKindError
from layers.kinds import Field, FieldType

__all__ = [
    "INSPECTIONS",
    "MEASURES",
    "RECORD_KINDS",
    "TASK_UPDATES",
    "InspectionResult",
    "RecordKind",
    "TaskStatus",
    "get_record_kind",
    "measures_for",
]


class InspectionResult(StrEnum):
    """Result of one inspection (values are the stored Chinese text)."""

    NORMAL = "正常"
    FOUND = "发现隐患"
    FIXED = "隐患已整改"
    UNREACHABLE = "无法到达"


class TaskStatus(StrEnum):
    """Status of one warning task."""

    PENDING = "待执行"
    RUNNING = "执行中"
    DONE = "已完成"
    FAILED = "无法执行"


@dataclass(frozen=True)
class RecordKind:
    """A record kind stored per workspace under ``records/<id>.jsonl``; ``key`` is the upsert key."""

    id: str
    label: str
    label_en: str
    key: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise UnknownKindError(f"记录 {self.id} 没有字段 “{name}”；可选：{'、'.join(self.field_names)}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


S, E, F, B, D = FieldType.STR, FieldType.ENUM, FieldType.FLOAT, FieldType.BOOL, FieldType.DATE

INSPECTIONS = RecordKind(
    id="inspections", label="巡查记录", label_en="Inspections", key="record_id",
    fields=(
        Field("record_id", "记录编号", S, label_en="Record ID", required=True),
        Field("layer", "图层", S, label_en="Layer", required=True, aliases=("图层", "图层编号", "layer")),
        Field("site_id", "点位编号", S, label_en="Site ID", required=True, aliases=("编号", "点位编号", "site_id")),
        Field("checked_at", "巡查时间", D, label_en="Checked at", required=True,
              aliases=("巡查时间", "巡查日期", "检查时间", "checked_at")),
        Field("inspector", "巡查人", S, label_en="Inspector", personal=True, aliases=("巡查人", "检查人", "inspector")),
        Field("result", "巡查结果", E, label_en="Result", required=True, allowed=tuple(InspectionResult),
              aliases=("巡查结果", "结果", "result")),
        Field("findings", "发现问题", S, label_en="Findings", aliases=("发现问题", "问题描述", "findings")),
        Field("lon", "打卡经度", F, label_en="Check-in lon", aliases=("打卡经度", "lon")),
        Field("lat", "打卡纬度", F, label_en="Check-in lat", aliases=("打卡纬度", "lat")),
        Field("photos", "照片", S, label_en="Photos", aliases=("照片", "photos")),
        Field("source", "来源", S, label_en="Source"),
        Field("imported_by", "导入人", S, label_en="Imported by"),
        Field("imported_at", "导入时间", S, label_en="Imported at"),
    ),
)

TASK_UPDATES = RecordKind(
    id="task_updates", label="任务反馈", label_en="Task updates", key="update_id",
    fields=(
        Field("update_id", "反馈编号", S, label_en="Update ID", required=True),
        Field("task_id", "任务编号", S, label_en="Task ID", required=True, aliases=("任务编号", "task_id")),
        Field("status", "任务状态", E, label_en="Status", required=True, allowed=tuple(TaskStatus),
              aliases=("任务状态", "执行状态", "status")),
        Field("by", "执行人", S, label_en="By", personal=True, aliases=("执行人", "反馈人", "by")),
        Field("at", "反馈时间", D, label_en="At", aliases=("反馈时间", "完成时间", "at")),
        Field("notes", "情况说明", S, label_en="Notes", aliases=("情况说明", "备注", "notes")),
        Field("people_evacuated", "已转移人数", F, unit="人", min_value=0, label_en="People evacuated",
              aliases=("已转移人数", "实际转移人数", "people_evacuated")),
        Field("source", "来源", S, label_en="Source"),
        Field("imported_by", "导入人", S, label_en="Imported by"),
        Field("imported_at", "导入时间", S, label_en="Imported at"),
    ),
)

RECORD_KINDS: tuple[RecordKind, ...] = (INSPECTIONS, TASK_UPDATES)

# Measured values per registry kind, stored in the inspection record under ``m_<name>``.
MEASURES: dict[str, tuple[Field, ...]] = {
    "geohazard": (
        Field("crack_width_mm", "裂缝宽度", F, unit="mm", min_value=0, label_en="Crack width"),
        Field("displacement_mm", "位移", F, unit="mm", label_en="Displacement"),
    ),
    "flood_spot": (
        Field("water_depth_cm", "积水深度", F, unit="cm", min_value=0, label_en="Water depth"),
    ),
    "ferry": (
        Field("anemometer_ok", "测风仪正常", B, label_en="Anemometer working"),
        Field("video_ok", "视频正常", B, label_en="Video working"),
    ),
    "gas_risk": (
        Field("iot_online", "物联设备在线", B, label_en="IoT device online"),
    ),
    "fire_pool": (
        Field("water_level_pct", "蓄水比例", F, unit="%", min_value=0, label_en="Fill level"),
    ),
}

_BY_ID = {k.id: k for k in RECORD_KINDS}


def get_record_kind(kind_id: str) -> RecordKind:
    try:
        return _BY_ID[kind_id]
    except KeyError:
        raise UnknownKindError(f"未知记录类型 “{kind_id}”；可选：{'、'.join(_BY_ID)}") from None


def measures_for(layer_id: str) -> tuple[Field, ...]:
    """Measured-value fields of a registry kind (empty for a kind without any).

    >>> [f.header for f in measures_for("geohazard")]
    ['裂缝宽度(mm)', '位移(mm)']
    >>> measures_for("no_such_layer")
    ()
    """
    return MEASURES.get(layer_id, ())


def measure_key(f: Field) -> str:
    """Name of a measured value inside a record: ``m_<field>``."""
    return f"m_{f.name}"
