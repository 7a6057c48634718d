"""Fixtures: the map test workspace with its townships named 太平镇 / 白家镇, every site with a contact,
and cheap argon2 parameters (the hash is still argon2id; only the work factor is lowered for tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from layers.access import accounts
from tests.map_workspace import EAST_TOWN, WEST_TOWN, write_map_workspace

TAIPING, BAIJIA = "太平镇", "白家镇"  # WEST_TOWN, EAST_TOWN renamed
PASSWORD = "correct-horse-1"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(accounts, "_DUMMY_HASH", None)


def write_access_workspace(root: Path) -> Path:
    write_map_workspace(root)
    for path in root.glob("*.geojson"):
        text = path.read_text(encoding="utf-8").replace(WEST_TOWN, TAIPING).replace(EAST_TOWN, BAIJIA)
        doc = json.loads(text)
        for i, f in enumerate(doc["features"]):
            props = f["properties"]
            if "id" in props:
                props["contact_name"] = "张三丰" if props["township"] == TAIPING else "李四"
                props["contact_phone"] = f"1381234{i:04d}"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture
def access_ws(tmp_path) -> Path:
    return write_access_workspace(tmp_path / "ws")


@pytest.fixture
def with_users(access_ws) -> Path:
    """The workspace with one user of each role (password :data:`PASSWORD`)."""
    accounts.add_user(access_ws, "admin", PASSWORD, "管理员")
    accounts.add_user(access_ws, "county", PASSWORD, "县级编辑")
    accounts.add_user(access_ws, "tp", PASSWORD, "乡镇编辑", TAIPING, display_name="太平编辑")
    accounts.add_user(access_ws, "viewer", PASSWORD, "查看")
    accounts.add_user(access_ws, "boss", PASSWORD, "领导")
    return access_ws
