"""The community hierarchy's levels as pages show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = [
    "LEVEL_NAMES",
    "HOUSEHOLD_TYPE_NAMES",
    "HOUSING_TYPE_NAMES",
    "RELATION_NAMES",
    "MEMBER_CATEGORY_NAMES",
]

LEVEL_NAMES = {
    "communities": _l("社区"),
    "grids": _l("网格"),
    "micro_grids": _l("微网格"),
    "households": _l("住户"),
    "compounds": _l("小区"),
    "property_companies": _l("物业公司"),
}

HOUSEHOLD_TYPE_NAMES = {"permanent": _l("常住户"), "floating": _l("流动户"), "registered_only": _l("空挂户")}

HOUSING_TYPE_NAMES = {
    "owned": _l("自有住房"),
    "rented": _l("租赁住房"),
    "public_rental": _l("公租房"),
    "other": _l("其他"),
}

RELATION_NAMES = {
    "head": _l("户主"),
    "spouse": _l("配偶"),
    "child": _l("子女"),
    "parent": _l("父母"),
    "grandchild": _l("孙子女"),
    "sibling": _l("兄弟姐妹"),
    "other": _l("其他"),
}

MEMBER_CATEGORY_NAMES = {
    "party_member": _l("党员"),
    "veteran": _l("退役军人"),
    "disabled": _l("残疾人"),
    "subsistence": _l("低保"),
    "elderly_alone": _l("独居老人"),
    "left_behind_child": _l("留守儿童"),
    "serious_illness": _l("大病患者"),
}
