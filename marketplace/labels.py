"""Reward categories, limit periods, redemption statuses, stock movements and
locations as the mall's pages and exports show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["CATEGORY_NAMES", "PERIOD_NAMES", "REDEMPTION_NAMES", "MOVEMENT_NAMES", "LOCATION_NAMES"]

CATEGORY_NAMES = {"goods": _l("实物"), "services": _l("服务"), "coupon": _l("商家优惠券")}

PERIOD_NAMES = {"month": _l("每月"), "year": _l("每年")}

REDEMPTION_NAMES = {
    "awaiting_pickup": _l("待领取"),
    "collected": _l("已领取"),
    "expired": _l("逾期退回"),
    "refunded": _l("已退款"),
}

MOVEMENT_NAMES = {"restock": _l("入库"), "adjust": _l("盘点调整"), "redeem": _l("兑换"), "return": _l("退回")}

LOCATION_NAMES = {"counter": _l("服务中心柜台"), "kiosk": _l("兑换机")}
