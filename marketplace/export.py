"""Redemption history as an Excel workbook (openpyxl), for the street's bookkeeping."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import chain
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engage.auth.models import User
from engage.exports import workbook_bytes
from engage.privacy import mask_name
from marketplace.labels import REDEMPTION_NAMES
from marketplace.models import Redemption
from marketplace.redemption import community_redemptions

HEADERS = ("编号", "时间", "会员", "奖品", "数量", "积分", "地点", "方式", "状态", "取货码", "退款原因")
CHANNEL = {"online": "线上", "kiosk": "兑换机"}
EXPORT_MAX_ROWS = 100_000
PROGRESS_EVERY = 500


def redemptions_workbook(
    rows: list[Redemption], zone: ZoneInfo, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """One row per redemption, a total at the end; member names masked as in every list;
    ``progress(done, total)`` every ``PROGRESS_EVERY`` rows written."""
    lines = (
        (
            r.id,
            r.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            mask_name(r.member.display_name),
            r.reward.name,
            r.quantity,
            r.points_spent,
            r.location.name,
            CHANNEL[r.channel],
            str(REDEMPTION_NAMES[r.status]),
            r.pickup_code or "",
            r.refund_reason or "",
        )
        for r in rows
    )
    total = ("合计", "", "", "", sum(r.quantity for r in rows), sum(r.points_spent for r in rows))
    return workbook_bytes("兑换记录", HEADERS, chain(_counted(lines, len(rows), progress), [total]))


def _counted(lines: Iterable, total: int, progress: Callable[[int, int], None] | None) -> Iterator:
    for done, line in enumerate(lines, start=1):
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
        yield line


def redemptions_export(
    session: Session,
    progress: Callable[[int, int], None],
    *,
    zone: ZoneInfo,
    user_id: int,
    location_id: int | None,
    reward_id: int | None,
    start: str | None,
    end: str | None,
) -> bytes:
    """The history export as a queued job: the same rows, in the scope of the user who asked
    (``start`` and ``end`` as ISO times), the workbook written with progress."""
    actor = session.get(User, user_id)
    stmt = community_redemptions(
        session,
        actor,
        location_id=location_id,
        reward_id=reward_id,
        start=datetime.fromisoformat(start) if start else None,
        end=datetime.fromisoformat(end) if end else None,
    )
    rows = session.scalars(stmt.limit(EXPORT_MAX_ROWS)).all()
    progress(0, len(rows))
    return redemptions_workbook(rows, zone, progress)
