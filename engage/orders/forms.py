"""Order forms; each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from engage.forms import options


class PlaceForm(FlaskForm):
    category = SelectField(_l("服务类别"), validators=[DataRequired()])
    title = StringField(_l("需要什么帮助"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("详细说明"), validators=[Optional(), Length(max=2000)])
    on_behalf_of = SelectField(_l("代哪位居民点单"), coerce=int, validators=[Optional()])
    priority = SelectField(
        _l("紧急程度"), choices=options([("normal", _l("一般")), ("urgent", _l("紧急"))]), default="normal"
    )
    channel = SelectField(
        _l("来源渠道"),
        validators=[Optional()],
        choices=options(
            [("grid_worker", _l("网格员代诉")), ("phone", _l("电话")), ("hotline_12345", _l("12345热线"))]
        ),
    )
    micro_grid_token = HiddenField()


class DispatchForm(FlaskForm):
    """``volunteer_id`` empty or 0 means the community pool; the service checks the volunteer."""

    volunteer_id = IntegerField(_l("派给"), validators=[Optional()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=500)])


class CompleteForm(FlaskForm):
    note = TextAreaField(_l("服务情况"), validators=[DataRequired(), Length(max=500)])
    photo = FileField(_l("照片（可选，JPEG或PNG，最大5MB）"))


class RateForm(FlaskForm):
    stars = RadioField(
        _l("评分"),
        coerce=int,
        default=5,
        choices=options([(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")]),
    )
    comment = TextAreaField(_l("评价"), validators=[Optional(), Length(max=500)])


class CategoryForm(FlaskForm):
    code = StringField(_l("代码"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=40)])
    points = IntegerField(_l("积分"), validators=[DataRequired(), NumberRange(1, 10_000)])
    skill = StringField(_l("技能标签"), validators=[Optional(), Length(max=40)])
    dispatch_hours = IntegerField(_l("派单时限（小时）"), default=24, validators=[NumberRange(1, 2160)])
    accept_hours = IntegerField(_l("接单时限（小时）"), default=24, validators=[NumberRange(1, 2160)])
    resolve_hours = IntegerField(_l("办结时限（小时）"), default=168, validators=[NumberRange(1, 2160)])
    urgent_dispatch_hours = IntegerField(
        _l("紧急：派单时限（小时）"), default=2, validators=[NumberRange(1, 2160)]
    )
    urgent_accept_hours = IntegerField(
        _l("紧急：接单/签收时限（小时）"), default=2, validators=[NumberRange(1, 2160)]
    )
    urgent_resolve_hours = IntegerField(
        _l("紧急：办结时限（小时）"), default=24, validators=[NumberRange(1, 2160)]
    )
    active = BooleanField(_l("启用"), default=True)


class AssignForm(FlaskForm):
    """分拨 or 改派: the unit picker's choices are the units the service accepts."""

    unit_id = SelectField(_l("办理单位"), coerce=int, validators=[DataRequired()])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=500)])


class ExtensionForm(FlaskForm):
    hours = IntegerField(_l("延长（小时）"), validators=[DataRequired(), NumberRange(1, 720)])
    reason = StringField(_l("延期原因"), validators=[DataRequired(), Length(max=500)])


class DecisionForm(FlaskForm):
    approve = RadioField(
        _l("审批"), choices=options([("1", _l("同意延期")), ("0", _l("不同意"))]), validators=[DataRequired()]
    )


class ReplyForm(FlaskForm):
    result = TextAreaField(_l("办理结果"), validators=[DataRequired(), Length(max=1000)])
    photo = FileField(_l("照片（可选，JPEG或PNG，最大5MB）"))


class CallbackForm(FlaskForm):
    satisfaction = RadioField(
        _l("回访结果"),
        default="satisfied",
        choices=options(
            [("satisfied", _l("满意")), ("basically", _l("基本满意")), ("unsatisfied", _l("不满意（重办）"))]
        ),
    )
    note = StringField(_l("回访记录"), validators=[Optional(), Length(max=500)])


class WhistleForm(FlaskForm):
    # The service checks each unit; the page offers only those it accepts.
    unit_ids = SelectMultipleField(
        _l("吹哨部门"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    note = StringField(_l("说明"), validators=[Optional(), Length(max=500)])


class NoteForm(FlaskForm):
    """报到: an optional note."""

    note = StringField(_l("说明"), validators=[Optional(), Length(max=500)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("答复内容"), validators=[DataRequired(), Length(max=1000)])


class PriorityForm(FlaskForm):
    priority = SelectField(
        _l("紧急程度"),
        choices=options([("normal", _l("一般")), ("urgent", _l("紧急"))]),
        validators=[DataRequired()],
    )
