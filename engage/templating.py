"""Filters and names every template may use."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale, lazy_gettext as _l

from engage.privacy import mask_id_number, mask_name, mask_phone

ROLE_NAMES = {
    "resident": _l("居民"), "volunteer": _l("志愿者"), "grid_worker": _l("网格员"),
    "staff": _l("社区工作者"), "admin": _l("街道管理员"), "property_manager": _l("物业"),
    "kiosk": _l("兑换机"),
}

LEVEL_NAMES = {
    "communities": _l("社区"), "grids": _l("网格"), "micro_grids": _l("微网格"),
    "households": _l("住户"), "compounds": _l("小区"), "property_companies": _l("物业公司"),
}


KIND_NAMES = {
    "issue": _l("预算下拨"), "award": _l("社区奖励"), "order_reward": _l("服务订单"),
    "activity_reward": _l("志愿活动"), "redeem": _l("积分兑换"), "refund": _l("兑换退还"),
    "expire": _l("积分过期"), "reversal": _l("冲正"),
}


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(mask_name=mask_name, mask_phone=mask_phone,
                                 mask_id_number=mask_id_number)

    @app.context_processor
    def names():
        from engage.auth.forms import EmptyForm, LanguageForm

        return {"ROLE_NAMES": ROLE_NAMES, "get_locale": get_locale, "LEVEL_NAMES": LEVEL_NAMES, "KIND_NAMES": KIND_NAMES,
                "language_form": LanguageForm(next=request.full_path.rstrip("?")),
                "empty_form": EmptyForm()}
