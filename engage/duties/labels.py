"""468 names as pages show them: care categories, visit frequencies and kinds, 必到
event kinds and statuses, and the 必清 checklist's items.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = [
    "CARE_CATEGORY_NAMES",
    "FREQUENCY_NAMES",
    "VISIT_KIND_NAMES",
    "EVENT_KIND_NAMES",
    "EVENT_STATUS_NAMES",
    "CHECK_ITEM_NAMES",
]

CARE_CATEGORY_NAMES = {
    "hardship": _l("困难群众"),
    "elderly_alone": _l("独居老人"),
    "left_behind_child": _l("留守儿童"),
    "troubled_youth": _l("问题少年"),
    "disabled_family": _l("残疾人家庭"),
    "mental_illness": _l("精神病人"),
    "petitioner": _l("信访人员"),
    "religious": _l("信教群众"),
}

FREQUENCY_NAMES = {"week": _l("每周"), "month": _l("每月"), "quarter": _l("每季度")}

VISIT_KIND_NAMES = {"home": _l("入户"), "phone": _l("电话"), "video": _l("视频"), "other": _l("其他")}

EVENT_KIND_NAMES = {
    "emergency": _l("小区突发事件"),
    "family_accident": _l("家庭重大事故"),
    "important_request": _l("居民重要诉求"),
    "neighbour_dispute": _l("邻里矛盾纠纷"),
}

EVENT_STATUS_NAMES = {
    "reported": _l("待到场"),
    "arrived": _l("已到场"),
    "handled": _l("已处置"),
    "closed": _l("已办结"),
}

CHECK_ITEM_NAMES = {
    "basic": _l("基本户情"),
    "population": _l("人口类别"),
    "facilities": _l("公共设施"),
    "risks": _l("矛盾隐患"),
    "needs": _l("服务需求"),
    "hot_issues": _l("热点难点"),
}
