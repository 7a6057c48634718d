"""The record store: ``<workspace>/records/<kind>.jsonl``, one JSON record per line.

Writes are upserts by the kind's key, made under the kind's inter-process lock (read-modify-write
inside the lock, so two imports at once lose nothing), saved atomically and versioned like the
layers (``.history/records/<kind>/vNNNN.jsonl`` + ``versions.jsonl``). Each write also appends one
line to ``records/audit.jsonl``: who, when, what file, added / changed / unchanged / rejected — the
audit-ready record of who imported what.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from layers.access.roles import LOCAL_OPERATOR, Actor
from layers.records.schema import RecordKind, get_record_kind
from layers.store.io import atomic_write_bytes, layer_lock, read_json_lines, sha256_bytes

__all__ = [
    "DEFAULT_ACTOR",
    "UpsertResult",
    "actor_name",
    "audit_log",
    "read_records",
    "record_history",
    "records_path",
    "upsert_records",
]

DEFAULT_ACTOR = "本机操作员"


def actor_name(actor: Actor | None) -> str:
    """The name written into a record: the acting user's name (本机操作员 for the local operator)."""
    actor = actor or LOCAL_OPERATOR
    return DEFAULT_ACTOR if actor.local else actor.name


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did; ``version`` is 0 when nothing changed (no new version written)."""

    added: int
    changed: int
    unchanged: int
    version: int

    def describe(self) -> str:
        return f"新增 {self.added} 条，更新 {self.changed} 条，未变 {self.unchanged} 条"


def records_path(root: str | Path, kind: RecordKind | str) -> Path:
    kind = get_record_kind(kind) if isinstance(kind, str) else kind
    return Path(root) / "records" / f"{kind.id}.jsonl"


def _parse_lines(data: bytes) -> list[dict]:
    return [orjson.loads(line) for line in data.splitlines() if line.strip()]


def read_records(root: str | Path, kind: RecordKind | str) -> list[dict]:
    """Every stored record of a kind, in stored order ([] when none yet)."""
    path = records_path(root, kind)
    return _parse_lines(path.read_bytes()) if path.exists() else []


def _dump(records: Iterable[dict]) -> bytes:
    return b"".join(orjson.dumps(r, option=orjson.OPT_NON_STR_KEYS) + b"\n" for r in records)


def _history_dir(root: Path, kind: RecordKind) -> Path:
    return root / ".history" / "records" / kind.id


def record_history(root: str | Path, kind: RecordKind | str) -> list[dict]:
    kind = get_record_kind(kind) if isinstance(kind, str) else kind
    return read_json_lines(_history_dir(Path(root), kind) / "versions.jsonl")


def _save_version(root: Path, kind: RecordKind, data: bytes, source: str, actor: str, count: int) -> int:
    hist = _history_dir(root, kind)
    versions = read_json_lines(hist / "versions.jsonl")
    n = versions[-1]["version"] + 1 if versions else 1
    atomic_write_bytes(hist / f"v{n:04d}.jsonl", data)
    entry = {"version": n, "time": _now(), "source": source, "actor": actor, "count": count,
             "sha256": sha256_bytes(data)}
    atomic_write_bytes(hist / "versions.jsonl", _dump([*versions, entry]))
    atomic_write_bytes(records_path(root, kind), data)
    return n


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _comparable(rec: dict) -> dict:
    """A record without its import bookkeeping: what decides "changed"."""
    return {k: v for k, v in rec.items() if k not in ("imported_by", "imported_at")}


def _merge(current: list[dict], incoming: list[dict], key: str) -> tuple[list[dict], int, int, int]:
    index = {r[key]: i for i, r in enumerate(current)}
    out = list(current)
    added = changed = unchanged = 0
    for rec in incoming:
        i = index.get(rec[key])
        if i is None:
            index[rec[key]] = len(out)
            out.append(rec)
            added += 1
        elif _comparable(out[i]) == _comparable(rec):
            unchanged += 1
        else:
            out[i] = {**out[i], **rec}
            changed += 1
    return out, added, changed, unchanged


def upsert_records(root: str | Path, kind: RecordKind | str, records: list[dict], *, source: str,
                   actor: str = DEFAULT_ACTOR, rejected: int = 0) -> UpsertResult:
    """Add or update records by key under the kind's lock; a new version only when something changed.

    A record equal to the stored one (ignoring who imported it and when) counts as unchanged, so
    importing the same file twice gives ``added == changed == 0`` the second time.
    """
    root = Path(root)
    kind = get_record_kind(kind) if isinstance(kind, str) else kind
    with layer_lock(root, f"records-{kind.id}"):
        current = read_records(root, kind)
        merged, added, changed, unchanged = _merge(current, records, kind.key)
        version = 0
        if added or changed:
            version = _save_version(root, kind, _dump(merged), source, actor, len(merged))
        _audit(root, {"time": _now(), "actor": actor, "action": "import", "kind": kind.id, "source": source,
                      "added": added, "changed": changed, "unchanged": unchanged, "rejected": rejected,
                      "version": version})
    return UpsertResult(added, changed, unchanged, version)


def _audit(root: Path, entry: dict) -> None:
    path = root / "records" / "audit.jsonl"
    with layer_lock(root, "records-audit"):
        old = path.read_bytes() if path.exists() else b""
        atomic_write_bytes(path, old + orjson.dumps(entry) + b"\n")


def audit_log(root: str | Path) -> list[dict]:
    """Who imported what, oldest first (``records/audit.jsonl``)."""
    return read_json_lines(Path(root) / "records" / "audit.jsonl")
