"""Ranking forms; each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from engage.rankings.models import Criterion
from engage.rankings.scoring import DEFAULT_RULE


class ScoreForm(FlaskForm):
    company_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    criterion_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    score = IntegerField(_l("得分（0–100）"), validators=[InputRequired()])
    comment = StringField(_l("评语"), validators=[DataRequired(), Length(max=500)])


class PublishForm(FlaskForm):
    red_top = IntegerField(_l("红榜名额"), default=DEFAULT_RULE["red_top"], validators=[InputRequired()])
    red_min = IntegerField(_l("红榜最低分"), default=DEFAULT_RULE["red_min"], validators=[InputRequired()])
    yellow_below = IntegerField(
        _l("低于此分列入黄榜"), default=DEFAULT_RULE["yellow_below"], validators=[InputRequired()]
    )
    yellow_last = IntegerField(
        _l("末位列入黄榜的数量"), default=DEFAULT_RULE["yellow_last"], validators=[InputRequired()]
    )
    note = StringField(_l("说明（重新发布时必填）"), validators=[Optional(), Length(max=500)])


class ResponseForm(FlaskForm):
    entry_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    text = TextAreaField(_l("整改回应"), validators=[DataRequired(), Length(max=2000)])


def weights_form(criteria: list[Criterion]) -> FlaskForm:
    """The street's criteria weights, one ``weight-<criterion id>`` field each (the service
    checks the values, 0–100, and that one is above 0)."""
    fields = {
        f"weight-{c.id}": IntegerField(
            c.name, default=c.weight, validators=[Optional()], render_kw={"min": 0, "max": 100}
        )
        for c in criteria
    }
    return type("WeightsForm", (FlaskForm,), fields)()


class UnitWeightsForm(FlaskForm):
    """The district's weights of the units' rankings (the service checks 0–100 and one above 0)."""

    response = IntegerField(_l("响应率权重"), validators=[Optional()], render_kw={"min": 0, "max": 100})
    resolution = IntegerField(_l("解决率权重"), validators=[Optional()], render_kw={"min": 0, "max": 100})
    satisfaction = IntegerField(_l("满意率权重"), validators=[Optional()], render_kw={"min": 0, "max": 100})
    timeliness = IntegerField(_l("按时率权重"), validators=[Optional()], render_kw={"min": 0, "max": 100})


class UnitPublishForm(FlaskForm):
    note = StringField(_l("说明（重新发布时必填）"), validators=[Optional(), Length(max=500)])
