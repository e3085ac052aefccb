"""Volunteer profile and team forms; each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from engage.forms import options
from engage.volunteers.labels import GROUP_NAMES


class ProfileForm(FlaskForm):
    volunteer_group = RadioField(_l("群体类别"), choices=options(GROUP_NAMES.items()), default="resident")
    skills = StringField(
        _l("技能（用逗号分隔，如：维修,理发,陪诊）"), validators=[Optional(), Length(max=200)]
    )
    availability = StringField(
        _l("可服务时间（如：周末上午、工作日晚上）"), validators=[Optional(), Length(max=200)]
    )
    id_number = StringField(
        _l("身份证号（用于开具志愿服务证明，加密保存；不修改请留空）"),
        validators=[Optional(), Length(max=18)],
        render_kw={"autocomplete": "off"},
    )


class TeamForm(FlaskForm):
    name = StringField(_l("队伍名称"), validators=[DataRequired(), Length(max=40)])
    description = TextAreaField(_l("简介"), validators=[Optional(), Length(max=2000)])
