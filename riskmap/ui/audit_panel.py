"""The audit-log tab of 数据管理 (管理员 only): the chain's state and the latest lines, filterable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.access import ACTIONS, read_audit, verify_audit
from riskmap.ui.state import t

__all__ = ["audit_tab"]

_SHOWN = 500


def _detail(d: dict) -> str:
    if "changes" in d:
        return "；".join(f"{c['field']}: {c['old']} → {c['new']}" for c in d["changes"][:8])
    return "，".join(f"{k}={v}" for k, v in d.items())


def audit_tab(root) -> None:
    check = verify_audit(root)
    (st.success if check.ok else st.error)(check.message)
    c1, c2 = st.columns(2)
    user = c1.text_input(t("用户", "User"), key="audit_user").strip() or None
    action = c2.selectbox(t("操作", "Action"), ["", *ACTIONS], format_func=lambda a: ACTIONS.get(a, "全部"),
                          key="audit_action") or None
    rows = read_audit(root, user=user, action=action)[-_SHOWN:]
    frame = pd.DataFrame(
        [{"序号": e["seq"], "时间": e["time"], "用户": e["user"], "角色": e["role"],
          "操作": ACTIONS.get(e["action"], e["action"]), "对象": e["target"], "结果": e["outcome"],
          "来源地址": e.get("client") or "", "详情": _detail(e.get("detail") or {})} for e in reversed(rows)],
        columns=["序号", "时间", "用户", "角色", "操作", "对象", "结果", "来源地址", "详情"],
    )
    st.caption(t(f"最近 {len(frame)} 条（命令行：riskmap audit；校验：riskmap audit verify）",
                 f"Latest {len(frame)} lines"))
    st.dataframe(frame, hide_index=True, width="stretch")
