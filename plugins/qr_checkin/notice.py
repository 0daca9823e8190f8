"""What the public notice (公告) tells people about tickets."""

from __future__ import annotations

from kexie_events.i18n import pick
from kexie_events.model import Event
from kexie_events.records import PublicNote
from kexie_plugins.qr_checkin.config import QrConfig


def public_notes(event: Event, config: QrConfig) -> list[PublicNote]:
    """How to get a ticket and get in (``notice`` in the section replaces the default)."""
    if config.notice:
        return [PublicNote(config.notice, order=20)]
    daily = config.admission == "daily"
    if event.uses("registration"):
        # The sign-up plugin says how to sign up; tickets then come with the sign-up.
        text = pick(
            event.lang,
            "本次活动凭报名后获得的二维码门票入场，一票一人"
            + ("，每天可入场一次" if daily else "")
            + "，请在入口出示手机上的门票或打印的门票供志愿者扫码。",
            "Entry is by the QR ticket you get when you sign up, one person per ticket"
            + (", once a day" if daily else "")
            + ": show it on your phone or on paper at the gate.",
        )
        return [PublicNote(text, order=20)]
    text = pick(
        event.lang,
        "本次活动凭二维码门票入场，一票一人"
        + ("，每天可入场一次" if daily else "")
        + "，请在入口出示纸质门票或手机上的门票供志愿者扫码。门票由主办单位分发到各学校和单位；"
        "没有门票的群众可在现场入口由志愿者登记后入场。",
        "Entry is by QR ticket, one person per ticket"
        + (", once a day" if daily else "")
        + ": show the printed ticket or the one on your phone at the gate. Tickets go out "
        "through schools and organisations; without a ticket, volunteers at the gate count "
        "you in.",
    )
    return [PublicNote(text, order=20)]
