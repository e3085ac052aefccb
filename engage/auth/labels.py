"""Account roles as pages show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["ROLE_NAMES"]

ROLE_NAMES = {
    "resident": _l("居民"),
    "volunteer": _l("志愿者"),
    "grid_worker": _l("网格员"),
    "staff": _l("社区工作者"),
    "admin": _l("街道管理员"),
    "property_manager": _l("物业"),
    "kiosk": _l("兑换机"),
    "district_admin": _l("指挥中心"),
    "department": _l("部门人员"),
}
