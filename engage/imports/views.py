"""The import page: templates to download, upload → preview → confirm.

Imports run in Chinese whatever the page's language: the sheets' headers and values are
Chinese (独居老人, 户主 …), and so are the reasons given for refused rows.
"""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.auth.permissions import STAFF_ROLES, require_role
from engage.community.services import communities_in_scope
from engage.exports import XLSX
from engage.extensions import db
from engage.forms import flash_errors, options, run_form
from engage.i18n import local_zone
from engage.imports import services, templates
from engage.imports.forms import ConfirmForm, UploadForm
from engage.imports.registry import KINDS
from engage.uploads import accepts_upload

bp = Blueprint("imports", __name__, url_prefix="/imports")
IMPORT_LOCALE = "zh_CN"


def _upload_form() -> UploadForm:
    form = UploadForm()
    form.community_id.choices = options(
        (c.id, c.name) for c in communities_in_scope(db.session, current_user)
    )
    return form


@bp.get("/")
@login_required
def index():
    require_role(current_user, *STAFF_ROLES)
    return _index_page(_upload_form())


def _index_page(form: UploadForm):
    return render_template(
        "imports/index.html", form=form, kinds=KINDS, runs=services.recent_runs(db.session, current_user)
    )


@bp.get("/templates/<kind>.xlsx")
@login_required
def template(kind: str):
    require_role(current_user, *STAFF_ROLES)
    found = services.kind_named(kind)
    with force_locale(IMPORT_LOCALE):
        data = templates.template(found)
    return send_file(BytesIO(data), download_name=f"{kind}-template.xlsx", as_attachment=True, mimetype=XLSX)


@bp.post("/preview")
@accepts_upload
@login_required
def preview():
    """Plan the upload and show what it would do; the file stays server-side for the confirmation."""
    form = _upload_form()
    upload = form.file.data

    def run():
        data = upload.stream.read(services.MAX_BYTES + 1)
        with force_locale(IMPORT_LOCALE):
            return services.preview(
                db.session,
                current_user,
                form.kind.data,
                community_id=form.community_id.data,
                data=data,
                filename=upload.filename or "",
                key=current_app.config["DATA_ENCRYPTION_KEY"],
                zone=local_zone(),
            )

    outcome = run_form(form, run)
    if not outcome.ok:
        return _index_page(form)
    result = outcome.value
    return render_template(
        "imports/preview.html",
        report=result.report,
        kind=KINDS[result.report.kind],
        filename=upload.filename,
        confirm=ConfirmForm(formdata=None, token=result.token) if result.token else None,
    )


@bp.post("/confirm")
@login_required
def confirm():
    form = ConfirmForm()

    def run():
        with force_locale(IMPORT_LOCALE):
            return services.confirm(
                db.session,
                current_user,
                form.token.data,
                key=current_app.config["DATA_ENCRYPTION_KEY"],
                zone=local_zone(),
            )

    outcome = run_form(form, run)
    if outcome.ok:
        report = outcome.value
        flash(
            _(
                "导入完成：新建 %(created)d 行，更新 %(updated)d 行，未变 %(unchanged)d 行。",
                created=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
            ),
            "success",
        )
    else:
        flash_errors(form)
    return redirect(url_for("imports.index"))
