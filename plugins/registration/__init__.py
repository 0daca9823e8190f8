"""Built-in plugin ``registration``: self-service sign-up with seats, slots and a waiting list.

Enabled for an event by a top-level ``[registration]`` section of event.toml. The public page
is ``/r/`` on ``kexie serve``; sign-ups get the check-in plugin's signed QR tickets; messages
go out through ``kexie_notify`` (e-mail built in); ``kexie registrations`` is for the
organiser. See docs/registration.md.
"""

from __future__ import annotations

from kexie_events import hookimpl
from kexie_plugins.registration.config import NAME, read_config


@hookimpl
def kexie_store_migrations():
    """The sign-ups, their tickets and the message log."""
    from kexie_plugins.registration.ledger import MIGRATIONS

    return MIGRATIONS


@hookimpl
def kexie_check_event(event):
    """Check ``[registration]`` (file, line and key for every problem)."""
    if not event.uses(NAME):
        return []
    return read_config(event)[1]


@hookimpl
def kexie_status(event, store):
    """Whether sign-up is open; seats and waiting list per slot."""
    if not event.uses(NAME):
        return []
    from kexie_plugins.registration.summary import status_lines

    return status_lines(event, store, read_config(event)[0])


@hookimpl
def kexie_web_routes(event):
    """The public sign-up page and API under ``/r/``."""
    if not event.uses(NAME):
        return []
    from kexie_plugins.registration.web import routes

    return routes(event)


@hookimpl
def kexie_cli_commands():
    """``kexie registrations list|export|cancel|remind|messages``."""
    from kexie_plugins.registration.commands import COMMANDS

    return COMMANDS


@hookimpl
def kexie_report_sections(event, store):
    """Sign-ups, the waiting list, cancellations and no-shows."""
    if not event.uses(NAME):
        return []
    from kexie_plugins.registration.summary import report_section

    return [report_section(event, store, read_config(event)[0])]


@hookimpl
def kexie_board_tiles(event, store):
    """Places taken, the waiting list and who is still to come, on the live board."""
    if not event.uses(NAME):
        return []
    from kexie_plugins.registration.summary import board_tile

    return [board_tile(event, store, read_config(event)[0])]


@hookimpl
def kexie_personal_data(store, remove):
    """Registrants' names, phones, e-mail addresses, answers and the messages sent to them."""
    from kexie_plugins.registration.ledger import personal_data

    return personal_data(store, remove)


@hookimpl
def kexie_public_notes(event):
    """How to sign up, for the public notice."""
    if not event.uses(NAME):
        return []
    from kexie_plugins.registration.notice import public_notes

    return public_notes(event, read_config(event)[0])


@hookimpl
def kexie_notify(event, person, message):
    """E-mail, when SMTP is configured and the person gave an address."""
    if not event.uses(NAME):
        return None
    from kexie_plugins.registration.notify import send_email

    return send_email(read_config(event)[0], person, message)
