"""Volunteer groups and star levels as pages show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["GROUP_NAMES", "STAR_NAMES"]

GROUP_NAMES = {
    "resident": _l("普通居民"),
    "party_member": _l("党员"),
    "new_social_class": _l("新阶层人士"),
    "new_employment": _l("新就业群体（快递员、外卖骑手、网约车司机等）"),
}

STAR_NAMES = {
    0: _l("暂无星级"),
    1: _l("一星志愿者"),
    2: _l("二星志愿者"),
    3: _l("三星志愿者"),
    4: _l("四星志愿者"),
    5: _l("五星志愿者"),
}
