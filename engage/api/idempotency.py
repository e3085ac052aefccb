"""``Idempotency-Key`` for API calls that move points or stock.

A retry with the same key and body gets the first answer again (same status, same
body) and moves nothing; the same key with another body is ``idempotency_mismatch``.
The unique constraint on the stored answer decides, not a read beforehand: a handler
runs and its answer is stored in the same transaction, which the request's unit of
work (engage.unit_of_work) commits once, so the answer and the change it reports
exist together or not at all; when the key is already there (a retry, or a
concurrent twin that committed first) the insert fails, everything the handler did
rolls back, and the first answer is replayed. Retries are rare, so the
common case pays for no extra look-up.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from engage.api.core import current_actor
from engage.api.models import IdempotentRequest
from engage.errorhandlers import describe, is_expected
from engage.errors import Conflict, Invalid
from engage.extensions import db
from engage.unit_of_work import commit_answer
from points.inserts import stored_unless_taken

KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


class ReusedRequestKey(Conflict):
    """An Idempotency-Key header sent again with a different request (the ledger's own
    ``points.IdempotencyMismatch`` is about its transfers; both answer the same code)."""

    code = "idempotency_mismatch"


def _key() -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not KEY_RE.match(key):
        raise Invalid(
            _("缺少或无效的 Idempotency-Key 请求头。"),
            {"Idempotency-Key": _("需要1到200个可打印ASCII字符。")},
        )
    return key


def _fingerprint() -> str:
    body = request.get_json(silent=True)
    canonical = json.dumps([request.method, request.path, body], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(row: IdempotentRequest, fingerprint: str):
    if row.fingerprint != fingerprint:
        raise ReusedRequestKey(_("该 Idempotency-Key 已用于不同的请求。"))
    return jsonify(row.body), row.status


def _find(scope: str, key: str) -> IdempotentRequest | None:
    return db.session.scalar(
        select(IdempotentRequest).where(IdempotentRequest.scope == scope, IdempotentRequest.key == key)
    )


def _store(scope: str, key: str, fingerprint: str, status: int, body: dict):
    """Record the answer in the request's transaction, which the unit of work then commits
    once, with the work (an error answer too: its retries must get the same refusal);
    a concurrent twin that stored its answer first makes us replay that one."""
    stored = stored_unless_taken(
        db.session,
        IdempotentRequest,
        {"scope": scope, "key": key, "fingerprint": fingerprint, "status": status, "body": body},
        ("scope", "key"),
    )
    if stored is None:
        if (replayed := _replay_stored(scope, key, fingerprint)) is None:
            raise RuntimeError(f"idempotency key {key!r} taken, yet no answer is stored")
        return replayed
    commit_answer(db.session)
    return jsonify(body), status


def _replay_stored(scope: str, key: str, fingerprint: str):
    """The first answer to this key, once this attempt's work is rolled back; None if there is none."""
    db.session.rollback()
    row = _find(scope, key)
    return _replay(row, fingerprint) if row is not None else None


def idempotent(view: Callable[..., tuple[dict, int]]) -> Callable:
    """Wrap a handler that returns ``(body, status)`` without committing."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key, fingerprint = _key(), _fingerprint()
        scope = f"user:{current_actor().id}"
        try:
            body, status = view(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - expected refusals are answers too
            if not is_expected(error):
                # A retry can fail where the first attempt succeeded; its answer stands.
                if (replayed := _replay_stored(scope, key, fingerprint)) is not None:
                    return replayed
                raise
            db.session.rollback()
            status, code, message, fields = describe(error)
            body = {"error": {"code": code, "message": message, **({"fields": fields} if fields else {})}}
        return _store(scope, key, fingerprint, status, body)

    return wrapper
