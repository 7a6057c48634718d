"""One importer for everything that comes back from the field: ``import_inspections``.

Routes: the township packet XLSX (巡查记录 and 行动任务 sheets), the ODK Central / KoboToolbox
submissions CSV or ZIP (with media), and rows from the phone page (:func:`import_rows`). Each is
turned into canonical rows, checked (:mod:`layers.records.inspections`, :mod:`layers.records.tasks`),
photos are checked and stored (:mod:`layers.records.attachments`), then accepted records are upserted
by ``record_id`` (:mod:`layers.records.store`). Rejected rows are returned with reasons; nothing
accepted is lost and nothing half-written stays.

Who: ``actor`` (:class:`~layers.access.Actor`, default the local operator) needs edit reach (查看 and
领导 are refused, nothing written); a 乡镇编辑's rows for another township's sites or tasks are rejected
as 非本乡镇数据 and the rest go on. The user's name goes into each record (``imported_by``) and each
import is one line of the access audit log (``inspection_import``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from layers.access import audit
from layers.access.guard import check_record
from layers.access.roles import Actor
from layers.errors import LayerFileError
from layers.records.attachments import PhotoLimits, PhotoRejected, photo_limits, store_photo
from layers.records.inspections import TZ, CheckedSubmissions, Reject, check_submissions, site_index
from layers.records.packet import read_packet
from layers.records.schema import INSPECTIONS, TASK_UPDATES, RecordKind
from layers.records.store import UpsertResult, actor_name, upsert_records
from layers.records.submissions import MediaSource, read_submissions
from layers.records.tasks import check_task_updates, event_tasks

__all__ = ["InspectionImport", "import_inspections", "import_rows"]


@dataclass
class InspectionImport:
    """What one import did."""

    source: str
    inspections: UpsertResult | None = None
    tasks: UpsertResult | None = None
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Reject] = field(default_factory=list)
    photo_rejects: list[Reject] = field(default_factory=list)
    photos_stored: int = 0
    township: str = ""
    form_version: str = ""
    record_ids: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(r.added for r in (self.inspections, self.tasks) if r is not None)

    @property
    def changed(self) -> int:
        return sum(r.changed for r in (self.inspections, self.tasks) if r is not None)

    def summary(self) -> str:
        parts = []
        if self.inspections is not None:
            parts.append(f"巡查记录：{self.inspections.describe()}")
        if self.tasks is not None:
            parts.append(f"任务反馈：{self.tasks.describe()}")
        parts.append(f"拒收 {len(self.rejects)} 行")
        if self.photos_stored or self.photo_rejects:
            parts.append(f"照片保存 {self.photos_stored} 张、拒收 {len(self.photo_rejects)} 张")
        return "；".join(parts)

    def to_dict(self) -> dict:
        def up(r):
            return None if r is None else {"added": r.added, "changed": r.changed, "unchanged": r.unchanged,
                                           "version": r.version}
        return {"source": self.source, "township": self.township, "form_version": self.form_version,
                "inspections": up(self.inspections), "tasks": up(self.tasks),
                "rejects": [r.__dict__ for r in self.rejects], "warnings": [w.__dict__ for w in self.warnings],
                "photo_rejects": [r.__dict__ for r in self.photo_rejects], "photos_stored": self.photos_stored}


def _attach(ws, checked: CheckedSubmissions, media: MediaSource | dict[str, bytes], limits: PhotoLimits,
            report: InspectionImport) -> None:
    """Store each record's photos; a bad photo is dropped from the record with its reason."""
    for rec in checked.records:
        names, kept = rec.get("photos") or [], []
        for i, name in enumerate(names):
            why = None
            if i >= limits.per_record:
                why = f"每条记录最多 {limits.per_record} 张照片"
            data = (media.get(name) if isinstance(media, dict) else media.get(name, limits.max_bytes)) if why is None \
                else None
            if why is None and data is None:
                why = "找不到该照片文件"
            elif why is None and isinstance(data, str):
                why = data
            if why is None:
                assert isinstance(data, bytes)
                try:
                    stored, meta = store_photo(ws.root, rec["layer"], rec["site_id"], f"{rec['record_id']}_{i + 1}",
                                               data, limits)
                except PhotoRejected as exc:
                    why = str(exc)
                else:
                    kept.append(stored)
                    for k, v in meta.items():
                        rec.setdefault(k, v)
                    report.photos_stored += 1
                    continue
            report.photo_rejects.append(Reject(None, rec["site_id"], "photos", f"照片 {name}：{why}"))
        rec["photos"] = kept


def _finish(ws, report: InspectionImport, checked: CheckedSubmissions | None, task_checked: CheckedSubmissions | None,
            media, actor: Actor, now: datetime | None) -> InspectionImport:
    stamp = (now or datetime.now(TZ)).astimezone(TZ).isoformat(timespec="seconds")
    who = actor_name(actor)
    if checked is not None:
        _attach(ws, checked, media, photo_limits(ws.config), report)
        for rec in checked.records:
            rec["imported_by"], rec["imported_at"] = who, stamp
        report.rejects += checked.rejects
        report.warnings += checked.warnings
        report.record_ids = [r["record_id"] for r in checked.records]
        report.inspections = _upsert(ws, INSPECTIONS, checked, report, actor)
    if task_checked is not None:
        for rec in task_checked.records:
            rec["imported_by"], rec["imported_at"] = who, stamp
        report.rejects += task_checked.rejects
        report.tasks = _upsert(ws, TASK_UPDATES, task_checked, report, actor)
    return report


def _upsert(ws, kind: RecordKind, checked: CheckedSubmissions, report: InspectionImport, actor: Actor
            ) -> UpsertResult:
    """Upsert the accepted records and write the import's line in the access audit log."""
    result = upsert_records(ws.root, kind, checked.records, source=report.source, actor=actor_name(actor),
                            rejected=len(checked.rejects))
    audit.record(ws.root, actor, "inspection_import", kind.id, source=report.source, added=result.added,
                 changed=result.changed, unchanged=result.unchanged, rejected=len(checked.rejects),
                 version=result.version)
    return result


_WHAT = "录入巡查记录和任务反馈"


def import_inspections(ws, path: str | Path, *, actor: Actor | None = None, media: str | Path | None = None,
                       now: datetime | None = None, data: bytes | None = None) -> InspectionImport:
    """Import a filled packet XLSX or an ODK/Kobo submissions CSV/ZIP into the workspace's records.

    Raises
    ------
    AccessDeniedError
        The acting user may not record (查看, 领导); nothing is written.
    LayerFileError
        The file cannot be read at all, or is a form this project did not write; nothing is written.
    """
    actor, own = check_record(actor, _WHAT)
    path = Path(path)
    suffix = path.suffix.lower()
    report = InspectionImport(source=path.name)
    sites = site_index(ws)
    if suffix in (".xlsx", ".xlsm"):
        ins, tasks, report.township = read_packet(path, data)
        return _finish(ws, report, _check(ins, sites, now, "xlsx", own), _check_tasks(ws, tasks, "xlsx", now, own),
                       MediaSource.from_path(Path(media) if media else None), actor, now)
    if suffix in (".csv", ".zip"):
        if data is not None:
            raise LayerFileError(f"{path.name}: 提交数据请从文件导入")
        ins, tasks, source, report.form_version = read_submissions(path, Path(media) if media else None)
        return _finish(ws, report, _check(ins, sites, now, "odk", own), _check_tasks(ws, tasks, "odk", now, own),
                       source, actor, now)
    raise LayerFileError(f"{path.name}: 不支持的巡查文件类型 {suffix or '（无扩展名）'}；"
                         "可导入：乡镇巡查包 .xlsx、ODK Central / KoboToolbox 提交数据 .csv 或 .zip")


def _check(frame: pd.DataFrame, sites, now, route: str, own: str | None) -> CheckedSubmissions | None:
    if frame is None or frame.empty:
        return CheckedSubmissions([])
    return check_submissions(frame, sites, now=now, source=route, township=own)


def _check_tasks(ws, frame: pd.DataFrame, route: str, now, own: str | None) -> CheckedSubmissions | None:
    if frame is None or frame.empty:
        return None
    return check_task_updates(frame, event_tasks(ws.root), source=route, now=now, township=own)


def import_rows(ws, rows: list[dict], *, photos: dict[str, bytes] | None = None, tasks: list[dict] | None = None,
                actor: Actor | None = None, now: datetime | None = None, source: str = "phone") -> InspectionImport:
    """Import submissions made in the app (the phone page): rows in canonical form, photos by name.

    ``actor`` as for :func:`import_inspections` (refused before anything is written)."""
    actor, own = check_record(actor, _WHAT)
    report = InspectionImport(source=source)
    frame = pd.DataFrame(rows) if rows else pd.DataFrame()
    checked = _check(frame, site_index(ws), now, source, own) if rows else None
    task_checked = _check_tasks(ws, pd.DataFrame(tasks), source, now, own) if tasks else None
    return _finish(ws, report, checked, task_checked, photos or {}, actor, now)
