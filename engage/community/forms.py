"""One form per editable level of the hierarchy; choices come from the caller's scope."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from engage.auth.models import User
from engage.community import services
from engage.forms import options

MOBILE = Regexp(r"^1[3-9]\d{9}$", message=_l("请输入正确的11位手机号码。"))


def _none_to_zero(value):
    return int(value) if value not in (None, "", "None") else 0


class CommunityForm(FlaskForm):
    name = StringField(_l("社区名称"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("类型"), choices=options([("urban", _l("城市社区")), ("village", _l("村"))]))


class GridForm(FlaskForm):
    community_id = SelectField(_l("所属社区"), coerce=int)
    name = StringField(_l("网格名称"), validators=[DataRequired(), Length(max=80)])
    grid_worker_id = SelectField(_l("网格员"), coerce=_none_to_zero)


class MicroGridForm(FlaskForm):
    grid_id = SelectField(_l("所属网格"), coerce=int)
    name = StringField(_l("微网格名称"), validators=[DataRequired(), Length(max=80)])
    leader_name = StringField(_l("微网格长"), validators=[Optional(), Length(max=50)])


class HouseholdForm(FlaskForm):
    micro_grid_id = SelectField(_l("所属微网格"), coerce=int)
    address = StringField(_l("门牌地址"), validators=[DataRequired(), Length(max=200)])
    head_name = StringField(_l("户主姓名"), validators=[DataRequired(), Length(max=50)])
    phone = StringField(_l("联系电话"), validators=[Optional(), MOBILE])
    size = IntegerField(_l("家庭人口"), default=1, validators=[DataRequired(), NumberRange(1, 50)])


class CompoundForm(FlaskForm):
    community_id = SelectField(_l("所属社区"), coerce=int)
    name = StringField(_l("小区名称"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    property_company_id = SelectField(_l("物业公司"), coerce=_none_to_zero)


class PropertyCompanyForm(FlaskForm):
    name = StringField(_l("公司名称"), validators=[DataRequired(), Length(max=120)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=50)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), MOBILE])


FORMS = {
    "communities": CommunityForm,
    "grids": GridForm,
    "micro_grids": MicroGridForm,
    "households": HouseholdForm,
    "compounds": CompoundForm,
    "property_companies": PropertyCompanyForm,
}


def build_form(session: Session, actor: User, level: str, obj=None) -> FlaskForm:
    """The level's form, with every select limited to what the actor may link to."""
    form = FORMS[level](obj=obj)
    none = [(0, _l("（无）"))]
    choices = {
        "community_id": lambda: [(c.id, c.name) for c in services.communities_in_scope(session, actor)],
        "grid_id": lambda: [(g.id, g.name) for g in services.list_rows(session, actor, "grids")],
        "micro_grid_id": lambda: [
            (m.id, f"{m.grid.name} · {m.name}") for m in services.list_rows(session, actor, "micro_grids")
        ],
        "grid_worker_id": lambda: (
            none + [(u.id, u.display_name) for u in services.grid_workers_in_scope(session, actor)]
        ),
        "property_company_id": lambda: (
            none + [(p.id, p.name) for p in services.list_rows(session, actor, "property_companies")]
        ),
    }
    for name, make in choices.items():
        if hasattr(form, name):
            getattr(form, name).choices = options(make())
    return form


def form_values(form: FlaskForm) -> dict:
    """The submitted values, with the "(none)" choice as a real None."""
    values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    for key in ("grid_worker_id", "property_company_id"):
        if key in values and not values[key]:
            values[key] = None
    for key in ("phone", "contact_phone", "leader_name", "address", "contact_name"):
        if key in values and values[key] == "":
            values[key] = None
    return values
