"""Who may do what: accounts, township-scoped roles, personal data masked by role, the audit log.

Data lives in ``<workspace>/.access/`` (users.json, sessions.json, secret.key, audit.jsonl,
audit.head), outside every registry file. Libraries that save, import, roll back and export take an
``actor`` (:class:`Actor`; default :data:`LOCAL_OPERATOR`, the shell operator of a workspace without
accounts) and refuse what its role does not allow.
"""

from layers.access.accounts import (
    User,
    add_user,
    authenticate,
    find_user,
    has_accounts,
    list_users,
    login_required,
    remove_user,
    resolve_actor,
    set_disabled,
    set_password,
)
from layers.access.audit import ACTIONS, audit_path, read_audit, record, verify_audit
from layers.access.masking import is_masked_for, mask_frame, mask_sites, mask_value, masked_workspace
from layers.access.roles import (
    COUNTY,
    LOCAL_OPERATOR,
    ROLES,
    AccessDeniedError,
    AccessError,
    Actor,
    Reach,
    RoleSpec,
    get_role,
    role_names,
)
from layers.access.sessions import COOKIE_NAME, create_session, end_session, session_actor
from layers.access.store import auth_settings

__all__ = [
    "ACTIONS",
    "COOKIE_NAME",
    "COUNTY",
    "LOCAL_OPERATOR",
    "ROLES",
    "AccessDeniedError",
    "AccessError",
    "Actor",
    "Reach",
    "RoleSpec",
    "User",
    "add_user",
    "audit_path",
    "auth_settings",
    "authenticate",
    "create_session",
    "end_session",
    "find_user",
    "get_role",
    "has_accounts",
    "is_masked_for",
    "list_users",
    "login_required",
    "mask_frame",
    "mask_sites",
    "mask_value",
    "masked_workspace",
    "read_audit",
    "record",
    "remove_user",
    "resolve_actor",
    "role_names",
    "session_actor",
    "set_disabled",
    "set_password",
    "verify_audit",
]
