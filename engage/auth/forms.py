"""Forms of the account pages; every one carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
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


class CodeLoginForm(FlaskForm):
    """Phone, then a code: one page, two buttons (send the code; sign in with it)."""

    phone = StringField(
        _l("手机号"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    code = StringField(
        _l("验证码"),
        validators=[Optional(), Length(max=10)],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6},
    )
    send = SubmitField(_l("获取验证码"))
    submit = SubmitField(_l("登录"))


class CodeResetForm(CodeLoginForm):
    password = PasswordField(
        _l("新密码"), validators=[Optional(), Length(max=128)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("确认新密码"),
        validators=[EqualTo("password", message=_l("两次输入的密码不一致。"))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("重置密码"))


class NewPasswordForm(FlaskForm):
    """The password an account must choose after staff reset it (no current one asked)."""

    new = PasswordField(
        _l("新密码"), validators=[DataRequired(), Length(max=128)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("确认新密码"), validators=[DataRequired(), EqualTo("new", message=_l("两次输入的密码不一致。"))]
    )


class StaffResetForm(FlaskForm):
    """Reset an account's password: show the one-time password ("show") or text it ("sms")."""

    deliver = HiddenField(validators=[AnyOf(("show", "sms"), message=_l("请选择显示或短信发送。"))])


class LanguageForm(FlaskForm):
    lang = SelectField(choices=options([("zh_CN", "中文"), ("en", "English")]))
    next = HiddenField()


class EmptyForm(FlaskForm):
    """For buttons that change state (logout, disable): a POST with a CSRF token."""


class ActiveForm(FlaskForm):
    """Enable ("1") or disable ("0") an account; anything else is refused, not read as "disable"."""

    active = HiddenField(validators=[AnyOf(("0", "1"), message=_l("账号状态只能是启用或停用。"))])
