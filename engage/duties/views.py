"""468 pages: the grid worker's due visits, care records, events, household checks,
and the compliance dashboard with its kept reports."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from engage.auth.login import current_scope
from engage.auth.permissions import STAFF_ROLES, require_role
from engage.community.models import Grid
from engage.community.services import community_residents
from engage.duties import care, checks, compliance, events, rhythm
from engage.duties.forms import (
    CheckForm,
    EventForm,
    FromOrderForm,
    NoteForm,
    PolicyForm,
    TargetForm,
    VisitForm,
)
from engage.duties.labels import CARE_CATEGORY_NAMES, CHECK_ITEM_NAMES
from engage.duties.models import RESTRICTED, CareTarget, DutyEvent
from engage.exports import xlsx_download
from engage.extensions import db
from engage.forms import flash_errors, options, run_form
from engage.i18n import from_local, local_zone, to_local
from engage.orders.categories import active_categories
from engage.periods import recent
from points.base import utcnow

bp = Blueprint("duties", __name__, url_prefix="/duties")


def _grid_choices(form) -> None:
    ids = compliance.grid_ids_in_scope(db.session, current_user)
    form.grid_id.choices = options(
        (g.id, g.name) for g in db.session.scalars(select(Grid).where(Grid.id.in_(ids)).order_by(Grid.id))
    )


@bp.get("/")
@login_required
def index():
    now = utcnow()
    overdue = db.session.scalars(care.target_list(db.session, current_user, overdue=True, now=now)).all()
    soon = db.session.scalars(
        care.target_list(db.session, current_user, due_before=now + timedelta(days=7)).where(
            CareTarget.next_visit_due > now
        )
    ).all()
    open_events = db.session.scalars(
        events.events_in_scope(db.session, current_user)
        .where(DutyEvent.status != "closed")
        .order_by(DutyEvent.arrive_by)
    ).all()
    return render_template(
        "duties/index.html",
        overdue=overdue,
        soon=soon,
        open_events=open_events,
        now=now,
        is_late=events.is_late,
        staff=current_user.has_role(*STAFF_ROLES),
    )


@bp.route("/targets/new", methods=["GET", "POST"])
@login_required
def new_target():
    require_role(current_user, *STAFF_ROLES)
    form = TargetForm()
    _grid_choices(form)
    outcome = run_form(
        form,
        lambda: care.register_target(
            db.session,
            current_user,
            grid_id=form.grid_id.data,
            category=form.category.data,
            name=form.name.data,
            phone=form.phone.data or "",
            address=form.address.data or "",
            id_number=form.id_number.data or "",
            notes=form.notes.data or "",
            frequency=form.frequency.data or None,
            zone=local_zone(),
            key=current_app.config["DATA_ENCRYPTION_KEY"],
        ),
    )
    if outcome.ok:
        flash(_("已登记走访对象。"), "success")
        return redirect(url_for("duties.target", target_id=outcome.value.id))
    return render_template("duties/target_form.html", form=form)


@bp.get("/targets/<int:target_id>")
@login_required
def target(target_id: int):
    """The full record: opening it is logged (docs/design.md rule 5, personal data)."""
    record = care.open_record(
        db.session, current_user, target_id, purpose="page", key=current_app.config["DATA_ENCRYPTION_KEY"]
    )
    form = _order_choices(VisitForm(visited_at=to_local(utcnow()).replace(second=0, microsecond=0)))
    return render_template(
        "duties/target.html",
        record=record,
        form=form,
        now=utcnow(),
        frequency=care.frequency_of(db.session, record.target),
    )


def _order_choices(form: VisitForm) -> VisitForm:
    """Order categories of the community and its residents, for a need found on a visit."""
    form.order_category.choices = options(
        [("", _("不下单"))]
        + [(c.code, c.name) for c in active_categories(db.session, current_scope().community_id)]
    )
    form.order_for.choices = options(
        [(0, "—")]
        + [(u.id, u.display_name) for u in community_residents(db.session, current_scope().community_id)]
    )
    return form


@bp.post("/targets/<int:target_id>/visits")
@login_required
def visit(target_id: int):
    form = _order_choices(VisitForm())
    outcome = run_form(
        form,
        lambda: care.record_visit(
            db.session,
            current_user,
            target_id,
            visited_at=from_local(form.visited_at.data),
            kind=form.kind.data,
            found=form.found.data or "",
            follow_up=form.follow_up.data or "",
            zone=local_zone(),
            order_category=form.order_category.data or None,
            order_title=form.order_title.data or "",
            order_for=form.order_for.data or None,
            key=current_app.config["DATA_ENCRYPTION_KEY"],
        ),
    )
    if outcome.ok:
        flash(_("走访已记录。"), "success")
        return redirect(url_for("duties.index"))
    flash_errors(form)
    return redirect(url_for("duties.target", target_id=target_id))


@bp.get("/targets.xlsx")
@login_required
def export_targets():
    """Names and phones masked, no ID numbers, and no notes of the restricted categories."""
    now, zone = utcnow(), local_zone()

    def row(target: CareTarget) -> tuple:
        shown = care.masked(target, now)
        return (
            target.id,
            str(CARE_CATEGORY_NAMES[target.category]),
            shown["name"],
            shown["phone"],
            target.grid.name,
            target.next_visit_due.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "是" if shown["overdue"] else "",
            "" if target.category in RESTRICTED else target.notes,
        )

    return xlsx_download(
        "care-targets.xlsx",
        "走访对象",
        ("编号", "类别", "姓名", "电话", "网格", "下次走访截止", "逾期", "情况说明"),
        map(row, db.session.scalars(care.target_list(db.session, current_user))),
    )


@bp.route("/events", methods=["GET", "POST"])
@login_required
def event_list():
    form = EventForm()
    _grid_choices(form)
    config = current_app.config
    outcome = run_form(
        form,
        lambda: events.report_event(
            db.session,
            current_user,
            grid_id=form.grid_id.data,
            kind=form.kind.data,
            title=form.title.data,
            description=form.description.data or "",
            urgent_minutes=config["DUTY_URGENT_ARRIVE_MINUTES"],
            other_hours=config["DUTY_ARRIVE_HOURS"],
        ),
    )
    if outcome.ok:
        flash(_("已上报，网格员将按时到场。"), "success")
        return redirect(url_for("duties.event", event_id=outcome.value.id))
    rows = db.session.scalars(
        events.events_in_scope(db.session, current_user).order_by(DutyEvent.reported_at.desc()).limit(100)
    ).all()
    return render_template("duties/events.html", form=form, rows=rows, now=utcnow(), is_late=events.is_late)


@bp.post("/events/from-order/<int:order_id>")
@login_required
def event_from_order(order_id: int):
    form = FromOrderForm()
    config = current_app.config
    outcome = run_form(
        form,
        lambda: events.report_from_order(
            db.session,
            current_user,
            order_id,
            kind=form.kind.data,
            urgent_minutes=config["DUTY_URGENT_ARRIVE_MINUTES"],
            other_hours=config["DUTY_ARRIVE_HOURS"],
        ),
    )
    if not outcome.ok:
        return redirect(url_for("orders.detail", order_id=order_id))
    flash(_("已列为必到事件。"), "success")
    return redirect(url_for("duties.event", event_id=outcome.value.id))


@bp.get("/events/<int:event_id>")
@login_required
def event(event_id: int):
    found = events.get_event(db.session, current_user, event_id)
    return render_template(
        "duties/event.html", event=found, form=NoteForm(), now=utcnow(), late=events.is_late(found, utcnow())
    )


@bp.post("/events/<int:event_id>/<any(arrive, handle, close):step>")
@login_required
def advance(event_id: int, step: str):
    form = NoteForm()
    if run_form(
        form, lambda: events.advance(db.session, current_user, event_id, step, note=form.note.data or "")
    ).ok:
        flash(_("已更新。"), "success")
    return redirect(url_for("duties.event", event_id=event_id))


@bp.route("/households/<int:household_id>", methods=["GET", "POST"])
@login_required
def household(household_id: int):
    form = CheckForm()
    if (
        request.method == "POST"
        and run_form(
            form,
            lambda: checks.confirm(
                db.session, current_user, household_id, form.item.data or "", note=form.note.data or ""
            ),
        ).ok
    ):
        flash(_("已确认：%(item)s", item=CHECK_ITEM_NAMES[form.item.data]), "success")
        return redirect(url_for("duties.household", household_id=household_id))
    found, items = checks.checklist(db.session, current_user, household_id)
    stale = utcnow() - timedelta(days=current_app.config["DUTY_STALE_DAYS"])
    return render_template("duties/household.html", household=found, items=items, form=form, stale=stale)


@bp.get("/compliance")
@login_required
def dashboard():
    zone, stale_days = local_zone(), current_app.config["DUTY_STALE_DAYS"]
    period = compliance.parse_period(request.args.get("period"), zone)
    months, weeks = recent("month", 6, zone, now=utcnow()), recent("week", 8, zone, now=utcnow())
    current, *trend = [
        f.as_json()
        for f in compliance.figures_over(  # one load for all fifteen periods
            db.session, current_user, [period, *months, *weeks], stale_days=stale_days
        )
    ]
    return render_template(
        "duties/compliance.html",
        current=current,
        period=period,
        months=trend[: len(months)],
        weeks=trend[len(months) :],
        grids=[
            (grid, f.as_json())
            for grid, f in compliance.figures_by_grid(db.session, current_user, period, stale_days=stale_days)
        ],
    )


@bp.route("/policies", methods=["GET", "POST"])
@login_required
def policies():
    """How often each category is visited in this community."""
    require_role(current_user, *STAFF_ROLES)
    form = PolicyForm()
    if (
        request.method == "POST"
        and run_form(
            form,
            lambda: care.set_policy(
                db.session,
                current_user,
                form.category.data or "",
                form.frequency.data or "",
                zone=local_zone(),
            ),
        ).ok
    ):
        flash(_("走访频次已更新，相关对象的截止日期已重新计算。"), "success")
        return redirect(url_for("duties.policies"))
    return render_template(
        "duties/policies.html", policies=care.policies(db.session, current_user), form=form
    )


@bp.get("/reports")
@login_required
def reports():
    return render_template("duties/reports.html", rows=rhythm.kept_reports(db.session, current_user))


@bp.get("/reports.xlsx")
@login_required
def export_reports():
    reports = rhythm.kept_reports(db.session, current_user, newest_first=False)
    return xlsx_download(
        "duty-reports.xlsx",
        "468通报",
        ("类型", "期间", "必到及时率", "必清完整率", "必访完成率", "逾期对象"),
        (
            (
                "周" if r.kind == "week" else "月",
                r.label,
                r.figures["must_arrive"]["rate"],
                r.figures["must_know"]["rate"],
                r.figures["must_visit"]["rate"],
                r.figures["must_visit"]["overdue"],
            )
            for r in reports
        ),
    )
