"""Message kinds as the preferences page shows them; every in-app notification and every
notice sent on (SMS, WeChat) has one of these kinds. Registered for every template by
``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["NOTICE_KIND_NAMES", "DELIVERY_STATUS_NAMES", "DELIVERY_OUTCOME_NAMES", "DELIVERY_CHANNEL_NAMES"]

NOTICE_KIND_NAMES = {
    "duty_event": _l("必到事件"),
    "escalation": _l("督办"),
    "whistle": _l("吹哨报到"),
    "dispatch": _l("派给我的工作"),
    "callback": _l("回访"),
    "reminder": _l("到期与超时提醒"),
    "status": _l("诉求和订单进展"),
    "pool": _l("可接的服务订单"),
    "activity": _l("志愿活动"),
    "points": _l("积分"),
    "notice": _l("其他通知"),
}

DELIVERY_CHANNEL_NAMES = {"sms": _l("短信"), "wechat": _l("微信")}
DELIVERY_STATUS_NAMES = {
    "pending": _l("待发送"),
    "sending": _l("发送中"),
    "sent": _l("已发送"),
    "failed": _l("发送失败"),
}
DELIVERY_OUTCOME_NAMES = {
    "sent": _l("已送达服务商"),
    "provider_error": _l("服务商报错"),
    "timeout": _l("超时"),
    "crashed": _l("发送中断"),
}
