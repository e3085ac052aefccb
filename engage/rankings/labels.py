"""Kinds of kept report as pages show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["REPORT_NAMES"]

REPORT_NAMES = {"week": _l("周小结"), "month": _l("月分析"), "quarter": _l("季排名"), "year": _l("年考核")}
