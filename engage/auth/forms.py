"""Forms of the account pages; every one carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional

from engage.forms import options


class LoginForm(FlaskForm):
    username = StringField(_l("手机号或用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("记住我"))


class RegisterForm(FlaskForm):
    phone = StringField(
        _l("手机号"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    display_name = StringField(
        _l("真实姓名"), validators=[DataRequired(), Length(max=50)], render_kw={"autocomplete": "name"}
    )
    role = RadioField(
        _l("我要成为"),
        choices=options([("resident", _l("居民")), ("volunteer", _l("志愿者"))]),
        default="resident",
        validators=[DataRequired()],
    )
    community_id = SelectField(_l("所在社区"), coerce=int, validators=[DataRequired()])
    micro_grid_id = SelectField(_l("所在微网格"), coerce=int, validators=[Optional()])
    password = PasswordField(
        _l("密码"), validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("确认密码"), validators=[DataRequired(), EqualTo("password", message=_l("两次输入的密码不一致。"))]
    )


class ProfileForm(FlaskForm):
    display_name = StringField(_l("真实姓名"), validators=[DataRequired(), Length(max=50)])
    locale = SelectField(
        _l("界面语言"),
        choices=options([("", _l("跟随设备")), ("zh_CN", "中文"), ("en", "English")]),
        validators=[Optional()],
    )


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("确认新密码"), validators=[DataRequired(), EqualTo("new", message=_l("两次输入的密码不一致。"))]
    )


class LanguageForm(FlaskForm):
    lang = SelectField(choices=options([("zh_CN", "中文"), ("en", "English")]))
    next = HiddenField()


class EmptyForm(FlaskForm):
    """For buttons that change state (logout, disable): a POST with a CSRF token."""


class ActiveForm(FlaskForm):
    """Enable ("1") or disable ("0") an account; anything else is refused, not read as "disable"."""

    active = HiddenField(validators=[AnyOf(("0", "1"), message=_l("账号状态只能是启用或停用。"))])
