"""468 forms; each carries a CSRF token. Times are typed in the local zone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from engage.duties.labels import CARE_CATEGORY_NAMES, EVENT_KIND_NAMES, FREQUENCY_NAMES, VISIT_KIND_NAMES
from engage.forms import options


class VisitForm(FlaskForm):
    """The last three fields are optional: a need found on the visit, ordered for a resident."""

    visited_at = DateTimeLocalField(_l("走访时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    kind = SelectField(_l("方式"), choices=options(VISIT_KIND_NAMES.items()))
    found = TextAreaField(_l("走访情况"), validators=[Optional(), Length(max=2000)])
    follow_up = StringField(_l("后续跟进"), validators=[Optional(), Length(max=500)])
    order_category = SelectField(_l("代为点单（可选）"), validators=[Optional()])
    order_for = SelectField(_l("为哪位居民"), coerce=int, validators=[Optional()])
    order_title = StringField(_l("需要什么帮助"), validators=[Optional(), Length(max=100)])


class FromOrderForm(FlaskForm):
    kind = SelectField(_l("事件类型"), choices=options(EVENT_KIND_NAMES.items()))


class TargetForm(FlaskForm):
    category = SelectField(_l("类别"), choices=options(CARE_CATEGORY_NAMES.items()))
    grid_id = SelectField(_l("网格"), coerce=int)
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=50)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=11)])
    address = StringField(_l("住址"), validators=[Optional(), Length(max=200)])
    id_number = StringField(_l("身份证号（加密保存）"), validators=[Optional(), Length(max=18)])
    frequency = SelectField(
        _l("走访频次"),
        choices=options([("", _l("按类别默认"))] + list(FREQUENCY_NAMES.items())),
        validators=[Optional()],
    )
    notes = TextAreaField(_l("情况说明"), validators=[Optional(), Length(max=2000)])


class EventForm(FlaskForm):
    kind = SelectField(_l("事件类型"), choices=options(EVENT_KIND_NAMES.items()))
    grid_id = SelectField(_l("网格"), coerce=int)
    title = StringField(_l("事件"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("详细情况"), validators=[Optional(), Length(max=2000)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("处置情况"), validators=[Optional(), Length(max=2000)])


class CheckForm(NoteForm):
    """Confirming one item of a household's 必清 checklist (the service checks the item)."""

    item = HiddenField()


class PolicyForm(FlaskForm):
    """One category's visit frequency (the service checks both values)."""

    category = HiddenField()
    frequency = StringField()
