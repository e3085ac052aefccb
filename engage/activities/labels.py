"""Activity kinds and enrolment statuses as pages show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["ACTIVITY_KIND_NAMES", "ENROLLMENT_NAMES"]

ACTIVITY_KIND_NAMES = {
    "volunteer_service": _l("志愿服务"),
    "patrol": _l("巡防联盟"),
    "civilization": _l("文明创建"),
    "theory_lecture": _l("理论宣讲"),
    "housekeeping": _l("家政服务"),
    "other": _l("其他"),
}

ENROLLMENT_NAMES = {"enrolled": _l("已报名"), "waitlisted": _l("候补中"), "withdrawn": _l("已退出")}
