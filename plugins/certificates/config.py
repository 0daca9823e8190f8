"""``[plugins.certificates]``: who issues the certificates, who signs them, which are printed."""

from __future__ import annotations

import datetime as dt
import re

import attrs

NAME = "certificates"
#: The kinds the built-in plugins grant; a plugin may add its own.
KNOWN_KINDS = ("volunteer-service", "training", "contest-award")
VOLUNTEER_KIND = "volunteer-service"
_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")


@attrs.frozen
class CertificatesConfig:
    """The section, typed.

    Attributes:
        issuer: the body that issues the certificates (颁发单位): the first organiser when the
            section names none.
        signatory: a line above the date, e.g. "县科协主席 王某" (empty: none).
        kinds: the kinds printed (empty: every kind granted).
        issued: the date printed on the volunteer-service certificates (the event's last day
            when not given); other plugins date their own.
        verify_url: where the event's server is reached from the internet (``https://
            kexie.example.cn/e/abc/``); the QR then opens its verification page, otherwise
            the QR carries the code alone.
        volunteer_min_hours: volunteers with fewer hours get no certificate.
        recorded_only: count only shifts in which the volunteer recorded something.
    """

    issuer: str = ""
    signatory: str = ""
    kinds: tuple[str, ...] = ()
    issued: dt.date | None = None
    verify_url: str | None = None
    volunteer_min_hours: float = 0.0
    recorded_only: bool = False

    def prints(self, kind: str) -> bool:
        """Whether certificates of ``kind`` are printed (and verified)."""
        return not self.kinds or kind in self.kinds


def read_config(reader, event) -> CertificatesConfig:
    """Parse the section; problems carry their key, so they are reported with file and line."""
    kinds = reader.texts("kinds")
    for index, kind in enumerate(kinds):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", kind):
            reader.error(("kinds", index), f"expected a kind like {KNOWN_KINDS[0]!r}, got {kind!r}")
    url = reader.text("verify_url")
    if url is not None and not _URL.fullmatch(url):
        reader.error(
            "verify_url", f"expected an address like https://example.cn/e/abc/, got {url!r}"
        )
        url = None
    if url is not None and not url.endswith("/"):
        url += "/"
    return CertificatesConfig(
        issuer=reader.text("issuer") or (event.organisers[0] if event.organisers else ""),
        signatory=reader.text("signatory", "") or "",
        kinds=kinds,
        issued=reader.day("issued"),
        verify_url=url,
        volunteer_min_hours=reader.number("volunteer_min_hours", 0.0, minimum=0) or 0.0,
        recorded_only=reader.boolean("recorded_only", False),
    )
