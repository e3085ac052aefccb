"""A queued job's page (a progress bar the page's script fills), its state as JSON for that
script, and its file once made. Only the account that started a job sees it; others get 404."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_login import current_user, login_required

from engage.background.queue import JobState, job_result, job_state
from engage.exports import XLSX

bp = Blueprint("background", __name__, url_prefix="/jobs")


def _state(job_id: str) -> JobState:
    return job_state(job_id, current_user.id) or abort(404)


@bp.get("/<job_id>")
@login_required
def job(job_id: str):
    return render_template("background/job.html", job=_state(job_id))


@bp.get("/<job_id>.json")
@login_required
def job_json(job_id: str):
    state = _state(job_id)
    download = url_for("background.download", job_id=job_id) if state.status == "finished" else None
    return jsonify({**state.json(), "download": download})


@bp.get("/<job_id>/download")
@login_required
def download(job_id: str):
    state = _state(job_id)
    content = job_result(job_id, current_user.id)
    if not isinstance(content, bytes):
        abort(404)
    return send_file(
        BytesIO(content),
        download_name=state.meta.get("filename", "export.xlsx"),
        as_attachment=True,
        mimetype=XLSX,
    )
