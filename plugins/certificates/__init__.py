"""Built-in plugin ``certificates``: printable certificates with signed QR codes, verified offline.

An event with ``[plugins.certificates]`` gets, in its kit, one A4 page (HTML and Word) per
certificate granted: volunteer service (this plugin, from :mod:`kexie_events.volunteer_hours`),
training and contest awards (the quiz and contest plugins, through ``kexie_certificates``).
Each page carries a QR code signed with the event's certificate key (:mod:`.codes`);
``kexie certificates verify CODE`` and the public page ``/c/{code}`` say whether a code is
genuine and what it certifies. See ``docs/certificates.md``.
"""

from __future__ import annotations

from pathlib import Path

from kexie_events import hookimpl
from kexie_events.i18n import count_text, pick
from kexie_events.records import Document, PluginSection, ReportSection, StatusLine, Table
from kexie_plugins.certificates.config import NAME, read_config

TEMPLATES = (Path(__file__).parent / "templates",)
#: What each kind is called in the report's table.
KIND_WORDS = {
    "volunteer-service": ("志愿服务证书", "Volunteer service"),
    "training": ("培训结业证书", "Training completion"),
    "contest-award": ("竞赛获奖证书", "Contest awards"),
}


@hookimpl
def kexie_config_section():
    """``[plugins.certificates]``: issuer, signatory, kinds, date, verification address."""
    return PluginSection(read_config)


@hookimpl
def kexie_documents(event, config, store, plugins):
    """The certificates, one A4 page each, with their QR codes."""
    from markupsafe import Markup

    from kexie_events import qr
    from kexie_events.i18n import date_text
    from kexie_plugins.certificates import issuing

    lang = event.lang
    found = issuing.issued(event, config, store, plugins)
    if not found:
        return
    items = [
        {
            "certificate": item.certificate,
            "code": item.code,
            "qr": Markup(qr.svg(item.qr_text, size="32mm", version=None)),
            "issued_text": date_text(item.certificate.issued, lang),
        }
        for item in found
    ]
    yield Document(
        "certificates",
        pick(lang, "证书", "Certificates"),
        "certificates.html",
        context={
            "certificates": items,
            "issuer": config.issuer,
            "signatory": config.signatory,
            "verify_page": f"{config.verify_url}c/" if config.verify_url else "",
        },
        search_path=TEMPLATES,
        description=pick(
            lang,
            f"{count_text(len(items), lang)}份，每份一页，附防伪二维码",
            f"{count_text(len(items), lang)}, one a page, each with a signed QR code",
        ),
        order=80,
    )


@hookimpl
def kexie_web_routes(event, config):
    """The public verification page at ``/c/``."""
    from kexie_plugins.certificates.web import routes

    return routes(event, config)


@hookimpl
def kexie_cli_commands():
    """``kexie certificates verify|list``."""
    from kexie_plugins.certificates.commands import certificates

    return [certificates]


@hookimpl
def kexie_status(event, config):
    """Where the certificates' QR codes lead."""
    lang = event.lang
    if config.verify_url:
        page = f"{config.verify_url}c/"
        yield StatusLine(
            pick(lang, f"证书二维码指向核验页：{page}", f"certificate QR codes open {page}")
        )
    else:
        yield StatusLine(
            pick(
                lang,
                "证书二维码只含验证码（未设置核验网址 verify_url）",
                "certificate QR codes carry the code only (no verify_url)",
            )
        )


@hookimpl
def kexie_report_sections(event, config, store, plugins):
    """Certificates issued, by kind; volunteer hours in all."""
    from kexie_events import volunteer_hours
    from kexie_plugins.certificates import issuing

    lang = event.lang
    granted = issuing.granted(event, config, store, plugins)
    by_kind: dict[str, int] = {}
    for certificate in granted:
        by_kind[certificate.kind] = by_kind.get(certificate.kind, 0) + 1
    days = volunteer_hours.event_hours(event, store, plugins, recorded_only=config.recorded_only)
    hours = sum(d.hours for d in days)
    figures = {
        "issued": len(granted),
        "by_kind": by_kind,
        "volunteer_hours": hours,
        "volunteers_with_hours": len({d.name for d in days}),
    }
    rows = tuple(
        (pick(lang, *KIND_WORDS[kind]) if kind in KIND_WORDS else kind, count)
        for kind, count in sorted(by_kind.items())
    )
    text = (
        pick(
            lang,
            f"颁发证书{len(granted)}份；志愿者{figures['volunteers_with_hours']}人累计服务"
            f"{volunteer_hours.hours_text(hours)}小时。",
            f"{len(granted)} certificates issued; {figures['volunteers_with_hours']} volunteers "
            f"served {volunteer_hours.hours_text(hours)} hours in all.",
        ),
    )
    table = Table(
        pick(lang, "颁发证书", "Certificates issued"),
        (pick(lang, "证书", "Certificate"), pick(lang, "份数", "Issued")),
        rows,
    )
    yield ReportSection(
        NAME,
        pick(lang, "证书和志愿服务时长", "Certificates and volunteer hours"),
        figures,
        text,
        (table,),
        order=70,
    )
