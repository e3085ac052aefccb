"""Unit kinds as pages show them. Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["UNIT_KIND_NAMES"]

UNIT_KIND_NAMES = {
    "department": _l("职能部门"),
    "street": _l("街道"),
    "community": _l("社区"),
    "grid": _l("网格"),
    "property_company": _l("物业公司"),
}
