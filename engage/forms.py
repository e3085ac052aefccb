"""Helpers shared by every capability's forms."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from engage.errors import DomainError, Forbidden, Invalid, NotFound
from engage.extensions import db


class ReasonForm(FlaskForm):
    """Why: the one field of a cancel or reopen button (orders, activities)."""

    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=500)])


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None


def run_form(form: FlaskForm, call: Callable[[], Any]) -> Outcome:
    """Validate, then run the service; a refusal is rolled back and shown on the form
    (being refused access is not a form error: it propagates to the error pages).

    The caller commits on ``ok`` (one commit per request) and decides where to go.
    """
    if not form.validate_on_submit():
        return Outcome(False)
    try:
        return Outcome(True, call())
    except (Forbidden, NotFound):
        raise  # not a mistake in the form: the error page (403/404) says so, and it is logged
    except DomainError as error:
        db.session.rollback()
        apply_errors(form, error)
        return Outcome(False)


def posted(form: FlaskForm) -> bool:
    """Whether this form, one of several on a page, is the one submitted: a field of its
    own (not only a CSRF token, which every form on the page carries) came in."""
    return form.is_submitted() and any(f.raw_data for f in form if f is not getattr(form, "csrf_token", None))


def require_valid(form: FlaskForm) -> None:
    """For a button's form, which has no page of its own to show errors on: a bad value
    is refused as ``Invalid`` (400, the message naming the field) before anything runs."""
    if not form.validate_on_submit():
        fields = {name: str(errors[0]) for name, errors in form.errors.items()}
        raise Invalid(" ".join(fields.values()), fields)


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Show a service's field errors next to the fields, the rest as a message."""
    unplaced = []
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            unplaced.append(message)
    if unplaced or not error.fields:
        flash(error.message, "error")


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as the choices WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]


def flash_errors(form: FlaskForm) -> None:
    """For forms that redirect instead of re-rendering: each field's errors as messages."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}：{error}", "error")
