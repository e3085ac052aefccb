"""Order statuses, timeline events, channels and nearness as pages show them.

Registered for every template by ``engage.templating``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from engage.orders.models import LEVELS as FLOW_LEVELS

__all__ = [
    "STATUS_NAMES",
    "EVENT_NAMES",
    "CHANNEL_NAMES",
    "NEARNESS_NAMES",
    "PRIORITY_NAMES",
    "SATISFACTION_NAMES",
    "EXTENSION_STATUS_NAMES",
    "FLOW_LEVELS",
    "FLOW_LEVEL_NAMES",
]

STATUS_NAMES = {
    "placed": _l("待派单"),
    "dispatched": _l("待接单"),
    "accepted": _l("服务中"),
    "completed": _l("待评价"),
    "assigned": _l("待签收"),
    "signed": _l("办理中"),
    "replied": _l("待回访"),
    "closed": _l("已办结"),
    "cancelled": _l("已取消"),
}

EVENT_NAMES = {
    "placed": _l("点单"),
    "dispatch": _l("派单"),
    "accept": _l("接单"),
    "complete": _l("完成服务"),
    "rate": _l("评单"),
    "verify_close": _l("核查结案"),
    "cancel": _l("取消"),
    "reopen": _l("重新派单"),
    "prioritize": _l("设定紧急程度"),
    "answer": _l("答复结案"),
    "assign": _l("分拨"),
    "reassign": _l("改派"),
    "sign": _l("签收"),
    "return": _l("退单"),
    "ask_extension": _l("申请延期"),
    "decide_extension": _l("延期审批"),
    "reply": _l("办理反馈"),
    "callback": _l("回访结案"),
    "redo": _l("回访不满意，重办"),
    "whistle": _l("吹哨"),
    "report_in": _l("报到"),
    "reminded": _l("超时提醒"),
    "escalated": _l("督办"),
}

CHANNEL_NAMES = {
    "app": _l("手机点单"),
    "qr": _l("扫码点单"),
    "grid_worker": _l("网格员代诉"),
    "phone": _l("电话"),
    "hotline_12345": _l("12345热线"),
}

NEARNESS_NAMES = {"micro_grid": _l("同一微网格"), "grid": _l("同一网格"), "community": _l("本社区")}

PRIORITY_NAMES = {"normal": _l("一般"), "urgent": _l("紧急")}

SATISFACTION_NAMES = {"satisfied": _l("满意"), "basically": _l("基本满意"), "unsatisfied": _l("不满意")}

EXTENSION_STATUS_NAMES = {
    "pending": _l("待审批"),
    "approved": _l("已同意"),
    "refused": _l("未同意"),
    "void": _l("已失效"),
}

# 四流转 levels (engage/orders/levels.py); ``FLOW_LEVELS[n]`` is escalation level ``n``.
# (``LEVEL_NAMES`` are the community hierarchy's, engage/community/labels.py.)
FLOW_LEVEL_NAMES = {"grid": _l("网格"), "community": _l("社区"), "street": _l("街道"), "district": _l("区")}
