"""What a verification says, in the event's language: a headline and an explanation."""

from __future__ import annotations

from kexie_events.i18n import pick
from kexie_plugins.certificates.issuing import Verdict

_WORDS = {
    "genuine": (
        ("真实有效", "Genuine"),
        (
            "该证书由本活动签发，内容与活动记录一致。",
            "This certificate was issued by this event and matches its records.",
        ),
    ),
    "altered": (
        ("内容已变更，与原证书不符", "Altered: no longer matches"),
        (
            "验证码确由本活动签发，但本活动现在证明的内容已与印制时不同（例如之后补录了服务记录或"
            "更正了文字），原证书不再有效。以下为现在的内容，请与纸质证书核对。",
            "The code was signed by this event, but what the event certifies has changed since "
            "it was printed (records added later, a corrected text), so the printed certificate "
            "no longer stands. Below is what the event certifies now.",
        ),
    ),
    "withdrawn": (
        ("证书已不再有效", "No longer granted"),
        (
            "验证码确由本活动签发，但本活动现已不再颁发该证书。",
            "The code was signed by this event, but the event no longer grants this certificate.",
        ),
    ),
    "forged": (
        ("伪造或被篡改的验证码", "Forged or tampered code"),
        (
            "验证码的签名与本活动的密钥不符，验证码是伪造的或被改动过。",
            "The code's signature does not match this event's key: the code is forged or was "
            "changed.",
        ),
    ),
    "other_event": (
        ("不是本活动颁发的证书", "Not a certificate of this event"),
        (
            "该验证码不是用本活动的密钥签发的，请到颁发该证书的活动核验。",
            "The code was not signed with this event's key; verify it with the event that "
            "issued it.",
        ),
    ),
    "malformed": (
        ("无法识别的验证码", "Not a certificate code"),
        (
            "这不是证书验证码，请核对后重新输入。",
            "This is not a certificate code; check it and try again.",
        ),
    ),
}


def headline(verdict: Verdict, lang: str) -> str:
    """``真实有效``, ``伪造或被篡改的验证码`` and the like."""
    zh, en = _WORDS[verdict.outcome][0]
    return pick(lang, zh, en)


def explanation(verdict: Verdict, lang: str) -> str:
    """One or two sentences saying what the outcome means."""
    zh, en = _WORDS[verdict.outcome][1]
    return pick(lang, zh, en)
