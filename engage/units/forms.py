"""The command centre's forms for departments and their members."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class DepartmentForm(FlaskForm):
    name = StringField(_l("部门名称"), validators=[DataRequired(), Length(max=80)])


class MemberForm(FlaskForm):
    username = StringField(_l("账号（用户名或手机号）"), validators=[DataRequired(), Length(max=64)])
