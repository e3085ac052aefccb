"""The profile page's section on who gets what (channels per kind, quiet hours, digest)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from engage.forms import options
from engage.outbox.labels import NOTICE_KIND_NAMES
from engage.outbox.models import CHANNELS, NotificationPreference
from engage.outbox.preferences import Rules, chosen_channels

HOURS = options((hour, f"{hour:02d}:00") for hour in range(24))


class PreferenceForm(FlaskForm):
    quiet_hours = BooleanField(_l("免打扰时段内不发短信（紧急通知除外）"))
    quiet_start = SelectField(_l("免打扰开始"), coerce=int, choices=HOURS)
    quiet_end = SelectField(_l("免打扰结束"), coerce=int, choices=HOURS)
    digest = BooleanField(_l("非紧急通知每天汇总成一条发送"))

    def channel_field(self, channel: str, kind: str) -> BooleanField:
        return self[f"{channel}_{kind}"]

    def channels(self) -> dict[str, list[str]]:
        return {
            kind: [channel for channel in CHANNELS if self.channel_field(channel, kind).data]
            for kind in NOTICE_KIND_NAMES
        }


for _kind in NOTICE_KIND_NAMES:
    for _channel in CHANNELS:
        setattr(PreferenceForm, f"{_channel}_{_kind}", BooleanField())


def preference_form(
    preference: NotificationPreference | None, rules: Rules, *, posted: bool = False
) -> PreferenceForm:
    """The form filled with the person's choices (the defaults where they made none); a
    posted form reads the request instead."""
    if posted:
        return PreferenceForm(prefix="notify")
    start, end = rules.quiet_hours
    data = {
        "quiet_hours": preference.quiet_hours is not False,
        "quiet_start": start if preference.quiet_start is None else preference.quiet_start,
        "quiet_end": end if preference.quiet_end is None else preference.quiet_end,
        "digest": bool(preference.digest),
    }
    for kind in NOTICE_KIND_NAMES:
        chosen = chosen_channels(preference.channels, kind)
        data.update({f"{channel}_{kind}": channel in chosen for channel in CHANNELS})
    return PreferenceForm(prefix="notify", formdata=None, data=data)
