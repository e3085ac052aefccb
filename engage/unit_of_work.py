"""One unit of work per request: the request commits once, where it ends.

Services only flush. Every view and API handler is wrapped here at start-up, the way
Indico's request handler or Warehouse's transaction manager do it, so no view has to
remember to commit or roll back:

- A POST (any unsafe method) that answers below 400 commits before its answer is sent,
  so a failing commit is answered as an error, never as a success.
- Anything else rolls back: an error answer, an exception, and every GET or HEAD;
  except an error answer that is itself a record to keep (``commit_answer``: an
  idempotent API call's stored refusal, which its retries must get again).
  A GET reads in a deferred transaction (SQLite's readers then never hold up its one
  writer) and must not change anything; one that does is a programming error.
- Security records (``audit.services.keep``: authorization failures, failed logins,
  reads of personal records) are written whatever the outcome, in their own short
  transaction when the request itself does not commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, make_transient

from engage.audit.services import KEPT_RECORDS
from engage.extensions import db
from points.db import READING

log = logging.getLogger("engage")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY = "engage.read_only"
COMMIT_ANSWER = "engage.commit_answer"


class ReadOnlyViolation(RuntimeError):
    """A GET or HEAD handler changed data: reads must be safe to repeat and to prefetch."""


def register_unit_of_work(app: Flask) -> None:
    for endpoint, view in app.view_functions.items():
        if endpoint != "static":
            app.view_functions[endpoint] = _in_unit_of_work(view)
    app.teardown_request(_write_kept_records)
    if not event.contains(db.session, "before_flush", _refuse_flush_when_reading):
        event.listen(db.session, "before_flush", _refuse_flush_when_reading)
        event.listen(db.session, "do_orm_execute", _refuse_statement_when_reading)


def _in_unit_of_work(view: Callable) -> Callable:
    @wraps(view)
    def handle(**kwargs):
        session = db.session()
        reading = request.method in SAFE_METHODS
        if reading:
            _begin_reading(session)
        response = current_app.make_response(view(**kwargs))
        if reading:
            _refuse_changes(session)
        elif response.status_code < 400 or session.info.pop(COMMIT_ANSWER, False):
            session.commit()
        return response

    return handle


def commit_answer(session: Session) -> None:
    """Commit this request's writes whatever its answer's status: they record the answer
    itself (with any work it reports), in the request's one commit."""
    session.info[COMMIT_ANSWER] = True


def _begin_reading(session: Session) -> None:
    """A deferred read transaction on SQLite (a no-op elsewhere), without autoflush so that
    the only rows a read may add, its security records, wait for their own transaction."""
    session.autoflush = False
    session.info[READ_ONLY] = True
    if not session.in_transaction():
        session.connection(execution_options=READING)


def _refuse_statement_when_reading(state: ORMExecuteState) -> None:
    if state.session.info.get(READ_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadOnlyViolation(f"{request.method} {request.path} would run {state.statement}")


def _refuse_flush_when_reading(session: Session, _context, _instances) -> None:
    if session.info.get(READ_ONLY):
        _refuse_changes(session)


def _refuse_changes(session: Session) -> None:
    kept = session.info.get(KEPT_RECORDS, [])
    changed = [row for row in session.new if row not in kept] + list(session.dirty) + list(session.deleted)
    if changed:
        raise ReadOnlyViolation(f"{request.method} {request.path} would write {changed[:3]!r}")


def _write_kept_records(_error: BaseException | None = None) -> None:
    """Roll back what was not committed; then write the security records on their own."""
    session = db.session()
    kept = session.info.pop(KEPT_RECORDS, [])
    session.info.pop(READ_ONLY, None)
    session.info.pop(COMMIT_ANSWER, None)
    session.rollback()
    if not kept:
        return
    for row in kept:
        make_transient(row)
        row.id = None
    session.add_all(kept)
    try:
        session.commit()
    except Exception:  # the answer is already made: a lost record must not hide it
        session.rollback()
        log.exception("security records not written: %r", kept)
