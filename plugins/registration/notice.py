"""What the public notice (公告) tells people about signing up."""

from __future__ import annotations

from kexie_events.i18n import moment_text, pick
from kexie_events.model import Event
from kexie_events.records import PublicNote
from kexie_plugins.registration.config import RegistrationConfig


def public_notes(event: Event, config: RegistrationConfig) -> list[PublicNote]:
    """How to sign up (``notice`` in the section replaces the default), then what to bring.

    The sign-up link is only known when ``kexie serve`` runs, so the notice points to the QR
    code or link the organiser puts next to it (or to ``public_url`` when set).
    """
    lang = event.lang
    if config.notice:
        notes = [PublicNote(config.notice, order=15)]
    else:
        where = config.public_url + "/r/" if config.public_url else ""
        closes = moment_text(config.closes.astimezone(event.tz), lang)
        opens = moment_text(config.opens.astimezone(event.tz), lang) if config.opens else ""
        text = pick(
            lang,
            "本次活动实行网上预约报名：扫描二维码或打开报名链接"
            + (f"（{where}）" if where else "")
            + "填写报名信息"
            + (f"，{opens}开始" if opens else "")
            + f"，{closes}截止"
            + (f"；每份报名最多{config.party_max}人" if config.party_max > 1 else "")
            + (f"，每个手机号限报{config.per_phone}次" if config.asks("phone") else "")
            + "。名额有限，"
            + ("报满后可排队候补，有人取消时按顺序递补。" if config.waitlist else "报满即止。")
            + "报名成功后凭手机上的二维码门票入场。",
            "Places must be booked: scan the QR code or open the sign-up link"
            + (f" ({where})" if where else "")
            + (f"; sign-up opens {opens}" if opens else "")
            + f" and closes {closes}"
            + (f"; up to {config.party_max} people per sign-up" if config.party_max > 1 else "")
            + ". Places are limited"
            + (
                "; when full, join the waiting list: places that come free go in order."
                if config.waitlist
                else "."
            )
            + " Show the QR ticket on your phone at the gate.",
        )
        notes = [PublicNote(text, order=15)]
    if config.bring:
        bring = pick(lang, f"请携带：{config.bring}", f"Bring: {config.bring}")
        notes.append(PublicNote(bring, order=30))
    return notes
