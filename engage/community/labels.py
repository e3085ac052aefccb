"""The community hierarchy's levels as pages show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["LEVEL_NAMES"]

LEVEL_NAMES = {
    "communities": _l("社区"),
    "grids": _l("网格"),
    "micro_grids": _l("微网格"),
    "households": _l("住户"),
    "compounds": _l("小区"),
    "property_companies": _l("物业公司"),
}
