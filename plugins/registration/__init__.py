"""Built-in plugin ``registration``: self-service sign-up with seats, slots and a waiting list.

Enabled for an event by a top-level ``[registration]`` section of event.toml. The public page
is ``/r/`` on ``kexie serve``; sign-ups get the check-in plugin's signed QR tickets; messages
go out through ``kexie_notify`` (e-mail built in); ``kexie registrations`` is for the
organiser. See docs/registration.md.
"""

from __future__ import annotations

from kexie_events import hookimpl
from kexie_events.records import PluginSection
from kexie_plugins.registration.config import read_config


@hookimpl
def kexie_store_migrations():
    """The sign-ups, their tickets, the message log, and the public pages' limits."""
    from kexie_plugins.registration.ledger import migrations

    return migrations()


@hookimpl
def kexie_config_section():
    """``[registration]``, checked as it is read (file, line and key for every problem)."""
    return PluginSection(read_config)


@hookimpl
def kexie_status(event, config, store):
    """Whether sign-up is open; seats and waiting list per slot."""
    from kexie_plugins.registration.summary import status_lines

    return status_lines(event, store, config)


@hookimpl
def kexie_web_routes(event, config):
    """The public sign-up page and API under ``/r/``."""
    from kexie_plugins.registration.web import routes

    return routes(event, config)


@hookimpl
def kexie_cli_commands():
    """``kexie registrations list|export|cancel|remind|messages``."""
    from kexie_plugins.registration.commands import COMMANDS

    return COMMANDS


@hookimpl
def kexie_report_sections(event, config, store):
    """Sign-ups, the waiting list, cancellations and no-shows."""
    from kexie_plugins.registration.summary import report_section

    return [report_section(event, store, config)]


@hookimpl
def kexie_board_tiles(event, config, store):
    """Places taken, the waiting list and who is still to come, on the live board."""
    from kexie_plugins.registration.summary import board_tile

    return [board_tile(event, store, config)]


@hookimpl
def kexie_personal_data(store, remove):
    """Registrants' names, phones, e-mail addresses, answers and the messages sent to them."""
    from kexie_plugins.registration.ledger import personal_data

    return personal_data(store, remove)


@hookimpl
def kexie_public_notes(event, config):
    """How to sign up, for the public notice."""
    from kexie_plugins.registration.notice import public_notes

    return public_notes(event, config)


@hookimpl
def kexie_notify(config, person, message):
    """E-mail, when SMTP is configured and the person gave an address."""
    from kexie_plugins.registration.notify import send_email

    return send_email(config, person, message)
