"""AppTest: the 数据管理 page by role (audit log for 管理员 only; import hidden from 查看; rollback for
管理员 only), and a signed-in 乡镇编辑's table data masked outside their township."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from layers.access import find_user
from riskmap.ui.auth import ACTOR_KEY

SCRIPT = "from riskmap.ui import data\ndata.render()\n"


@pytest.fixture
def page_as(with_users, monkeypatch):
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(with_users))

    def make(name: str):
        at = AppTest.from_string(SCRIPT, default_timeout=30)
        at.session_state[ACTOR_KEY] = find_user(with_users, name).actor  # what the login gate sets
        at.run()
        assert not at.exception
        return at

    return make


def test_admin_sees_the_audit_log(page_as):
    at = page_as("admin")
    assert [tab.label for tab in at.tabs] == ["导入", "历史版本与回滚", "巡查导入", "审计日志"]
    assert any("哈希链完整" in s.value for s in at.success)
    assert "添加用户" in at.dataframe[-1].value["操作"].tolist()


def test_viewer_sees_no_audit_no_import(page_as):
    at = page_as("viewer")
    assert [tab.label for tab in at.tabs] == ["导入", "历史版本与回滚", "巡查导入"]
    assert any("只能查看" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "dm_preview"]
