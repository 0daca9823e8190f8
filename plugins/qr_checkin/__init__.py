"""Built-in plugin ``qr-checkin``: signed QR tickets, the volunteer check-in app, offline scanning.

Enabled for an event by a ``[plugins.qr-checkin]`` section (``admission = "once"`` or
``"daily"``, ``ticket_note = "..."``). See docs/checkin.md.
"""

from __future__ import annotations

from pathlib import Path

from kexie_events import hookimpl
from kexie_events.i18n import pick, term
from kexie_events.records import MigrationScripts, PluginSection, StatusLine
from kexie_plugins.qr_checkin.config import NAME, read_section


@hookimpl
def kexie_store_migrations():
    """The tickets, scans and head-count tables, and the admissions and counters."""
    return [MigrationScripts(NAME, Path(__file__).parent / "migrations")]


@hookimpl
def kexie_config_section():
    """``[plugins.qr-checkin]``: admission rule, ticket note, notice text."""
    return PluginSection(read_section)


@hookimpl
def kexie_check_event(event):
    """Check that every site has a gate to scan at."""
    from kexie_events.errors import Problem

    problems = []
    for index, site in enumerate(event.sites):
        if not site.gates:
            problems.append(
                Problem(
                    ("sites", index, "gates"),
                    pick(
                        event.lang,
                        f"“{site.name}”没有填写入口（gates），验票时无处可选",
                        "check-in needs at least one gate per site",
                    ),
                    severity="warning",
                )
            )
    return problems


@hookimpl
def kexie_status(event, store):
    """Tickets issued and revoked, people in so far."""
    from kexie_plugins.qr_checkin import ledger
    from kexie_plugins.qr_checkin.flow import stats

    with store.reading() as db:
        issued, revoked = ledger.ticket_totals(db)
    counts = stats(store)
    lang = event.lang
    yield StatusLine(
        pick(
            lang,
            f"已发放门票{issued}张（作废{revoked}张）；{term('admitted', lang)}"
            f"{counts['admitted']}人次，{term('walk_in', lang)}{counts['walk_ins']}人次。",
            f"{issued} tickets issued ({revoked} revoked); {counts['admitted']} "
            f"{term('admitted', lang)}, {counts['walk_ins']} {term('walk_in', lang, many=True)}.",
        )
    )


@hookimpl
def kexie_kit_files(event, store):
    """Ticket sheets and single tickets."""
    from kexie_plugins.qr_checkin.sheets import kit_files

    return kit_files(event, store)


@hookimpl
def kexie_cli_commands():
    """``kexie tickets``, ``kexie bundle``, ``kexie checkin``, ``kexie journal``."""
    from kexie_plugins.qr_checkin.commands import COMMANDS

    return COMMANDS


@hookimpl
def kexie_web_routes(event):
    """The phone page and the check-in API."""
    from kexie_plugins.qr_checkin.web import routes

    return routes(event)


@hookimpl
def kexie_attendance(event, store):
    """Admissions and walk-ins from the check-in tables."""
    from kexie_plugins.qr_checkin.attendance import count

    return [count(event, store)]


@hookimpl
def kexie_personal_data(store, remove):
    """Ticket holders' names and phones, whether or not the event still uses check-in."""
    from kexie_plugins.qr_checkin.personal import personal_data

    return personal_data(store, remove)


@hookimpl
def kexie_public_notes(event, config):
    """How to get a ticket and get in, for the public notice."""
    from kexie_plugins.qr_checkin.notice import public_notes

    return public_notes(event, config)
