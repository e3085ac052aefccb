"""Masking of personal data in lists (docs/design.md rule 5, personal data): 张*明, 138****5678."""

from __future__ import annotations


def mask_name(name: str | None) -> str:
    """Keep the first and last character; two-character names keep the first."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(number: str | None) -> str:
    """ID cards keep the first 6 (region) and last 4 characters."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
