"""The ``[plugins.qr-checkin]`` section of event.toml."""

from __future__ import annotations

import attrs

from kexie_events.fields import TableReader
from kexie_events.model import Event
from kexie_plugins.qr_checkin.admission import RULES

NAME = "qr-checkin"


@attrs.frozen
class QrConfig:
    """Check-in settings.

    Attributes:
        admission: ``once`` (a ticket admits once) or ``daily`` (once per day of the event).
        ticket_note: a line printed on every ticket (where to enter, what to bring).
        notice: what the public notice says about tickets, replacing the default sentence.
    """

    admission: str = "once"
    ticket_note: str = ""
    notice: str = ""


def read_section(reader: TableReader, event: Event) -> QrConfig:
    """``[plugins.qr-checkin]`` as the core hands it over (``kexie_config_section``)."""
    default = "daily" if len(event.days) > 1 else "once"
    return QrConfig(
        admission=reader.text("admission", default, choices=RULES),
        ticket_note=reader.text("ticket_note", "") or "",
        notice=reader.text("notice", "") or "",
    )


def config_of(event: Event) -> QrConfig:
    """The event's check-in settings: its parsed section, or the defaults for an event
    without one (``kexie checkin`` on a bundle of such an event)."""
    found = event.configs.get(NAME)
    return found if found is not None else read_section(TableReader({}, ("plugins", NAME)), event)
