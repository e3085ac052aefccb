from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from engage.ledger.services import MAX_AWARD, MAX_ISSUE


class AwardForm(FlaskForm):
    member = StringField(_l("手机号或用户名"), validators=[DataRequired(), Length(max=64)])
    amount = IntegerField(_l("积分"), validators=[DataRequired(), NumberRange(1, MAX_AWARD)])
    memo = StringField(_l("事由"), validators=[DataRequired(), Length(max=200)])


class IssueForm(FlaskForm):
    community_id = SelectField(_l("社区"), coerce=int)
    amount = IntegerField(_l("积分"), validators=[DataRequired(), NumberRange(1, MAX_ISSUE)])
    memo = StringField(_l("事由"), validators=[DataRequired(), Length(max=200)])
