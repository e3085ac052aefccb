"""Mall, counter and kiosk forms; each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from engage.forms import options
from marketplace.labels import CATEGORY_NAMES, PERIOD_NAMES

CATEGORY_CHOICES = options(CATEGORY_NAMES.items())
PERIOD_CHOICES = options([("", _l("不限购")), *PERIOD_NAMES.items()])


class RedeemForm(FlaskForm):
    """``price`` is the price the member saw; ``request_id`` makes a double tap harmless."""

    quantity = IntegerField(_l("数量"), default=1, validators=[InputRequired()])
    price = IntegerField(widget=HiddenInput(), validators=[Optional()])
    request_id = HiddenField()


class RewardForm(FlaskForm):
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=60)])
    price_points = IntegerField(_l("所需积分"), validators=[InputRequired()])
    category = SelectField(_l("类别"), choices=CATEGORY_CHOICES)
    merchant_id = SelectField(_l("提供商家"), coerce=int, validators=[Optional()])
    limit_per_person = IntegerField(_l("每人限兑数量"), validators=[Optional()])
    limit_period = SelectField(_l("限兑周期"), choices=PERIOD_CHOICES, validators=[Optional()])
    active = BooleanField(_l("上架"), default=True)
    active_from = DateField(_l("上架日期（可选）"), validators=[Optional()])
    active_until = DateField(_l("下架日期（可选，当天起下架）"), validators=[Optional()])
    picture = FileField(_l("图片（JPEG或PNG，最大5MB）"))
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


class NewRewardForm(RewardForm):
    stock = IntegerField(_l("首批库存（服务中心）"), default=0, validators=[Optional()])


class RestockForm(FlaskForm):
    location_id = SelectField(_l("地点"), coerce=int)
    delta = IntegerField(_l("数量（减少填负数）"), validators=[InputRequired()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("取货码"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class RefundForm(FlaskForm):
    reason = StringField(_l("退款原因"), validators=[DataRequired(), Length(max=200)])


class KioskForm(FlaskForm):
    name = StringField(_l("兑换机名称"), validators=[DataRequired(), Length(max=60)])
    kiosk_user_id = SelectField(_l("兑换机账号"), coerce=int)


class MerchantForm(FlaskForm):
    name = StringField(_l("商家名称"), validators=[DataRequired(), Length(max=80)])
    contact = StringField(_l("联系方式"), validators=[Optional(), Length(max=80)])


class PinForm(FlaskForm):
    pin = PasswordField(
        _l("兑换机密码（6位数字）"),
        validators=[DataRequired(), Length(min=6, max=6)],
        render_kw={"inputmode": "numeric", "autocomplete": "new-password"},
    )


class HistoryFilter(FlaskForm):
    """A GET filter: no CSRF, nothing changes."""

    class Meta:
        csrf = False

    location = SelectField(_l("地点"), coerce=int, validators=[Optional()])
    reward = SelectField(_l("奖品"), coerce=int, validators=[Optional()])
    start = DateField(_l("起始日期"), validators=[Optional()])
    end = DateField(_l("截止日期"), validators=[Optional()])


class MemberCodeForm(FlaskForm):
    token = StringField(
        _l("会员码"),
        validators=[DataRequired(), Length(max=500)],
        render_kw={"autocomplete": "off", "autofocus": True},
    )


class MemberPinForm(FlaskForm):
    member_no = StringField(
        _l("会员号"),
        validators=[DataRequired(), Length(max=10)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    pin = PasswordField(
        _l("密码"),
        validators=[DataRequired(), Length(max=6)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
