"""Kinds of ledger transaction as statements show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["KIND_NAMES"]

KIND_NAMES = {
    "issue": _l("预算下拨"),
    "award": _l("社区奖励"),
    "order_reward": _l("服务订单"),
    "activity_reward": _l("志愿活动"),
    "redeem": _l("积分兑换"),
    "refund": _l("兑换退还"),
    "expire": _l("积分过期"),
    "reversal": _l("冲正"),
}
