"""Kinds of kept report, and the units' rankings' rates and lapses, as pages show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["REPORT_NAMES", "RATE_NAMES", "LAPSE_NAMES"]

REPORT_NAMES = {"week": _l("周小结"), "month": _l("月分析"), "quarter": _l("季排名"), "year": _l("年考核")}

RATE_NAMES = {
    "response_rate": _l("响应率"),
    "resolution_rate": _l("解决率"),
    "satisfaction_rate": _l("满意率"),
    "timeliness_rate": _l("按时率"),
}

LAPSE_NAMES = {
    "returned": _l("退单"),
    "overdue": _l("超时"),
    "extended": _l("延期"),
    "reopened": _l("不满意（重办）"),
}
