"""Activity forms; each carries a CSRF token. Times are typed in the local zone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from engage.activities.labels import ACTIVITY_KIND_NAMES
from engage.forms import options

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class ActivityForm(FlaskForm):
    """Ranges are checked by the service, so the page and the API give the same answers."""

    title = StringField(_l("活动名称"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("活动类型"), choices=options(ACTIVITY_KIND_NAMES.items()))
    location = StringField(_l("地点"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("开始时间"), format=LOCAL_FORMAT, validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("结束时间"), format=LOCAL_FORMAT, validators=[DataRequired()])
    capacity = IntegerField(_l("名额"), default=10, validators=[InputRequired()])
    points_per_hour = IntegerField(_l("每小时积分"), default=10, validators=[Optional()])
    skills = StringField(_l("所需技能（可选，用逗号分隔）"), validators=[Optional(), Length(max=200)])
    team_id = SelectField(_l("仅限队伍成员"), coerce=int, validators=[Optional()])
    waitlist = BooleanField(_l("名额满后可候补"), default=True)
    description = TextAreaField(_l("活动说明"), validators=[Optional(), Length(max=2000)])


class NewActivityForm(ActivityForm):
    repeat_weeks = IntegerField(_l("每周重复（再重复几周，0 为不重复）"), default=0, validators=[Optional()])


class AttendForm(FlaskForm):
    token = StringField(_l("签到码"), validators=[DataRequired(), Length(max=500)])


class CorrectionForm(FlaskForm):
    enrollment_id = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    checked_in_at = DateTimeLocalField(_l("签到时间"), format=LOCAL_FORMAT, validators=[DataRequired()])
    checked_out_at = DateTimeLocalField(_l("签退时间"), format=LOCAL_FORMAT, validators=[DataRequired()])
    reason = StringField(_l("更正原因"), validators=[DataRequired(), Length(max=500)])
