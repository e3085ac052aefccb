"""Filters and names every template may use."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from engage.orders.queries import deadline, is_overdue
from engage.privacy import mask_id_number, mask_name, mask_phone

ROLE_NAMES = {
    "resident": _l("居民"),
    "volunteer": _l("志愿者"),
    "grid_worker": _l("网格员"),
    "staff": _l("社区工作者"),
    "admin": _l("街道管理员"),
    "property_manager": _l("物业"),
    "kiosk": _l("兑换机"),
    "district_admin": _l("指挥中心"),
    "department": _l("部门人员"),
}

LEVEL_NAMES = {
    "communities": _l("社区"),
    "grids": _l("网格"),
    "micro_grids": _l("微网格"),
    "households": _l("住户"),
    "compounds": _l("小区"),
    "property_companies": _l("物业公司"),
}


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


STATUS_NAMES = {
    "placed": _l("待派单"),
    "dispatched": _l("待接单"),
    "accepted": _l("服务中"),
    "completed": _l("待评价"),
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

ACTIVITY_KIND_NAMES = {
    "volunteer_service": _l("志愿服务"),
    "patrol": _l("巡防联盟"),
    "civilization": _l("文明创建"),
    "theory_lecture": _l("理论宣讲"),
    "housekeeping": _l("家政服务"),
    "other": _l("其他"),
}

ENROLLMENT_NAMES = {"enrolled": _l("已报名"), "waitlisted": _l("候补中"), "withdrawn": _l("已退出")}

GROUP_NAMES = {
    "resident": _l("普通居民"),
    "party_member": _l("党员"),
    "new_social_class": _l("新阶层人士"),
    "new_employment": _l("新就业群体（快递员、外卖骑手、网约车司机等）"),
}

STAR_NAMES = {
    0: _l("暂无星级"),
    1: _l("一星志愿者"),
    2: _l("二星志愿者"),
    3: _l("三星志愿者"),
    4: _l("四星志愿者"),
    5: _l("五星志愿者"),
}

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

REPORT_NAMES = {"week": _l("周小结"), "month": _l("月分析"), "quarter": _l("季排名"), "year": _l("年考核")}


def last_moment(end):
    """An exclusive period end shown as the last moment inside it: due "by 10-18", not "10-19 00:00"."""
    return end - timedelta(seconds=1)


def hours(minutes: int | None) -> str:
    """Service time as hours with up to two decimals: 90 → 1.5."""
    return f"{(minutes or 0) / 60:.2f}".rstrip("0").rstrip(".")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(
        mask_name=mask_name,
        mask_phone=mask_phone,
        mask_id_number=mask_id_number,
        hours=hours,
        last_moment=last_moment,
    )

    @app.context_processor
    def names():
        from flask_login import current_user

        from engage.auth.forms import EmptyForm, LanguageForm
        from engage.extensions import db
        from engage.notifications.services import unread_count

        return {
            "ROLE_NAMES": ROLE_NAMES,
            "get_locale": get_locale,
            "LEVEL_NAMES": LEVEL_NAMES,
            "KIND_NAMES": KIND_NAMES,
            "STATUS_NAMES": STATUS_NAMES,
            "EVENT_NAMES": EVENT_NAMES,
            "CHANNEL_NAMES": CHANNEL_NAMES,
            "NEARNESS_NAMES": NEARNESS_NAMES,
            "ACTIVITY_KIND_NAMES": ACTIVITY_KIND_NAMES,
            "ENROLLMENT_NAMES": ENROLLMENT_NAMES,
            "GROUP_NAMES": GROUP_NAMES,
            "STAR_NAMES": STAR_NAMES,
            "CATEGORY_NAMES": CATEGORY_NAMES,
            "PERIOD_NAMES": PERIOD_NAMES,
            "REDEMPTION_NAMES": REDEMPTION_NAMES,
            "MOVEMENT_NAMES": MOVEMENT_NAMES,
            "LOCATION_NAMES": LOCATION_NAMES,
            "CARE_CATEGORY_NAMES": CARE_CATEGORY_NAMES,
            "FREQUENCY_NAMES": FREQUENCY_NAMES,
            "VISIT_KIND_NAMES": VISIT_KIND_NAMES,
            "EVENT_KIND_NAMES": EVENT_KIND_NAMES,
            "EVENT_STATUS_NAMES": EVENT_STATUS_NAMES,
            "CHECK_ITEM_NAMES": CHECK_ITEM_NAMES,
            "REPORT_NAMES": REPORT_NAMES,
            "deadline": deadline,
            "is_overdue": is_overdue,
            # Page-wide forms never read the submitted body: it may be the one refused (413).
            "language_form": LanguageForm(formdata=None, next=request.full_path.rstrip("?")),
            "unread_notifications": unread_count(db.session, current_user)
            if current_user.is_authenticated
            else 0,
            "empty_form": EmptyForm(formdata=None),
        }
