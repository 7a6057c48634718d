"""Roles as data, and the acting user.

A role is held *for* a realm: the county, or one township (Sahana Eden's realms: the county contains its
townships). What each role may do is declared once in :data:`ROLES`; every check in the library reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from layers.errors import LayerError

__all__ = [
    "COUNTY",
    "LOCAL_OPERATOR",
    "ROLES",
    "AccessDeniedError",
    "AccessError",
    "Actor",
    "Reach",
    "RoleSpec",
    "get_role",
    "role_names",
]

COUNTY = "全县"


class AccessError(LayerError, ValueError):
    """Bad account input (user name, password, role, township) or a refused login; nothing was written."""

    exit_code = 2


class AccessDeniedError(LayerError, PermissionError):
    """The acting user's role does not allow this; nothing was written."""

    exit_code = 2


class Reach(StrEnum):
    """How far a right reaches."""

    NONE = "none"
    TOWNSHIP = "township"  # only sites whose township is the user's own
    ALL = "all"


@dataclass(frozen=True)
class RoleSpec:
    """One role: what it may edit, whose personal data it sees, which pages it opens."""

    name: str
    label_en: str
    edit: Reach = Reach.NONE  # import / edit / save registry rows
    personal: Reach = Reach.NONE  # personal fields shown in full
    rollback: bool = False
    manage_users: bool = False
    change_rules: bool = False
    export: bool = True
    audit: bool = False  # read the audit log
    township_realm: bool | None = None  # True: must name a township; False: county only; None: either
    pages: tuple[str, ...] | None = None  # app page url paths it may open; None = every page
    description: str = ""


ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("管理员", "Administrator", edit=Reach.ALL, personal=Reach.ALL, rollback=True, manage_users=True,
             change_rules=True, audit=True, township_realm=False, description="用户、规则、回滚、所有图层"),
    RoleSpec("县级编辑", "County editor", edit=Reach.ALL, personal=Reach.ALL, township_realm=False,
             description="导入和编辑所有图层"),
    RoleSpec("乡镇编辑", "Township editor", edit=Reach.TOWNSHIP, personal=Reach.TOWNSHIP, township_realm=True,
             description="只导入和编辑本乡镇的点位；可查看全县地图"),
    RoleSpec("查看", "Viewer", description="只读；个人信息脱敏"),
    RoleSpec("领导", "Leadership", export=False, pages=("flood",), description="只读：汛期态势与简报"),
)


def role_names() -> tuple[str, ...]:
    return tuple(r.name for r in ROLES)


def get_role(name: str) -> RoleSpec:
    for r in ROLES:
        if r.name == name:
            return r
    raise AccessError(f"未知角色“{name}”；可选角色：{'、'.join(role_names())}")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, a CLI ``--user``, or the local operator (no accounts configured)."""

    name: str
    role: str
    township: str | None = None  # the realm: None = the county
    display_name: str = ""
    local: bool = False

    @property
    def spec(self) -> RoleSpec:
        return get_role(self.role)

    @property
    def realm(self) -> str:
        return self.township or COUNTY

    @property
    def label(self) -> str:
        """``张三（乡镇编辑 · 太平镇）`` — for the sidebar and messages."""
        who = self.display_name or self.name
        return f"{who}（{self.role} · {self.realm}）"

    def sees_personal(self, township: object) -> bool:
        """Whether this user sees the personal fields of a site in ``township`` in full."""
        reach = self.spec.personal
        return reach == Reach.ALL or (reach == Reach.TOWNSHIP and township == self.township)

    def may_edit(self, township: object) -> bool:
        reach = self.spec.edit
        return reach == Reach.ALL or (reach == Reach.TOWNSHIP and township == self.township)

    def may_open(self, page: str) -> bool:
        pages = self.spec.pages
        return pages is None or page in pages

    def require(self, right: str, what: str) -> None:
        """Refuse with one message unless the role has ``right`` (a :class:`RoleSpec` attribute)."""
        allowed = getattr(self.spec, right)
        if allowed in (False, Reach.NONE):
            raise AccessDeniedError(f"用户 {self.name}（{self.role}）无权{what}")


LOCAL_OPERATOR = Actor("local", "管理员", None, "本机操作员", local=True)
