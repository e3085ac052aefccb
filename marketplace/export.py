"""Redemption history as an Excel workbook (openpyxl), for the street's bookkeeping."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from engage.exports import workbook_bytes
from engage.privacy import mask_name
from marketplace.labels import REDEMPTION_NAMES
from marketplace.models import Redemption

HEADERS = ("编号", "时间", "会员", "奖品", "数量", "积分", "地点", "方式", "状态", "取货码", "退款原因")
CHANNEL = {"online": "线上", "kiosk": "兑换机"}


def redemptions_workbook(rows: list[Redemption], zone: ZoneInfo) -> bytes:
    """One row per redemption, a total at the end; member names masked as in every list."""
    lines = [
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
    ]
    total = ("合计", "", "", "", sum(r.quantity for r in rows), sum(r.points_spent for r in rows))
    return workbook_bytes("兑换记录", HEADERS, [*lines, total])
